//! The base library: print, type, pairs, pcall, load, collectgarbage, ...

use crate::vm::api;
use crate::vm::meta;
use ferrous_runtime::heap::GcMode;
use ferrous_runtime::number::{str_to_number, Number};
use ferrous_runtime::state::{CALL_IN_PLACE, CALL_IN_PLACE_MAX3};
use ferrous_runtime::{LuaResult, State, Throw, Tm, Value};

pub fn open(st: &mut State) {
    let g = st.globals;
    st.set_field(g, "_G", Value::table(g));
    let v = st.str_value(b"Lua 5.4");
    st.set_field(g, "_VERSION", v);
    st.set_fn(g, "print", print);
    st.set_fn(g, "type", lua_type);
    st.set_fn(g, "tostring", tostring);
    st.set_fn(g, "tonumber", tonumber);
    // ipairs returns the same iterator function every time.
    let aux = st.new_native(ipairs_aux, "ipairs_aux");
    let ip = st.new_native_with_upvals(ipairs, "ipairs", vec![aux]);
    st.set_field(g, "ipairs", ip);
    st.set_fn(g, "pairs", pairs);
    st.set_fn(g, "next", next);
    st.set_fn(g, "select", select);
    st.set_fn(g, "rawget", rawget);
    st.set_fn(g, "rawset", rawset);
    st.set_fn(g, "rawequal", rawequal);
    st.set_fn(g, "rawlen", rawlen);
    st.set_fn(g, "setmetatable", setmetatable);
    st.set_fn(g, "getmetatable", getmetatable);
    st.set_fn(g, "assert", assert);
    st.set_fn(g, "error", error);
    st.set_fn(g, "load", load);
    st.set_fn(g, "loadfile", loadfile);
    st.set_fn(g, "dofile", dofile);
    st.set_fn(g, "collectgarbage", collectgarbage);
    st.set_fn(g, "warn", warn);
    let p = api::new_pcall(st);
    st.set_field(g, "pcall", p);
    let x = api::new_xpcall(st);
    st.set_field(g, "xpcall", x);
}

fn print(st: &mut State) -> LuaResult<usize> {
    let n = st.nargs();
    let mut out = Vec::new();
    for i in 1..=n {
        if i > 1 {
            out.push(b'\t');
        }
        let v = st.arg(i);
        let s = meta::tostring(st, v)?;
        out.extend_from_slice(s.as_bytes());
    }
    out.push(b'\n');
    super::write_stdout(&out);
    // PUC's lua_writeline flushes after every line too, so output and errors
    // interleave as written.
    super::flush_output();
    Ok(0)
}

fn lua_type(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    let name = st.heap.type_name(v.type_of());
    st.push(Value::string(name));
    Ok(1)
}

fn tostring(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    let s = meta::tostring(st, v)?;
    st.push(Value::string(s));
    Ok(1)
}

fn tonumber(st: &mut State) -> LuaResult<usize> {
    if st.arg(2).is_nil() {
        let v = st.check_any(1)?;
        let r = if v.is_number() {
            v
        } else if let Some(s) = v.as_string() {
            match str_to_number(s.as_bytes()) {
                Some(Number::Int(i)) => Value::int(i),
                Some(Number::Float(f)) => Value::float(f),
                None => Value::NIL,
            }
        } else {
            Value::NIL
        };
        st.push(r);
        return Ok(1);
    }
    let base = st.check_int(2)?;
    let v = st.arg(1);
    let Some(s) = v.as_string() else {
        return Err(st.type_error(1, "string"));
    };
    if !(2..=36).contains(&base) {
        return Err(st.arg_error(2, "base out of range"));
    }
    let r = match parse_int_base(s.as_bytes(), base as u32) {
        Some(n) => Value::int(n),
        None => Value::NIL,
    };
    st.push(r);
    Ok(1)
}

/// An integer numeral in `base` with optional sign and surrounding spaces (wrapping).
fn parse_int_base(s: &[u8], base: u32) -> Option<i64> {
    let is_space = |c: u8| c == b' ' || (b'\t'..=b'\r').contains(&c);
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let neg = i < s.len() && s[i] == b'-';
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        i += 1;
    }
    let start = i;
    let mut n: i64 = 0;
    while i < s.len() {
        let d = match (s[i] as char).to_digit(36) {
            Some(d) if d < base => d,
            _ => break,
        };
        n = n.wrapping_mul(base as i64).wrapping_add(d as i64);
        i += 1;
    }
    if i == start {
        return None;
    }
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    if i != s.len() {
        return None;
    }
    Some(if neg { n.wrapping_neg() } else { n })
}

