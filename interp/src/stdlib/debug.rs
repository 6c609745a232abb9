//! The debug library (first part): traceback, getinfo, getlocal/setlocal,
//! getupvalue/setupvalue, upvalueid/upvaluejoin, get/setmetatable, getregistry,
//! get/setuservalue, sethook/gethook.

use crate::bytecode::{Instr, Op};
use crate::vm::debuginfo::{func_name, traceback as make_traceback};
use ferrous_runtime::function::LuaClosure;
use ferrous_runtime::state::{chunk_id, current_line};
use ferrous_runtime::thread::{
    Frame, Hook, FRAME_HOOKED, FRAME_TAIL, HOOK_CALL, HOOK_COUNT, HOOK_LINE, HOOK_RET,
};
use ferrous_runtime::value::TAG_USERDATA;
use ferrous_runtime::{Gc, LuaResult, State, Thread, Value};

pub fn open(st: &mut State) {
    let t = st.new_table(0, 16);
    st.set_fn(t, "traceback", traceback);
    st.set_fn(t, "getinfo", getinfo);
    st.set_fn(t, "getlocal", getlocal);
    st.set_fn(t, "setlocal", setlocal);
    st.set_fn(t, "getupvalue", getupvalue);
    st.set_fn(t, "setupvalue", setupvalue);
    st.set_fn(t, "upvalueid", upvalueid);
    st.set_fn(t, "upvaluejoin", upvaluejoin);
    st.set_fn(t, "getmetatable", getmetatable);
    st.set_fn(t, "setmetatable", setmetatable);
    st.set_fn(t, "getregistry", getregistry);
    st.set_fn(t, "getuservalue", getuservalue);
    st.set_fn(t, "setuservalue", setuservalue);
    st.set_fn(t, "sethook", sethook);
    st.set_fn(t, "gethook", gethook);
    let g = st.globals;
    st.set_field(g, "debug", Value::table(t));
    // PUC keeps hooks in registry._HOOKKEY, a table with weak keys (threads); Ferrous
    // keeps them in the threads, and mirrors each one there for scripts that look.
    let hooks = super::weak_table(st, b"k");
    let r = st.registry;
    st.set_field(r, "_HOOKKEY", Value::table(hooks));
}

/// Optional leading thread argument: (thread, index of the next argument).
fn thread_arg(st: &State) -> (Gc<Thread>, usize) {
    match st.arg(1).as_thread() {
        Some(t) => (t, 2),
        None => (st.thread, 1),
    }
}

fn traceback(st: &mut State) -> LuaResult<usize> {
    let (th, a) = thread_arg(st);
    let msg = st.arg(a);
    if !msg.is_nil() && !msg.is_string() && !msg.is_number() {
        st.push(msg);
        return Ok(1);
    }
    let text = if msg.is_nil() {
        None
    } else {
        Some(st.check_str(a)?.to_str_lossy().into_owned())
    };
    // A negative level shows no frames, as PUC's lua_getstack fails for it.
    let level = st.opt_int(a + 1, if th == st.thread { 1 } else { 0 })?;
    let level = usize::try_from(level).unwrap_or(usize::MAX);
    let saved = st.thread;
    st.thread = th;
    let tb = make_traceback(st, text.as_deref(), level);
    st.thread = saved;
    st.push_str(tb.as_bytes());
    Ok(1)
}

/// The frame `level` levels below the top of `th` (0 = top; none for a negative level)
/// and its index.
pub(crate) fn frame_at(th: Gc<Thread>, level: i64) -> Option<(usize, Frame)> {
    let level = usize::try_from(level).ok()?;
    let n = th.frames.len();
    if level >= n {
        return None;
    }
    let idx = n - 1 - level;
    Some((idx, th.frames[idx]))
}

/// The function a frame runs.
pub(crate) fn frame_func(th: Gc<Thread>, fr: &Frame) -> Value {
    if fr.is_lua() {
        th.stack[fr.base - 1]
    } else {
        th.stack[fr.func]
    }
}

