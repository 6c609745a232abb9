//! Common-subexpression elimination, applied as instructions are emitted: a pure
//! instruction or a guard identical to an earlier one (same op, type and operands) is
//! that earlier one. The search walks the op's chain backwards and stops below the
//! newest operand, where no equal instruction can be.

use crate::ins::{Ins, NO_PREV};
use crate::trace::Trace;

/// The earlier instruction equal to `ins`, if any.
pub fn find(t: &Trace, ins: &Ins) -> Option<crate::ins::Ref> {
    let lim = ins
        .refs()
        .filter(|r| !r.is_const() && !r.is_none())
        .map(|r| r.index())
        .max()
        .unwrap_or(0);
    let mut i = t.chain_head(ins.op)?;
    loop {
        if i < lim {
            return None;
        }
        let e = &t.ins[i];
        if e.ty == ins.ty && e.a == ins.a && e.b == ins.b {
            return Some(crate::ins::Ref::ins(i, e.ty));
        }
        if e.prev == NO_PREV {
            return None;
        }
        i = e.prev as usize;
    }
}
