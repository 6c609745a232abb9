//! The interpreter loop.
//!
//! Rules for code in this loop:
//! 1. The frame's `pc` is saved before anything that can raise an error or call out, so
//!    error positions and tracebacks see the right line.
//! 2. The value stack may be reallocated by any call; registers are addressed by index
//!    (`base + r`), never by a reference kept across a call.
//! 3. While a Lua frame runs, the thread's `top` is the frame's `top` except right after
//!    an instruction that left an open result list (a call or vararg with C = 0), which
//!    the next instruction consumes.
//! 4. A collection may only run at a GC point, with `top` covering every live register.
//!
//! Registers, constants, upvalues and instructions are read without bounds checks through
//! the `r!`, `kst!`, `up!` and `fetch!` macros, and frames and their closures through
//! `enter_frame!`, whose invariants `vm::unchecked` states; they are the only unsafe code
//! here.
#![allow(unsafe_code)]

use super::call::{
    close_tbc, close_upvals, find_upval, finish_native, new_tbc, poscall, precall, settle,
};
use super::debuginfo::Src;
use super::hook;
use super::meta::{self, arith, rt_error, ArithOp};
use super::unchecked::{self, InMemory};
use crate::bytecode::{Instr, Op, FIELDS_PER_FLUSH, MAX_C};
use ferrous_runtime::function::Proto;
use ferrous_runtime::function::{LuaClosure, NativeKind, UpVal};
use ferrous_runtime::heap::Heap;
use ferrous_runtime::hot::HotCounters;
use ferrous_runtime::state::{fast_tm, to_number, CALL_IN_PLACE, CALL_IN_PLACE_MAX3};
use ferrous_runtime::string::LuaStr;
use ferrous_runtime::thread::{
    Frame, Thread, FRAME_FRESH, FRAME_LUA, FRAME_MAX3, FRAME_TAIL, FRAME_UNROLL, HOOK_COUNT,
    HOOK_LINE, HOOK_RECORD, HOOK_RET, MAX_STACK, MIN_STACK,
};
use ferrous_runtime::value::*;
use ferrous_runtime::{Gc, LuaResult, State, Tm, Value};

/// Runs a collection if one is due. `live_top` bounds the running frame's live registers
/// at this instruction (as in PUC Lua, registers above the instruction's target are
/// dead temporaries): they are neither marked nor kept, so a dead temporary cannot keep
/// an object alive.
#[inline]
pub fn gc_point(st: &mut State, live_top: usize) {
    if st.heap.should_collect() {
        let th = st.thread;
        let saved = th.top;
        th.get_mut().top = live_top;
        st.step_gc();
        th.get_mut().top = saved;
        super::api::run_finalizers(st);
    }
}

