//! The text form of a trace's IR, as `--jit-dump` shows it and the golden tests pin it:
//! one instruction per line (`>` marks a guard), each snapshot before the first
//! instruction it covers, and the loop marker as a rule.
//!
//! ```text
//! 0000 >  int SLoad  #1 T
//! .... SNAP #0 pc 4 [ #2=0001 ] top 3
//! 0001    int Add    0000 +1
//! ```

use crate::ins::{Ins, Ref};
use crate::op::{Field, MathFn, Op, Operand};
use crate::trace::{Const, Trace};
use std::fmt::Write;

/// The whole listing.
pub fn listing(t: &Trace) -> String {
    let mut out = String::new();
    let mut next_snap = 0;
    for (i, ins) in t.ins.iter().enumerate() {
        while next_snap < t.snaps.len() && t.snaps[next_snap].at as usize <= i {
            snapshot(t, next_snap, &mut out);
            next_snap += 1;
        }
        if ins.op == Op::Nop {
            continue;
        }
        if ins.op == Op::Loop {
            let _ = writeln!(out, "{i:04} ------ LOOP ------------");
            continue;
        }
        let guard = ins.is_guard();
        let _ = write!(
            out,
            "{i:04} {}  {} {:<6}",
            if guard { '>' } else { ' ' },
            ins.ty.name(),
            ins.op.name()
        );
        operands(t, ins, &mut out);
        out.push('\n');
    }
    while next_snap < t.snaps.len() {
        snapshot(t, next_snap, &mut out);
        next_snap += 1;
    }
    out
}

fn operands(t: &Trace, ins: &Ins, out: &mut String) {
    let (ka, kb) = ins.op.operands();
    for (kind, word, first) in [(ka, ins.a, true), (kb, ins.b, false)] {
        match kind {
            Operand::None => {}
            Operand::Ref => {
                out.push(' ');
                out.push_str(&operand(t, Ref::from_raw(word)));
            }
            Operand::Lit => {
                out.push(' ');
                out.push_str(&literal(ins.op, first, word));
            }
        }
    }
}

fn literal(op: Op, first: bool, n: u32) -> String {
    match (op, first) {
        (Op::SLoad, true) => format!("#{n}"),
        (Op::SLoad, false) => {
            let mut s = String::new();
            if n & crate::op::sload::TYPECHECK != 0 {
                s.push('T');
            }
            s
        }
        (Op::FLoad, _) => Field::from_lit(n).map_or(format!("field{n}"), |f| f.name().into()),
        (Op::Math, _) => MathFn::from_lit(n).map_or(format!("fn{n}"), |f| f.name().into()),
        _ => format!("{n}"),
    }
}

/// An operand: an instruction number or a constant written out.
pub fn operand(t: &Trace, r: Ref) -> String {
    if r.is_none() {
        return "-".into();
    }
    if !r.is_const() {
        return format!("{:04}", r.index());
    }
    match t.consts[r.index()] {
        Const::Nil => "nil".into(),
        Const::False => "false".into(),
        Const::True => "true".into(),
        Const::Int(i) => format!("{i:+}"),
        Const::Num(n) => format!("{n:?}"),
        Const::Gc(ty, _) => match t.const_labels.get(&(r.index() as u32)) {
            Some(l) if !l.is_empty() => format!("[{} {l}]", ty.name()),
            _ => format!("[{} K{}]", ty.name(), r.index()),
        },
        Const::Ptr(_) => format!("[ptr K{}]", r.index()),
        Const::Slot { key, slot } => format!("{}@{slot}", operand(t, key)),
    }
}

fn snapshot(t: &Trace, n: usize, out: &mut String) {
    let s = &t.snaps[n];
    let _ = write!(out, ".... SNAP #{n} pc {} [", s.pc);
    for f in t.frames(s) {
        let _ = write!(out, " frame#{}:pc{}", f.func_slot, f.pc);
    }
    for e in t.entries(s) {
        let _ = write!(out, " #{}={}", e.slot, operand(t, e.r));
    }
    let _ = writeln!(out, " ] top {}", s.nslots);
}
