-- package.searchers is a plain table of functions that Lua code can change.
package.path = "tests/lua/modules/?.lua"
package.cpath = "tests/lua/modules/?.so"

local function try(f, ...)
  local ok, err = pcall(f, ...)
  if ok then print("ok", err) else print("error:", err) end
end

-- The built-in searchers can be called directly.
local s = package.searchers
print(s[1]("mod_a"))
package.preload.pre = function() return "P" end
local f, x = s[1]("pre")
print(type(f), x, f())
local loader, file = s[2]("mod_a")
print(type(loader), file)
print(s[2]("nope"))
print(s[3]("nope"))
print(s[4]("nope"))
print(s[4]("a.b"))
print(pcall(s[2]))
print(select("#", s[4]("plain")))

-- A searcher added at the end: only asked when the others fail.
local asked = {}
table.insert(package.searchers, function(name)
  asked[#asked + 1] = name
  if name:match("^gen%.") then
    return function(n, extra) return { generated = n, extra = extra } end, "from-gen"
  end
  return "\n\tno generator for '" .. name .. "'"
end)
local g, gx = require("gen.thing")
print(g.generated, g.extra, gx, table.concat(asked, ","))
try(require, "other")

-- A searcher inserted first wins over the file system.
table.insert(package.searchers, 1, function(name)
  if name == "mod_a" then
    return function() return "intercepted" end, 99
  end
end)
package.loaded.mod_a = nil
print(require("mod_a"))

-- Searchers returning nothing, a number or another value: nothing, the number, nothing.
package.searchers = {
  function() end,
  function() return 12 end,
  function() return true end,
  function() return nil, "ignored" end,
  function(name) return "first line for " .. name end,
}
try(require, "zzz")
-- No searcher at all.
package.searchers = {}
try(require, "zzz")
-- A searcher that raises an error.
package.searchers = { function(name) error("searcher failed for " .. name) end }
try(require, "zzz")
-- The loader raising an error.
package.searchers = { function() return function() error("loader failed", 0) end end }
try(require, "zzz")
-- The loader sees its two arguments; require returns the loader data even if nil.
package.searchers = { function(n) return function(...) return select("#", ...) end end }
print(require("count"))

-- A searcher that replaces package.searchers while it runs.
package.searchers = {
  function() package.searchers = {} ; collectgarbage() end,
  function(n) return function() return "second searcher still ran" end, n end,
}
print(require("swap"))
