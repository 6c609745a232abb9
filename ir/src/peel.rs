//! Loop peeling: the recorded iteration is emitted a second time, after the `Loop`
//! marker, with every instruction's operands replaced by their values in the copy
//! (copy-substitution). Folding and CSE run on the copy as on any emitted instruction,
//! so whatever is invariant (an instruction whose operands did not change, a guard
//! already checked) folds back into the first copy and leaves the loop body; what
//! varies is emitted anew. The first copy becomes the loop's pre-roll, the second its
//! body, which runs again and again.
//!
//! A value of the pre-roll that the body uses where it stands for something computed
//! by the previous iteration (a register's value at the start of an iteration, or an
//! instruction CSE found in the pre-roll although its operands vary) gets a `Phi`: its
//! pre-roll value on entry, its value in the body on the back-edge. In the body, the
//! pre-roll ref names the PHI's value.

use crate::ins::{Ins, Ref, Ty};
use crate::op::{Op, Operand};
use crate::snap::SnapEntry;
use crate::trace::Trace;

/// Why a loop could not be closed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PeelError {
    /// A value has one type on loop entry and another on the back-edge.
    TypeInstability,
}

/// Peels the recorded iteration of `t`, whose registers hold `at_end` at the back-edge
/// (the registers the iteration wrote; the others keep their values).
pub fn peel(t: &mut Trace, at_end: &[SnapEntry]) -> Result<(), PeelError> {
    let n = t.ins.len();
    let nsnaps = t.snaps.len();
    t.append(Ins::new(Op::Loop, Ty::Void, 0, 0));
    let mut subst = vec![Ref::NONE; n];
    let map = |subst: &[Ref], r: Ref| {
        if r.is_const() || r.is_none() {
            r
        } else {
            subst[r.index()]
        }
    };
    // Register state during the copy: the back-edge state, then what the copied
    // snapshots say.
    let mut regs: Vec<SnapEntry> = at_end.to_vec();
    // A register's value at the back-edge is what the body's exits write back until
    // the body writes it again: the previous iteration's, a PHI.
    let mut candidates = Vec::new();
    for e in at_end {
        mark_carried(t, e.r);
        if !e.r.is_const() && !e.r.is_none() {
            candidates.push(e.r);
        }
    }
    let mut next_snap = 0;
    for i in 0..n {
        while next_snap < nsnaps && t.snaps[next_snap].at as usize == i {
            let s = t.snaps[next_snap];
            for e in t.entries(&s).to_vec() {
                let r = map(&subst, e.r);
                match regs.iter_mut().find(|x| x.slot == e.slot) {
                    Some(x) => x.r = r,
                    None => regs.push(SnapEntry { slot: e.slot, r }),
                }
            }
            regs.sort_by_key(|e| e.slot);
            let frames = t.frames(&s).to_vec();
            t.snapshot(s.pc, s.nslots, &regs, &frames);
            next_snap += 1;
        }
        let ins = t.ins[i];
        let r = match ins.op {
            Op::Nop => Ref::NONE,
            Op::SLoad => match at_end.iter().find(|e| e.slot as u32 == ins.a) {
                Some(e) => {
                    if e.r.ty() != ins.ty {
                        return Err(PeelError::TypeInstability);
                    }
                    e.r
                }
                None => Ref::ins(i, ins.ty),
            },
            _ => {
                let (ka, kb) = ins.op.operands();
                let mut c = ins;
                if ka == Operand::Ref {
                    c.a = map(&subst, ins.ra()).raw();
                }
                if kb == Operand::Ref {
                    c.b = map(&subst, ins.rb()).raw();
                }
                t.emit_raw(c)
            }
        };
        subst[i] = r;
        if !r.is_const() && !r.is_none() && r.index() < n {
            mark_carried(t, r);
            candidates.push(r);
        }
    }
    // PHIs, one per pre-roll value that varies.
    candidates.sort_by_key(|r| r.index());
    candidates.dedup_by_key(|r| r.index());
    for c in candidates {
        let v = subst[c.index()];
        if v.is_none() || (v.index() == c.index() && !v.is_const()) {
            continue;
        }
        if v.ty() != c.ty() {
            return Err(PeelError::TypeInstability);
        }
        t.append(Ins::new(Op::Phi, c.ty(), c.raw(), v.raw()));
    }
    Ok(())
}

fn mark_carried(t: &mut Trace, r: Ref) {
    if !r.is_const() && !r.is_none() {
        t.ins[r.index()].carried = true;
    }
}
