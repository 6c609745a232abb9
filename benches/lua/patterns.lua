-- patterns: Lua pattern matching
-- small: 10
-- string.find (plain and pattern), match with captures, gmatch iteration, gsub with
-- string/table/function replacements, anchors, %b, %f and character classes
local N = tonumber(arg and arg[1]) or 1100

local seed = 7
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local NAMES = { "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi" }
local DOMAINS = { "example.com", "mail.org", "test.net", "lua.org" }

-- generate a log-like text once
local lines = {}
for i = 1, 400 do
  local name = NAMES[rand(#NAMES) + 1]
  lines[i] = string.format("2024-%02d-%02d %02d:%02d:%02d [%s] user=%s email=%s@%s value=%d.%02d (note: {a{b}c} x%d)",
    rand(12) + 1, rand(28) + 1, rand(24), rand(60), rand(60),
    ({ "INFO", "WARN", "ERROR", "DEBUG" })[rand(4) + 1],
    name, name, DOMAINS[rand(#DOMAINS) + 1], rand(10000), rand(100), rand(1000))
end
local text = table.concat(lines, "\n")

local LEVEL_WEIGHT = { INFO = 1, WARN = 2, ERROR = 3, DEBUG = 4 }
local h = 0
local function mix(v) h = (h * 31 + v) % 1000000007 end

for round = 1, N do
  -- 1. gmatch with captures over the whole text
  local sum = 0
  for level, user, int, frac in text:gmatch("%[(%u+)%] user=(%a+) email=%S+ value=(%d+)%.(%d+)") do
    sum = sum + LEVEL_WEIGHT[level] * #user + tonumber(int) + tonumber(frac)
  end
  mix(sum % 1000003)

  -- 2. match on individual lines with anchors
  local line = lines[(round - 1) % #lines + 1]
  local y, mo, d, hh, mm, ss = line:match("^(%d+)-(%d+)-(%d+) (%d+):(%d+):(%d+)")
  mix(tonumber(y) + tonumber(mo) * 3 + tonumber(d) * 5 + tonumber(hh) + tonumber(mm) + tonumber(ss))

  -- 3. find: plain and with patterns, balanced %b and frontier %f
  local s1 = line:find("email=", 1, true)
  local s2, e2 = line:find("%b{}")
  local s3 = line:find("%f[%a]value")
  mix(s1 + s2 + e2 + s3)

  -- 4. gsub with string, function and table replacements
  if round % 4 == 0 then
    local r1, c1 = text:gsub("user=(%a+)", "u<%1>")
    local r2, c2 = line:gsub("%d+", function(d) return #d end)
    local r3, c3 = line:gsub("%u+", LEVEL_WEIGHT)
    local r4 = line:gsub("%s+", " "):gsub("^%s*(.-)%s*$", "%1")
    mix(#r1 + c1 + #r2 + c2 + #r3 + c3 + #r4)
  end

  -- 5. split by separator and character classes
  local words = 0
  for w in line:gmatch("[^%s=@]+") do
    if w:find("^%l") then words = words + 1 end
  end
  local digits = select(2, line:gsub("%d", ""))
  mix(words * 100 + digits)
end

print(string.format("text bytes=%d lines=%d", #text, #lines))
print(string.format("checksum %d", h))
