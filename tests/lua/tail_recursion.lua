-- Proper tail calls and deep recursion.
local function loop(n, acc)
  if n == 0 then return acc end
  return loop(n - 1, acc + 1)
end
print(loop(1000000, 0))
-- mutual tail recursion
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
print(is_even(1000001), is_odd(1000001))
-- tail call through a method and a table field
local obj = {}
function obj:count(n) if n == 0 then return "done" end return self:count(n - 1) end
print(obj:count(500000))
-- tail call to a C function and through pcall
local function tc(n) if n == 0 then return select('#', 1, 2, 3) end return tc(n - 1) end
print(tc(300000))
-- tail call with varargs
local function va(n, ...) if n == 0 then return select('#', ...) end return va(n - 1, ...) end
print(va(200000, 1, 2, 3))
-- deep non-tail recursion
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(10000))
local function sum(t, i) if i > #t then return 0 end return t[i] + sum(t, i + 1) end
local t = {}
for i = 1, 5000 do t[i] = i end
print(sum(t, 1))
-- ackermann (small), fibonacci
local function ack(m, n)
  if m == 0 then return n + 1 end
  if n == 0 then return ack(m - 1, 1) end
  return ack(m - 1, ack(m, n - 1))
end
print(ack(2, 3), ack(3, 3))
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(24))
-- runaway recursion produces a catchable stack overflow error
local function runaway(n) return 1 + runaway(n + 1) end
local ok, err = pcall(runaway, 1)
print(ok, (string.find(err, "stack overflow", 1, true)) ~= nil)
-- the program keeps working after a stack overflow
print(depth(100))
-- infinite tail recursion would not overflow: bounded here with a counter
local function tail_forever(n) if n >= 2000000 then return n end return tail_forever(n + 1) end
print(tail_forever(0))
-- a tail call in parentheses is not a tail call, but still works
local function notail(n) if n == 0 then return 0 end return (notail(n - 1)) end
print(notail(1000))
