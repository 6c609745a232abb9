-- Basic string functions and method syntax.
local s = "Hello, World"
print(#s, s:len(), string.len(""), s:upper(), s:lower(), s:reverse())
print(s:sub(1, 5), s:sub(-5), s:sub(-5, -2), s:sub(8), s:sub(0), s:sub(100), s:sub(5, 2) == "", s:sub(-100, 3))
print(s:sub(2, -2), s:sub(math.mininteger, math.maxinteger), ("abc"):sub(3, 3), ("abc"):sub(4, 10) == "")
print(s:byte(), s:byte(1, 3), s:byte(-1), s:byte(100), select('#', s:byte(100)), select('#', s:byte(3, 1)))
print(string.char(), string.char(72, 105, 33), pcall(string.char, 256))
print(("ab"):rep(3), ("ab"):rep(3, ","), ("x"):rep(0), ("x"):rep(-1), ("x"):rep(1, "sep"), ("a"):rep(2, ""))
print(#string.rep("abc", 1000), #string.rep("a", 10, "bb"))
print(("%d items"):format(5), ("test"):find("s"), ("a,b"):gsub(",", ";"))
print(#"\u{10FFFF}", ("x"):byte() + 1, ("\255"):byte(), string.char(0):byte())
print(tostring(12):len(), (12 .. ""):rep(2))
-- strings are immutable values; comparisons by content
local a, b = "abc", "ab" .. "c"
print(a == b, rawequal(a, b), #a)
-- upper/lower leave non-letters alone
print(("abc123XYZ!@#"):upper(), ("ABC123xyz!@#"):lower())
-- reverse of binary data
print(("a\0b"):reverse() == "b\0a", (""):reverse() == "")
-- byte/char round trip over all bytes
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
local str = table.concat(all)
local ok = true
for i = 1, 256 do if str:byte(i) ~= i - 1 then ok = false end end
print(#str, ok, str:byte(256), str:sub(66, 70))
-- string comparison
print(("a"):rep(3) < ("a"):rep(4), "Z" < "a", "abc" > "abb", "" == "")
-- number methods are not available
print(pcall(function() local n = 5 return n:rep(2) end))
-- string.len with embedded zeros and long strings
print(string.len("a\0\0b"), #string.rep("\0", 100))
-- concatenation of many pieces
local parts = {}
for i = 1, 100 do parts[i] = i end
local joined = table.concat(parts, "")
print(#joined, joined:sub(1, 12), joined:sub(-6))
local acc = ""
for i = 1, 50 do acc = acc .. i .. "," end
print(#acc, acc:sub(1, 20))
-- tostring/tonumber round trips for strings
print(tostring("x") == "x", tonumber("  0x1F  "), tonumber("1e2"), tonumber("  "), tonumber(""))
-- string library functions accessed through the string table
print(string.upper == ("").upper, type(string), string.format("%s", string.sub("abc", 2)))
-- utf8 library basics
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), #utf8.char(128512))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
print(utf8.codepoint("häll€", 1, -1))
print(utf8.offset("aé€b", 3), utf8.offset("aé€b", -1), utf8.len("\xff"), utf8.charpattern)
print(pcall(utf8.codepoint, "\xff"))
