-- Collections while a trace that allocates runs: the collector must get to run
-- during the loop, which it shows by finalizing an object dropped before it. (How soon
-- a finalizer runs depends on when collections happen: this script is left out of
-- the GC stress run.)

-- The loop's allocating path runs in its trace and every iteration leaves it for a
-- side trace that goes back to its start: the collector still runs during the loop
-- (it finalizes an object dropped before it).
do
  local finalized = false
  local function drop() setmetatable({}, { __gc = function() finalized = true end }) end
  drop()
  local s, seen = 0, false
  for i = 1, 300000 do
    local str = "abcdefghijklmnopqrstuvwxyz" .. i
    if i > 100 then s = s + #str else s = s - 1 end
    seen = seen or finalized
  end
  print("side trace loop", s, seen)
end

-- An object whose finalizer ends the loop, left in a dead register of the loop's
-- frame: the collection after the trace leaves for it must not keep it alive (as
-- PUC Lua, it marks only the live registers where it allocates).
do
  local function run()
    local u
    local b = { 34 }
    local finish = false
    u = setmetatable({}, { __gc = function() finish = true end })
    local n = 0
    repeat
      u = {}
      n = n + 1
    until finish or n > 3000000
    return finish, b[1]
  end
  print("finalizer ends the loop", run())
end
