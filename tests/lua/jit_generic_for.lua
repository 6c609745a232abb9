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