fn getinfo(st: &mut State) -> LuaResult<usize> {
    let (th, a) = thread_arg(st);
    let what = match st.opt_str(a + 1)? {
        Some(s) => s.to_str_lossy().into_owned(),
        None => "flnSrtu".to_string(),
    };
    // PUC's order: a leading '>' first, then the function or level (a level out of
    // range gives nil), then the options themselves.
    if what.starts_with('>') {
        return Err(st.arg_error(a + 1, "invalid option '>'"));
    }
    let target = st.arg(a);
    let (func, frame) = if target.is_function() {
        (target, None)
    } else {
        // Level 0 is getinfo itself when inspecting the running thread.
        let level = st.check_int(a)?;
        match frame_at(th, level) {
            Some((idx, fr)) => (frame_func(th, &fr), Some((idx, fr))),
            None => {
                st.push(Value::NIL);
                return Ok(1);
            }
        }
    };
    if what.chars().any(|c| !"SlnrutfL".contains(c)) {
        return Err(st.arg_error(a + 1, "invalid option"));
    }
    let t = st.new_table(0, 16);
    let cl = func.as_lclosure();
    for c in what.chars() {
        match c {
            'S' => {
                let (src, line, last, kind) = match cl {
                    Some(cl) => {
                        let p = cl.proto;
                        let kind = if p.line_defined == 0 { "main" } else { "Lua" };
                        (
                            p.source.to_vec(),
                            p.line_defined as i64,
                            p.last_line_defined as i64,
                            kind,
                        )
                    }
                    None => (b"=[C]".to_vec(), -1, -1, "C"),
                };
                let short = chunk_id(&src);
                let v = st.str_value(&src);
                st.set_field(t, "source", v);
                let v = st.str_value(short.as_bytes());
                st.set_field(t, "short_src", v);
                st.set_field(t, "linedefined", Value::int(line));
                st.set_field(t, "lastlinedefined", Value::int(last));
                let v = st.str_value(kind.as_bytes());
                st.set_field(t, "what", v);
            }
            'l' => {
                let line = match (cl, frame) {
                    (Some(cl), Some((_, fr))) => current_line(cl, &fr),
                    _ => -1,
                };
                st.set_field(t, "currentline", Value::int(line));
            }
            'u' => {
                let (nups, np, va) = match cl {
                    Some(cl) => (
                        cl.upvals().len(),
                        cl.proto.num_params as usize,
                        cl.proto.is_vararg,
                    ),
                    None => (
                        func.as_nclosure().map(|c| c.upvals.len()).unwrap_or(0),
                        0,
                        true,
                    ),
                };
                st.set_field(t, "nups", Value::int(nups as i64));
                st.set_field(t, "nparams", Value::int(np as i64));
                st.set_field(t, "isvararg", Value::bool(va));
            }
            'n' => {
                let named = match frame {
                    Some((idx, _)) => {
                        let saved = st.thread;
                        st.thread = th;
                        let r = func_name(st, idx);
                        st.thread = saved;
                        r
                    }
                    None => None,
                };
                match named {
                    Some((kind, name)) => {
                        let v = st.str_value(&name);
                        st.set_field(t, "name", v);
                        let v = st.str_value(kind.as_bytes());
                        st.set_field(t, "namewhat", v);
                    }
                    None => {
                        let v = st.str_value(b"");
                        st.set_field(t, "namewhat", v);
                    }
                }
            }
            't' => {
                let tail = frame
                    .map(|(_, fr)| fr.flags & FRAME_TAIL != 0)
                    .unwrap_or(false);
                st.set_field(t, "istailcall", Value::bool(tail));
            }
            'f' => st.set_field(t, "func", func),
            'r' => {
                // Transfer information exists while a call or return hook runs on the
                // frame (the hooked frame is flagged).
                let (f, n) = match frame {
                    Some((_, fr)) if fr.flags & FRAME_HOOKED != 0 => th.hook.transfer,
                    _ => (0, 0),
                };
                st.set_field(t, "ftransfer", Value::int(f as i64));
                st.set_field(t, "ntransfer", Value::int(n as i64));
            }
            'L' => {
                if let Some(cl) = cl {
                    let lines = st.new_table(0, 8);
                    let p = cl.proto;
                    for (pc, &line) in p.line_info.iter().enumerate() {
                        if Instr(p.code.at(pc)).op() != Op::VarArgPrep {
                            st.heap
                                .write_table(lines, |t| t.set_int(line as i64, Value::TRUE));
                        }
                    }
                    st.set_field(t, "activelines", Value::table(lines));
                }
            }
            _ => {}
        }
    }
    st.push(Value::table(t));
    Ok(1)
}

