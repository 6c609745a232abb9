//! The interpreter's unchecked accesses: registers, constants, instructions, opcodes,
//! upvalues and the running frame, read and written without bounds checks. This is the
//! interp crate's only unsafe code; `exec::run` calls it through its `r!`, `kst!`, `up!`
//! and `fetch!` macros.
//!
//! The bounds are established once, where they are cheap to check:
//! - **Registers.** `precall` makes room for a Lua frame's `max_stack` registers above its
//!   base before the frame runs, and a thread's stack never shrinks, so register `i` of a
//!   running frame is in bounds for every `i < max_stack`. The compiler and the binary
//!   chunk verifier guarantee every register operand is below `max_stack`. The stack may
//!   move when it grows, so the interpreter keeps the frame's first-register address and
//!   takes it again after anything that can grow the stack.
//! - **Constants, upvalues, instructions.** The compiler and the verifier guarantee that
//!   constant and upvalue operands index the prototype's tables and that control never
//!   leaves the code array (every path ends in a return or jumps back).
//! - **Opcodes.** Every instruction of a prototype holds a valid opcode, so it is decoded
//!   without the table lookup.
//! - **The running frame.** Its index stays below the frame count while it runs.
//!
//! Dual-path verification: in debug builds every access first checks its bound the way
//! the safe indexing would, and the stack moves at every growth check, so the whole test
//! suite runs the unchecked paths with their invariants asserted
//! (`tests::broken_invariant_is_caught` and `tests::stale_frame_base_is_caught` show the
//! checks firing).
#![allow(unsafe_code)]

use crate::bytecode::{Instr, Op};
use ferrous_runtime::function::{Code, LuaClosure, UpVal};
use ferrous_runtime::thread::{Frame, Thread};
use ferrous_runtime::{Gc, Value};

/// Address of stack slot `base`, the running frame's first register. `exec::run` keeps it
/// in a local and takes it again after anything that may move the stack (a call, a
/// metamethod, a hook, a collection that runs finalizers).
#[inline(always)]
pub fn frame_base(th: &mut Thread, base: usize) -> *mut Value {
    th.stack.as_mut_ptr().wrapping_add(base)
}

/// Register `i` of the running frame, through its cached first-register address.
///
/// # Safety
/// `basep` is `frame_base(th, base)` taken since the stack last moved, and
/// `base + i < th.stack.len()`: true for register `i < max_stack` of a running Lua frame
/// (see the module docs). Debug builds check both against the thread, and make the stack
/// move at every growth check so that a stale `basep` cannot go unnoticed in tests.
#[inline(always)]
pub unsafe fn reg<'a>(basep: *mut Value, i: usize, th: &Thread, base: usize) -> &'a mut Value {
    debug_assert!(
        std::ptr::eq(basep, th.stack.as_ptr().wrapping_add(base)),
        "stale frame base: the stack moved since it was taken"
    );
    debug_assert!(
        base + i < th.stack.len(),
        "register {i} above base {base} outside the stack ({} slots)",
        th.stack.len()
    );
    // SAFETY: `basep + i` is slot `base + i` of the live stack buffer, in bounds by the
    // caller's contract (both checked above in debug builds).
    unsafe { &mut *basep.add(i) }
}

/// Constant `i` of a prototype, through the address of its constants.
///
/// # Safety
/// `k` is `consts.as_ptr()` and `i < consts.len()`: a constant operand of verified code.
#[inline(always)]
pub unsafe fn konst(k: *const Value, i: usize, consts: &[Value]) -> Value {
    debug_assert!(
        std::ptr::eq(k, consts.as_ptr()),
        "constants of another prototype"
    );
    debug_assert!(i < consts.len(), "constant {i} of {}", consts.len());
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { *k.add(i) }
}

/// The instruction at `pc`.
///
/// # Safety
/// `pc` points into `code`: the next instruction of verified code.
#[inline(always)]
pub unsafe fn instr(pc: *const u32, code: Option<&Code>) -> u32 {
    if let Some(code) = code {
        let at = (pc as usize).wrapping_sub(code.as_ptr() as usize) as isize / 4;
        debug_assert!(
            (0..code.len() as isize).contains(&at),
            "pc {at} outside the code ({} instructions)",
            code.len()
        );
    }
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { *pc }
}

/// Frame `fi` of a thread.
///
/// # Safety
/// `fi < th.frames.len()`: the running frame's index (frames above it may come and go,
/// frames below it stay while it runs).
#[inline(always)]
pub unsafe fn frame(th: &mut Thread, fi: usize) -> &mut Frame {
    debug_assert!(fi < th.frames.len(), "frame {fi} of {}", th.frames.len());
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { th.frames.get_unchecked_mut(fi) }
}

/// Pops every frame from `n` up, leaving `n` frames.
///
/// # Safety
/// `n <= th.frames.len()`: a frame index or the frame count. (Frames are plain data, so
/// nothing is dropped.)
#[inline(always)]
pub unsafe fn pop_frames(th: &mut Thread, n: usize) {
    debug_assert!(n <= th.frames.len(), "{n} frames of {}", th.frames.len());
    // SAFETY: shrinking within the length (checked above in debug builds) of a vector
    // of `Copy` values.
    unsafe { th.frames.set_len(n) }
}

