-- require, package.loaded and the loader's arguments (PUC Lua 5.4 loadlib.c semantics).
package.path = "tests/lua/modules/?.lua;tests/lua/modules/?/init.lua"
package.cpath = "tests/lua/modules/?.so"

print(type(package), type(require), type(package.loaded), type(package.preload))
print(type(package.searchers), #package.searchers, type(package.searchpath))
print(type(package.loadlib), type(package.path), type(package.cpath))
print((package.config:gsub("\n", "|")))
print(package.loaded._G == _G, package.loaded.string == string, package.loaded.package == package)
for _, lib in ipairs({"coroutine", "table", "io", "os", "math", "utf8", "debug"}) do
  io.write(lib, "=", tostring(package.loaded[lib] == _G[lib]), " ")
end
print()

-- First load: two results, the module and the file name; the loader got both.
local m, extra = require("mod_a")
print(type(m), extra, m.name, m.file, m.loads, m.hello())
print(package.loaded.mod_a == m)
-- Second load: cached, one result.
print(select("#", require("mod_a")), require("mod_a") == m, mod_a_loads)

-- A module that returns nothing is stored as true.
print(require("mod_nothing"), package.loaded.mod_nothing, mod_nothing_ran)
print(require("mod_nothing"), mod_nothing_ran)

-- A module that fills package.loaded itself.
local s = require("mod_self")
print(type(s), s.tag, package.loaded.mod_self == s)

-- A module that returns false: stored as false, loaded again next time.
print(require("mod_false"), package.loaded.mod_false, mod_false_runs)
print(require("mod_false"), mod_false_runs)

-- Dotted names become directories; ?/init.lua.
local inner, f2 = require("sub.inner")
print(inner.name, inner.file, f2)
local p, f3 = require("pkg")
print(p.name, p.kind, p.file, f3)

-- Circular requires work when the first module registers itself early.
local a = require("cyc_a")
print(a.name, a.partner, a.b_saw_a, package.loaded.cyc_b.saw_a)

-- Clearing package.loaded[name] reloads.
package.loaded.mod_a = nil
local m2 = require("mod_a")
print(m2 ~= m, m2.loads, mod_a_loads)

-- Preload: the loader gets the name and ":preload:".
package.preload["virtual.mod"] = function(...)
  return { args = table.pack(...) }
end
local v, vx = require("virtual.mod")
print(v.args.n, v.args[1], v.args[2], vx)
print(require("virtual.mod") == v)

-- A preload loader returning nothing stores true; its extra value is still returned.
package.preload.empty = function() end
print(require("empty"))

-- require uses the registry's loaded table even if package.loaded is replaced.
local saved = package.loaded
package.loaded = {}
print(require("mod_a") == m2, rawget(package.loaded, "mod_a"))
package.loaded = saved

-- A number as name is converted to a string.
package.preload["42"] = function(name) return "forty-two:" .. name end
print(require(42), package.loaded["42"])

-- Values already in package.loaded are returned whatever their type.
package.loaded.fake = "just a string"
print(require("fake"))
package.loaded.fake = 0
print(require("fake"))
