-- Generic for: pairs, ipairs, next, custom iterators, closing values.
local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) < type(b)
  end)
  return ks
end
local t = {10, 20, 30, x = 1, y = 2, [100] = "h", [-1] = "neg"}
for _, k in ipairs(sorted_keys(t)) do io.write(tostring(k), "=", tostring(t[k]), " ") end
print()
for i, v in ipairs(t) do io.write(i, ":", v, " ") end
print()
-- ipairs stops at the first nil
for i, v in ipairs({1, 2, nil, 4}) do io.write(i, " ") end
print()
-- ipairs respects __index
local proxy = setmetatable({}, {__index = function(_, i) if i <= 4 then return i * i end end})
for i, v in ipairs(proxy) do io.write(v, " ") end
print()
-- next
print(next({}), next({5}), type(next), select('#', next({})))
local k, v = next({a = 1})
print(k, v, next({a = 1}, "a"))
print(pcall(next, {}, "nokey"))
-- counting pairs on a mixed table
local count = 0
for _ in pairs({1, 2, 3, a = 1, b = 2, [1.5] = 3}) do count = count + 1 end
print("count", count)
-- modifying existing fields during traversal is allowed
local m = {a = 1, b = 2, c = 3}
for k in pairs(m) do m[k] = nil end
print(next(m))
-- stateless iterator
local function range(n, step)
  return function(s, i)
    i = i + step
    if i <= s then return i end
  end, n, 0
end
for i in range(10, 3) do io.write(i, " ") end
print()
-- stateful iterator with closure
local function chars(s)
  local i = 0
  return function()
    i = i + 1
    if i <= #s then return i, s:sub(i, i) end
  end
end
for i, c in chars("lua") do io.write(i, c, " ") end
print()
-- iterator returning many values
local function multi()
  local done = false
  return function()
    if not done then done = true return 1, 2, 3, 4 end
  end
end
for a, b, c, d, e in multi() do print(a, b, c, d, e) end
-- the fourth value of the generic for is a to-be-closed value
local log = {}
local function closing_iter(n)
  local closer = setmetatable({}, {__close = function(_, err) log[#log + 1] = "closed:" .. tostring(err) end})
  local i = 0
  return function() i = i + 1 if i <= n then return i end end, nil, nil, closer
end
for i in closing_iter(2) do log[#log + 1] = "it" .. i end
print(table.concat(log, " "))
log = {}
for i in closing_iter(5) do
  log[#log + 1] = "it" .. i
  if i == 2 then break end
end
print(table.concat(log, " "))
log = {}
local function early() for i in closing_iter(5) do if i == 3 then return "ret" .. i end end end
print(early(), table.concat(log, " "))
log = {}
print(pcall(function() for i in closing_iter(5) do if i == 2 then error("boom", 0) end end end))
print(table.concat(log, " "))
-- goto out of a generic for also closes
log = {}
do
  for i in closing_iter(5) do if i == 1 then goto out end end
  ::out::
end
print(table.concat(log, " "))
print(pcall(function() for i in 1 do end end))
print(pcall(function() for i in pairs(nil) do end end))
-- __pairs
local pt = setmetatable({}, {__pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end})
for k, v in pairs(pt) do print("__pairs gave", k, v) end
-- pairs on table with integer keys in array part
local arr = {}
for i = 1, 10 do arr[i] = i end
local s = 0
for k, v in pairs(arr) do s = s + k * v end
print(s)
-- the control variable in a generic for is a fresh local per iteration
local fs = {}
for k, v in ipairs({"x", "y"}) do fs[k] = function() return k .. v end end
print(fs[1](), fs[2]())

-- __pairs: exactly three results, and it may yield
do
  local mt = {__pairs = function(t) return 1, 2, 3, 4, 5 end}
  print(pairs(setmetatable({}, mt)))
  local a, b, c, d = pairs(setmetatable({}, mt)); print(a, b, c, d)
  local function tail(t) return select(2, 1, 7, 8, 9, 10) end
  print(pairs(setmetatable({}, {__pairs = tail})))
  local t = setmetatable({}, {__pairs = function(t)
    local n = coroutine.yield("in __pairs")
    return function(_, i) if i < n then return i + 1, i * 10 end end, t, 0
  end})
  local co = coroutine.wrap(function()
    local s = 0
    for i, v in pairs(t) do s = s + v end
    return s
  end)
  print(co(), co(4))
end
