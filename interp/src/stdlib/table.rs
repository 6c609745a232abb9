//! The `table` library (PUC Lua 5.4.8's ltablib.c).
//!
//! As in 5.4, every function goes through `__index`/`__newindex`/`__len` (lua_geti,
//! lua_seti, luaL_len), and accepts a non-table whose metatable provides the metamethods
//! it needs. Plain tables without a metatable take a raw fast path: `sort` and `insert`
//! are hot.
//!
//! `sort` is PUC's quicksort, step for step (same comparisons in the same order), so an
//! inconsistent comparator raises "invalid order function for sorting" exactly when the
//! reference does. GC rule: a collection can run inside any call into Lua (a comparator,
//! a metamethod), so every value `sort` holds across such a call sits in one of three
//! scratch stack slots reserved above its arguments.

use crate::vm::api;
use ferrous_runtime::state::number_to_bytes;
use ferrous_runtime::{LuaResult, State, Value};

const TAB_R: u8 = 1;
const TAB_W: u8 = 2;
const TAB_L: u8 = 4;
const TAB_RW: u8 = TAB_R | TAB_W;

/// Checks that argument `arg` is a table or has a metatable with the metamethods `what`
/// needs (PUC's `checktab`).
fn checktab(st: &mut State, arg: usize, what: u8) -> LuaResult<()> {
    let v = st.arg(arg);
    if v.is_table() {
        return Ok(());
    }
    if let Some(mt) = st.metatable_of(v) {
        let has = |st: &mut State, name: &str| !st.get_field(mt, name).is_nil();
        if (what & TAB_R == 0 || has(st, "__index"))
            && (what & TAB_W == 0 || has(st, "__newindex"))
            && (what & TAB_L == 0 || has(st, "__len"))
        {
            return Ok(());
        }
    }
    Err(st.type_error(arg, "table"))
}

/// `t[i]` with metamethods (raw for tables without a metatable).
#[inline]
fn geti(st: &mut State, t: Value, i: i64) -> LuaResult<Value> {
    if let Some(tb) = t.as_table() {
        if tb.metatable.is_none() {
            return Ok(tb.get_int(i));
        }
    }
    api::index(st, t, Value::int(i))
}

/// `t[i] = v` with metamethods (raw for tables without a metatable).
#[inline]
fn seti(st: &mut State, t: Value, i: i64, v: Value) -> LuaResult<()> {
    if let Some(tb) = t.as_table() {
        if tb.metatable.is_none() {
            st.heap.write_table(tb, |t| t.set_int(i, v));
            return Ok(());
        }
    }
    api::set_index(st, t, Value::int(i), v)
}

/// `#t` with `__len` (luaL_len).
fn len(st: &mut State, t: Value) -> LuaResult<i64> {
    if let Some(tb) = t.as_table() {
        if tb.metatable.is_none() {
            return Ok(tb.border() as i64);
        }
    }
    api::len(st, t)
}

/// PUC's `aux_getn`: check the argument, then take its length.
fn aux_getn(st: &mut State, arg: usize, what: u8) -> LuaResult<i64> {
    checktab(st, arg, what | TAB_L)?;
    let t = st.arg(arg);
    len(st, t)
}

fn tinsert(st: &mut State) -> LuaResult<usize> {
    let t = st.arg(1);
    let e = aux_getn(st, 1, TAB_RW)?.wrapping_add(1);
    let pos = match st.nargs() {
        2 => e,
        3 => {
            let pos = st.check_int(2)?;
            if (pos as u64).wrapping_sub(1) >= e as u64 {
                return Err(st.arg_error(2, "position out of bounds"));
            }
            let mut i = e;
            while i > pos {
                let v = geti(st, t, i - 1)?;
                seti(st, t, i, v)?;
                i -= 1;
            }
            pos
        }
        _ => return Err(st.error("wrong number of arguments to 'insert'")),
    };
    let v = st.arg(st.nargs());
    seti(st, t, pos, v)?;
    Ok(0)
}

fn tremove(st: &mut State) -> LuaResult<usize> {
    let t = st.arg(1);
    let size = aux_getn(st, 1, TAB_RW)?;
    let mut pos = st.opt_int(2, size)?;
    if pos != size && (pos as u64).wrapping_sub(1) > size as u64 {
        return Err(st.arg_error(2, "position out of bounds"));
    }
    let result = geti(st, t, pos)?;
    st.push(result); // rooted while the shifts below may call into Lua
    while pos < size {
        let v = geti(st, t, pos + 1)?;
        seti(st, t, pos, v)?;
        pos += 1;
    }
    seti(st, t, pos, Value::NIL)?;
    Ok(1)
}

