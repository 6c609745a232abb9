-- A plain module: returns a table and records the arguments its loader got.
local name, file = ...
local M = { name = name, file = file, loads = (mod_a_loads or 0) + 1 }
mod_a_loads = M.loads
function M.hello() return "hello from " .. name end
return M
