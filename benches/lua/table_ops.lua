-- table_ops: table library and table traversal
-- small: 5
-- table.insert/remove (at the end and in the middle), table.concat, table.sort, # length,
-- ipairs/pairs traversal, array growth and shrinking, hash part with string keys
local N = tonumber(arg and arg[1]) or 400

local insert, remove, concat, sort = table.insert, table.remove, table.concat, table.sort

local seed = 12345
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local h = 0
local function mix(v) h = (h * 31 + v) % 1000000007 end

for round = 1, N do
  -- stack use: push/pop at the end
  local st = {}
  for i = 1, 2000 do insert(st, i * 3) end
  local acc = 0
  while #st > 1000 do acc = acc + remove(st) end
  mix(acc % 1000003)

  -- queue-ish: insert/remove at the front and middle (element shifting)
  local q = {}
  for i = 1, 300 do insert(q, 1, i) end
  for i = 1, 100 do insert(q, math.floor(#q / 2) + 1, -i) end
  local s = 0
  for _ = 1, 150 do s = s + remove(q, 1) + remove(q, math.floor(#q / 2) + 1) end
  mix((s + 10000000) % 1000003)
  mix(#q)

  -- ipairs / pairs over an array and a hash part
  local t = {}
  for i = 1, 500 do t[i] = rand(1000) end
  local m = {}
  for i, v in ipairs(t) do
    local k = "k" .. (v % 64)
    m[k] = (m[k] or 0) + i
  end
  local cnt, tot = 0, 0
  for _, v in pairs(m) do cnt = cnt + 1; tot = tot + v end
  mix(cnt * 1000 + tot % 1000)

  -- sort and concat
  sort(t)
  mix(t[1] + t[250] * 7 + t[500] * 13)
  local strs = {}
  for i = 1, 100 do strs[i] = tostring(t[i * 5]) end
  local joined = concat(strs, ",", 10, 60)
  mix(#joined)

  -- shrinking an array to empty and reuse of the table
  for i = #t, 1, -1 do t[i] = nil end
  mix(#t)
  for i = 1, 64 do t[i] = i end
  mix(#t)
end

print(string.format("rounds=%d", N))
print(string.format("checksum %d", h))
