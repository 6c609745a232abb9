-- vector_meta: metamethod arithmetic on 3D vector objects
-- small: 2000
-- __add, __sub, __mul, __div, __unm, __eq, __lt, __le, __index, __call, __tostring,
-- __concat on immutable values, so every operation allocates (metamethod dispatch + GC).
-- __len is not used: LuaJIT (Lua 5.1 semantics) ignores __len on tables.
local N = tonumber(arg and arg[1]) or 120000

local Vec = {}
Vec.__index = Vec

local function vec(x, y, z) return setmetatable({ x = x, y = y, z = z }, Vec) end

Vec.__add = function(a, b) return vec(a.x + b.x, a.y + b.y, a.z + b.z) end
Vec.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y, a.z - b.z) end
Vec.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y, a * b.z) end
  if type(b) == "number" then return vec(a.x * b, a.y * b, a.z * b) end
  return a.x * b.x + a.y * b.y + a.z * b.z -- dot product
end
Vec.__div = function(a, s) return vec(a.x / s, a.y / s, a.z / s) end
Vec.__unm = function(a) return vec(-a.x, -a.y, -a.z) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y and a.z == b.z end
Vec.__lt = function(a, b) return a * a < b * b end
Vec.__le = function(a, b) return a * a <= b * b end
Vec.__call = function(a, i) if i == 1 then return a.x elseif i == 2 then return a.y end return a.z end
Vec.__tostring = function(a) return string.format("(%.3f, %.3f, %.3f)", a.x, a.y, a.z) end
Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end

function Vec:cross(b)
  return vec(self.y * b.z - self.z * b.y, self.z * b.x - self.x * b.z, self.x * b.y - self.y * b.x)
end
function Vec:length() return math.sqrt(self * self) end
function Vec:normalized() return self / self:length() end

-- a small particle system integrated with vector operations only
local pos, vel = {}, {}
for i = 1, 16 do
  pos[i] = vec(i * 0.5, (i % 3) - 1.0, (i % 5) * 0.25)
  vel[i] = vec(0.01 * (i % 7), -0.02 * (i % 4), 0.015)
end
local gravity = vec(0, -0.001, 0)
local center = vec(4, 0, 1)
local axis = vec(0, 0, 1)

local steps = math.floor(N / 16)
local eqs, lts, les = 0, 0, 0
for step = 1, steps do
  for i = 1, 16 do
    local p, v = pos[i], vel[i]
    local toc = center - p
    local d = toc:length()
    if d > 0.001 then
      v = v + toc:normalized() * 0.002 + gravity
    end
    v = v + (v:cross(axis) * 0.001) - (-v) * -0.0005
    p = p + v
    if p - v == pos[i] then eqs = eqs + 1 end
    if p < center then lts = lts + 1 end
    if v <= gravity then les = les + 1 end
    pos[i], vel[i] = p, v
  end
end

local sum = vec(0, 0, 0)
for i = 1, 16 do sum = sum + pos[i] + vel[i] * 10 end
print("sum " .. sum)
print(string.format("eq=%d lt=%d le=%d len=%.6f x=%.6f", eqs, lts, les, sum:length(), sum(1)))
print(string.format("checksum %.6f", sum(1) + sum(2) * 3 + sum(3) * 7))
