-- word_count: word frequency count over generated text
-- small: 5000
-- split pseudo-random text into words (gmatch), count words and bigrams in hash tables
-- (string-key insert/lookup heavy), then sort and report the most frequent words
local N = tonumber(arg and arg[1]) or 480000

local seed = 99
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

-- vocabulary: syllable combinations, Zipf-like skew by picking from a prefix of the list
local SYL = { "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "qu", "ba", "de", "fi" }
local vocab = {}
for i = 1, 3000 do
  local w = {}
  local len = 1 + i % 4
  local x = i
  for j = 1, len do
    w[j] = SYL[x % #SYL + 1]
    x = math.floor(x / #SYL) + j
  end
  vocab[i] = table.concat(w)
end

-- text in chunks of lines
local chunks = {}
local words_left = N
while words_left > 0 do
  local line = {}
  local n = 12
  if words_left < n then n = words_left end
  for j = 1, n do
    local r = rand(3000)
    local k = rand(r + 1) + 1 -- skewed toward small indices
    local w = vocab[k]
    if rand(10) == 0 then w = w:upper() end
    line[j] = w
  end
  words_left = words_left - n
  chunks[#chunks + 1] = table.concat(line, rand(2) == 0 and " " or ", ")
end
local text = table.concat(chunks, ".\n")

-- counting
local counts = {}
local total = 0
for w in text:gmatch("%a+") do
  w = w:lower()
  counts[w] = (counts[w] or 0) + 1
  total = total + 1
end

-- second pass: bigram counts keyed by concatenated strings
local bigrams, prev = {}, nil
for w in text:gmatch("%a+") do
  if prev then
    local key = prev .. " " .. w
    bigrams[key] = (bigrams[key] or 0) + 1
  end
  prev = w
end

local list = {}
for w, c in pairs(counts) do list[#list + 1] = { w = w, c = c } end
table.sort(list, function(a, b)
  if a.c ~= b.c then return a.c > b.c end
  return a.w < b.w
end)

local nbig = 0
for _ in pairs(bigrams) do nbig = nbig + 1 end

print(string.format("words=%d distinct=%d bigrams=%d", total, #list, nbig))
local h = 0
for i = 1, #list do
  local e = list[i]
  if i <= 5 then print(string.format("%-10s %d", e.w, e.c)) end
  for j = 1, #e.w do h = (h * 31 + e.w:byte(j)) % 1000000007 end
  h = (h * 31 + e.c) % 1000000007
end
print(string.format("checksum %d", h))