/// Runs Lua frames of the current thread until the innermost FRESH frame returns.
pub fn run(st: &mut State) -> LuaResult<()> {
    let th = st.thread;
    // The thread's frame `$f`, a Lua frame (the top one, or the caller of a frame just
    // popped), and its closure.
    macro_rules! frame_and_closure {
        ($f:expr) => {{
            // SAFETY: `$f` is a frame of the thread and a Lua frame, whose closure sits
            // below its base.
            let fr = *unsafe { unchecked::frame(th.get_mut(), $f) };
            // SAFETY: as above.
            (fr, unsafe { unchecked::frame_closure(th.get_mut(), &fr) })
        }};
    }
    // The running frame: its index in `frames`, its closure, the addresses of its
    // constants and code and its first register's stack index, kept in memory (see
    // `unchecked::InMemory`); its first register's address and the address of its next
    // instruction, kept in registers. `run` starts with the top frame.
    let top = th.frames.len() - 1;
    let (fr, c) = frame_and_closure!(top);
    let fi = InMemory::new(top);
    let cl = InMemory::new(c);
    let k = InMemory::new(c.proto.constants.as_ptr());
    let code = InMemory::new(c.proto.code.as_ptr());
    let base = InMemory::new(fr.base);
    let mut basep = unchecked::frame_base(th.get_mut(), fr.base);
    let mut pc = c.proto.code.as_ptr().wrapping_add(fr.pc as usize);
    // Loads the running frame's state for the thread's frame `$fi` (the top one unless
    // said otherwise).
    macro_rules! enter_frame {
        () => {
            enter_frame!(th.frames.len() - 1)
        };
        ($fi:expr) => {{
            let f = $fi;
            let (fr, c) = frame_and_closure!(f);
            fi.set(f);
            cl.set(c);
            k.set(c.proto.constants.as_ptr());
            code.set(c.proto.code.as_ptr());
            base.set(fr.base);
            basep = unchecked::frame_base(th.get_mut(), fr.base);
            pc = c.proto.code.as_ptr().wrapping_add(fr.pc as usize);
        }};
    }
    // Goes on with the (new) top frame.
    macro_rules! next_frame {
        () => {{
            enter_frame!();
            continue;
        }};
    }
    {
        // SAFETY (r!, kst!, up!, fetch!, save_pc!): operands of verified code index the
        // frame's registers (below max_stack, made room for by precall; the stack never
        // shrinks), the prototype's constants and the closure's upvalues, `pc` never
        // leaves the code, and `fi` is the running frame (see vm::unchecked).
        // The running frame's state that only debug builds' checks read: release builds
        // skip the load.
        macro_rules! checked {
            ($debug:expr, $release:expr) => {
                if cfg!(debug_assertions) {
                    $debug
                } else {
                    $release
                }
            };
        }
        macro_rules! r {
            ($i:expr) => {
                (*unsafe { unchecked::reg(basep, ($i) as usize, &th, checked!(base.get(), 0)) })
            };
        }
        macro_rules! kst {
            ($i:expr) => {{
                let c = checked!(Some(cl.get()), None);
                let consts = c.as_ref().map_or(&[][..], |c| &c.proto.constants);
                unsafe { unchecked::konst(k.get(), ($i) as usize, consts) }
            }};
        }
        macro_rules! up {
            ($i:expr) => {
                unsafe { unchecked::upval(cl.get().upvals(), ($i) as usize) }
            };
        }
        macro_rules! fetch {
            () => {{
                let c = checked!(Some(cl.get()), None);
                let code = c.as_ref().map(|c| &c.proto.code);
                Instr(unsafe { unchecked::instr(pc, code) })
            }};
        }
        // Index of the instruction at `pc`.
        macro_rules! pc_index {
            () => {
                (pc as usize - code.get() as usize) / 4
            };
        }
        macro_rules! save_pc {
            () => {
                unsafe { unchecked::frame(th.get_mut(), fi.get()) }.pc = pc_index!() as u32
            };
        }
        // Takes the frame's register address again after the stack may have moved.
        macro_rules! reload_base {
            () => {
                basep = unchecked::frame_base(th.get_mut(), base.get())
            };
        }
        // Saves `pc`, runs `$e` (which may call out: metamethods, hooks, finalizers) and
        // reloads the register address.
        macro_rules! protect {
            ($e:expr) => {{
                save_pc!();
                let v = $e;
                reload_base!();
                v
            }};
        }
        macro_rules! rk {
            ($i:expr) => {
                if $i.k() {
                    kst!($i.c())
                } else {
                    r!($i.c())
                }
            };
        }
        // Binary arithmetic with a fast path for numbers.
        macro_rules! arith_op {
            ($op:expr, $a:expr, $b:expr, $sa:expr, $sb:expr, $dst:expr) => {{
                let a: Value = $a;
                let b: Value = $b;
                let v =
                    match (a.tag(), b.tag()) {
                        (TAG_INT, TAG_INT) if !matches!($op, ArithOp::Div | ArithOp::Pow) => {
                            match meta::int_arith($op, a.as_int_unchecked(), b.as_int_unchecked()) {
                                Ok(v) => Value::int(v),
                                Err(m) => {
                                    save_pc!();
                                    return Err(rt_error(st, m));
                                }
                            }
                        }
                        (TAG_FLOAT, TAG_FLOAT) if !$op.is_bitwise() => Value::float(
                            meta::float_arith($op, a.as_float_unchecked(), b.as_float_unchecked()),
                        ),
                        _ => match (a.as_number_f64(), b.as_number_f64()) {
                            (Some(x), Some(y)) if !$op.is_bitwise() => {
                                Value::float(meta::float_arith($op, x, y))
                            }
                            _ => protect!(arith(st, $op, a, b, $sa, $sb)?),
                        },
                    };
                #[cfg(debug_assertions)]
                if a.is_number() && b.is_number() {
                    check_arith(st, $op, a, b, v);
                }
                r!($dst) = v;
            }};
        }
        // `R[A] := R[B] op K[C]` (k: the constant was the left operand). One arm per
        // opcode, so the operator is a constant in each expansion.
        macro_rules! arith_k {
            ($i:expr, $a:expr, $op:expr) => {{
                let kv = kst!($i.c());
                let rb = r!($i.b());
                if $op == ArithOp::Sub && kv.as_int() == Some(0) && rb.is_float() {
                    // PUC compiles `x - 0` as `x + 0` (ADDI): -0.0 - 0 is 0.0 there.
                    r!($a) = Value::float(rb.as_float_unchecked() + 0.0);
                } else {
                    // The operands' sources (for error messages) are macro arguments,
                    // computed on the slow paths only.
                    if $i.k() {
                        arith_op!(
                            $op,
                            kv,
                            rb,
                            Src::Const($i.c() as usize),
                            Src::Reg(base.get() + $i.b() as usize),
                            $a
                        );
                    } else {
                        arith_op!(
                            $op,
                            rb,
                            kv,
                            Src::Reg(base.get() + $i.b() as usize),
                            Src::Const($i.c() as usize),
                            $a
                        );
                    }
                }
            }};
        }
        // `R[A] := R[B] op R[C]`
        macro_rules! arith_rr {
            ($i:expr, $a:expr, $op:expr) => {{
                arith_op!(
                    $op,
                    r!($i.b()),
                    r!($i.c()),
                    Src::Reg(base.get() + $i.b() as usize),
                    Src::Reg(base.get() + $i.c() as usize),
                    $a
                );
            }};
        }
        // `R[A] op sB`, with `slow(st, x, imm)` (operands swapped if `swap`) for
        // non-numbers (C says whether the immediate was a float in the source).
        macro_rules! cmp_imm {
            ($i:expr, $a:expr, $op:tt, $slow:path, $swap:expr) => {{
                let x = r!($a);
                let imm = $i.sb() as i64;
                let res = match x.tag() {
                    TAG_INT => x.as_int_unchecked() $op imm,
                    TAG_FLOAT => x.as_float_unchecked() $op imm as f64,
                    _ => {
                        let m = if $i.c() != 0 {
                            Value::float(imm as f64)
                        } else {
                            Value::int(imm)
                        };
                        if $swap {
                            protect!($slow(st, m, x)?)
                        } else {
                            protect!($slow(st, x, m)?)
                        }
                    }
                };
                cond_jump!(res, $i);
            }};
        }
        // A comparison or test, always followed by a `Jmp`: skip it, or take it right
        // away (one dispatch instead of two; the jump is not traced, as in PUC Lua).
        macro_rules! cond_jump {
            ($cond:expr, $i:expr) => {
                if $cond != $i.k() {
                    pc = pc.wrapping_add(1);
                } else {
                    take_jump!();
                }
            };
        }
        // A loop back-edge to `pc`: with a JIT on, counts down the loop's hot counter
        // and tells the JIT when it runs out. With it off, this is one test.
        macro_rules! loop_backedge {
            () => {{
                if st.hot.enabled {
                    let slot = HotCounters::slot(pc as usize);
                    let n = st.hot.counts[slot].wrapping_sub(1);
                    st.hot.counts[slot] = n;
                    if n == 0 {
                        save_pc!();
                        let p = cl.get().proto;
                        if super::hot::loop_hot(st, slot, p, pc_index!() as u32) {
                            // A trace ran, and left this frame or one of a function it
                            // inlined: the top frame says where to go on.
                            enter_frame!();
                        } else {
                            reload_base!();
                        }
                    }
                }
            }};
        }
        // Runs the `Jmp` (or `IJmp`) at `pc`.
        macro_rules! take_jump {
            () => {
                let j = fetch!();
                pc = pc.wrapping_offset(1 + j.sj_arg() as isize);
                if j.sj_arg() < 0 && j.op_raw() == Op::Jmp as u8 {
                    loop_backedge!();
                }
            };
        }
        // The loop instructions, counting back-edges or not (`IForLoop`, ...).
        macro_rules! jmp {
            ($i:ident, $count:literal) => {
                let i = $i;
                pc = pc.wrapping_offset(i.sj_arg() as isize);
                if $count && i.sj_arg() < 0 {
                    loop_backedge!();
                }
            };
        }
        macro_rules! for_loop {
            ($i:ident, $a:ident, $count:literal) => {
                let (i, a) = ($i, $a);
                let step = r!(a + 2);
                if step.is_int() {
                    let count = r!(a + 1).as_int_unchecked() as u64;
                    if count > 0 {
                        let s = step.as_int_unchecked();
                        let idx = r!(a).as_int_unchecked().wrapping_add(s);
                        r!(a + 1) = Value::int((count - 1) as i64);
                        r!(a) = Value::int(idx);
                        r!(a + 3) = Value::int(idx);
                        pc = pc.wrapping_sub(i.bx() as usize);
                        if $count {
                            loop_backedge!();
                        }
                    }
                } else {
                    let s = step.as_float_unchecked();
                    let limit = r!(a + 1).as_float_unchecked();
                    let idx = r!(a).as_float_unchecked() + s;
                    if if s > 0.0 { idx <= limit } else { limit <= idx } {
                        r!(a) = Value::float(idx);
                        r!(a + 3) = Value::float(idx);
                        pc = pc.wrapping_sub(i.bx() as usize);
                        if $count {
                            loop_backedge!();
                        }
                    }
                }
            };
        }
        macro_rules! tfor_loop {
            ($i:ident, $a:ident, $count:literal) => {
                let (i, a) = ($i, $a);
                let v = r!(a + 4);
                if !v.is_nil() {
                    r!(a + 2) = v;
                    pc = pc.wrapping_sub(i.bx() as usize);
                    if $count {
                        loop_backedge!();
                    }
                }
            };
        }

        loop {
            let i = fetch!();
            pc = pc.wrapping_add(1);
            if th.hook.mask & (HOOK_LINE | HOOK_COUNT | HOOK_RECORD) != 0 {
                save_pc!();
                hook::trace_exec(st, cl.get().proto, pc_index!() - 1)?;
                reload_base!();
            }
            let a = i.a();
            // SAFETY: verified code holds only valid opcodes (see vm::unchecked).
            match unsafe { unchecked::op(i) } {
                Op::Move => r!(a) = r!(i.b()),
                Op::LoadI => r!(a) = Value::int(i.sbx() as i64),
                Op::LoadF => r!(a) = Value::float(i.sbx() as f64),
                Op::LoadK => r!(a) = kst!(i.bx()),
                Op::LoadKX => {
                    let ax = fetch!().ax_arg();
                    pc = pc.wrapping_add(1);
                    r!(a) = kst!(ax);
                }
                Op::LoadFalse => r!(a) = Value::FALSE,
                Op::LFalseSkip => {
                    r!(a) = Value::FALSE;
                    pc = pc.wrapping_add(1);
                }
                Op::LoadTrue => r!(a) = Value::TRUE,
                Op::LoadNil => {
                    for j in 0..=i.b() {
                        r!(a + j) = Value::NIL;
                    }
                }
                Op::GetUpval => r!(a) = up!(i.b()).get(),
                Op::SetUpval => {
                    let u = up!(i.b());
                    st.heap.set_upval(u, r!(a));
                }
                Op::GetTabUp => {
                    let t = up!(i.b()).get();
                    let key = kst!(i.c());
                    let v = match t.as_table() {
                        Some(tab) => {
                            let v = tab.get_str(key.as_string().unwrap());
                            if v.is_nil() && tab.metatable.is_some() {
                                protect!(meta::index(st, t, key, Src::Upval(i.b() as usize))?)
                            } else {
                                v
                            }
                        }
                        None => {
                            protect!(meta::index(st, t, key, Src::Upval(i.b() as usize))?)
                        }
                    };
                    r!(a) = v;
                }
                Op::GetTable => {
                    let t = r!(i.b());
                    let key = r!(i.c());
                    let v = get_fast(t, key);
                    r!(a) = if v.is_nil() {
                        protect!(meta::index(
                            st,
                            t,
                            key,
                            Src::Reg(base.get() + i.b() as usize)
                        )?)
                    } else {
                        v
                    };
                }
                Op::GetI => {
                    let t = r!(i.b());
                    let key = Value::int(i.c() as i64);
                    let v = get_fast(t, key);
                    r!(a) = if v.is_nil() {
                        protect!(meta::index(
                            st,
                            t,
                            key,
                            Src::Reg(base.get() + i.b() as usize)
                        )?)
                    } else {
                        v
                    };
                }
                Op::GetField => {
                    let t = r!(i.b());
                    let key = kst!(i.c());
                    r!(a) = match index_str(&st.heap, t, key.as_string().unwrap()) {
                        Some(v) => v,
                        None => {
                            protect!(meta::index(
                                st,
                                t,
                                key,
                                Src::Reg(base.get() + i.b() as usize)
                            )?)
                        }
                    };
                }
                Op::SetTabUp => {
                    let t = up!(a).get();
                    let key = kst!(i.b());
                    let v = rk!(i);
                    protect!(set_fast(st, t, key, v, Src::Upval(a as usize))?);
                }
                Op::SetTable => {
                    let t = r!(a);
                    let key = r!(i.b());
                    let v = rk!(i);
                    if !(key.is_int() && set_array(&mut st.heap, t, key.as_int_unchecked(), v)) {
                        protect!(set_fast(st, t, key, v, Src::Reg(base.get() + a as usize))?);
                    }
                }
                Op::SetI => {
                    let t = r!(a);
                    let v = rk!(i);
                    if !set_array(&mut st.heap, t, i.b() as i64, v) {
                        let key = Value::int(i.b() as i64);
                        protect!(set_fast(st, t, key, v, Src::Reg(base.get() + a as usize))?);
                    }
                }
                Op::SetField => {
                    let t = r!(a);
                    let key = kst!(i.b());
                    let v = rk!(i);
                    let s = key.as_string().unwrap();
                    match t.as_table() {
                        Some(tab) => match st.heap.write(tab).str_slot(s) {
                            Some(slot) => *slot = v,
                            // A new key in a table without a metatable: a raw store, which
                            // cannot fail or call out.
                            None if tab.metatable.is_none() => {
                                st.heap.write_table(tab, |tm| tm.set_str(s, v))
                            }
                            None => protect!(set_fast(
                                st,
                                t,
                                key,
                                v,
                                Src::Reg(base.get() + a as usize)
                            )?),
                        },
                        None => {
                            protect!(set_fast(st, t, key, v, Src::Reg(base.get() + a as usize))?)
                        }
                    }
                }
                Op::NewTable => {
                    let b = i.b();
                    let mut c = i.c() as usize;
                    if i.k() {
                        c += fetch!().ax_arg() as usize * (MAX_C as usize + 1);
                    }
                    pc = pc.wrapping_add(1);
                    let nhash = if b > 0 { 1usize << (b - 1) } else { 0 };
                    // A constructor's list items arrive through SetList, which sizes the
                    // array part exactly (with a trailing call's results too); only a
                    // list longer than one SetList batch is presized here.
                    let narray = if c > FIELDS_PER_FLUSH as usize { c } else { 0 };
                    let t = st.new_table(narray, nhash);
                    r!(a) = Value::table(t);
                    protect!(gc_point(st, base.get() + a as usize + 1));
                }
                Op::SelfOp => {
                    let t = r!(i.b());
                    let key = rk!(i);
                    r!(a + 1) = t;
                    let found = match key.as_string() {
                        Some(s) => index_str(&st.heap, t, s),
                        None => Some(get_fast(t, key)).filter(|v| !v.is_nil()),
                    };
                    r!(a) = match found {
                        Some(v) => v,
                        None => {
                            protect!(meta::index(
                                st,
                                t,
                                key,
                                Src::Reg(base.get() + i.b() as usize)
                            )?)
                        }
                    };
                }
                Op::AddI => {
                    // Addition of numbers commutes: only the slow path minds which side
                    // the immediate was on (k: the left).
                    let v = r!(i.b());
                    let imm = i.sc() as i64;
                    let res = match v.tag() {
                        TAG_INT => Value::int(v.as_int_unchecked().wrapping_add(imm)),
                        TAG_FLOAT => Value::float(v.as_float_unchecked() + imm as f64),
                        _ => {
                            let m = Value::int(imm);
                            let sb = Src::Reg(base.get() + i.b() as usize);
                            if i.k() {
                                protect!(arith(st, ArithOp::Add, m, v, Src::None, sb)?)
                            } else {
                                protect!(arith(st, ArithOp::Add, v, m, sb, Src::None)?)
                            }
                        }
                    };
                    #[cfg(debug_assertions)]
                    if v.is_number() {
                        check_arith(st, ArithOp::Add, v, Value::int(imm), res);
                    }
                    r!(a) = res;
                }
                Op::AddK => arith_k!(i, a, ArithOp::Add),
                Op::SubK => arith_k!(i, a, ArithOp::Sub),
                Op::MulK => arith_k!(i, a, ArithOp::Mul),
                Op::ModK => arith_k!(i, a, ArithOp::Mod),
                Op::PowK => arith_k!(i, a, ArithOp::Pow),
                Op::DivK => arith_k!(i, a, ArithOp::Div),
                Op::IDivK => arith_k!(i, a, ArithOp::IDiv),
                Op::BAndK => arith_k!(i, a, ArithOp::BAnd),
                Op::BOrK => arith_k!(i, a, ArithOp::BOr),
                Op::BXorK => arith_k!(i, a, ArithOp::BXor),
                Op::ShrI => {
                    let imm = Value::int(i.sc() as i64);
                    arith_op!(
                        ArithOp::Shr,
                        r!(i.b()),
                        imm,
                        Src::Reg(base.get() + i.b() as usize),
                        Src::None,
                        a
                    );
                }
                Op::ShlI => {
                    let imm = Value::int(i.sc() as i64);
                    arith_op!(
                        ArithOp::Shl,
                        imm,
                        r!(i.b()),
                        Src::None,
                        Src::Reg(base.get() + i.b() as usize),
                        a
                    );
                }
                Op::Add => arith_rr!(i, a, ArithOp::Add),
                Op::Sub => arith_rr!(i, a, ArithOp::Sub),
                Op::Mul => arith_rr!(i, a, ArithOp::Mul),
                Op::Mod => arith_rr!(i, a, ArithOp::Mod),
                Op::Pow => arith_rr!(i, a, ArithOp::Pow),
                Op::Div => arith_rr!(i, a, ArithOp::Div),
                Op::IDiv => arith_rr!(i, a, ArithOp::IDiv),
                Op::BAnd => arith_rr!(i, a, ArithOp::BAnd),
                Op::BOr => arith_rr!(i, a, ArithOp::BOr),
                Op::BXor => arith_rr!(i, a, ArithOp::BXor),
                Op::Shl => arith_rr!(i, a, ArithOp::Shl),
                Op::Shr => arith_rr!(i, a, ArithOp::Shr),
                Op::Unm => {
                    let v = r!(i.b());
                    r!(a) = match v.tag() {
                        TAG_INT => Value::int(v.as_int_unchecked().wrapping_neg()),
                        TAG_FLOAT => Value::float(-v.as_float_unchecked()),
                        _ => {
                            let s = Src::Reg(base.get() + i.b() as usize);
                            protect!(arith(st, ArithOp::Unm, v, v, s, s)?)
                        }
                    };
                }
                Op::BNot => {
                    let v = r!(i.b());
                    r!(a) = match v.as_int() {
                        Some(n) => Value::int(!n),
                        None => {
                            let s = Src::Reg(base.get() + i.b() as usize);
                            protect!(arith(st, ArithOp::BNot, v, v, s, s)?)
                        }
                    };
                }
                Op::Not => r!(a) = Value::bool(r!(i.b()).falsy()),
                Op::Len => {
                    let v = r!(i.b());
                    r!(a) = match v.as_table() {
                        Some(t) if t.metatable.is_none() => Value::int(t.border() as i64),
                        _ => {
                            protect!(meta::len(st, v, Src::Reg(base.get() + i.b() as usize))?)
                        }
                    };
                }
                Op::Concat => {
                    let n = i.b() as usize;
                    save_pc!();
                    th.get_mut().top = base.get() + a as usize + n;
                    meta::concat(st, base.get() + a as usize, n)?;
                    th.get_mut().top = th.frames[fi.get()].top;
                    protect!(gc_point(st, base.get() + a as usize + 1));
                }
                Op::Close => {
                    let level = base.get() + a as usize;
                    close_upvals(st, level);
                    protect!(close_tbc(st, level, None)?);
                }
                Op::Tbc => {
                    protect!(new_tbc(st, base.get() + a as usize)?);
                }
                Op::Jmp => {
                    jmp!(i, true);
                }
                Op::IJmp => {
                    jmp!(i, false);
                }
                Op::Eq => {
                    let x = r!(a);
                    let y = r!(i.b());
                    let eq = if x.raw_eq(y) {
                        true
                    } else if x.tag() == y.tag() && (x.is_table() || x.tag() == TAG_USERDATA) {
                        protect!(meta::equals(st, x, y)?)
                    } else {
                        false
                    };
                    cond_jump!(eq, i);
                }
                Op::Lt => {
                    let (x, y) = (r!(a), r!(i.b()));
                    let res = if x.is_int() && y.is_int() {
                        x.as_int_unchecked() < y.as_int_unchecked()
                    } else if x.is_number() && y.is_number() {
                        meta::num_lt(x, y)
                    } else {
                        protect!(meta::less_than(st, x, y)?)
                    };
                    cond_jump!(res, i);
                }
                Op::Le => {
                    let (x, y) = (r!(a), r!(i.b()));
                    let res = if x.is_int() && y.is_int() {
                        x.as_int_unchecked() <= y.as_int_unchecked()
                    } else if x.is_number() && y.is_number() {
                        meta::num_le(x, y)
                    } else {
                        protect!(meta::less_equal(st, x, y)?)
                    };
                    cond_jump!(res, i);
                }
                Op::EqK => {
                    let eq = r!(a).raw_eq(kst!(i.b()));
                    cond_jump!(eq, i);
                }
                Op::EqI => {
                    let x = r!(a);
                    let imm = i.sb() as i64;
                    let eq = match x.tag() {
                        TAG_INT => x.as_int_unchecked() == imm,
                        TAG_FLOAT => x.as_float_unchecked() == imm as f64,
                        _ => false,
                    };
                    cond_jump!(eq, i);
                }
                Op::LtI => cmp_imm!(i, a, <, meta::less_than, false),
                Op::LeI => cmp_imm!(i, a, <=, meta::less_equal, false),
                Op::GtI => cmp_imm!(i, a, >, meta::less_than, true),
                Op::GeI => cmp_imm!(i, a, >=, meta::less_equal, true),
                Op::Test => {
                    cond_jump!(r!(a).truthy(), i);
                }
                Op::TestSet => {
                    let v = r!(i.b());
                    if v.truthy() != i.k() {
                        pc = pc.wrapping_add(1);
                    } else {
                        r!(a) = v;
                        take_jump!();
                    }
                }
                Op::Call => {
                    let func = base.get() + a as usize;
                    let b = i.b();
                    if b != 0 {
                        th.get_mut().top = func + b as usize;
                    }
                    let nres = i.c() as i32 - 1;
                    save_pc!();
                    let fval = r!(a);
                    let t = th.get_mut();
                    // SAFETY: `fi` is the running frame.
                    let caller = *unsafe { unchecked::frame(t, fi.get()) };
                    let native = fval.as_nclosure().filter(|nc| {
                        nc.kind == NativeKind::Plain
                            && t.hook.mask == 0
                            && t.top + MIN_STACK <= t.stack.len()
                    });
                    if let Some(nc) = native {
                        // The common Lua-to-Rust call, without precall/poscall.
                        let top = t.top + MIN_STACK;
                        t.frames
                            .push(Frame::native(func, top, nres, 0, caller.pdepth));
                        let n = (nc.f)(st)?;
                        if n == CALL_IN_PLACE || n == CALL_IN_PLACE_MAX3 {
                            // The native set up a call at its own slot: precall makes
                            // it, as it would have after calling the native itself.
                            th.get_mut().frames.pop();
                            let flags = if n == CALL_IN_PLACE { 0 } else { FRAME_MAX3 };
                            if precall(st, func, nres, flags)? {
                                next_frame!();
                            }
                        } else if th.hook.mask != 0 {
                            // The native set hooks: they see its return.
                            finish_native(st, n)?;
                        } else {
                            let t = th.get_mut();
                            t.frames.truncate(fi.get() + 1);
                            let first = t.top - n;
                            move_results(t, func, first, n, nres, caller.top);
                        }
                    } else if let Some(callee) = fval.as_lclosure() {
                        if push_lua_frame(t, callee.proto, func, nres, 0, caller.pdepth) {
                            // Enter the callee directly: its frame is the one just pushed
                            // and the stack did not move.
                            fi.set(fi.get() + 1);
                            cl.set(callee);
                            k.set(callee.proto.constants.as_ptr());
                            code.set(callee.proto.code.as_ptr());
                            base.set(func + 1);
                            basep = basep.wrapping_add(a as usize + 1);
                            pc = callee.proto.code.as_ptr();
                            continue;
                        }
                        if precall(st, func, nres, 0)? {
                            next_frame!();
                        }
                    } else if precall(st, func, nres, 0)? {
                        next_frame!();
                    }
                    let live = if nres < 0 {
                        th.top
                    } else {
                        func + nres as usize
                    };
                    gc_point(st, live);
                    reload_base!();
                }
                Op::TailCall => {
                    let func = base.get() + a as usize;
                    let b = i.b();
                    if b != 0 {
                        th.get_mut().top = func + b as usize;
                    }
                    save_pc!();
                    let fval = th.stack[func];
                    if fval.as_lclosure().is_none() {
                        // Natives (they run above this frame, as in PUC Lua, so errors
                        // still point here), pcall and friends, and __call objects: an
                        // ordinary call whose results the following Return passes on.
                        if precall(st, func, -1, 0)? {
                            next_frame!();
                        }
                        reload_base!();
                        continue;
                    }
                    close_upvals(st, base.get());
                    // Move the function and arguments down to the frame's own slot.
                    let t = th.get_mut();
                    let cur = t.frames[fi.get()];
                    let nargs = t.top - func;
                    let dst = cur.func;
                    for j in 0..nargs {
                        t.stack[dst + j] = t.stack[func + j];
                    }
                    t.top = dst + nargs;
                    t.frames.pop();
                    let flags =
                        (cur.flags & (FRAME_FRESH | FRAME_UNROLL | FRAME_MAX3)) | FRAME_TAIL;
                    precall(st, dst, cur.nresults, flags)?;
                    next_frame!();
                }
                Op::Return => {
                    let first = base.get() + a as usize;
                    let n = if i.b() == 0 {
                        th.top - first
                    } else {
                        i.b() as usize - 1
                    };
                    save_pc!();
                    if i.k() || !th.open_upvals.is_empty() || !th.tbc.is_empty() {
                        let t = th.get_mut();
                        if t.top < first + n {
                            t.top = first + n;
                        }
                        close_upvals(st, base.get());
                        close_tbc(st, base.get(), None)?;
                    }
                    if return_to_lua(th.get_mut(), fi.get(), first, n) {
                        enter_frame!(fi.get() - 1);
                        continue;
                    }
                    if return_values(st, first, n)? {
                        return Ok(());
                    }
                    next_frame!();
                }
                Op::Return0 => {
                    // Verified code has no open upvalues here (the function's registers
                    // are not captured).
                    debug_assert!(!has_open_upvals(st, base.get()));
                    if return_to_lua(th.get_mut(), fi.get(), base.get(), 0) {
                        enter_frame!(fi.get() - 1);
                        continue;
                    }
                    save_pc!();
                    if return_values(st, base.get(), 0)? {
                        return Ok(());
                    }
                    next_frame!();
                }
                Op::Return1 => {
                    // Verified code has no open upvalues here (the function's registers
                    // are not captured).
                    debug_assert!(!has_open_upvals(st, base.get()));
                    if return_to_lua(th.get_mut(), fi.get(), base.get() + a as usize, 1) {
                        enter_frame!(fi.get() - 1);
                        continue;
                    }
                    save_pc!();
                    if return_values(st, base.get() + a as usize, 1)? {
                        return Ok(());
                    }
                    next_frame!();
                }
                Op::ForLoop => {
                    for_loop!(i, a, true);
                }
                Op::IForLoop => {
                    for_loop!(i, a, false);
                }
                Op::ForPrep => {
                    if protect!(for_prep(st, base.get() + a as usize)?) {
                        pc = pc.wrapping_add(i.bx() as usize + 1);
                    }
                }
                Op::TForPrep => {
                    protect!(new_tbc(st, base.get() + a as usize + 3)?);
                    pc = pc.wrapping_add(i.bx() as usize);
                }
                Op::TForCall => {
                    let ra = base.get() + a as usize;
                    let t = th.get_mut();
                    t.stack[ra + 4] = t.stack[ra];
                    t.stack[ra + 5] = t.stack[ra + 1];
                    t.stack[ra + 6] = t.stack[ra + 2];
                    t.top = ra + 7;
                    save_pc!();
                    if precall(st, ra + 4, i.c() as i32, 0)? {
                        next_frame!();
                    }
                    gc_point(st, ra + 4 + i.c() as usize);
                    reload_base!();
                }
                Op::TForLoop => {
                    tfor_loop!(i, a, true);
                }
                Op::ITForLoop => {
                    tfor_loop!(i, a, false);
                }
                Op::SetList => {
                    let ra = base.get() + a as usize;
                    let n = if i.b() == 0 {
                        th.top - ra - 1
                    } else {
                        i.b() as usize
                    };
                    let mut last = i.c() as usize;
                    if i.k() {
                        last += fetch!().ax_arg() as usize * (MAX_C as usize + 1);
                        pc = pc.wrapping_add(1);
                    }
                    // Only debug.setlocal can put a non-table here.
                    let Some(t) = th.stack[ra].as_table() else {
                        save_pc!();
                        return Err(rt_error(st, "table constructor target is not a table"));
                    };
                    st.heap.write_table(t, |tm| {
                        if last == tm.array_len() {
                            tm.reserve_array(last + n);
                        }
                        for j in 1..=n {
                            tm.set_int((last + j) as i64, th.stack[ra + j]);
                        }
                    });
                    th.get_mut().top = th.frames[fi.get()].top;
                }
                Op::Closure => {
                    let p = cl.get().proto.protos[i.bx() as usize];
                    let ncl = new_closure(st, cl.get(), p, base.get());
                    r!(a) = Value::lclosure(ncl);
                    protect!(gc_point(st, base.get() + a as usize + 1));
                }
                Op::VarArg => {
                    let nextra = th.frames[fi.get()].nvarargs as usize;
                    let want = i.c() as i32 - 1;
                    let n = if want < 0 { nextra } else { want as usize };
                    let src = base.get() - 1 - nextra;
                    let dst = base.get() + a as usize;
                    if want < 0 {
                        let t = th.get_mut();
                        if !t.ensure_abs(dst + n + 1) {
                            save_pc!();
                            return Err(super::call::stack_overflow(st));
                        }
                    }
                    let t = th.get_mut();
                    let m = n.min(nextra);
                    t.stack.copy_within(src..src + m, dst);
                    t.stack[dst + m..dst + n].fill(Value::NIL);
                    if want < 0 {
                        t.top = dst + n;
                        reload_base!();
                    }
                }
                Op::VarArgPrep => {}
                Op::ExtraArg => {}
            }
        }
    }
}

