-- Small complete programs mixing many features (good JIT fodder: hot loops).
-- 1. sieve of Eratosthenes
local function sieve(n)
  local is = {}
  for i = 2, n do is[i] = true end
  for i = 2, math.floor(math.sqrt(n)) do
    if is[i] then for j = i * i, n, i do is[j] = false end end
  end
  local count, last = 0, 0
  for i = 2, n do if is[i] then count = count + 1 last = i end end
  return count, last
end
print("primes", sieve(100000))
-- 2. memoized fibonacci with big integers wrapping
local memo = {}
local function fib(n) if n < 2 then return n end local m = memo[n] if m then return m end m = fib(n - 1) + fib(n - 2) memo[n] = m return m end
print("fib", fib(50), fib(90), fib(100))
-- 3. serializer with sorted keys
local function ser(v, indent)
  indent = indent or ""
  local t = type(v)
  if t == "table" then
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
      if type(a) == type(b) then return a < b end
      return type(a) == "number"
    end)
    local out = {}
    for _, k in ipairs(keys) do
      local ks = type(k) == "string" and k or "[" .. tostring(k) .. "]"
      out[#out + 1] = indent .. "  " .. ks .. " = " .. ser(v[k], indent .. "  ")
    end
    return "{\n" .. table.concat(out, ",\n") .. "\n" .. indent .. "}"
  elseif t == "string" then
    return string.format("%q", v)
  else
    return tostring(v)
  end
end
print(ser({name = "ferrous", version = 5.4, tags = {"lua", "jit"}, nested = {a = {b = {c = true}}}, [10] = -1}))
-- 4. matrix multiplication
local function matmul(a, b, n)
  local c = {}
  for i = 1, n do
    local ci = {}
    for j = 1, n do
      local s = 0
      for k = 1, n do s = s + a[i][k] * b[k][j] end
      ci[j] = s
    end
    c[i] = ci
  end
  return c
end
local n = 30
local A, B = {}, {}
for i = 1, n do A[i], B[i] = {}, {} for j = 1, n do A[i][j] = i + j B[i][j] = (i == j) and 2 or 0 end end
local C = matmul(A, B, n)
local tr = 0
for i = 1, n do tr = tr + C[i][i] end
print("trace", tr, C[1][1], C[n][n], math.type(C[1][1]))
local Af = {}
for i = 1, n do Af[i] = {} for j = 1, n do Af[i][j] = (i + j) / 2 end end
local Cf = matmul(Af, B, n)
print("float trace", Cf[1][1], Cf[n][n], math.type(Cf[1][1]))
-- 5. string building and word frequency
local text = [[the quick brown fox jumps over the lazy dog the fox barks and the dog sleeps]]
local freq = {}
for w in text:gmatch("%a+") do freq[w] = (freq[w] or 0) + 1 end
local ws = {}
for w, c in pairs(freq) do ws[#ws + 1] = {w, c} end
table.sort(ws, function(x, y) if x[2] ~= y[2] then return x[2] > y[2] end return x[1] < y[1] end)
for i = 1, 4 do io.write(ws[i][1], "=", ws[i][2], " ") end
print()
-- 6. a class hierarchy with tostring
local Animal = {}
Animal.__index = Animal
Animal.__tostring = function(a) return a.kind .. "(" .. a.name .. ")" end
function Animal.new(kind, name) return setmetatable({kind = kind, name = name}, Animal) end
function Animal:speak() return "..." end
local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
Dog.__tostring = Animal.__tostring
function Dog.new(name) local d = Animal.new("Dog", name) return setmetatable(d, Dog) end
function Dog:speak() return "Woof" end
local zoo = {Animal.new("Cat", "Tom"), Dog.new("Rex")}
for _, a in ipairs(zoo) do print(tostring(a), a:speak()) end
-- 7. queue / BFS on a grid
local grid = {
  "S.#.....",
  ".##.###.",
  "....#...",
  ".##...#E",
}
local H, W = #grid, #grid[1]
local sr, sc, er, ec
for r = 1, H do for c = 1, W do
  local ch = grid[r]:sub(c, c)
  if ch == "S" then sr, sc = r, c elseif ch == "E" then er, ec = r, c end
end end
local dist = {}
local q, head = {{sr, sc}}, 1
dist[sr * 100 + sc] = 0
while head <= #q do
  local r, c = q[head][1], q[head][2]
  head = head + 1
  for _, d in ipairs({{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) do
    local nr, nc = r + d[1], c + d[2]
    if nr >= 1 and nr <= H and nc >= 1 and nc <= W and grid[nr]:sub(nc, nc) ~= "#" and not dist[nr * 100 + nc] then
      dist[nr * 100 + nc] = dist[r * 100 + c] + 1
      q[#q + 1] = {nr, nc}
    end
  end
end
print("bfs distance", dist[er * 100 + ec], "visited", #q)
-- 8. numeric integration and float accumulation
local sum = 0.0
local steps = 100000
for i = 0, steps - 1 do local x = (i + 0.5) / steps sum = sum + 4 / (1 + x * x) end
print("pi approx", string.format("%.10f", sum / steps))
-- 9. integer hash mixing with wraparound and bit ops
local h = 0
for i = 1, 100000 do h = (h * 31 + i) & 0xffffffff h = h ~ (h >> 13) end
print("hash", h)
local h64 = 1469598103934665603
for c in ("ferrous"):gmatch(".") do h64 = (h64 ~ c:byte()) * 1099511628211 end
print("fnv1a64", h64, string.format("%016x", h64))
