//! Operations on values with Lua's full semantics: arithmetic with coercions and
//! metamethods, comparisons, indexing, concatenation, length, `tostring`.
//!
//! Metamethods implemented in Lua run through a nested call (see `call.rs`).

use super::call::call_at_top;
use super::debuginfo::{varinfo, Src};
use crate::bytecode::Op;
use ferrous_runtime::number::float_to_str;
use ferrous_runtime::state::{fast_tm, number_to_bytes, to_integer, to_number, MAX_STRING_SIZE};
use ferrous_runtime::value::*;
use ferrous_runtime::{Gc, LuaResult, LuaStr, State, Throw, Tm, Value};

/// Longest chain of `__index`/`__newindex` tables followed (PUC's MAXTAGLOOP).
const MAX_TAG_LOOP: usize = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

impl ArithOp {
    /// The operator an arithmetic or bitwise instruction applies (`AddI`, `AddK` and
    /// `Add` all add), or `None` for other instructions.
    pub fn of(op: Op) -> Option<ArithOp> {
        Some(match op {
            Op::AddI | Op::AddK | Op::Add => ArithOp::Add,
            Op::SubK | Op::Sub => ArithOp::Sub,
            Op::MulK | Op::Mul => ArithOp::Mul,
            Op::ModK | Op::Mod => ArithOp::Mod,
            Op::PowK | Op::Pow => ArithOp::Pow,
            Op::DivK | Op::Div => ArithOp::Div,
            Op::IDivK | Op::IDiv => ArithOp::IDiv,
            Op::BAndK | Op::BAnd => ArithOp::BAnd,
            Op::BOrK | Op::BOr => ArithOp::BOr,
            Op::BXorK | Op::BXor => ArithOp::BXor,
            Op::ShlI | Op::Shl => ArithOp::Shl,
            Op::ShrI | Op::Shr => ArithOp::Shr,
            Op::Unm => ArithOp::Unm,
            Op::BNot => ArithOp::BNot,
            _ => return None,
        })
    }

    pub fn tm(self) -> Tm {
        match self {
            ArithOp::Add => Tm::Add,
            ArithOp::Sub => Tm::Sub,
            ArithOp::Mul => Tm::Mul,
            ArithOp::Mod => Tm::Mod,
            ArithOp::Pow => Tm::Pow,
            ArithOp::Div => Tm::Div,
            ArithOp::IDiv => Tm::IDiv,
            ArithOp::BAnd => Tm::BAnd,
            ArithOp::BOr => Tm::BOr,
            ArithOp::BXor => Tm::BXor,
            ArithOp::Shl => Tm::Shl,
            ArithOp::Shr => Tm::Shr,
            ArithOp::Unm => Tm::Unm,
            ArithOp::BNot => Tm::BNot,
        }
    }
    pub fn is_bitwise(self) -> bool {
        matches!(
            self,
            ArithOp::BAnd
                | ArithOp::BOr
                | ArithOp::BXor
                | ArithOp::Shl
                | ArithOp::Shr
                | ArithOp::BNot
        )
    }
}

/// A runtime error with the position of the running Lua function.
pub fn rt_error(st: &mut State, msg: &str) -> Throw {
    rt_error_bytes(st, msg.as_bytes())
}

/// `rt_error` for a message that may hold non-UTF-8 names.
pub fn rt_error_bytes(st: &mut State, msg: &[u8]) -> Throw {
    let mut full = st.where_(0).into_bytes();
    full.extend_from_slice(msg);
    Throw::Error(st.string_value_owned(full))
}

/// "attempt to <op> a <type> value<varinfo>"
pub fn type_error(st: &mut State, v: Value, op: &str, src: Src) -> Throw {
    let t = st.type_name_mt(v);
    let mut m = format!("attempt to {} a {} value", op, t).into_bytes();
    m.extend(varinfo(st, src));
    rt_error_bytes(st, &m)
}

pub use ferrous_runtime::number::{lua_fmod, lua_idiv, lua_imod, shift_left};

