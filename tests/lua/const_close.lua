-- <const> and <close> variables.
local LIMIT <const> = 10
local NAME <const> = "const"
print(LIMIT * 2, NAME .. "!")
print(load("local x <const> = 1; x = 2"))
print(load("local x <const> = 1; return function() x = 2 end"))
print(load("local a, b <const> = 1, 2; a = 3; return a, b") ~= nil)
local log = {}
local function closer(name)
  return setmetatable({}, {__close = function(_, err)
    log[#log + 1] = name .. (err ~= nil and ("[" .. tostring(err) .. "]") or "")
  end})
end
local function flush(label) print(label, table.concat(log, " ")) log = {} end
-- closed in reverse order at end of block
do
  local a <close> = closer("a")
  local b <close> = closer("b")
  local c <close> = closer("c")
end
flush("block")
-- closed on return, after the return values are computed
local function ret()
  local x <close> = closer("x")
  log[#log + 1] = "body"
  return "value"
end
print(ret())
flush("return")
-- closed on break and goto
for i = 1, 3 do
  local it <close> = closer("it" .. i)
  if i == 2 then break end
end
flush("break")
do
  local i = 0
  ::again::
  do
    local g <close> = closer("g" .. i)
    i = i + 1
    if i < 3 then goto again end
  end
end
flush("goto")
-- closed on error, receiving the error object; error propagates
local ok, err = pcall(function()
  local e1 <close> = closer("e1")
  local e2 <close> = closer("e2")
  error("fail", 0)
end)
print(ok, err)
flush("error")
-- error table passes through unchanged
local etab = {code = 7}
ok, err = pcall(function()
  local t <close> = closer("t")
  error(etab)
end)
print(ok, err == etab)
log = {}
-- an error inside __close replaces the original error; other closers still run
ok, err = pcall(function()
  local first <close> = closer("first")
  local bad <close> = setmetatable({}, {__close = function(_, e) error("close error", 0) end})
  local last <close> = closer("last")
  error("original", 0)
end)
print(ok, err)
flush("close error")
-- error in __close during normal exit
ok, err = pcall(function()
  local a <close> = closer("A")
  local b <close> = setmetatable({}, {__close = function() error("B failed", 0) end})
  return "normal"
end)
print(ok, err)
flush("normal exit with failing closer")
-- close in a coroutine closed by coroutine.close
local co = coroutine.create(function()
  local c <close> = closer("co")
  coroutine.yield(1)
  log[#log + 1] = "not reached"
end)
print(coroutine.resume(co))
print(coroutine.close(co), coroutine.status(co))
flush("coroutine.close")
-- closing happens when the coroutine finishes normally
co = coroutine.wrap(function()
  local c <close> = closer("wrapped")
  coroutine.yield("y")
  return "fin"
end)
print(co(), co())
flush("coroutine end")
-- tbc variables are constants
print(load("local x <close> = nil; x = 1"))
-- a "return f()" in a function with a tbc variable is not a tail call: f runs before the close
local function inner() log[#log + 1] = "inner" return "i" end
local function withtail()
  local w <close> = closer("w")
  return inner()
end
print(withtail())
flush("tail call")
-- <close> in loops: each iteration closes its own value
for i = 1, 3 do
  local v <close> = closer("loop" .. i)
end
flush("loop")
-- const folding keeps int/float types
local K <const> = 3
local F <const> = 3.0
print(K / 1, F // 1, K // 2, math.type(K), math.type(F), K == F)
