-- richards: Richards OS-scheduler simulation (object workload)
-- small: 2
-- classes via metatables/__index, inheritance, method calls, linked lists of small
-- objects. Task states use booleans instead of bit flags; xor done arithmetically.
local N = tonumber(arg and arg[1]) or 190

local ID_IDLE, ID_WORKER, ID_HANDLER_A, ID_HANDLER_B, ID_DEVICE_A, ID_DEVICE_B = 1, 2, 3, 4, 5, 6
local KIND_DEVICE, KIND_WORK = 0, 1
local DATA_SIZE = 4
local COUNT = 1000

local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, { __index = parent }) end
  return c
end

-- 16-bit xor without bit operators (portable between Lua 5.4 and LuaJIT)
local function xor16(a, b)
  local r, bit = 0, 1
  for _ = 1, 16 do
    local abit, bbit = a % 2, b % 2
    if abit ~= bbit then r = r + bit end
    a = (a - abit) / 2
    b = (b - bbit) / 2
    bit = bit * 2
  end
  return r
end

------------------------------------------------------------------ Packet
local Packet = class()

function Packet.new(link, id, kind)
  local a2 = {}
  for i = 1, DATA_SIZE do a2[i] = 0 end
  return setmetatable({ link = link, id = id, kind = kind, a1 = 0, a2 = a2 }, Packet)
end

function Packet:addTo(queue)
  self.link = nil
  if queue == nil then return self end
  local peek = queue
  local nxt = peek.link
  while nxt ~= nil do
    peek = nxt
    nxt = peek.link
  end
  peek.link = self
  return queue
end

------------------------------------------------------------------ TaskControlBlock
local TCB = class()

function TCB.new(link, id, priority, queue, task)
  return setmetatable({
    link = link, id = id, priority = priority, queue = queue, task = task,
    pending = queue ~= nil, waiting = true, holding = false,
  }, TCB)
end

function TCB:setRunning() self.pending, self.waiting, self.holding = false, false, false end
function TCB:markAsNotHeld() self.holding = false end
function TCB:markAsHeld() self.holding = true end
function TCB:markAsSuspended() self.waiting = true end
function TCB:markAsRunnable() self.pending = true end
function TCB:isHeldOrSuspended()
  return self.holding or (self.waiting and not self.pending)
end

function TCB:run()
  local packet
  if self.pending and self.waiting and not self.holding then
    packet = self.queue
    self.queue = packet.link
    self.waiting = false
    self.pending = self.queue ~= nil
  end
  return self.task:run(packet)
end

function TCB:checkPriorityAdd(task, packet)
  if self.queue == nil then
    self.queue = packet
    self:markAsRunnable()
    if self.priority > task.priority then return self end
  else
    self.queue = packet:addTo(self.queue)
  end
  return task
end

------------------------------------------------------------------ Scheduler
local Scheduler = class()

function Scheduler.new()
  return setmetatable({ queueCount = 0, holdCount = 0, blocks = {}, list = nil,
                        currentTcb = nil, currentId = nil }, Scheduler)
end

function Scheduler:addTask(id, priority, queue, task)
  self.currentTcb = TCB.new(self.list, id, priority, queue, task)
  self.list = self.currentTcb
  self.blocks[id] = self.currentTcb
end

function Scheduler:addRunningTask(id, priority, queue, task)
  self:addTask(id, priority, queue, task)
  self.currentTcb:setRunning()
end

function Scheduler:schedule()
  self.currentTcb = self.list
  while self.currentTcb ~= nil do
    local tcb = self.currentTcb
    if tcb:isHeldOrSuspended() then
      self.currentTcb = tcb.link
    else
      self.currentId = tcb.id
      self.currentTcb = tcb:run()
    end
  end
end

function Scheduler:release(id)
  local tcb = self.blocks[id]
  if tcb == nil then return tcb end
  tcb:markAsNotHeld()
  if tcb.priority > self.currentTcb.priority then return tcb end
  return self.currentTcb
end

function Scheduler:holdCurrent()
  self.holdCount = self.holdCount + 1
  self.currentTcb:markAsHeld()
  return self.currentTcb.link
end

function Scheduler:suspendCurrent()
  self.currentTcb:markAsSuspended()
  return self.currentTcb
end

function Scheduler:queue(packet)
  local t = self.blocks[packet.id]
  if t == nil then return t end
  self.queueCount = self.queueCount + 1
  packet.link = nil
  packet.id = self.currentId
  return t:checkPriorityAdd(self.currentTcb, packet)