/// Integer arithmetic; `Err` with the PUC message for division by zero.
#[inline]
pub fn int_arith(op: ArithOp, a: i64, b: i64) -> Result<i64, &'static str> {
    Ok(match op {
        ArithOp::Add => a.wrapping_add(b),
        ArithOp::Sub => a.wrapping_sub(b),
        ArithOp::Mul => a.wrapping_mul(b),
        ArithOp::Mod => {
            if b == 0 {
                return Err("attempt to perform 'n%0'");
            }
            lua_imod(a, b)
        }
        ArithOp::IDiv => {
            if b == 0 {
                return Err("attempt to divide by zero");
            }
            lua_idiv(a, b)
        }
        ArithOp::BAnd => a & b,
        ArithOp::BOr => a | b,
        ArithOp::BXor => a ^ b,
        ArithOp::Shl => shift_left(a, b),
        ArithOp::Shr => shift_left(a, b.wrapping_neg()),
        ArithOp::Unm => a.wrapping_neg(),
        ArithOp::BNot => !a,
        ArithOp::Pow | ArithOp::Div => unreachable!("float-only operators"),
    })
}

#[inline]
pub fn float_arith(op: ArithOp, a: f64, b: f64) -> f64 {
    match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Mod => lua_fmod(a, b),
        ArithOp::IDiv => (a / b).floor(),
        ArithOp::Pow => {
            if b == 2.0 {
                a * a
            } else {
                a.powf(b)
            }
        }
        ArithOp::Div => a / b,
        ArithOp::Unm => -a,
        _ => unreachable!("integer-only operators"),
    }
}

/// Arithmetic on numbers and numeric strings; `Ok(None)` when an operand is not a number
/// (or, for bitwise operators, not convertible to an integer).
pub fn raw_arith(st: &mut State, op: ArithOp, a: Value, b: Value) -> LuaResult<Option<Value>> {
    if op.is_bitwise() {
        // No string coercion here: strings reach their metamethods (5.4 semantics).
        let (Some(x), Some(y)) = (num_to_integer(a), num_to_integer(b)) else {
            return Ok(None);
        };
        return match int_arith(op, x, y) {
            Ok(v) => Ok(Some(Value::int(v))),
            Err(m) => Err(rt_error(st, m)),
        };
    }
    let (Some(x), Some(y)) = (to_number(a), to_number(b)) else {
        return Ok(None);
    };
    if x.is_int() && y.is_int() && !matches!(op, ArithOp::Pow | ArithOp::Div) {
        return match int_arith(op, x.as_int_unchecked(), y.as_int_unchecked()) {
            Ok(v) => Ok(Some(Value::int(v))),
            Err(m) => Err(rt_error(st, m)),
        };
    }
    Ok(Some(Value::float(float_arith(
        op,
        x.as_number_f64().unwrap(),
        y.as_number_f64().unwrap(),
    ))))
}

/// A number with an exact integer value (no strings).
#[inline]
fn num_to_integer(v: Value) -> Option<i64> {
    if v.is_number() {
        to_integer(v)
    } else {
        None
    }
}

/// Full arithmetic: numbers, coercions, then metamethods, then an error naming the
/// culprit.
pub fn arith(
    st: &mut State,
    op: ArithOp,
    a: Value,
    b: Value,
    sa: Src,
    sb: Src,
) -> LuaResult<Value> {
    if let Some(v) = raw_arith(st, op, a, b)? {
        return Ok(v);
    }
    let tm = binary_tm(st, a, b, op.tm());
    if !tm.is_nil() {
        return call_meta(st, tm, &[a, b]);
    }
    if op.is_bitwise() {
        if a.is_number() && b.is_number() {
            let s = if num_to_integer(a).is_none() { sa } else { sb };
            let mut m = b"number".to_vec();
            m.extend(varinfo(st, s));
            m.extend_from_slice(b" has no integer representation");
            return Err(rt_error_bytes(st, &m));
        }
        let (v, s) = if !a.is_number() { (a, sa) } else { (b, sb) };
        return Err(type_error(st, v, "perform bitwise operation on", s));
    }
    let (v, s) = if to_number(a).is_none() {
        (a, sa)
    } else {
        (b, sb)
    };
    Err(type_error(st, v, "perform arithmetic on", s))
}

/// Calls metamethod `f` with `args` and returns its first result.
pub fn call_meta(st: &mut State, f: Value, args: &[Value]) -> LuaResult<Value> {
    let th = st.thread;
    // Protect the running Lua frame's registers.
    if let Some(fr) = th.frames.last() {
        if fr.is_lua() && th.top < fr.top {
            th.get_mut().top = fr.top;
        }
    }
    let func = th.top;
    call_meta_at(st, func, f, args)
}

