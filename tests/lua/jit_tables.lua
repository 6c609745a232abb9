-- Table accesses in loops, written to break a tracing JIT that specializes them: the
-- array grows or shrinks under the loop, elements change type, metatables arrive
-- mid-loop, fields are removed, the hash part is rebuilt. The interpreter and PUC Lua
-- print the same.

-- reading past the end of the array part (nil, then __index)
local a = {}
for i = 1, 50 do a[i] = i * 2 end
local sum, nils = 0, 0
for i = 1, 80 do
  local v = a[i]
  if v then sum = sum + v else nils = nils + 1 end
end
print("past the end", sum, nils)

-- elements that change type under the loop
local t = {}
for i = 1, 100 do t[i] = i end
t[60] = 0.5
t[70] = "7"
local acc = 0
for i = 1, 100 do acc = acc + t[i] end
print("element types", acc, math.type(acc))

-- stores that overwrite, then one that stores nil and one that stores a table
local s = {}
for i = 1, 100 do s[i] = 0 end
for i = 1, 100 do
  s[i] = s[i] + i
  if i == 80 then s[i] = nil end
end
s[90] = {}
local cnt = 0
for i = 1, 100 do
  if type(s[i]) == "number" then cnt = cnt + s[i] end
end
print("overwrites", cnt, s[80], type(s[90]))

-- a metatable with __index arrives while the loop reads holes
local h = {}
for i = 1, 100 do if i % 3 ~= 0 then h[i] = i end end
local got = 0
for i = 1, 100 do
  if i == 50 then setmetatable(h, {__index = function(_, k) return -k end}) end
  got = got + (h[i] or 1000)
end
print("__index mid-loop", got)

-- __newindex arrives while the loop stores into holes
local log = 0
local n = {}
for i = 1, 100 do n[i] = 1 end
for i = 1, 100, 2 do n[i] = nil end
for i = 1, 100 do
  if i == 40 then
    setmetatable(n, {__newindex = function(tt, k, v) log = log + k; rawset(tt, k, v) end})
  end
  n[i] = i
end
local total = 0
for i = 1, 100 do total = total + n[i] end
print("__newindex mid-loop", log, total)

-- fields by constant name, one removed mid-loop, then the hash part rebuilt
local obj = {x = 1, y = 2, z = 3}
local fx = 0
for i = 1, 200 do
  if i == 100 then obj.y = nil end
  if i == 150 then for k = 1, 40 do obj["extra" .. k] = k end end
  fx = fx + obj.x + (obj.y or 10) + obj.z
  obj.x = obj.x + 1
end
print("fields", fx, obj.x, obj.extra40)

-- two tables of different shapes through the same loop
local p1 = {a = 1, b = 2}
local p2 = {b = 20, a = 10, c = 30}
local ps = 0
for i = 1, 200 do
  local p = (i % 2 == 0) and p1 or p2
  ps = ps + p.a * p.b
end
print("shapes", ps)

-- integer keys that live in the hash part, and float keys equal to integers
local sparse = {[1] = 1, [2] = 2, [1000] = 3}
local sp = 0
for i = 1, 200 do sp = sp + (sparse[1] + (sparse[1000] or 0)) end
local fk = {}
for i = 1, 100 do fk[i] = i end
local fs = 0
for i = 1, 100 do fs = fs + fk[i * 1.0] end
print("keys", sp, fs)

-- a loop left by an error: indexing a field of nil
local ok, err = pcall(function()
  local rows = {}
  for i = 1, 100 do rows[i] = {v = i} end
  rows[77] = false
  local r = 0
  for i = 1, 100 do r = r + rows[i].v end
  return r
end)
print("error exit", ok, err)

-- the array part grows while the loop appends, then shrinks
local g = {}
for i = 1, 300 do g[#g + 1] = i % 7 end
local gs = 0
for i = 1, #g do gs = gs + g[i] end
for i = #g, 1, -1 do g[i] = nil end
print("grow and shrink", gs, #g)

-- booleans stored and read back, true and false
local flags = {}
for i = 1, 200 do flags[i] = false end
for i = 2, 200, 3 do flags[i] = true end
local trues = 0
for i = 1, 200 do if flags[i] then trues = trues + 1 end end
print("booleans", trues)
