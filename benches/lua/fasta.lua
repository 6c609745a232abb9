-- fasta: DNA sequence generation (fasta benchmark), hashed instead of printed
-- small: 1000
-- a repeated fixed sequence plus two weighted random ones (portable LCG, cumulative-
-- probability lookup) in 60-column lines (string.sub, table.concat, float compares)
local N = tonumber(arg and arg[1]) or 500000

local IM, IA, IC = 139968, 3877, 29573
local last = 42
local function random(max)
  last = (last * IA + IC) % IM
  return max * last / IM
end

local ALU = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG" ..
  "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA" ..
  "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT" ..
  "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA" ..
  "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG" ..
  "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC" ..
  "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"

local IUB = {
  { "a", 0.27 }, { "c", 0.12 }, { "g", 0.12 }, { "t", 0.27 },
  { "B", 0.02 }, { "D", 0.02 }, { "H", 0.02 }, { "K", 0.02 },
  { "M", 0.02 }, { "N", 0.02 }, { "R", 0.02 }, { "S", 0.02 },
  { "V", 0.02 }, { "W", 0.02 }, { "Y", 0.02 },
}
local HOMO = {
  { "a", 0.3029549426680 }, { "c", 0.1979883004921 },
  { "g", 0.1975473066391 }, { "t", 0.3015094502008 },
}

local h, lines = 0, 0
local function emit(line)
  lines = lines + 1
  for i = 1, #line, 3 do h = (h * 31 + line:byte(i)) % 1000000007 end
end

local function repeat_fasta(src, n)
  local width = 60
  local s2 = src .. src
  local len = #src
  local pos = 1
  while n > 0 do
    local w = width
    if n < w then w = n end
    emit(s2:sub(pos, pos + w - 1))
    pos = pos + w
    if pos > len then pos = pos - len end
    n = n - w
  end
end

local function make_cumulative(tbl)
  local chars, probs = {}, {}
  local p = 0.0
  for i, e in ipairs(tbl) do
    p = p + e[2]
    chars[i] = e[1]
    probs[i] = p
  end
  probs[#probs] = 1.0
  return chars, probs
end

local function random_fasta(tbl, n)
  local chars, probs = make_cumulative(tbl)
  local k = #probs
  local buf = {}
  while n > 0 do
    local w = 60
    if n < w then w = n end
    for i = 1, w do
      local r = random(1.0)
      local j = 1
      while j < k and probs[j] < r do j = j + 1 end
      buf[i] = chars[j]
    end
    for i = w + 1, #buf do buf[i] = nil end
    emit(table.concat(buf))
    n = n - w
  end
end

emit(">ONE Homo sapiens alu")
repeat_fasta(ALU, N * 2)
emit(">TWO IUB ambiguity codes")
random_fasta(IUB, N * 3)
emit(">THREE Homo sapiens frequency")
random_fasta(HOMO, N * 5)
print(string.format("lines=%d", lines))
print(string.format("checksum %d", h))