end

------------------------------------------------------------------ Tasks
local Task = class()
function Task.init(obj, cls, scheduler)
  obj.scheduler = scheduler
  return setmetatable(obj, cls)
end

local IdleTask = class(Task)
function IdleTask.new(s, v1, count) return Task.init({ v1 = v1, count = count }, IdleTask, s) end
function IdleTask:run(packet)
  local s = self.scheduler
  self.count = self.count - 1
  if self.count == 0 then return s:holdCurrent() end
  local v1 = self.v1
  if v1 % 2 == 0 then
    self.v1 = v1 / 2
    return s:release(ID_DEVICE_A)
  end
  self.v1 = xor16((v1 - 1) / 2, 0xD008)
  return s:release(ID_DEVICE_B)
end

local DeviceTask = class(Task)
function DeviceTask.new(s) return Task.init({ v1 = nil }, DeviceTask, s) end
function DeviceTask:run(packet)
  local s = self.scheduler
  if packet == nil then
    local v = self.v1
    if v == nil then return s:suspendCurrent() end
    self.v1 = nil
    return s:queue(v)
  end
  self.v1 = packet
  return s:holdCurrent()
end

local WorkerTask = class(Task)
function WorkerTask.new(s, v1, v2) return Task.init({ v1 = v1, v2 = v2 }, WorkerTask, s) end
function WorkerTask:run(packet)
  local s = self.scheduler
  if packet == nil then return s:suspendCurrent() end
  if self.v1 == ID_HANDLER_A then self.v1 = ID_HANDLER_B else self.v1 = ID_HANDLER_A end
  packet.id = self.v1
  packet.a1 = 0
  local a2 = packet.a2
  for i = 1, DATA_SIZE do
    local v2 = self.v2 + 1
    if v2 > 26 then v2 = 1 end
    self.v2 = v2
    a2[i] = v2
  end
  return s:queue(packet)
end

local HandlerTask = class(Task)
function HandlerTask.new(s) return Task.init({ v1 = nil, v2 = nil }, HandlerTask, s) end
function HandlerTask:run(packet)
  local s = self.scheduler
  if packet ~= nil then
    if packet.kind == KIND_WORK then
      self.v1 = packet:addTo(self.v1)
    else
      self.v2 = packet:addTo(self.v2)
    end
  end
  local v1 = self.v1
  if v1 ~= nil then
    local count = v1.a1
    if count < DATA_SIZE then
      local v2 = self.v2
      if v2 ~= nil then
        self.v2 = v2.link
        v2.a1 = v1.a2[count + 1]
        v1.a1 = count + 1
        return s:queue(v2)
      end
    else
      self.v1 = v1.link
      return s:queue(v1)
    end
  end
  return s:suspendCurrent()
end

------------------------------------------------------------------ driver
local function richards()
  local s = Scheduler.new()
  s:addRunningTask(ID_IDLE, 0, nil, IdleTask.new(s, 1, COUNT))

  local q = Packet.new(nil, ID_WORKER, KIND_WORK)
  q = Packet.new(q, ID_WORKER, KIND_WORK)
  s:addTask(ID_WORKER, 1000, q, WorkerTask.new(s, ID_HANDLER_A, 0))

  q = Packet.new(nil, ID_DEVICE_A, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_A, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_A, KIND_DEVICE)
  s:addTask(ID_HANDLER_A, 2000, q, HandlerTask.new(s))

  q = Packet.new(nil, ID_DEVICE_B, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_B, KIND_DEVICE)
  q = Packet.new(q, ID_DEVICE_B, KIND_DEVICE)
  s:addTask(ID_HANDLER_B, 3000, q, HandlerTask.new(s))

  s:addTask(ID_DEVICE_A, 4000, nil, DeviceTask.new(s))
  s:addTask(ID_DEVICE_B, 5000, nil, DeviceTask.new(s))

  s:schedule()
  return s.queueCount, s.holdCount
end

local tq, th = 0, 0
for _ = 1, N do
  local qc, hc = richards()
  if qc ~= 2322 or hc ~= 928 then
    error(string.format("richards: wrong result qpkt=%d hold=%d", qc, hc))
  end
  tq, th = tq + qc, th + hc
end
print(string.format("iterations=%d queueCount=%d holdCount=%d", N, tq, th))
print(string.format("checksum %d", tq * 3 + th))