/// Calls metamethod `f` with `args` placed at stack index `func` (the top).
pub fn call_meta_at(st: &mut State, func: usize, f: Value, args: &[Value]) -> LuaResult<Value> {
    let th = st.thread;
    th.get_mut().top = func;
    if !th
        .get_mut()
        .ensure(args.len() + 1 + ferrous_runtime::thread::MIN_STACK)
    {
        return Err(rt_error(st, "stack overflow"));
    }
    let t = th.get_mut();
    let n = args.len();
    t.stack[func] = f;
    t.stack[func + 1..func + 1 + n].copy_from_slice(args);
    t.top = func + 1 + n;
    call_at_top(st, func, 1)?;
    let t = th.get_mut();
    let v = t.stack[func];
    t.top = func;
    Ok(v)
}

// ---------------------------------------------------------------------- comparisons

/// `i < f` exactly.
#[inline]
fn lt_int_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9223372036854775808.0 {
        return true;
    }
    if f < -9223372036854775808.0 {
        return false;
    }
    // f in [-2^63, 2^63): i < f exactly when i < ceil(f).
    i < f.ceil() as i64
}

#[inline]
fn le_int_float(i: i64, f: f64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9223372036854775808.0 {
        return true;
    }
    if f < -9223372036854775808.0 {
        return false;
    }
    i <= f.floor() as i64
}

#[inline]
fn lt_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9223372036854775808.0 {
        return false;
    }
    if f < -9223372036854775808.0 {
        return true;
    }
    (f.floor() as i64) < i
}

#[inline]
fn le_float_int(f: f64, i: i64) -> bool {
    if f.is_nan() {
        return false;
    }
    if f >= 9223372036854775808.0 {
        return false;
    }
    if f < -9223372036854775808.0 {
        return true;
    }
    (f.ceil() as i64) <= i
}

/// Numeric `<` (both operands numbers).
#[inline]
pub fn num_lt(a: Value, b: Value) -> bool {
    match (a.tag(), b.tag()) {
        (TAG_INT, TAG_INT) => a.as_int_unchecked() < b.as_int_unchecked(),
        (TAG_FLOAT, TAG_FLOAT) => a.as_float_unchecked() < b.as_float_unchecked(),
        (TAG_INT, _) => lt_int_float(a.as_int_unchecked(), b.as_float_unchecked()),
        _ => lt_float_int(a.as_float_unchecked(), b.as_int_unchecked()),
    }
}

/// Numeric `<=` (both operands numbers).
#[inline]
pub fn num_le(a: Value, b: Value) -> bool {
    match (a.tag(), b.tag()) {
        (TAG_INT, TAG_INT) => a.as_int_unchecked() <= b.as_int_unchecked(),
        (TAG_FLOAT, TAG_FLOAT) => a.as_float_unchecked() <= b.as_float_unchecked(),
        (TAG_INT, _) => le_int_float(a.as_int_unchecked(), b.as_float_unchecked()),
        _ => le_float_int(a.as_float_unchecked(), b.as_int_unchecked()),
    }
}

/// String order as PUC Lua's l_strcmp in the C locale: byte order, with embedded zeros.
fn str_cmp(a: Gc<LuaStr>, b: Gc<LuaStr>) -> std::cmp::Ordering {
    a.as_bytes().cmp(b.as_bytes())
}

fn order_error(st: &mut State, a: Value, b: Value) -> Throw {
    let t1 = st.type_name_mt(a);
    let t2 = st.type_name_mt(b);
    if t1 == t2 {
        rt_error(st, &format!("attempt to compare two {} values", t1))
    } else {
        rt_error(st, &format!("attempt to compare {} with {}", t1, t2))
    }
}

/// `a < b` with metamethods.
pub fn less_than(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    order(st, a, b, Tm::Lt)
}

/// `a <= b` with metamethods.
pub fn less_equal(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    order(st, a, b, Tm::Le)
}

