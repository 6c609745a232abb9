-- oop_methods: method-call-heavy OOP
-- small: 2000
-- a 3-level class hierarchy via setmetatable/__index chains, polymorphic dispatch,
-- super calls, getters/setters, an __index *function* fallback and __newindex proxies
local N = tonumber(arg and arg[1]) or 1500000

local function class(parent)
  local c = {}
  c.__index = c
  c.super = parent
  if parent then setmetatable(c, { __index = parent }) end
  c.new = function(...)
    local o = setmetatable({}, c)
    o:init(...)
    return o
  end
  return c
end

local Shape = class()
function Shape:init(name) self.name = name; self.moves = 0 end
function Shape:area() return 0 end
function Shape:perimeter() return 0 end
function Shape:move(dx, dy) self.moves = self.moves + 1; self.x = (self.x or 0) + dx; self.y = (self.y or 0) + dy end
function Shape:describe() return self.name end
function Shape:score() return self:area() * 2 + self:perimeter() end

local Rect = class(Shape)
function Rect:init(w, h) Shape.init(self, "rect"); self.w = w; self.h = h end
function Rect:area() return self.w * self.h end
function Rect:perimeter() return 2 * (self.w + self.h) end
function Rect:getW() return self.w end
function Rect:setW(w) self.w = w end

local Square = class(Rect)
function Square:init(s) Rect.init(self, s, s); self.name = "square" end
function Square:setW(w) Rect.setW(self, w); self.h = w end
function Square:score() return Rect.score(self) + 1 end

local Circle = class(Shape)
function Circle:init(r) Shape.init(self, "circle"); self.r = r end
function Circle:area() return 3 * self.r * self.r end
function Circle:perimeter() return 6 * self.r end

-- __index function fallback: computed default values
local Defaults = setmetatable({}, { __index = function(t, k) return #k end })
local Config = {}
Config.__index = function(t, k)
  local v = rawget(Config, k)
  if v ~= nil then return v end
  return Defaults[k]
end
function Config:get(k) return self[k] end

-- __newindex proxy that records writes
local function proxy(target)
  local writes = 0
  local p = setmetatable({}, {
    __index = target,
    __newindex = function(_, k, v) writes = writes + 1; target[k] = v end,
  })
  return p, function() return writes end
end

local shapes = {}
for i = 1, 30 do
  local k = i % 3
  if k == 0 then shapes[i] = Rect.new(i % 7 + 1, i % 5 + 1)
  elseif k == 1 then shapes[i] = Square.new(i % 4 + 1)
  else shapes[i] = Circle.new(i % 6 + 1) end
end

local h = 0
local total = 0
for i = 1, N do
  local s = shapes[i % 30 + 1]
  total = total + s:score()
  s:move(1, -1)
  if s.setW then
    s:setW(s:getW() % 9 + 1)
  end
  if total > 1000000000 then total = total % 1000003 end
end
h = total % 1000003

local cfg = setmetatable({ alpha = 1 }, Config)
local cs = 0
for i = 1, math.floor(N / 4) do
  cs = cs + cfg:get("alpha") + cfg:get("beta") + cfg.gamma_long_name
end

local tgt = { v = 0 }
local p, writes = proxy(tgt)
for i = 1, math.floor(N / 4) do
  p.v = p.v + 1
  p.last = i
end

local names = {}
for i = 1, 3 do names[i] = shapes[i]:describe() .. ":" .. shapes[i].moves end
print(table.concat(names, " "))
print(string.format("total=%d cfg=%d proxy=%d writes=%d", total, cs, tgt.v, writes()))
print(string.format("checksum %d", (h * 7 + cs + tgt.v + writes()) % 1000000007))
