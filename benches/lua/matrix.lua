-- matrix: dense matrix multiplication
-- small: 20
-- tables of rows (2D indexing, float multiply-add), transpose, and an integer-valued
-- matrix power reduced by a modulus
local N = tonumber(arg and arg[1]) or 220

local function new_matrix(n, f)
  local m = {}
  for i = 1, n do
    local row = {}
    for j = 1, n do row[j] = f(i, j) end
    m[i] = row
  end
  return m
end

local function transpose(a, n)
  return new_matrix(n, function(i, j) return a[j][i] end)
end

local function mul(a, b, n)
  local bt = transpose(b, n)
  local c = {}
  for i = 1, n do
    local ai, ci = a[i], {}
    for j = 1, n do
      local bj = bt[j]
      local s = 0.0
      for k = 1, n do s = s + ai[k] * bj[k] end
      ci[j] = s
    end
    c[i] = ci
  end
  return c
end

local function trace(m, n)
  local t = 0.0
  for i = 1, n do t = t + m[i][i] end
  return t
end

local a = new_matrix(N, function(i, j) return (i - j) * (i + j) / (N * N) end)
local b = new_matrix(N, function(i, j) return ((i * 7 + j * 3) % 11 - 5) / 11 end)
local c = mul(a, b, N)
local d = mul(c, a, N)

-- integer-valued matrix power (exact on every VM), kept small by a modulus
local m = new_matrix(N, function(i, j) return (i * j) % 3 end)
local p = m
for _ = 1, 2 do
  p = mul(p, m, N)
  for i = 1, N do
    local row = p[i]
    for j = 1, N do row[j] = row[j] - math.floor(row[j] / 1009) * 1009 end
  end
end
local ps = 0
for i = 1, N do ps = (ps * 7 + p[i][(i * 13) % N + 1]) % 1000000007 end

print(string.format("trace(a*b)=%.6f trace(a*b*a)=%.6f", trace(c, N), trace(d, N)))
print(string.format("c[1][N]=%.9f d[N][1]=%.9f", c[1][N], d[N][1]))
print(string.format("checksum %d", ps))
