-- binary_trees: allocate and walk many short-lived binary trees (GC / allocation heavy)
-- small: 6
local N = tonumber(arg and arg[1]) or 14

local function make(depth)
  if depth == 0 then
    return { false, false }
  end
  depth = depth - 1
  return { make(depth), make(depth) }
end

local function check(tree)
  local l = tree[1]
  if l then
    return 1 + check(l) + check(tree[2])
  end
  return 1
end

local mindepth = 4
local maxdepth = N
if mindepth + 2 > maxdepth then maxdepth = mindepth + 2 end

local total = 0
do
  local stretch = maxdepth + 1
  local c = check(make(stretch))
  print(string.format("stretch tree of depth %d\t check: %d", stretch, c))
  total = total + c
end

local longlived = make(maxdepth)

for depth = mindepth, maxdepth, 2 do
  local iters = 1
  for _ = 1, maxdepth - depth + mindepth do iters = iters * 2 end
  local c = 0
  for _ = 1, iters do
    c = c + check(make(depth))
  end
  print(string.format("%d\t trees of depth %d\t check: %d", iters, depth, c))
  total = total + c
end

local c = check(longlived)
print(string.format("long lived tree of depth %d\t check: %d", maxdepth, c))
total = total + c
print(string.format("checksum %d", total))