/// The common call of a Lua function, without `precall`'s generality: a callee with
/// fixed parameters, room on the stack, no hooks. Pushes its frame with `flags`
/// (arguments at `func + 1` up to `top`) and returns true, or returns false and changes
/// nothing.
#[inline(always)]
pub(crate) fn push_lua_frame(
    t: &mut Thread,
    p: Gc<Proto>,
    func: usize,
    nresults: i32,
    flags: u16,
    pdepth: u16,
) -> bool {
    let base = func + 1;
    let top = base + p.max_stack as usize;
    if p.is_vararg
        || t.hook.mask != 0
        || top > t.stack.len()
        || t.top + p.max_stack as usize > MAX_STACK
    {
        return false;
    }
    for j in t.top..base + p.num_params as usize {
        t.stack[j] = Value::NIL;
    }
    t.frames
        .push(Frame::lua(func, base, top, nresults, 0, flags, pdepth));
    t.top = top;
    true
}

/// A closure of `p` made by `parent`'s frame at `base`: its upvalues are open upvalues
/// of that frame's registers or upvalues of `parent`. Out of line, where its buffer
/// does not crowd the loop's registers.
#[inline(never)]
fn new_closure(
    st: &mut State,
    parent: Gc<LuaClosure>,
    p: Gc<Proto>,
    base: usize,
) -> Gc<LuaClosure> {
    let mut upval = |j: usize| {
        let u = &p.upvals[j];
        if u.in_stack {
            find_upval(st, base + u.index as usize)
        } else {
            parent.upvals()[u.index as usize]
        }
    };
    let n = p.upvals.len();
    if n == 0 {
        return st.heap.alloc_tail(LuaClosure::new(p, 0), &[]);
    }
    // Most closures have a few upvalues: gather them on the stack.
    let first = upval(0);
    let mut few = [first; 8];
    let mut many = Vec::new();
    let ups: &[Gc<UpVal>] = if n <= few.len() {
        for (j, slot) in few.iter_mut().enumerate().take(n).skip(1) {
            *slot = upval(j);
        }
        &few[..n]
    } else {
        many.push(first);
        many.extend((1..n).map(upval));
        &many
    };
    st.heap.alloc_tail(LuaClosure::new(p, n), ups)
}

