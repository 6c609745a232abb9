-- Varargs, select, table.pack/unpack, multiple assignment and multiple returns.
local function count(...) return select('#', ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
local function pass(...) return ... end
print(pass(1, 2, 3))
print(pass(1, 2, 3), "end")
print((pass(1, 2, 3)))
print(count(pass()), count(pass(nil, nil)), count(pass(1, 2), pass(3, 4)))
print(select(2, "a", "b", "c"), select(-1, "a", "b", "c"), select(-3, "a", "b", "c"))
print(select(4, "a", "b", "c"))
print(pcall(select, 0, "a"))
print(pcall(select, -4, "a", "b", "c"))
print(select('#'), select(1, nil))
local p = table.pack(1, nil, 3, nil)
print(p.n, p[1], p[2], p[3], p[4], #{n = 1})
print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2))
print(table.unpack({1, 2, 3}, 2, 5))
print(table.unpack({1, 2, 3}, 3, 2))
print(table.unpack({}, 1, 0), count(table.unpack({}, 1, 0)))
print(pcall(table.unpack, {}, 1, 1e8))
print(pcall(table.unpack, {}, math.mininteger, math.maxinteger))
local t = {pass(1, 2), pass(3, 4)}
print(#t, t[1], t[2], t[3])
local t2 = {pass(1, 2), (pass(3, 4))}
print(#t2)
-- vararg in table constructor keeps nils count via select
local function packn(...) return {n = select('#', ...), ...} end
local pk = packn(nil, 2, nil)
print(pk.n, pk[1], pk[2], pk[3])
-- multiple assignment
local a, b, c = 1, 2
print(a, b, c)
a, b = b, a
print(a, b)
local x, y = 1, 2, 3, print("extra expression evaluated")
print(x, y)
local q = {}
local i = 1
i, q[i] = i + 1, 20   -- the table index is evaluated before assignment
print(i, q[1], q[2])
local r = {1, 2, 3}
local n = 1
n, r[n], r[n + 1] = 3, "a", "b"
print(n, r[1], r[2], r[3])
-- function returning different counts
local function f(k)
  if k == 0 then return end
  if k == 1 then return 1 end
  return 1, 2, 3
end
print(count(f(0)), count(f(1)), count(f(2)), count(f(2), f(2)), count((f(2))))
local a1, a2, a3, a4 = f(2)
print(a1, a2, a3, a4)
local b1, b2 = f(0)
print(b1, b2)
-- varargs in main chunk
print(count(...), ... == nil)
-- vararg accessed in nested function is not allowed
print(load("function g() return function() return ... end end"))
-- arg adjustments to fixed parameters
local function three(a, b, c) return a, b, c end
print(three(1), three(1, 2, 3, 4))
local function mixed(a, ...) return a, select('#', ...), ... end
print(mixed(), mixed(1), mixed(1, 2, 3))
-- long vararg lists
local big = {}
for k = 1, 250 do big[k] = k end
print(count(table.unpack(big)), select(250, table.unpack(big)))
print(math.max(table.unpack(big)), string.char(table.unpack({72, 105})))
-- string.format with many args
print(string.format(string.rep("%d", 10, ","), table.unpack(big, 1, 10)))
