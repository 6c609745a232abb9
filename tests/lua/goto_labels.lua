-- goto and labels.
local i = 1
::top::
if i <= 3 then
  io.write("i=", i, " ")
  i = i + 1
  goto top
end
print()

-- continue idiom
for k = 1, 6 do
  if k % 2 == 0 then goto continue end
  io.write(k, " ")
  ::continue::
end
print()

-- breaking out of nested loops
for a = 1, 3 do
  for b = 1, 3 do
    if a * b == 4 then
      print("found", a, b)
      goto done
    end
  end
end
::done::

-- each iteration that jumps back gets a fresh local for closures
local fns = {}
do
  local n = 0
  ::again::
  local captured = n
  fns[#fns + 1] = function() return captured end
  n = n + 1
  if n < 3 then goto again end
end
print(fns[1](), fns[2](), fns[3]())

-- label at end of block, visible after locals
do
  local z = 5
  if z > 1 then goto finish end
  print("not printed")
  ::finish::
end

-- errors detected at compile time
print(load("goto nowhere"))
print(load("do ::a:: end goto a"))
print(load("::a:: ::a::"))
print(load("goto f; local x; ::f:: print(x)"))
print(load("do goto f; local x; ::f:: end") ~= nil)
print(load("repeat goto cont; local x; ::cont:: until x"))
-- a goto to a label in an enclosing function is not allowed
print(load("::l:: local function f() goto l end"))
-- break outside a loop
print(load("break"))
-- label names are separate from variables
local goto_ok = 1
::goto_ok::
print(goto_ok)