/// Moves `n` results at `first` to `dest` for a Lua caller whose registers end at
/// `caller_top`, adjusted to `wanted` (-1: all of them, `top` then marks their end).
#[inline(always)]
fn move_results(
    t: &mut Thread,
    dest: usize,
    first: usize,
    n: usize,
    wanted: i32,
    caller_top: usize,
) {
    if wanted == n as i32 && n == 1 {
        t.stack[dest] = t.stack[first];
    } else {
        let count = if wanted < 0 { n } else { wanted as usize };
        for j in 0..count {
            t.stack[dest + j] = if j < n {
                t.stack[first + j]
            } else {
                Value::NIL
            };
        }
    }
    t.top = if wanted < 0 { dest + n } else { caller_top };
}

/// Whether frame registers from `base` up are captured by open upvalues.
#[inline(always)]
fn has_open_upvals(st: &State, base: usize) -> bool {
    st.thread
        .open_upvals
        .last()
        .is_some_and(|u| u.index() >= base)
}

/// The common return, without `poscall`/`settle`'s generality: the running Lua frame
/// `fi`, plain, returning `n` values at `first` into a Lua caller, no hooks. Pops it and
/// returns true, or returns false (and changes nothing) for anything else.
#[inline(always)]
fn return_to_lua(t: &mut Thread, fi: usize, first: usize, n: usize) -> bool {
    // SAFETY: `fi` is the running frame.
    let fr = *unsafe { unchecked::frame(t, fi) };
    if fr.flags & !(FRAME_LUA | FRAME_TAIL) != 0 || t.hook.mask != 0 {
        return false;
    }
    // SAFETY: a frame that is neither FRESH nor UNROLL always has a caller below it.
    let caller = *unsafe { unchecked::frame(t, fi - 1) };
    if !caller.is_lua() {
        return false;
    }
    if n == 1 && fr.nresults == 1 {
        // SAFETY: `first` is a register of the running frame, `fr.func` the slot below
        // its base.
        unsafe { unchecked::copy_slot(t, first, fr.func) };
        t.top = caller.top;
    } else {
        move_results(t, fr.func, first, n, fr.nresults, caller.top);
    }
    // SAFETY: `fi` is the running frame.
    unsafe { unchecked::pop_frames(t, fi) };
    true
}

