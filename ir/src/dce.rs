//! Dead-code elimination, run once a trace is complete: pure instructions and plain
//! loads whose values no guard, store, snapshot or loop-carried value needs become
//! `Nop`. Guards, stores, markers and loop-carried values always stay.

use crate::ins::{Ins, Ty};
use crate::op::{Mode, Op};
use crate::trace::Trace;

pub fn run(t: &mut Trace) {
    let n = t.ins.len();
    let mut live = vec![false; n];
    for (i, ins) in t.ins.iter().enumerate() {
        live[i] = ins.is_guard()
            || matches!(ins.op.mode(), Mode::Store | Mode::Control)
            || ins.op == Op::Phi;
    }
    for e in &t.snap_entries {
        if !e.r.is_const() && !e.r.is_none() {
            live[e.r.index()] = true;
        }
    }
    for i in (0..n).rev() {
        if live[i] {
            for r in t.ins[i].refs() {
                if !r.is_const() && !r.is_none() {
                    live[r.index()] = true;
                }
            }
        }
    }
    for (i, ins) in t.ins.iter_mut().enumerate() {
        if !live[i] {
            *ins = Ins {
                prev: ins.prev,
                ..Ins::new(Op::Nop, Ty::Void, 0, 0)
            };
        }
    }
}
