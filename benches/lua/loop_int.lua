-- loop_int: tight numeric for-loops with integer arithmetic (+ - * % and comparisons)
-- small: 10000
-- All intermediate values stay below 2^53 so results match on double-only VMs.
local N = tonumber(arg and arg[1]) or 13000000

local M = 1000003
local sum, acc, evens, odds = 0, 1, 0, 0
for i = 1, N do
  local x = i % 9973
  sum = (sum + x * x + 3 * i) % M
  acc = (acc * 31 + x) % M
  if x % 2 == 0 then evens = evens + 1 else odds = odds + 1 end
end

-- a while loop with decrement and a nested counting loop
local k, steps = N, 0
while k > 0 do
  steps = steps + 1
  k = k - 7
end

local tri = 0
for i = 1, math.floor(N / 2500) do
  for j = i, 1, -1 do
    tri = tri + j % 5
  end
end

print(string.format("sum=%d acc=%d evens=%d odds=%d", sum, acc, evens, odds))
print(string.format("steps=%d tri=%d", steps, tri))
print(string.format("checksum %d", (sum + acc + evens * 3 + odds * 5 + steps + tri) % M))