/// The common return to Rust (`call_at_top`), without `poscall`/`settle`'s generality:
/// the running Lua frame (the top one), FRESH, returning `n` values at `first`, no
/// fewer than its caller wants (nil padding may need stack), no hooks. Pops it and
/// returns true, or returns false (and changes nothing) for anything else.
#[inline(always)]
fn return_from_fresh(t: &mut Thread, first: usize, n: usize) -> bool {
    let Some(&fr) = t.frames.last() else {
        return false;
    };
    let count = if fr.nresults < 0 {
        n
    } else {
        fr.nresults as usize
    };
    if fr.flags & !FRAME_TAIL != FRAME_LUA | FRAME_FRESH || t.hook.mask != 0 || count > n {
        return false;
    }
    // A FRESH frame's results end the stack in use.
    move_results(t, fr.func, first, n, fr.nresults, fr.func + count);
    t.frames.pop();
    true
}

/// Returns the `n` values at `first` from the running frame (return hook, results,
/// pending protected frames); true when a FRESH frame returned, so `run` must return.
/// Out of line: code added to `run` moves its register allocation around.
#[inline(never)]
fn return_values(st: &mut State, first: usize, n: usize) -> LuaResult<bool> {
    if return_from_fresh(st.thread.get_mut(), first, n) {
        return Ok(true);
    }
    if st.thread.hook.mask & HOOK_RET != 0 {
        hook::return_event(st, first, n)?;
    }
    let flags = poscall(st, first, n);
    hook::after_return(st);
    Ok(settle(st, flags)? & FRAME_FRESH != 0)
}

