-- Circular pair: cyc_a registers itself before requiring cyc_b, which requires cyc_a.
local M = { name = "a" }
package.loaded[...] = M
local b = require "cyc_b"
M.partner = b.name
M.b_saw_a = b.saw_a
return M
