-- string.find / match / gmatch / gsub with patterns.
print(string.find("hello world", "wor"), string.find("hello", "l"), string.find("hello", "xyz"))
print(string.find("a.b", ".", 1, true), string.find("a.b", "%."), string.find("abc", "", 10), string.find("abc", "", 4))
print(string.find("hello", "l", -2), string.find("hello", "h", -100), string.find("", ""), string.find("abc", "b", 0))
print(string.find("hello world", "(o)(r)"), string.find("key=val", "(%w+)=(%w+)"))
print(string.match("hello 123 world", "%d+"), string.match("abc", "(a)(b)(c)"), string.match("abc", "()b()"))
print(string.match("  trim me  ", "^%s*(.-)%s*$") .. "|", string.match("2024-01-15", "(%d+)-(%d+)-(%d+)"))
print(string.match("hello", "^h"), string.match("hello", "^e"), string.match("hello", "o$"), string.match("hel$lo", "l$l"))
print(string.match("[test]", "%[(.*)%]"), string.match("a+b", "a%+b"), string.match("x^y", "x%^y"), string.match("^x", "^^x"))
-- character classes
local classes = {"%a", "%d", "%l", "%s", "%u", "%w", "%x", "%p", "%c", "%g", "%A", "%D", "%S", "%W"}
local sample = "aZ09 _!\t\n~xF"
for _, c in ipairs(classes) do
  local n = select(2, string.gsub(sample, c, ""))
  io.write(c, "=", n, " ")
end
print()
-- sets
print(string.match("abc123", "[%a]+"), string.match("abc123", "[^%a]+"), string.match("x-y", "[a-]+"), string.match("]]a", "[]]+"))
print(string.match("hello", "[aeiou]"), string.gsub("hello world", "[lo]", "*"), string.match("a^b", "[%^b]+"), string.match("-x", "[-x]+"))
-- quantifiers
print(string.match("aaa", "a*"), string.match("aaa", "a-"), string.match("aaab", "a-b"), string.match("aaa", "a+"), string.match("b", "a?b"), string.match("ab", "a?b"))
print(string.match("<a><b>", "<(.-)>"), string.match("<a><b>", "<(.*)>"), string.find("abc", "b*"), string.match("", "a*"))
-- %b and %f
print(string.match("f(a(b)c)d", "%b()"), string.match("x{a{b}}", "%b{}"), string.gsub("(x)(y)", "%b()", "B"))
print(string.gsub("THE (quick) fox", "%f[%a]%a+", "W"), string.find("hello world", "%f[%w]%w+", 2))
print(string.gsub("aaa bbb", "%f[%w]", "^"), string.gsub("aaa bbb", "%f[%W]", "$"))
-- back references
print(string.match('say "hi" now', '(["\'])(.-)%1'), string.match("abcabc", "(abc)%1"), string.find("xyzxyz", "(x)(y)(z)%1%2%3"))
-- position captures
print(string.match("hello", "()ll()"), string.find("hello", "()"), string.gsub("abc", "()", "%1"))
-- gmatch
local words = {}
for w in string.gmatch("one two  three", "%a+") do words[#words + 1] = w end
print(#words, table.concat(words, ","))
for k, v in string.gmatch("a=1, b=2, c=3", "(%w+)=(%w+)") do io.write(k, "->", v, " ") end
print()
for p in string.gmatch("abc", "()") do io.write(p, " ") end
print()
for a in string.gmatch("abc", "") do io.write("[", a, "]") end
print()
-- in gmatch a leading '^' is not an anchor (it is matched literally); init argument
for a in string.gmatch("aaa", "^a") do io.write(a, ";") end
for a in string.gmatch("^a^a", "^a") do io.write(a, ";") end
print()
for a in string.gmatch("hello world", "%a+", 3) do io.write(a, ";") end
print()
-- gsub with string, table and function replacements, and limits
print(string.gsub("hello world", "o", "0"))
print(string.gsub("hello world", "o", "0", 1))
print(string.gsub("hello", "", "-"))
print(string.gsub("abc", "%w", "%0%0"))
print(string.gsub("hello world", "(%w+) (%w+)", "%2 %1"))
print(string.gsub("abc", "b", "%%"))
print(string.gsub("$name is $age", "%$(%w+)", {name = "Ann", age = 30}))
print(string.gsub("$x $y", "%$(%w+)", {x = false}))
print(string.gsub("1 2 3", "%d", function(d) return d * 2 end))
print(string.gsub("1 2 3", "%d", function(d) if d == "2" then return nil end return "n" end))
print(string.gsub("abc", ".", {a = 1, b = 2.5}))
print(pcall(string.gsub, "abc", "(", "x"))
print(pcall(string.gsub, "abc", "%", "x"))
print(pcall(string.gsub, "abc", "[a", "x"))
print(pcall(string.gsub, "abc", "a", "%2"))
print(pcall(string.gsub, "abc", "a", {a = {}}))
print(pcall(string.find, "a", "%g(", 1))
print(pcall(string.match, "a", "%1"))
print(pcall(string.rep))
-- special characters in replacement
print(string.gsub("a.b.c", "%.", "%%"), string.gsub("path/to/file", "/", "\\"))
-- matching with embedded zeros
print(string.find("a\0b", "\0", 1, true), string.match("a\0b\0c", "%z") == nil, #string.match("x\0y", ".+"))
-- anchored gsub
print(string.gsub("aaa", "^a", "b"), string.gsub("hello", "l+", function(s) return #s end))
-- long subject, many matches
local long = string.rep("ab", 5000)
print(select(2, string.gsub(long, "ab", "")), #string.gsub(long, "a", "xyz"))
-- pattern too complex / malformed
print(pcall(string.match, string.rep("a", 100), string.rep("(a)", 33)))
print(string.find("abc", "[a-c]+", -2), string.match("key = value", "^(%w+)%s*=%s*(%w+)$"))
print(string.format("%q", string.match("x\ny", ".%s.")))