/// Finishes the instruction of the (now top) Lua frame that was interrupted by a
/// metamethod call which yielded; the metamethod's result is the top stack value.
pub(crate) fn finish_op(st: &mut State) -> LuaResult<()> {
    let th = st.thread;
    let fi = th.frames.len() - 1;
    let fr = th.frames[fi];
    let cl = th.stack[fr.base - 1]
        .as_lclosure()
        .expect("unroll into a non-Lua frame");
    let i = Instr(cl.proto.code.at(fr.pc as usize - 1));
    let res = th.stack[th.top - 1];
    let a = fr.base + i.a() as usize;
    match i.op() {
        op if op.is_arith()
            || matches!(
                op,
                Op::GetTabUp | Op::GetTable | Op::GetI | Op::GetField | Op::SelfOp | Op::Len
            ) =>
        {
            th.get_mut().stack[a] = res;
        }
        Op::Eq | Op::Lt | Op::Le | Op::LtI | Op::LeI | Op::GtI | Op::GeI | Op::EqK | Op::EqI
            if res.truthy() != i.k() =>
        {
            th.get_mut().frames[fi].pc += 1;
        }
        Op::Concat => {
            // The metamethod ran at the end of the pending operands: its result replaces
            // the last two of them; concatenate what is left.
            let func = th.top - 1;
            th.get_mut().stack[func - 2] = res;
            let n = func - 1 - a;
            th.get_mut().top = func - 1;
            if n > 1 {
                meta::concat(st, a, n)?;
            }
        }
        Op::Close => {
            // Closing continues with the remaining to-be-closed variables.
            th.get_mut().frames[fi].pc -= 1;
        }
        Op::Return => {
            // Re-run the return to close the remaining variables. Its results are
            // intact; `top` goes back to where it was before close_tbc pushed the
            // error copy and the handler (the open end of a `return f()` list).
            let t = th.get_mut();
            t.frames[fi].pc -= 1;
            t.top -= 2;
            return Ok(());
        }
        _ => {}
    }
    th.get_mut().top = fr.top;
    Ok(())
}