/// Whether `f` is `next` (the iterator `pairs` returns), which a JIT may compute
/// inline.
pub fn is_next(f: ferrous_runtime::NativeFn) -> bool {
    std::ptr::fn_addr_eq(f, next as ferrous_runtime::NativeFn)
}

/// Whether `f` is the iterator `ipairs` returns, which a JIT may compute inline.
pub fn is_ipairs_iterator(f: ferrous_runtime::NativeFn) -> bool {
    std::ptr::fn_addr_eq(f, ipairs_aux as ferrous_runtime::NativeFn)
}

/// The base functions a JIT may compute inline (`type`, `setmetatable`), by name, when
/// `f` is one of them.
pub fn jit_builtin(f: ferrous_runtime::NativeFn) -> Option<&'static str> {
    type F = ferrous_runtime::NativeFn;
    super::jit_name(
        &[(lua_type as F, "type"), (setmetatable, "setmetatable")],
        f,
    )
}

fn ipairs_aux(st: &mut State) -> LuaResult<usize> {
    let t = st.arg(1);
    let i = st.check_int(2)?.wrapping_add(1);
    let v = match t.as_table() {
        Some(tab) if tab.metatable.is_none() => tab.get_int(i),
        _ => api::index(st, t, Value::int(i))?,
    };
    if v.is_nil() {
        st.push(Value::NIL);
        return Ok(1);
    }
    st.push(Value::int(i));
    st.push(v);
    Ok(2)
}

fn ipairs(st: &mut State) -> LuaResult<usize> {
    let t = st.check_any(1)?;
    let fi = st.frame().func;
    let f = st.thread.stack[fi]
        .as_nclosure()
        .map_or(Value::NIL, |c| c.upvals[0]);
    st.push(f);
    st.push(t);
    st.push(Value::int(0));
    Ok(3)
}

fn pairs(st: &mut State) -> LuaResult<usize> {
    let t = st.check_any(1)?;
    let tm = st.metamethod(t, Tm::Pairs);
    if !tm.is_nil() {
        // Called in pairs's place, so it may yield; exactly three results, as PUC Lua
        // (a fourth, closing value is dropped).
        call_in_place(st, tm);
        st.push(t);
        return Ok(CALL_IN_PLACE_MAX3);
    }
    // Like PUC Lua, a non-table is only rejected by `next` when the loop runs.
    let f = st.get_field(st.globals, "next");
    let f = if f.is_function() {
        f
    } else {
        st.new_native(next, "next")
    };
    st.push(f);
    st.push(t);
    st.push(Value::NIL);
    Ok(3)
}

fn next(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let k = st.arg(2);
    match t.next(k) {
        Ok(Some((k, v))) => {
            st.push(k);
            st.push(v);
            Ok(2)
        }
        Ok(None) => {
            st.push(Value::NIL);
            Ok(1)
        }
        Err(_) => Err(st.error("invalid key to 'next'")),
    }
}

fn select(st: &mut State) -> LuaResult<usize> {
    let n = st.nargs() as i64;
    if let Some(s) = st.arg(1).as_string() {
        if s.as_bytes().first() == Some(&b'#') {
            st.push(Value::int(n - 1));
            return Ok(1);
        }
    }
    let i = st.check_int(1)?;
    let i = if i < 0 {
        n + i
    } else if i > n {
        n
    } else {
        i
    };
    if i < 1 {
        return Err(st.arg_error(1, "index out of range"));
    }
    Ok((n - i) as usize)
}

fn rawget(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let k = st.check_any(2)?;
    st.push(t.get(k));
    Ok(1)
}

fn rawset(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let k = st.check_any(2)?;
    let v = st.check_any(3)?;
    meta::raw_set(st, t, k, v)?;
    st.push(Value::table(t));
    Ok(1)
}

fn rawequal(st: &mut State) -> LuaResult<usize> {
    let a = st.check_any(1)?;
    let b = st.check_any(2)?;
    st.push(Value::bool(a.raw_eq(b)));
    Ok(1)
}

fn rawlen(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let n = if let Some(t) = v.as_table() {
        t.border() as i64
    } else if let Some(s) = v.as_string() {
        s.len() as i64
    } else {
        return Err(st.type_error(1, "table or string"));
    };
    st.push(Value::int(n));
    Ok(1)
}

fn setmetatable(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let mt = st.arg(2);
    if !(mt.is_nil() || mt.is_table()) || st.nargs() < 2 {
        return Err(st.type_error(2, "nil or table"));
    }
    if let Some(old) = t.metatable {
        if !old.get_str(st.heap.tm_name(Tm::Metatable)).is_nil() {
            return Err(st.error("cannot change a protected metatable"));
        }
    }
    st.heap.set_metatable(t, mt.as_table());
    st.push(Value::table(t));
    Ok(1)
}

