-- debug library: traceback, getinfo, getlocal/setlocal, upvalues, hooks, metatables,
-- user values, registry, finalizer names, hooks on stripped code.

-- Tracebacks are cut before the main chunk: what lies below it depends on the host.
local function cut(tb)
  local out = {}
  for line in (tb .. "\n"):gmatch("([^\n]*)\n") do
    if line:find("in main chunk", 1, true) then break end
    out[#out + 1] = line
  end
  return table.concat(out, "\n")
end

local function sortedkeys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = tostring(k) end
  table.sort(ks)
  return table.concat(ks, ",")
end

print("-- traceback")
local function inner(msg, level) local t = debug.traceback(msg, level); return t end
local function middle(msg, level) local t = inner(msg, level); return t end
local function outer(msg, level) local t = middle(msg, level); return t end
print(cut(outer("msg", 1)))
print(cut(outer("msg", 2)))
print(cut(outer(nil, 3)))
print(cut(outer("lvl0", 0)))
print(cut(outer("far", 50)))
print(cut(outer(42, 1)))
local function tailer(msg) return inner(msg, 1) end
local function calltail(msg) local t = tailer(msg); return t end
print(cut(calltail("tail")))
local tmsg = {}
print(debug.traceback(tmsg) == tmsg, debug.traceback(true), debug.traceback(false, 1))
print(select("#", debug.traceback(nil)), type(debug.traceback(nil)))
print(cut(debug.traceback("main", 1)))
function globalfn(msg) local t = debug.traceback(msg); return t end
print(cut(globalfn("global")))
local mt = {}
function mt.field(msg) local t = debug.traceback(msg); return t end
function mt:method(msg) local t = debug.traceback(msg); return t end
print(cut(mt.field("field")))
print(cut(mt:method("method")))
print(cut(select(2, pcall(inner, "through pcall", 1))))
-- in coroutines
local co = coroutine.create(function(x)
  local function deep(y)
    coroutine.yield(y)
    return y
  end
  local r = deep(x)
  error("boom " .. r)
end)
print(debug.traceback(co))
print(coroutine.resume(co, 7))
print(debug.traceback(co))
print(debug.traceback(co, "co msg"))
print(debug.traceback(co, "co lvl1", 1))
print(debug.traceback(co, "co lvl2", 2))
print(debug.traceback(co, nil, 3))
print(coroutine.resume(co))
print(coroutine.status(co))
print(debug.traceback(co, "dead"))
local fresh = coroutine.create(function() end)
print(debug.traceback(fresh, "fresh"))
print(debug.traceback(fresh, {}) ~= nil, type(debug.traceback(fresh, {})))
local wrapped = coroutine.wrap(function()
  coroutine.yield(cut(debug.traceback("inside", 1)))
end)
print(wrapped())

print("-- getinfo")
local function sample(a, b, ...)
  local x = a + b
  return x
end
local info = debug.getinfo(sample)
print(sortedkeys(info))
print(info.source, info.short_src, info.what, info.linedefined, info.lastlinedefined)
print(info.currentline, info.nups, info.nparams, info.isvararg, info.name, info.namewhat)
print(info.istailcall, info.func == sample, info.ftransfer, info.ntransfer)
for _, opt in ipairs({"S", "l", "u", "n", "t", "f", "L", "r", "", "Sl", "fL"}) do
  print(string.format("%q", opt), sortedkeys(debug.getinfo(sample, opt)))
end
local function act(a)
  local x = a * 2
  if x > 10 then
    x = x - 1
  end
  return x
end
local ai = debug.getinfo(act, "SL")
local lines = {}
for l in pairs(ai.activelines) do lines[#lines + 1] = l - ai.linedefined end
table.sort(lines)
print("activelines", table.concat(lines, ","), ai.lastlinedefined - ai.linedefined)
local function vact(...)
  local n = select("#", ...)
  return n
end
local vi = debug.getinfo(vact, "SLu")
lines = {}
for l in pairs(vi.activelines) do lines[#lines + 1] = l - vi.linedefined end
table.sort(lines)
print("vararg activelines", table.concat(lines, ","), vi.isvararg, vi.nparams)
-- natives
local ni = debug.getinfo(string.format)
print(ni.what, ni.source, ni.short_src, ni.linedefined, ni.lastlinedefined, ni.currentline)
print(ni.nups, ni.nparams, ni.isvararg, ni.func == string.format, ni.activelines)
print(sortedkeys(debug.getinfo(math.max, "SLlu")))
-- main chunk
local mi = debug.getinfo(1, "S")
print(mi.what, mi.source, mi.short_src, mi.linedefined)
local li = debug.getinfo(load("return 1", "=chunkname"), "S")
print(li.what, li.source, li.short_src, li.linedefined, li.lastlinedefined)
li = debug.getinfo(load("local a = 1\nreturn a", "@some/file.lua"), "S")
print(li.source, li.short_src)
li = debug.getinfo(load("x = 1\n-- second line", "code string"), "S")
print(li.source, li.short_src)
li = debug.getinfo(load("x = 1"), "S")
print(li.source, li.short_src)
-- levels
local function lv()
  local i0 = debug.getinfo(0, "nSl")
  local i1 = debug.getinfo(1, "nSlt")
  local i2 = debug.getinfo(2, "Sl")
  return i0.what, i0.name, i1.name, i1.namewhat, i1.currentline, i1.istailcall, i2.what, i2.currentline
end
print(lv())
local function lv2(a, b)
  local i = debug.getinfo(1, "uLfr")
  local c = debug.getinfo(0, "uSf")
  return i.nups, i.nparams, i.isvararg, i.func == lv2, i.activelines[debug.getinfo(1, "l").currentline],
    i.ftransfer, i.ntransfer, c.nups, c.nparams, c.isvararg, c.what, c.func == debug.getinfo
end
print(lv2())
print(debug.getinfo(100), debug.getinfo(100, "S"))
local function tl() return debug.getinfo(1, "tn") end
local function calltl() return tl() end
local ti = calltl()
print(ti.istailcall, ti.name, ti.namewhat)
local lastname
local function names()
  local i = debug.getinfo(1, "n")
  lastname = tostring(i.name) .. "/" .. i.namewhat
  return lastname
end
local function namecaller() local r = names(); return r end
gnames = names
local holder = {names = names}
print((names()), namecaller(), (gnames()), (holder.names()), (holder:names()))
local mtn = setmetatable({}, {__index = names, __add = names, __concat = names, __unm = names,
  __len = names, __eq = names, __lt = names, __le = names, __call = names, __newindex = names})
print(mtn.anything, mtn + 1, mtn .. "x", -mtn, #mtn)
local _ = mtn == setmetatable({}, getmetatable(mtn))
print(lastname, mtn < mtn and lastname, mtn <= mtn and lastname, (mtn()))
mtn.newkey = 1
print(lastname)
for v in names do print("iterator", v) break end
print(pcall(names))
print(pcall(debug.getinfo, 1, ">S"))
print(pcall(debug.getinfo, 1, "X"))
print(pcall(debug.getinfo, "x"))
print(pcall(debug.getinfo, {}))
print(pcall(debug.getinfo))

print("-- getlocal/setlocal")
local function dumplocals(level)
  local out = {}
  local i = 1
  while true do
    local n, v = debug.getlocal(level + 1, i)
    if not n or n:sub(1, 1) == "(" then break end
    out[#out + 1] = n .. "=" .. tostring(v)
    i = i + 1
  end
  return table.concat(out, " ")
end
local function locs(a, b, ...)
  local c = a + b
  do
    local inner1 = "in"
    print(dumplocals(1))
  end
  local d = "after"
  print(dumplocals(1))
  print(debug.getlocal(1, -1))
  print(debug.getlocal(1, -2))
  print(debug.getlocal(1, -3))
  print(debug.setlocal(1, -2, "changed"))
  print(debug.setlocal(1, -5, "nope"))
  print(...)
  print(debug.setlocal(1, 3, 100), c)
  print(debug.setlocal(1, 50, 1))
  return c + d:len()
end
print(locs(1, 2, "v1", "v2"))
print(debug.getlocal(sample, 1), debug.getlocal(sample, 2), debug.getlocal(sample, 3))
print(debug.getlocal(string.format, 1))
local function scope()
  local a = 1
  do local b = 2 end
  local n3 = debug.getlocal(1, 2)
  return a, n3
end
print(scope())
local function forlocals()
  local out = {}
  for i = 1, 1 do
    for k, v in pairs({x = 1}) do
      local idx = 1
      while true do
        local n, v2 = debug.getlocal(1, idx)
        if not n then break end
        if n:sub(1, 1) ~= "(" then out[#out + 1] = n end
        idx = idx + 1
      end
    end
  end
  return table.concat(out, ",")
end
print(forlocals())
print(pcall(debug.getlocal, 50, 1))
print(pcall(debug.setlocal, 50, 1, 1))
print(pcall(debug.getlocal, 1, "x"))
-- in a coroutine
local lco = coroutine.create(function(x, ...)
  local a = "local a"
  coroutine.yield(a)
  return x, a
end)
coroutine.resume(lco, 10, "extra")
print(debug.getlocal(lco, 1, 1))
print(debug.getlocal(lco, 1, 2))
print(debug.getlocal(lco, 1, -1))
print(debug.setlocal(lco, 1, 2, "changed a"))
print(debug.getinfo(lco, 0, "S").what, debug.getinfo(lco, 1, "S").what, debug.getinfo(lco, 2))
print(pcall(debug.getlocal, lco, 5, 1))
print(coroutine.resume(lco))

print("-- upvalues")
local up1, up2 = 10, 20
local function useups() return up1 + up2 end
print(debug.getupvalue(useups, 1))
print(debug.getupvalue(useups, 2))
print(select("#", debug.getupvalue(useups, 3)), select("#", debug.getupvalue(useups, 0)))
print(debug.setupvalue(useups, 2, 5), useups(), up2)
print(select("#", debug.setupvalue(useups, 3, 5)))
print(select("#", debug.getupvalue(math.max, 1)))
local envf = load("return x")
local en, ev = debug.getupvalue(envf, 1)
print(en, ev == _G)
print(debug.setupvalue(envf, 1, {x = 42}), envf())
local function mk()
  local shared = 0
  local function inc() shared = shared + 1; return shared end
  local function get() return shared end
  return inc, get
end
local inc1, get1 = mk()
local inc2, get2 = mk()
print(type(debug.upvalueid(inc1, 1)))
print(debug.upvalueid(inc1, 1) == debug.upvalueid(get1, 1), debug.upvalueid(inc1, 1) == debug.upvalueid(inc2, 1))
print(pcall(debug.upvalueid, inc1, 5))
print(pcall(debug.upvalueid, 1, 1))
inc1(); inc1()
print(get1(), get2())
debug.upvaluejoin(get2, 1, inc1, 1)
print(get2(), debug.upvalueid(get2, 1) == debug.upvalueid(inc1, 1))
inc1()
print(get1(), get2())
print(pcall(debug.upvaluejoin, get2, 1, inc1, 3))
print(pcall(debug.upvaluejoin, get2, 2, inc1, 1))
print(pcall(debug.upvaluejoin, string.gmatch("x", "x"), 1, inc1, 1))
print(pcall(debug.upvaluejoin, get2, 1, "x", 1))
-- stripped functions lose upvalue and local names
local function named(p) local q = p; return up1 + q end
local stripped = load(string.dump(named, true))
print(debug.getupvalue(stripped, 1), debug.getlocal(stripped, 1))
print(debug.getupvalue(load(string.dump(named)), 1), debug.getlocal(load(string.dump(named)), 1))

print("-- hooks")
print(debug.gethook())
local function leaf(x) return x * 2 end
local function midf(x) local y = leaf(x); return y + 1 end
local function tailf(x) return leaf(x) end
local fnames = {[leaf] = "leaf", [midf] = "midf", [tailf] = "tailf", [math.abs] = "math.abs"}
local events = {}
local function recorder(ev, line)
  local i = debug.getinfo(2, "fr")
  local nm = fnames[i.func]
  if nm then
    events[#events + 1] = ev .. " " .. nm .. " " .. i.ftransfer .. " " .. i.ntransfer
  end
end
debug.sethook(recorder, "cr")
midf(1)
tailf(2)
math.abs(-3)
debug.sethook()
print(table.concat(events, "\n"))
-- return hook sees the returned values through getlocal
local rets = {}
local function multi() return "r1", "r2", "r3" end
debug.sethook(function(ev)
  local i = debug.getinfo(2, "fr")
  if i.func == multi and ev == "return" then
    for k = i.ftransfer, i.ftransfer + i.ntransfer - 1 do
      local n, v = debug.getlocal(2, k)
      rets[#rets + 1] = n .. "=" .. v
    end
  end
end, "r")
multi()
debug.sethook()
print(table.concat(rets, " "))
-- line events, relative to the function's first line
local function lined(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end
local lev = {}
local ldef = debug.getinfo(lined, "S").linedefined
debug.sethook(function(ev, line)
  if debug.getinfo(2, "f").func == lined then lev[#lev + 1] = ev .. ":" .. (line - ldef) end
end, "l")
lined(2)
debug.sethook()
print(table.concat(lev, " "))
-- count events
local cnt, cev = 0, nil
debug.sethook(function(ev, line) cnt = cnt + 1; cev = ev .. " " .. tostring(line) end, "", 10)
local acc = 0
for i = 1, 200 do acc = acc + i end
debug.sethook()
print(acc, cnt > 0, cev)
-- gethook
local function nop() end
debug.sethook(nop, "crl", 5)
local hf, hm, hc = debug.gethook()
debug.sethook()
print(hf == nop, hm, hc)
debug.sethook(nop, "lc")
hf, hm, hc = debug.gethook()
debug.sethook()
print(hf == nop, hm, hc)
debug.sethook(nop, "", 0)
print(debug.gethook())
debug.sethook(nop, "r")
debug.sethook()
print(debug.gethook())
local hco = coroutine.create(function() coroutine.yield() end)
debug.sethook(hco, nop, "l")
hf, hm, hc = debug.gethook(hco)
print(hf == nop, hm, hc, debug.gethook())
debug.sethook(hco)
print(debug.gethook(hco))
-- hooks inside a coroutine
local colines = {}
local hooked
hooked = coroutine.create(function(a)
  local b = a + 1
  coroutine.yield(b)
  return b * 2
end)
debug.sethook(hooked, function(ev, line) colines[#colines + 1] = ev .. ":" .. tostring(line) end, "l")
print(coroutine.resume(hooked, 1))
print(coroutine.resume(hooked))
print(table.concat(colines, " "))
-- errors in hooks propagate
local function victim() return 1 end
debug.sethook(function(ev)
  if debug.getinfo(2, "f").func == victim then error("hook error") end
end, "c")
local ok, herr = pcall(victim)
debug.sethook()
print(ok, herr)
print(pcall(debug.sethook, 1, "c"))
-- a function called from a hook is named "hook"
local hookname
debug.sethook(function()
  if not hookname then
    local function probe() return debug.getinfo(2, "n") end
    local i = probe()
    local j = debug.getinfo(1, "n")
    hookname = tostring(j.name) .. "/" .. j.namewhat
  end
end, "l")
local _ = 1
debug.sethook()
print(hookname)
-- line hook on a stripped function: a single event without a line
local function stripme(a)
  local b = a + 1
  return b * 2
end
local sf = load(string.dump(stripme, true))
local slines = {}
debug.sethook(function(ev, line)
  if debug.getinfo(2, "f").func == sf then slines[#slines + 1] = ev .. ":" .. tostring(line) end
end, "l")
local sres = sf(1)
debug.sethook()
print(sres, table.concat(slines, " "))
local sinfo = debug.getinfo(sf, "SlL")
print(sinfo.source, sinfo.short_src, sinfo.currentline, sinfo.linedefined, next(sinfo.activelines))

print("-- metatables")
local t = {}
local meta = {__metatable = "locked"}
print(debug.setmetatable(t, meta) == t)
print(getmetatable(t), debug.getmetatable(t) == meta)
print(pcall(setmetatable, t, {}))
print(debug.setmetatable(t, nil) == t, debug.getmetatable(t))
print(debug.getmetatable(10))
debug.setmetatable(10, {__index = {double = function(n) return n * 2 end}})
print((21):double(), (1.5):double())
debug.setmetatable(10, nil)
print(pcall(function() return (21):double() end))
print(debug.getmetatable("abc").__index == string)
print(pcall(debug.setmetatable, t, 1))
print(select("#", debug.getmetatable({})), debug.getmetatable(print))
debug.setmetatable(nil, {__index = function(_, k) return "nil." .. k end})
print((nil).field)
debug.setmetatable(nil, nil)
print(pcall(function() return (nil).field end))

print("-- uservalues and registry")
print(debug.getuservalue(10), select("#", debug.getuservalue(10)))
print(debug.getuservalue({}), debug.getuservalue(nil, 2))
print(pcall(debug.setuservalue, 10, {}))
print(pcall(debug.setuservalue, {}, {}))
print(type(debug.getregistry()))

print("-- finalizer names")
local gcinfo
do
  setmetatable({}, {__gc = function()
    local i = debug.getinfo(1, "n")
    gcinfo = tostring(i.namewhat) .. " " .. tostring(i.name)
  end})
end
collectgarbage()
collectgarbage()
print(gcinfo)
