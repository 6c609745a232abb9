-- to-be-closed variables closed by an error: each handler gets the error in flight,
-- an error inside a handler replaces it, and collections while closing keep it alive.
local function closer(f) return setmetatable({}, {__close = f}) end

local function chain()
  local log = {}
  local function foo()
    local a <close> = closer(function(_, m) log[#log + 1] = "a:" .. tostring(m) end)
    local g <close> = closer(function() collectgarbage() end)
    local b <close> = closer(function(_, m) log[#log + 1] = "b:" .. tostring(m); error("from b", 0) end)
    local c <close> = closer(function(_, m) log[#log + 1] = "c:" .. tostring(m); error("from " .. "c", 0) end)
    error(4)
  end
  print(pcall(foo))
  print(table.concat(log, " | "))
end
chain()

-- a handler with no parameters still sees the error kept alive for the next one
local function foo()
  local x <close> = closer(function(_, m) print("x got", m) end)
  local gc <close> = closer(function() collectgarbage(); collectgarbage() end)
  local y <close> = closer(function() error("y" .. "!", 0) end)
  error("original", 0)
end
print(pcall(foo))

-- the caller of a handler run while unwinding is pcall
local function bar()
  local z <close> = closer(function() print("caller:", debug.getinfo(2, "n").name) end)
  error("boom", 0)
end
print(pcall(bar))

-- normal exit: handlers get nil; an error in one is raised after the others run
local function normal()
  local p <close> = closer(function(_, m) print("p", m) end)
  local q <close> = closer(function(_, m) print("q", m); error("q failed", 0) end)
  return "unreached?"
end
print(pcall(normal))

-- a metamethod removed after the variable was marked
local function removed()
  local r <close> = closer(print)
  getmetatable(r).__close = nil
end
local ok, msg = pcall(removed)
print(ok, (string.gsub(msg, "^.-:%d+: ", "")))

-- break and goto close too
for i = 1, 3 do
  local v <close> = closer(function() print("closed", i) end)
  if i == 2 then break end
end
do
  local w <close> = closer(function() print("closed by goto") end)
  goto out
end
::out::
print("done")

-- __close handlers run by pcall after an error may yield; an error raised in one
-- replaces the error the next handlers and pcall see
do
  local function closer(name, err)
    return setmetatable({}, {__close = function(_, msg)
      print("close", name, msg)
      coroutine.yield(name)
      if err then error(err, 0) end
    end})
  end
  local co = coroutine.wrap(function()
    local function f()
      local a <close> = closer("a")
      local b <close> = closer("b", "from b")
      local c <close> = closer("c")
      error("body", 0)
    end
    return pcall(f)
  end)
  for _ = 1, 4 do print(co()) end
end

-- an error while closing a failed wrapped coroutine becomes its error
do
  local co = coroutine.wrap(function()
    local x <close> = setmetatable({}, {__close = function(_, msg)
      print("closing with", msg)
      error("close failed", 0)
    end})
    coroutine.yield(1)
    error("body failed", 0)
  end)
  print(co())
  print(pcall(co))
end
