//! Hot-loop detection: the counters the interpreter decrements at every loop back-edge,
//! and the hook through which a JIT learns that a loop got hot.
//!
//! As in LuaJIT, the counters are a small table hashed by the address of the loop's
//! first instruction, not one per loop: two loops may share a counter, which only makes
//! one of them hot a little early. The interpreter never depends on a JIT; a JIT installs
//! itself as `State::jit` and turns counting on (`enabled`); without one, or with it
//! off, the interpreter does not count.

use crate::function::Proto;
use crate::{Gc, State};

/// Number of counters (a power of two).
pub const HOT_SLOTS: usize = 256;

/// Iterations before a loop is hot, by default (LuaJIT's `hotloop`).
pub const DEFAULT_HOTLOOP: u16 = 56;

/// The counters.
pub struct HotCounters {
    pub counts: [u16; HOT_SLOTS],
    /// What a counter restarts from.
    pub threshold: u16,
    /// Whether loops are counted: a JIT is installed and on (`jit.on`, `jit.off`).
    pub enabled: bool,
}

impl Default for HotCounters {
    fn default() -> Self {
        HotCounters {
            counts: [DEFAULT_HOTLOOP; HOT_SLOTS],
            threshold: DEFAULT_HOTLOOP,
            enabled: false,
        }
    }
}

impl HotCounters {
    /// Sets every counter to start from `threshold` (at least 1).
    pub fn reset(&mut self, threshold: u16) {
        self.threshold = threshold.max(1);
        self.counts = [self.threshold; HOT_SLOTS];
    }

    /// The counter of the loop whose first instruction is at `addr`.
    #[inline(always)]
    pub fn slot(addr: usize) -> usize {
        (addr >> 2) & (HOT_SLOTS - 1)
    }
}

/// What a JIT provides to the interpreter.
pub trait JitEngine {
    /// The loop that starts at instruction `pc` of `proto`, in the running Lua frame,
    /// ran a counter's worth of iterations. The engine may start recording it (setting
    /// `HOOK_RECORD` on the thread) or run its compiled trace. Returns true when a
    /// trace ran: the interpreter then goes on in the thread's top frame at its saved
    /// `pc` (the trace may have left in a function it inlined, whose frames the engine
    /// pushed). False: it goes on at `pc`.
    fn hot_loop(&mut self, st: &mut State, proto: Gc<Proto>, pc: u32) -> bool;

    /// While recording: the instruction at `pc` of `proto`, in the running Lua frame,
    /// is about to run. Returns false when recording has ended (the interpreter then
    /// clears `HOOK_RECORD`).
    fn record(&mut self, st: &mut State, proto: Gc<Proto>, pc: u32) -> bool;

    /// Marks what the engine's traces refer to (prototypes, constants) as live. The
    /// engine is taken out of `State::jit` while it runs, and no collection runs then.
    fn mark(&self, heap: &mut crate::heap::Heap);

    /// A summary of what the engine did, for `--jit-stats`.
    fn summary(&self) -> String;

    /// Drops every trace and recording (`jit.flush`).
    fn flush(&mut self);
}
