//! Debug hooks (`debug.sethook`): call, return, line and count events.
//!
//! The interpreter tests one byte (`Thread::hook.mask`) per instruction and per call;
//! everything else happens here, only when a hook is set. A hook runs with hooks
//! disabled, cannot yield, and sees the hooked function at level 2 of `debug.getinfo`.

use super::call::call_at_top;
use crate::bytecode::{Instr, Op};
use ferrous_runtime::function::Proto;
use ferrous_runtime::thread::{FRAME_HOOKED, HOOK_COUNT, HOOK_LINE, HOOK_RECORD};
use ferrous_runtime::{Gc, LuaResult, State, Value};

/// Calls the hook function with `(event, line)`, above everything live on the stack.
pub fn call_hook(st: &mut State, event: &str, line: Option<i64>) -> LuaResult<()> {
    let th = st.thread;
    let f = th.hook.func;
    if !th.hook.allowed || f.is_nil() {
        return Ok(());
    }
    let saved = th.top;
    let mut pos = saved;
    if let Some(fr) = th.frames.last() {
        pos = pos.max(fr.top);
    }
    let t = th.get_mut();
    if !t.ensure_abs(pos + 3 + ferrous_runtime::thread::MIN_STACK) {
        return Ok(());
    }
    t.top = pos;
    t.hook.allowed = false;
    t.nny += 1;
    let ev = st.str_value(event.as_bytes());
    let t = th.get_mut();
    t.push(f);
    t.push(ev);
    t.push(line.map_or(Value::NIL, Value::int));
    let hooked = t.frames.len().checked_sub(1);
    if let Some(i) = hooked {
        t.frames[i].flags |= FRAME_HOOKED;
    }
    let r = call_at_top(st, pos, 0);
    let t = th.get_mut();
    if let Some(i) = hooked {
        if let Some(fr) = t.frames.get_mut(i) {
            fr.flags &= !FRAME_HOOKED;
        }
    }
    t.nny -= 1;
    t.hook.allowed = true;
    t.top = saved;
    r
}

/// Before the instruction at `pc` of the running Lua frame: the JIT's recording, and
/// line and count events. The frame's saved pc must already point past `pc`. Out of
/// line and cold, so that the interpreter's hook check costs it one test per
/// instruction.
#[cold]
#[inline(never)]
pub fn trace_exec(st: &mut State, p: Gc<Proto>, pc: usize) -> LuaResult<()> {
    let th = st.thread;
    if th.hook.mask & HOOK_RECORD != 0 {
        // The JIT sees the instruction first (see `vm::hot`).
        super::hot::record(st, p, pc as u32);
    }
    let mask = th.hook.mask;
    if mask & (HOOK_LINE | HOOK_COUNT) == 0 {
        return Ok(());
    }
    let (code, line_info) = (&p.code, &p.line_info);
    if !th.hook.allowed {
        return Ok(());
    }
    // Hooks of a vararg function start after its VarArgPrep.
    if Instr(code.at(pc)).op() == Op::VarArgPrep {
        th.get_mut().hook.old_pc = 1;
        return Ok(());
    }
    if mask & HOOK_COUNT != 0 {
        let h = &mut th.get_mut().hook;
        h.counter = h.counter.saturating_sub(1);
        if h.counter == 0 {
            h.counter = h.base_count;
            call_hook(st, "count", None)?;
        }
    }
    if mask & HOOK_LINE != 0 {
        let old = th.hook.old_pc as usize;
        let old = if old < code.len() { old } else { 0 };
        if line_info.is_empty() {
            // Stripped code: one event with no line when the function starts (or jumps
            // back), as PUC Lua.
            if pc <= old {
                call_hook(st, "line", None)?;
            }
        } else {
            let line_of = |i: usize| line_info.get(i).copied().unwrap_or(0);
            if pc <= old || line_of(old) != line_of(pc) {
                call_hook(st, "line", Some(line_of(pc) as i64))?;
            }
        }
        th.get_mut().hook.old_pc = pc as u32;
    }
    Ok(())
}

/// After a return into a Lua frame: the next line event compares with the call's line.
#[inline]
pub fn after_return(st: &mut State) {
    let th = st.thread;
    if th.hook.mask & HOOK_LINE != 0 {
        if let Some(fr) = th.frames.last() {
            if fr.is_lua() {
                th.get_mut().hook.old_pc = fr.pc.saturating_sub(1);
            }
        }
    }
}

/// The call event for the frame just pushed (its parameters are the transferred values).
pub fn call_event(st: &mut State, tail: bool) -> LuaResult<()> {
    let th = st.thread;
    if !th.hook.allowed {
        return Ok(());
    }
    let fr = *th.frames.last().unwrap();
    let n = match th.stack[fr.base - 1].as_lclosure() {
        Some(cl) if fr.is_lua() => cl.proto.num_params as usize,
        _ => th.top - fr.base,
    };
    let h = &mut th.get_mut().hook;
    h.old_pc = 0;
    h.transfer = (1, n as u32);
    let r = call_hook(st, if tail { "tail call" } else { "call" }, None);
    th.get_mut().hook.transfer = (0, 0);
    r
}

/// The return event of the top frame, returning the `n` values at stack index `first`.
pub fn return_event(st: &mut State, first: usize, n: usize) -> LuaResult<()> {
    let th = st.thread;
    if !th.hook.allowed {
        return Ok(());
    }
    let base = th.frames.last().unwrap().base;
    th.get_mut().hook.transfer = ((first + 1).saturating_sub(base) as u32, n as u32);
    let r = call_hook(st, "return", None);
    th.get_mut().hook.transfer = (0, 0);
    r
}
