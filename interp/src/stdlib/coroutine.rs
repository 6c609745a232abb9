//! The coroutine library. A coroutine is a `Thread` with its own stack and frames;
//! resuming runs a nested interpreter loop on it, and a yield unwinds that loop while
//! the coroutine's frames stay in place for the next resume.

use crate::vm::call::{
    close_protected, close_upvals, execute, poscall, precall, settle, MAX_C_CALLS,
};
use ferrous_runtime::thread::{ThreadStatus, FRAME_FRESH, FRAME_UNROLL, HOOK_RET};
use ferrous_runtime::{Gc, LuaResult, State, Thread, Throw, Value};

pub fn open(st: &mut State) {
    let t = st.new_table(0, 8);
    st.set_fn(t, "create", create);
    st.set_fn(t, "resume", resume);
    st.set_fn(t, "yield", co_yield);
    st.set_fn(t, "status", status);
    st.set_fn(t, "wrap", wrap);
    st.set_fn(t, "isyieldable", isyieldable);
    st.set_fn(t, "running", running);
    st.set_fn(t, "close", close);
    let g = st.globals;
    st.set_field(g, "coroutine", Value::table(t));
}

fn new_coroutine(st: &mut State, f: Value) -> Gc<Thread> {
    let co = st.heap.alloc(Thread::new());
    co.get_mut().push(f);
    co
}

fn create(st: &mut State) -> LuaResult<usize> {
    let f = st.arg(1);
    if !f.is_function() {
        return Err(st.type_error(1, "function"));
    }
    let co = new_coroutine(st, f);
    st.push(Value::thread(co));
    Ok(1)
}

fn check_co(st: &mut State, i: usize) -> LuaResult<Gc<Thread>> {
    match st.arg(i).as_thread() {
        Some(t) => Ok(t),
        None => Err(st.type_error(i, "thread")),
    }
}

/// Resumes `co` with the `nargs` values on top of the running thread's stack (which are
/// popped). On success the results are pushed on the running thread and their count
/// returned; on error the error value is returned.
pub fn resume_thread(st: &mut State, co: Gc<Thread>, nargs: usize) -> Result<usize, Value> {
    let prev = st.thread;
    let msg = if co.status == ThreadStatus::Dead {
        Some("cannot resume dead coroutine")
    } else if co == prev || co.status != ThreadStatus::Suspended {
        Some("cannot resume non-suspended coroutine")
    } else if prev.ncalls >= MAX_C_CALLS {
        Some("C stack overflow")
    } else {
        None
    };
    if let Some(m) = msg {
        prev.get_mut().top -= nargs;
        return Err(st.str_value(m.as_bytes()));
    }
    // Move the arguments.
    let p = prev.get_mut();
    let first = p.top - nargs;
    let c = co.get_mut();
    if !c.ensure(nargs + ferrous_runtime::thread::MIN_STACK) {
        p.top = first;
        return Err(st.str_value(b"stack overflow"));
    }
    for i in 0..nargs {
        c.push(p.stack[first + i]);
    }
    p.top = first;
    p.status = ThreadStatus::Normal;
    c.status = ThreadStatus::Running;
    c.ncalls = prev.ncalls + 1;
    st.thread = co;
    let r = crate::vm::call::with_native_stack(|| resume_body(st, co, nargs));
    finish_resume(st, co, prev, r)
}

/// Runs the coroutine until it yields, returns or fails.
fn resume_body(st: &mut State, co: Gc<Thread>, nargs: usize) -> LuaResult<()> {
    if co.frames.is_empty() {
        return match precall(st, 0, -1, FRAME_FRESH) {
            Ok(true) => execute(st),
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
    }
    // Finish the pending `yield` call with the resume arguments as its results (its
    // return event fires here).
    if co.hook.mask & HOOK_RET != 0 {
        match crate::vm::hook::return_event(st, co.top - nargs, nargs) {
            Ok(()) => {}
            Err(Throw::Yield(_)) => {
                return Err(st.error_value("attempt to yield across a C-call boundary"))
            }
            Err(e) => return Err(e),
        }
    }
    let first = co.top - nargs;
    let flags = poscall(st, first, nargs);
    crate::vm::hook::after_return(st);
    // The yield may have been a protected call's callee or itself a metamethod
    // (`__close = coroutine.yield`): settle first.
    match settle(st, flags)? {
        f if f & FRAME_FRESH != 0 => Ok(()),
        _ => execute(st),
    }
}

/// Back on the resumer: moves results or yielded values over and sets the statuses.
fn finish_resume(
    st: &mut State,
    co: Gc<Thread>,
    prev: Gc<Thread>,
    r: LuaResult<()>,
) -> Result<usize, Value> {
    st.thread = prev;
    prev.get_mut().status = ThreadStatus::Running;
    let c = co.get_mut();
    match r {
        Ok(()) => {
            c.status = ThreadStatus::Dead;
            let n = c.top;
            move_values(prev, co, 0, n);
            co.get_mut().top = 0;
            Ok(n)
        }
        Err(Throw::Yield(n)) => {
            c.status = ThreadStatus::Suspended;
            // Metamethod calls whose Rust callers the yield unwound: on resume, their
            // return finishes the interrupted instruction instead.
            for f in c.frames.iter_mut().skip(1) {
                if f.flags & FRAME_FRESH != 0 {
                    f.flags = (f.flags & !FRAME_FRESH) | FRAME_UNROLL;
                }
            }
            let first = c.top - n;
            move_values(prev, co, first, n);
            co.get_mut().top = first;
            Ok(n)
        }
        Err(Throw::Error(e)) => {
            c.status = ThreadStatus::Dead;
            c.error = Some(e);
            Err(e)
        }
    }
}

fn move_values(to: Gc<Thread>, from: Gc<Thread>, first: usize, n: usize) {
    let t = to.get_mut();
    t.ensure(n);
    for i in 0..n {
        t.push(from.stack[first + i]);
    }
}

fn resume(st: &mut State) -> LuaResult<usize> {
    let co = check_co(st, 1)?;
    let nargs = st.nargs() - 1;
    match resume_thread(st, co, nargs) {
        Ok(n) => {
            // Results are on top: insert `true` below them.
            let t = st.thread.get_mut();
            t.push(Value::NIL);
            for i in (t.top - n - 1..t.top - 1).rev() {
                t.stack[i + 1] = t.stack[i];
            }
            let pos = t.top - n - 1;
            t.stack[pos] = Value::TRUE;
            Ok(n + 1)
        }
        Err(e) => {
            st.push(Value::FALSE);
            st.push(e);
            Ok(2)
        }
    }
}

fn co_yield(st: &mut State) -> LuaResult<usize> {
    let th = st.thread;
    if th == st.main_thread {
        return Err(st.error_value("attempt to yield from outside a coroutine"));
    }
    if th.nny > 0 {
        return Err(st.error_value("attempt to yield across a C-call boundary"));
    }
    Err(Throw::Yield(st.nargs()))
}

fn status_name(st: &State, co: Gc<Thread>) -> &'static str {
    if co == st.thread {
        return "running";
    }
    match co.status {
        ThreadStatus::Suspended => "suspended",
        ThreadStatus::Running => "running",
        ThreadStatus::Normal => "normal",
        ThreadStatus::Dead => "dead",
    }
}