fn tmove(st: &mut State) -> LuaResult<usize> {
    let f = st.check_int(2)?;
    let e = st.check_int(3)?;
    let t = st.check_int(4)?;
    let tt = if !st.is_none_or_nil(5) { 5 } else { 1 };
    checktab(st, 1, TAB_R)?;
    checktab(st, tt, TAB_W)?;
    let src = st.arg(1);
    let dst = st.arg(tt);
    if e >= f {
        if !(f > 0 || e < i64::MAX + f) {
            return Err(st.arg_error(3, "too many elements to move"));
        }
        let n = e - f + 1;
        if t > i64::MAX - n + 1 {
            return Err(st.arg_error(4, "destination wrap around"));
        }
        let forward = t > e || t <= f || (tt != 1 && !api::equals(st, src, dst)?);
        if forward {
            for i in 0..n {
                let v = geti(st, src, f + i)?;
                seti(st, dst, t + i, v)?;
            }
        } else {
            for i in (0..n).rev() {
                let v = geti(st, src, f + i)?;
                seti(st, dst, t + i, v)?;
            }
        }
    }
    st.push(dst);
    Ok(1)
}

/// Appends `t[i]` to the concatenation buffer (PUC's `addfield`).
fn addfield(st: &mut State, buf: &mut Vec<u8>, t: Value, i: i64) -> LuaResult<()> {
    let v = geti(st, t, i)?;
    if let Some(s) = v.as_string() {
        buf.extend_from_slice(s.as_bytes());
    } else if v.is_number() {
        buf.extend_from_slice(&number_to_bytes(v));
    } else {
        let msg = format!(
            "invalid value ({}) at index {} in table for 'concat'",
            v.type_name(),
            i
        );
        return Err(st.error(msg));
    }
    Ok(())
}

fn tconcat(st: &mut State) -> LuaResult<usize> {
    let t = st.arg(1);
    let last = aux_getn(st, 1, TAB_R)?;
    let sep = match st.opt_str(2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => Vec::new(),
    };
    let mut i = st.opt_int(3, 1)?;
    let last = st.opt_int(4, last)?;
    let mut buf = Vec::new();
    while i < last {
        addfield(st, &mut buf, t, i)?;
        buf.extend_from_slice(&sep);
        i += 1;
    }
    if i == last {
        addfield(st, &mut buf, t, i)?;
    }
    let s = st.string_value_owned(buf);
    st.push(s);
    Ok(1)
}

fn tpack(st: &mut State) -> LuaResult<usize> {
    let n = st.nargs();
    let t = st.new_table(n, 1);
    for i in 1..=n {
        let v = st.arg(i);
        st.heap.write(t).set_int(i as i64, v);
    }
    st.set_field(t, "n", Value::int(n as i64));
    st.push(Value::table(t));
    Ok(1)
}

fn tunpack(st: &mut State) -> LuaResult<usize> {
    let t = st.arg(1);
    let i = st.opt_int(2, 1)?;
    let e = if st.is_none_or_nil(3) {
        len(st, t)?
    } else {
        st.check_int(3)?
    };
    if i > e {
        return Ok(0);
    }
    let n = (e as u64).wrapping_sub(i as u64); // number of elements minus 1
    if n >= i32::MAX as u64 || !st.thread.get_mut().ensure(n as usize + 1) {
        return Err(st.error("too many results to unpack"));
    }
    if let Some(tb) = t.as_table().filter(|tb| tb.metatable.is_none()) {
        let mut k = i;
        loop {
            st.push(tb.get_int(k));
            if k == e {
                break;
            }
            k += 1;
        }
    } else {
        let mut k = i;
        loop {
            let v = geti(st, t, k)?;
            st.push(v);
            if k == e {
                break;
            }
            k += 1;
        }
    }
    Ok(n as usize + 1)
}

// ---------------------------------------------------------------------- sort

/// Arrays larger than this may use randomized pivots.
const RANLIMIT: u64 = 100;

/// A "random" number for pivot choice from the clock (PUC's `l_randomizePivot`).
fn randomize_pivot() -> u32 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs() as u32).wrapping_add(d.subsec_nanos())
}

struct Sorter {
    t: Value,
    /// The comparison function, or nil for `<`.
    cmp: Value,
    /// First of three scratch stack slots that keep held values rooted.
    slots: usize,
}

impl Sorter {
    #[inline]
    fn hold(&self, st: &mut State, k: usize, v: Value) {
        st.thread.get_mut().stack[self.slots + k] = v;
    }

    /// `t[i]`, kept rooted in scratch slot `k`.
    #[inline]
    fn get(&self, st: &mut State, i: u64, k: usize) -> LuaResult<Value> {
        let v = geti(st, self.t, i as i64)?;
        self.hold(st, k, v);
        Ok(v)
    }

    #[inline]
    fn set(&self, st: &mut State, i: u64, v: Value) -> LuaResult<()> {
        seti(st, self.t, i as i64, v)
    }

