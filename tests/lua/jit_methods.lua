-- Method calls and field lookups through metatables, as a JIT records them: __index
-- chains of classes, objects of several classes through one call site, methods and
-- metatables replaced while a loop runs, __newindex arriving mid-loop, fields stored
-- into objects with metatables, and string methods (s:byte(), s:upper()) with the
-- strings' metatable changed under a running loop.

local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, { __index = parent }) end
  c.new = function(x)
    local o = setmetatable({ x = x }, c)
    return o
  end
  return c
end

local Base = class()
function Base:get() return self.x end
function Base:twice() return self:get() * 2 end
function Base:bump(d) self.x = self.x + d end
local Mid = class(Base)
function Mid:get() return self.x + 1 end
local Leaf = class(Mid)

-- One class through a three-level chain, then several classes at one call site.
do
  local o = Leaf.new(1)
  local s = 0
  for i = 1, 300 do
    s = s + o:twice()
    o:bump(1)
  end
  print("chain", s, o.x)
  local objs = { Base.new(1), Mid.new(2), Leaf.new(3) }
  local t = 0
  for i = 1, 300 do
    local ob = objs[i % 3 + 1]
    t = t + ob:twice() + ob:get()
  end
  print("polymorphic", t)
end

-- A method replaced in the class, and an object given another metatable, mid-loop.
do
  local o = Leaf.new(5)
  local s = 0
  for i = 1, 300 do
    if i == 100 then function Mid:get() return self.x + 100 end end
    if i == 200 then setmetatable(o, Base) end
    s = s + o:get()
  end
  print("replaced", s)
  function Mid:get() return self.x + 1 end
end

-- A field the object itself gets, shadowing the class's method.
do
  local o = Base.new(3)
  local s = 0
  for i = 1, 300 do
    if i == 150 then o.get = function() return -1 end end
    s = s + o:get()
  end
  print("shadowed", s)
end

-- Missing fields read as nil through a metatable without __index, or with an
-- __index table that lacks them; __index added mid-loop.
do
  local mt = {}
  local o = setmetatable({}, mt)
  local n = 0
  for i = 1, 300 do
    if i == 200 then mt.__index = { missing = 2 } end
    if o.missing == nil then n = n + 1 else n = n + o.missing end
  end
  print("missing", n)
end

-- Stores into objects with a metatable: new keys (raw while there is no __newindex),
-- then __newindex arriving mid-loop.
do
  local log = {}
  local mt = { __index = { kind = "obj" } }
  local o = setmetatable({}, mt)
  local keys, names = {}, {}
  for i = 0, 19 do keys[i + 1] = "k" .. i end
  for i = 1, 300 do names[i] = "n" .. i end
  for i = 1, 300 do
    o[keys[i % 20 + 1]] = i
    o.last = i
    if i == 250 then
      mt.__newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v) end
    end
    o[names[i]] = i
  end
  local cnt = 0
  for _ in pairs(o) do cnt = cnt + 1 end
  print("stores", cnt, o.last, o.kind, #log, log[1], log[#log])
end

-- String methods through the strings' metatable.
do
  local s = "hello, world"
  local h = 0
  for i = 1, 300 do
    local j = i % #s + 1
    h = (h * 31 + s:byte(j)) % 1000003
  end
  print("byte", h)
  local up = 0
  for i = 1, 100 do up = up + #s:upper() + #s:sub(2, i % 5 + 2) end
  print("upper", up)
  -- Methods the string library gains, and a metatable of strings replaced mid-loop.
  string.shout = function(x) return x:upper() .. "!" end
  local r = {}
  for i = 1, 300 do
    if i == 200 then
      debug.setmetatable("", { __index = { shout = function(x) return x .. "?" end } })
    end
    r[#r + 1] = ("ab"):shout()
  end
  print("swapped", r[199], r[200], r[300])
  debug.setmetatable("", { __index = string })
  print("restored", ("x"):rep(3))
end
