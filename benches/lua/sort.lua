-- sort: table.sort and a hand-written merge sort
-- small: 2000
-- table.sort on numbers, strings and records with Lua comparator functions, plus a
-- recursive merge sort on floats; checks sortedness
local N = tonumber(arg and arg[1]) or 170000

local sort = table.sort

local seed = 2024
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local function check_sorted(t, lt)
  for i = 2, #t do
    if lt(t[i], t[i - 1]) then error("not sorted at " .. i) end
  end
end

local h = 0
local function mix(v) h = (h * 31 + v) % 1000000007 end

-- 1. integers, default comparator
local a = {}
for i = 1, N do a[i] = rand(1000000) end
sort(a)
check_sorted(a, function(x, y) return x < y end)
mix(a[1]); mix(a[math.floor(N / 2)]); mix(a[N])

-- 2. descending with a comparator
sort(a, function(x, y) return x > y end)
mix(a[1]); mix(a[math.floor(N / 3)])

-- 3. strings
local s = {}
for i = 1, math.floor(N / 2) do s[i] = string.format("%x-%d", rand(100000), i % 97) end
sort(s)
check_sorted(s, function(x, y) return x < y end)
for i = 1, #s, math.floor(#s / 10) + 1 do
  local str = s[i]
  mix(#str + str:byte(1) + str:byte(#str))
end

-- 4. records by two keys (all keys distinct through the id tie-break)
local recs = {}
for i = 1, math.floor(N / 2) do recs[i] = { group = rand(100), score = rand(1000), id = i } end
sort(recs, function(p, q)
  if p.group ~= q.group then return p.group < q.group end
  if p.score ~= q.score then return p.score > q.score end
  return p.id < q.id
end)
for i = 1, #recs, 997 do mix(recs[i].id) end

-- 5. hand-written merge sort on floats
local function merge_sort(t, tmp, lo, hi)
  if hi - lo < 1 then return end
  local mid = math.floor((lo + hi) / 2)
  merge_sort(t, tmp, lo, mid)
  merge_sort(t, tmp, mid + 1, hi)
  local i, j, k = lo, mid + 1, lo
  while i <= mid and j <= hi do
    if t[j] < t[i] then tmp[k] = t[j]; j = j + 1 else tmp[k] = t[i]; i = i + 1 end
    k = k + 1
  end
  while i <= mid do tmp[k] = t[i]; i = i + 1; k = k + 1 end
  while j <= hi do tmp[k] = t[j]; j = j + 1; k = k + 1 end
  for m = lo, hi do t[m] = tmp[m] end
end
local f = {}
for i = 1, N do f[i] = rand(1000000) / 1024 end
merge_sort(f, {}, 1, N)
check_sorted(f, function(x, y) return x < y end)
print(string.format("min=%.6f median=%.6f max=%.6f", f[1], f[math.floor(N / 2)], f[N]))
print(string.format("checksum %d", h))