/// `<` (`tm` = Lt) or `<=` (`tm` = Le): numbers, strings, then the metamethod.
fn order(st: &mut State, a: Value, b: Value, tm: Tm) -> LuaResult<bool> {
    let lt = tm == Tm::Lt;
    if a.is_number() && b.is_number() {
        return Ok(if lt { num_lt(a, b) } else { num_le(a, b) });
    }
    if let (Some(x), Some(y)) = (a.as_string(), b.as_string()) {
        let ord = str_cmp(x, y);
        return Ok(if lt { ord.is_lt() } else { ord.is_le() });
    }
    let f = binary_tm(st, a, b, tm);
    if f.is_nil() {
        return Err(order_error(st, a, b));
    }
    Ok(call_meta(st, f, &[a, b])?.truthy())
}

/// The metamethod `tm` of the first operand, else of the second (nil if neither).
fn binary_tm(st: &State, a: Value, b: Value, tm: Tm) -> Value {
    let f = st.metamethod(a, tm);
    if f.is_nil() {
        st.metamethod(b, tm)
    } else {
        f
    }
}

/// `a == b` with `__eq`.
pub fn equals(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    if a.raw_eq(b) {
        return Ok(true);
    }
    if a.tag() != b.tag() || !(a.is_table() || a.tag() == TAG_USERDATA) {
        return Ok(false);
    }
    let tm = binary_tm(st, a, b, Tm::Eq);
    if tm.is_nil() {
        return Ok(false);
    }
    Ok(call_meta(st, tm, &[a, b])?.truthy())
}

// ---------------------------------------------------------------------- indexing

/// `t[k]` with `__index`.
pub fn index(st: &mut State, mut t: Value, k: Value, src: Src) -> LuaResult<Value> {
    for _ in 0..MAX_TAG_LOOP {
        let tm;
        if let Some(tab) = t.as_table() {
            let v = tab.get(k);
            if !v.is_nil() {
                return Ok(v);
            }
            match tab.metatable {
                None => return Ok(Value::NIL),
                Some(mt) => {
                    tm = fast_tm(&st.heap, mt, Tm::Index);
                    if tm.is_nil() {
                        return Ok(Value::NIL);
                    }
                }
            }
        } else {
            tm = st.metamethod(t, Tm::Index);
            if tm.is_nil() {
                return Err(index_error(st, t, k, src));
            }
        }
        if tm.is_function() {
            return call_meta(st, tm, &[t, k]);
        }
        t = tm;
    }
    Err(rt_error(st, "'__index' chain too long; possible loop"))
}

fn index_error(st: &mut State, t: Value, _k: Value, src: Src) -> Throw {
    type_error(st, t, "index", src)
}

/// `t[k] = v` with `__newindex`.
pub fn set_index(st: &mut State, mut t: Value, k: Value, v: Value, src: Src) -> LuaResult<()> {
    for _ in 0..MAX_TAG_LOOP {
        let tm;
        if let Some(tab) = t.as_table() {
            let old = tab.get(k);
            let tmv = if old.is_nil() {
                match tab.metatable {
                    Some(mt) => fast_tm(&st.heap, mt, Tm::NewIndex),
                    None => Value::NIL,
                }
            } else {
                Value::NIL
            };
            if tmv.is_nil() {
                return raw_set(st, tab, k, v);
            }
            tm = tmv;
        } else {
            tm = st.metamethod(t, Tm::NewIndex);
            if tm.is_nil() {
                return Err(index_error(st, t, k, src));
            }
        }
        if tm.is_function() {
            call_meta(st, tm, &[t, k, v])?;
            return Ok(());
        }
        t = tm;
    }
    Err(rt_error(st, "'__newindex' chain too long; possible loop"))
}

/// Raw store with the errors for nil and NaN keys.
pub fn raw_set(st: &mut State, t: Gc<ferrous_runtime::Table>, k: Value, v: Value) -> LuaResult<()> {
    match st.heap.write_table(t, |t| t.set(k, v)) {
        Ok(()) => Ok(()),
        Err(ferrous_runtime::table::KeyError::Nil) => Err(rt_error(st, "table index is nil")),
        Err(ferrous_runtime::table::KeyError::NaN) => Err(rt_error(st, "table index is NaN")),
    }
}

// ---------------------------------------------------------------------- length, concat

