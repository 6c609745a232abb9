-- mandelbrot: escape-time Mandelbrot set on an N x N grid (float inner loop), checksum only
-- small: 32
local N = tonumber(arg and arg[1]) or 950

local ITER = 50
local inside, total_iters, rowsum = 0, 0, 0
for y = 0, N - 1 do
  local ci = 2.0 * y / N - 1.0
  local rowbits = 0
  for x = 0, N - 1 do
    local cr = 2.0 * x / N - 1.5
    local zr, zi, zr2, zi2 = 0.0, 0.0, 0.0, 0.0
    local i = 0
    while i < ITER and zr2 + zi2 <= 4.0 do
      zi = 2.0 * zr * zi + ci
      zr = zr2 - zi2 + cr
      zr2 = zr * zr
      zi2 = zi * zi
      i = i + 1
    end
    total_iters = total_iters + i
    if i == ITER then
      inside = inside + 1
      rowbits = (rowbits * 2 + 1) % 65521
    else
      rowbits = (rowbits * 2) % 65521
    end
  end
  rowsum = (rowsum * 31 + rowbits) % 1000000007
end
print(string.format("size=%d inside=%d iterations=%d", N, inside, total_iters))
print(string.format("checksum %d", rowsum))
