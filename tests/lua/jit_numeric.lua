-- Numeric loops written to break a tracing JIT: every loop runs long enough to be
-- recorded (the JIT differential test records from the second iteration), then changes
-- what the trace assumed. The interpreter and PUC Lua print the same.

-- integer wraparound in the loop body
local x = math.maxinteger - 50
for i = 1, 100 do x = x + 1 end
print("wrap", x, math.type(x))
local m = 1
for i = 1, 70 do m = m * 3 end
print("mulwrap", m)

-- a register that turns from integer to float mid-loop
local s = 0
for i = 1, 100 do
  if i == 60 then s = s + 0.5 end
  s = s + i
end
print("int->float", s, math.type(s))

-- and from float back to integer
local f = 1.5
for i = 1, 100 do
  if i == 40 then f = 2 end
  f = f * 1
end
print("float->int", f, math.type(f))

-- a number turning into a string (arithmetic then needs coercion)
local v = 10
local acc = 0
for i = 1, 100 do
  if i == 70 then v = "3" end
  acc = acc + v
end
print("string coercion", acc, math.type(acc))

-- floor division and modulo signs, integer and float
local q, r, fq, fr = 0, 0, 0.0, 0.0
for i = -50, 50 do
  q = q + i // 7 + i // -7
  r = r + i % 7 + i % -7
  fq = fq + i // 2.5
  fr = fr + i % -2.5
end
print("idiv/mod", q, r, fq, fr)

-- modulo by a variable divisor that becomes zero
local ok, err = pcall(function()
  local t = 0
  for d = 20, -1, -1 do t = t + 100 % d end
  return t
end)
print("mod by zero", ok, err)

-- float division by zero is not an error
local inf = 0
for i = 1, 100 do inf = 1 / (i - i) end
print("div by zero", inf, -inf, 0 / 0 ~= 0 / 0)

-- comparisons with NaN in the loop
local nan = 0 / 0
local lt, ge = 0, 0
for i = 1, 100 do
  local y = (i % 10 == 0) and nan or i * 1.0
  if y < 50 then lt = lt + 1 end
  if not (y < 50) then ge = ge + 1 end
end
print("nan compares", lt, ge)

-- bitwise operators, shifts past the word and negative shifts
local b = 0
for i = -70, 70 do
  b = b ~ (1 << i) ~ (-1 >> i) ~ (i & 0xff) ~ (i | 3)
end
print("shifts", b)
local ok2, err2 = pcall(function()
  local t = 0
  for i = 1, 100 do t = t | (i / 2) end
  return t
end)
print("float with no integer", ok2, err2)
local exact = 0
for i = 1, 100 do exact = exact | (i * 2.0) end
print("exact floats", exact)

-- float for loops, up and down, with fractional steps
local fs = 0
for i = 1.0, 3.0, 0.125 do fs = fs + i end
for i = 10.0, 1.0, -0.75 do fs = fs - i end
print("float for", fs)

-- integer for loops whose bounds are near the limits
local n = 0
for i = math.maxinteger - 80, math.maxinteger do n = n + 1 end
for i = math.mininteger, math.mininteger + 80 do n = n + 1 end
for i = 1, 0 do n = n + 1000 end
print("for limits", n)

-- break, goto and while/repeat loops leaving from the middle
local w, k = 0, 0
while true do
  k = k + 1
  if k > 90 then break end
  w = w + k % 4
end
repeat k = k - 3 until k < -100
local g = 0
for i = 1, 200 do
  g = g + i
  if g > 5000 then goto done end
end
::done::
print("exits", w, k, g)

-- nested loops, the inner one hot first
local tri = 0
for i = 1, 60 do
  for j = i, 1, -1 do tri = tri + j % 5 end
end
print("nested", tri)

-- a branch that goes one way for the recording and the other way later
local evens, odds, big = 0, 0, 0
for i = 1, 300 do
  if i < 150 then evens = evens + 1
  elseif i % 2 == 0 then odds = odds + 2
  else big = big + i end
end
print("branches", evens, odds, big)

-- mixed integer/float arithmetic and unary minus
local mix = 0
for i = 1, 100 do mix = -mix + i * 0.5 - (i // 3) end
print("mixed", mix)

-- Inner loops that start inside a trace: float loops, and integer loops whose limit
-- is a float (its floor, or its ceiling counting down), including limits out of the
-- integers' range, infinities and NaN.
do
  local s = 0.0
  for i = 1, 200 do
    for x = 0.5, i / 50, 0.25 do s = s + x end
  end
  print("float inner", s)
  local c = 0
  for i = 1, 200 do
    for j = 1, i / 3 do c = c + j end
    for j = i, i / 7, -1 do c = c - 1 end
  end
  print("float limits", c)
  local limits = { 2.5, 1/0, -1/0, 0/0, 2^63, -2^63, 3.0 }
  local n = 0
  for i = 1, 210 do
    local lim = limits[i % #limits + 1]
    for j = 1, lim do
      n = n + 1
      if j >= 3 then break end
    end
    for j = 0, lim, -1 do
      n = n + 2
      if j <= -3 then break end
    end
  end
  print("odd limits", n)
end
