//! The `string` library (PUC Lua 5.4's lstrlib.c; `dump` lives in `crate::chunk`), and
//! the metatable that makes `("x"):upper()` and `"10" + 1` work.
//!
//! - this file: the table, the simple functions, the string metamethods, and the glue
//!   between Lua values and the pattern matcher for `find`, `match`, `gmatch`, `gsub`;
//! - [`pattern`] holds the matcher itself, pure Rust over byte slices;
//! - [`format`] holds `string.format`;
//! - [`pack`] holds `string.pack`, `string.unpack` and `string.packsize`.
//!
//! Strings are byte strings; character classes and case mapping use the "C" locale.
//! Natives only call back into Lua from `gsub` (function and table replacements),
//! `format` (`%s` through `__tostring`) and the arithmetic metamethods; the subject and pattern stay rooted on the
//! native's stack meanwhile, so byte slices borrowed from them remain valid.

pub mod format;
pub mod pack;
pub mod pattern;

use ferrous_runtime::state::{number_to_bytes, to_number, MAX_STRING_SIZE};
use ferrous_runtime::thread::MAX_STACK;
use ferrous_runtime::value::{
    TAG_FLOAT, TAG_INT, TAG_LCLOSURE, TAG_NCLOSURE, TAG_STRING, TAG_TABLE,
};
use ferrous_runtime::{LuaResult, State, Throw, Value};

use crate::vm::api;
use crate::vm::meta::{self, ArithOp};
use pattern::{Cap, MatchState};

/// The `string` functions a JIT may compute inline, by name, when `f` is one of them.
pub fn jit_builtin(f: ferrous_runtime::NativeFn) -> Option<&'static str> {
    type F = ferrous_runtime::NativeFn;
    super::jit_name(&[(str_byte as F, "byte"), (str_sub, "sub")], f)
}

/// Creates the `string` table, stores it in the globals, and installs the metatable
/// shared by all strings.
pub fn open(st: &mut State) {
    let t = st.new_table(0, 20);
    let fns: &[(&'static str, ferrous_runtime::NativeFn)] = &[
        ("byte", str_byte),
        ("char", str_char),
        ("find", str_find),
        ("format", format::str_format),
        ("gmatch", str_gmatch),
        ("gsub", str_gsub),
        ("len", str_len),
        ("lower", str_lower),
        ("match", str_match),
        ("rep", str_rep),
        ("reverse", str_reverse),
        ("sub", str_sub),
        ("upper", str_upper),
    ];
    for &(name, f) in fns {
        st.set_fn(t, name, f);
    }
    let tv = Value::table(t);
    let globals = st.globals;
    st.set_field(globals, "string", tv);
    let mt = st.new_table(0, 10);
    st.set_field(mt, "__index", tv);
    let mms: &[(&'static str, ferrous_runtime::NativeFn)] = &[
        ("__add", arith_add),
        ("__sub", arith_sub),
        ("__mul", arith_mul),
        ("__mod", arith_mod),
        ("__pow", arith_pow),
        ("__div", arith_div),
        ("__idiv", arith_idiv),
        ("__unm", arith_unm),
    ];
    for &(name, f) in mms {
        st.set_fn(mt, name, f);
    }
    st.type_mt[TAG_STRING as usize] = Some(mt);
    // package.loaded.string, when the package library keeps its table in the registry
    let registry = st.registry;
    if let Some(loaded) = st.get_field(registry, "_LOADED").as_table() {
        st.set_field(loaded, "string", tv);
    }
    pack::register(st, t);
    st.set_fn(t, "dump", crate::chunk::str_dump);
}

// ---------------------------------------------------------------------- positions

/// A relative initial position (negative counts from the end), clipped to [1, inf).
fn posrelat_start(pos: i64, len: usize) -> usize {
    if pos > 0 {
        pos as usize
    } else if pos == 0 || pos < -(len as i64) {
        1
    } else {
        (len as i64 + pos + 1) as usize
    }
}

/// `string.sub(s, i, j)` of the bytes `s`.
pub fn sub_bytes(s: &[u8], i: i64, j: i64) -> &[u8] {
    let (start, end) = (posrelat_start(i, s.len()), posrelat_end(j, s.len()));
    if start <= end {
        &s[start - 1..end]
    } else {
        &[]
    }
}

/// A relative end position, clipped to [0, len].
fn posrelat_end(pos: i64, len: usize) -> usize {
    if pos > len as i64 {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos < -(len as i64) {
        0
    } else {
        (len as i64 + pos + 1) as usize
    }
}

// ---------------------------------------------------------------------- metamethods

/// String arithmetic (`"10" + 1`): both operands converted to numbers, or else the
/// other operand's metamethod, or else PUC's "attempt to add a 'string' with a 'table'".
/// The interpreter reaches these only after its own coercion failed or was skipped.
fn arith(st: &mut State, op: ArithOp) -> LuaResult<usize> {
    let (a, b) = (st.arg(1), st.arg(2));
    let num = |v: Value| {
        if v.is_string() || v.is_number() {
            to_number(v)
        } else {
            None
        }
    };
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        if let Some(r) = meta::raw_arith(st, op, x, y)? {
            st.push(r);
            return Ok(1);
        }
    }
    let tm = if b.is_string() {
        Value::NIL
    } else {
        st.metamethod(b, op.tm())
    };
    if tm.is_nil() {
        let name = st.heap.tm_name(op.tm());
        let msg = format!(
            "attempt to {} a '{}' with a '{}'",
            &name.to_str_lossy()[2..],
            a.type_name(),
            b.type_name()
        );
        return Err(st.error(msg));
    }
    let r = api::call_value(st, tm, &[a, b])?;
    st.push(r);
    Ok(1)
}

fn arith_add(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Add)
}
fn arith_sub(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Sub)
}
fn arith_mul(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Mul)
}
fn arith_mod(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Mod)
}
fn arith_pow(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Pow)
}
fn arith_div(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Div)
}
fn arith_idiv(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::IDiv)
}
fn arith_unm(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Unm)
}

