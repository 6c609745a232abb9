-- queens: N-queens solution counting by backtracking
-- small: 6
-- recursion and boolean arrays for columns and diagonals, for every board size up to N;
-- cross-checked with a second solver that scans earlier rows (same board sizes)
local N = tonumber(arg and arg[1]) or 11

local function solve(n)
  local cols, d1, d2 = {}, {}, {}
  for i = 1, 2 * n do cols[i] = false; d1[i] = false; d2[i] = false end
  local count = 0
  local function place(row)
    if row > n then
      count = count + 1
      return
    end
    for c = 1, n do
      local a, b = row + c, row - c + n
      if not cols[c] and not d1[a] and not d2[b] then
        cols[c], d1[a], d2[b] = true, true, true
        place(row + 1)
        cols[c], d1[a], d2[b] = false, false, false
      end
    end
  end
  place(1)
  return count
end

-- second algorithm: queen positions per row, conflicts checked against earlier rows
local function solve2(n)
  local pos = {}
  local function safe(row, c)
    for r = 1, row - 1 do
      local p = pos[r]
      if p == c or p - c == row - r or c - p == row - r then return false end
    end
    return true
  end
  local function place(row)
    if row > n then return 1 end
    local cnt = 0
    for c = 1, n do
      if safe(row, c) then
        pos[row] = c
        cnt = cnt + place(row + 1)
      end
    end
    return cnt
  end
  return place(1)
end

local total, results = 0, {}
for n = 1, N do
  local s = solve(n)
  results[n] = s
  print(string.format("%d-queens: %d", n, s))
  total = total + s * n
end
for n = 1, N do
  local s = solve2(n)
  if s ~= results[n] then error("solvers disagree for n=" .. n) end
  total = total + s
end
print(string.format("checksum %d", total))
