//! The interpreter's unchecked accesses: registers, constants, instructions and upvalues
//! read and written without bounds checks. This is the interp crate's only unsafe code;
//! `exec::run` calls it through its `r!`, `kst!` and `up!` macros.
//!
//! The bounds are established once, where they are cheap to check:
//! - **Registers.** `precall` makes room for a Lua frame's `max_stack` registers above its
//!   base before the frame runs, and a thread's stack never shrinks, so register `i` of a
//!   running frame is in bounds for every `i < max_stack`. The compiler and the binary
//!   chunk verifier guarantee every register operand is below `max_stack`.
//! - **Constants, upvalues, instructions.** The compiler and the verifier guarantee that
//!   constant and upvalue operands index the prototype's tables and that control never
//!   leaves the code array (every path ends in a return or jumps back).
//!
//! Dual-path verification: in debug builds every access first checks its bound the way
//! the safe indexing would, so the whole test suite runs the unchecked paths with their
//! invariants asserted (`tests::broken_invariant_is_caught` shows the check firing).
#![allow(unsafe_code)]

use ferrous_runtime::function::UpVal;
use ferrous_runtime::thread::Thread;
use ferrous_runtime::{Gc, Value};

/// Register slot `base + i` of the running thread.
///
/// # Safety
/// `base + i < th.stack.len()`: true for register `i < max_stack` of a running Lua frame
/// whose first register is `base` (see the module docs).
#[inline(always)]
pub unsafe fn reg(th: &mut Thread, base: usize, i: usize) -> &mut Value {
    debug_assert!(
        base + i < th.stack.len(),
        "register {i} above base {base} outside the stack ({} slots)",
        th.stack.len()
    );
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { th.stack.get_unchecked_mut(base + i) }
}

/// Constant `i` of a prototype.
///
/// # Safety
/// `i < k.len()`: a constant operand of verified code.
#[inline(always)]
pub unsafe fn konst(k: &[Value], i: usize) -> Value {
    debug_assert!(i < k.len(), "constant {i} of {}", k.len());
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { *k.get_unchecked(i) }
}

/// Instruction `pc` of a prototype's code.
///
/// # Safety
/// `pc < code.len()`: the next instruction of verified code.
#[inline(always)]
pub unsafe fn instr(code: &[u32], pc: usize) -> u32 {
    debug_assert!(pc < code.len(), "pc {pc} past the code ({})", code.len());
    // SAFETY: in bounds by the caller's contract (checked above in debug builds).
    unsafe { *code.get_unchecked(pc) }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_bounds_accesses_match_safe_indexing() {
        let mut th = Thread::new();
        th.stack[5] = Value::int(42);
        // SAFETY: slot 5 is inside a new thread's stack.
        let v = unsafe { *reg(&mut th, 3, 2) };
        assert!(v.raw_eq(th.stack[5]));
        let k = [Value::int(1), Value::int(2)];
        // SAFETY: index 1 of a two-element slice.
        assert!(unsafe { konst(&k, 1) }.raw_eq(k[1]));
        // SAFETY: index 0 of a one-element slice.
        assert_eq!(unsafe { instr(&[7], 0) }, 7);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "outside the stack")]
    fn broken_invariant_is_caught() {
        let mut th = Thread::new();
        let len = th.stack.len();
        // Breaks the contract on purpose: debug builds must stop here, before any
        // out-of-bounds access.
        // SAFETY: not upheld; the debug check panics first.
        let _ = unsafe { *reg(&mut th, len, 0) };
    }
}