fn too_large(st: &mut State) -> Throw {
    st.error("resulting string too large")
}

// ---------------------------------------------------------------------- simple functions

fn str_len(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    st.push(Value::int(s.len() as i64));
    Ok(1)
}

fn str_sub(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let (i, j) = (st.check_int(2)?, st.opt_int(3, -1)?);
    st.push_str(sub_bytes(s.as_bytes(), i, j));
    Ok(1)
}

fn str_reverse(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let r: Vec<u8> = s.as_bytes().iter().rev().copied().collect();
    let v = st.string_value_owned(r);
    st.push(v);
    Ok(1)
}

fn str_lower(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let v = st.string_value_owned(s.as_bytes().to_ascii_lowercase());
    st.push(v);
    Ok(1)
}

fn str_upper(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let v = st.string_value_owned(s.as_bytes().to_ascii_uppercase());
    st.push(v);
    Ok(1)
}

fn str_rep(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let n = st.check_int(2)?;
    let sep = st.opt_str(3)?;
    let sep: &[u8] = sep.as_ref().map_or(b"", |g| g.as_bytes());
    let (l, lsep) = (s.len(), sep.len());
    if n <= 0 {
        st.push_str(b"");
        return Ok(1);
    }
    let unit = l + lsep;
    if unit == 0 {
        st.push_str(b"");
        return Ok(1);
    }
    // PUC's conservative bound: n * (l + lsep) must stay below the size limit
    if unit as u64 > (MAX_STRING_SIZE as u64 - 1) / n as u64 {
        return Err(too_large(st));
    }
    let n = n as usize;
    let total = n * l + (n - 1) * lsep;
    let mut out = Vec::with_capacity(total);
    for i in 0..n {
        if i > 0 {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(s.as_bytes());
    }
    let v = st.string_value_owned(out);
    st.push(v);
    Ok(1)
}

fn str_byte(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let l = s.len();
    let pi = st.opt_int(2, 1)?;
    let posi = posrelat_start(pi, l);
    let pose = posrelat_end(st.opt_int(3, pi)?, l);
    if posi > pose {
        return Ok(0);
    }
    let n = pose - posi + 1;
    if pose - posi >= i32::MAX as usize {
        return Err(st.error("string slice too long"));
    }
    if n > MAX_STACK || !st.thread.get_mut().ensure(n) {
        return Err(st.error("stack overflow (string slice too long)"));
    }
    for &c in &s.as_bytes()[posi - 1..pose] {
        st.push(Value::int(c as i64));
    }
    Ok(n)
}

fn str_char(st: &mut State) -> LuaResult<usize> {
    let n = st.nargs();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let c = st.check_int(i)?;
        if c as u64 > 255 {
            return Err(st.arg_error(i, "value out of range"));
        }
        out.push(c as u8);
    }
    let v = st.string_value_owned(out);
    st.push(v);
    Ok(1)
}

// ---------------------------------------------------------------------- pattern glue