/// Name and stack slot of local `n` of a frame (negative `n`: varargs).
/// `idx` is the frame's index: slots of a frame end where the next frame's function
/// starts (or at `top` for the innermost one).
fn local_slot(th: Gc<Thread>, idx_frame: usize, fr: &Frame, n: i64) -> Option<(String, usize)> {
    let limit = match th.frames.get(idx_frame + 1) {
        Some(next) => next.func,
        None => th.top,
    };
    if !fr.is_lua() {
        let idx = fr.base + (n as usize).checked_sub(1)?;
        return if n > 0 && idx < limit {
            Some(("(C temporary)".into(), idx))
        } else {
            None
        };
    }
    let cl = th.stack[fr.base - 1].as_lclosure()?;
    if n < 0 {
        let k = (-n) as usize;
        if k <= fr.nvarargs as usize {
            let first = fr.base - 1 - fr.nvarargs as usize;
            return Some(("(vararg)".into(), first + k - 1));
        }
        return None;
    }
    let pc = (fr.pc as usize).saturating_sub(1);
    if n == 0 {
        return None;
    }
    match cl.proto.local_name(n as usize, pc) {
        Some(name) => Some((
            String::from_utf8_lossy(name).into_owned(),
            fr.base + n as usize - 1,
        )),
        None => {
            let idx = fr.base + n as usize - 1;
            if idx < limit {
                Some(("(temporary)".into(), idx))
            } else {
                None
            }
        }
    }
}

fn getlocal(st: &mut State) -> LuaResult<usize> {
    let (th, a) = thread_arg(st);
    let n = st.check_int(a + 1)?;
    if st.arg(a).as_nclosure().is_some() {
        // Natives have no named parameters.
        st.push(Value::NIL);
        return Ok(1);
    }
    if let Some(cl) = st.arg(a).as_lclosure() {
        // Parameter names of a function.
        match cl.proto.local_name(n.max(0) as usize, 0) {
            Some(name) if n > 0 && n as usize <= cl.proto.num_params as usize => st.push_str(name),
            _ => st.push(Value::NIL),
        }
        return Ok(1);
    }
    let level = st.check_int(a)?;
    let Some((fidx, fr)) = frame_at(th, level) else {
        return Err(st.arg_error(a, "level out of range"));
    };
    match local_slot(th, fidx, &fr, n) {
        Some((name, idx)) => {
            st.push_str(name.as_bytes());
            st.push(th.stack[idx]);
            Ok(2)
        }
        None => {
            st.push(Value::NIL);
            Ok(1)
        }
    }
}

fn setlocal(st: &mut State) -> LuaResult<usize> {
    let (th, a) = thread_arg(st);
    let level = st.check_int(a)?;
    let n = st.check_int(a + 1)?;
    let v = st.arg(a + 2);
    let Some((fidx, fr)) = frame_at(th, level) else {
        return Err(st.arg_error(a, "level out of range"));
    };
    match local_slot(th, fidx, &fr, n) {
        Some((name, idx)) => {
            th.get_mut().stack[idx] = v;
            st.push_str(name.as_bytes());
        }
        None => st.push(Value::NIL),
    }
    Ok(1)
}

/// The name of upvalue `n` (from 1) of a Lua closure; "(no name)" in stripped code.
fn upvalue_name(cl: Gc<LuaClosure>, n: usize) -> Vec<u8> {
    match &*cl.proto.upvals[n - 1].name {
        b"" => b"(no name)".to_vec(),
        name => name.to_vec(),
    }
}

