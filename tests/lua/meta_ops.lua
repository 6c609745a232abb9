-- Arithmetic, bitwise, concat, length, equality and ordering metamethods.
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
local function tos(v) if getmetatable(v) == V then return "(" .. v.x .. "," .. v.y .. ")" end return tostring(v) end
V.__add = function(a, b)
  if type(a) == "number" then return vec(a + b.x, a + b.y) end
  if type(b) == "number" then return vec(a.x + b, a.y + b) end
  return vec(a.x + b.x, a.y + b.y)
end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b) if type(b) == "number" then return vec(a.x * b, a.y * b) end return a.x * b.x + a.y * b.y end
V.__div = function(a, b) return vec(a.x / b, a.y / b) end
V.__mod = function(a, b) return vec(a.x % b, a.y % b) end
V.__pow = function(a, b) return vec(a.x ^ b, a.y ^ b) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__idiv = function(a, b) return vec(a.x // b, a.y // b) end
V.__band = function(a, b) return "band" end
V.__bor = function(a, b) return "bor" end
V.__bxor = function(a, b) return "bxor" end
V.__shl = function(a, b) return "shl" end
V.__shr = function(a, b) return "shr" end
V.__bnot = function(a) return "bnot" end
V.__concat = function(a, b) return tos(a) .. "&" .. tos(b) end
V.__len = function(a) return 2 end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
local a, b = vec(1, 2), vec(3, 4)
print(tos(a + b), tos(a + 10), tos(10 + a), tos(b - a), a * b, tos(a * 3))
print(tos(b / 2), tos(b % 2), tos(a ^ 2), tos(-a), tos(b // 2))
print(a & 1, 1 | a, a ~ a, a << 1, 1 >> a, ~a)
print(a .. b, a .. "s", "s" .. a, 1 .. a, a .. b .. "end")
print(#a, a == vec(1, 2), a ~= vec(1, 2), a == b, a < b, a <= b, a > b, a >= b)
-- __eq is not called for primitive equality or identical objects
local eqcalls = 0
local E = {__eq = function() eqcalls = eqcalls + 1 return true end}
local e1, e2 = setmetatable({}, E), setmetatable({}, E)
print(e1 == e1, e1 == e2, e1 ~= e2, e1 == 1, eqcalls)
-- __eq result is converted to boolean
local E2 = {__eq = function() return "yes" end}
print(setmetatable({}, E2) == setmetatable({}, E2))
-- only one operand needs the metamethod
local E3 = {__eq = function() return true end}
print(setmetatable({}, E3) == {}, {} == setmetatable({}, E3))
-- __lt result converted to boolean; __le separate
local L = {__lt = function(x, y) return 1 end, __le = function() return nil end}
local l1, l2 = setmetatable({}, L), setmetatable({}, L)
print(l1 < l2, l1 <= l2, l1 > l2, l1 >= l2)
-- mixed: number compared with table
local N = {__lt = function(x, y) return (type(x) == "number" and x or x.v) < (type(y) == "number" and y or y.v) end}
local n5 = setmetatable({v = 5}, N)
print(3 < n5, n5 < 3, n5 > 3, 7 > n5)
-- __concat with numbers and chains (right associative)
local C = setmetatable({}, {__concat = function(x, y)
  local function s(v) return type(v) == "table" and "C" or tostring(v) end
  return s(x) .. s(y)
end})
print(C .. 1, 1 .. C, "a" .. "b" .. C .. "d" .. "e", 1.5 .. C)
-- __len returning non-numbers
print(#setmetatable({}, {__len = function() return "len" end}), #setmetatable({1, 2, 3}, {}))
-- __unm and __bnot receive the operand twice
local U = setmetatable({}, {__unm = function(x, y) return rawequal(x, y) end, __bnot = function(x, y) return rawequal(x, y) end})
print(-U, ~U)
-- string arithmetic goes through the string metatable
print("10" + 5, "3" * "4", -"2", "2" ^ 2, "7" // 2, "7" % "4")
-- arithmetic metamethod on the right operand only
local R = setmetatable({}, {__add = function(x, y) return type(x) .. "+" .. type(y) end, __sub = function(x, y) return "sub" end})
print(1 + R, R + 1, "s" + R, R - R)
-- missing metamethods give errors naming the operation
print(pcall(function() return {} + 1 end))
print(pcall(function() return -{} end))
print(pcall(function() return #nil end))
print(pcall(function() return {} < {} end))
print(pcall(function() return {} .. {} end))
print(pcall(function() return ~{} end))
print(pcall(function() return 1 & {} end))
print(pcall(function() return 1.5 & setmetatable({}, {__band = function() return "meta band" end}) end))
print(pcall(function() return 1.5 & 1 end))
-- __index on numbers via debug is not available; arithmetic on booleans
print(pcall(function() return true + 1 end))
-- metamethods are looked up raw in the metatable (__index on the metatable is ignored)
local proxy_mt = setmetatable({}, {__index = {__add = function() return "via index" end}})
print(pcall(function() return setmetatable({}, proxy_mt) + 1 end))
-- metamethods changed after setmetatable are seen
local D = {}
local dd = setmetatable({}, D)
D.__add = function() return "late add" end
D.__len = function() return 99 end
print(dd + 1, #dd)
