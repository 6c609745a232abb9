-- tonumber and tostring with bases and odd inputs.
print(tonumber("10"), tonumber("10.0"), tonumber("  10  "), tonumber("0x10"), tonumber("0X1F"), tonumber("-0x10"))
print(tonumber("1e1"), tonumber("1E+1"), tonumber(".5"), tonumber("5."), tonumber("0x1p4"), tonumber("0x.8"), tonumber("0xA.8p1"))
print(tonumber("abc"), tonumber(""), tonumber(" "), tonumber("1 2"), tonumber("1e"), tonumber("0x"), tonumber("--1"), tonumber("1..2"))
print(tonumber("inf"), tonumber("nan"), tonumber("1e400"), tonumber("-1e400"), tonumber("0x1p99999"))
print(tonumber("9223372036854775807"), tonumber("9223372036854775808"), tonumber("-9223372036854775808"), tonumber("-9223372036854775809"))
print(tonumber("0xffffffffffffffff"), tonumber("0x10000000000000000"), tonumber("1" .. string.rep("0", 30)))
print(tonumber(42), tonumber(4.5), tonumber(nil), tonumber(true), tonumber({}))
print(tonumber("\t\n 7 \n"), tonumber("7\0"), tonumber("+7"), tonumber("+ 7"), tonumber("0b101"))
-- with a base
print(tonumber("ff", 16), tonumber("FF", 16), tonumber("777", 8), tonumber("101", 2), tonumber("zz", 36), tonumber("ZZ", 36))
print(tonumber("8", 8), tonumber("1.5", 10), tonumber("  11  ", 2), tonumber("-ff", 16), tonumber("", 10), tonumber("0x10", 16))
print(tonumber("7fffffffffffffff", 16), tonumber("8000000000000000", 16), tonumber("ffffffffffffffff", 16), tonumber("10000000000000000", 16))
print(tonumber("10", 36), tonumber("z", 35), tonumber("1e1", 16))
print(pcall(tonumber, "10", 1), pcall(tonumber, "10", 37))
print(pcall(tonumber, 10, 10))
print(pcall(tonumber))
print(pcall(tonumber, "10", "16"))
-- types of results
print(math.type(tonumber("10")), math.type(tonumber("10.0")), math.type(tonumber("1e2")), math.type(tonumber("0x10")), math.type(tonumber("ff", 16)))
-- tostring
print(tostring(10), tostring(10.0), tostring(-0.0), tostring(1e300), tostring(1/0), tostring(-1/0))
print(tostring(2^63), tostring(math.mininteger), tostring(0.1), tostring(1/3), tostring(100 * 1.1))
print(tostring(nil), tostring(false), tostring("str"), tostring(123456789012))
print(tostring(3) == "3", tostring(3.0) == "3.0", 3 .. "" == "3", 3.0 .. "" == "3.0")
print(tostring(1e15), tostring(1e14), tostring(123456789012345.0), tostring(2^53))
print(tostring(-1e-7), tostring(5e-324), tostring(1.7976931348623157e308))
-- numbers that print as integers-with-.0 need to read back as floats
for _, v in ipairs({1.0, -2.0, 1e15, 2^53, 0.5}) do
  local s = tostring(v)
  io.write(s, "->", math.type(tonumber(s)), " ")
end
print()
-- round trips with %.17g
for _, v in ipairs({0.1, 1/3, math.pi, 1e-300, 123456.789}) do
  io.write(tostring(tonumber(string.format("%.17g", v)) == v), " ")
end
print()
