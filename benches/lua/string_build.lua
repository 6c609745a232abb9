-- string_build: string building
-- small: 200
-- .., table.concat, string.format, string.rep, string.sub/upper/lower/reverse/byte/char
-- and tostring (string allocation and interning)
local N = tonumber(arg and arg[1]) or 300000

local format, rep, concat, byte, char = string.format, string.rep, table.concat, string.byte, string.char

local function hash(s, h)
  for i = 1, #s, 7 do
    h = (h * 131 + byte(s, i)) % 1000000007
  end
  return (h * 131 + #s) % 1000000007
end

local h = 0
local total = 0

-- 1. repeated .. concatenation into short-lived strings
for i = 1, N do
  local s = "item" .. i .. ":" .. (i * 3) .. ";"
  s = s .. s:upper() .. "|" .. s:sub(2, 5)
  total = total + #s
  if i % 97 == 0 then h = hash(s, h) end
end

-- 2. table.concat over a growing buffer, flushed every 100 pieces
local buf, nb = {}, 0
for i = 1, N do
  nb = nb + 1
  buf[nb] = format("%05d-%s-%x", i % 100000, char(97 + i % 26), i)
  if nb == 100 then
    local s = concat(buf, ",")
    total = total + #s
    h = hash(s, h)
    buf, nb = {}, 0
  end
end
if nb > 0 then h = hash(concat(buf, ","), h) end

-- 3. string.format with several conversions
for i = 1, math.floor(N / 2) do
  local s = format("%-8s|%8.3f|%5d|%q|%s", "n" .. (i % 50), i / 7, i % 9999, "a\"b", tostring(i % 3 == 0))
  total = total + #s
  if i % 53 == 0 then h = hash(s, h) end
end

-- 4. string.rep and reverse/lower
for i = 1, math.floor(N / 4) do
  local s = rep("ab" .. char(65 + i % 26), 1 + i % 20)
  local r = s:reverse():lower()
  total = total + #s + #r
  if i % 31 == 0 then h = hash(r, h) end
end

-- 5. a long string built incrementally by doubling, then sliced
local big = "x"
for _ = 1, 16 do big = big .. big end
for i = 1, math.floor(N / 8) do
  local a = (i * 37) % (#big - 20) + 1
  local piece = big:sub(a, a + (i % 17)) .. i
  total = total + #piece
end
h = hash(big, h)

print(string.format("total=%d", total))
print(string.format("checksum %d", h))
