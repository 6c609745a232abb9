//! Operations with full Lua semantics (metamethods included) for native code.
//!
//! Natives that call back into Lua run a nested interpreter loop: a coroutine cannot
//! yield across such a call ("attempt to yield across a C-call boundary").

use ferrous_runtime::{LuaResult, LuaStr, State, Value, Gc};

/// Calls the function at `top - nargs - 1` with the `nargs` values above it. The function
/// and arguments are replaced by the results: exactly `nresults` of them (padded with
/// nil), or all of them when `nresults` is -1. Errors propagate as `Err`.
pub fn call(st: &mut State, nargs: usize, nresults: i32) -> LuaResult<()> {
    let _ = (st, nargs, nresults);
    todo!("being written")
}

/// Calls `f(args...)` and returns its first result (nil if none).
pub fn call_value(st: &mut State, f: Value, args: &[Value]) -> LuaResult<Value> {
    let _ = (st, f, args);
    todo!("being written")
}

/// `tostring(v)`: honours `__tostring` and `__name`.
pub fn tostring(st: &mut State, v: Value) -> LuaResult<Gc<LuaStr>> {
    let _ = (st, v);
    todo!("being written")
}

/// `a < b` with metamethods.
pub fn less_than(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    let _ = (st, a, b);
    todo!("being written")
}

/// `a == b` with metamethods.
pub fn equals(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    let _ = (st, a, b);
    todo!("being written")
}

/// `t[k]` with metamethods.
pub fn index(st: &mut State, t: Value, k: Value) -> LuaResult<Value> {
    let _ = (st, t, k);
    todo!("being written")
}

/// `t[k] = v` with metamethods.
pub fn set_index(st: &mut State, t: Value, k: Value, v: Value) -> LuaResult<()> {
    let _ = (st, t, k, v);
    todo!("being written")
}

/// `#v` as an integer, with `__len` (luaL_len: errors if the length is not an integer).
pub fn len(st: &mut State, v: Value) -> LuaResult<i64> {
    let _ = (st, v);
    todo!("being written")
}