fn getmetatable(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    match st.metatable_of(v) {
        None => st.push(Value::NIL),
        Some(mt) => {
            let protected = mt.get_str(st.heap.tm_name(Tm::Metatable));
            st.push(if protected.is_nil() {
                Value::table(mt)
            } else {
                protected
            });
        }
    }
    Ok(1)
}

fn assert(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    if v.truthy() {
        return Ok(st.nargs());
    }
    if st.nargs() >= 2 {
        return Err(Throw::Error(st.arg(2)));
    }
    Err(st.error("assertion failed!"))
}

fn error(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let level = st.opt_int(2, 1)?;
    if v.is_string() && level > 0 {
        let w = st.where_(level as usize);
        if !w.is_empty() {
            let mut b = w.into_bytes();
            b.extend_from_slice(v.as_string().unwrap().as_bytes());
            return Err(Throw::Error(st.string_value_owned(b)));
        }
    }
    Err(Throw::Error(v))
}

/// Collects the pieces a reader function returns.
fn read_chunk(st: &mut State, f: Value) -> LuaResult<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let piece = api::call_value(st, f, &[])?;
        if piece.is_nil() {
            break;
        }
        match piece.as_string() {
            Some(s) if s.is_empty() => break,
            Some(s) => out.extend_from_slice(s.as_bytes()),
            None => return Err(st.error("reader function must return a string")),
        }
    }
    Ok(out)
}

fn load(st: &mut State) -> LuaResult<usize> {
    let mut chunk = st.arg(1);
    if chunk.is_number() {
        chunk = Value::string(st.check_str(1)?);
    }
    let mode = match st.opt_str(3)? {
        Some(m) => m.to_str_lossy().into_owned(),
        None => "bt".to_string(),
    };
    let env = if st.nargs() >= 4 {
        Some(st.arg(4))
    } else {
        None
    };
    let (bytes, name) = if let Some(s) = chunk.as_string() {
        let name = match st.opt_str(2)? {
            Some(n) => n.as_bytes().to_vec(),
            None => s.as_bytes().to_vec(),
        };
        (s.as_bytes().to_vec(), name)
    } else if chunk.is_function() {
        let name = match st.opt_str(2)? {
            Some(n) => n.as_bytes().to_vec(),
            None => b"=(load)".to_vec(),
        };
        match read_chunk(st, chunk) {
            Ok(b) => (b, name),
            Err(Throw::Error(e)) => {
                st.push(Value::NIL);
                st.push(e);
                return Ok(2);
            }
            Err(y) => return Err(y),
        }
    } else {
        return Err(st.type_error(1, "function"));
    };
    let r = api::load(st, &bytes, &name, &mode, env);
    push_load_result(st, r)
}

/// `load`'s results: the function, or `nil` (fail) and the error message.
pub(crate) fn push_load_result(st: &mut State, r: LuaResult<Value>) -> LuaResult<usize> {
    match r {
        Ok(f) => {
            st.push(f);
            Ok(1)
        }
        Err(Throw::Error(e)) => {
            st.push(Value::NIL);
            st.push(e);
            Ok(2)
        }
        Err(y) => Err(y),
    }
}

/// Reads and compiles a file (`None`: standard input), as luaL_loadfilex.
pub fn load_file(
    st: &mut State,
    name: Option<&[u8]>,
    mode: &str,
    env: Option<Value>,
) -> LuaResult<Value> {
    let (bytes, chunkname) = match name {
        Some(n) => {
            let path = String::from_utf8_lossy(n).into_owned();
            match std::fs::read(&path) {
                Ok(b) => (b, [b"@", n].concat()),
                Err(e) => {
                    let m = format!("cannot open {}: {}", path, io_error_text(&e));
                    return Err(st.error_value(&m));
                }
            }
        }
        None => {
            let mut b = Vec::new();
            use std::io::Read;
            if let Err(e) = std::io::stdin().read_to_end(&mut b) {
                let m = format!("cannot read stdin: {}", io_error_text(&e));
                return Err(st.error_value(&m));
            }
            (b, b"=stdin".to_vec())
        }
    };
    api::load(st, file_chunk(&bytes), &chunkname, mode, env)
}

/// The chunk in a file's bytes, as luaL_loadfilex reads it: a UTF-8 BOM and a first line
/// starting with '#' are skipped (a binary chunk may follow that line); for text the
/// line's newline stays, so line numbers do not change.
pub fn file_chunk(data: &[u8]) -> &[u8] {
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if body.first() != Some(&b'#') {
        return body;
    }
    match body.iter().position(|&c| c == b'\n') {
        Some(nl) if body.get(nl + 1) == Some(&0x1b) => &body[nl + 1..],
        Some(nl) => &body[nl..],
        None => &body[body.len()..],
    }
}

