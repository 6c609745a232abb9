-- Generic for loops as a JIT records them: ipairs over arrays and hash parts, arrays
-- that end at a hole, that grow or shrink while the loop runs, with __index supplying
-- elements, loops left by break and goto, nested loops, one loop variable, and
-- pairs and custom iterators beside them.

do
  local t = {}
  for i = 1, 300 do t[i] = i * 2 end
  local s = 0
  for i, v in ipairs(t) do s = s + i * v end
  print("array", s)
  local u = { 1, 2, 3 }
  for i = 4, 200 do u[i] = i end
  u[150] = nil
  local n = 0
  for _, v in ipairs(u) do n = n + v end
  print("hole", n)
end

-- Elements in the hash part, and mixed types.
do
  local t = {}
  for i = 200, 1, -1 do t[i] = (i % 3 == 0) and ("s" .. i) or i end
  local ints, strs = 0, 0
  for _, v in ipairs(t) do
    if type(v) == "string" then strs = strs + #v else ints = ints + v end
  end
  print("mixed", ints, strs)
end

-- The array grows (the loop goes on) or shrinks (it stops early) under the loop.
do
  local t = { 1, 2, 3 }
  local seen = 0
  for i, v in ipairs(t) do
    seen = seen + v
    if i < 250 then t[#t + 1] = i end
  end
  print("growing", seen, #t)
  local u = {}
  for i = 1, 300 do u[i] = i end
  local cnt = 0
  for i in ipairs(u) do
    cnt = cnt + 1
    if i == 120 then u[200] = nil end
  end
  print("shrinking", cnt)
end

-- __index supplies elements past the table's own.
do
  local base = {}
  for i = 1, 300 do base[i] = i end
  local t = setmetatable({ 10, 20, 30 }, { __index = base })
  local s = 0
  for _, v in ipairs(t) do s = s + v end
  print("__index", s)
end

-- break, goto, nesting.
do
  local t = {}
  for i = 1, 300 do t[i] = i end
  local s = 0
  for i, v in ipairs(t) do
    if v > 250 then break end
    s = s + v
  end
  local g = 0
  for _, v in ipairs(t) do
    if v % 2 == 0 then goto continue end
    g = g + v
    ::continue::
  end
  local grid = {}
  for i = 1, 30 do grid[i] = { i, i + 1, i + 2 } end
  local m = 0
  for _, row in ipairs(grid) do
    for _, x in ipairs(row) do m = m + x end
  end
  print("control", s, g, m)
end

-- pairs and a custom iterator next to ipairs.
do
  local t = {}
  for i = 1, 200 do t["k" .. i] = i end
  local s = 0
  for _, v in pairs(t) do s = s + v end
  local function range(n)
    return function(_, i) if i < n then return i + 1 end end, nil, 0
  end
  local r = 0
  for i in range(300) do r = r + i end
  print("others", s, r)
end

-- pairs: array and hash parts, keys of several types, values changed during the
-- traversal (allowed), entries cleared during it (allowed), nested traversals.
do
  local t = {}
  for i = 1, 100 do t[i] = i end
  for i = 1, 100 do t["s" .. i] = i * 2 end
  for i = 1, 50 do t[i + 0.5] = i * 3 end
  t[true] = 7
  local sum, ints, strs, floats, others = 0, 0, 0, 0, 0
  for k, v in pairs(t) do
    sum = sum + v
    if math.type(k) == "integer" then ints = ints + 1
    elseif type(k) == "string" then strs = strs + 1
    elseif type(k) == "number" then floats = floats + 1
    else others = others + 1 end
  end
  print("pairs", sum, ints, strs, floats, others)
  for k, v in pairs(t) do t[k] = v * 2 end
  local s2 = 0
  for _, v in pairs(t) do s2 = s2 + v end
  for k in pairs(t) do if type(k) == "string" then t[k] = nil end end
  local left = 0
  for _ in pairs(t) do left = left + 1 end
  print("changed", s2, left)
  local m = {}
  for i = 1, 20 do m["r" .. i] = { a = i, b = i * 2 } end
  local tot = 0
  for _, row in pairs(m) do
    for _, x in pairs(row) do tot = tot + x end
  end
  print("nested pairs", tot)
end
