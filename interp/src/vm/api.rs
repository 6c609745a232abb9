//! Operations with full Lua semantics (metamethods included) for native code, and the
//! entry points the embedding API and the CLI use.
//!
//! Natives that call back into Lua run a nested interpreter loop: a coroutine cannot
//! yield across such a call ("attempt to yield across a C-call boundary").

use super::call::{call_at_top, close_protected, stack_overflow};
use super::debuginfo::{traceback, Src};
use super::meta;
use ferrous_runtime::function::{NativeClosure, NativeKind};
use ferrous_runtime::thread::FRAME_FIN;
use ferrous_runtime::{Gc, LuaResult, LuaStr, State, Throw, Tm, Value};
use std::rc::Rc;

/// Calls the function at `top - nargs - 1` with the `nargs` values above it. The function
/// and arguments are replaced by the results: exactly `nresults` of them (padded with
/// nil), or all of them when `nresults` is -1. Errors propagate as `Err`.
pub fn call(st: &mut State, nargs: usize, nresults: i32) -> LuaResult<()> {
    let func = st.thread.top - nargs - 1;
    call_at_top(st, func, nresults)
}

/// Pushes `f` and `args` at the top of the running thread; returns `f`'s slot.
fn push_call(st: &mut State, f: Value, args: &[Value]) -> LuaResult<usize> {
    let th = st.thread;
    if !th.get_mut().ensure(args.len() + 1) {
        return Err(stack_overflow(st));
    }
    let func = th.top;
    let t = th.get_mut();
    t.push(f);
    for &a in args {
        t.push(a);
    }
    Ok(func)
}

/// Calls `f(args...)` and returns its first result (nil if none).
pub fn call_value(st: &mut State, f: Value, args: &[Value]) -> LuaResult<Value> {
    let top = st.thread.top;
    super::meta::call_meta_at(st, top, f, args)
}

/// Calls `f(args...)` and returns all results.
pub fn call_multi(st: &mut State, f: Value, args: &[Value]) -> LuaResult<Vec<Value>> {
    let th = st.thread;
    let func = push_call(st, f, args)?;
    call_at_top(st, func, -1)?;
    let t = th.get_mut();
    let out = t.stack[func..t.top].to_vec();
    t.top = func;
    Ok(out)
}

/// `tostring(v)`: honours `__tostring` and `__name`.
pub fn tostring(st: &mut State, v: Value) -> LuaResult<Gc<LuaStr>> {
    meta::tostring(st, v)
}

/// `a < b` with metamethods.
pub fn less_than(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    meta::less_than(st, a, b)
}

/// `a == b` with metamethods.
pub fn equals(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    meta::equals(st, a, b)
}

/// `t[k]` with metamethods.
pub fn index(st: &mut State, t: Value, k: Value) -> LuaResult<Value> {
    meta::index(st, t, k, Src::None)
}

/// `t[k] = v` with metamethods.
pub fn set_index(st: &mut State, t: Value, k: Value, v: Value) -> LuaResult<()> {
    meta::set_index(st, t, k, v, Src::None)
}

/// `#v` as an integer, with `__len` (luaL_len: errors if the length is not an integer).
pub fn len(st: &mut State, v: Value) -> LuaResult<i64> {
    let n = meta::len(st, v, Src::None)?;
    match ferrous_runtime::state::to_integer(n) {
        Some(i) if n.is_number() => Ok(i),
        _ => Err(st.error("object length is not an integer")),
    }
}

/// Compiles a chunk and returns its main function (a closure with `_ENV` set to the
/// globals, or to `env` when given). `mode` is "b", "t" or "bt" as for `load`. Syntax
/// errors come back as `Err` with the message string as error value.
pub fn load(
    st: &mut State,
    chunk: &[u8],
    chunkname: &[u8],
    mode: &str,
    env: Option<Value>,
) -> LuaResult<Value> {
    let binary = chunk.first() == Some(&0x1b);
    if binary && !mode.contains('b') {
        let m = format!("attempt to load a binary chunk (mode is '{}')", mode);
        return Err(st.error_value(&m));
    }
    if !binary && !mode.contains('t') {
        let m = format!("attempt to load a text chunk (mode is '{}')", mode);
        return Err(st.error_value(&m));
    }
    if binary {
        let proto = match crate::chunk::load_binary(st, chunk, chunkname) {
            Ok(p) => p,
            Err(msg) => return Err(st.error_value(&msg)),
        };
        let env = env.unwrap_or(Value::table(st.globals));
        return Ok(super::load::main_closure(st, proto, env));
    }
    let fp = match crate::compiler::compile(chunk, chunkname) {
        Ok(fp) => fp,
        Err(msg) => return Err(st.error_value(&msg)),
    };
    let source: Rc<[u8]> = Rc::from(chunkname);
    let proto = super::load::proto_to_heap(st, &fp, &source);
    let env = env.unwrap_or(Value::table(st.globals));
    Ok(super::load::main_closure(st, proto, env))
}

/// Message handler that turns an error into "message\nstack traceback:...".
fn traceback_handler(st: &mut State) -> LuaResult<usize> {
    let msg = st.arg(1);
    let text = match msg.as_string() {
        Some(s) => s.to_str_lossy().into_owned(),
        None if msg.is_number() => {
            String::from_utf8_lossy(&ferrous_runtime::state::number_to_bytes(msg)).into_owned()
        }
        None => {
            if !st.metamethod(msg, Tm::ToString).is_nil() {
                match meta::tostring(st, msg) {
                    Ok(s) => s.to_str_lossy().into_owned(),
                    Err(_) => format!("(error object is a {} value)", msg.type_name()),
                }
            } else {
                format!("(error object is a {} value)", msg.type_name())
            }
        }
    };
    let tb = traceback(st, Some(&text), 1);
    st.push_str(tb.as_bytes());
    Ok(1)
}

