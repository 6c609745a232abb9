//! Running compiled traces: the one place where Rust calls machine code the backend
//! made. Everything about a trace's code that Rust relies on is stated here.
#![allow(unsafe_code)]

use crate::backend::Compiled;
use ferrous_runtime::thread::Thread;
use ferrous_runtime::Value;

/// The entry of a compiled trace:
/// `extern "C" fn(base: *mut Value, iterations: *mut u64) -> u32`.
pub struct TraceCode {
    entry: *const u8,
    /// Registers the trace reads or writes (its prototype's `max_stack`).
    slots: usize,
}

impl TraceCode {
    /// The code `backend::compile` made for a trace of a prototype with `slots`
    /// registers. The caller keeps the module it was compiled into alive, unfreed, as
    /// long as this value (the engine owns both, and frees no code).
    pub fn new(code: &Compiled, slots: usize) -> TraceCode {
        TraceCode {
            entry: code.entry,
            slots,
        }
    }

    /// Runs the trace on the running Lua frame of `th` whose first register is stack
    /// slot `base`, until a guard fails; adds the loop iterations it ran to
    /// `iterations` and returns that exit's snapshot number.
    pub fn run(&self, th: &mut Thread, base: usize, iterations: &mut u64) -> u32 {
        // A running Lua frame has its `max_stack` registers inside the stack (precall
        // makes room before it runs, and the stack never shrinks).
        assert!(
            base + self.slots <= th.stack.len(),
            "trace frame outside the stack"
        );
        let regs = th.stack.as_mut_ptr().wrapping_add(base);
        // SAFETY: `entry` is a function `backend::compile` made (only it makes a
        // `Compiled`), with this signature, in a module that is alive (see `new`). It
        // reads and writes slots `0..slots` from `regs` (the registers of the
        // prototype its trace was recorded in), which are in bounds (checked above);
        // `iterations`, a valid `u64`; and table memory behind its guards: array
        // elements below the array's length and nodes below the node count, read from
        // live tables that the stack reaches (no collection runs during a trace, and
        // it stores only numbers, booleans and nil, which need no write barrier). `th`
        // and `iterations` are borrowed mutably, so no other reference to them is alive.
        let f: extern "C" fn(*mut Value, *mut u64) -> u32 =
            unsafe { std::mem::transmute(self.entry) };
        f(regs, iterations)
    }
}

/// Frees the code of a module whose traces are all gone.
pub fn free_module(module: cranelift_jit::JITModule) {
    // SAFETY: the engine drops every `TraceCode` made from this module before calling
    // this (`Engine::flush` clears its traces first), so no code of it can run again.
    unsafe { module.free_memory() }
}
