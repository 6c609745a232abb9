//! The Lua 5.1 / LuaJIT compatibility library (opt-in: `ferrous --compat`,
//! `StateOptions::compat`, `LuaOptions::compat`).
//!
//! It gives scripts written for Lua 5.1 or LuaJIT the functions 5.4 removed:
//! `unpack`, `loadstring`, `setfenv` / `getfenv`, `module` with `package.seeall`,
//! `math.pow`, `math.ldexp`, `math.frexp`, `math.log10`, `math.cosh`, `math.sinh`,
//! `math.tanh`, `table.getn`, `table.maxn`, `table.foreach`, `table.foreachi` and
//! `string.gfind`. The functions are added to the library tables that exist when
//! [`open`] runs; nothing else changes, so 5.4 code keeps working.
//!
//! Environments. In 5.1 every function has an environment table; in 5.4 a function sees
//! its globals through an upvalue named `_ENV`, which the closures of one chunk share.
//! `getfenv(f)` returns the value of `f`'s `_ENV` upvalue (the globals when `f` is a
//! native function). `setfenv(f, t)` gives `f` a fresh upvalue holding `t` in
//! place of its `_ENV` upvalue, so only `f` changes (as in 5.1), and the closures `f`
//! creates afterwards inherit `t` (also as in 5.1); closures created before keep the
//! old environment. A Lua function without an `_ENV` upvalue uses no global variable,
//! so its environment matters only to `getfenv`: `setfenv` records it in a weak-keyed
//! registry table that `getfenv` consults. What cannot be reproduced is listed in
//! `docs/compat.md`.
//!
//! Levels count as in PUC Lua: 1 is the function that called `getfenv` / `setfenv`,
//! and `pcall` / `xpcall` count as one native level each. Level 0 stands for the
//! thread's environment: `getfenv(0)` returns the globals, `setfenv(0, t)` is an error.

use super::math::{float_fn, push_f};
use crate::vm::api;
use ferrous_runtime::function::UpVal;
use ferrous_runtime::{Gc, LuaResult, State, Table, Value};

/// Registry key of the weak-keyed table holding the environments given by `setfenv`
/// to Lua functions that have no `_ENV` upvalue.
const FENV_KEY: &str = "ferrous.compat.fenv";

/// Adds the compatibility functions to the globals and the standard library tables.
pub fn open(st: &mut State) {
    let fenv = super::weak_table(st, b"k");
    let reg = st.registry;
    st.set_field(reg, FENV_KEY, Value::table(fenv));
    let g = st.globals;
    if let Some(t) = st.get_field(g, "table").as_table() {
        let unpack = st.get_field(t, "unpack");
        st.set_field(g, "unpack", unpack);
        st.set_fn(t, "getn", getn);
        st.set_fn(t, "maxn", maxn);
        st.set_fn(t, "foreach", foreach);
        st.set_fn(t, "foreachi", foreachi);
    }
    st.set_fn(g, "loadstring", loadstring);
    st.set_fn(g, "getfenv", getfenv);
    st.set_fn(g, "setfenv", setfenv);
    st.set_fn(g, "module", module);
    if let Some(m) = st.get_field(g, "math").as_table() {
        st.set_fn(m, "pow", math_pow);
        st.set_fn(m, "ldexp", math_ldexp);
        st.set_fn(m, "frexp", math_frexp);
        st.set_fn(m, "log10", math_log10);
        st.set_fn(m, "cosh", math_cosh);
        st.set_fn(m, "sinh", math_sinh);
        st.set_fn(m, "tanh", math_tanh);
    }
    if let Some(s) = st.get_field(g, "string").as_table() {
        let gmatch = st.get_field(s, "gmatch");
        st.set_field(s, "gfind", gmatch);
    }
    if let Some(p) = st.get_field(g, "package").as_table() {
        st.set_fn(p, "seeall", seeall);
    }
}

// =====================================================================================
// Environments
// =====================================================================================

/// What a function argument or a level designates.
#[derive(Clone, Copy)]
enum Target {
    /// Level 0: the thread's environment.
    Thread,
    /// A Lua function.
    Lua(Gc<ferrous_runtime::function::LuaClosure>),
    /// A native function (given, or running at the level).
    Native,
}

