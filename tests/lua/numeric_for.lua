-- Numeric for loops.
local function run(a, b, c)
  local out = {}
  if c then
    for i = a, b, c do out[#out + 1] = tostring(i) if #out > 20 then break end end
  else
    for i = a, b do out[#out + 1] = tostring(i) if #out > 20 then break end end
  end
  print(#out, table.concat(out, " "))
end
run(1, 5)
run(5, 1)
run(5, 1, -1)
run(1, 10, 3)
run(10, 1, -3)
run(1, 1)
run(1, 0)
run(0.5, 3)
run(1, 2, 0.25)
run(1.0, 3)
run(1, 3.0)
run(1, 3.5)
run(3, 1.5, -0.5)
run(0.1, 0.5, 0.1)
run(1, 0, 1)
-- near the integer limits: no overflow, loop terminates
local mx, mn = math.maxinteger, math.mininteger
run(mx - 2, mx)
run(mn, mn + 2)
run(mn + 2, mn, -1)
run(mx - 1, mx, 10)
run(mn + 1, mn, -10)
run(mx, mx)
run(mn, mn, -1)
run(1, mx, mx)
run(mx, 1, mn)
run(1, math.huge, mx // 2)
run(-1, -math.huge, mn // 2)
run(3, 2^70)  -- float limit clipped to maxinteger, loop is long: run breaks at 21
run(1, -math.huge)
run(1, 0.5)
run(1, 1.9)
run(0.5, 1)
-- loop variable is a fresh copy; modifying it does not affect iteration
for i = 1, 3 do
  local j = i
  i = i * 10
  io.write(j, ":", i, " ")
end
print()
-- types of the control variable
for i = 1, 2 do io.write(math.type(i), " ") end
for i = 1.0, 2 do io.write(math.type(i), " ") end
for i = 1, 2.0 do io.write(math.type(i), " ") end
for i = 1, 2, 1.0 do io.write(math.type(i), " ") end
print()
-- limits are evaluated once
local calls = 0
local function lim() calls = calls + 1 return 3 end
for i = 1, lim() do end
print("limit evaluated", calls)
-- errors
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = 1.0, 10, 0.0 do end end))
print(pcall(function() for i = "a", 10 do end end))
print(pcall(function() for i = 1, {} do end end))
print(pcall(function() for i = 1, 2, nil do end end))
print(pcall(function() for i = "1", 2 do end end))
-- numeric strings are accepted (converted, making a float loop)
for i = "1", 2 do io.write(tostring(i), " ") end
for i = 1, "2" do io.write(tostring(i), " ") end
print()
-- nested loops and sum
local s = 0
for i = 1, 100 do for j = i, 100, 7 do s = s + j end end
print(s)
local f = 0
for x = 1, 0, -0.25 do f = f + x end
print(f)
-- large loop count
local n = 0
for i = 1, 1000000 do n = n + 1 end
print(n)
