-- Calls from hot loops, which a tracing JIT inlines: arguments missing and extra,
-- results dropped and padded, guards failing inside callees (the interpreter must
-- go on in the callee's frame), callees changing identity, upvalues, recursion,
-- errors and tracebacks from inside inlined calls, coroutines.

local function sq(x) return x * x end
local function add3(a, b, c) return a + b + (c or 100) end
local function none() end
local function two(x) return x, x + 1 end

do
  local s, t, u = 0, 0, 0
  for i = 1, 300 do
    s = s + sq(i) + add3(i, 2) + add3(i, 2, 3, 4)
    local a, b, c = two(i)
    t = t + a + b + (c == nil and 1 or 0)
    local n = none()
    if n == nil then u = u + 1 end
    local p = two(i)
    u = u + p
  end
  print("args and results", s, t, u)
end

-- A branch inside the callee that goes the other way halfway, then alternates.
do
  local function pick(i, limit)
    if i < limit then return i * 2 end
    if i % 2 == 0 then return -i end
    return i // 3
  end
  local s = 0
  for i = 1, 400 do s = s + pick(i, 200) end
  print("branch in callee", s)
end

-- Nested calls, with a guard failing three calls deep.
do
  local function leaf(x) if x > 250 then return x + 0.5 end return x end
  local function mid(x) return leaf(x) * 2 end
  local function top(x) return mid(x) + mid(x + 1) end
  local s = 0
  for i = 1, 300 do s = s + top(i) end
  print("nested", s, math.type(s))
end

-- The function called through a variable changes mid-loop.
do
  local f = function(x) return x + 1 end
  local g = function(x) return x * 10 end
  local s = 0
  for i = 1, 300 do
    if i == 150 then f = g end
    s = s + f(i)
  end
  print("callee changes", s)
end

-- Callees reading and writing upvalues, and closures of one function with
-- different upvalues.
do
  local count = 0
  local function bump(k) count = count + k return count end
  local function adder(n) return function(x) return x + n end end
  local fs = { adder(1), adder(1000) }
  local s = 0
  for i = 1, 300 do
    s = s + bump(i % 3) + fs[i > 150 and 2 or 1](i)
  end
  print("upvalues", count, s)
end

-- Recursion from a loop: deeper than the JIT inlines.
do
  local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
  local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
  local s = 0
  for i = 1, 60 do s = s + fib(i % 12) + depth(i % 20) end
  print("recursion", s)
end

-- A callee with a loop of its own, and vararg callees.
do
  local function sum(n) local s = 0 for j = 1, n do s = s + j end return s end
  local function va(...) return select("#", ...) end
  local s = 0
  for i = 1, 200 do s = s + sum(i % 7) + va(i, nil, i) end
  print("inner loops and varargs", s)
end

-- Types changing inside a callee: integer to float, number to string.
do
  local function h(x) return x + 1 end
  local s = 0
  for i = 1, 300 do
    local v = i
    if i > 100 then v = i + 0.25 end
    s = s + h(v)
  end
  print("types in callee", s)
  local function cat(x) return x .. "" end
  local n = 0
  for i = 1, 300 do
    local v = i > 200 and tostring(i) or i
    n = n + #cat(v)
  end
  print("strings in callee", n)
end

-- An error raised in a callee after the trace exits there: the message and the
-- traceback must show the callee's frame and its caller's.
do
  local function check(i)
    if i == 250 then error("boom at " .. i) end
    return i
  end
  local function run()
    local s = 0
    for i = 1, 300 do s = s + check(i) end
    return s
  end
  local ok, err = pcall(run)
  print("error", ok, err)
  local function where(i)
    if i == 220 then
      local tb = debug.traceback("tb", 1)
      -- Only the frames of this file, without addresses.
      for line in tb:gmatch("[^\n]+") do
        if line:find("jit_calls") then print((line:gsub("^%s+", ""))) end
      end
    end
    return 1
  end
  local function loop() local s = 0 for i = 1, 250 do s = s + where(i) end return s end
  print("traceback", loop())
end

-- Calls inside a coroutine's loop, yielding from a callee now and then.
do
  local function maybe_yield(i) if i % 50 == 0 then coroutine.yield(i) end return i end
  local co = coroutine.wrap(function()
    local s = 0
    for i = 1, 300 do s = s + maybe_yield(i) end
    return "done " .. s
  end)
  local got = {}
  for _ = 1, 7 do got[#got + 1] = tostring(co()) end
  print("coroutine", table.concat(got, " "))
end

-- Methods through a metatable.
do
  local Acc = {}
  Acc.__index = Acc
  function Acc.new() return setmetatable({ n = 0 }, Acc) end
  function Acc:add(k) self.n = self.n + k return self end
  local a = Acc.new()
  for i = 1, 300 do a:add(i % 5) end
  print("methods", a.n)
end

-- Callees whose upvalues are registers of the loop's own frame (open upvalues): what
-- the loop writes they read, what they write the loop reads.
do
  local x = 0
  local function get() return x end
  local function inc(k) x = x + k end
  local s = 0
  for i = 1, 300 do
    x = i
    s = s + get()
    inc(2)
    s = s + x
  end
  print("open upvalues", s, x)
  -- The same closures, called from a loop in another frame: closed over the outer x.
  local function run()
    local t = 0
    for _ = 1, 300 do inc(1) t = t + get() end
    return t
  end
  print("open upvalues elsewhere", run(), x)
end

-- Booleans that are not constants: stored, returned and written back.
do
  local src, dst = { true, false }, {}
  local last
  for i = 1, 300 do
    local flag = src[i % 2 + 1]
    dst[i] = flag
    last = flag
  end
  local n = 0
  for i = 1, 300 do if dst[i] then n = n + 1 end end
  local function id(v) return v end
  local y
  for i = 1, 300 do y = id(src[1]) end
  print("booleans", n, last, dst[299], dst[300], y)
end
