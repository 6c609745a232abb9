-- life: Conway's Game of Life on a 64x64 torus
-- small: 5
-- flat array, double buffered; integer neighbour counting with modular wrap-around
local N = tonumber(arg and arg[1]) or 2000

local W, H = 64, 64

local seed = 31337
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local cur, nxt = {}, {}
for i = 0, W * H - 1 do
  cur[i] = rand(3) == 0 and 1 or 0
  nxt[i] = 0
end
-- a glider, so there is always some motion
cur[1 * W + 2], cur[2 * W + 3], cur[3 * W + 1], cur[3 * W + 2], cur[3 * W + 3] = 1, 1, 1, 1, 1

local function step(a, b)
  for y = 0, H - 1 do
    local up = ((y - 1) % H) * W
    local row = y * W
    local down = ((y + 1) % H) * W
    for x = 0, W - 1 do
      local l = (x - 1) % W
      local r = (x + 1) % W
      local n = a[up + l] + a[up + x] + a[up + r]
              + a[row + l] + a[row + r]
              + a[down + l] + a[down + x] + a[down + r]
      if n == 3 or (n == 2 and a[row + x] == 1) then
        b[row + x] = 1
      else
        b[row + x] = 0
      end
    end
  end
end

local h = 0
for gen = 1, N do
  step(cur, nxt)
  cur, nxt = nxt, cur
  if gen % 10 == 0 then
    local alive = 0
    for i = 0, W * H - 1 do alive = alive + cur[i] end
    h = (h * 31 + alive) % 1000000007
  end
end

local alive = 0
local sig = 0
for i = 0, W * H - 1 do
  alive = alive + cur[i]
  if cur[i] == 1 then sig = (sig * 7 + i) % 1000000007 end
end
print(string.format("generations=%d alive=%d", N, alive))
print(string.format("checksum %d", (h + sig) % 1000000007))