/// The function running `level` levels below the running native (1 = its caller), as
/// `State::where_` counts them (`pcall` / `xpcall` have frames of their own).
fn function_at_level(st: &State, level: usize) -> Option<Target> {
    let (_, fr) = super::debug::frame_at(st.thread, level as i64)?;
    Some(
        match super::debug::frame_func(st.thread, &fr).as_lclosure() {
            Some(cl) => Target::Lua(cl),
            None => Target::Native,
        },
    )
}

/// Argument 1 of getfenv/setfenv: a function, or a level (optional for getfenv, where it
/// defaults to 1). PUC 5.1's `getfunc`.
fn target_arg(st: &mut State, optional: bool) -> LuaResult<Target> {
    let a = st.arg(1);
    if let Some(cl) = a.as_lclosure() {
        return Ok(Target::Lua(cl));
    }
    if a.is_function() {
        return Ok(Target::Native);
    }
    let level = if optional && a.is_nil() {
        1
    } else {
        st.check_int(1)?
    };
    if level < 0 {
        return Err(st.arg_error(1, "level must be non-negative"));
    }
    if level == 0 {
        return Ok(Target::Thread);
    }
    match function_at_level(st, level as usize) {
        Some(t) => Ok(t),
        None => Err(st.arg_error(1, "invalid level")),
    }
}

/// Index of the upvalue named `_ENV`.
fn env_upvalue(cl: Gc<ferrous_runtime::function::LuaClosure>) -> Option<usize> {
    cl.proto.upvals.iter().position(|u| &*u.name == b"_ENV")
}

/// The weak-keyed side table of environments (None if Lua code removed it).
fn fenv_table(st: &mut State) -> Option<Gc<Table>> {
    let reg = st.registry;
    st.get_field(reg, FENV_KEY).as_table()
}

/// `getfenv([f])`: the environment of a function or of the function at a level.
fn getfenv(st: &mut State) -> LuaResult<usize> {
    let env = match target_arg(st, true)? {
        Target::Lua(cl) => match env_upvalue(cl) {
            Some(i) => cl.upvals()[i].get(),
            None => fenv_table(st)
                .map(|t| t.get(Value::lclosure(cl)))
                .filter(|v| !v.is_nil())
                .unwrap_or(Value::table(st.globals)),
        },
        Target::Thread | Target::Native => Value::table(st.globals),
    };
    st.push(env);
    Ok(1)
}

/// `setfenv(f, table)`: gives a Lua function (or the one running at a level) a new
/// environment; returns the function.
fn setfenv(st: &mut State) -> LuaResult<usize> {
    let env = st.arg(2);
    if !env.is_table() {
        return Err(st.type_error(2, "table"));
    }
    match target_arg(st, false)? {
        Target::Thread => {
            Err(st.error("'setfenv' cannot change the thread's environment in Ferrous (level 0)"))
        }
        Target::Native => Err(st.error("'setfenv' cannot change environment of given object")),
        Target::Lua(cl) => {
            set_env(st, cl, env);
            st.push(Value::lclosure(cl));
            Ok(1)
        }
    }
}

/// Points `cl`'s `_ENV` upvalue at a fresh closed upvalue holding `env`. A function
/// without an `_ENV` upvalue uses no global variable: its environment is recorded in
/// the side table, for `getfenv`.
fn set_env(st: &mut State, cl: Gc<ferrous_runtime::function::LuaClosure>, env: Value) {
    match env_upvalue(cl) {
        Some(i) => {
            // Allocation never collects, and the new upvalue is reachable from `cl` at once.
            let uv: Gc<UpVal> = UpVal::new_closed(&mut st.heap, env);
            st.heap.upvals_mut(cl)[i] = uv;
        }
        None => {
            if let Some(t) = fenv_table(st) {
                // The key is a function: never nil or NaN.
                let _ = st.heap.write_table(t, |t| t.set(Value::lclosure(cl), env));
            }
        }
    }
}