/// `#v` with `__len`.
pub fn len(st: &mut State, v: Value, src: Src) -> LuaResult<Value> {
    if let Some(t) = v.as_table() {
        if let Some(mt) = t.metatable {
            let tm = fast_tm(&st.heap, mt, Tm::Len);
            if !tm.is_nil() {
                return call_meta(st, tm, &[v, v]);
            }
        }
        return Ok(Value::int(t.border() as i64));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::int(s.len() as i64));
    }
    let tm = st.metamethod(v, Tm::Len);
    if tm.is_nil() {
        return Err(type_error(st, v, "get length of", src));
    }
    call_meta(st, tm, &[v, v])
}

fn append_str_or_num(buf: &mut Vec<u8>, v: Value) -> bool {
    if let Some(s) = v.as_string() {
        buf.extend_from_slice(s.as_bytes());
        true
    } else if v.is_number() {
        buf.extend_from_slice(&number_to_bytes(v));
        true
    } else {
        false
    }
}

/// Concatenates the `n` values at `stack[first..first+n]`, leaving the result in
/// `stack[first]`. Runs of strings and numbers are joined in one allocation;
/// `__concat` handles the rest, right to left as in PUC Lua.
pub fn concat(st: &mut State, first: usize, n: usize) -> LuaResult<()> {
    let th = st.thread;
    let mut top = first + n; // one past the last pending operand
    while top - first > 1 {
        let a = th.stack[top - 2];
        let b = th.stack[top - 1];
        let a_ok = a.is_string() || a.is_number();
        let b_ok = b.is_string() || b.is_number();
        if a_ok && b_ok {
            // Collect the longest run of strings/numbers ending at top-1.
            let mut start = top - 2;
            while start > first {
                let v = th.stack[start - 1];
                if v.is_string() || v.is_number() {
                    start -= 1;
                } else {
                    break;
                }
            }
            let mut total = 0usize;
            for i in start..top {
                let v = th.stack[i];
                total += match v.as_string() {
                    Some(s) => s.len(),
                    None => 24,
                };
            }
            if total > MAX_STRING_SIZE {
                return Err(rt_error(st, "string length overflow"));
            }
            let mut buf = Vec::with_capacity(total);
            for i in start..top {
                append_str_or_num(&mut buf, th.stack[i]);
            }
            let s = st.string_value_owned(buf);
            th.get_mut().stack[start] = s;
            top = start + 1;
        } else {
            let tm = binary_tm(st, a, b, Tm::Concat);
            if tm.is_nil() {
                let (v, idx) = if a_ok { (b, top - 1) } else { (a, top - 2) };
                return Err(type_error(st, v, "concatenate", Src::Reg(idx)));
            }
            // Registers above the pending operands are dead: call at `top`, so that an
            // interrupted concatenation can be finished from the stack (finish_op).
            th.get_mut().top = top;
            let r = call_meta_at(st, top, tm, &[a, b])?;
            th.get_mut().stack[top - 2] = r;
            top -= 1;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------- tostring

/// `tostring(v)`: `__tostring`, then `__name`, then the default form.
pub fn tostring(st: &mut State, v: Value) -> LuaResult<Gc<LuaStr>> {
    let tm = st.metamethod(v, Tm::ToString);
    if !tm.is_nil() {
        let r = call_meta(st, tm, &[v])?;
        return match r.as_string() {
            Some(s) => Ok(s),
            None if r.is_number() => Ok(st.new_str(&number_to_bytes(r))),
            None => Err(st.error("'__tostring' must return a string")),
        };
    }
    Ok(tostring_basic(st, v))
}

/// The default `tostring` form, without `__tostring`.
pub fn tostring_basic(st: &mut State, v: Value) -> Gc<LuaStr> {
    let bytes: Vec<u8> = match v.tag() {
        TAG_NIL => b"nil".to_vec(),
        TAG_BOOL => {
            if v.truthy() {
                b"true".to_vec()
            } else {
                b"false".to_vec()
            }
        }
        TAG_INT => v.as_int_unchecked().to_string().into_bytes(),
        TAG_FLOAT => float_to_str(v.as_float_unchecked()).into_bytes(),
        TAG_STRING => return v.as_string().unwrap(),
        _ => {
            let kind = match st
                .metatable_of(v)
                .map(|mt| mt.get_str(st.heap.tm_name(Tm::Name)))
            {
                Some(n) if n.is_string() => n.as_string().unwrap().to_str_lossy().into_owned(),
                _ => v.type_name().to_string(),
            };
            format!("{}: {:#x}", kind, v.object_addr()).into_bytes()
        }
    };
    st.new_str(&bytes)
}
