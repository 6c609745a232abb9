-- string.pack / string.unpack / string.packsize: every format option, alignment,
-- endianness, round trips and errors.

local pack, unpack, packsize = string.pack, string.unpack, string.packsize

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02X", c:byte()) end))
end

local function P(fmt, ...)
  local ok, r = pcall(pack, fmt, ...)
  if ok then print(fmt, hex(r)) else print(fmt, "error", r) end
  return r
end

local function U(fmt, s, ...)
  print(fmt, pcall(unpack, fmt, s, ...))
end

print("-- integers")
P("b", 0); P("b", 127); P("b", -128); P("B", 255); P("B", 0)
P("<h", 1); P(">h", 1); P("<h", -2); P("<H", 65535); P(">H", 0x1234)
P("<i", 0x01020304); P(">i", -1); P("<I", 0xFFFFFFFF)
P("<l", 1); P(">L", 0x0102030405060708); P("<j", math.mininteger); P("<J", -1)
P("<T", 300)
for n = 1, 16 do P("<i" .. n, -2) end
for _, n in ipairs({1, 2, 3, 5, 7, 8, 9, 12, 16}) do P(">I" .. n, 0x7F) end
P("<i3", 0x7FFFFF); P("<i3", -0x800000)
print("-- integer overflow")
P("b", 128); P("b", -129); P("B", 256); P("B", -1); P("h", 32768); P("H", 65536)
P("i3", 0x800000); P("I3", 0x1000000); P("i4", 1 << 31); P("I4", 1 << 32)
P("i4", 3.0); P("i4", 3.5); P("i4", "12"); P("i4", "x"); P("i4"); P("i4", 2^63)
P("i0", 1); P("i17", 1); P("I99", 1)
print("-- integer unpack")
U("<i2", "\xFE\xFF"); U("<I2", "\xFE\xFF"); U(">i2", "\xFE\xFF"); U("b", "\x80"); U("B", "\x80")
U("<i3", "\xFF\xFF\x7F"); U("<i3", "\x00\x00\x80"); U("<I3", "\x00\x00\x80")
U("<j", pack("<j", math.maxinteger)); U("<J", pack("<J", -1)); U("<T", pack("<T", 12345))
U("<i9", pack("<i9", -5)); U("<i9", pack("<i9", math.mininteger)); U("<I9", pack("<I9", math.maxinteger))
U("<i16", pack("<i16", -1)); U(">i16", pack(">i16", 42))
U("<i9", "\x00\x00\x00\x00\x00\x00\x00\x00\x01")
U("<i9", "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x00")
U("<I9", "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x00")
U("<i16", "\x00\x00\x00\x00\x00\x00\x00\x80" .. string.rep("\xFF", 8))
U(">i12", "\x00\x00\x00\x00" .. pack(">i8", -1))

print("-- floats")
P("<f", 1.5); P(">f", -2.0); P("<d", 1.5); P(">d", 0.1); P("<n", -0.0); P("<n", 1 / 0)
P("<d", 3); P("<f", "2.5"); P("<d", "x"); P("<d", {})
U("<f", pack("<f", 0.1)); U("<d", pack("<d", 0.1)); U("<n", pack("<n", math.pi))
U("<f", pack("<f", 1e300)); U("<d", pack("<d", -1 / 0))
local nan = unpack("<d", pack("<d", 0 / 0))
print(nan ~= nan, math.type(unpack("<d", pack("<d", 7))))
print(math.type(unpack("<n", pack("<n", 7))), math.type(unpack("<j", pack("<j", 7))))

print("-- strings")
P("s1", "abc"); P("<s2", "abc"); P(">s4", ""); P("<s", "hi"); P("z", "abc"); P("z", "")
P("c5", "ab"); P("c3", "abc"); P("c0", ""); P("c2", "abc"); P("c", "a")
P("s1", string.rep("x", 256)); P("z", "a\0b"); P("s1", 5); P("z", {})
U("s1", "\3abcdef"); U("<s2", "\3\0abc"); U("z", "hello\0rest"); U("z", "\0")
U("c3", "abcdef"); U("c0", "abc"); U("c2", "a")
U("s1", "\5abc"); U("z", "unterminated"); U("<s", pack("<s", "sizet"))
print(unpack("zz", "one\0two\0"))
print(unpack("s1s1c2", "\1a\2bcde"))

