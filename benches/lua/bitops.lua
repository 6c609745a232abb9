-- luajit: skip (needs Lua 5.4 64-bit integers, bitwise operators and floor division //)
-- small: 5000
-- bitops: xorshift64* PRNG with wrap-around 64-bit integer multiply, & | ~ << >> and //,
-- popcount and bit reversal, integer overflow, math.type/math.tointeger checks
local N = tonumber(arg and arg[1]) or 2500000

local state = 0x9E3779B97F4A7C15
local function xorshift()
  local x = state
  x = x ~ (x >> 12)
  x = x ~ (x << 25)
  x = x ~ (x >> 27)
  state = x
  return x * 0x2545F4914F6CDD1D -- wraps modulo 2^64
end

local function popcount(x)
  local c = 0
  while x ~= 0 do
    x = x & (x - 1)
    c = c + 1
  end
  return c
end

local function reverse16(x)
  local r = 0
  for _ = 1, 16 do
    r = (r << 1) | (x & 1)
    x = x >> 1
  end
  return r
end

local acc, pops, divs = 0, 0, 0
for i = 1, N do
  local r = xorshift()
  acc = acc ~ (r >> (i % 64)) ~ (r << (i % 7))
  pops = pops + popcount(r & 0xFFFF)
  divs = divs + (r // 1000003) % 97 + (r % 1013) -- floor division/modulo on negatives too
  if i % 8 == 0 then acc = acc + reverse16(i & 0xFFFF) end
end

-- overflow wraps around, shifts beyond 63 give 0
local big = math.maxinteger
local wrapped = big + 1 == math.mininteger
local shifts = (1 << 64) == 0 and (-1 >> 63) == 1 and (-1 >> 64) == 0
local types = math.type(7 // 2) == "integer" and math.type(7 / 2) == "float"
  and math.type(7.0 // 2) == "float" and math.tointeger(8.0) == 8

print(string.format("acc=%x pops=%d divs=%d", acc, pops, divs))
print(string.format("wrap=%s shifts=%s types=%s", tostring(wrapped), tostring(shifts), tostring(types)))
print(string.format("checksum %d", (acc ~ pops ~ divs) % 1000000007))
