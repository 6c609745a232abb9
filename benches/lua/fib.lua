-- fib: naive doubly-recursive Fibonacci (function calls, integer add, recursion)
-- small: 15
local N = tonumber(arg and arg[1]) or 35

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

-- a second, global (non-local) recursive function exercises global lookups
function gfib(n)
  if n < 2 then return n end
  return gfib(n - 1) + gfib(n - 2)
end

local a = fib(N)
local b = gfib(N - 4)
print(string.format("fib(%d) = %d", N, a))
print(string.format("gfib(%d) = %d", N - 4, b))
print(string.format("checksum %d", (a + b) % 1000000007))
