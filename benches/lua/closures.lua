-- closures: closures and upvalues
-- small: 2000
-- closure creation in loops, shared and nested upvalues (open and closed),
-- counters/generators, higher-order functions (map/filter/reduce/compose), currying
local N = tonumber(arg and arg[1]) or 2300000

local function make_counter(start, step)
  local n = start
  return function() n = n + step; return n end,
         function() return n end,
         function(v) n = v end
end

local function map(t, f) local r = {} for i = 1, #t do r[i] = f(t[i]) end return r end
local function filter(t, p) local r, n = {}, 0 for i = 1, #t do if p(t[i]) then n = n + 1; r[n] = t[i] end end return r end
local function reduce(t, f, acc) for i = 1, #t do acc = f(acc, t[i]) end return acc end
local function compose(f, g) return function(x) return f(g(x)) end end
local function curry3(f) return function(a) return function(b) return function(c) return f(a, b, c) end end end end

local h = 0
local function mix(v) h = (h * 31 + v) % 1000000007 end

-- 1. many short-lived closures capturing a loop variable (fresh upvalue per iteration)
local fns = {}
local total = 0
for i = 1, N do
  local f = function(x) return x + i end
  fns[i % 64 + 1] = f
  total = total + f(1)
end
for i = 1, 64 do total = total + fns[i](0) end
mix(total % 1000003)

-- 2. counters sharing one upvalue between three closures
local inc, get, set = make_counter(0, 3)
for i = 1, N do
  inc()
  if get() > 1000000 then set(i % 7) end
end
mix(get())

-- 3. nested closures: an upvalue of an upvalue
local function outer(a)
  return function(b)
    return function(c)
      a = a + 1
      return a + b + c
    end
  end
end
local acc = 0
local mid = outer(10)
for i = 1, math.floor(N / 4) do
  local inner = mid(i % 13)
  acc = acc + inner(i % 5)
end
mix(acc % 1000003)

-- 4. higher-order functions over small arrays
local data = {}
for i = 1, 50 do data[i] = i end
local double = function(x) return x * 2 end
local plus1 = function(x) return x + 1 end
local d1 = compose(double, plus1)
local s = 0
for _ = 1, math.floor(N / 200) do
  local m = map(data, d1)
  local f = filter(m, function(x) return x % 3 == 0 end)
  s = s + reduce(f, function(a, b) return a + b end, 0)
end
mix(s % 1000003)

-- 5. currying
local add3 = curry3(function(a, b, c) return a * 100 + b * 10 + c end)
local cs = 0
for i = 1, math.floor(N / 10) do
  cs = cs + add3(i % 10)(i % 7)(i % 3)
end
mix(cs % 1000003)

-- 6. closures stored in a table and called through it (upvalues closed at loop exit)
local ops = {}
for k = 1, 8 do
  local factor = k
  ops[k] = function(x) factor = factor + 1; return x * factor % 1009 end
end
local x = 1
for i = 1, N do x = ops[i % 8 + 1](x) + 1 end
mix(x)

print(string.format("checksum %d", h))
