-- table.sort with and without comparators.
local function show(t) local p = {} for i = 1, #t do p[i] = tostring(t[i]) end return table.concat(p, " ") end
local t = {5, 3, 8, 1, 9, 2, 7, 4, 6, 0}
table.sort(t)
print(show(t))
table.sort(t, function(a, b) return a > b end)
print(show(t))
local words = {"pear", "Apple", "banana", "apple", "Cherry", "date"}
table.sort(words)
print(show(words))
table.sort(words, function(a, b) return a:lower() < b:lower() or (a:lower() == b:lower() and a < b) end)
print(show(words))
local mixed = {3.5, 1, 2.25, -1, 0, 10, 2}
table.sort(mixed)
print(show(mixed))
-- sort records by several keys
local people = {
  {name = "bob", age = 30}, {name = "alice", age = 25}, {name = "carol", age = 30},
  {name = "dave", age = 25}, {name = "eve", age = 35},
}
table.sort(people, function(a, b)
  if a.age ~= b.age then return a.age < b.age end
  return a.name < b.name
end)
for _, p in ipairs(people) do io.write(p.name, ":", p.age, " ") end
print()
-- larger sorts, checked for order
local function lcg(seed) local s = seed return function() s = (s * 1103515245 + 12345) % 2147483648 return s end end
local rnd = lcg(42)
local big = {}
for i = 1, 5000 do big[i] = rnd() % 1000 end
table.sort(big)
local sorted = true
for i = 2, #big do if big[i - 1] > big[i] then sorted = false end end
print(#big, sorted, big[1], big[#big])
table.sort(big, function(a, b) return a > b end)
print(big[1] >= big[#big], big[1], big[#big])
-- already sorted and reverse sorted inputs, all equal
local asc, desc, eq = {}, {}, {}
for i = 1, 1000 do asc[i] = i desc[i] = 1001 - i eq[i] = 7 end
table.sort(asc) table.sort(desc) table.sort(eq)
print(asc[1], asc[1000], desc[1], desc[1000], eq[500])
-- strings with numbers compare as strings
local ns = {"10", "9", "100", "1"}
table.sort(ns)
print(show(ns))
-- errors
print(pcall(table.sort, {3, "a", 1}))
print(pcall(table.sort, {1, 2, 3}, 42))
local ok, err = pcall(table.sort, {5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 4, 3, 2, 1}, function(a, b) return true end)
print(ok, err)
-- sort with __lt metamethod
local V = {__lt = function(a, b) return a.v < b.v end}
local vs = {}
for i, v in ipairs({4, 2, 5, 1, 3}) do vs[i] = setmetatable({v = v}, V) end
table.sort(vs)
for _, v in ipairs(vs) do io.write(v.v, " ") end
print()
-- sort of empty and one-element tables
local e, o = {}, {1}
table.sort(e) table.sort(o)
print(#e, o[1])
-- sort a table with a __len/__index proxy? (uses raw-free access: lua_geti)
local store = {3, 1, 2}
local proxy = setmetatable({}, {__len = function() return #store end, __index = store, __newindex = store})
table.sort(proxy)
print(show(store))
-- comparator erroring
print(pcall(table.sort, {1, 2, 3}, function(a, b) error("cmp fail", 0) end))
