//! Threads (coroutines): one flat value stack and an array of call frames each.

use crate::function::UpVal;
use crate::gc::{Gc, GcHeader, GcObject, NoBarrier, ObjKind};
use crate::value::Value;

/// Most stack slots a thread may use (PUC Lua's LUAI_MAXSTACK); past it a call raises
/// "stack overflow".
pub const MAX_STACK: usize = 1_000_000;
/// Extra slots a message handler may use after a stack overflow (PUC's
/// ERRORSTACKSIZE margin).
pub const ERROR_STACK_EXTRA: usize = 2_000;
/// Slots kept free above a native function's arguments (LUA_MINSTACK).
pub const MIN_STACK: usize = 20;

/// Frame flag: a Lua function (else native).
pub const FRAME_LUA: u16 = 1;
/// Frame flag: entered from Rust (`call`/`resume`); the interpreter loop that runs it
/// returns when it returns.
pub const FRAME_FRESH: u16 = 2;
/// Frame flag: the frame of a `pcall` (a native with no Rust activation; its callee
/// runs above it): errors stop here.
pub const FRAME_PCALL: u16 = 4;
/// Frame flag: the frame of an `xpcall`; its message handler is in the slot above the
/// frame's function.
pub const FRAME_XPCALL: u16 = 8;
/// Frame flag: entered through a tail call.
pub const FRAME_TAIL: u16 = 16;
/// Frame flag: a metamethod called by the interpreter whose Rust caller was unwound by
/// a yield; when it returns, the interpreter finishes the caller's instruction.
pub const FRAME_UNROLL: u16 = 32;
/// Frame flag: this frame is running a debug hook (the hook is named "hook" in
/// messages and tracebacks).
pub const FRAME_HOOKED: u16 = 64;
/// Frame flag: at most three of the frame's results reach its caller (then adjusted to
/// `nresults`), as for the `__pairs` metamethod `pairs` calls in its own place.
pub const FRAME_MAX3: u16 = 128;
/// Frame flag: a protected frame that caught an error and is closing its callee's
/// to-be-closed variables (the error waits in the callee's slot).
pub const FRAME_CLOSING: u16 = 256;
/// Frame flag: this frame is running a finalizer (which is named "__gc" in messages).
pub const FRAME_FIN: u16 = 512;

/// One activation record.
#[derive(Clone, Copy, Debug)]
pub struct Frame {
    /// Stack index of the function value.
    pub func: usize,
    /// First register (Lua) or first argument (native).
    pub base: usize,
    /// End of the frame's registers (Lua) / of its usable stack (native).
    pub top: usize,
    /// Lua frames: index of the next instruction to run.
    pub pc: u32,
    /// Results the caller wants; -1 for all.
    pub nresults: i32,
    /// Lua vararg functions: how many extra arguments sit below `func`.
    pub nvarargs: u32,
    pub flags: u16,
    /// Protected-call frames (pcall/xpcall) at or below this frame; they count toward
    /// the C-call limit as in PUC Lua, where each is a C function.
    pub pdepth: u16,
}

impl Frame {
    /// The frame of a native function at stack slot `func` (its arguments follow it).
    #[inline]
    pub fn native(func: usize, top: usize, nresults: i32, flags: u16, pdepth: u16) -> Frame {
        Frame {
            func,
            base: func + 1,
            top,
            pc: 0,
            nresults,
            nvarargs: 0,
            flags,
            pdepth,
        }
    }

    /// The frame of a Lua function at stack slot `func` whose registers start at `base`
    /// (above `nvarargs` extra arguments for a vararg function) and end at `top`.
    #[inline(always)]
    pub fn lua(
        func: usize,
        base: usize,
        top: usize,
        nresults: i32,
        nvarargs: u32,
        flags: u16,
        pdepth: u16,
    ) -> Frame {
        Frame {
            func,
            base,
            top,
            pc: 0,
            nresults,
            nvarargs,
            flags: flags | FRAME_LUA,
            pdepth,
        }
    }