/// The C library's text for an I/O error (without Rust's " (os error N)" suffix).
pub fn io_error_text(e: &std::io::Error) -> String {
    super::io::os_error(e).0
}

fn loadfile(st: &mut State) -> LuaResult<usize> {
    let name = st.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    let mode = match st.opt_str(2)? {
        Some(m) => m.to_str_lossy().into_owned(),
        None => "bt".to_string(),
    };
    let env = if st.nargs() >= 3 {
        Some(st.arg(3))
    } else {
        None
    };
    let r = load_file(st, name.as_deref(), &mode, env);
    push_load_result(st, r)
}

fn dofile(st: &mut State) -> LuaResult<usize> {
    let name = st.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    let f = load_file(st, name.as_deref(), "bt", None)?;
    // The chunk runs in dofile's place, so it may yield.
    call_in_place(st, f);
    Ok(CALL_IN_PLACE)
}

/// Sets up `f()` in the running native's own slot (see `CALL_IN_PLACE`).
fn call_in_place(st: &mut State, f: Value) {
    let func = st.frame().func;
    let t = st.thread.get_mut();
    t.top = func;
    t.push(f);
}

fn collectgarbage(st: &mut State) -> LuaResult<usize> {
    let opt = match st.opt_str(1)? {
        Some(s) => s.to_str_lossy().into_owned(),
        None => "collect".to_string(),
    };
    if st.in_finalizer {
        // The collector is not reentrant: inside a finalizer every option fails.
        st.push(Value::NIL);
        return Ok(1);
    }
    match opt.as_str() {
        "collect" => {
            st.full_gc();
            api::run_finalizers(st);
            st.push(Value::int(0));
        }
        "count" => {
            let b = st.heap.bytes() as f64;
            st.push(Value::float(b / 1024.0));
        }
        "step" => {
            st.full_gc();
            api::run_finalizers(st);
            st.push(Value::TRUE);
        }
        "isrunning" => st.push(Value::bool(st.heap.running)),
        "stop" => {
            st.heap.running = false;
            st.push(Value::int(0));
        }
        "restart" => {
            st.heap.running = true;
            st.push(Value::int(0));
        }
        "incremental" | "generational" => {
            let old = st.heap.mode;
            st.heap.mode = if opt == "incremental" {
                GcMode::Incremental
            } else {
                GcMode::Generational
            };
            // Optional tuning: (pause, stepmul) or (minor multiplier, major multiplier);
            // zero keeps a setting.
            let set = |v: Value, field: &mut u32| match v.as_int() {
                Some(p) if p > 0 => *field = p.min(u32::MAX as i64) as u32,
                _ => {}
            };
            let (a2, a3) = (st.arg(2), st.arg(3));
            if opt == "incremental" {
                set(a2, &mut st.heap.pause);
                set(a3, &mut st.heap.stepmul);
            } else {
                set(a2, &mut st.heap.minor_mul);
                set(a3, &mut st.heap.major_mul);
            }
            st.push_str(if old == GcMode::Incremental {
                b"incremental"
            } else {
                b"generational"
            });
        }
        "setpause" => {
            let old = st.heap.pause;
            st.heap.pause = st.opt_int(2, 0)? as u32;
            st.push(Value::int(old as i64));
        }
        "setstepmul" => {
            let old = st.heap.stepmul;
            st.heap.stepmul = st.opt_int(2, 0)? as u32;
            st.push(Value::int(old as i64));
        }
        _ => return Err(st.arg_error(1, &format!("invalid option '{}'", opt))),
    }
    Ok(1)
}

/// Emits a warning if warnings are on (used by `warn` and for errors in finalizers).
pub fn warn_message(st: &mut State, msg: &str) {
    if st.warn_on {
        super::flush_output();
        eprintln!("Lua warning: {}", msg);
    }
}

fn warn(st: &mut State) -> LuaResult<usize> {
    let n = st.nargs();
    if n == 0 {
        return Err(st.type_error(1, "string"));
    }
    let mut parts = Vec::new();
    for i in 1..=n {
        let v = st.arg(i);
        match v.as_string() {
            Some(s) => parts.push(s.as_bytes().to_vec()),
            None => return Err(st.type_error(i, "string")),
        }
    }
    let msg = parts.concat();
    if n == 1 && msg.first() == Some(&b'@') {
        match &msg[..] {
            b"@on" => st.warn_on = true,
            b"@off" => st.warn_on = false,
            _ => {}
        }
        return Ok(0);
    }
    let text = String::from_utf8_lossy(&msg).into_owned();
    warn_message(st, &text);
    Ok(0)
}
