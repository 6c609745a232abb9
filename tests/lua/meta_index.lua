-- __index, __newindex, __call, rawget/rawset and inheritance chains.
local Base = {}
Base.__index = Base
function Base.new(x) return setmetatable({x = x}, Base) end
function Base:get() return self.x end
function Base:name() return "Base" end
local Derived = setmetatable({}, {__index = Base})
Derived.__index = Derived
function Derived.new(x, y) local o = Base.new(x) o.y = y return setmetatable(o, Derived) end
function Derived:name() return "Derived(" .. Base.name(self) .. ")" end
local d = Derived.new(1, 2)
print(d:get(), d.y, d:name(), getmetatable(d) == Derived, rawget(d, "get"))
-- __index chain of tables, three levels deep
local A = {a = "A"}
local B = setmetatable({b = "B"}, {__index = A})
local C = setmetatable({c = "C"}, {__index = B})
local obj = setmetatable({}, {__index = C})
print(obj.a, obj.b, obj.c, obj.d)
-- __index function receives table and key
local calls = {}
local lazy = setmetatable({}, {__index = function(t, k)
  calls[#calls + 1] = tostring(k)
  local v = type(k) == "number" and k * 2 or k:upper()
  rawset(t, k, v)
  return v
end})
print(lazy[21], lazy.abc, lazy[21], lazy.abc, table.concat(calls, ","))
-- __index on a function-valued chain: table whose metatable's __index is a table with __index function
local inner = setmetatable({}, {__index = function(_, k) return "inner:" .. k end})
local outer = setmetatable({}, {__index = inner})
print(outer.key)
-- __newindex with a function and with a table
local log = {}
local guarded = setmetatable({}, {__newindex = function(t, k, v)
  log[#log + 1] = k .. "=" .. tostring(v)
  rawset(t, k, v)
end})
guarded.a = 1
guarded.a = 2          -- existing key: no metamethod
guarded.b = nil
print(table.concat(log, " "), guarded.a, rawget(guarded, "b"))
local store = {}
local redirect = setmetatable({}, {__newindex = store})
redirect.x = 10
print(rawget(redirect, "x"), store.x)
-- __newindex chain: table whose __newindex is a table with its own __newindex
local sink = {}
local mid = setmetatable({}, {__newindex = function(_, k, v) sink[k] = v .. "!" end})
local top = setmetatable({}, {__newindex = mid})
top.k = "v"
print(sink.k, rawget(mid, "k"), rawget(top, "k"))
-- read-only table
local function readonly(t)
  return setmetatable({}, {__index = t, __newindex = function(_, k) error("attempt to update a read-only table (key " .. tostring(k) .. ")", 2) end, __len = function() return #t end})
end
local ro = readonly({1, 2, 3})
print(ro[2], #ro, pcall(function() ro[1] = 5 end))
-- __call
local callable = setmetatable({}, {__call = function(self, a, b) return "called", a, b, self ~= nil end})
print(callable(1, 2))
print(pcall(callable, "p"))
local chained = setmetatable({}, {__call = callable})
local okc, w, a1, a2, a3 = pcall(chained, "x")
print(okc, w, a1 == chained, a2, a3)
-- __call used by the generic for
local iter = setmetatable({n = 0}, {__call = function(self) self.n = self.n + 1 if self.n <= 3 then return self.n end end})
for v in iter do io.write(v, " ") end
print()
-- rawget/rawset bypass metamethods
local mt = {__index = function() return "meta" end, __newindex = function() error("no") end}
local r = setmetatable({}, mt)
rawset(r, "k", "raw")
print(r.k, rawget(r, "missing"), r.missing, rawequal(r, r), rawlen({1, 2, 3}), rawlen("abcd"))
print(pcall(rawset, r, nil, 1))
print(pcall(rawset, r, 0/0, 1))
print(pcall(rawlen, 5))
-- __index on non-table values via debug-free means: strings have a metatable
print(("abc").len == string.len, ("abc"):upper(), #getmetatable("").__index == 0)
-- setting the key nil removes it; nan/nil keys
local t = {}
print(pcall(function() t[nil] = 1 end))
print(pcall(function() t[0/0] = 1 end))
print(t[nil], t[0/0])
-- __index depth: long chain of 50 tables
local base = {deep = "bottom"}
for _ = 1, 50 do base = setmetatable({}, {__index = base}) end
print(base.deep)
-- setmetatable returns its first argument, getmetatable of nil
local z = {}
print(setmetatable(z, nil) == z, getmetatable(z), getmetatable(1), getmetatable(print))
print(pcall(setmetatable, 1, {}))
print(pcall(setmetatable, {}, 1))