/// The Lua value of a capture.
fn cap_value(st: &mut State, c: Cap<'_>) -> Value {
    match c {
        Cap::Str(b) => st.str_value(b),
        Cap::Pos(p) => Value::int(p as i64),
    }
}

/// Pushes the captures of a match of `s..e` (the whole match when there are none and
/// `whole`); returns how many.
fn push_captures(
    st: &mut State,
    ms: &MatchState<'_>,
    s: usize,
    e: usize,
    whole: bool,
) -> LuaResult<usize> {
    let n = ms.ncaptures(whole);
    for i in 0..n {
        let c = ms.get_capture(i, s, e).map_err(|m| st.error(m.message()))?;
        let v = cap_value(st, c);
        st.push(v);
    }
    Ok(n)
}

fn str_find_aux(st: &mut State, find: bool) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let p = st.check_str(2)?;
    let (src, pat) = (s.as_bytes(), p.as_bytes());
    let init = posrelat_start(st.opt_int(3, 1)?, src.len()) - 1;
    if init > src.len() {
        st.push(Value::NIL);
        return Ok(1);
    }
    if find && (st.arg(4).truthy() || pattern::no_specials(pat)) {
        if let Some(pos) = pattern::find_plain(&src[init..], pat) {
            let start = init + pos;
            st.push(Value::int(start as i64 + 1));
            st.push(Value::int((start + pat.len()) as i64));
            return Ok(2);
        }
    } else {
        if let Some((s1, e, ms)) =
            pattern::search(src, pat, init).map_err(|m| st.error(m.message()))?
        {
            if find {
                st.push(Value::int(s1 as i64 + 1));
                st.push(Value::int(e as i64));
                return Ok(2 + push_captures(st, &ms, s1, e, false)?);
            }
            return push_captures(st, &ms, s1, e, true);
        }
    }
    st.push(Value::NIL);
    Ok(1)
}

fn str_find(st: &mut State) -> LuaResult<usize> {
    str_find_aux(st, true)
}

fn str_match(st: &mut State) -> LuaResult<usize> {
    str_find_aux(st, false)
}

// Upvalues of the gmatch iterator.
const GM_SRC: usize = 0;
const GM_PAT: usize = 1;
const GM_POS: usize = 2;
const GM_LAST: usize = 3;

fn str_gmatch(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let p = st.check_str(2)?;
    let ls = s.len();
    let mut init = posrelat_start(st.opt_int(3, 1)?, ls) - 1;
    if init > ls {
        init = ls + 1;
    }
    let up = vec![
        Value::string(s),
        Value::string(p),
        Value::int(init as i64),
        Value::NIL,
    ];
    let f = st.new_native_with_upvals(gmatch_aux, "gmatch_aux", up);
    st.push(f);
    Ok(1)
}

fn gmatch_aux(st: &mut State) -> LuaResult<usize> {
    let me = st.thread.stack[st.frame().func]
        .as_nclosure()
        .expect("gmatch iterator");
    let s = me.upvals[GM_SRC].as_string().unwrap();
    let p = me.upvals[GM_PAT].as_string().unwrap();
    let start = me.upvals[GM_POS].as_int_unchecked() as usize;
    let last = me.upvals[GM_LAST].as_int().map(|x| x as usize);
    let (src, pat) = (s.as_bytes(), p.as_bytes());
    let mut ms = MatchState::new(src, pat);
    let mut pos = start;
    while let Some(p) = ms.next_start(pos) {
        pos = p;
        ms.reprep();
        let r = ms.do_match(pos, 0).map_err(|m| st.error(m.message()))?;
        if let Some(e) = r {
            if Some(e) != last {
                let ups = &mut st.heap.write(me).upvals;
                ups[GM_POS] = Value::int(e as i64);
                ups[GM_LAST] = Value::int(e as i64);
                return push_captures(st, &ms, pos, e, true);
            }
        }
        pos += 1;
    }
    Ok(0)
}

