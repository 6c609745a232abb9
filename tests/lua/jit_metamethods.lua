-- Metamethods called from traced loops: arithmetic, unary minus, comparisons and
-- equality through Lua functions, tables made and given metatables in the loop,
-- tail calls, exits inside metamethods, and metatables changing mid-loop.

local V = {}
V.__index = V
local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
V.__div = function(a, s) return vec(a.x / s, a.y / s) end
V.__mod = function(a, m) return vec(a.x % m, a.y % m) end
V.__idiv = function(a, m) return vec(a.x // m, a.y // m) end
V.__pow = function(a, n) return vec(a.x ^ n, a.y ^ n) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
V.__lt = function(a, b) return a * a < b * b end
V.__le = function(a, b) return a * a <= b * b end
V.__band = function(a, b) return vec(a.x & b, a.y & b) end
V.__shl = function(a, n) return vec(a.x << n, a.y << n) end
function V:len2() return self * self end
local function show(v) return string.format("(%g, %g)", v.x, v.y) end

-- 1. Every arithmetic metamethod, with constants on either side.
do
  local acc = vec(1, 2)
  local d = vec(0.5, -0.25)
  for i = 1, 200 do
    acc = acc + d
    acc = acc - d * 0.5
    acc = 0.999 * acc
    acc = (acc / 1.001) % 1000
    acc = -(-acc)
  end
  print("arith", show(acc))
  local iv = vec(7, 12)
  local sum = 0
  for i = 1, 100 do
    local q = iv // 2
    local p = iv ^ 2
    local b = iv & 6
    local s = iv << 1
    sum = sum + q.x + q.y + p.x + b.x + b.y + s.y
  end
  print("int arith", sum)
end

-- 2. Comparisons: __eq (same table, equal contents, different), __lt, __le, with
-- integer and float results compared.
do
  local a, b = vec(3, 4), vec(3, 4)
  local c = vec(1, 1)
  local counts = { 0, 0, 0, 0, 0, 0 }
  for i = 1, 300 do
    local m = i % 3 == 0 and c or b
    if a == a then counts[1] = counts[1] + 1 end
    if a == m then counts[2] = counts[2] + 1 end
    if a ~= m then counts[3] = counts[3] + 1 end
    if m < a then counts[4] = counts[4] + 1 end
    if a <= m then counts[5] = counts[5] + 1 end
    if vec(i, 0) < vec(0, 9.5) then counts[6] = counts[6] + 1 end
  end
  print("compare", table.concat(counts, " "))
end

-- 3. A metamethod whose branch changes mid-loop (the trace leaves from inside it),
-- and one whose result changes type.
do
  local W = {}
  W.__add = function(a, b)
    if a.n > 600 then error("too big: " .. a.n) end
    if a.n > 150 then return { n = a.n + b.n * 2 } end
    return setmetatable({ n = a.n + b.n }, W)
  end
  W.__lt = function(a, b)
    if a.n > 100 then return "yes" end
    return a.n < b.n
  end
  local function run(limit)
    local t = setmetatable({ n = 0 }, W)
    local one = setmetatable({ n = 1 }, W)
    local lt = 0
    for i = 1, limit do
      t = t + one
      if one < t then lt = lt + 1 end
    end
    return t.n, lt
  end
  print("exit inside", run(300))
  print("exit inside", pcall(run, 350))
  local ok, err = pcall(run, 500)
  print("exit inside", ok, (err:gsub("^.-:%d+: ", "")))
end

-- 4. Metatables that change while the loop runs: a metamethod replaced, one added to
-- the second operand's metatable only, a metatable taken away.
do
  local A, B = {}, {}
  A.__add = function(a, b) return 1 end
  B.__add = function(a, b) return 10 end
  local x, y = setmetatable({}, A), setmetatable({}, B)
  local n = 0
  for i = 1, 300 do
    n = n + (x + y) + (y + x) + (5 + y)
    if i == 100 then A.__add = function() return 100 end end
    if i == 200 then A.__add = nil end
  end
  print("changing", n)
  local ok, err = pcall(function()
    local z = setmetatable({}, A)
    for i = 1, 100 do
      n = n + (z + y)
      if i == 60 then setmetatable(y, nil) end
    end
  end)
  print("taken away", n, ok, (tostring(err):gsub("^.-:%d+: ", "")))
end

-- 5. Errors raised inside metamethods called from a trace.
do
  local E = {}
  E.__sub = function(a, b)
    if b.v == 0 then error("zero at " .. a.v) end
    return a.v // b.v
  end
  local q = 0
  for i = 1, 120 do
    local ok, r = pcall(function()
      return setmetatable({ v = i }, E) - setmetatable({ v = (i % 40) }, E)
    end)
    q = q + (ok and r or 1000)
  end
  print("errors", q)
end

-- 6. type(), setmetatable() and tail calls in traces; __gc set through setmetatable in
-- a loop, and a metatable with __gc added after.
do
  local kinds = {}
  local vals = { 1, 2.5, "s", {}, print, true, nil, vec }
  for i = 1, 160 do
    local k = type(vals[i % 8 + 1])
    kinds[k] = (kinds[k] or 0) + 1
  end
  local names = {}
  for k, v in pairs(kinds) do names[#names + 1] = k .. "=" .. v end
  table.sort(names)
  print("type", table.concat(names, " "))

  local finalized = 0
  local G = { __gc = function() finalized = finalized + 1 end }
  local H = {}
  local keep = {}
  for i = 1, 200 do
    local o = setmetatable({}, i % 2 == 0 and G or H)
    if i % 50 == 0 then keep[#keep + 1] = o end
  end
  H.__gc = function() finalized = finalized + 1000 end
  keep = nil
  collectgarbage()
  collectgarbage()
  print("finalized", finalized)

  local function last(a, b, c) return c end
  local function mid(a, b) return last(b, a, a + b) end
  local s = 0
  for i = 1, 200 do s = s + mid(i, 2 * i) end
  print("tail", s)
end

-- 7. Integers and floats compared near 2^53, where a float cannot hold every
-- integer.
do
  local big = 2 ^ 53
  local ints = { 9007199254740992, 9007199254740993, -9007199254740993, 3, math.maxinteger }
  local r = {}
  for i = 1, 100 do
    local n = ints[i % 5 + 1]
    local f = (i % 2 == 0) and big or -big
    r[1] = (r[1] or 0) + ((n < f) and 1 or 0)
    r[2] = (r[2] or 0) + ((n <= f) and 1 or 0)
    r[3] = (r[3] or 0) + ((n == f) and 1 or 0)
    r[4] = (r[4] or 0) + ((f < n) and 1 or 0)
  end
  print("int/float", table.concat(r, " "))
  -- The largest integer whose neighbours a float holds: equal only from 2^53 down.
  local m = math.maxinteger
  while m ~= (m + 0.0) or (m - 1) ~= (m - 1.0) do
    m = m // 2
  end
  print("fits a float", m)
end

-- 8. Strings compared with short constants, and a long string.
do
  local long = string.rep("ab", 40)
  local words = { "alpha", "beta", long, "gamma" }
  local n = 0
  for i = 1, 200 do
    local w = words[i % 4 + 1]
    if w == "beta" then n = n + 1 end
    if w ~= "gamma" then n = n + 10 end
  end
  local long2 = string.rep("ab", 40)
  for i = 1, 200 do
    if words[i % 4 + 1] == long2 then n = n + 100 end
  end
  print("strings", n)
end

-- 9. The vector particle loop of the benchmark, shortened.
do
  local pos, vel = {}, {}
  for i = 1, 8 do
    pos[i] = vec(i * 0.5, (i % 3) - 1.0)
    vel[i] = vec(0.01 * (i % 7), -0.02 * (i % 4))
  end
  local center, g = vec(4, 0), vec(0, -0.001)
  local lts = 0
  for step = 1, 60 do
    for i = 1, 8 do
      local p, v = pos[i], vel[i]
      local toc = center - p
      local d = math.sqrt(toc:len2())
      if d > 0.001 then v = v + toc / d * 0.002 + g end
      p = p + v
      if p < center then lts = lts + 1 end
      pos[i], vel[i] = p, v
    end
  end
  local s = vec(0, 0)
  for i = 1, 8 do s = s + pos[i] end
  print("particles", show(s), lts)
end

-- 10. A tail call whose callee changes mid-loop: the trace leaves at the guard on
-- the callee, in the frame that makes the call.
do
  local fn = function(x) return x end
  local function caller(x) return fn(x) end
  local r = 0
  for i = 1, 100 do
    if i == 60 then fn = function(x) return -x end end
    r = r + caller(i)
  end
  print("tail callee", r)
end

-- 11. A table made in the loop that gets its metatable through another reference
-- to it: its stores must see `__newindex`.
do
  local mt = { __newindex = function(t, k, v) rawset(t, k, v * 2) end }
  local ks = {}
  for i = 1, 200 do ks[i] = i > 100 and 1 or 2 end
  local h, res = {}, 0
  for i = 1, 200 do
    local t = {}
    h[1] = {}
    h[ks[i]] = t
    setmetatable(h[1], mt)
    t.y = 5
    res = res + t.y
  end
  print("aliased new table", res)
end

-- 12. Only a side trace allocates: the collector must still run during the loop.
do
  local t
  local s = 0
  for i = 1, 1000000 do
    s = (s + i * 3 % 7 + i // 3 % 11 + (i ~ 5) % 13 + (i >> 2) % 3 + i * 5 % 7 + i // 7 % 11) % 1000003
    if i % 2 == 0 then t = { x = i } end
  end
  print("side trace allocates", s, collectgarbage("count") < 20000)
end
