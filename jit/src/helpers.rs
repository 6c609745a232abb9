//! Helpers that compiled traces call for operations without a machine instruction.
//! Each is an `extern "C"` function of plain numbers, and none can unwind.

use ferrous_ir::op::MathFn;
use ferrous_runtime::number::{lua_fmod, lua_idiv, shift_left as lua_shl};

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
