-- table.insert/remove/concat/unpack/pack/move and the length operator.
local function show(t, n) local p = {} for i = 1, n or #t do p[#p + 1] = tostring(t[i]) end return "{" .. table.concat(p, ",") .. "}" end
local t = {}
table.insert(t, "a")
table.insert(t, "c")
table.insert(t, 2, "b")
table.insert(t, 1, "z")
table.insert(t, #t + 1, "end")
print(show(t), #t)
print(table.remove(t), show(t))
print(table.remove(t, 1), show(t))
print(table.remove(t, 2), show(t))
print(table.remove({}), table.remove({}, 0), table.remove({}, 1))
local e = {n = 1}
print(table.remove(e, #e), #e)
local one = {"x"}
print(table.remove(one, 1), #one)
print(pcall(table.remove, {1, 2, 3}, 7))
print(pcall(table.insert, {1, 2, 3}, 0, "x"))
print(pcall(table.insert, {1, 2, 3}, 5, "x"))
print(pcall(table.insert, {1}, "x", 2))
local r = {1, 2, 3}
print(table.remove(r, #r + 1), show(r))
-- concat
print(table.concat({1, 2, 3}), table.concat({1, 2, 3}, ", "), table.concat({}, "x"), table.concat({"a"}, "x"))
print(table.concat({1, 2, 3, 4, 5}, "-", 2, 4), table.concat({1, 2}, "-", 3), table.concat({1.5, 2, "s"}, " "))
print(pcall(table.concat, {1, nil, 3}, ",", 1, 3))
print(pcall(table.concat, {true}))
-- pack / unpack
local p = table.pack()
print(p.n, #p)
p = table.pack(nil, nil)
print(p.n, p[1], p[2])
print(table.unpack({1, 2, nil, 4}, 1, 4))
print(table.unpack({"a", "b"}, -1, 1))
-- move
local src = {1, 2, 3, 4, 5}
print(show(table.move(src, 2, 4, 1)))
src = {1, 2, 3, 4, 5}
print(show(table.move(src, 1, 3, 3)))
local dst = {}
print(table.move({1, 2, 3}, 1, 3, 1, dst) == dst, show(dst))
print(show(table.move({1, 2, 3}, 1, 0, 5)), show(table.move({"a", "b"}, 1, 2, 2, {}), 3))
print(pcall(table.move, {}, 1, math.maxinteger, 2))
-- length of sequences; holes are not tested (border is unspecified)
local seq = {}
for i = 1, 100 do seq[i] = i end
print(#seq)
for i = 100, 51, -1 do seq[i] = nil end
print(#seq)
print(#{1, 2, 3, nil}, #{nil}, #{}, #"", #{n = 3})
-- table functions respect metamethods (__index/__newindex/__len)
local log = {}
local proxy = setmetatable({}, {
  __len = function() return 3 end,
  __index = function(_, i) return "v" .. i end,
  __newindex = function(_, k, v) log[#log + 1] = k .. "=" .. tostring(v) end,
})
print(table.concat(proxy, ","), table.unpack(proxy))
table.insert(proxy, "new")
print(table.concat(log, " "))
-- table constructors
local c = {[1] = "a", "b", [3] = "c", "d"}
print(c[1], c[2], c[3])
local mixed = {1, 2, x = "x", [10] = 10, 3; 4}
print(#mixed, mixed.x, mixed[10], mixed[4])
local nested = {{1, 2}, {3, {4, 5}}}
print(nested[2][2][2], #nested)
local function three() return 1, 2, 3 end
print(#{three()}, #{three(), three()}, #{(three())}, #{three(), 10})
-- large array
local big = {}
for i = 1, 100000 do big[i] = i * 2 end
print(#big, big[100000], select('#', table.unpack(big, 1, 200)))
-- integer keys normalised from floats
local k = {}
k[1.0] = "float one"; k[2] = "two"
print(k[1], #k, k[2.0])
-- next after modifications
local m = {}
for i = 1, 10 do m[i] = i end
for i = 1, 10 do if i % 2 == 0 then m[i] = nil end end
local cnt = 0
for _ in pairs(m) do cnt = cnt + 1 end
print(cnt)
