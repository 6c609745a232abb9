-- Loops in recursive functions, and functions of which many closures are made: a
-- tracing JIT follows a recursive call from a side trace down to the loop's trace in
-- the new frame, and reads a closure's upvalues through the closure when one trace
-- serves many closures of one function.

-- Permutations: the recursion goes down from a loop and returns into it, the
-- deepest frames leave their loops at once, and each call of `perms` makes a new
-- closure of `go` with its own upvalues. (The benchmark queens.lua, which the
-- benchmark tests run with the JIT too, does the same with a backtracking search.)
local function perms(n)
  local used, out, seen = {}, {}, 0
  local sum = 0
  local function go(k)
    if k > n then
      seen = seen + 1
      local v = 0
      for i = 1, n do v = v * 10 + out[i] end
      sum = sum + v
      return
    end
    for i = 1, n do
      if not used[i] then
        used[i] = true
        out[k] = i
        go(k + 1)
        used[i] = false
      end
    end
  end
  go(1)
  return seen, sum
end
for n = 1, 6 do print("perms", n, perms(n)) end

-- Many closures of one function, each with its own upvalues, called from one loop:
-- integers in some, floats and strings in others.
local function counter(start, step)
  local v = start
  return function()
    v = v + step
    return v
  end
end
do
  local fs = {}
  for i = 1, 40 do fs[i] = counter(i, i % 3 == 0 and 0.5 or 1) end
  local total = 0
  for round = 1, 30 do
    for i = 1, #fs do total = total + fs[i]() end
  end
  print("counters", total)
end

-- A closure's loop that reads and writes its upvalues, one new closure per call.
local function make_acc(scale)
  local acc = 0
  return function(n)
    for i = 1, n do acc = acc + i * scale end
    return acc
  end
end
do
  local s = 0
  for k = 1, 50 do
    local f = make_acc(k % 4 == 0 and 1.5 or k)
    s = s + f(k) + f(3)
  end
  print("accumulators", s)
  local g = make_acc("2")
  print("string scale", pcall(g, 100))
end

-- A closure made in the loop's own frame: its upvalue is the frame's register
-- while it is open, then a closed one in the next closure.
do
  local out = {}
  for i = 1, 200 do
    local x = i
    local function bump() x = x + 1; return x end
    bump()
    out[#out + 1] = bump() + x
  end
  print("own frame", out[1], out[100], out[200], #out)
end

-- Recursion whose inner frames fail: an error deep in the recursion, caught above.
local function dive(d, limit)
  local s = 0
  for i = 1, 3 do
    if d >= limit then
      if i == 2 then error("deep " .. d) end
      s = s + i
    else
      s = s + dive(d + 1, limit)
    end
  end
  return s
end
for limit = 1, 6 do print("dive", limit, pcall(dive, 1, limit)) end

-- Tree sizes: a recursive walk with a loop over children.
local function tree(depth, width)
  if depth == 0 then return {} end
  local t = {}
  for i = 1, width do t[i] = tree(depth - 1, width) end
  return t
end
local function size(t)
  local n = 1
  for i = 1, #t do n = n + size(t[i]) end
  return n
end
for w = 1, 4 do print("tree", w, size(tree(5, w))) end

-- debug.upvaluejoin changes which variable a closure reads mid-run.
do
  local a, b = 1, 1000
  local function geta() return a end
  local function getb() return b end
  local s = 0
  for i = 1, 300 do
    if i == 150 then debug.upvaluejoin(geta, 1, getb, 1) end
    s = s + geta()
  end
  print("upvaluejoin", s)
end