fn getupvalue(st: &mut State) -> LuaResult<usize> {
    let f = st.arg(1);
    let n = st.check_int(2)?;
    if let Some(cl) = f.as_lclosure() {
        if n >= 1 && (n as usize) <= cl.upvals().len() {
            let name = upvalue_name(cl, n as usize);
            st.push_str(&name);
            st.push(cl.upvals()[n as usize - 1].get());
            return Ok(2);
        }
    } else if let Some(c) = f.as_nclosure() {
        if n >= 1 && (n as usize) <= c.upvals.len() {
            st.push_str(b"");
            st.push(c.upvals[n as usize - 1]);
            return Ok(2);
        }
    } else {
        return Err(st.type_error(1, "function"));
    }
    Ok(0)
}

fn setupvalue(st: &mut State) -> LuaResult<usize> {
    let f = st.arg(1);
    let n = st.check_int(2)?;
    let v = st.check_any(3)?;
    if let Some(cl) = f.as_lclosure() {
        if n >= 1 && (n as usize) <= cl.upvals().len() {
            st.heap.set_upval(cl.upvals()[n as usize - 1], v);
            let name = upvalue_name(cl, n as usize);
            st.push_str(&name);
            return Ok(1);
        }
    } else if let Some(c) = f.as_nclosure() {
        if n >= 1 && (n as usize) <= c.upvals.len() {
            st.heap.write(c).upvals[n as usize - 1] = v;
            st.push_str(b"");
            return Ok(1);
        }
    } else {
        return Err(st.type_error(1, "function"));
    }
    Ok(0)
}

fn upvalueid(st: &mut State) -> LuaResult<usize> {
    let f = st.arg(1);
    let n = st.check_int(2)?;
    if let Some(cl) = f.as_lclosure() {
        if n >= 1 && (n as usize) <= cl.upvals().len() {
            st.push(Value::light_userdata(cl.upvals()[n as usize - 1].addr()));
            return Ok(1);
        }
    } else if let Some(c) = f.as_nclosure() {
        if n >= 1 && (n as usize) <= c.upvals.len() {
            st.push(Value::light_userdata(c.addr() + 16 * n as usize));
            return Ok(1);
        }
    } else {
        return Err(st.type_error(1, "function"));
    }
    st.push(Value::NIL);
    Ok(1)
}

/// PUC's `checkupval`: the upvalue index `n` (argument `argnup`) of the function at
/// argument `argf`, which may be a native closure; checked in PUC's order.
fn check_upval(st: &mut State, argf: usize, argnup: usize) -> LuaResult<usize> {
    let n = st.check_int(argnup)?;
    let f = st.arg(argf);
    if !f.is_function() {
        return Err(st.type_error(argf, "function"));
    }
    let count = match (f.as_lclosure(), f.as_nclosure()) {
        (Some(cl), _) => cl.upvals().len(),
        (None, Some(c)) => c.upvals.len(),
        (None, None) => 0,
    };
    if n < 1 || n as usize > count {
        return Err(st.arg_error(argnup, "invalid upvalue index"));
    }
    Ok(n as usize)
}

fn upvaluejoin(st: &mut State) -> LuaResult<usize> {
    let n1 = check_upval(st, 1, 2)?;
    let n2 = check_upval(st, 3, 4)?;
    let Some(f1) = st.arg(1).as_lclosure() else {
        return Err(st.arg_error(1, "Lua function expected"));
    };
    let Some(f2) = st.arg(3).as_lclosure() else {
        return Err(st.arg_error(3, "Lua function expected"));
    };
    st.heap.upvals_mut(f1)[n1 - 1] = f2.upvals()[n2 - 1];
    // Traces take a closure's upvalue objects as fixed.
    st.jit_flush();
    Ok(0)
}

fn getmetatable(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    match st.metatable_of(v) {
        Some(mt) => st.push(Value::table(mt)),
        None => st.push(Value::NIL),
    }
    Ok(1)
}

