//! Constant folding and algebraic simplification, applied to each instruction as it is
//! emitted. A rule either answers with a value (a constant, an operand, an earlier
//! instruction), rewrites the instruction into a simpler one (which goes through the
//! rules again), or leaves it alone.
//!
//! Integer arithmetic wraps and floor-divides as Lua 5.4's does. Float rules never
//! assume what IEEE arithmetic does not give: `x * 0.0` is not `0.0` (NaN, infinities,
//! the sign of zero), `x + 0.0` is not `x` (`-0.0 + 0.0` is `0.0`).

use crate::ins::{Ins, Ref, Ty};
use crate::op::{MathFn, Op};
use crate::trace::{Const, Trace};
use ferrous_runtime::number::{lua_fmod, lua_idiv, lua_imod, shift_left};

/// What folding made of an instruction.
pub enum Folded {
    /// Its value, without emitting anything (`Ref::NONE` for a guard known to hold).
    To(Ref),
    /// The instruction to emit: the original or a simpler one.
    Ins(Ins),
}

enum Step {
    To(Ref),
    Retry(Ins),
    Keep,
}

/// Folds `ins` as far as the rules go.
pub fn fold(t: &mut Trace, mut ins: Ins) -> Folded {
    // Each rewrite makes the instruction simpler, so this ends; the bound is a guard
    // against a rule pair that would undo each other.
    for _ in 0..8 {
        match step(t, &ins) {
            Step::To(r) => return Folded::To(r),
            Step::Retry(next) => ins = next,
            Step::Keep => break,
        }
    }
    Folded::Ins(ins)
}

fn step(t: &mut Trace, ins: &Ins) -> Step {
    let (a, b) = (ins.ra(), ins.rb());
    // Constants to the right of commutative ops and comparisons.
    if a.is_const() && !b.is_const() && !b.is_none() {
        let swapped = match ins.op {
            Op::Add | Op::Mul if ins.ty == Ty::Int || ins.ty == Ty::Num => Some(ins.op),
            Op::BAnd | Op::BOr | Op::BXor | Op::Eq | Op::Ne => Some(ins.op),
            Op::Min | Op::Max if ins.ty == Ty::Int => Some(ins.op),
            Op::Lt => Some(Op::Gt),
            Op::Gt => Some(Op::Lt),
            Op::Le => Some(Op::Ge),
            Op::Ge => Some(Op::Le),
            _ => None,
        };
        if let Some(op) = swapped {
            return Step::Retry(Ins::new(op, ins.ty, ins.b, ins.a));
        }
    }
    match ins.ty {
        Ty::Int => {
            if let Some(s) = fold_int(t, ins, a, b) {
                return s;
            }
        }
        Ty::Num => {
            if let Some(s) = fold_num(t, ins, a, b) {
                return s;
            }
        }
        _ => {}
    }
    match ins.op {
        Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne => fold_guard(t, ins.op, a, b),
        Op::ToNum => match t.int_const(a) {
            Some(i) => Step::To(t.knum(i as f64)),
            None => Step::Keep,
        },
        _ => Step::Keep,
    }
}

/// Integer results: constant operands, identities, reassociated constants.
fn fold_int(t: &mut Trace, ins: &Ins, a: Ref, b: Ref) -> Option<Step> {
    let (ka, kb) = (t.int_const(a), t.int_const(b));
    if let (Some(x), Some(y)) = (ka, kb) {
        let v = match ins.op {
            Op::Add => x.wrapping_add(y),
            Op::Sub => x.wrapping_sub(y),
            Op::Mul => x.wrapping_mul(y),
            Op::IDiv if y != 0 => lua_idiv(x, y),
            Op::Mod if y != 0 => lua_imod(x, y),
            Op::Min => x.min(y),
            Op::Max => x.max(y),
            Op::BAnd => x & y,
            Op::BOr => x | y,
            Op::BXor => x ^ y,
            Op::BShl => shift_left(x, y),
            Op::BShr => shift_left(x, y.wrapping_neg()),
            _ => return None,
        };
        return Some(Step::To(t.kint(v)));
    }
    if let Some(x) = ka {
        let v = match ins.op {
            Op::Neg => x.wrapping_neg(),
            Op::BNot => !x,
            _ => return None,
        };
        return Some(Step::To(t.kint(v)));
    }
    if a == b && !a.is_none() {
        // The same integer on both sides.
        match ins.op {
            Op::Sub | Op::BXor => return Some(Step::To(t.kint(0))),
            Op::BAnd | Op::BOr | Op::Min | Op::Max => return Some(Step::To(a)),
            _ => {}
        }
    }
    if ins.op == Op::ToInt {
        // A float constant with an exact integer value.
        let n = t.num_const(a)?;
        return exact_int(n).map(|i| Step::To(t.kint(i)));
    }
    let y = kb?;
    let step = match (ins.op, y) {
        (Op::Add | Op::Sub | Op::BOr | Op::BXor | Op::BShl | Op::BShr, 0) => Step::To(a),
        (Op::Mul | Op::IDiv, 1) | (Op::BAnd, -1) => Step::To(a),
        (Op::Mul | Op::BAnd, 0) | (Op::Mod, 1 | -1) => Step::To(t.kint(0)),
        (Op::Sub, y) if y != i64::MIN => {
            let k = t.kint(-y);
            Step::Retry(Ins::new(Op::Add, Ty::Int, a.raw(), k.raw()))
        }
        (Op::Add, y) => {
            // (x + k1) + k2 => x + (k1 + k2): wrapping addition is associative.
            let inner = *t.ins_of(a)?;
            if inner.carried {
                return None;
            }
            let k1 = t.int_const(inner.rb()).filter(|_| inner.op == Op::Add)?;
            let k = t.kint(k1.wrapping_add(y));
            Step::Retry(Ins::new(Op::Add, Ty::Int, inner.a, k.raw()))
        }
        _ => return None,
    };
    Some(step)
}

