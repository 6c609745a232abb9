//! The `math` library (PUC Lua 5.4.8's lmathlib.c).
//!
//! Integer-aware where the reference is: `floor`/`ceil` of an integer is the integer
//! itself, of a float it is an integer when the result fits; `fmod` of two integers is an
//! integer; `max`/`min` keep the subtype of the winning argument.
//!
//! `random` is xoshiro256** exactly as PUC implements it (same seeding, same float
//! conversion, same projection into ranges), so a given seed yields the same sequence as
//! the reference interpreter. Its state lives in a userdata kept as an upvalue of
//! `random` and `randomseed`.

use crate::vm::api;
use ferrous_runtime::userdata::Userdata;
use ferrous_runtime::value::float_to_int_exact;
use ferrous_runtime::{LuaResult, State, Value};

/// The random generator: xoshiro256** over four 64-bit words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Xoshiro {
    pub s: [u64; 4],
}

impl Xoshiro {
    /// PUC's `setseed`: the state from two seed words, with 16 values discarded.
    pub fn seeded(n1: u64, n2: u64) -> Xoshiro {
        let mut x = Xoshiro {
            s: [n1, 0xff, n2, 0],
        };
        for _ in 0..16 {
            x.next_u64();
        }
        x
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let state0 = s[0];
        let state1 = s[1];
        let state2 = s[2] ^ state0;
        let state3 = s[3] ^ state1;
        let res = state1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        s[0] = state0 ^ state3;
        s[1] = state1 ^ state2;
        s[2] = state2 ^ (state1 << 17);
        s[3] = state3.rotate_left(45);
        res
    }

    /// Projects `ran` into `[0, n]` (PUC 5.4.8's `project`: mask with the smallest
    /// Mersenne number not below `n`, drawing again while the result is above `n`).
    pub fn project(&mut self, mut ran: u64, n: u64) -> u64 {
        if n & n.wrapping_add(1) == 0 {
            return ran & n;
        }
        let mut lim = n;
        lim |= lim >> 1;
        lim |= lim >> 2;
        lim |= lim >> 4;
        lim |= lim >> 8;
        lim |= lim >> 16;
        lim |= lim >> 32;
        loop {
            ran &= lim;
            if ran <= n {
                return ran;
            }
            ran = self.next_u64();
        }
    }
}

/// PUC's `I2d`: the top 53 bits as a float in [0, 1).
#[inline]
pub fn bits_to_float(x: u64) -> f64 {
    (x >> 11) as f64 * (0.5 / (1u64 << 52) as f64)
}

/// An integer if the float has an exact integer value that fits, else the float.
fn num_int(d: f64) -> Value {
    match float_to_int_exact(d) {
        Some(i) => Value::int(i),
        None => Value::float(d),
    }
}

pub(crate) fn push_f(st: &mut State, f: f64) -> LuaResult<usize> {
    st.push(Value::float(f));
    Ok(1)
}

fn math_abs(st: &mut State) -> LuaResult<usize> {
    if let Some(n) = st.arg(1).as_int() {
        st.push(Value::int(n.wrapping_abs()));
        return Ok(1);
    }
    let x = st.check_f64(1)?;
    push_f(st, x.abs())
}

macro_rules! float_fn {
    ($name:ident, $op:expr) => {
        fn $name(st: &mut State) -> LuaResult<usize> {
            let x = st.check_f64(1)?;
            let op: fn(f64) -> f64 = $op;
            push_f(st, op(x))
        }
    };
}

pub(crate) use float_fn;

float_fn!(math_sin, f64::sin);
float_fn!(math_cos, f64::cos);
float_fn!(math_tan, f64::tan);
float_fn!(math_asin, f64::asin);
float_fn!(math_acos, f64::acos);
float_fn!(math_sqrt, f64::sqrt);
float_fn!(math_exp, f64::exp);
float_fn!(math_deg, |x| x * (180.0 / std::f64::consts::PI));
float_fn!(math_rad, |x| x * (std::f64::consts::PI / 180.0));

fn math_atan(st: &mut State) -> LuaResult<usize> {
    let y = st.check_f64(1)?;
    let x = st.opt_f64(2, 1.0)?;
    push_f(st, y.atan2(x))
}

fn math_toint(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    match ferrous_runtime::state::to_integer(v) {
        Some(n) => st.push(Value::int(n)),
        None => {
            st.check_any(1)?;
            st.push(Value::NIL);
        }
    }
    Ok(1)
}

fn math_floor(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    if v.is_int() {
        st.push(v);
    } else {
        let d = st.check_f64(1)?.floor();
        st.push(num_int(d));
    }
    Ok(1)
}

