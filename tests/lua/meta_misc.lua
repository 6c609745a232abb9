-- __tostring, __name, __metatable, __pairs, __close, __mode, __index on strings, __gc presence.
local P = {__tostring = function(p) return "Point(" .. p.x .. ")" end}
local pt = setmetatable({x = 3}, P)
print(pt, tostring(pt), string.format("%s|%s", pt, 1))
print(pcall(tostring, setmetatable({}, {__tostring = function() return 42 end})))
print(pcall(print, setmetatable({}, {__tostring = function() return {} end})))
print(pcall(tostring, setmetatable({}, {__tostring = function() error("inside tostring") end})))
-- __name is used by tostring when there is no __tostring (address follows, so check prefix)
local named = setmetatable({}, {__name = "MyType"})
print((tostring(named):gsub("0x%x+", "ADDR"):gsub(": [%x]+$", ": ADDR")))
print(tostring(named):match("^MyType: ") ~= nil)
print(pcall(math.floor, named))
print(pcall(string.rep, named))
-- __name that is not a string is ignored
print(tostring(setmetatable({}, {__name = 1})):match("^table: ") ~= nil)
-- __metatable protects the metatable
local prot = setmetatable({}, {__metatable = "locked"})
print(getmetatable(prot), pcall(setmetatable, prot, {}))
local prot2 = setmetatable({}, {__metatable = false})
print(getmetatable(prot2))
-- getmetatable("") returns the string metatable, which has __index = string
print(getmetatable("").__index == string, ("x"):rep(3, "-"))
-- __pairs
local hidden = {a = 1, b = 2}
local facade = setmetatable({}, {__pairs = function(t)
  local keys = {"b", "a"}
  local i = 0
  return function() i = i + 1 local k = keys[i] if k then return k, hidden[k] end end, t, nil
end})
for k, v in pairs(facade) do io.write(k, "=", v, " ") end
print()
-- __pairs can return 4 values (closing value)
local closed = false
local fac2 = setmetatable({}, {__pairs = function(t)
  return function(_, k) if not k then return 1, 1 end end, t, nil,
    setmetatable({}, {__close = function() closed = true end})
end})
for k in pairs(fac2) do end
print("pairs closing value closed:", closed)
-- __index on the string metatable can be extended
string.shout = function(s) return s:upper() .. "!" end
print(("hey"):shout())
string.shout = nil
print(pcall(function() return ("hey"):shout() end))
-- __close runs even with an error value, receives the error
do
  local order = {}
  do
    local a <close> = setmetatable({}, {__close = function(_, e) order[#order + 1] = "a:" .. tostring(e) end})
    local b <close> = setmetatable({}, {__close = function(_, e) order[#order + 1] = "b:" .. tostring(e) end})
  end
  print(table.concat(order, " "))
end
-- values with __close that are nil/false are allowed
do
  local n <close> = nil
  local f <close> = false
  print("nil and false are fine as to-be-closed values")
end
print(pcall(function() local x <close> = {} end))
print(pcall(function() local x <close> = 42 end))
-- __div and __idiv distinct, __mod used for %
local M = setmetatable({}, {__div = function() return "div" end, __idiv = function() return "idiv" end, __mod = function() return "mod" end})
print(M / 1, M // 1, M % 1)
-- tostring of basic values
print(tostring(nil), tostring(true), tostring(false), tostring(12), tostring(-0.0), tostring("s"))
print(type(tostring(print)), tostring(print):match("^builtin: ") ~= nil or tostring(print):match("^function: ") ~= nil)
print(tostring({}):match("^table: ") ~= nil, tostring(coroutine.create(print)):match("^thread: ") ~= nil)
print(pcall(tostring))