fn setmetatable(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let mt = st.arg(2);
    if !(mt.is_nil() || mt.is_table()) {
        return Err(st.type_error(2, "nil or table"));
    }
    let m = mt.as_table();
    if let Some(t) = v.as_table() {
        st.heap.write(t).metatable = m;
    } else if let Some(u) = v.as_userdata() {
        st.heap.write(u).metatable = m;
    } else {
        st.set_type_metatable(v.tag(), m);
    }
    st.heap.check_finalizer(v, m);
    st.push(v);
    Ok(1)
}

fn getregistry(st: &mut State) -> LuaResult<usize> {
    let r = st.registry;
    st.push(Value::table(r));
    Ok(1)
}

fn getuservalue(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let n = st.opt_int(2, 1)?;
    // PUC: fail (one nil) for anything but a full userdata or a missing user value;
    // otherwise the value and `true`.
    if v.tag() != TAG_USERDATA {
        st.push(Value::NIL);
        return Ok(1);
    }
    let u = v.as_userdata().unwrap();
    if n >= 1 && (n as usize) <= u.user_values.len() {
        st.push(u.user_values[n as usize - 1]);
        st.push(Value::TRUE);
        Ok(2)
    } else {
        st.push(Value::NIL);
        Ok(1)
    }
}

fn setuservalue(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let x = st.check_any(2)?;
    let n = st.opt_int(3, 1)?;
    let Some(u) = v.as_userdata() else {
        return Err(st.type_error(1, "userdata"));
    };
    if n >= 1 && (n as usize) <= u.user_values.len() {
        st.heap.write(u).user_values[n as usize - 1] = x;
        st.push(v);
    } else {
        st.push(Value::NIL);
    }
    Ok(1)
}

/// `debug.sethook([thread,] hook, mask [, count])`; no hook argument turns hooks off.
fn sethook(st: &mut State) -> LuaResult<usize> {
    let (th, a) = thread_arg(st);
    let f = st.arg(a);
    let mut hook = Hook::default();
    if f.is_function() {
        let mask_s = st.check_str(a + 1)?.as_bytes().to_vec();
        let count = st.opt_int(a + 2, 0)?;
        let mut mask = 0;
        for &c in &mask_s {
            match c {
                b'c' => mask |= HOOK_CALL,
                b'r' => mask |= HOOK_RET,
                b'l' => mask |= HOOK_LINE,
                _ => {}
            }
        }
        if count > 0 {
            mask |= HOOK_COUNT;
        }
        if mask != 0 {
            hook.func = f;
            hook.mask = mask;
            hook.base_count = count.clamp(0, u32::MAX as i64) as u32;
            hook.counter = hook.base_count;
        }
    } else if !f.is_nil() {
        st.check_str(a + 1)?;
        return Err(st.type_error(a, "function"));
    }
    // A hook set from inside a hook keeps hooks disabled until that hook returns.
    hook.allowed = th.hook.allowed;
    hook.old_pc = th.hook.old_pc;
    th.get_mut().hook = hook;
    let r = st.registry;
    if let Some(hooks) = st.get_field(r, "_HOOKKEY").as_table() {
        let f = if hook.mask != 0 {
            hook.func
        } else {
            Value::NIL
        };
        st.heap
            .write_table(hooks, |t| t.set(Value::thread(th), f))
            .ok();
    }
    Ok(0)
}

/// `debug.gethook([thread])`: hook function, mask string, count.
fn gethook(st: &mut State) -> LuaResult<usize> {
    let (th, _) = thread_arg(st);
    let h = th.hook;
    if h.mask == 0 {
        st.push(Value::NIL);
        return Ok(1);
    }
    st.push(h.func);
    let mut m = String::new();
    if h.mask & HOOK_CALL != 0 {
        m.push('c');
    }
    if h.mask & HOOK_RET != 0 {
        m.push('r');
    }
    if h.mask & HOOK_LINE != 0 {
        m.push('l');
    }
    st.push_str(m.as_bytes());
    st.push(Value::int(h.base_count as i64));
    Ok(3)
}
