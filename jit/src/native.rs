//! Running compiled traces: the one place where Rust calls machine code the backend
//! made. Everything about a trace's code that Rust relies on is stated here.
#![allow(unsafe_code)]

use crate::backend::Compiled;
use ferrous_interp::stdlib::string::sub_bytes;
use ferrous_runtime::heap::Heap;
use ferrous_runtime::state::number_to_bytes;
use ferrous_runtime::thread::Thread;
use ferrous_runtime::{Gc, LuaStr, Table, Value};

/// A compiled trace, run through its module's trampoline
/// (`extern "C" fn(code, base: *mut Value, iterations: *mut u64, heap: *mut Heap) -> u64`).
pub struct TraceCode {
    entry: *const u8,
    trampoline: *const u8,
}

impl TraceCode {
    /// The code `backend::compile` made for a trace, and the `backend::trampoline` of
    /// the same module. The caller keeps the module alive, unfreed, as long as this
    /// value (the engine owns both, and frees no code but in `flush`).
    pub fn new(code: &Compiled, trampoline: *const u8) -> TraceCode {
        TraceCode {
            entry: code.entry,
            trampoline,
        }
    }

    /// The address of the trace's code, for the exits and side traces that link to it.
    pub fn entry(&self) -> *const u8 {
        self.entry
    }

    /// Runs the trace on the running Lua frame of `th` whose first register is stack
    /// slot `base`, and the side traces and root traces it links to, until a guard
    /// without a side trace fails; adds the loop iterations run to `iterations` and
    /// returns that exit's code (`backend::exit_code`). None of those traces uses
    /// more than `slots` slots from `base` on (its frame's registers and those of the
    /// calls it inlined).
    pub fn run(
        &self,
        th: &mut Thread,
        heap: &mut Heap,
        base: usize,
        slots: usize,
        iterations: &mut u64,
    ) -> u64 {
        assert!(
            base + slots <= th.stack.len(),
            "trace frames outside the stack"
        );
        let regs = th.stack.as_mut_ptr().wrapping_add(base);
        // SAFETY: `trampoline` is the function `backend::trampoline` made, with this
        // signature, and `entry` a trace function `backend::compile` made (only it
        // makes a `Compiled`), both in a module that is alive (see `new`). The trace
        // and the traces it links to (side traces recorded in the same frame of the
        // same prototype, and their root, with the frames of the calls they inline)
        // read and write slots `0..slots` from `regs` (the caller's word for it), which
        // are in bounds (checked above);
        // `iterations`, a valid `u64`; and table memory behind its guards: array
        // elements below the array's length and nodes below the node count, read from
        // live tables that the stack or the trace's own values reach (no collection
        // runs during a trace, and it stores in place only numbers, booleans and nil,
        // which need no write barrier; other stores, allocations and metatables go
        // through `table_set`, `table_new` and `set_metatable`, which are given
        // `heap`). `th`,
        // `heap` and `iterations` are borrowed mutably, so no other reference to them
        // is alive.
        let f: extern "C" fn(*const u8, *mut Value, *mut u64, *mut Heap) -> u64 =
            unsafe { std::mem::transmute(self.trampoline) };
        f(self.entry, regs, iterations, heap)
    }
}

/// The helper of `TSet`: a raw store of the value with words `vp`, `vt` under the key
/// with words `kp`, `kt` (an integer or a string) in the live table at `t`, with the
/// write barrier and the heap's accounting of a resize.
pub extern "C" fn table_set(heap: *mut Heap, t: usize, kp: u64, kt: u64, vp: u64, vt: u64) {
    // SAFETY: traces call this with the heap pointer `run` passed them, which is
    // borrowed mutably for the whole run and used by nothing else while the trace
    // runs (the trace itself never reads it).
    let heap = unsafe { &mut *heap };
    let t: Gc<Table> = Gc::from_addr(t);
    let (key, val) = (Value::raw(kp, kt as u8), Value::raw(vp, vt as u8));
    // Integer and string keys cannot fail.
    let _ = heap.write_table(t, |t| t.set(key, val));
}

/// The helper of `TNew`: a new table with room for `narray` array elements and
/// `nhash` nodes, as an address.
pub extern "C" fn table_new(heap: *mut Heap, narray: u64, nhash: u64) -> usize {
    // SAFETY: as in `table_set`.
    let heap = unsafe { &mut *heap };
    heap.alloc(Table::new(narray as usize, nhash as usize))
        .addr()
}

/// The helper of `SetMeta`: `setmetatable(t, mt)` of the live tables at `t` (which
/// has no metatable) and `mt`.
pub extern "C" fn set_metatable(heap: *mut Heap, t: usize, mt: usize) {
    // SAFETY: as in `table_set`.
    let heap = unsafe { &mut *heap };
    heap.set_metatable(Gc::from_addr(t), Some(Gc::from_addr(mt)));
}

/// The helper of `SSub`: `string.sub(s, i, j)` of the live string at `s`, interned,
/// as an address.
pub extern "C" fn str_sub(heap: *mut Heap, s: usize, i: i64, j: i64) -> usize {
    // SAFETY: as in `table_set`.
    let heap = unsafe { &mut *heap };
    let s: Gc<LuaStr> = Gc::from_addr(s);
    heap.intern(sub_bytes(s.as_bytes(), i, j)).addr()
}

/// The helper of `Cat`: the concatenation of two strings or numbers (with words `ap`,
/// `at` and `bp`, `bt`), interned, as an address.
pub extern "C" fn concat(heap: *mut Heap, ap: u64, at: u64, bp: u64, bt: u64) -> usize {
    // SAFETY: as in `table_set`.
    let heap = unsafe { &mut *heap };
    let mut out = Vec::new();
    for v in [Value::raw(ap, at as u8), Value::raw(bp, bt as u8)] {
        // A string's bytes, or a number's text as `tostring` writes it.
        match v.as_string() {
            Some(s) => out.extend_from_slice(s.as_bytes()),
            None => out.extend(number_to_bytes(v)),
        }
    }
    heap.intern(&out).addr()
}

/// The helper of `GcCheck`: 1 when a collection is due, else 0.
pub extern "C" fn gc_due(heap: *const Heap) -> i64 {
    // SAFETY: as in `table_set` (a shared read).
    let heap = unsafe { &*heap };
    heap.should_collect() as i64
}

/// Frees the code of a module whose traces are all gone.
pub fn free_module(module: cranelift_jit::JITModule) {
    // SAFETY: the engine drops every `TraceCode` made from this module before calling
    // this (`Engine::flush` clears its traces first), so no code of it can run again.
    unsafe { module.free_memory() }
}