/// `loadstring(s [, chunkname])`: `load` for strings; the chunk name defaults to the
/// string itself, as in 5.1.
fn loadstring(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let name = st.opt_str(2)?.unwrap_or(s);
    let r = api::load(st, s.as_bytes(), name.as_bytes(), "bt", None);
    super::base::push_load_result(st, r)
}

// =====================================================================================
// module and package.seeall
// =====================================================================================

/// `module(name, ...)`: finds or creates the module table (in `package.loaded[name]`,
/// else the global path `a.b.c`), initializes `_M`, `_NAME` and `_PACKAGE` on first use,
/// makes it the environment of the calling function and calls each option with it.
fn module(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?;
    let nopts = st.nargs();
    let reg = st.registry;
    let loaded = st.get_field(reg, "_LOADED");
    let mut m = api::index(st, loaded, Value::string(name))?;
    if !m.is_table() {
        m = match find_table(st, name.as_bytes())? {
            Some(t) => Value::table(t),
            None => {
                let msg = format!("name conflict for module '{}'", name.to_str_lossy());
                return Err(st.error(msg));
            }
        };
        st.push(m);
        api::set_index(st, loaded, Value::string(name), m)?;
    } else {
        st.push(m);
    }
    let mt = m.as_table().expect("module table");
    let k = st.str_value(b"_NAME");
    if api::index(st, m, k)?.is_nil() {
        st.set_field(mt, "_M", m);
        st.set_field(mt, "_NAME", Value::string(name));
        let bytes = name.as_bytes();
        let pkg_len = bytes.iter().rposition(|&c| c == b'.').map_or(0, |p| p + 1);
        let pkg = st.str_value(&bytes[..pkg_len]);
        st.set_field(mt, "_PACKAGE", pkg);
    }
    match function_at_level(st, 1) {
        Some(Target::Lua(cl)) => set_env(st, cl, m),
        _ => return Err(st.error("'module' not called from a Lua function")),
    }
    // Options are functions called with the module. Other values are skipped (as in
    // 5.2's compatibility `module`): a loader gets the file name as second argument,
    // so `module(...)` receives it.
    for i in 2..=nopts {
        let opt = st.arg(i);
        if opt.is_function() {
            api::call_multi(st, opt, &[m])?;
        }
    }
    Ok(0)
}

/// Walks `a.b.c` from the globals, creating missing tables (luaL_findtable of 5.1).
/// Returns None when a part holds a value that is not a table.
fn find_table(st: &mut State, path: &[u8]) -> LuaResult<Option<Gc<Table>>> {
    let mut t = st.globals;
    for part in path.split(|&c| c == b'.') {
        let k = st.str_value(part);
        let v = t.get(k);
        if v.is_nil() {
            let n = st.new_table(0, 1);
            // Root the new table while a __newindex metamethod may run.
            st.push(Value::table(n));
            api::set_index(st, Value::table(t), k, Value::table(n))?;
            t = n;
        } else if let Some(sub) = v.as_table() {
            t = sub;
        } else {
            return Ok(None);
        }
    }
    Ok(Some(t))
}

/// `package.seeall(module)`: sets the module's metatable `__index` to the globals.
fn seeall(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let mt = match t.metatable {
        Some(mt) => mt,
        None => {
            let mt = st.new_table(0, 1);
            st.heap.write(t).metatable = Some(mt);
            mt
        }
    };
    let g = st.globals;
    st.set_field(mt, "__index", Value::table(g));
    Ok(0)
}

// =====================================================================================
// table
// =====================================================================================

/// `table.getn(t)`: `#t` without metamethods.
fn getn(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    st.push(Value::int(t.border() as i64));
    Ok(1)
}

/// `table.maxn(t)`: the largest positive numeric key (0 when none).
fn maxn(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let mut max = Value::int(0);
    let mut maxf = 0.0f64;
    let mut key = Value::NIL;
    while let Ok(Some((k, _))) = t.next(key) {
        if let Some(f) = k.as_number_f64() {
            if f > maxf {
                maxf = f;
                max = k;
            }
        }
        key = k;
    }
    st.push(max);
    Ok(1)
}