    /// Whether `a` sorts before `b`.
    #[inline]
    fn less(&self, st: &mut State, a: Value, b: Value) -> LuaResult<bool> {
        if self.cmp.is_nil() {
            if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
                return Ok(x < y);
            }
            if let (Some(x), Some(y)) = (a.as_float(), b.as_float()) {
                return Ok(x < y);
            }
            api::less_than(st, a, b)
        } else {
            Ok(api::call_value(st, self.cmp, &[a, b])?.truthy())
        }
    }

    fn invalid_order(st: &mut State) -> ferrous_runtime::Throw {
        st.error("invalid order function for sorting")
    }

    /// Partitions `[lo, up]` around the pivot `p` (already at `up - 1`); returns the
    /// pivot's final position.
    fn partition(&self, st: &mut State, lo: u64, up: u64, p: Value) -> LuaResult<u64> {
        let mut i = lo;
        let mut j = up - 1;
        loop {
            // repeat ++i while a[i] < P
            let mut ai;
            loop {
                i += 1;
                ai = self.get(st, i, 1)?;
                if !self.less(st, ai, p)? {
                    break;
                }
                if i == up - 1 {
                    return Err(Self::invalid_order(st));
                }
            }
            // repeat --j while P < a[j]
            let mut aj;
            loop {
                j -= 1;
                aj = self.get(st, j, 2)?;
                if !self.less(st, p, aj)? {
                    break;
                }
                if j < i {
                    return Err(Self::invalid_order(st));
                }
            }
            if j < i {
                // swap the pivot (a[up - 1]) with a[i]
                self.set(st, up - 1, ai)?;
                self.set(st, i, p)?;
                return Ok(i);
            }
            self.set(st, i, aj)?;
            self.set(st, j, ai)?;
        }
    }

    fn auxsort(&self, st: &mut State, mut lo: u64, mut up: u64, mut rnd: u32) -> LuaResult<()> {
        while lo < up {
            // sort elements lo, p, up
            let a_lo = self.get(st, lo, 1)?;
            let a_up = self.get(st, up, 2)?;
            if self.less(st, a_up, a_lo)? {
                self.set(st, lo, a_up)?;
                self.set(st, up, a_lo)?;
            }
            if up - lo == 1 {
                return Ok(());
            }
            let mut p = if up - lo < RANLIMIT || rnd == 0 {
                (lo + up) / 2
            } else {
                let r4 = (up - lo) / 4;
                (rnd as u64) % (r4 * 2) + (lo + r4)
            };
            let a_p = self.get(st, p, 0)?;
            let a_lo = self.get(st, lo, 1)?;
            if self.less(st, a_p, a_lo)? {
                self.set(st, p, a_lo)?;
                self.set(st, lo, a_p)?;
            } else {
                let a_up = self.get(st, up, 2)?;
                if self.less(st, a_up, a_p)? {
                    self.set(st, p, a_up)?;
                    self.set(st, up, a_p)?;
                }
            }
            if up - lo == 2 {
                return Ok(());
            }
            let pivot = self.get(st, p, 0)?;
            let a_up1 = self.get(st, up - 1, 1)?;
            self.set(st, p, a_up1)?;
            self.set(st, up - 1, pivot)?;
            p = self.partition(st, lo, up, pivot)?;
            let n;
            if p - lo < up - p {
                self.auxsort(st, lo, p - 1, rnd)?;
                n = p - lo;
                lo = p + 1;
            } else {
                self.auxsort(st, p + 1, up, rnd)?;
                n = up - p;
                up = p - 1;
            }
            // (unsigned arithmetic as in PUC: a wrapped difference also re-randomizes)
            if ((up as u32).wrapping_sub(lo as u32)) / 128 > n as u32 {
                rnd = randomize_pivot();
            }
        }
        Ok(())
    }
}

fn tsort(st: &mut State) -> LuaResult<usize> {
    let n = aux_getn(st, 1, TAB_RW)?;
    if n > 1 {
        if n >= i32::MAX as i64 {
            return Err(st.arg_error(1, "array too big"));
        }
        let cmp = st.arg(2);
        if !cmp.is_nil() && !cmp.is_function() {
            return Err(st.type_error(2, "function"));
        }
        let sorter = Sorter {
            t: st.arg(1),
            cmp,
            slots: st.thread.top,
        };
        for _ in 0..3 {
            st.push(Value::NIL);
        }
        sorter.auxsort(st, 1, n as u64, 0)?;
    }
    Ok(0)
}

pub fn open(st: &mut State) {
    let t = st.new_table(0, 8);
    st.set_fn(t, "concat", tconcat);
    st.set_fn(t, "insert", tinsert);
    st.set_fn(t, "pack", tpack);
    st.set_fn(t, "unpack", tunpack);
    st.set_fn(t, "remove", tremove);
    st.set_fn(t, "move", tmove);
    st.set_fn(t, "sort", tsort);
    st.set_field(st.globals, "table", Value::table(t));
}
