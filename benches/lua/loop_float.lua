-- loop_float: numeric for-loops with float arithmetic (+ - * /, math.sqrt, math.floor)
-- small: 10000
-- (float % is avoided: PUC uses fmod, LuaJIT a-floor(a/b)*b, which can differ in the last bit)
local N = tonumber(arg and arg[1]) or 4500000

local x, y, z = 0.5, 1.25, 0.0
local s = 0.0
for i = 1, N do
  local t = i * 0.001
  x = x * 0.9999 + t / (1.0 + t)
  y = y - x * 1e-7 + 0.5 / (i + 0.5)
  z = z + math.sqrt(x * x + y * y)
  if z > 1000.0 then z = z - math.floor(z / 1000.0) * 1000.0 end
end

-- float-stepped loop
local h = 0.0
for v = 0.0, N * 0.25, 0.5 do
  h = h + v * 0.5 - math.floor(v * 0.5)
end

-- harmonic-ish series with division
local hs = 0.0
for i = 1, math.floor(N / 2) do
  hs = hs + 1.0 / i - 1.0 / (i + 1.5)
end

print(string.format("x=%.6f y=%.6f z=%.6f", x, y, z))
print(string.format("h=%.6f hs=%.9f", h, hs))
print(string.format("checksum %.6f", x + y + z + h + hs))