/// `t[s]` through tables only: the raw value, or what following `__index` tables finds.
/// None when the chain reaches something else (an `__index` function, a non-table), for
/// `meta::index` to handle.
#[inline(always)]
fn index_str(heap: &Heap, t: Value, s: Gc<LuaStr>) -> Option<Value> {
    let mut tab = t.as_table()?;
    // Longer chains are left to meta::index, which also reports loops.
    for _ in 0..100 {
        let v = tab.get_str(s);
        if !v.is_nil() {
            return Some(v);
        }
        let Some(mt) = tab.metatable else {
            return Some(Value::NIL);
        };
        let tm = fast_tm(heap, mt, Tm::Index);
        if tm.is_nil() {
            return Some(Value::NIL);
        }
        tab = tm.as_table()?;
    }
    None
}

/// `t[i] = v` into the array part of a table: done (true) unless the slot is missing, or
/// empty with a metatable that may hold `__newindex`.
#[inline(always)]
fn set_array(heap: &mut Heap, t: Value, i: i64, v: Value) -> bool {
    let Some(tab) = t.as_table() else {
        return false;
    };
    let no_mt = tab.metatable.is_none();
    match heap.write(tab).array_slot(i) {
        Some(slot) if no_mt || !slot.is_nil() => {
            *slot = v;
            true
        }
        _ => false,
    }
}

