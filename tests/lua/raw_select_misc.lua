-- select, rawequal/rawlen/rawget/rawset, type, _G, _ENV and misc base functions.
print(select('#'), select('#', nil), select('#', 1, nil, nil), select(2, 'a', 'b', 'c'))
print(select(-1, 1, 2, 3), select(-2, 1, 2, 3))
print(select('#', select(2, 1, 2, 3)), pcall(select, '#x', 1))
print(rawequal(1, 1), rawequal(1, 1.0), rawequal("a", "a"), rawequal({}, {}), rawequal(nil, nil), rawequal(0, -0))
print(pcall(rawequal, 1))
local E = {__eq = function() return true end}
local a, b = setmetatable({}, E), setmetatable({}, E)
print(a == b, rawequal(a, b))
print(rawlen({1, 2, 3}), rawlen("hello"), rawlen(setmetatable({1}, {__len = function() return 99 end})))
local t = setmetatable({}, {__index = function() return "dflt" end, __newindex = function() error("blocked") end})
rawset(t, "a", 1)
print(t.a, t.b, rawget(t, "b"), rawget(t, "a"), rawset(t, "c", 3) == t, t.c)
print(pcall(rawget, "str", 1))
print(pcall(rawset, {}, nil, 1))
-- type
print(type(nil), type(true), type(1), type(1.5), type("s"), type({}), type(print), type(type), type(coroutine.create(print)))
print(pcall(type))
-- _G and _ENV
print(_G._G == _G, _G.print == print, _ENV == _G)
x_global = 10
print(_G.x_global, _ENV.x_global, rawget(_G, "x_global"))
do
  local _ENV = {print = print, tostring = tostring}
  y_in_env = 5
  print(y_in_env, tostring(x_global))
end
print(y_in_env, rawget(_G, "y_in_env"))
local function with_env()
  local _ENV = setmetatable({}, {__index = _G})
  z_local_env = 1
  return z_local_env, _G.z_local_env
end
print(with_env())
-- globals through a metatable on _G
setmetatable(_G, {__index = function(_, k) return "undefined:" .. k end})
print(some_undefined_name)
setmetatable(_G, nil)
print(some_undefined_name)
-- _VERSION
print(_VERSION)
-- next, ipairs and pairs are functions, ipairs returns 3 values
print(select('#', ipairs({})), select('#', pairs({})))
local f, s, i = ipairs({})
print(type(f), type(s), i)
-- numeric keys normalisation in rawget
local n = {}
rawset(n, 2.0, "two")
print(rawget(n, 2), math.type(next(n)))
-- getmetatable/setmetatable with __metatable field
local prot = setmetatable({}, {__metatable = {"fake"}})
print(getmetatable(prot)[1])
-- tostring(-nan) vs nan are platform specific: only check it is a string
print(type(tostring(0/0)))
-- print with no arguments prints an empty line, print calls tostring on each argument
print()
print(nil, false, 0, "", setmetatable({}, {__tostring = function() return "obj" end}))
-- dofile/loadfile/require exist
print(type(dofile), type(loadfile), type(require), type(package), type(package.loaded))
print(package.loaded.string == string, package.loaded._G == _G)