fn math_ceil(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    if v.is_int() {
        st.push(v);
    } else {
        let d = st.check_f64(1)?.ceil();
        st.push(num_int(d));
    }
    Ok(1)
}

fn math_fmod(st: &mut State) -> LuaResult<usize> {
    if let (Some(a), Some(d)) = (st.arg(1).as_int(), st.arg(2).as_int()) {
        if (d as u64).wrapping_add(1) <= 1 {
            if d == 0 {
                return Err(st.arg_error(2, "zero"));
            }
            st.push(Value::int(0));
        } else {
            st.push(Value::int(a % d));
        }
        return Ok(1);
    }
    let a = st.check_f64(1)?;
    let b = st.check_f64(2)?;
    // Rust's `%` on floats is C's fmod.
    push_f(st, a % b)
}

fn math_modf(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    if v.is_int() {
        st.push(v);
        st.push(Value::float(0.0));
        return Ok(2);
    }
    let n = st.check_f64(1)?;
    let ip = if n < 0.0 { n.ceil() } else { n.floor() };
    st.push(num_int(ip));
    st.push(Value::float(if n == ip { 0.0 } else { n - ip }));
    Ok(2)
}

fn math_ult(st: &mut State) -> LuaResult<usize> {
    let a = st.check_int(1)?;
    let b = st.check_int(2)?;
    st.push(Value::bool((a as u64) < (b as u64)));
    Ok(1)
}

fn math_log(st: &mut State) -> LuaResult<usize> {
    let x = st.check_f64(1)?;
    let res = if st.is_none_or_nil(2) {
        x.ln()
    } else {
        let base = st.check_f64(2)?;
        if base == 2.0 {
            x.log2()
        } else if base == 10.0 {
            x.log10()
        } else {
            x.ln() / base.ln()
        }
    };
    push_f(st, res)
}

/// Numbers compare without calling into Lua; anything else goes through `api::less_than`.
fn lt(st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
    match (a.as_int(), b.as_int()) {
        (Some(x), Some(y)) => Ok(x < y),
        _ => match (a.as_float(), b.as_float()) {
            (Some(x), Some(y)) => Ok(x < y),
            _ => api::less_than(st, a, b),
        },
    }
}

fn math_min(st: &mut State) -> LuaResult<usize> {
    extreme(st, false)
}

fn math_max(st: &mut State) -> LuaResult<usize> {
    extreme(st, true)
}

/// The smallest (or largest) argument, compared with `<` as PUC Lua does.
fn extreme(st: &mut State, max: bool) -> LuaResult<usize> {
    let n = st.nargs();
    if n < 1 {
        return Err(st.arg_error(1, "value expected"));
    }
    let mut best = st.arg(1);
    for i in 2..=n {
        let v = st.arg(i);
        let better = if max {
            lt(st, best, v)?
        } else {
            lt(st, v, best)?
        };
        if better {
            best = v;
        }
    }
    st.push(best);
    Ok(1)
}

fn math_type(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    if v.is_int() {
        st.push_str(b"integer");
    } else if v.is_float() {
        st.push_str(b"float");
    } else {
        st.check_any(1)?;
        st.push(Value::NIL);
    }
    Ok(1)
}

// ---------------------------------------------------------------------- random

/// The generator state of the running `random`/`randomseed` (their first upvalue).
fn rng(st: &State) -> &'static mut Xoshiro {
    let f = st.thread.stack[st.frame().func];
    let ud = f
        .as_nclosure()
        .and_then(|c| c.upvals.first().copied())
        .and_then(|u| u.as_userdata())
        .expect("math.random without its state upvalue");
    ud.data_mut()
        .downcast_mut::<Xoshiro>()
        .expect("math.random state")
}

fn math_random(st: &mut State) -> LuaResult<usize> {
    let rv = rng(st).next_u64();
    let (low, up) = match st.nargs() {
        0 => {
            st.push(Value::float(bits_to_float(rv)));
            return Ok(1);
        }
        1 => {
            let up = st.check_int(1)?;
            if up == 0 {
                st.push(Value::int(rv as i64));
                return Ok(1);
            }
            (1, up)
        }
        2 => (st.check_int(1)?, st.check_int(2)?),
        _ => return Err(st.error("wrong number of arguments")),
    };
    if low > up {
        return Err(st.arg_error(1, "interval is empty"));
    }
    let p = rng(st).project(rv, (up as u64).wrapping_sub(low as u64));
    st.push(Value::int(p.wrapping_add(low as u64) as i64));
    Ok(1)
}

/// Seed components for `randomseed()` without arguments: the time and an address.
fn random_seed_words(st: &State) -> (u64, u64) {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (t, st as *const State as usize as u64)
}

