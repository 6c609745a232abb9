-- string_hash: string hashing and a hand-written hash table
-- small: 2000
-- hash generated strings byte by byte (string.byte with ranges, modular arithmetic),
-- insert them into an open-addressing table with linear probing, look them up again
-- (hit and miss paths)
local N = tonumber(arg and arg[1]) or 120000

local byte, format = string.byte, string.format

local P = 2147483647 -- products below stay under 2^53

local function djb2(s)
  local h = 5381
  for i = 1, #s do h = (h * 33 + byte(s, i)) % P end
  return h
end

local function poly(s)
  -- four bytes at a time via multiple returns of string.byte
  local h = 0
  local n = #s
  local i = 1
  while i + 3 <= n do
    local a, b, c, d = byte(s, i, i + 3)
    h = (h * 1000003 + a * 16777216 + b * 65536 + c * 256 + d) % P
    i = i + 4
  end
  while i <= n do
    h = (h * 257 + byte(s, i)) % P
    i = i + 1
  end
  return h
end

-- open-addressing table
local CAP = 1
while CAP < N * 2 do CAP = CAP * 2 end
local keys, vals = {}, {}
local probes = 0

local function put(k, v)
  local i = djb2(k) % CAP + 1
  while true do
    local kk = keys[i]
    if kk == nil then keys[i] = k; vals[i] = v; return true end
    if kk == k then vals[i] = v; return false end
    probes = probes + 1
    i = i % CAP + 1
  end
end

local function get(k)
  local i = djb2(k) % CAP + 1
  while true do
    local kk = keys[i]
    if kk == nil then return nil end
    if kk == k then return vals[i] end
    probes = probes + 1
    i = i % CAP + 1
  end
end

local inserted = 0
for i = 1, N do
  local s = format("key-%d-%s", i * 7919 % 100003, ("ab"):rep(i % 5))
  if put(s, poly(s)) then inserted = inserted + 1 end
end

local hits, misses, acc = 0, 0, 0
for i = 1, N do
  local s = format("key-%d-%s", i * 7919 % 100003, ("ab"):rep(i % 5))
  local v = get(s)
  if v then hits = hits + 1; acc = (acc + v) % 1000000007 else misses = misses + 1 end
  local m = get(s .. "!")
  if m then hits = hits + 1 else misses = misses + 1 end
end

print(string.format("inserted=%d hits=%d misses=%d probes=%d", inserted, hits, misses, probes))
print(string.format("checksum %d", acc))
