//! Calls and returns, protected calls, upvalue closing and to-be-closed variables.
//!
//! Lua-to-Lua calls push a frame and let the interpreter loop continue (no Rust
//! recursion). A call from Rust (`call_at_top`) marks its frame FRESH and runs a nested
//! loop until that frame returns. `pcall`/`xpcall` are not ordinary natives: the call
//! machinery gives them a frame flagged PCALL/XPCALL with no Rust activation behind it
//! and runs the callee above it; when the callee returns, `settle` completes the
//! protected frame (`true, results...`), and an error unwinds to the nearest such frame
//! (`finish_error`). So a coroutine can yield inside any nesting of protected calls.

use super::exec::{push_lua_frame, run};
use super::meta::{call_meta_at, rt_error};
use ferrous_runtime::function::{NativeKind, UpVal};
use ferrous_runtime::state::{CALL_IN_PLACE, CALL_IN_PLACE_MAX3};
use ferrous_runtime::thread::*;
use ferrous_runtime::{LuaResult, State, Throw, Tm, Value};

/// Nested Rust-level calls allowed before "C stack overflow" (PUC's LUAI_MAXCCALLS).
pub const MAX_C_CALLS: u32 = 200;

/// Runs `f`, first moving to a fresh native stack segment when less than a red zone is
/// left: nested calls into Lua (metamethods, library callbacks, coroutines) recurse on
/// the Rust stack, and the host's thread may have a small one. With this, the
/// MAX_C_CALLS limit is reached as a Lua error whatever the host's stack size.
#[inline]
pub fn with_native_stack<R>(f: impl FnOnce() -> R) -> R {
    const RED_ZONE: usize = 256 * 1024;
    const SEGMENT: usize = 4 * 1024 * 1024;
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

/// Calls the function at stack index `func` with the values above it up to `top`. Pushes
/// a frame; for natives also runs them and completes the return. Returns true when a Lua
/// frame was pushed and the interpreter must run it.
pub fn precall(st: &mut State, func: usize, nresults: i32, mut flags: u16) -> LuaResult<bool> {
    let th = st.thread;
    let mut fval = th.stack[func];
    let mut depth = 0;
    loop {
        if let Some(cl) = fval.as_lclosure() {
            let p = cl.proto;
            let t = th.get_mut();
            let pdepth = t.frames.last().map_or(0, |f| f.pdepth);
            // The common case: fixed parameters, room on the stack, no hooks.
            if push_lua_frame(t, p, func, nresults, flags, pdepth) {
                return Ok(true);
            }
            let nargs = t.top - func - 1;
            let np = p.num_params as usize;
            let max = p.max_stack as usize;
            // Past MAX_STACK only a message handler may run (to report the overflow).
            let limit = if st.in_error_handler > 0 {
                MAX_STACK + ERROR_STACK_EXTRA / 2
            } else {
                MAX_STACK
            };
            if t.top + max > limit || !t.ensure_abs(t.top + max + np + 2) {
                return Err(stack_overflow(st));
            }
            let t = th.get_mut();
            let (base, nvarargs) = if p.is_vararg {
                let nextra = nargs.saturating_sub(np);
                let newfunc = t.top;
                t.stack[newfunc] = fval;
                for i in 0..np {
                    t.stack[newfunc + 1 + i] = if i < nargs {
                        t.stack[func + 1 + i]
                    } else {
                        Value::NIL
                    };
                }
                (newfunc + 1, nextra as u32)
            } else {
                for i in nargs..np {
                    t.stack[func + 1 + i] = Value::NIL;
                }
                (func + 1, 0)
            };
            let top = base + max;
            t.frames.push(Frame::lua(
                func, base, top, nresults, nvarargs, flags, pdepth,
            ));
            t.top = top;
            if th.hook.mask & HOOK_CALL != 0 {
                super::hook::call_event(st, flags & FRAME_TAIL != 0)?;
            }
            return Ok(true);
        }
        if let Some(nc) = fval.as_nclosure() {
            match nc.kind {
                NativeKind::Plain => {}
                NativeKind::Pcall => return precall_pcall(st, func, nresults, flags, false),
                NativeKind::Xpcall => return precall_pcall(st, func, nresults, flags, true),
            }
            let t = th.get_mut();
            if !t.ensure(MIN_STACK) {
                return Err(stack_overflow(st));
            }
            let top = t.top + MIN_STACK;
            let pdepth = t.frames.last().map_or(0, |f| f.pdepth);
            t.frames
                .push(Frame::native(func, top, nresults, flags, pdepth));
            if th.hook.mask & HOOK_CALL != 0 {
                super::hook::call_event(st, false)?;
            }
            let n = (nc.f)(st)?;
            if n == CALL_IN_PLACE || n == CALL_IN_PLACE_MAX3 {
                // The native set up a call at its own slot: make it instead (so what it
                // calls may yield, as with PUC's continuations).
                if n == CALL_IN_PLACE_MAX3 {
                    flags |= FRAME_MAX3;
                }
                th.get_mut().frames.pop();
                fval = th.stack[func];
                continue;
            }
            finish_native(st, n)?;
            return Ok(false);
        }
        // Not a function: try __call, inserting the object as first argument.
        let tm = st.metamethod(fval, Tm::Call);
        if tm.is_nil() || depth >= 100 {
            let t = st.type_name_mt(fval);
            let mut m = format!("attempt to call a {} value", t).into_bytes();
            m.extend(super::debuginfo::callinfo(st, func));
            return Err(super::meta::rt_error_bytes(st, &m));
        }
        depth += 1;
        let t = th.get_mut();
        if !t.ensure(1) {
            return Err(stack_overflow(st));
        }
        let t = th.get_mut();
        for i in (func..t.top).rev() {
            t.stack[i + 1] = t.stack[i];
        }
        t.top += 1;
        t.stack[func] = tm;
        fval = tm;
    }
}

pub fn stack_overflow(st: &mut State) -> Throw {
    rt_error(st, "stack overflow")
}

/// `pcall(f, ...)` / `xpcall(f, h, ...)` at `func`: pushes the protected frame, then
/// calls the callee above it (for xpcall the handler sits between them).
fn precall_pcall(
    st: &mut State,
    func: usize,
    nresults: i32,
    flags: u16,
    x: bool,
) -> LuaResult<bool> {
    let th = st.thread;
    let nargs = th.top - func - 1;
    let pflag = if x { FRAME_XPCALL } else { FRAME_PCALL };
    let pdepth = th.frames.last().map_or(0, |f| f.pdepth) + 1;
    let t = th.get_mut();
    let top = t.top + MIN_STACK;
    t.frames
        .push(Frame::native(func, top, nresults, flags | pflag, pdepth));
    if nargs == 0 || (x && nargs < 2) {
        // Fails like a native with a bad argument (the frame stands for pcall itself).
        th.get_mut().frames.last_mut().unwrap().flags = flags;
        return Err(st.arg_error(if x && nargs == 1 { 2 } else { 1 }, "value expected"));
    }
    let idx = th.frames.len() - 1;
    if x {
        // func: xpcall, func+1: f, func+2: handler  ->  func+1: handler, func+2: f
        th.get_mut().stack.swap(func + 1, func + 2);
    }
    let callee = if x { func + 2 } else { func + 1 };
    let callee_v = th.stack[callee];
    if pdepth as u32 + th.ncalls >= MAX_C_CALLS {
        // Raised inside pcall (a native): no position.
        let e = st.error_value("C stack overflow");
        let Throw::Error(e) = e else { unreachable!() };
        finish_error(st, idx, e)?;
        return Ok(false);
    }
    if !callee_v.is_function() && st.metamethod(callee_v, Tm::Call).is_nil() {
        let m = format!("attempt to call a {} value", st.type_name_mt(callee_v));
        let e = st.str_value(m.as_bytes());
        finish_error(st, idx, e)?;
        return Ok(false);
    }
    match precall(st, callee, -1, 0) {
        Ok(true) => Ok(true),
        Ok(false) => {
            // A native callee returned into the protected frame: complete it.
            complete_protected(st);
            Ok(false)
        }
        Err(Throw::Error(e)) => {
            finish_error(st, idx, e)?;
            Ok(false)
        }
        Err(y) => Err(y),
    }
}

/// Completes the protected frame on top whose callee has returned (results from the
/// callee's slot to `top`): returns `true, results...`. Returns the frame's flags.
fn complete_protected(st: &mut State) -> u16 {
    let th = st.thread;
    let fr = *th.frames.last().unwrap();
    let first = if fr.flags & FRAME_XPCALL != 0 {
        fr.func + 1
    } else {
        fr.func
    };
    let t = th.get_mut();
    t.stack[first] = Value::TRUE;
    let n = t.top - first;
    poscall(st, first, n)
}

/// After a frame returned with `flags`: completes protected frames waiting on top and
/// finishes an instruction interrupted by a yield, until control is back in a Lua frame
/// (or at a FRESH boundary, whose flags are returned).
pub fn settle(st: &mut State, mut flags: u16) -> LuaResult<u16> {
    loop {
        if flags & FRAME_FRESH != 0 {
            return Ok(flags);
        }
        if flags & FRAME_UNROLL != 0 {
            if st.thread.frames.last().unwrap().flags & FRAME_CLOSING != 0 {
                // A `__close` run by a protected frame after an error yielded.
                flags = finish_closing(st)?;
                continue;
            }
            super::exec::finish_op(st)?;
            return Ok(0);
        }
        match st.thread.frames.last() {
            Some(f) if !f.is_lua() && f.flags & (FRAME_PCALL | FRAME_XPCALL) != 0 => {
                flags = complete_protected(st);
            }
            _ => return Ok(flags),
        }
    }
}

/// Returns from the running native frame, whose `n` results are at the top (return hook
/// included).
pub(crate) fn finish_native(st: &mut State, n: usize) -> LuaResult<()> {
    let th = st.thread;
    if th.hook.mask & HOOK_RET != 0 {
        let top = th.top;
        super::hook::return_event(st, top - n, n)?;
    }
    let first = th.top - n;
    poscall(st, first, n);
    if th.hook.mask != 0 {
        super::hook::after_return(st);
    }
    Ok(())
}

/// Completes a return: moves the `n` results at `first` to the frame's destination,
/// pops the frame and returns its flags.
pub fn poscall(st: &mut State, first: usize, n: usize) -> u16 {
    let th = st.thread;
    let t = th.get_mut();
    let fr = t.frames.pop().expect("poscall without frame");
    let wanted = fr.nresults;
    let dest = fr.func;
    let n = if fr.flags & FRAME_MAX3 != 0 {
        n.min(3)
    } else {
        n
    };
    let count = if wanted < 0 { n } else { wanted as usize };
    if count > n {
        t.ensure_abs(dest + count + 1);
    }
    for i in 0..count.min(n) {
        t.stack[dest + i] = t.stack[first + i];
    }
    for i in n..count {
        t.stack[dest + i] = Value::NIL;
    }
    t.top = dest + count;
    if wanted >= 0 && fr.flags & (FRAME_FRESH | FRAME_UNROLL) == 0 {
        if let Some(caller) = t.frames.last() {
            if caller.is_lua() {
                t.top = caller.top;
            }
        }
    }
    fr.flags
}

/// Calls the function at `func` (arguments above it up to `top`) from Rust and waits for
/// it. Results replace the function: `nresults` of them, or all for -1 (then `top` marks
/// their end).
pub fn call_at_top(st: &mut State, func: usize, nresults: i32) -> LuaResult<()> {
    let th = st.thread;
    if th.ncalls >= MAX_C_CALLS {
        if th.ncalls >= MAX_C_CALLS + MAX_C_CALLS / 10 {
            return Err(st.error_value("error in error handling"));
        }
        th.get_mut().ncalls += 1;
        let e = rt_error(st, "C stack overflow");
        th.get_mut().ncalls -= 1;
        return Err(e);
    }
    let t = th.get_mut();
    // Called by the interpreter for a metamethod: a yield may unwind this Rust call (the
    // interpreter finishes the instruction on resume, see FRAME_UNROLL), as it may for a
    // `__close` run by a protected frame after an error. Called by a native: the native
    // cannot be resumed, so the callee may not yield.
    let yieldable = t
        .frames
        .last()
        .is_some_and(|f| f.is_lua() || f.flags & FRAME_CLOSING != 0);
    let nny = if yieldable { 0 } else { 1 };
    t.ncalls += 1;
    t.nny += nny;
    let depth = t.frames.len();
    let r = with_native_stack(|| match precall(st, func, nresults, FRAME_FRESH) {
        Ok(true) => execute(st),
        Ok(false) => Ok(()),
        Err(e) => Err(e),
    });
    let t = th.get_mut();
    t.ncalls -= 1;
    t.nny -= nny;
    match r {
        Err(Throw::Error(e)) => {
            // Unwind what this call pushed; the message handler (if any) has seen it.
            let e = pre_handle(st, e);
            close_upvals(st, func);
            let e = match close_tbc(st, func, Some(e)) {
                Ok(v) => v.unwrap_or(e),
                Err(Throw::Error(e2)) => e2,
                Err(y) => return Err(y),
            };
            let t = th.get_mut();
            t.frames.truncate(depth);
            t.top = func;
            Err(Throw::Error(e))
        }
        r => r,
    }
}

fn error_bits(e: Value) -> (u64, u8) {
    (e.payload(), e.tag())
}

/// Runs the message handler of the xpcall that will catch error `e`, while the frames
/// where it was raised still exist; returns the error value to propagate.
pub fn pre_handle(st: &mut State, e: Value) -> Value {
    if st.handled_error == Some(error_bits(e)) || st.in_error_handler > 0 {
        return e;
    }
    let th = st.thread;
    let Some(fr) = th
        .frames
        .iter()
        .rev()
        .find(|f| f.flags & (FRAME_PCALL | FRAME_XPCALL) != 0)
    else {
        return e;
    };
    if fr.flags & FRAME_XPCALL == 0 {
        return e;
    }
    let h = th.stack[fr.func + 1];
    let e2 = call_handler(st, h, e);
    st.handled_error = Some(error_bits(e2));
    e2
}

/// Runs the interpreter until the innermost FRESH frame returns, catching errors at
/// protected frames on the way.
pub fn execute(st: &mut State) -> LuaResult<()> {
    loop {
        match run(st) {
            Ok(()) => return Ok(()),
            Err(Throw::Error(e)) => match find_protected(st) {
                Some(idx) => {
                    let e = pre_handle(st, e);
                    let flags = finish_error(st, idx, e)?;
                    if settle(st, flags)? & FRAME_FRESH != 0 {
                        return Ok(());
                    }
                }
                None => return Err(Throw::Error(e)),
            },
            Err(y) => return Err(y),
        }
    }
}

/// The innermost protected frame that belongs to the running interpreter loop (at or
/// above the innermost FRESH frame).
fn find_protected(st: &State) -> Option<usize> {
    let frames = &st.thread.frames;
    for i in (0..frames.len()).rev() {
        let f = frames[i].flags;
        if f & (FRAME_PCALL | FRAME_XPCALL) != 0 {
            return Some(i);
        }
        if f & FRAME_FRESH != 0 {
            return None;
        }
    }
    None
}

/// Handles error `e` caught by the protected frame at index `idx`: runs the message
/// handler (xpcall), closes upvalues and to-be-closed variables, and completes the
/// protected call with `false, e`. Returns the flags of the completed frame.
pub fn finish_error(st: &mut State, idx: usize, mut e: Value) -> LuaResult<u16> {
    let th = st.thread;
    let fr = th.frames[idx];
    let slot = fr.func; // the pcall/xpcall slot; xpcall's handler is just above
    if fr.flags & FRAME_XPCALL != 0 && st.handled_error != Some(error_bits(e)) {
        let h = th.stack[slot + 1];
        e = call_handler(st, h, e);
    }
    st.handled_error = None;
    // Drop the callee's frames; the protected frame stays while variables are closed, so
    // `__close` handlers see pcall as their caller. The error waits in the callee's slot.
    let t = th.get_mut();
    t.frames.truncate(idx + 1);
    t.frames[idx].flags |= FRAME_CLOSING;
    let eslot = callee_slot(&fr);
    if t.top < eslot + 1 {
        t.top = eslot + 1;
    }
    t.stack[eslot] = e;
    close_upvals(st, slot + 1);
    finish_closing(st)
}

/// Where a protected frame's callee sits (xpcall keeps its handler below it).
fn callee_slot(fr: &Frame) -> usize {
    if fr.flags & FRAME_XPCALL != 0 {
        fr.func + 2
    } else {
        fr.func + 1
    }
}

/// Goes on closing the to-be-closed variables of the protected frame on top, which caught
/// the error in its callee's slot (a `__close` raising replaces it), then completes the
/// frame with `false, error`. A handler may yield: `settle` calls this again when it
/// returns, as PUC's pcall continuation does.
fn finish_closing(st: &mut State) -> LuaResult<u16> {
    let th = st.thread;
    let fr = *th.frames.last().unwrap();
    let eslot = callee_slot(&fr);
    loop {
        let e = th.stack[eslot];
        match close_one(st, eslot, Some(e)) {
            Ok(true) => {}
            Ok(false) => break,
            Err(Throw::Error(e2)) => th.get_mut().stack[eslot] = e2,
            Err(y) => return Err(y),
        }
    }
    let t = th.get_mut();
    let slot = fr.func;
    t.stack[slot] = Value::FALSE;
    t.stack[slot + 1] = t.stack[eslot];
    t.top = slot + 2;
    Ok(poscall(st, slot, 2))
}

/// Calls an xpcall message handler; an error inside it becomes the error value, as does
/// a handler running out of C stack.
fn call_handler(st: &mut State, h: Value, e: Value) -> Value {
    let th = st.thread;
    let saved = th.top;
    st.in_error_handler += 1;
    th.get_mut().nny += 1;
    let r = (|| -> LuaResult<Value> {
        let t = th.get_mut();
        if !t.ensure(3) {
            return Err(stack_overflow(st));
        }
        let func = th.top;
        let t = th.get_mut();
        t.push(h);
        t.push(e);
        call_at_top(st, func, 1)?;
        Ok(th.stack[func])
    })();
    th.get_mut().top = saved;
    th.get_mut().nny -= 1;
    st.in_error_handler -= 1;
    match r {
        Ok(v) => v,
        Err(Throw::Error(_)) => st.str_value(b"error in error handling"),
        Err(Throw::Yield(_)) => st.str_value(b"attempt to yield across a C-call boundary"),
    }
}

// ---------------------------------------------------------------------- upvalues

/// The open upvalue for stack slot `idx` of the running thread, created if needed.
pub fn find_upval(st: &mut State, idx: usize) -> ferrous_runtime::Gc<UpVal> {
    let th = st.thread;
    let list = &th.open_upvals;
    // Sorted ascending; most lookups hit near the end.
    let mut pos = list.len();
    while pos > 0 {
        let u = list[pos - 1];
        let ui = u.index();
        if ui == idx {
            return u;
        }
        if ui < idx {
            break;
        }
        pos -= 1;
    }
    let u = st.heap.alloc(UpVal::new_open(th, idx));
    th.get_mut().open_upvals.insert(pos, u);
    u
}

/// Closes the open upvalues of slots `>= level`.
pub fn close_upvals(st: &mut State, level: usize) {
    let t = st.thread.get_mut();
    while let Some(&u) = t.open_upvals.last() {
        if u.index() < level {
            break;
        }
        st.heap.close_upval(u);
        t.open_upvals.pop();
    }
}

/// Closes the to-be-closed variables in slots `>= level`, calling `__close` newest
/// first. `err` is the error in flight (None for a normal exit). With none, an error
/// raised by a handler propagates at once (whoever catches it closes the rest); with
/// one, a handler's error replaces it, and the final error value is returned.
pub fn close_tbc(st: &mut State, level: usize, mut err: Option<Value>) -> LuaResult<Option<Value>> {
    loop {
        match close_one(st, level, err) {
            Ok(true) => {}
            Ok(false) => return Ok(err),
            Err(Throw::Error(e)) if err.is_some() => err = Some(e),
            Err(t) => return Err(t),
        }
    }
}

/// Closes every variable in slots `>= level` whatever the handlers raise (PUC's
/// luaD_closeprotected); returns the final error, if any. A yield stops it.
pub fn close_protected(st: &mut State, level: usize, mut err: Option<Value>) -> Option<Value> {
    loop {
        match close_tbc(st, level, err) {
            Ok(e) => return e,
            Err(Throw::Error(e)) => err = Some(e),
            Err(Throw::Yield(_)) => return err,
        }
    }
}

/// Pops the newest to-be-closed variable in a slot `>= level` and calls its `__close`
/// with `err`; false when there is none.
fn close_one(st: &mut State, level: usize, err: Option<Value>) -> LuaResult<bool> {
    let th = st.thread;
    let Some(&slot) = th.tbc.last() else {
        return Ok(false);
    };
    if slot < level {
        return Ok(false);
    }
    th.get_mut().tbc.pop();
    let v = th.stack[slot];
    // A metamethod removed since the variable was marked is an error, raised by the
    // call itself ("attempt to call a nil value (metamethod 'close')").
    let tm = st.metamethod(v, Tm::Close);
    let arg = err.unwrap_or(Value::NIL);
    let saved = th.top;
    let t = th.get_mut();
    if t.top <= slot {
        t.top = slot + 1;
    }
    // The error value lives only in Rust here (the handler may overwrite its
    // parameters): keep a copy on the stack while the handler runs.
    if !t.ensure(1) {
        return Err(stack_overflow(st));
    }
    th.get_mut().push(arg);
    // Called right above (finish_op relies on this layout when a handler yields inside
    // a `return`: the error copy, then the handler's slot). After a yield the stack
    // stays as it is for the resume.
    let r = call_meta_at(st, th.top, tm, &[v, arg]);
    if !matches!(r, Err(Throw::Yield(_))) {
        th.get_mut().top = saved;
    }
    r.map(|_| true)
}

/// Marks slot `idx` as to-be-closed (the `TBC` instruction).
pub fn new_tbc(st: &mut State, idx: usize) -> LuaResult<()> {
    let v = st.thread.stack[idx];
    if v.falsy() {
        return Ok(());
    }
    if st.metamethod(v, Tm::Close).is_nil() {
        let fr = *st.thread.frames.last().unwrap();
        let name = st.thread.stack[fr.base - 1]
            .as_lclosure()
            .and_then(|cl| {
                let pc = fr.pc as usize;
                cl.proto
                    .local_name(idx - fr.base + 1, pc)
                    .map(|n| String::from_utf8_lossy(n).into_owned())
            })
            .unwrap_or_else(|| "?".into());
        return Err(rt_error(
            st,
            &format!("variable '{}' got a non-closable value", name),
        ));
    }
    st.thread.get_mut().tbc.push(idx);
    Ok(())
}
