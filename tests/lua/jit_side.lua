-- Side traces: exits taken often enough to get traces of their own, which link back
-- to the loop's trace. Each case goes wrong if a side trace starts from the wrong
-- registers, writes back the wrong ones, or the loop trace keeps a stale value.

-- branches that alternate: every other iteration leaves the loop's trace
local evens, odds, mix = 0, 0, 0
for i = 1, 2000 do
  if i % 2 == 0 then
    evens = evens + i
  else
    odds = odds + 1
    mix = mix ~ i
  end
end
print("alternate", evens, odds, mix)

-- three ways, and a side trace of a side trace
local a, b, c = 0, 0, 0.0
for i = 1, 3000 do
  local r = i % 3
  if r == 0 then
    a = a + 1
  elseif r == 1 then
    b = b + i
  else
    c = c + i / 4
  end
end
print("three-way", a, b, c)

-- the rare branch becomes the common one halfway
local lo, hi = 0, 0
for i = 1, 4000 do
  if i < 2000 then lo = lo + 1 else hi = hi + 2 end
end
print("switch", lo, hi)

-- a side branch changes a value the loop's trace reads without changing it
local k, acc = 3, 0
for i = 1, 3000 do
  acc = acc + k
  if i % 100 == 0 then k = k + 1 end
end
print("invariant changed", k, acc)

-- nested loops: the inner loop's exit runs the outer loop's body, including inner
-- loops that run zero times, count down, or start near the integer limit
local tri, zeros = 0, 0
for i = 0, 300 do
  for j = 1, i % 7 do
    tri = tri + j
  end
  if i % 7 == 0 then zeros = zeros + 1 end
  for j = i % 5, 1, -1 do
    tri = tri - j % 2
  end
end
print("nested", tri, zeros)

local big = 0
for n = 1, 200 do
  for i = math.maxinteger - n % 4, math.maxinteger do
    big = big + 1
  end
end
print("near maxinteger", big)

-- a while loop around a for loop
local w, total = 0, 0
while w < 500 do
  w = w + 1
  for j = 1, w % 9 + 1 do
    total = total + j * w
  end
end
print("while around for", w, total)

-- a side path whose own types change: integers, then floats from some point on
local s = 0
for i = 1, 3000 do
  if i % 3 == 0 then
    if i > 1500 then s = s + 0.5 else s = s + 1 end
  end
end
print("side types", s, math.type(s))

-- a side path that stores into a table, and a loop left by break from a side path
local t = {}
for i = 1, 100 do t[i] = 0 end
local found
for i = 1, 100000 do
  local j = i % 100 + 1
  if j % 4 == 0 then t[j] = t[j] + 1 end
  if t[40] == 30 then found = i break end
end
print("side store and break", found, t[4], t[40], t[100])

-- float loops inside an integer loop
local fsum = 0.0
for i = 1, 200 do
  for x = 0.0, i % 5, 0.5 do
    fsum = fsum + x
  end
end
print("float inner", fsum)

-- errors raised on a side path
local ok, err = pcall(function()
  local q = 0
  for i = 1, 1000 do
    if i % 2 == 0 then q = q + i else q = q - 1 end
    if i == 999 then q = q + nil end
  end
  return q
end)
print("error on side path", ok, (tostring(err):gsub("^.-:%d+: ", "")))
