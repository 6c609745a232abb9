-- Locals, upvalues and closures.
local function counter()
  local n = 0
  return function() n = n + 1 return n end, function() return n end
end
local inc, get = counter()
inc() inc()
print(get(), inc(), get())
local inc2 = counter()
print(inc2(), get())

-- closures in loops capture a fresh variable per iteration
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
local gs = {}
for _, v in ipairs({"a", "b", "c"}) do gs[#gs + 1] = function() return v end end
print(gs[1](), gs[2](), gs[3]())
local hs = {}
local j = 1
while j <= 3 do
  local k = j
  hs[j] = function() k = k + 10 return k end
  j = j + 1
end
print(hs[1](), hs[1](), hs[2](), hs[3]())
local rs = {}
repeat
  local x = #rs + 1
  rs[x] = function() return x end
until x >= 3  -- the until expression sees the loop body's locals
print(rs[1](), rs[2](), rs[3]())

-- shared upvalues between sibling closures
local function pair()
  local v = 0
  local function set(x) v = x end
  local function read() return v end
  return set, read
end
local set, read = pair()
set(42)
print(read())

-- upvalue of upvalue (nested three levels)
local function outer()
  local a = 1
  return function()
    local b = 2
    return function()
      a = a + 1; b = b + 1
      return a + b
    end
  end
end
local mid = outer()
local in1, in2 = mid(), mid()
print(in1(), in1(), in2(), in1())

-- closure sees later assignment to a local declared before it
local late
local function uselate() return late end
late = "set later"
print(uselate())

-- shadowing
local x = 1
do local x = x + 1; print(x) end
print(x)
local x = x + 10
print(x)
local function shadow(x) x = x * 2 return x end
print(shadow(5), x)

-- recursive local function
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(20), fact(21), fact(25.0))

-- many upvalues
local u1, u2, u3, u4, u5, u6, u7, u8 = 1, 2, 3, 4, 5, 6, 7, 8
local function sum() return u1 + u2 + u3 + u4 + u5 + u6 + u7 + u8 end
u8 = 80
print(sum())

-- closures closing over loop variables of nested loops
local grid = {}
for r = 1, 2 do
  for c = 1, 2 do
    grid[#grid + 1] = function() return r * 10 + c end
  end
end
for _, f in ipairs(grid) do io.write(f(), " ") end
print()

-- upvalue closed on break
local saved
for i = 1, 10 do
  local y = i * i
  saved = function() return y end
  if i == 4 then break end
end
print(saved())

-- function values are distinct per closure creation, same proto
local function mk() return function() end end
print(mk() == mk(), mk ~= nil)
-- functions as table fields and methods
local obj = {n = 0}
function obj.add(self, k) self.n = self.n + k return self end
function obj:sub(k) self.n = self.n - k return self end
obj:add(10):sub(3):add(1)
print(obj.n)
local a = {b = {c = {}}}
function a.b.c.f() return "deep" end
function a.b.c:g() return self == a.b.c end
print(a.b.c.f(), a.b.c:g())