/// Copies stack slot `from` to slot `to`.
///
/// # Safety
/// Both are below the stack's length: a register of the running frame and the slot of
/// its function, below its base.
#[inline(always)]
pub unsafe fn copy_slot(th: &mut Thread, from: usize, to: usize) {
    debug_assert!(
        from < th.stack.len() && to < th.stack.len(),
        "slots {from} and {to} of {}",
        th.stack.len()
    );
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { *th.stack.get_unchecked_mut(to) = *th.stack.get_unchecked(from) }
}

/// The closure of Lua frame `fr`, in the slot below its first register.
///
/// # Safety
/// `fr` is a Lua frame of `th`: slot `fr.base - 1` is inside the stack and holds the
/// frame's Lua closure (precall puts it there, and no instruction writes below a
/// frame's base).
#[inline(always)]
pub unsafe fn frame_closure(th: &mut Thread, fr: &Frame) -> Gc<LuaClosure> {
    debug_assert!(fr.is_lua(), "not a Lua frame");
    debug_assert!(
        (1..=th.stack.len()).contains(&fr.base),
        "frame base {} outside the stack",
        fr.base
    );
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    let v = unsafe { *th.stack.get_unchecked(fr.base - 1) };
    debug_assert!(v.as_lclosure().is_some(), "Lua frame without Lua closure");
    Gc::from_addr(v.object_addr())
}

/// The opcode of an instruction of verified code, without the decode table's load.
///
/// # Safety
/// The instruction's low seven bits name an opcode (`Op::from_u8` accepts them): the
/// compiler emits no other, and the verifier rejects binary chunks that hold one.
#[inline(always)]
pub unsafe fn op(i: Instr) -> Op {
    debug_assert_eq!(
        Op::from_u8(i.op_raw()).map(Op::counted),
        Some(i.op()),
        "invalid opcode {}",
        i.op_raw()
    );
    // SAFETY: `Op` is `repr(u8)` with implicit discriminants, so its values are
    // 0..ALL_OPS.len() in declaration order, and the caller guarantees the byte is one
    // of them.
    unsafe { std::mem::transmute::<u8, Op>(i.op_raw()) }
}

/// Upvalue `i` of a closure.
///
/// # Safety
/// `i < ups.len()`: an upvalue operand of verified code.
#[inline(always)]
pub unsafe fn upval(ups: &[Gc<UpVal>], i: usize) -> Gc<UpVal> {
    debug_assert!(i < ups.len(), "upvalue {i} of {}", ups.len());
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { *ups.get_unchecked(i) }
}

/// A local of the interpreter loop that lives in memory, not in a register: its every
/// read and write is a load or store of its stack slot. `exec::run` keeps the running
/// frame's index, closure, constants and base this way, as PUC Lua keeps them behind
/// `ci`, so that the loop carries only the values its handlers use all the time
/// (`pc`, the register address, the thread) and the register allocation of the
/// arithmetic handlers does not change with every edit elsewhere in the loop.
pub struct InMemory<T: Copy>(std::cell::UnsafeCell<T>);

impl<T: Copy> InMemory<T> {
    #[inline(always)]
    pub fn new(v: T) -> Self {
        InMemory(std::cell::UnsafeCell::new(v))
    }

    #[inline(always)]
    pub fn get(&self) -> T {
        // SAFETY: the cell's own pointer: valid, aligned and initialized; the cell is
        // not shared between threads (UnsafeCell is !Sync), and no reference into it
        // is ever handed out.
        unsafe { std::ptr::read_volatile(self.0.get()) }
    }

    #[inline(always)]
    pub fn set(&self, v: T) {
        // SAFETY: as in `get`.
        unsafe { std::ptr::write_volatile(self.0.get(), v) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_bounds_accesses_match_safe_indexing() {
        let mut th = Thread::new();
        th.stack[5] = Value::int(42);
        let basep = frame_base(&mut th, 3);
        // SAFETY: slot 5 is inside a new thread's stack, which has not moved.
        let v = unsafe { *reg(basep, 2, &th, 3) };
        assert!(v.raw_eq(th.stack[5]));
        let k = [Value::int(1), Value::int(2)];
        // SAFETY: index 1 of a two-element slice.
        assert!(unsafe { konst(k.as_ptr(), 1, &k) }.raw_eq(k[1]));
        let code = Code::new(Box::new([7, 8]));
        // SAFETY: index 1 of two instructions.
        assert_eq!(
            unsafe { instr(code.as_ptr().wrapping_add(1), Some(&code)) },
            8
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "outside the stack")]
    fn broken_invariant_is_caught() {
        let mut th = Thread::new();
        let len = th.stack.len();
        let basep = frame_base(&mut th, len);
        // Breaks the contract on purpose: debug builds must stop here, before any
        // out-of-bounds access.
        // SAFETY: not upheld; the debug check panics first.
        let _ = unsafe { *reg(basep, 0, &th, len) };
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "stale frame base")]
    fn stale_frame_base_is_caught() {
        let mut th = Thread::new();
        let basep = frame_base(&mut th, 0);
        // Any growth check moves the stack in debug builds.
        assert!(th.ensure(1));
        // SAFETY: not upheld (the stack moved); the debug check panics first.
        let _ = unsafe { *reg(basep, 0, &th, 0) };
    }
}
