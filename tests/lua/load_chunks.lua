-- load with strings, reader functions, chunk names, modes and environments.
local f = load("return 1 + 1")
print(f())
print(load("syntax error here"))
print(load("x = ", "=mychunk"))
print(load("x = ", "@file.lua"))
print(load("x = ", "plain name"))
print(load("local a = 1\nlocal b = 2\nreturn a +", "=multi"))
print(load(string.rep("x", 100) .. " = = 1"))
print(load("return 1\nerror_here(", nil))
print(type(load("error('runtime')"))) -- compiles fine
print(pcall(load("error('runtime')")))
print(pcall(load("error('runtime')", "=named")))
print(pcall(load("error('runtime')", "@some/path.lua")))
print(pcall(load("local t = nil; return t.x", "=(load)")))
print(pcall(load("\n\nerror('line three')")))
print(pcall(load("local x = 1\n" .. "return x.y", "a chunk name\nwith newline")))
-- reader functions
local parts = {"return ", "'from", " reader'"}
local i = 0
local g = load(function() i = i + 1 return parts[i] end)
print(g())
local calls = 0
print(load(function() calls = calls + 1 if calls == 1 then return "return 7" end return nil end)())
print(type(load(function() return nil end)), load(function() return nil end)())
print(type(load(function() return "" end)))
print(pcall(load, function() return {} end))
-- (reader errors are only tested under pcall: outside it, lua.c's message handler would add a traceback)
print(pcall(load, function() error("reader failed") end))
local piece = 0
print(load(function() piece = piece + 1 if piece <= 3 then return ({"ret", "urn 4", "2"})[piece] end end)())
-- environments
local env = {y = 5}
local h = load("x = 10; return y", "=env", "t", env)
print(h(), env.x, rawget(_G, "x"))
local h2 = load("return print", "=env2", "t", {})
print(h2())
local h3 = load("local _ENV = {v = 'shadow'} return v")
print(h3())
-- mode argument
print(load("return 1", "=m", "b"))
print(load("return 2", "=m", "t")())
print(load("\27Lua binary-looking text", "=bin", "t"))
-- upvalues of loaded chunks: the first upvalue is _ENV
local up = load("return _ENV")
print(up() == _G)
-- load returns a vararg function
print(load("return ...")(1, 2, 3))
print(load("return select('#', ...)")())
-- dofile-like evaluation of expressions
local function eval(expr) return load("return " .. expr)() end
print(eval("2^10"), eval("'a' .. 'b'"), eval("{1,2,3}")[2], eval("nil"))
-- error position inside a loaded function called later
local later = load("return function(t)\n  return t.field.sub\nend", "=later")()
print(pcall(later, {}))
-- chunk names: long source strings are truncated with "..."
print(load("x = ", string.rep("n", 100)))
print(load("x = ", "=" .. string.rep("n", 100)))
print(load("x = ", "@" .. string.rep("n", 100)))
print(load(("x = \n"):rep(3) .. "return +"))
-- the main chunk's own name as seen in errors
print(pcall(error, "here", 1))
print(pcall(function() error("in this file") end))
