-- coroutines: coroutine ping-pong and generators
-- small: 2000
-- producer/consumer resume/yield passing values both ways, coroutine.wrap generators,
-- a pipeline of filter coroutines, status checks and many short-lived coroutines
local N = tonumber(arg and arg[1]) or 1500000

local create, resume, yield, status, wrap = coroutine.create, coroutine.resume, coroutine.yield,
  coroutine.status, coroutine.wrap

local h = 0
local function mix(v) h = (h * 31 + v) % 1000000007 end

-- 1. ping-pong: values passed in via resume and out via yield
local echo = create(function(a)
  local sum = 0
  while true do
    sum = sum + a
    a = yield(a * 2, sum % 1000)
  end
end)
local acc = 0
for i = 1, N do
  local ok, d, s = resume(echo, i % 100)
  if not ok then error(d) end
  acc = (acc + d + s) % 1000003
end
mix(acc)

-- 2. generator with coroutine.wrap
local function range(n)
  return wrap(function()
    for i = 1, n do yield(i) end
    return nil
  end)
end
local gs = 0
for v in range(N) do gs = gs + v % 7 end
mix(gs)

-- 3. pipeline: source -> filter -> map -> sink, each a coroutine
local function source(n)
  return create(function() for i = 1, n do yield(i) end end)
end
local function filter(src, pred)
  return create(function()
    while true do
      local ok, v = resume(src)
      if not v then return end
      if pred(v) then yield(v) end
    end
  end)
end
local function map(src, f)
  return create(function()
    while true do
      local ok, v = resume(src)
      if not v then return end
      yield(f(v))
    end
  end)
end
local pipe = map(filter(source(math.floor(N / 2)), function(v) return v % 3 ~= 0 end),
                 function(v) return v * v % 1009 end)
local ps, cnt = 0, 0
while true do
  local ok, v = resume(pipe)
  if not v then break end
  ps = ps + v
  cnt = cnt + 1
end
mix(ps); mix(cnt)
mix(status(pipe) == "dead" and 1 or 0)

-- 4. many short-lived coroutines
local made = 0
for i = 1, math.floor(N / 20) do
  local co = create(function(x, y)
    local z = yield(x + y)
    return z * 2
  end)
  local _, a = resume(co, i, 1)
  local _, b = resume(co, a)
  made = made + b % 1000
  if status(co) ~= "dead" then error("coroutine should be dead") end
end
mix(made)

-- 5. resuming a dead coroutine returns an error (no exception)
local dead = create(function() end)
resume(dead)
local ok, msg = resume(dead)
mix(ok and 1 or 2)
mix(type(msg) == "string" and 3 or 4)

print(string.format("checksum %d", h))
