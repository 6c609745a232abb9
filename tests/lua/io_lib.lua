-- io library: open modes, read formats, lines, write, seek, setvbuf, flush, close,
-- io.type, default input/output, to-be-closed handles, popen, tmpfile.
-- (io.write is only used while the default output is io.stdout.)

local name = os.tmpname()
local name2 = os.tmpname()
local missing = name .. ".missing/nothing"

-- error messages contain the temporary path: replace it
local function clean(msg)
  if type(msg) ~= "string" then return msg end
  for _, p in ipairs({missing, name2, name}) do
    local i, j = msg:find(p, 1, true)
    while i do
      msg = msg:sub(1, i - 1) .. "PATH" .. msg:sub(j + 1)
      i, j = msg:find(p, 1, true)
    end
  end
  return msg
end

local function show(...)
  local t = table.pack(...)
  for i = 1, t.n do
    local v = t[i]
    if io.type(v) then v = "<" .. io.type(v) .. ">" end
    t[i] = type(v) == "string" and string.format("%q", clean(v)) or tostring(v)
  end
  print(table.concat(t, " ", 1, t.n))
end

local function readall(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function writefile(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

print("-- io.type and tostring")
show(io.type(io.stdout), io.type(io.stdin), io.type(io.stderr), io.type(42), io.type({}), io.type(nil))
print(tostring(io.stdout):sub(1, 6), getmetatable(io.stdout).__name)
local methods = {}
for k in pairs(getmetatable(io.stdout).__index) do methods[#methods + 1] = k end
table.sort(methods)
print(table.concat(methods, " "))
print(pcall(io.type))

print("-- open modes")
local f = io.open(name, "w")
show(io.type(f), tostring(f):sub(1, 6))
show(f:write("line1\n", 2, " ", 3.5, " ", 1.0, " ", -0.0, " ", 2^63, " ", 1e100, "\n"))
show(f:write("line3") == f)
show(f:close())
show(io.type(f), tostring(f))
show(readall(name))
f = io.open(name, "a")
f:write("+appended\n")
f:close()
show(readall(name))
f = io.open(name, "r")
show(f:read("a"))
show(f:write("x"))
f:close()
f = io.open(name, "r+")
f:write("LINE")
f:seek("set", 0)
show(f:read("l"))
f:close()
f = io.open(name, "a+")
show(f:read("l"))
f:write("end\n")
f:seek("set", 0)
show(f:read("l"))
f:seek("set", 0)
f:write("ignored position\n")
f:close()
show(readall(name))
f = io.open(name, "w+")
show(f:read("a"), f:seek("end"))
f:write("fresh\n")
f:seek("set")
show(f:read("a"))
f:close()
for _, m in ipairs({"rb", "wb", "ab", "r+b", "w+b", "a+b"}) do
  local h = io.open(name, m)
  show(m, io.type(h), h:close())
end
show(readall(name))
f = io.open(name, "w")
show(f:read("a"))
f:close()
for _, m in ipairs({"rw", "x", "", "r+x", "bb", "rb+", "+r"}) do
  show(m, pcall(io.open, name, m))
end
local nf, nerr, nerrno = io.open(missing)
show(nf, nerr, math.type(nerrno))
nf, nerr, nerrno = io.open(missing, "w")
show(nf, nerr, math.type(nerrno))
show(pcall(io.open))
show(pcall(io.open, {}))
show(io.stdin:close())
show(io.type(io.stdin))

print("-- read formats")
writefile(name, "first line\nsecond\n\n  42  0x1F -3.5e2 .5 nan 7\nlast")
f = io.open(name)
show(f:read())
show(f:read("L"))
show(f:read("l"))
show(f:read("n", "n", "n", "n"))
show(f:read("n"))
show(f:read("l"))
show(f:read(0))
show(f:read(2), f:read(100))
show(f:read(0), f:read("l"), f:read("L"), f:read("a"), f:read("a"), f:read("n"), f:read(1))
show(f:seek("set", 0), f:read("*l", "*L"))
show(pcall(f.read, f, "x"))
show(pcall(f.read, f, "*x"))
show(pcall(f.read, f, {}))
show(f:read(3, 0, "l"))
f:close()
writefile(name, "12abc 0x 1e+ 1e5x --1 +7 0X1P4 12345678901234567890 9007199254740993 -0")
f = io.open(name)
for _ = 1, 12 do
  local v = f:read("n")
  io.write(tostring(v), " ", math.type(v) or "-", " | ")
  if v == nil then f:read(1) end
end
print()
f:close()
writefile(name, "no newline at end")
f = io.open(name)
show(f:read("L"), f:read("L"), f:read("l"), f:read(0))
f:close()
writefile(name, "a\0b\nc\r\nd")
f = io.open(name)
show(f:read("l"), f:read("L"), f:read("a"))
f:close()

print("-- lines")
writefile(name, "one\ntwo\n3 4\nfive\n")
f = io.open(name)
for l in f:lines() do io.write("[", l, "]") end
print()
show(io.type(f), f:read("a"))
f:seek("set")
for a, b in f:lines(1, "l") do io.write("<", a, "|", tostring(b), ">") end
print()
f:seek("set")
for l in f:lines("L") do io.write(l) end
f:seek("set")
local it = f:lines("l", "l")
show(it())
show(it())
show(it())
f:close()
show(pcall(it))
show(pcall(f.lines, f))
for l in io.lines(name) do io.write(l, ";") end
print()
for a, b in io.lines(name, 2, "n") do io.write(tostring(a), ",", tostring(b), ";") end
print()
show(select("#", io.lines(name)))
local lit, _, _, lfile = io.lines(name)
show(io.type(lfile), lit(), lit(), lit(), lit(), lit(), io.type(lfile))
show(pcall(lit))
local stopped
for l, _ in io.lines(name) do stopped = l; break end
show(stopped)
show(pcall(io.lines, missing))
local lok, lres = pcall(io.lines, name, "x")
show(lok, type(lres))
show(pcall(lres))
show(pcall(function() for l in io.lines(name, "l", {}) do end end))
local ok, n = pcall(function()
  local count = 0
  for a, b, c in io.lines(name, 1, 1, 1) do count = count + 1 end
  return count
end)
show(ok, n)

print("-- seek")
writefile(name, "0123456789")
f = io.open(name)
show(f:seek(), f:seek("cur"), f:seek("set"), f:seek("end"), f:seek("set", 3), f:read(2), f:seek("cur"))
show(f:seek("cur", -2), f:read(1), f:seek("end", -1), f:read("a"), f:seek("cur", 5), f:read(1))
show(math.type(f:seek()), f:seek("set", 0.0))
show(pcall(f.seek, f, "bad"))
show(pcall(f.seek, f, "set", 1.5))
show(pcall(f.seek, f, "set", "x"))
local sok, serr, serrno = f:seek("set", -1)
show(sok, serr, math.type(serrno))
f:close()

print("-- setvbuf and flush")
f = io.open(name, "w")
show(f:setvbuf("no"), f:setvbuf("full", 1024), f:setvbuf("line"), f:setvbuf("full"))
show(pcall(f.setvbuf, f, "bad"))
show(pcall(f.setvbuf, f))
f:write("buffered")
show(f:flush(), io.type(f))
show(readall(name))
f:close()
show(io.flush(), io.stdout:setvbuf("full"))

print("-- closed files")
f = io.open(name)
show(f:close())
for _, m in ipairs({"read", "write", "lines", "seek", "setvbuf", "flush", "close"}) do
  show(m, pcall(f[m], f, "l"))
end
show(io.type(f), tostring(f))
show(pcall(io.close, f))
show(pcall(io.lines, f))
show(pcall(io.stdout.write, {}))
show(pcall(io.stdout.write, io.stdout, {}))
show(pcall(io.stdout.write, io.stdout, true))

print("-- default input and output")
writefile(name, "in1\n5 6\nrest\n")
local oldin, oldout = io.input(), io.output()
show(oldin == io.stdin, oldout == io.stdout, io.write() == io.stdout)
show(io.input(name))
show(io.read(), io.read("n", "n"), io.read("L"), io.read("a"), io.read("l"))
io.input():seek("set", 0)
for l in io.lines() do io.write(l, "/") end
print()
show(io.type(io.input()))
io.input():close()
show(pcall(io.read))
show(pcall(io.lines))
local fin = io.open(name)
show(io.input(fin) == fin, io.read("L"))
fin:close()
io.input(io.stdin)
show(pcall(io.input, missing))
show(pcall(io.input, {}))
show(io.input() == io.stdin)
local out = io.output(name2)
show(out == io.output(), io.type(out))
show(io.output():write("to default ", 1, "\n") == out)
show(io.close())
show(io.type(out), pcall(io.close))
io.output(io.stdout)
show(readall(name2))
local fo = io.open(name2, "a")
show(io.output(fo) == fo)
io.output():write("more\n")
show(io.close(fo))
io.output(io.stdout)
show(readall(name2))
show(pcall(io.output, missing))
show(io.output() == io.stdout)

print("-- to-be-closed handles")
local saved
do
  local h <close> = assert(io.open(name))
  saved = h
  show(io.type(h), h:read("l"))
end
show(io.type(saved))
local function early()
  local h <close> = assert(io.open(name))
  saved = h
  return h:read("l")
end
show(early(), io.type(saved))
show(pcall(function()
  local h <close> = assert(io.open(name))
  saved = h
  error("boom")
end))
show(io.type(saved))
do
  local h <close> = assert(io.open(name))
  h:close()
end
print("closed twice ok")
show(getmetatable(io.stdout).__close ~= nil, getmetatable(io.stdout).__gc ~= nil)

print("-- popen")
local p = io.popen("echo hi")
show(io.type(p), p:read("a"))
show(p:close())
p = io.popen("exit 3")
show(p:read("a"), p:close())
p = io.popen("printf 'a\\nb\\n'")
for l in p:lines() do io.write("<", l, ">") end
print()
show(p:close())
p = io.popen("cat > " .. name2, "w")
show(p:write("piped\n") == p, p:close())
show(readall(name2))
show(pcall(io.popen, "true", "rw"))
show(pcall(io.popen, "true", "x"))
p = io.popen("kill -9 $$")
show(p:close())

print("-- tmpfile")
local t = io.tmpfile()
show(io.type(t), t:write("tmp data\n", 42) == t, t:seek("cur"))
t:seek("set")
show(t:read("l"), t:read("n"), t:read("a"))
show(t:close(), io.type(t))

print("-- remove")
show(os.remove(name), os.remove(name2))
local rok, rerr, rerrno = os.remove(name)
show(rok, rerr, math.type(rerrno))
local oa, ob, oc = io.open(name)
show(oa, ob, math.type(oc))
