-- String literals, escapes, long strings, comments and numeric literal forms.
print("tab:\tend", 'single "quotes"', "double 'quotes'", "back\\slash")
print("\65\066\0677", "\x41\x62", "\u{48}\u{49}", #"\u{7FF}", #"\u{FFFF}", #"\u{10FFFF}", #"\u{7FFFFFFF}")
print("a\z
       b", "line1\
line2", #"\0\0\0", "\'\"")
print(#"\a\b\f\n\r\t\v", string.byte("\a\b\f\n\r\t\v", 1, -1))
print([[long
string]], [==[with ]] inside]==], #[[
skipped first newline]])
print([=[
]=] == "", [[a\nb]], #[[\]])
--[[ block
comment ]] print("after block comment")
--[==[ another
]] still comment
]==] print("after level-2 comment")
-- numerals
print(0xA, 0Xa, 0x.1, 0x1P4, 1e-2, 1E+2, .5, 5., 3e0, 0x10p-1)
print(1 // 1, 0xffffffffffffffff, 0x8000000000000000, 9223372036854775807, 9223372036854775808)
print(math.type(9223372036854775807), math.type(9223372036854775808), math.type(0x8000000000000000))
print(load("return 1..2") == nil, (load("return 1 .. 2"))())
local ok, err = load("return \"unfinished")
print(ok, err)
print(load("return '\\300'"))
print(load("return '\\xZZ'"))
print(load("return '\\u{110000000}'"))
print(load("return 0x"))
print(load("return 3e"))
print(load("x = [==[ unclosed"))
print(load("x = 'a\nb'"))
print(load("return '\\q'"))
print(load("goto = 1"))
print(load("local x <foo> = 1"))
print(load("return 1 + "))
print(load("for i = 1 do end"))
print(load("x = }"))
print(load("return \"\\u{D800}\"") ~= nil, #load("return \"\\u{D800}\"")())
local s = "a\0b"
print(#s, s:byte(2), s == "a\0b", ("%q"):format(s))
print(("x"):rep(3), #"" , ("").."" == "")
-- semicolons and empty statements
;;; local a = 1; ; print(a);
print(#[[]], [[]] == "", "\z   " == "")