/// Raw get when `t` is a table, else nil (the caller falls back to `meta::index`).
#[inline]
fn get_fast(t: Value, key: Value) -> Value {
    match t.as_table() {
        Some(tab) if key.is_int() => {
            let v = tab.get_int(key.as_int_unchecked());
            debug_assert!(same_bits(v, tab.get(key)), "array fast path disagrees");
            v
        }
        Some(tab) => tab.get(key),
        None => Value::NIL,
    }
}

/// Identical values, bit for bit (NaN included).
fn same_bits(a: Value, b: Value) -> bool {
    a.tag() == b.tag() && a.payload() == b.payload()
}

/// Dual-path check for debug builds: an arithmetic result of the interpreter's inline
/// fast paths equals what the generic path (`meta::raw_arith`) computes.
#[cfg(debug_assertions)]
fn check_arith(st: &mut State, op: ArithOp, a: Value, b: Value, fast: Value) {
    if let Ok(Some(slow)) = meta::raw_arith(st, op, a, b) {
        assert!(
            same_bits(fast, slow),
            "fast path {op:?} disagrees with the generic path on {a:?}, {b:?}"
        );
    }
}

/// `t[key] = v` past the inline fast paths: raw store when `t` is a table whose entry
/// exists or that has no `__newindex`; else the full path.
#[inline(never)]
fn set_fast(st: &mut State, t: Value, key: Value, v: Value, src: Src) -> LuaResult<()> {
    if let Some(tab) = t.as_table() {
        if key.is_int() && tab.metatable.is_none() {
            // Mostly an append just past the array part: straight to `set_int`, which
            // `raw_set`'s key dispatch does not inline.
            st.heap
                .write_table(tab, |tm| tm.set_int(key.as_int_unchecked(), v));
            return Ok(());
        }
        let ok = match tab.metatable {
            None => true,
            Some(mt) => fast_tm(&st.heap, mt, Tm::NewIndex).is_nil() || !tab.get(key).is_nil(),
        };
        if ok {
            return meta::raw_set(st, tab, key, v);
        }
    }
    meta::set_index(st, t, key, v, src)
}

/// Prepares a numeric for loop at `ra` (init, limit, step, control); returns true when
/// the loop must be skipped.
fn for_prep(st: &mut State, ra: usize) -> LuaResult<bool> {
    let th = st.thread;
    let init = th.stack[ra];
    let limit = th.stack[ra + 1];
    let step = th.stack[ra + 2];
    if init.is_int() && step.is_int() {
        let i0 = init.as_int_unchecked();
        let s = step.as_int_unchecked();
        if s == 0 {
            return Err(rt_error(st, "'for' step is zero"));
        }
        let (lim, skip) = for_limit(st, i0, limit, s)?;
        if skip {
            return Ok(true);
        }
        let count = if s > 0 {
            let c = (lim as u64).wrapping_sub(i0 as u64);
            if s != 1 {
                c / s as u64
            } else {
                c
            }
        } else {
            let c = (i0 as u64).wrapping_sub(lim as u64);
            c / ((-(s + 1)) as u64 + 1)
        };
        let t = th.get_mut();
        t.stack[ra + 1] = Value::int(count as i64);
        t.stack[ra + 3] = init;
        return Ok(false);
    }
    let fl = match to_float_strict(limit) {
        Some(f) => f,
        None => return Err(for_error(st, limit, "limit")),
    };
    let fs = match to_float_strict(step) {
        Some(f) => f,
        None => return Err(for_error(st, step, "step")),
    };
    let fi = match to_float_strict(init) {
        Some(f) => f,
        None => return Err(for_error(st, init, "initial value")),
    };
    if fs == 0.0 {
        return Err(rt_error(st, "'for' step is zero"));
    }
    if if fs > 0.0 { fl < fi } else { fi < fl } {
        return Ok(true);
    }
    let t = th.get_mut();
    t.stack[ra] = Value::float(fi);
    t.stack[ra + 1] = Value::float(fl);
    t.stack[ra + 2] = Value::float(fs);
    t.stack[ra + 3] = Value::float(fi);
    Ok(false)
}

fn for_error(st: &mut State, v: Value, what: &str) -> ferrous_runtime::Throw {
    let t = st.type_name_mt(v);
    rt_error(
        st,
        &format!("bad 'for' {} (number expected, got {})", what, t),
    )
}

/// A loop bound as a float (numeric strings are converted, as in PUC Lua).
fn to_float_strict(v: Value) -> Option<f64> {
    to_number(v)?.as_number_f64()
}

/// The integer limit of an integer loop, and whether the loop is skipped.
fn for_limit(st: &mut State, init: i64, limit: Value, step: i64) -> LuaResult<(i64, bool)> {
    let Some(limit) = to_number(limit) else {
        return Err(for_error(st, limit, "limit"));
    };
    let lim = match limit.tag() {
        TAG_INT => limit.as_int_unchecked(),
        TAG_FLOAT => {
            let f = limit.as_float_unchecked();
            let fl = if step < 0 { f.ceil() } else { f.floor() };
            // Out of the integers' range, as PUC Lua decides: above it if positive,
            // else (NaN too) below it.
            if fl >= 9223372036854775808.0 {
                if step < 0 {
                    return Ok((0, true));
                }
                i64::MAX
            } else if fl < -9223372036854775808.0 || fl.is_nan() {
                if step > 0 {
                    return Ok((0, true));
                }
                i64::MIN
            } else {
                fl as i64
            }
        }
        _ => return Err(for_error(st, limit, "limit")),
    };
    let skip = if step > 0 { init > lim } else { init < lim };
    Ok((lim, skip))
}
