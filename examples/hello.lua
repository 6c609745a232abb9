-- A first Ferrous script: ferrous examples/hello.lua [name]
local name = arg and arg[1] or "world"
print("Hello, " .. name .. ", from " .. _VERSION .. "!")

-- Something computed: the first primes and their sum.
local primes = {}
local n = 2
while #primes < 10 do
  local is_prime = true
  for d = 2, math.floor(math.sqrt(n)) do
    if n % d == 0 then is_prime = false; break end
  end
  if is_prime then primes[#primes + 1] = n end
  n = n + 1
end
local sum = 0
for _, p in ipairs(primes) do sum = sum + p end
print(("the first %d primes: %s (sum %d)"):format(#primes, table.concat(primes, " "), sum))
