-- utf8 library: char, charpattern, codes, codepoint, len, offset, strict and lax modes.

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02X ", c:byte()) end))
end

local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  print(table.concat(t, " ", 1, t.n))
end

print("-- char")
print(hex(utf8.char(72, 105)), hex(utf8.char(0xE9, 0x20AC, 0x1D11E)))
print(hex(utf8.char(0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF)))
print(hex(utf8.char(0x110000, 0x1FFFFF, 0x200000, 0x3FFFFFF, 0x4000000, 0x7FFFFFFF)))
print(utf8.char() == "", #utf8.char(0xD800), utf8.char("65", 66.0))
print(pcall(utf8.char, -1))
print(pcall(utf8.char, 0x80000000))
print(pcall(utf8.char, 65, 1.5))
print(pcall(utf8.char, 65, "x"))
print(pcall(utf8.char, 65, nil))

print("-- charpattern")
print(hex(utf8.charpattern))
local pieces = {}
for c in ("aé€𝄞"):gmatch(utf8.charpattern) do pieces[#pieces + 1] = #c end
print(table.concat(pieces, ","))

print("-- codes")
local s = "héllo€𝄞!"
for p, c in utf8.codes(s) do io.write(p, ":", c, " ") end
print()
for p, c in utf8.codes("") do print("never", p, c) end
print(select("#", utf8.codes(s)), type(utf8.codes(s)))
local function codes(str, lax)
  local out = {}
  local ok, err = pcall(function()
    for p, c in utf8.codes(str, lax) do out[#out + 1] = p .. ":" .. c end
  end)
  print(table.concat(out, " "), ok, err)
end
codes("ab\xffcd")
codes("ab\xC3")
-- (a stray continuation byte after a valid character, as in "a\x80", is accepted by
-- Lua 5.4.4 but rejected since 5.4.6, so it is not tested here)
codes("\xC0\x80")
codes("\xED\xA0\x80")
codes("\xED\xA0\x80", true)
codes("\xF4\x90\x80\x80")
codes("\xF4\x90\x80\x80", true)
codes(utf8.char(0x7FFFFFFF))
codes(utf8.char(0x7FFFFFFF, 0x200000, 65), true)
codes("\xFE")
print(pcall(utf8.codes, {}))
for p, c in utf8.codes(123) do io.write(p, ":", c, " ") end
print()
print(pcall(utf8.codes))

print("-- codepoint")
print(utf8.codepoint("héllo"))
print(utf8.codepoint("héllo", 1, -1))
print(utf8.codepoint("héllo", 2))
print(utf8.codepoint("héllo", -2, -1))
print(select("#", utf8.codepoint("abc", 3, 2)))
print(utf8.codepoint("€𝄞", 1, 4))
print(pcall(utf8.codepoint, "héllo", 3))
print(pcall(utf8.codepoint, "abc", 0))
print(pcall(utf8.codepoint, "abc", 4))
print(pcall(utf8.codepoint, "abc", 1, 4))
print(pcall(utf8.codepoint, "abc", -4))
print(pcall(utf8.codepoint, "", 1))
print(select("#", utf8.codepoint("", 1, 0)))
print(pcall(utf8.codepoint, "\xff"))
print(pcall(utf8.codepoint, "\xED\xA0\x80"))
print(utf8.codepoint("\xED\xA0\x80", 1, 1, true))
print(pcall(utf8.codepoint, utf8.char(0x7FFFFFFF)))
print(utf8.codepoint(utf8.char(0x7FFFFFFF, 0x110000), 1, -1, true))
print(pcall(utf8.codepoint, "\xC0\x80", 1, 1, true))
print(pcall(utf8.codepoint, "abc", 1.5))

print("-- len")
print(utf8.len("héllo€𝄞"), utf8.len(""), utf8.len("abc", 4), utf8.len("abc", 2))
print(utf8.len("héllo", 3), utf8.len("héllo", -3), utf8.len("héllo", 1, 2), utf8.len("héllo", 1, -3))
print(utf8.len("abc", 3, 2), utf8.len("abc", 1, 0))
show(utf8.len("ab\xffcd"))
show(utf8.len("abc\xC3"))
show(utf8.len("\x80abc"))
show(utf8.len("héllo", 3, 3))
show(utf8.len("\xED\xA0\x80x"))
show(utf8.len("\xED\xA0\x80x", 1, -1, true))
show(utf8.len(utf8.char(0x7FFFFFFF)))
show(utf8.len(utf8.char(0x7FFFFFFF, 0x10FFFF), 1, -1, true))
show(utf8.len("\xF8\x88\x80\x80\x80", 1, -1, true))
print(pcall(utf8.len, "abc", 5))
print(pcall(utf8.len, "abc", 0))
print(pcall(utf8.len, "abc", -4))
print(pcall(utf8.len, "abc", 1, 4))
print(pcall(utf8.len, "abc", 1, -5))
print(pcall(utf8.len))

print("-- offset")
local o = "aé€𝄞b"
for n = -6, 7 do io.write(n, "=", tostring(utf8.offset(o, n)), " ") end
print()
print(utf8.offset(o, 0, 1), utf8.offset(o, 0, 3), utf8.offset(o, 0, 5), utf8.offset(o, 0, 9), utf8.offset(o, 0, 11))
print(utf8.offset(o, 1, 2), utf8.offset(o, 2, 2), utf8.offset(o, -1, 4), utf8.offset(o, -1, 2), utf8.offset(o, -1, 1))
print(utf8.offset(o, 1, #o + 1), utf8.offset(o, 2, #o + 1), utf8.offset(o, -1, #o + 1), utf8.offset(o, 0, #o + 1))
print(utf8.offset("", 1), utf8.offset("", -1), utf8.offset("", 0), utf8.offset("abc", 1, -1))
print(pcall(utf8.offset, o, 1, 3))
print(pcall(utf8.offset, o, -1, 4 + 1))
print(pcall(utf8.offset, o, 1, 0))
print(pcall(utf8.offset, o, 1, #o + 2))
print(pcall(utf8.offset, o, 1, -#o - 1))
print(pcall(utf8.offset, o))
print(utf8.offset("\x80\x80", 0, 2), utf8.offset("a\x80\x80", 0, 3))
print(utf8.offset(utf8.char(0x7FFFFFFF) .. "z", 2), utf8.offset(utf8.char(0x7FFFFFFF) .. "z", -1))
