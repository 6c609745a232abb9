-- Loops a tracing JIT gives up on (each iteration makes a closure, which traces do not
-- record): after a few failed recordings their back-edges are rewritten not to count
-- iterations. They must run on as before, in every kind of loop, and a function
-- dumped after that must load and run like the one compiled.

local function kinds(n)
  local out = {}
  -- numeric for
  local s = 0
  for i = 1, n do
    local f = function() return i end
    s = s + f()
  end
  out[#out + 1] = s
  -- generic for
  local t = {}
  for i = 1, n do t[i] = i * 2 end
  s = 0
  for _, v in ipairs(t) do
    local f = function() return v end
    s = s + f()
  end
  out[#out + 1] = s
  -- while
  local i = 0
  s = 0
  while i < n do
    i = i + 1
    local f = function() return i end
    s = s + f()
  end
  out[#out + 1] = s
  -- repeat
  i = 0
  s = 0
  repeat
    i = i + 1
    local f = function() return -i end
    s = s + f()
  until i >= n
  out[#out + 1] = s
  -- goto
  i = 0
  s = 0
  ::top::
  i = i + 1
  do
    local f = function() return i end
    s = s + f()
  end
  if i < n then goto top end
  out[#out + 1] = s
  return table.concat(out, " ")
end

for round = 1, 12 do
  local r = kinds(round * 30)
  if round % 4 == 0 then print(round, r) end
end

-- The same function, dumped and loaded again after its loops were given up on.
local again = load(string.dump(kinds))
print("dumped", again(100))
print("stripped", load(string.dump(kinds, true))(7))

-- A loop given up on inside a coroutine, resumed many times.
local co = coroutine.wrap(function()
  local s = 0
  for i = 1, 2000 do
    local f = function() return i end
    s = s + f()
    if i % 500 == 0 then coroutine.yield(s) end
  end
  return "done " .. s
end)
for _ = 1, 5 do print("coroutine", co()) end