    #[inline(always)]
    pub fn is_lua(&self) -> bool {
        self.flags & FRAME_LUA != 0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    /// Created or yielded: can be resumed.
    Suspended,
    Running,
    /// Resumed another coroutine and waits for it.
    Normal,
    /// Finished or failed.
    Dead,
}

#[repr(C)]
pub struct Thread {
    hdr: GcHeader,
    /// The value stack; its length is the allocated size, `top` the first free slot.
    pub stack: Vec<Value>,
    pub top: usize,
    pub frames: Vec<Frame>,
    /// Open upvalues, sorted by stack index.
    pub open_upvals: Vec<Gc<UpVal>>,
    /// Stack indices of pending to-be-closed variables, ascending.
    pub tbc: Vec<usize>,
    pub status: ThreadStatus,
    /// Non-yieldable calls in progress (Rust frames between here and the resume).
    pub nny: u32,
    /// Nested Rust-level calls (native calling Lua) on this thread.
    pub ncalls: u32,
    /// Set when the thread died by an error: the error value (for `coroutine.close`).
    pub error: Option<Value>,
    /// The debug hook (`debug.sethook`): function, event mask and count.
    pub hook: Hook,
}

/// Hook event mask bits.
pub const HOOK_CALL: u8 = 1;
pub const HOOK_RET: u8 = 2;
pub const HOOK_LINE: u8 = 4;
pub const HOOK_COUNT: u8 = 8;
/// Not a debug hook: the JIT is recording a trace, and sees every instruction before it
/// runs. Setting a debug hook clears it (traces are not recorded under hooks).
pub const HOOK_RECORD: u8 = 16;

/// A thread's debug hook state.
#[derive(Clone, Copy, Debug)]
pub struct Hook {
    pub func: Value,
    /// HOOK_* bits; 0 when no hook is set (the interpreter tests only this).
    pub mask: u8,
    /// Instructions between count events.
    pub base_count: u32,
    /// Instructions left until the next count event.
    pub counter: u32,
    /// False while a hook runs (hooks do not nest).
    pub allowed: bool,
    /// Instruction index of the last line event (PUC's `oldpc`).
    pub old_pc: u32,
    /// For call and return events: first value transferred (a local index of the hooked
    /// frame) and how many (`debug.getinfo`'s ftransfer/ntransfer).
    pub transfer: (u32, u32),
}

impl Default for Hook {
    fn default() -> Self {
        Hook {
            func: Value::NIL,
            mask: 0,
            base_count: 0,
            counter: 0,
            allowed: true,
            old_pc: 0,
            transfer: (0, 0),
        }
    }
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for Thread {
    const KIND: ObjKind = ObjKind::Thread;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.stack.capacity() * 16
            + self.frames.capacity() * std::mem::size_of::<Frame>()
    }
}

// SAFETY: every minor collection traverses every old thread (`Heap::threads`).
unsafe impl NoBarrier for Thread {}

impl Thread {
    pub fn new() -> Thread {
        Thread {
            hdr: GcHeader::new(ObjKind::Thread),
            stack: vec![Value::NIL; 2 * MIN_STACK],
            top: 0,
            frames: Vec::new(),
            open_upvals: Vec::new(),
            tbc: Vec::new(),
            status: ThreadStatus::Suspended,
            nny: 0,
            ncalls: 0,
            error: None,
            hook: Hook::default(),
        }
    }

    /// Makes sure `n` more slots exist above `top` (see `ensure_abs`).
    #[inline]
    pub fn ensure(&mut self, n: usize) -> bool {
        self.ensure_abs(self.top + n)
    }

    /// Grows the stack for a frame needing slots up to `end` (may exceed MAX_STACK by a
    /// little, to let the stack-overflow error be handled).
    pub fn ensure_abs(&mut self, end: usize) -> bool {
        self.move_stack_for_checks();
        if end <= self.stack.len() {
            return true;
        }
        if end > MAX_STACK + ERROR_STACK_EXTRA {
            return false;
        }
        let new_len = (self.stack.len() * 2)
            .max(end)
            .min(MAX_STACK + ERROR_STACK_EXTRA);
        self.stack.resize(new_len, Value::NIL);
        self.rebase_upvals();
        true
    }

    /// Gives the open upvalues their slot addresses in the (moved) stack.
    fn rebase_upvals(&mut self) {
        let p = self.stack.as_mut_ptr();
        for u in &self.open_upvals {
            u.rebase(p);
        }
    }

    /// Debug builds move a small stack to a new buffer at every growth check (as PUC's
    /// HARDSTACKTESTS do), so that code keeping a stack address across something that
    /// may grow the stack fails its checks in tests instead of working by luck.
    #[inline(always)]
    fn move_stack_for_checks(&mut self) {
        #[cfg(debug_assertions)]
        if self.stack.len() <= 512 {
            self.stack = self.stack.to_vec();
            self.rebase_upvals();
        }
    }

    #[inline]
    pub fn push(&mut self, v: Value) {
        if self.top >= self.stack.len() {
            let n = (self.stack.len() * 2).max(MIN_STACK);
            self.stack.resize(n, Value::NIL);
            self.rebase_upvals();
        }
        self.stack[self.top] = v;
        self.top += 1;
    }
}

impl Default for Thread {
    fn default() -> Self {
        Thread::new()
    }
}
