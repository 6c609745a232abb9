-- Garbage collector: collectgarbage options, weak tables, finalizers (deterministic facts only).
print(type(collectgarbage("count")), collectgarbage("count") > 0, math.type(collectgarbage("count")))
print(collectgarbage("collect"), collectgarbage(), collectgarbage("step", 0) ~= nil)
print(type(collectgarbage("isrunning")), collectgarbage("isrunning"))
collectgarbage("stop")
print(collectgarbage("isrunning"))
collectgarbage("restart")
print(collectgarbage("isrunning"))
print(pcall(collectgarbage, "bogus"))
-- memory grows with allocation and shrinks after collect
collectgarbage()
local before = collectgarbage("count")
local junk = {}
for i = 1, 10000 do junk[i] = {i} end
local during = collectgarbage("count")
junk = nil
collectgarbage()
local after = collectgarbage("count")
print(during > before, after < during)
-- weak values
local wv = setmetatable({}, {__mode = "v"})
wv[1] = {}
wv[2] = "strings are not collected from weak tables"
local keep = {}
wv[3] = keep
collectgarbage()
print(wv[1], wv[2] ~= nil, wv[3] == keep)
-- weak keys
local wk = setmetatable({}, {__mode = "k"})
local k1 = {}
wk[k1] = "kept"
wk[{}] = "dropped"
collectgarbage()
local n = 0
for k, v in pairs(wk) do n = n + 1 end
print(n, wk[k1])
-- ephemeron: value refers to its own key
local eph = setmetatable({}, {__mode = "k"})
do local key = {} eph[key] = {ref = key} end
collectgarbage()
print(next(eph) == nil)
-- fully weak
local kv = setmetatable({}, {__mode = "kv"})
kv[{}] = 1; kv[1] = {}; kv.x = "y"
collectgarbage()
local cnt = 0
for _ in pairs(kv) do cnt = cnt + 1 end
print(cnt, kv.x)
-- finalizers run on collection, in reverse order of marking
local order = {}
for i = 1, 3 do setmetatable({}, {__gc = function() order[#order + 1] = i end}) end
collectgarbage()
print(table.concat(order, " "))
-- finalizer sees the object and can resurrect it
local resurrected
do
  local obj = setmetatable({name = "zombie"}, {__gc = function(o) resurrected = o end})
end
collectgarbage()
print(resurrected and resurrected.name)
-- __gc field must be present when setmetatable is called
local late_called = false
local mt = {}
do local o = setmetatable({}, mt) end
mt.__gc = function() late_called = true end
collectgarbage()
print("late __gc called:", late_called)
-- an error in a finalizer does not propagate (it becomes a warning)
do setmetatable({}, {__gc = function() error("in gc") end}) end
collectgarbage()
print("survived finalizer error")
-- objects referenced from the stack survive
local live = {data = "alive"}
local weakref = setmetatable({live}, {__mode = "v"})
collectgarbage()
print(weakref[1] and weakref[1].data)
-- collectgarbage("count") returns a float, "step" a boolean
print(math.type(collectgarbage("count")), type(collectgarbage("step")))
-- many short-lived objects are reclaimed
for i = 1, 200000 do local t = {i, tostring(i)} end
collectgarbage()
print(collectgarbage("count") < during + 1000)
-- the finalizer of an object still alive runs when the state is closed (at program exit)
_G.keep_until_exit = setmetatable({}, {__gc = function() print("global finalizer at exit") end})
print("end of script")
