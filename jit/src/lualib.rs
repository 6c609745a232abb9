//! The `jit` module (`require "jit"`), LuaJIT's controls: `jit.on()`, `jit.off()`,
//! `jit.flush()`, `jit.status()`, and the strings `jit.version`, `jit.os`, `jit.arch`.
//! It is not a global, so that scripts testing `if jit then` for LuaJIT do not take
//! Ferrous for it.

use crate::{install, JitOptions};
use ferrous_runtime::thread::HOOK_RECORD;
use ferrous_runtime::{LuaResult, State, Value};

/// Registers the module in `package.loaded`.
pub fn open(st: &mut State) {
    let t = st.new_table(0, 8);
    st.set_fn(t, "on", jit_on);
    st.set_fn(t, "off", jit_off);
    st.set_fn(t, "flush", jit_flush);
    st.set_fn(t, "status", jit_status);
    let version = st.str_value(concat!("Ferrous ", env!("CARGO_PKG_VERSION")).as_bytes());
    st.set_field(t, "version", version);
    let os = st.str_value(if cfg!(target_os = "linux") {
        b"Linux"
    } else {
        b"Other"
    });
    st.set_field(t, "os", os);
    let arch = st.str_value(if cfg!(target_arch = "x86_64") {
        b"x64"
    } else {
        b"other"
    });
    st.set_field(t, "arch", arch);
    let reg = st.registry;
    if let Some(loaded) = st.get_field(reg, "_LOADED").as_table() {
        st.set_field(loaded, "jit", Value::table(t));
    }
}

/// `jit.on()`: counts loops again, installing a JIT with the default settings if none is.
fn jit_on(st: &mut State) -> LuaResult<usize> {
    if st.jit.is_none() {
        if let Err(e) = install(st, JitOptions::default()) {
            return Err(st.error(format!("cannot start the JIT: {e}")));
        }
    }
    st.hot.enabled = true;
    Ok(0)
}

/// `jit.off()`: stops counting and recording; compiled traces are no longer entered.
fn jit_off(st: &mut State) -> LuaResult<usize> {
    st.hot.enabled = false;
    st.thread.get_mut().hook.mask &= !HOOK_RECORD;
    Ok(0)
}

/// `jit.flush()`: drops every trace.
fn jit_flush(st: &mut State) -> LuaResult<usize> {
    st.jit_flush();
    Ok(0)
}

/// `jit.status()`: whether the JIT is on.
fn jit_status(st: &mut State) -> LuaResult<usize> {
    let on = st.hot.enabled && st.jit.is_some();
    st.push(Value::bool(on));
    Ok(1)
}
