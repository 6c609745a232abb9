-- String building in loops a JIT records: concatenation of strings and numbers
-- (integers, floats and their text), string.sub with every kind of index, strings
-- kept in tables, enough garbage that collections must run while the loop does, and
-- a table with __concat arriving mid-loop.

do
  local parts = {}
  for i = 1, 300 do
    parts[#parts + 1] = "k" .. i .. "_" .. (i * 0.5) .. "|" .. (i % 7)
  end
  print("concat", parts[1], parts[2], parts[300], #table.concat(parts))
  local floats = { 1.0, -0.0, 1e100, 2^53, 0.1, -1.5, 1/0, -1/0 }
  local out = {}
  for i = 1, 80 do out[i] = "<" .. floats[i % #floats + 1] .. ">" end
  print("floats", table.concat(out, "", 1, 8))
  local ints = { math.maxinteger, math.mininteger, 0, -7 }
  local o2 = {}
  for i = 1, 80 do o2[i] = ints[i % 4 + 1] .. "" end
  print("ints", o2[1], o2[2], o2[3], o2[4])
end

do
  local s = "abcdefghij"
  local acc = {}
  for i = 1, 300 do
    local a, b = i % 13 - 6, i % 11 - 3
    acc[#acc + 1] = s:sub(a, b) .. "/" .. s:sub(a) .. "/" .. string.sub(s, b, -b)
  end
  print("sub", acc[1], acc[2], acc[150], acc[300])
  local n = 0
  for i = 1, 300 do n = n + #s:sub(i % 12, i % 12 + 3) end
  print("sub lengths", n)
end

-- Enough garbage for several collections while the loop runs; the memory in use
-- stays bounded.
do
  local before = collectgarbage("count")
  local keep = {}
  local maxmem = 0
  for i = 1, 200000 do
    local s = "item" .. i .. ":" .. (i * 3)
    if i % 1000 == 0 then
      keep[#keep + 1] = s
      local m = collectgarbage("count")
      if m > maxmem then maxmem = m end
    end
  end
  print("garbage", #keep, keep[1], keep[200], maxmem - before < 20000)
end

-- A value with __concat arrives mid-loop.
do
  local mt = { __concat = function(a, b)
    local x = type(a) == "table" and a.v or a
    local y = type(b) == "table" and b.v or b
    return x .. "+" .. y
  end }
  local vals = {}
  for i = 1, 300 do
    if i < 200 then vals[i] = i else vals[i] = setmetatable({ v = i }, mt) end
  end
  local r = {}
  for i = 1, 300 do r[i] = "v" .. vals[i] end
  print("metamethod", r[199], r[200], r[300])
end
