-- Loads and stores that a JIT's load forwarding must keep apart: a value stored and
-- read back in the same iteration, stores through one name and loads through another
-- name for the same table, neighbouring array slots, fields of one object, upvalues
-- written by an inlined closure, lengths after stores, and loads whose value a store
-- changes to another type.

-- A running sum through the array: each element reads the one stored before it.
do
  local t = {}
  for i = 1, 300 do t[i] = 0 end
  t[1] = 1
  for i = 2, 300 do t[i] = t[i - 1] + i end
  print("prefix", t[300], t[150])
  -- The element written is read in the next iteration at the same index.
  local s = 0
  for i = 2, 300 do
    t[i] = t[i] - t[i - 1]
    s = s + t[i]
  end
  print("differences", s, t[2], t[300])
end

-- One table under two names: a store through one is seen through the other.
do
  local t = {0, 0, 0}
  local a, b = t, t
  local s = 0
  for i = 1, 200 do
    a[2] = i
    s = s + b[2]
    b[3] = b[3] + a[2]
  end
  print("two names", s, t[2], t[3])
  local p = {x = 1, y = 2}
  local q = p
  local acc = 0
  for i = 1, 200 do
    p.x = p.x + 1
    acc = acc + q.x + q.y
    q.y = i
  end
  print("two names, fields", acc, p.x, p.y)
end

-- A variable index that sometimes hits the slot a constant index reads.
do
  local t = {}
  for i = 1, 10 do t[i] = i end
  local s = 0
  for i = 1, 300 do
    local j = i % 10 + 1
    local before = t[1]
    t[j] = t[j] + 1
    s = s + before + t[1]
  end
  print("variable index", s, t[1], t[10])
end

-- Fields of one object: a store to one leaves the other; a store to the same field
-- changes its type.
do
  local o = {x = 0, y = 10, z = 0.5}
  local s = 0
  for i = 1, 300 do
    o.x = o.x + o.y
    if i == 150 then o.y = 2.5 end
    s = s + o.y
  end
  print("fields", o.x, o.y, s)
  local v = {n = 1}
  local log = {}
  for i = 1, 200 do
    local old = v.n
    if i % 50 == 0 then v.n = "s" .. i else v.n = i end
    if type(old) == "string" then log[#log + 1] = old end
  end
  print("type change", table.concat(log, ","), v.n)
end

-- Upvalues written by an inlined closure and read in the loop.
do
  local count = 0
  local function bump(k) count = count + k end
  local seen = 0
  for i = 1, 300 do
    local before = count
    bump(i)
    seen = seen + (count - before)
  end
  print("upvalue", count, seen)
  local cells = {}
  for i = 1, 3 do
    local c = 0
    cells[i] = function() c = c + i; return c end
  end
  local tot = 0
  for i = 1, 300 do tot = tot + cells[i % 3 + 1]() end
  print("closures", tot, cells[1](), cells[2](), cells[3]())
end

-- Lengths after stores: appends, and nils that move the border.
do
  local t = {}
  local lens = 0
  for i = 1, 300 do
    t[#t + 1] = i
    lens = lens + #t
  end
  print("length", #t, lens)
  local u = {}
  for i = 1, 100 do u[i] = i end
  local seen = 0
  for i = 100, 1, -1 do
    u[i] = nil
    seen = seen + #u
  end
  print("shrinking", #u, seen)
end

-- Stores that grow a table between two loads of its array.
do
  local t = {1}
  local s = 0
  for i = 1, 500 do
    local first = t[1]
    t[#t + 1] = first + i
    s = s + t[#t] + t[1]
  end
  print("growing", #t, s, t[#t])
end

-- A loop that swaps neighbours: each load must see the other store.
do
  local t = {}
  for i = 1, 50 do t[i] = i end
  for _ = 1, 20 do
    for i = 1, 49 do
      local a, b = t[i], t[i + 1]
      if (a + i) % 3 == 0 then t[i], t[i + 1] = b, a end
    end
  end
  local s = 0
  for i = 1, 50 do s = s + t[i] * i end
  print("swaps", s, t[1], t[50])
end

-- A register the loop writes and only its exits read: each exit sees the value of
-- the iteration before.
do
  local last, log = 0, {}
  for i = 1, 40 do
    if i % 5 == 0 then log[#log + 1] = last end
    last = i * 10
  end
  print("exits see", table.concat(log, ","))
end

-- One closure called from two activations of a function: in the second its upvalue
-- is a register of the frame the loop runs in.
do
  local function run(depth, f)
    local x = 0
    local g = f or function(k) x = x + k end
    if depth == 0 then run(1, g) end
    local s = 0
    for i = 1, 100 do g(i); s = s + x end
    return x, s
  end
  print("upvalue of another frame", run(0))
end