print("-- padding and alignment")
P("bxb", 1, 2); P("xx"); P("<!4 b i4", 1, 2); P("<!4 b i2", 1, 2); P("<!2 b i8", 1, 2)
P("<! b d", 1, 2.0); P("<!8 b h b i b j", 1, 2, 3, 4, 5, 6)
P("<!4 b Xi4 b", 1, 2); P("<b Xh b", 1, 2); P("<!8 bXd", 1); P("<!2 b Xi8 b", 1, 2)
P("<!4 c3 i4", "abc", 7); P("<!4 z i4", "ab", 7); P("<!4 s1 i4", "ab", 7)
P("<!4 b f", 1, 1.0); P("<!4 i3", 1); P("<!2 b i3", 1, 2); P("<!16 b i16", 1, 2)
P("X"); P("bX"); P("bXz", 1); P("bXs", 1); P("bXc3", 1); P("b Xi3", 1)
P("!17 i4", 1); P("!0 i4", 1); P("<!3 b i4", 1, 2); P("y"); P("i4 %", 1)
U("<!4 b i4", pack("<!4 b i4", 1, 2)); U("<!8 b Xd b", "\1\0\0\0\0\0\0\0\2")
U("<!4 bXi4", "\1\0\0\0")

print("-- endianness")
P("<i4 >i4 =i4", 1, 1, 1)
P(">i2 i2 <i2 i2", 1, 2, 3, 4)
print(pack("=i4", 1) == pack("<i4", 1) or pack("=i4", 1) == pack(">i4", 1))
print(pack("i4", 0x01020304) == pack("=i4", 0x01020304))

print("-- round trips")
local fmt = "<!8 b B h H i I l L j J T f d n s1 s z x c4"
local vals = {-1, 200, -300, 60000, -70000, 4000000000, -5, 6, math.mininteger, -1,
  99, 0.5, 1e100, -2.25, "str", "sizet string", "zero", "four"}
local packed = pack(fmt, table.unpack(vals))
print(#packed, packsize("<!8 b B h H i I l L j J T f d n"))
local back = table.pack(unpack(fmt, packed))
for i = 1, back.n do back[i] = tostring(back[i]) end
print(table.concat(back, " ", 1, back.n))
for _, f in ipairs({"b", "h", "i", "l", "j", "i3", "i7", "i11"}) do
  local lo = f == "j" and math.mininteger or -(1 << (packsize(f) * 8 - 1))
  local hi = f == "j" and math.maxinteger or (1 << (packsize(f) * 8 - 1)) - 1
  if packsize(f) > 8 then lo, hi = math.mininteger, math.maxinteger end
  local a, b = unpack(f .. f, pack(f .. f, lo, hi))
  print(f, a == lo, b == hi)
end

print("-- initial positions")
local data = pack("<i2 i2 i2", 10, 20, 30)
print(unpack("<i2", data), unpack("<i2", data, 3), unpack("<i2", data, -2), unpack("<i2", data, 5))
print(unpack("<i2", data, -6))
print(pcall(unpack, "<i2", data, 7))
print(pcall(unpack, "<i2", data, 8))
print(pcall(unpack, "<i2", data, 0))
print(pcall(unpack, "<i2", data, -7))
print(pcall(unpack, "<i4", "abc"))
print(pcall(unpack, "<i2 i2", "abc"))
print(pcall(unpack, "<i2", data, 6))
print(select("#", unpack("", "abc")), unpack("", "abc"), unpack("", "abc", 4))
print(pcall(unpack, "", "abc", 5))
print(unpack("b", "\1", 1.0), pcall(unpack, "b", "\1", 1.5))

print("-- packsize")
for _, f in ipairs({"b", "B", "h", "H", "i", "I", "l", "L", "j", "J", "T", "f", "d", "n",
    "i1", "i3", "i16", "c10", "x", "bx", "!8 b d", "!4 b d", "<!8 b Xd", "b Xi4 b", "", "  "}) do
  print(string.format("%q", f), packsize(f))
end
print(pcall(packsize, "s"))
print(pcall(packsize, "z"))
print(pcall(packsize, "s4"))
print(pcall(packsize, "i17"))
print(pcall(packsize, "c"))
print(pcall(packsize, "y"))
print(pcall(packsize, "c9223372036854775807 c9223372036854775807"))
print(pcall(packsize, "c2147483647 c2147483647"))
print(pcall(packsize))
