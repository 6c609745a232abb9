-- Table stores and loads that a tracing JIT hands to helpers: appends that grow the
-- array part, integer keys in the hash part (zero, negative, sparse), string keys
-- computed in the loop, missing keys read as nil, objects stored (which need the
-- collector's write barrier), and metatables with __index or __newindex arriving
-- while a trace runs.

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- Appending: the array part grows under the trace.
do
  local t = {}
  for i = 1, 1000 do t[i] = i * 3 end
  local s = 0
  for i = 1, #t do s = s + t[i] end
  print("append", #t, s)
  local u = {}
  for i = 1, 500 do u[#u + 1] = i % 7 == 0 end
  local k = 0
  for i = 1, #u do if u[i] then k = k + 1 end end
  print("append by length", #u, k)
end

-- Keys in the hash part: zero, negative, far apart, read and written back.
do
  local t = {}
  for i = 0, 200 do t[i - 100] = i end
  local s = 0
  for i = -100, 100 do s = s + t[i] end
  for i = -100, 100 do t[i] = t[i] * 2 end
  local s2 = 0
  for i = -100, 100 do s2 = s2 + t[i] end
  print("hash ints", s, s2, count(t))
  local sparse = {}
  for i = 1, 300 do sparse[i * 1000] = i end
  local z = 0
  for i = 1, 300 do z = z + sparse[i * 1000] end
  print("sparse", z, count(sparse))
end

-- A permutation with index 0, swapped in place (fannkuch's shape).
do
  local p = {}
  for i = 0, 9 do p[i] = 9 - i end
  for _ = 1, 40 do
    local i, j = 0, 9
    while i < j do
      p[i], p[j] = p[j], p[i]
      i = i + 1
      j = j - 1
    end
  end
  local out = {}
  for i = 0, 9 do out[#out + 1] = p[i] end
  print("swaps", table.concat(out, " "))
end

-- Missing keys read as nil, then present.
do
  local t = {}
  local nils, s = 0, 0
  for i = 1, 400 do
    local v = t[i % 50]
    if v == nil then nils = nils + 1; t[i % 50] = i else s = s + v end
  end
  print("missing", nils, s)
end

-- String keys made in the loop: counting words.
do
  local words = { "alpha", "beta", "gamma", "delta", "beta", "alpha", "alpha" }
  local counts = {}
  for i = 1, 700 do
    local w = words[i % #words + 1]
    counts[w] = (counts[w] or 0) + 1
  end
  print("words", counts.alpha, counts.beta, counts.gamma, counts.delta)
  local made = {}
  for i = 1, 300 do made["k" .. (i % 40)] = i end
  print("made keys", count(made), made.k0, made.k39)
end

-- Objects stored: strings and tables into old tables, with collections running.
do
  local keep = {}
  for round = 1, 3 do
    for i = 1, 300 do
      keep[i] = { round, i }
      keep[-i] = "s" .. i
    end
    collectgarbage()
  end
  local s = 0
  for i = 1, 300 do s = s + keep[i][1] + keep[i][2] + #keep[-i] end
  print("objects", s)
end

-- __index arrives while a trace reads missing keys; __newindex while it appends.
do
  local t = {}
  local hits = 0
  for i = 1, 300 do
    if i == 150 then
      setmetatable(t, { __index = function(_, k) hits = hits + 1 return k end })
    end
    local v = t[i]
    if v then t[i] = nil end
  end
  print("__index mid-loop", hits)
  local u, log = {}, 0
  for i = 1, 300 do
    if i == 200 then
      setmetatable(u, { __newindex = function(tt, k, v) log = log + 1 rawset(tt, k, v * 2) end })
    end
    u[i] = i
  end
  local s = 0
  for i = 1, 300 do s = s + u[i] end
  print("__newindex mid-loop", log, s)
end

-- Storing nil: removing keys from both parts.
do
  local t = {}
  for i = 1, 200 do t[i] = i; t[-i] = i end
  for i = 1, 200, 2 do t[i] = nil; t[-i] = nil end
  print("removed", count(t))
end

-- Lengths: of strings, of tables growing and shrinking, and __len arriving mid-loop.
do
  local strs = { "", "a", "hello", "tab\there", string.rep("x", 100) }
  local n = 0
  for i = 1, 300 do n = n + #strs[i % #strs + 1] end
  local t, m = {}, 0
  for i = 1, 300 do
    if i % 3 == 0 then t[#t] = nil else t[#t + 1] = i end
    m = m + #t
  end
  local u, calls = { 1, 2, 3 }, 0
  local k = 0
  for i = 1, 300 do
    if i == 150 then setmetatable(u, { __len = function() calls = calls + 1 return 10 end }) end
    k = k + #u
  end
  print("lengths", n, #t, m, k, calls)
end