fn status(st: &mut State) -> LuaResult<usize> {
    let co = check_co(st, 1)?;
    let s = status_name(st, co);
    st.push_str(s.as_bytes());
    Ok(1)
}

fn wrap_aux(st: &mut State) -> LuaResult<usize> {
    let f = st.frame().func;
    let co = st.thread.stack[f].as_nclosure().unwrap().upvals[0]
        .as_thread()
        .unwrap();
    let nargs = st.nargs();
    match resume_thread(st, co, nargs) {
        Ok(n) => Ok(n),
        Err(e) => {
            let mut e = e;
            if co.status == ThreadStatus::Dead && co.error.is_some() {
                // Closing may replace the error (PUC's auxwrap reports lua_closethread's).
                if let Some(e2) = close_thread(st, co) {
                    e = e2;
                }
            }
            if let Some(s) = e.as_string() {
                let w = st.where_(1);
                let mut b = w.into_bytes();
                b.extend_from_slice(s.as_bytes());
                e = st.string_value_owned(b);
            }
            Err(Throw::Error(e))
        }
    }
}

fn wrap(st: &mut State) -> LuaResult<usize> {
    let f = st.arg(1);
    if !f.is_function() {
        return Err(st.type_error(1, "function"));
    }
    let co = new_coroutine(st, f);
    let w = st.new_native_with_upvals(wrap_aux, "wrap", vec![Value::thread(co)]);
    st.push(w);
    Ok(1)
}

fn isyieldable(st: &mut State) -> LuaResult<usize> {
    let co = if st.arg(1).is_nil() {
        st.thread
    } else {
        check_co(st, 1)?
    };
    let y = co != st.main_thread && co.nny == 0;
    st.push(Value::bool(y));
    Ok(1)
}

fn running(st: &mut State) -> LuaResult<usize> {
    let t = st.thread;
    st.push(Value::thread(t));
    st.push(Value::bool(t == st.main_thread));
    Ok(2)
}

/// Closes a dead or suspended coroutine's pending variables; returns the error value
/// that killed it or that a `__close` raised, if any.
fn close_thread(st: &mut State, co: Gc<Thread>) -> Option<Value> {
    let prev = st.thread;
    st.thread = co;
    // Taking the error resets the thread's status (a nested close sees nothing to do).
    let mut err = co.get_mut().error.take();
    // The coroutine's frames are over (as PUC's lua_closethread resets its call info):
    // handlers run on an empty frame stack, above every pending variable.
    let c = co.get_mut();
    c.frames.clear();
    let above = c.tbc.last().map_or(0, |&s| s + 1);
    c.top = c.top.max(above);
    // Closing runs on the closer's native stack: it counts as a nested call.
    c.ncalls = prev.ncalls + 1;
    close_upvals(st, 0);
    err = close_protected(st, 0, err);
    st.thread = prev;
    let c = co.get_mut();
    c.frames.clear();
    c.top = 0;
    c.status = ThreadStatus::Dead;
    err
}

fn close(st: &mut State) -> LuaResult<usize> {
    let co = check_co(st, 1)?;
    let s = status_name(st, co);
    match s {
        "suspended" | "dead" => match close_thread(st, co) {
            None => {
                st.push(Value::TRUE);
                Ok(1)
            }
            Some(e) => {
                st.push(Value::FALSE);
                st.push(e);
                Ok(2)
            }
        },
        _ => Err(st.error(format!("cannot close a {} coroutine", s))),
    }
}
