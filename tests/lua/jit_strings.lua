-- String operations in loops a JIT records: string.byte through a local, through the
-- library table and as a method, with indices running off either end of the string,
-- negative indices, the string changing under the loop, #s, and string.byte replaced
-- while the loop runs.

local byte = string.byte

do
  local s = "The quick brown fox jumps over the lazy dog"
  local h = 0
  for i = 1, #s do h = (h * 31 + byte(s, i)) % 1000003 end
  print("local", h)
  local h2 = 0
  for i = 1, #s do h2 = (h2 * 31 + string.byte(s, i)) % 1000003 end
  print("library", h2)
  local h3 = 0
  for i = 1, #s do h3 = (h3 * 31 + s:byte(i)) % 1000003 end
  print("method", h3)
end

-- Past the end: no value (nil), and the loop goes on.
do
  local s = "abcdef"
  local n, sum = 0, 0
  for i = 1, 300 do
    local c = byte(s, i % 9)
    if c == nil then n = n + 1 else sum = sum + c end
  end
  print("off the ends", n, sum)
  -- Negative indices count from the end.
  local t = 0
  for i = 1, 300 do t = t + byte(s, -(i % 6 + 1)) end
  print("negative", t)
  -- No index: the first byte.
  local f = 0
  for i = 1, 300 do f = f + byte(s) end
  print("first", f)
end

-- The string changes under the loop (another length, then the empty string).
do
  local words = { "alpha", "be", "gamma", "", "delta" }
  local acc, misses = 0, 0
  for i = 1, 300 do
    local w = words[i % 5 + 1]
    local c = byte(w, 2)
    if c then acc = acc + c + #w else misses = misses + 1 end
  end
  print("changing", acc, misses)
end

-- Several results, and a byte used as a table key.
do
  local s = "hello"
  local counts = {}
  for i = 1, 300 do
    local a, b = byte(s, i % 5 + 1), byte(s, 1)
    counts[a] = (counts[a] or 0) + b
  end
  print("keys", counts[104], counts[101], counts[108], counts[111])
end

-- string.byte replaced while the loop runs.
do
  local s = "xyz"
  local r = 0
  local saved = string.byte
  for i = 1, 300 do
    if i == 200 then string.byte = function() return 1000 end end
    r = r + string.byte(s, 2)
  end
  string.byte = saved
  print("replaced", r)
end