/// `table.foreach(t, f)`: calls `f(k, v)` for every pair; stops at the first non-nil
/// result and returns it.
fn foreach(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let f = st.arg(2);
    if !f.is_function() {
        return Err(st.type_error(2, "function"));
    }
    // A slot that keeps the current key alive even if `f` removes it from the table.
    st.push(Value::NIL);
    let slot = st.thread.top - 1;
    let th = st.thread;
    let mut key = Value::NIL;
    loop {
        let (k, v) = match t.next(key) {
            Ok(Some(kv)) => kv,
            Ok(None) => return Ok(0),
            Err(_) => return Err(st.error("invalid key to 'next'")),
        };
        th.get_mut().stack[slot] = k;
        let r = api::call_value(st, f, &[k, v])?;
        if !r.is_nil() {
            st.push(r);
            return Ok(1);
        }
        key = k;
    }
}

/// `table.foreachi(t, f)`: calls `f(i, t[i])` for i = 1..#t; stops at the first non-nil
/// result and returns it.
fn foreachi(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let f = st.arg(2);
    if !f.is_function() {
        return Err(st.type_error(2, "function"));
    }
    let n = t.border() as i64;
    for i in 1..=n {
        let v = t.get_int(i);
        let r = api::call_value(st, f, &[Value::int(i), v])?;
        if !r.is_nil() {
            st.push(r);
            return Ok(1);
        }
    }
    Ok(0)
}

// =====================================================================================
// math
// =====================================================================================

/// `math.pow(x, y)`: `x ^ y`.
fn math_pow(st: &mut State) -> LuaResult<usize> {
    let x = st.check_f64(1)?;
    let y = st.check_f64(2)?;
    push_f(st, x.powf(y))
}

/// `math.ldexp(m, e)`: `m * 2^e`.
fn math_ldexp(st: &mut State) -> LuaResult<usize> {
    let m = st.check_f64(1)?;
    let e = st.check_int(2)?;
    push_f(
        st,
        ldexp(m, e.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
    )
}

/// `math.frexp(x)`: `m, e` with `x = m * 2^e` and `0.5 <= |m| < 1` (`x, 0` for zero,
/// infinities and NaN).
fn math_frexp(st: &mut State) -> LuaResult<usize> {
    let x = st.check_f64(1)?;
    let (m, e) = frexp(x);
    st.push(Value::float(m));
    st.push(Value::int(e as i64));
    Ok(2)
}

float_fn!(math_log10, f64::log10);
float_fn!(math_cosh, f64::cosh);
float_fn!(math_sinh, f64::sinh);
float_fn!(math_tanh, f64::tanh);

/// C's `ldexp` (musl's scalbn): exact, including results in the subnormal range.
fn ldexp(mut x: f64, mut n: i32) -> f64 {
    let p1023 = f64::from_bits(0x7fe0_0000_0000_0000); // 2^1023
    let pm969 = f64::from_bits(0x0360_0000_0000_0000); // 2^-1022 * 2^53
    if n > 1023 {
        x *= p1023;
        n -= 1023;
        if n > 1023 {
            x *= p1023;
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        x *= pm969;
        n += 1022 - 53;
        if n < -1022 {
            x *= pm969;
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    x * f64::from_bits(((0x3ff + n) as u64) << 52)
}

/// C's `frexp`.
fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        if x == 0.0 {
            return (x, 0);
        }
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * f64::from_bits(0x43f0_0000_0000_0000)); // 2^64
        return (m, e - 64);
    }
    if exp == 0x7ff {
        return (x, 0);
    }
    let m = f64::from_bits((bits & 0x800f_ffff_ffff_ffff) | 0x3fe0_0000_0000_0000);
    (m, exp - 1022)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_ldexp_round_trip() {
        for x in [1.0, 8.0, -3.0, 0.1, 1e300, 5e-324, 2.2250738585072014e-308] {
            let (m, e) = frexp(x);
            assert!((0.5..1.0).contains(&m.abs()), "{x}: {m}");
            assert_eq!(ldexp(m, e), x);
        }
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(ldexp(1.0, 1024), f64::INFINITY);
        assert_eq!(ldexp(1.0, -1074), 5e-324);
        assert_eq!(ldexp(1.0, -1075), 0.0);
    }
}
