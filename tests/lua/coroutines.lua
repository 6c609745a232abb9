-- Coroutines: create/resume/yield/status/wrap/isyieldable/running/close.
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "done", d + e
end)
print(coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co))
print(coroutine.resume(co))
print(coroutine.resume(co))
-- running and isyieldable
local main, ismain = coroutine.running()
print(type(main), ismain, coroutine.isyieldable())
local inner = coroutine.create(function()
  local me, im = coroutine.running()
  print(type(me), im, coroutine.isyieldable(), coroutine.status(me))
  print(coroutine.status(main) == "normal")
end)
coroutine.resume(inner)
-- wrap
local gen = coroutine.wrap(function(n)
  for i = 1, n do coroutine.yield(i) end
  return "end"
end)
print(gen(3), gen(), gen(), gen())
print(pcall(gen))
-- generators
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local s = 0
for i in range(100) do s = s + i end
print(s)
-- permutations generator
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local perms = {}
for p in coroutine.wrap(function() permgen({1, 2, 3}) end) do perms[#perms + 1] = table.concat(p) end
print(#perms, table.concat(perms, " "))
-- producer / consumer passing values both ways
local producer = coroutine.create(function()
  local total = 0
  for _, v in ipairs({5, 6, 7}) do
    local ack = coroutine.yield(v)
    total = total + ack
  end
  return total
end)
local ok, v = coroutine.resume(producer)
while coroutine.status(producer) ~= "dead" do
  ok, v = coroutine.resume(producer, v * 10)
end
print("total", v)
-- errors inside coroutines
local bad = coroutine.create(function() local x = nil; return x.y end)
print(coroutine.resume(bad))
print(coroutine.status(bad), coroutine.resume(bad))
local bad2 = coroutine.create(function() error({code = 7}) end)
local ok2, e2 = coroutine.resume(bad2)
print(ok2, type(e2), e2.code)
local w = coroutine.wrap(function() error("wrapped error") end)
print(pcall(w))
local w2 = coroutine.wrap(function() error({1}) end)
local okw, ew = pcall(w2)
print(okw, type(ew))
-- resume the running coroutine / a normal coroutine
local selfres
selfres = coroutine.create(function() return coroutine.resume(selfres) end)
print(coroutine.resume(selfres))
print(coroutine.resume(coroutine.running()))
-- yield outside a coroutine
print(pcall(coroutine.yield, 1))
-- close
local cl = coroutine.create(function() coroutine.yield() end)
coroutine.resume(cl)
print(coroutine.status(cl), coroutine.close(cl), coroutine.status(cl))
print(coroutine.close(coroutine.create(print)))
local errco = coroutine.create(function() error("e") end)
coroutine.resume(errco)
print(coroutine.close(errco))
print(pcall(coroutine.close, coroutine.running()))
-- yielding multiple values and nothing
local mv = coroutine.wrap(function() coroutine.yield() coroutine.yield(nil, nil) coroutine.yield(1, 2, 3) end)
print(select('#', mv()), select('#', mv()), select('#', mv()))
-- coroutine.wrap on a dead coroutine
local once = coroutine.wrap(function() return 1 end)
once()
print(pcall(once))
-- many coroutines alive at once
local cos = {}
for i = 1, 1000 do cos[i] = coroutine.create(function(x) local y = coroutine.yield(x + 1) return y * 2 end) end
local acc = 0
for i = 1, 1000 do local _, r = coroutine.resume(cos[i], i) acc = acc + r end
for i = 1, 1000 do local _, r = coroutine.resume(cos[i], i) acc = acc + r end
print(acc)
-- a coroutine as a table type
print(type(co), coroutine.isyieldable(co), coroutine.isyieldable(main))
-- deep recursion inside a coroutine
local deep = coroutine.wrap(function() local function r(n) if n == 0 then return 0 end return 1 + r(n - 1) end return r(5000) end)
print(deep())
-- yield from nested Lua calls
local nested = coroutine.wrap(function()
  local function a() coroutine.yield("from a") return "a done" end
  local function b() local r = a() coroutine.yield("from b after " .. r) end
  b()
  return "finished"
end)
print(nested(), nested(), nested())
