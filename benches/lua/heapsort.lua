-- heapsort: in-place heapsort of a float array
-- small: 5000
-- array reads/writes, while loops, float compares; pseudo-random floats from a portable
-- LCG; verifies the order
local N = tonumber(arg and arg[1]) or 600000

local IM, IA, IC = 139968, 3877, 29573
local last = 42
local function gen_random(max)
  last = (last * IA + IC) % IM
  return max * last / IM
end

local function heapsort(n, ra)
  local j, i, rra
  local l = math.floor(n / 2) + 1
  local ir = n
  while true do
    if l > 1 then
      l = l - 1
      rra = ra[l]
    else
      rra = ra[ir]
      ra[ir] = ra[1]
      ir = ir - 1
      if ir == 1 then
        ra[1] = rra
        return
      end
    end
    i = l
    j = l * 2
    while j <= ir do
      if j < ir and ra[j] < ra[j + 1] then j = j + 1 end
      if rra < ra[j] then
        ra[i] = ra[j]
        i = j
        j = j + i
      else
        j = ir + 1
      end
    end
    ra[i] = rra
  end
end

local a = {}
for i = 1, N do a[i] = gen_random(1.0) end
heapsort(N, a)
for i = 1, N - 1 do
  if a[i] > a[i + 1] then error("not sorted at " .. i) end
end
local s = 0.0
for i = 1, N, 101 do s = s + a[i] end
print(string.format("first=%.10f last=%.10f", a[1], a[N]))
print(string.format("checksum %.6f", s))
