-- sieve: sieve of Eratosthenes
-- small: 10000
-- boolean array stores/loads in nested loops, repeated 3 times, plus a prime-gap scan
local N = tonumber(arg and arg[1]) or 4000000

local function sieve(n)
  local composite = {}
  for i = 1, n do composite[i] = false end
  local i = 2
  while i * i <= n do
    if not composite[i] then
      for j = i * i, n, i do composite[j] = true end
    end
    i = i + 1
  end
  return composite
end

local count, last, maxgap, sum
for _ = 1, 3 do
  local c = sieve(N)
  count, last, maxgap, sum = 0, 2, 0, 0
  for i = 2, N do
    if not c[i] then
      count = count + 1
      if i - last > maxgap then maxgap = i - last end
      last = i
      sum = (sum + i) % 1000000007
    end
  end
end
print(string.format("primes up to %d: %d (largest %d, max gap %d)", N, count, last, maxgap))
print(string.format("checksum %d", sum))
