-- varargs: vararg functions
-- small: 2000
-- ..., select('#', ...) and select(n, ...), table.pack/unpack (polyfilled on Lua 5.1/
-- LuaJIT), multiple returns, vararg forwarding and nil holes
local N = tonumber(arg and arg[1]) or 450000

local pack = table.pack or function(...) return { n = select('#', ...), ... } end
local unpack = table.unpack or unpack

local function count(...) return select('#', ...) end

local function sum(...)
  local s = 0
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    if v then s = s + v end
  end
  return s
end

local function sum_table(...)
  local t = { ... }
  local s = 0
  for i = 1, #t do s = s + t[i] end
  return s
end

local function forward(f, ...) return f(...) end
local function multi(a, b, c) return c, b, a, a + b + c end
local function tail(first, ...) return ... end
local function append(x, ...) return x, ... end

local h = 0
local function mix(v) h = (h * 31 + v) % 1000000007 end

local acc = 0
for i = 1, N do
  local a, b, c = i % 10, i % 7, i % 3
  acc = acc + sum(a, b, c, 1, 2)
  acc = acc + sum_table(a, b, c)
  acc = acc + count(a, nil, c, nil)
  acc = acc + forward(sum, a, b, c)
  local x, y, z, w = multi(a, b, c)
  acc = acc + x + y * 2 + z * 3 + w
  acc = acc + select(2, a, b, c) + select(-1, a, b, c)
  acc = acc + count(tail(a, b, c)) + count(append(a, b, c))
  if acc > 1000000000 then acc = acc % 1000003 end
end
mix(acc % 1000003)

-- pack / unpack round trips, including trailing nils
local pk = 0
for i = 1, math.floor(N / 4) do
  local p = pack(i, nil, i * 2, nil)
  pk = pk + p.n + p[1] + p[3]
  local q, r, s = unpack({ i, i + 1, i + 2 })
  pk = pk + q + r + s
  pk = pk + count(unpack(p, 1, p.n))
  pk = pk % 1000003
end
mix(pk)

-- varargs in a table constructor, in the middle vs. at the end of an argument list
local mc = 0
for i = 1, math.floor(N / 4) do
  local t1 = { multi(1, 2, i % 5) }           -- all 4 results
  local t2 = { multi(1, 2, i % 5), 10 }       -- only the first result, then 10
  mc = mc + #t1 * 100 + #t2 * 10 + t1[4] + t2[2]
end
mix(mc % 1000003)

-- long vararg lists
local args = {}
for i = 1, 200 do args[i] = i end
local ls = 0
for _ = 1, math.floor(N / 100) do
  ls = ls + sum(unpack(args)) + count(unpack(args, 50, 150))
end
mix(ls % 1000003)

print(string.format("checksum %d", h))
