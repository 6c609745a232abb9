-- error, pcall, xpcall, error levels and error objects.
print(pcall(error))
print(pcall(error, nil))
print(pcall(error, "msg"))
print(pcall(error, "msg", 0))
print(pcall(error, 42))
print(pcall(error, 4.5))
local t = {code = 1}
local ok, e = pcall(error, t)
print(ok, e == t, e.code)
-- levels
local function lvl1() error("at level 1") end
local function lvl2() error("at level 2", 2) end
local function caller() lvl2() end
print(pcall(lvl1))
print(pcall(caller))
local function lvl0() error("no position", 0) end
print(pcall(lvl0))
-- error with level pointing into a C function gives no position
print(pcall(error, "from pcall", 2))
-- non-string error values are not decorated
print(pcall(function() error(true) end))
print(pcall(function() error({}, 1) end) == false)
-- nested pcall
print(pcall(pcall, error, "inner"))
print(pcall(function()
  local ok2, e2 = pcall(error, "deep")
  error("rethrown: " .. e2, 0)
end))
-- xpcall with handlers
print(xpcall(function() error("oops") end, function(m) return "handled: " .. m end))
print(xpcall(function() return 1, 2, 3 end, print))
print(xpcall(function(a, b) return a + b end, print, 3, 4))
print(xpcall(error, function(m) return type(m) end, {}))
-- handler receives non-string error values
print(xpcall(function() error({msg = "tbl"}) end, function(m) return m.msg end))
-- error inside the handler
print(xpcall(function() error("first") end, function(m) error("second") end))
-- handler that returns multiple values: only the first is kept
print(xpcall(function() error("x") end, function() return "a", "b" end))
-- pcall returns all results on success
print(pcall(function() return 1, nil, 3 end))
print(select('#', pcall(function() end)))
-- pcall of non-callable
print(pcall(42))
print(pcall(pcall))
print(pcall(nil))
-- error messages of runtime errors carry the position
local function where() local x = nil; return x.y end
print(pcall(where))
-- assert
print(pcall(assert, false))
print(pcall(assert, nil, "custom assert"))
local okA, eA = pcall(assert, false, {1})
print(okA, type(eA), eA[1])
print(assert(1, "unused"), select('#', assert(1, 2, 3)))
print(pcall(assert))
-- tostring of error objects with __tostring when printed
local E = setmetatable({}, {__tostring = function() return "E!" end})
print(pcall(error, E))
print(select(2, pcall(error, E)) == E)
-- error with a number message gets position added? (only strings are decorated)
print(pcall(function() error(123) end))
print(pcall(function() error("123") end))
-- errors crossing several function levels unwind correctly
local depth = 0
local function dive(n) depth = depth + 1 if n == 0 then error("bottom") end dive(n - 1) end
print(pcall(dive, 100), depth)
-- error in a metamethod propagates
local bad = setmetatable({}, {__index = function() error("index failed") end})
print(pcall(function() return bad.x end))
-- error in __tostring called by tostring is propagated
print(pcall(tostring, setmetatable({}, {__tostring = function() error("ts", 0) end})))
-- error() with level 2 in a function called from a method
local obj = {}
function obj:check(v) if not v then error("check failed", 2) end return v end
print(pcall(function() obj:check(false) end))
-- string errors from string library functions
print(pcall(string.rep))
print(pcall(("x").rep, "x", {}))
print(pcall(string.char, 256))
print(pcall(string.char, -1))
print(pcall(setmetatable, {}))
print(pcall(ipairs))
print(pcall(table.concat, {1, {}, 3}))
print(pcall(table.insert, {}, 1, 2, 3))
print(pcall(table.insert, {}, 5, 1))
print(pcall(tonumber, "10", 99))
print(pcall(tonumber, 10, 16))
print(pcall(string.format, "%y", 1))
print(pcall(string.format, "%d"))
print(pcall(math.random, 2, 1))
print(pcall(select, "x"))