/// Appends the string replacement `repl` for a match of `s..e` (`%0`-`%9`, `%%`).
fn add_s(
    st: &mut State,
    out: &mut Vec<u8>,
    ms: &MatchState<'_>,
    s: usize,
    e: usize,
    repl: &[u8],
) -> LuaResult<()> {
    let mut i = 0;
    while i < repl.len() {
        let c = repl[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        let d = repl.get(i).copied().unwrap_or(0);
        i += 1;
        if d == b'%' {
            out.push(b'%');
        } else if d == b'0' {
            out.extend_from_slice(&ms.src[s..e]);
        } else if d.is_ascii_digit() {
            match ms
                .get_capture((d - b'1') as usize, s, e)
                .map_err(|m| st.error(m.message()))?
            {
                Cap::Str(b) => out.extend_from_slice(b),
                Cap::Pos(p) => out.extend_from_slice(p.to_string().as_bytes()),
            }
        } else {
            return Err(st.error("invalid use of '%' in replacement string"));
        }
    }
    Ok(())
}

/// Appends the replacement for a match of `s..e`; returns whether the text changed (a
/// false or nil from a function or table keeps the original match).
fn add_value(
    st: &mut State,
    out: &mut Vec<u8>,
    ms: &MatchState<'_>,
    s: usize,
    e: usize,
    tr: u8,
) -> LuaResult<bool> {
    let repl = st.arg(3);
    let v = match tr {
        TAG_TABLE => {
            let c = ms.get_capture(0, s, e).map_err(|m| st.error(m.message()))?;
            let k = cap_value(st, c);
            api::index(st, repl, k)?
        }
        TAG_LCLOSURE | TAG_NCLOSURE => {
            let n = ms.ncaptures(true);
            let mut args = Vec::with_capacity(n);
            for i in 0..n {
                let c = ms.get_capture(i, s, e).map_err(|m| st.error(m.message()))?;
                args.push(cap_value(st, c));
            }
            api::call_value(st, repl, &args)?
        }
        _ => {
            let r = repl.as_string().expect("replacement converted to a string");
            add_s(st, out, ms, s, e, r.as_bytes())?;
            return Ok(true);
        }
    };
    if v.falsy() {
        out.extend_from_slice(&ms.src[s..e]);
        Ok(false)
    } else if let Some(r) = v.as_string() {
        out.extend_from_slice(r.as_bytes());
        Ok(true)
    } else if v.is_number() {
        out.extend_from_slice(&number_to_bytes(v));
        Ok(true)
    } else {
        Err(st.error(format!("invalid replacement value (a {})", v.type_name())))
    }
}

fn str_gsub(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let p = st.check_str(2)?;
    let (src, pat) = (s.as_bytes(), p.as_bytes());
    let tr = st.arg(3).tag();
    let max_s = st.opt_int(4, src.len() as i64 + 1)?;
    match tr {
        TAG_INT | TAG_FLOAT => {
            st.check_str(3)?;
        }
        TAG_STRING | TAG_TABLE | TAG_LCLOSURE | TAG_NCLOSURE => {}
        _ => return Err(st.type_error(3, "string/function/table")),
    }
    let (anchor, pat) = match pat.first() {
        Some(b'^') => (true, &pat[1..]),
        _ => (false, pat),
    };
    let mut ms = MatchState::new(src, pat);
    let mut out = Vec::new();
    let mut pos = 0;
    let mut last: Option<usize> = None;
    let mut n: i64 = 0;
    let mut changed = false;
    while n < max_s {
        if !anchor {
            // Bytes where no match can start are copied as they are.
            let Some(p) = ms.next_start(pos) else {
                break;
            };
            out.extend_from_slice(&src[pos..p]);
            pos = p;
        }
        ms.reprep();
        let r = ms.do_match(pos, 0).map_err(|m| st.error(m.message()))?;
        match r {
            Some(e) if Some(e) != last => {
                n += 1;
                changed |= add_value(st, &mut out, &ms, pos, e, tr)?;
                pos = e;
                last = Some(e);
            }
            _ if pos < src.len() => {
                out.push(src[pos]);
                pos += 1;
            }
            _ => break,
        }
        if out.len() >= MAX_STRING_SIZE {
            return Err(too_large(st));
        }
        if anchor {
            break;
        }
    }
    if changed {
        out.extend_from_slice(&src[pos..]);
        if out.len() >= MAX_STRING_SIZE {
            return Err(too_large(st));
        }
        let v = st.string_value_owned(out);
        st.push(v);
    } else {
        st.push(Value::string(s));
    }
    st.push(Value::int(n));
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        assert_eq!(posrelat_start(0, 5), 1);
        assert_eq!(posrelat_start(-2, 5), 4);
        assert_eq!(posrelat_start(-10, 5), 1);
        assert_eq!(posrelat_start(i64::MIN, 5), 1);
        assert_eq!(posrelat_end(-1, 5), 5);
        assert_eq!(posrelat_end(10, 5), 5);
        assert_eq!(posrelat_end(-6, 5), 0);
        assert_eq!(posrelat_end(i64::MIN, 5), 0);
    }
}
