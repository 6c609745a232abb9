-- require's error messages, exactly as PUC Lua 5.4 formats them.
package.path = "tests/lua/modules/?.lua;tests/lua/modules/?/init.lua"
package.cpath = "tests/lua/modules/?.so;tests/lua/modules/lib?.so"

local function try(f, ...)
  local ok, err = pcall(f, ...)
  if ok then print("ok", err) else print("error:", type(err) == "string" and err or type(err)) end
end

-- Not found: every searcher reports where it looked; called from Lua code, the message
-- has the caller's position, called through pcall it has none.
try(require, "nowhere")
try(function() return require("nowhere") end)
try(require, "deep.er.name")
-- The all-in-one searcher looks for the root name in package.cpath.
try(require, "root.sub")

-- A syntax error in the module file.
try(require, "bad_syntax")
print(package.loaded.bad_syntax)
-- A runtime error in the module body propagates unchanged.
try(require, "bad_runtime")
print(package.loaded.bad_runtime)
-- Error values that are not strings too.
local ok, e = pcall(require, "mod_error_value")
print(ok, type(e), e.code)

-- Bad arguments.
try(require)
try(require, {})
try(package.searchpath, "x")
try(package.searchpath, nil, "p")
try(package.loadlib, "x")

-- package.path / package.cpath / package.searchers of the wrong type.
local path, cpath, searchers = package.path, package.cpath, package.searchers
package.path = nil
try(require, "nowhere")
package.path = 42
try(require, "nowhere")
package.path = path
package.cpath = {}
try(require, "nowhere")
package.cpath = cpath
package.searchers = "nope"
try(require, "nowhere")
package.searchers = searchers

-- An empty path still makes an entry.
package.path = ""
try(require, "nowhere")
package.path = ";"
try(require, "nowhere")
package.path = path

-- package.searchpath.
print(package.searchpath("mod_a", package.path))
print(package.searchpath("sub.inner", package.path))
print(package.searchpath("sub_inner", package.path, "_"))
print(package.searchpath("sub.inner", "tests/lua/modules/?.lua", ".", "/"))
print(package.searchpath("a.b.c", "x/?.lua;y/?/z;;?", "."))
print(package.searchpath("a::b", "p/?.lua", "::", "/"))
print(package.searchpath("a.b", "p/?.lua", "", "/"))
print(package.searchpath("a.b", "p/?.lua", ".", ""))
print(package.searchpath("a.b", "??"))
print(package.searchpath("x", ""))
print(package.searchpath("x", ";"))
print(package.searchpath("", "tests/lua/modules/?mod_a.lua"))
