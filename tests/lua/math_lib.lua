-- The math library.
print(math.floor(3.7), math.floor(-3.7), math.floor(5), math.ceil(3.2), math.ceil(-3.2), math.ceil(7))
print(math.type(math.floor(3.7)), math.type(math.floor(2^70)), math.floor(2^70), math.floor(-0.0), math.ceil(-0.5))
print(math.floor(1e308), math.ceil(-1e308), math.floor(math.huge), math.floor(-math.huge))
print(math.abs(-5), math.abs(5.5), math.abs(-0.0), math.abs(math.mininteger), math.abs(-math.huge))
print(math.max(1, 5, 3), math.max(-1.5, -2), math.min(4, 2, 8), math.min(1), math.max(1, 1.0), math.min(1.0, 1))
print(pcall(math.max), pcall(math.min))
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(7.5, 2), math.fmod(-7.5, 2), math.fmod(1, 0.0) ~= math.fmod(1, 0.0))
print(pcall(math.fmod, 1, 0))
print(math.fmod(math.mininteger, -1), math.fmod(5, math.huge), math.fmod(6, 2), math.type(math.fmod(6, 2)), math.type(math.fmod(6.0, 2)))
print(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(math.huge), math.modf(-math.huge))
print(math.modf(0/0) ~= math.modf(0/0), math.modf(-0.0))
print(math.sqrt(16), math.sqrt(2), math.sqrt(-1) ~= math.sqrt(-1), math.sqrt(0), math.sqrt(math.huge))
print(math.exp(0), math.log(1), math.log(math.exp(2)), math.log(8, 2), math.log(100, 10), math.log(27, 3), math.log(0))
print(math.sin(0), math.cos(0), math.tan(0), math.asin(1) * 2 == math.pi, math.acos(1), math.atan(1) * 4 == math.pi)
print(math.atan(1, 1) * 4 == math.pi, math.atan(0, -1) == math.pi, math.atan(-0.0, -1) == -math.pi, math.atan(1, 0) * 2 == math.pi)
print(math.pi, -math.pi, math.huge, -math.huge, math.maxinteger, math.mininteger)
print(math.tointeger(5.0), math.tointeger(5.5), math.tointeger("5"), math.tointeger("x"), math.tointeger(2^53), math.tointeger(-0.0))
print(math.type(1), math.type(1.0), math.type("1"), math.type(nil), math.type({}))
print(pcall(math.type))
print(math.ult(1, 2), math.ult(-1, 2), math.ult(2, -1), math.ult(0, 0), math.ult(math.maxinteger, math.mininteger))
print(math.floor(-3.5), math.ceil(3.5), math.floor(2^31 + 0.5), math.ceil(-2^31 - 0.5))
print(math.abs(-2^63) == 2^63, math.floor(-2^63) == math.mininteger, math.type(math.floor(-2^63)))
print(8 // 3, 8.0 // 3, -8 // 3, 8 % -3, -8 % 3, 8.5 % -3)
print(math.deg and math.deg(math.pi), math.rad and math.rad(180) == math.pi)
-- random: only deterministic properties
math.randomseed(42)
local okr = true
for _ = 1, 1000 do
  local r = math.random()
  if r < 0 or r >= 1 or math.type(r) ~= "float" then okr = false end
  local i = math.random(10)
  if i < 1 or i > 10 or math.type(i) ~= "integer" then okr = false end
  local j = math.random(-5, 5)
  if j < -5 or j > 5 then okr = false end
  local k = math.random(3, 3)
  if k ~= 3 then okr = false end
end
print("random in range", okr)
math.randomseed(123)
local seq1 = {}
for i = 1, 10 do seq1[i] = math.random(1000) end
math.randomseed(123)
local same = true
for i = 1, 10 do if math.random(1000) ~= seq1[i] then same = false end end
print("same seed same sequence", same)
local full = math.random(0)
print(math.type(full))
print(pcall(math.random, 1, 2, 3))
print(pcall(math.random, 0.5))
print(pcall(math.random, 5, 1))
print(math.type(math.random(math.mininteger, math.maxinteger)))
-- floor/ceil of strings
print(math.floor("3.7"), pcall(math.floor, "x"))
-- integer/float distinction preserved by max/min
print(math.type(math.max(1, 2.0)), math.type(math.max(2, 1.0)), math.max(3, 3.0), math.min(3.0, 3))
