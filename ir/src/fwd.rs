//! Load forwarding, applied as loads are emitted: a load gets the value of the newest
//! store to its address, or is an earlier identical load, when no store in between may
//! write what it reads. With loop peeling this is what hoists invariant loads: the loop
//! body's copy of a load finds the pre-roll's when nothing in a whole iteration may
//! write there; a load the iteration does write is forwarded the stored value, which
//! peeling turns into a PHI.
//!
//! Alias rules, conservative where nothing simple is known:
//! - Array and node slots are disjoint memory. An `ARef` (array) and an `HRefK` (node)
//!   address never alias; a `TRef` address may be either.
//! - Two `ARef`s into the same array part at indices that differ by a known nonzero
//!   constant do not alias; two `HRefK`s guarded to hold different keys do not.
//! - Upvalue objects that are different constants are different.
//! - `TSet` is a helper that may add a key and resize its table: it may write any
//!   table slot and change any table's shape (array and node addresses and sizes).
//! - A table's border (`TLen`) and the entries a traversal visits (`TNext`) change with
//!   any store of a value.
//!   A `TSet` into a table the trace made changes no other table the trace made, nor
//!   one that existed before it ran (a constant).
//! - Only `SetMeta` changes a metatable: that of its table, and maybe of any table but
//!   another the trace made or one that existed before it ran.
//! - No op of a trace changes a string, a closure or the base frame's function.

use crate::ins::{Ins, Ref};
use crate::op::{Field, Op};
use crate::trace::{Const, Trace};

/// What the emitted load `ins` is: an earlier value (a load or a stored value), if
/// one is certain.
pub fn find(t: &Trace, ins: &Ins) -> Option<Ref> {
    match ins.op {
        Op::BaseFn => return crate::cse::find(t, ins),
        Op::SLoad => return None,
        Op::FLoad if matches!(Field::from_lit(ins.b), Some(Field::StrLen | Field::FnProto)) => {
            return crate::cse::find(t, ins)
        }
        _ => {}
    }
    // The newest identical load (or guard), and the stores after it.
    let earlier = crate::cse::find(t, ins);
    let floor = earlier.map_or(0, |r| r.index() + 1);
    for i in (floor..t.ins.len()).rev() {
        let s = &t.ins[i];
        match effect(t, ins, s) {
            Effect::None => {}
            Effect::Writes(v) => {
                // (A metatable field holds a table's address: `SetMeta`'s operand.)
                let same = v.ty() == ins.ty || s.op == Op::SetMeta;
                return (same && ins.op != Op::NotNil).then_some(v);
            }
            Effect::Clobbers => return None,
        }
    }
    earlier
}

enum Effect {
    /// Store `s` cannot change what the load reads.
    None,
    /// It writes this value where the load reads.
    Writes(Ref),
    /// It may change what the load reads.
    Clobbers,
}

/// What store `s` does to what `load` reads.
fn effect(t: &Trace, load: &Ins, s: &Ins) -> Effect {
    if load.op == Op::FLoad && Field::from_lit(load.b) == Some(Field::TabMeta) {
        return match s.op {
            Op::SetMeta if s.a == load.a => Effect::Writes(s.rb()),
            Op::SetMeta if !distinct_tables(t, load.ra(), s.ra()) => Effect::Clobbers,
            _ => Effect::None,
        };
    }
    match (load.op, s.op) {
        (_, Op::TSet) => match table_read(t, load) {
            Some(tab) if distinct_tables(t, tab, s.ra()) => Effect::None,
            _ => Effect::Clobbers,
        },
        (Op::ULoad, Op::UStore) => {
            if s.a == load.a {
                Effect::Writes(s.rb())
            } else if load.ra().is_const() && s.ra().is_const() {
                Effect::None
            } else {
                Effect::Clobbers
            }
        }
        (Op::ALoad | Op::HLoad | Op::NotNil, Op::AStore | Op::HStore) => {
            if s.a == load.a {
                Effect::Writes(s.rb())
            } else if disjoint(t, load.ra(), s.ra()) {
                Effect::None
            } else {
                Effect::Clobbers
            }
        }
        // A stored nil moves the border and makes an entry one traversal skips.
        (Op::TLen | Op::TNext, Op::AStore | Op::HStore) => Effect::Clobbers,
        _ => Effect::None,
    }
}

/// Whether tables `a` and `b` are certainly different objects: two tables the trace
/// made, or one it made and one that existed before it ran (a constant).
pub fn distinct_tables(t: &Trace, a: Ref, b: Ref) -> bool {
    let fresh = |r: Ref| t.ins_of(r).is_some_and(|i| i.op == Op::TNew);
    a != b && (fresh(a) || a.is_const()) && (fresh(b) || b.is_const()) && (fresh(a) || fresh(b))
}

/// The table whose memory `load` reads, when the address says: a field of it, or a
/// slot of its array or nodes.
fn table_read(t: &Trace, load: &Ins) -> Option<Ref> {
    let field_of = |r: Ref| {
        let i = t.ins_of(r)?;
        (i.op == Op::FLoad).then(|| i.ra())
    };
    match load.op {
        Op::FLoad => Some(load.ra()),
        Op::ALoad | Op::HLoad | Op::NotNil => {
            let addr = t.ins_of(load.ra())?;
            match addr.op {
                Op::ARef | Op::HRefK => field_of(addr.ra()),
                Op::TRef => Some(addr.ra()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether slot addresses `a` and `b` (different refs) certainly differ.
fn disjoint(t: &Trace, a: Ref, b: Ref) -> bool {
    let (Some(x), Some(y)) = (t.ins_of(a), t.ins_of(b)) else {
        return false;
    };
    match (x.op, y.op) {
        (Op::ARef, Op::HRefK) | (Op::HRefK, Op::ARef) => true,
        (Op::HRefK, Op::HRefK) => slot_key(t, x.rb()) != slot_key(t, y.rb()),
        (Op::ARef, Op::ARef) => x.a == y.a && offset(t, x.rb(), y.rb()).is_some_and(|d| d != 0),
        _ => false,
    }
}

/// The key a `Const::Slot` operand says its node holds.
fn slot_key(t: &Trace, r: Ref) -> Option<Ref> {
    match t.const_of(r) {
        Some(Const::Slot { key, .. }) => Some(key),
        _ => None,
    }
}

/// `a - b` when the two integers differ by a known constant.
fn offset(t: &Trace, a: Ref, b: Ref) -> Option<i64> {
    let (ba, ka) = base_plus(t, a);
    let (bb, kb) = base_plus(t, b);
    (ba == bb).then(|| ka.wrapping_sub(kb))
}

/// `r` as a base plus a constant: `x + k` gives `(x, k)`, a constant `k` gives
/// `(NONE, k)`, anything else `(r, 0)`.
fn base_plus(t: &Trace, r: Ref) -> (Ref, i64) {
    if let Some(k) = t.int_const(r) {
        return (Ref::NONE, k);
    }
    match t.ins_of(r) {
        Some(i) if i.op == Op::Add => match (t.int_const(i.ra()), t.int_const(i.rb())) {
            (None, Some(k)) => (i.ra(), k),
            (Some(k), None) => (i.rb(), k),
            _ => (r, 0),
        },
        _ => (r, 0),
    }
}
