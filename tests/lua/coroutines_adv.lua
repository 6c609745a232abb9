-- Yielding across pcall, metamethods and iterators; errors across boundaries.
local function run(f, ...)
  local co = coroutine.create(f)
  local out = {}
  local args = table.pack(...)
  while true do
    local res = table.pack(coroutine.resume(co, table.unpack(args, 1, args.n)))
    if not res[1] then out[#out + 1] = "ERR:" .. tostring(res[2]) break end
    if coroutine.status(co) == "dead" then
      local r = {}
      for i = 2, res.n do r[#r + 1] = tostring(res[i]) end
      out[#out + 1] = "RET:" .. table.concat(r, ",")
      break
    end
    local y = {}
    for i = 2, res.n do y[#y + 1] = tostring(res[i]) end
    out[#out + 1] = "Y:" .. table.concat(y, ",")
    args = table.pack("r" .. #out)
  end
  print(table.concat(out, " "))
end
-- yield across pcall
run(function()
  local ok, v = pcall(function()
    local a = coroutine.yield("in pcall")
    return a .. "!"
  end)
  return ok, v
end)
-- yield across pcall then error
run(function()
  local ok, e = pcall(function()
    coroutine.yield(1)
    error("after yield", 0)
  end)
  coroutine.yield(ok, e)
  return "end"
end)
-- yield across xpcall with handler
run(function()
  return xpcall(function() coroutine.yield("x1") error("xe", 0) end, function(m) return "handled " .. m end)
end)
-- nested pcalls with yields at every level
run(function()
  return pcall(function()
    coroutine.yield("L1")
    return pcall(function()
      coroutine.yield("L2")
      return pcall(coroutine.yield, "L3")
    end)
  end)
end)
-- yield inside __index function
run(function()
  local t = setmetatable({}, {__index = function(_, k) return coroutine.yield("index " .. k) end})
  return t.foo
end)
-- yield inside __newindex, __call, __add, __concat, __len, __eq, __lt, __le, __unm
run(function()
  local log = {}
  local mt = {
    __newindex = function(_, k, v) log[#log + 1] = coroutine.yield("newindex " .. k) end,
    __call = function(_, a) return coroutine.yield("call " .. a) end,
    __add = function() return coroutine.yield("add") end,
    __concat = function() return coroutine.yield("concat") end,
    __len = function() return coroutine.yield("len") end,
    __eq = function() return coroutine.yield("eq") end,
    __lt = function() return coroutine.yield("lt") end,
    __le = function() return coroutine.yield("le") end,
    __unm = function() return coroutine.yield("unm") end,
  }
  local a, b = setmetatable({}, mt), setmetatable({}, mt)
  a.k = 1
  local r = {a("x"), a + 1, a .. "s", #a, a == b, a < b, a <= b, -a}
  return table.concat(log, ";"), r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]
end)
-- comparison results from yields are converted to booleans
run(function()
  local mt = {__lt = function() return coroutine.yield("lt?") end}
  local a, b = setmetatable({}, mt), setmetatable({}, mt)
  if a < b then return "less" else return "not less" end
end)
-- yield inside a generic for iterator
run(function()
  local sum = 0
  for v in function(_, i) i = (i or 0) + 1 if i <= 3 then coroutine.yield("iter " .. i) return i end end do
    sum = sum + v
  end
  return sum
end)
-- yield across a C function that does not allow it
run(function()
  table.sort({3, 2, 1}, function(a, b) coroutine.yield("sort") return a < b end)
end)
run(function()
  return string.gsub("abc", "%w", function(c) coroutine.yield(c) end)
end)
run(function()
  local t = setmetatable({}, {__tostring = function() coroutine.yield("ts") return "T" end})
  return tostring(t)
end)
-- yield from inside a <close> handler
run(function()
  do
    local c <close> = setmetatable({}, {__close = function() coroutine.yield("closing") end})
  end
  return "after close"
end)
-- pcall inside coroutine catching an error after several yields, status checks
local co = coroutine.create(function()
  for i = 1, 3 do
    local ok, err = pcall(function()
      coroutine.yield(i)
      if i == 2 then error("two", 0) end
    end)
    if not ok then coroutine.yield("caught " .. err) end
  end
  return "loop done"
end)
local results = {}
while coroutine.status(co) ~= "dead" do
  local _, v = coroutine.resume(co)
  results[#results + 1] = tostring(v)
end
print(table.concat(results, " "))
-- coroutine inside coroutine
local outer = coroutine.wrap(function()
  local inner = coroutine.wrap(function()
    coroutine.yield("inner1")
    coroutine.yield("inner2")
  end)
  coroutine.yield(inner())
  coroutine.yield("outer")
  coroutine.yield(inner())
end)
print(outer(), outer(), outer())
-- error crossing wrap adds position info only once
local w = coroutine.wrap(function() local t = nil; return t.x end)
print(pcall(w))
-- an error object thrown through nested coroutines arrives unchanged
local E = {}
local ok, e = pcall(coroutine.wrap(function() coroutine.wrap(function() error(E) end)() end))
print(ok, e == E)
-- coroutine.close with pending to-be-closed variables that error
local cc = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function() error("close failed", 0) end})
  coroutine.yield()
end)
coroutine.resume(cc)
print(coroutine.close(cc))
-- status while running inside a nested resume
local A
A = coroutine.create(function()
  local B = coroutine.create(function() return coroutine.status(A) end)
  return coroutine.resume(B)
end)
print(coroutine.resume(A))
-- isyieldable inside pcall inside coroutine
print(coroutine.wrap(function() return pcall(coroutine.isyieldable) end)())
-- wrap rethrows string errors with position of the coroutine
local ok3, e3 = pcall(coroutine.wrap(function() error("inner msg") end))
print(ok3, e3)
