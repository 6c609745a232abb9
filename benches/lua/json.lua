-- json: JSON serialize + hand-written parse round trip
-- small: 10
-- build nested tables, serialize them to JSON text (sorted keys, escapes), parse the text
-- back with a recursive-descent parser (string.byte/sub/find) and compare deeply
local N = tonumber(arg and arg[1]) or 1400

local byte, sub, find, char = string.byte, string.sub, string.find, string.char
local concat, format = table.concat, string.format

-- portable Park-Miller LCG (products stay below 2^53)
local seed = 42
local function rand(n)
  seed = (seed * 16807) % 2147483647
  return seed % n
end

local WORDS = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
                "iota", "kappa", "lambda", "mu", "tab\there", "quote\"d", "back\\slash",
                "line\nbreak", "sl/ash" }

local function gen(depth)
  local r = rand(10)
  if depth <= 0 or r < 3 then
    local k = rand(6)
    if k == 0 then return rand(100000) - 50000
    elseif k == 1 then return (rand(2000000) - 1000000) / 64
    elseif k == 2 then return WORDS[rand(#WORDS) + 1] .. rand(1000)
    elseif k == 3 then return rand(2) == 0
    elseif k == 4 then return "x"
    else return rand(1000) end
  elseif r < 6 then
    local arr = {}
    for i = 1, rand(6) + 1 do arr[i] = gen(depth - 1) end
    return arr
  else
    local obj = {}
    for i = 1, rand(6) + 1 do obj["k" .. rand(50) .. "_" .. i] = gen(depth - 1) end
    return obj
  end
end

------------------------------------------------------------------ serializer
local ESC = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t', ['\r'] = '\\r',
              ['\b'] = '\\b', ['\f'] = '\\f' }

local function is_array(t)
  local n = #t
  if n == 0 then return next(t) == nil end
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k > n or math.floor(k) ~= k then return false end
  end
  return true
end

local encode_value

local function encode_number(v, buf)
  if math.floor(v) == v and v > -1e15 and v < 1e15 then
    buf[#buf + 1] = format("%d", v)
  else
    buf[#buf + 1] = format("%.17g", v)
  end
end

function encode_value(v, buf)
  local tv = type(v)
  if tv == "string" then
    buf[#buf + 1] = '"' .. v:gsub('[%c"\\]', ESC) .. '"'
  elseif tv == "number" then
    encode_number(v, buf)
  elseif tv == "boolean" then
    buf[#buf + 1] = v and "true" or "false"
  elseif tv == "table" then
    if is_array(v) then
      buf[#buf + 1] = "["
      for i = 1, #v do
        if i > 1 then buf[#buf + 1] = "," end
        encode_value(v[i], buf)
      end
      buf[#buf + 1] = "]"
    else
      -- sorted keys so the text is identical on every VM
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys)
      buf[#buf + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then buf[#buf + 1] = "," end
        encode_value(k, buf)
        buf[#buf + 1] = ":"
        encode_value(v[k], buf)
      end
      buf[#buf + 1] = "}"
    end
  else
    buf[#buf + 1] = "null"
  end
end

local function encode(v)
  local buf = {}
  encode_value(v, buf)
  return concat(buf)
end

------------------------------------------------------------------ parser
local B_QUOTE, B_BSLASH, B_LBRACE, B_RBRACE = byte('"'), byte('\\'), byte('{'), byte('}')
local B_LBRACK, B_RBRACK, B_COMMA, B_COLON = byte('['), byte(']'), byte(','), byte(':')
local B_MINUS, B_0, B_9, B_t, B_f, B_n = byte('-'), byte('0'), byte('9'), byte('t'), byte('f'), byte('n')
local UNESC = { [byte('n')] = "\n", [byte('t')] = "\t", [byte('r')] = "\r", [byte('b')] = "\b",
                [byte('f')] = "\f", [byte('"')] = '"', [byte('\\')] = "\\", [byte('/')] = "/" }

local parse_value

local function skip_ws(s, i)
  local _, e = find(s, "^[ \t\r\n]*", i)
  return e + 1
end

local function parse_string(s, i)
  -- s[i] is the opening quote
  local parts, np = nil, 0
  local start = i + 1
  local j = start
  while true do
    local c = byte(s, j)
    if c == B_QUOTE then
      if parts then
        np = np + 1; parts[np] = sub(s, start, j - 1)
        return concat(parts), j + 1
      end
      return sub(s, start, j - 1), j + 1
    elseif c == B_BSLASH then
      parts = parts or {}
      np = np + 1; parts[np] = sub(s, start, j - 1)
      local e = byte(s, j + 1)
      if e == byte('u') then
        np = np + 1; parts[np] = char(tonumber(sub(s, j + 2, j + 5), 16))
        j = j + 6
      else
        np = np + 1; parts[np] = UNESC[e] or error("bad escape at " .. j)
        j = j + 2
      end
      start = j
    elseif c == nil then
      error("unterminated string")
    else
      j = j + 1
    end
  end
end

local function parse_number(s, i)
  local _, e = find(s, "^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  local v = tonumber(sub(s, i, e))
  return v, e + 1
end

function parse_value(s, i)
  i = skip_ws(s, i)
  local c = byte(s, i)
  if c == B_LBRACE then
    local obj = {}
    i = skip_ws(s, i + 1)
    if byte(s, i) == B_RBRACE then return obj, i + 1 end
    while true do
      local k
      k, i = parse_string(s, skip_ws(s, i))
      i = skip_ws(s, i)
      if byte(s, i) ~= B_COLON then error("expected ':' at " .. i) end
      obj[k], i = parse_value(s, i + 1)
      i = skip_ws(s, i)
      c = byte(s, i)
      if c == B_RBRACE then return obj, i + 1 end
      if c ~= B_COMMA then error("expected ',' or '}' at " .. i) end
      i = i + 1
    end
  elseif c == B_LBRACK then
    local arr, n = {}, 0
    i = skip_ws(s, i + 1)
    if byte(s, i) == B_RBRACK then return arr, i + 1 end
    while true do
      n = n + 1
      arr[n], i = parse_value(s, i)
      i = skip_ws(s, i)
      c = byte(s, i)
      if c == B_RBRACK then return arr, i + 1 end
      if c ~= B_COMMA then error("expected ',' or ']' at " .. i) end
      i = i + 1
    end
  elseif c == B_QUOTE then
    return parse_string(s, i)
  elseif c == B_MINUS or (c >= B_0 and c <= B_9) then
    return parse_number(s, i)
  elseif c == B_t and sub(s, i, i + 3) == "true" then
    return true, i + 4
  elseif c == B_f and sub(s, i, i + 4) == "false" then
    return false, i + 5
  elseif c == B_n and sub(s, i, i + 3) == "null" then
    return nil, i + 4
  end
  error("unexpected character at " .. i)
end

local function decode(s)
  local v, i = parse_value(s, 1)
  i = skip_ws(s, i)
  if i <= #s then error("trailing garbage at " .. i) end
  return v
end

------------------------------------------------------------------ deep compare
local function equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do
    if not equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

------------------------------------------------------------------ driver
local docs = {}
for i = 1, 40 do docs[i] = gen(5) end

local total_len, hash, mismatches = 0, 0, 0
for round = 1, N do
  local doc = docs[(round - 1) % #docs + 1]
  local text = encode(doc)
  local back = decode(text)
  if not equal(doc, back) then mismatches = mismatches + 1 end
  local text2 = encode(back)
  if text2 ~= text then mismatches = mismatches + 1 end
  total_len = total_len + #text
  for j = 1, #text, 37 do
    hash = (hash * 31 + byte(text, j)) % 1000000007
  end
end

print(string.format("sample: %s", sub(encode(docs[1]), 1, 60)))
print(string.format("rounds=%d bytes=%d mismatches=%d", N, total_len, mismatches))
print(string.format("checksum %d", hash))
