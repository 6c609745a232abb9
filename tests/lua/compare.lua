-- Comparison, including integer/float mixes and strings.
local mi, ma = math.mininteger, math.maxinteger
print(1 == 1.0, 1 < 1.5, 2 > 1.5, -1 < -0.5, 0 == -0.0, 1 <= 1.0, 1 >= 1.0)
print(ma < ma + 0.0, ma + 0.0 > ma, ma == ma + 0.0, mi == mi + 0.0, mi < mi + 0.0)
print(2^53 == 2^53 + 1, math.tointeger(2^53) + 1 == 2^53, math.tointeger(2^53) + 1 > 2^53)
print(1 < math.huge, ma < math.huge, mi > -math.huge, 1 < 0/0, 1 > 0/0, 0/0 == 0/0)
print("a" < "b", "a" < "B", "abc" < "abcd", "" < "\0", "a\0b" < "a\0c", "a\0" > "a")
print("10" < "9", "100" == "1e2", 100 == 1e2)
print(1 == "1", "1" ~= 1, {} == {}, nil == false, false == false)
local t = {}
print(t == t, t ~= {}, print == print, "x" == "x")
local function c(a, b) return pcall(function() return a < b end) end
print(c(1, "2"))
print(c({}, {}))
print(c(nil, 1))
print(c(1, nil))
print(c("a", 1))
print(c(true, false))
print(pcall(function() return {} <= 1 end))
print(pcall(function() return 1 >= {} end))
print(pcall(function() return print < print end))
print(pcall(function() return nil > nil end))
-- numbers between integers and floats near limits
print(ma < 9223372036854775808.0, ma <= 9223372036854775808.0, mi <= -9223372036854775808.0)
print(ma > 9223372036854774784.0, 9223372036854774784.0 < ma)
print(-0.0 < 0.0, -0.0 <= 0, 0 < -0.0, 3 ~= 3.0000000000000001)
-- results of comparisons are booleans
print(type(1 < 2), not nil, not 0, not "", not not nil)
print(1 and 2, nil and 1, false or "x", nil or false, false and nil, 0 or 1)
print(nil == nil, 1 < 2 == true, "a" .. "b" == "ab")
local a, b = 3, 3.0
print(a == b, math.type(a) == math.type(b), rawequal(a, b), rawequal(t, t))
