//! Helpers that compiled traces call for operations without a machine instruction.
//! Each is an `extern "C"` function of plain numbers and object addresses, and none
//! can unwind. (Those that need the heap are in `native`.)

use ferrous_ir::op::MathFn;
use ferrous_runtime::number::{lua_fmod, lua_idiv, shift_left as lua_shl};
use ferrous_runtime::{Gc, Table, Value};

/// What a lookup of a missing key points at.
static NIL: Value = Value::NIL;

/// The border of the live table at `t` (its length without `__len`).
pub extern "C" fn table_len(t: usize) -> i64 {
    Gc::<Table>::from_addr(t).border() as i64
}

/// The traversal position of the entry after the key with `Value` words `kp`, `kt` in
/// the live table at `t` (`Table::next_position`): -1 past the last, -2 for a key the
/// table does not have (`next` raises an error: the trace leaves for it).
pub extern "C" fn table_next(t: usize, kp: u64, kt: u64) -> i64 {
    let t = Gc::<Table>::from_addr(t);
    match t.next_position(Value::raw(kp, kt as u8)) {
        Ok(Some(p)) => p as i64,
        Ok(None) => -1,
        Err(_) => -2,
    }
}

/// The address of the value of the key with `Value` words `kp`, `kt` in the live table
/// at `t`, in either part, or of a nil value if the table has no slot for it. The
/// trace loads from it at once, before anything can change the table.
pub extern "C" fn table_slot(t: usize, kp: u64, kt: u64) -> *const Value {
    let t: Gc<Table> = Gc::from_addr(t);
    let key = Value::raw(kp, kt as u8);
    t.slot(key).unwrap_or(&NIL) as *const Value
}

pub extern "C" fn num_mod(x: f64, y: f64) -> f64 {
    lua_fmod(x, y)
}

pub extern "C" fn num_pow(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// Floor division of integers (the divisor is known nonzero).
pub extern "C" fn int_idiv(x: i64, y: i64) -> i64 {
    lua_idiv(x, y)
}

pub extern "C" fn shift_left(x: i64, n: i64) -> i64 {
    lua_shl(x, n)
}

pub extern "C" fn shift_right(x: i64, n: i64) -> i64 {
    lua_shl(x, n.wrapping_neg())
}

extern "C" fn sin(x: f64) -> f64 {
    x.sin()
}
extern "C" fn cos(x: f64) -> f64 {
    x.cos()
}
extern "C" fn tan(x: f64) -> f64 {
    x.tan()
}
extern "C" fn exp(x: f64) -> f64 {
    x.exp()
}
extern "C" fn log(x: f64) -> f64 {
    x.ln()
}

/// The address of the helper for a `math` function without a machine instruction.
pub fn math_fn(f: MathFn) -> usize {
    let h: extern "C" fn(f64) -> f64 = match f {
        MathFn::Sin => sin,
        MathFn::Cos => cos,
        MathFn::Tan => tan,
        MathFn::Exp => exp,
        _ => log,
    };
    h as *const () as usize
}