fn math_randomseed(st: &mut State) -> LuaResult<usize> {
    let (n1, n2) = if st.nargs() == 0 {
        random_seed_words(st)
    } else {
        let n1 = st.check_int(1)?;
        let n2 = st.opt_int(2, 0)?;
        (n1 as u64, n2 as u64)
    };
    *rng(st) = Xoshiro::seeded(n1, n2);
    st.push(Value::int(n1 as i64));
    st.push(Value::int(n2 as i64));
    Ok(2)
}

/// The `math` functions a JIT may compute inline, by name, when `f` is one of them.
pub fn jit_builtin(f: ferrous_runtime::state::NativeFn) -> Option<&'static str> {
    type F = ferrous_runtime::state::NativeFn;
    let table = [
        (math_sqrt as F, "sqrt"),
        (math_floor, "floor"),
        (math_ceil, "ceil"),
        (math_abs, "abs"),
        (math_sin, "sin"),
        (math_cos, "cos"),
        (math_tan, "tan"),
        (math_exp, "exp"),
        (math_log, "log"),
    ];
    super::jit_name(&table, f)
}

pub fn open(st: &mut State) {
    let t = st.new_table(0, 32);
    st.set_fn(t, "abs", math_abs);
    st.set_fn(t, "acos", math_acos);
    st.set_fn(t, "asin", math_asin);
    st.set_fn(t, "atan", math_atan);
    st.set_fn(t, "ceil", math_ceil);
    st.set_fn(t, "cos", math_cos);
    st.set_fn(t, "deg", math_deg);
    st.set_fn(t, "exp", math_exp);
    st.set_fn(t, "tointeger", math_toint);
    st.set_fn(t, "floor", math_floor);
    st.set_fn(t, "fmod", math_fmod);
    st.set_fn(t, "ult", math_ult);
    st.set_fn(t, "log", math_log);
    st.set_fn(t, "max", math_max);
    st.set_fn(t, "min", math_min);
    st.set_fn(t, "modf", math_modf);
    st.set_fn(t, "rad", math_rad);
    st.set_fn(t, "sin", math_sin);
    st.set_fn(t, "sqrt", math_sqrt);
    st.set_fn(t, "tan", math_tan);
    st.set_fn(t, "type", math_type);
    st.set_field(t, "pi", Value::float(std::f64::consts::PI));
    st.set_field(t, "huge", Value::float(f64::INFINITY));
    st.set_field(t, "maxinteger", Value::int(i64::MAX));
    st.set_field(t, "mininteger", Value::int(i64::MIN));

    let (n1, n2) = random_seed_words(st);
    let ud = st
        .heap
        .alloc(Userdata::new(Box::new(Xoshiro::seeded(n1, n2)), 0));
    let state = Value::userdata(ud);
    let f = st.new_native_with_upvals(math_random, "random", vec![state]);
    st.set_field(t, "random", f);
    let f = st.new_native_with_upvals(math_randomseed, "randomseed", vec![state]);
    st.set_field(t, "randomseed", f);

    st.set_field(st.globals, "math", Value::table(t));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outputs of PUC Lua 5.4 for `math.randomseed(42)` followed by `math.random(0)`,
    /// `math.random(3)`, `math.random(-5, 1000000007)`, `math.random()`.
    #[test]
    fn matches_puc_sequence() {
        let mut r = Xoshiro::seeded(42, 0);
        assert_eq!(r.next_u64() as i64, -1276290044721465627);
        let v = r.next_u64();
        assert_eq!(r.project(v, 2) + 1, 2);
        let v = r.next_u64();
        let p = r.project(v, (1000000007u64).wrapping_sub(-5i64 as u64));
        assert_eq!(p.wrapping_add(-5i64 as u64) as i64, 599768390);
        let f = bits_to_float(r.next_u64());
        assert_eq!(ferrous_runtime::number::fmt_g(f, 14), "0.79358935263827");
    }

    /// `math.randomseed(42); print(math.random(1,100), math.random())` gives
    /// `50  0.54688311243421` in PUC Lua 5.4.
    #[test]
    fn range_and_float() {
        let mut r = Xoshiro::seeded(42, 0);
        let v = r.next_u64();
        assert_eq!(r.project(v, 99) + 1, 50);
        let f = bits_to_float(r.next_u64());
        assert_eq!(ferrous_runtime::number::fmt_g(f, 14), "0.54688311243421");
    }

    #[test]
    fn float_range() {
        assert_eq!(bits_to_float(0), 0.0);
        assert!(bits_to_float(u64::MAX) < 1.0);
    }
}
