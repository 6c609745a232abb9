-- fannkuch: fannkuch-redux permutation flipping (array indexing, swaps, integer loops)
-- small: 6
local N = tonumber(arg and arg[1]) or 9
-- fannkuch(10) is ~10x fannkuch(9), so the default size repeats the run instead
local REPS = tonumber(arg and arg[2]) or 2

local function fannkuch(n)
  local perm, perm1, count = {}, {}, {}
  for i = 0, n - 1 do perm1[i] = i end
  local maxflips, checksum, permcount = 0, 0, 0
  local r = n
  while true do
    while r ~= 1 do
      count[r - 1] = r
      r = r - 1
    end
    for i = 0, n - 1 do perm[i] = perm1[i] end
    -- count flips
    local flips = 0
    local k = perm[0]
    while k ~= 0 do
      local i, j = 0, k
      while i < j do
        perm[i], perm[j] = perm[j], perm[i]
        i = i + 1
        j = j - 1
      end
      flips = flips + 1
      k = perm[0]
    end
    if flips > maxflips then maxflips = flips end
    if permcount % 2 == 0 then
      checksum = checksum + flips
    else
      checksum = checksum - flips
    end
    -- next permutation (rotation-based, same order as the reference program)
    while true do
      if r == n then
        return checksum, maxflips
      end
      local perm0 = perm1[0]
      for i = 0, r - 1 do perm1[i] = perm1[i + 1] end
      perm1[r] = perm0
      count[r] = count[r] - 1
      if count[r] > 0 then break end
      r = r + 1
    end
    permcount = permcount + 1
  end
end

local checksum, flips
for _ = 1, REPS do
  local c, f = fannkuch(N)
  assert(checksum == nil or (c == checksum and f == flips))
  checksum, flips = c, f
end
print(string.format("%d\nPfannkuchen(%d) = %d", checksum, N, flips))