/// Float results: constant operands and the identities IEEE arithmetic keeps.
fn fold_num(t: &mut Trace, ins: &Ins, a: Ref, b: Ref) -> Option<Step> {
    let (ka, kb) = (t.num_const(a), t.num_const(b));
    if let (Some(x), Some(y)) = (ka, kb) {
        let v = match ins.op {
            Op::Add => x + y,
            Op::Sub => x - y,
            Op::Mul => x * y,
            Op::Div => x / y,
            Op::Pow => x.powf(y),
            Op::IDiv => (x / y).floor(),
            Op::Mod => lua_fmod(x, y),
            Op::Min => num_min(x, y),
            Op::Max => num_max(x, y),
            _ => return None,
        };
        return Some(Step::To(t.knum(v)));
    }
    if let Some(x) = ka {
        let v = match ins.op {
            Op::Neg => -x,
            Op::Math => MathFn::from_lit(ins.b)?.eval(x),
            _ => return None,
        };
        return Some(Step::To(t.knum(v)));
    }
    let y = kb?;
    match ins.op {
        // x - 0.0 and x * 1.0 and x / 1.0 are x for every x, -0.0 and NaN included.
        Op::Sub if y == 0.0 && y.is_sign_positive() => Some(Step::To(a)),
        Op::Mul | Op::Div if y == 1.0 => Some(Step::To(a)),
        _ => None,
    }
}

/// Guards on two constants: one that holds goes away.
fn fold_guard(t: &Trace, op: Op, a: Ref, b: Ref) -> Step {
    let ord = match (t.const_of(a), t.const_of(b)) {
        (Some(Const::Int(x)), Some(Const::Int(y))) => x.partial_cmp(&y),
        (Some(Const::Num(x)), Some(Const::Num(y))) => x.partial_cmp(&y),
        (Some(x), Some(y)) if matches!(op, Op::Eq | Op::Ne) => {
            // Other constants are equal when they are the same constant.
            let same = x == y;
            return if same == (op == Op::Eq) {
                Step::To(Ref::NONE)
            } else {
                Step::Keep
            };
        }
        _ => return Step::Keep,
    };
    use std::cmp::Ordering::*;
    let holds = match (op, ord) {
        (_, None) => op == Op::Ne,
        (Op::Lt, Some(o)) => o == Less,
        (Op::Le, Some(o)) => o != Greater,
        (Op::Gt, Some(o)) => o == Greater,
        (Op::Ge, Some(o)) => o != Less,
        (Op::Eq, Some(o)) => o == Equal,
        (Op::Ne, Some(o)) => o != Equal,
        _ => false,
    };
    if holds {
        Step::To(Ref::NONE)
    } else {
        // Always fails: kept, so that the trace exits there.
        Step::Keep
    }
}

/// `math.min` on two floats: the first unless the second is smaller.
pub fn num_min(x: f64, y: f64) -> f64 {
    if y < x {
        y
    } else {
        x
    }
}

/// `math.max` on two floats: the first unless the second is larger.
pub fn num_max(x: f64, y: f64) -> f64 {
    if y > x {
        y
    } else {
        x
    }
}

/// The integer a float is exactly, if any.
pub fn exact_int(n: f64) -> Option<i64> {
    // -2^63 is exact; 2^63 is not an i64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    (n.floor() == n && (-TWO_63..TWO_63).contains(&n)).then_some(n as i64)
}