/// Calls `f(args...)` in protected mode with a message handler that appends a stack
/// traceback (like lua.c's docall). Returns all results, or the error message with its
/// traceback.
pub fn pcall_traceback(st: &mut State, f: Value, args: &[Value]) -> Result<Vec<Value>, String> {
    let xp = new_xpcall(st);
    let h = st.new_native(traceback_handler, "traceback");
    let mut full = vec![f, h];
    full.extend_from_slice(args);
    match call_multi(st, xp, &full) {
        Ok(vals) => {
            if vals.first().map(|v| v.truthy()).unwrap_or(false) {
                Ok(vals[1..].to_vec())
            } else {
                let e = vals.get(1).copied().unwrap_or(Value::NIL);
                Err(match e.as_string() {
                    Some(s) => s.to_str_lossy().into_owned(),
                    None => format!("(error object is a {} value)", e.type_name()),
                })
            }
        }
        Err(Throw::Error(e)) => Err(match e.as_string() {
            Some(s) => s.to_str_lossy().into_owned(),
            None => format!("(error object is a {} value)", e.type_name()),
        }),
        Err(Throw::Yield(_)) => Err("attempt to yield from outside a coroutine".into()),
    }
}

/// A fresh `pcall` function value.
pub fn new_pcall(st: &mut State) -> Value {
    let mut nc = NativeClosure::new(no_direct_call, "pcall", Box::new([]));
    nc.kind = NativeKind::Pcall;
    Value::nclosure(st.heap.alloc(nc))
}

/// A fresh `xpcall` function value.
pub fn new_xpcall(st: &mut State) -> Value {
    let mut nc = NativeClosure::new(no_direct_call, "xpcall", Box::new([]));
    nc.kind = NativeKind::Xpcall;
    Value::nclosure(st.heap.alloc(nc))
}

/// Body of pcall/xpcall, never run: the call machinery handles them (see call.rs).
fn no_direct_call(st: &mut State) -> LuaResult<usize> {
    Err(st.error("pcall body called directly"))
}

/// A new state with the standard libraries open.
pub fn new_state() -> State {
    new_state_with(StateOptions::default())
}

/// How [`new_state_with`] sets up a state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateOptions {
    /// Open the Lua 5.1/LuaJIT compatibility library (`stdlib::compat`): `unpack`,
    /// `loadstring`, `setfenv`/`getfenv`, `module`/`package.seeall`, `math.pow` and the
    /// other 5.1 math functions, `table.getn`/`maxn`/`foreach`/`foreachi`,
    /// `string.gfind` (see docs/compat.md). Off by default.
    pub compat: bool,
    /// Do not read the environment variables `LUA_PATH*` / `LUA_CPATH*`:
    /// `package.path` and `package.cpath` get their default values (PUC's
    /// `registry.LUA_NOENV`, set by `lua -E`). Off by default.
    pub ignore_env: bool,
}

/// A new state with the standard libraries open, set up as `opts` asks.
pub fn new_state_with(opts: StateOptions) -> State {
    let mut st = State::new();
    st.call_site_name = Some(super::debuginfo::func_name_text);
    st.heap.stress = std::env::var_os("FERROUS_GC_STRESS").is_some();
    if opts.ignore_env {
        let reg = st.registry;
        st.set_field(reg, "LUA_NOENV", Value::TRUE);
    }
    crate::stdlib::open_all(&mut st);
    if opts.compat {
        crate::stdlib::compat::open(&mut st);
    }
    st
}

/// Runs the finalizers of objects the last collection found unreachable.
pub fn run_finalizers(st: &mut State) {
    if st.in_finalizer {
        return;
    }
    st.in_finalizer = true;
    // Finalizers may not yield.
    st.thread.get_mut().nny += 1;
    while let Some(obj) = st.heap.pop_finalizer() {
        let tm = st.metamethod(obj, Tm::Gc);
        if tm.is_nil() {
            continue;
        }
        st.pin(obj);
        let r = call_finalizer(st, tm, obj);
        st.unpin();
        if let Err(Throw::Error(e)) = r {
            let msg = match e.as_string() {
                Some(s) => s.to_str_lossy().into_owned(),
                None => format!("error object is a {} value", e.type_name()),
            };
            crate::stdlib::base::warn_message(st, &format!("error in __gc ({})", msg));
        }
    }
    st.thread.get_mut().nny -= 1;
    st.in_finalizer = false;
}

/// Calls finalizer `tm` on `obj`, with the calling frame marked so that the finalizer
/// is named "__gc" (PUC's CIST_FIN).
fn call_finalizer(st: &mut State, tm: Value, obj: Value) -> LuaResult<Value> {
    let set_flag = |st: &mut State, on: bool| {
        if let Some(f) = st.thread.get_mut().frames.last_mut() {
            if on {
                f.flags |= FRAME_FIN;
            } else {
                f.flags &= !FRAME_FIN;
            }
        }
    };
    set_flag(st, true);
    let r = call_value(st, tm, &[obj]);
    set_flag(st, false);
    r
}

/// Closes pending to-be-closed variables, runs every pending finalizer (PUC's
/// lua_close), then drops the state.
pub fn close_state(mut st: State) {
    shut_down(&mut st);
}

/// What closing a state does, for `close_state` and for `os.exit(code, true)` (which
/// then ends the process): the main thread's pending to-be-closed variables are closed
/// and every finalizer runs.
pub fn shut_down(st: &mut State) {
    st.thread = st.main_thread;
    close_protected(st, 0, None);
    st.full_gc();
    st.heap.queue_all_finalizers();
    run_finalizers(st);
    crate::stdlib::flush_output();
}
