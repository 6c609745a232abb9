//! A trace's IR under construction: the instructions, the interned constants and the
//! snapshots, and `emit`, which runs each new instruction through the switched-on
//! emit-time passes (folding, then CSE or load forwarding) before appending it.

use crate::ins::{Ins, Ref, Ty, NO_PREV};
use crate::op::{Mode, Op};
use crate::snap::{SnapEntry, SnapFrame, Snapshot};
use crate::{cse, fold, fwd};
use std::collections::HashMap;

/// A constant.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Const {
    Nil,
    False,
    True,
    Int(i64),
    Num(f64),
    /// A runtime object's address, with its type.
    Gc(Ty, usize),
    /// An address that is not a Lua value.
    Ptr(usize),
    /// A hash-part position: node `slot` holds constant `key` (see `Op::HRefK`).
    Slot {
        key: Ref,
        slot: u32,
    },
}

impl Const {
    pub fn ty(self) -> Ty {
        match self {
            Const::Nil => Ty::Nil,
            Const::False => Ty::False,
            Const::True => Ty::True,
            Const::Int(_) => Ty::Int,
            Const::Num(_) => Ty::Num,
            Const::Gc(ty, _) => ty,
            Const::Ptr(_) | Const::Slot { .. } => Ty::Ptr,
        }
    }

    /// A hashable key: floats by their bits, so that 0.0 and -0.0 stay apart and a NaN
    /// is one constant.
    fn key(self) -> (u8, u64, u64) {
        match self {
            Const::Nil => (0, 0, 0),
            Const::False => (1, 0, 0),
            Const::True => (2, 0, 0),
            Const::Int(i) => (3, i as u64, 0),
            Const::Num(n) => (4, n.to_bits(), 0),
            Const::Gc(ty, p) => (5, p as u64, ty as u64),
            Const::Ptr(p) => (6, p as u64, 0),
            Const::Slot { key, slot } => (7, key.raw() as u64, slot as u64),
        }
    }
}

/// Which optimizations run. All are on by default; each can be switched off to bisect a
/// miscompile.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Opts {
    pub fold: bool,
    pub cse: bool,
    pub fwd: bool,
    pub dce: bool,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            fold: true,
            cse: true,
            fwd: true,
            dce: true,
        }
    }
}

impl Opts {
    /// No optimization at all.
    pub fn none() -> Opts {
        Opts {
            fold: false,
            cse: false,
            fwd: false,
            dce: false,
        }
    }
}

/// The IR of one trace.
#[derive(Default)]
pub struct Trace {
    pub ins: Vec<Ins>,
    pub consts: Vec<Const>,
    const_index: HashMap<(u8, u64, u64), u32>,
    /// Labels the printer shows for object constants ("\"name\"", a function's name).
    pub const_labels: HashMap<u32, String>,
    pub snaps: Vec<Snapshot>,
    pub snap_entries: Vec<SnapEntry>,
    pub snap_frames: Vec<SnapFrame>,
    /// The last instruction of each op (the head of its `prev` chain), by op number.
    chain: Vec<u32>,
    /// Index of the `Loop` marker, once emitted.
    pub loop_at: Option<usize>,
    pub opts: Opts,
}

impl Trace {
    pub fn new(opts: Opts) -> Trace {
        Trace {
            opts,
            ..Trace::default()
        }
    }

    /// The constant `c`, interned.
    pub fn konst(&mut self, c: Const) -> Ref {
        let ty = c.ty();
        if let Some(&i) = self.const_index.get(&c.key()) {
            return Ref::konst(i as usize, ty);
        }
        let i = self.consts.len();
        self.consts.push(c);
        self.const_index.insert(c.key(), i as u32);
        Ref::konst(i, ty)
    }

    pub fn kint(&mut self, i: i64) -> Ref {
        self.konst(Const::Int(i))
    }

    pub fn knum(&mut self, n: f64) -> Ref {
        self.konst(Const::Num(n))
    }

    /// An object constant with the label the printer shows for it.
    pub fn kgc(&mut self, ty: Ty, addr: usize, label: impl Into<String>) -> Ref {
        let r = self.konst(Const::Gc(ty, addr));
        self.label(r, label);
        r
    }

    /// Sets the label the printer shows for constant `r`.
    pub fn label(&mut self, r: Ref, label: impl Into<String>) {
        self.const_labels.insert(r.index() as u32, label.into());
    }

    /// The constant `r` refers to.
    pub fn const_of(&self, r: Ref) -> Option<Const> {
        r.is_const().then(|| self.consts[r.index()])
    }

    pub fn int_const(&self, r: Ref) -> Option<i64> {
        match self.const_of(r) {
            Some(Const::Int(i)) => Some(i),
            _ => None,
        }
    }

    pub fn num_const(&self, r: Ref) -> Option<f64> {
        match self.const_of(r) {
            Some(Const::Num(n)) => Some(n),
            _ => None,
        }
    }

    /// The instruction `r` refers to.
    pub fn ins_of(&self, r: Ref) -> Option<&Ins> {
        (!r.is_const() && !r.is_none()).then(|| &self.ins[r.index()])
    }

    /// Emits an instruction with two ref operands.
    pub fn emit(&mut self, op: Op, ty: Ty, a: Ref, b: Ref) -> Ref {
        self.emit_raw(Ins::new(op, ty, a.raw(), b.raw()))
    }

    /// Emits an instruction with one ref operand.
    pub fn emit1(&mut self, op: Op, ty: Ty, a: Ref) -> Ref {
        self.emit(op, ty, a, Ref::NONE)
    }

    /// Emits an instruction with a ref and a literal.
    pub fn emit_lit(&mut self, op: Op, ty: Ty, a: Ref, lit: u32) -> Ref {
        self.emit_raw(Ins::new(op, ty, a.raw(), lit))
    }

    /// Runs `ins` through folding, CSE and load forwarding and appends what is left.
    /// Returns the reference to the instruction's value: a new instruction, an earlier
    /// one, a constant, or for a load the value stored where it reads. A guard folded
    /// away as always true gives `Ref::NONE`.
    pub fn emit_raw(&mut self, mut ins: Ins) -> Ref {
        if self.opts.fold {
            match fold::fold(self, ins) {
                fold::Folded::To(r) => return r,
                fold::Folded::Ins(i) => ins = i,
            }
        }
        // A guard on memory (NotNil) is a load for these passes: a store in between
        // may change its outcome.
        let reads = ins.op == Op::NotNil || matches!(ins.op.mode(), Mode::Load | Mode::LoadGuard);
        let found = if reads {
            self.opts.fwd.then(|| fwd::find(self, &ins)).flatten()
        } else if self.opts.cse
            && matches!(ins.op.mode(), Mode::Pure | Mode::Guard)
            && ins.op != Op::GcCheck
        {
            cse::find(self, &ins)
        } else {
            None
        };
        if let Some(r) = found {
            return r;
        }
        self.append(ins)
    }

    /// Appends `ins` as it is, linking it into its op's chain.
    pub fn append(&mut self, mut ins: Ins) -> Ref {
        let i = self.ins.len();
        assert!(i <= Ref::MAX_INDEX, "trace too long");
        if self.chain.is_empty() {
            self.chain = vec![NO_PREV; Op::ALL.len()];
        }
        ins.prev = std::mem::replace(&mut self.chain[ins.op as usize], i as u32);
        if ins.op == Op::Loop {
            self.loop_at = Some(i);
        }
        self.ins.push(ins);
        Ref::ins(i, ins.ty)
    }

    /// Removes instruction `i` (it becomes a `Nop`; nothing may refer to it).
    pub fn nop(&mut self, i: usize) {
        let prev = self.ins[i].prev;
        self.ins[i] = Ins {
            prev,
            ..Ins::new(Op::Nop, Ty::Void, 0, 0)
        };
    }

    /// The last instruction with `op`, the start of a backwards search.
    pub fn chain_head(&self, op: Op) -> Option<usize> {
        match self.chain.get(op as usize) {
            Some(&i) if i != NO_PREV => Some(i as usize),
            _ => None,
        }
    }

    /// Takes a snapshot that covers the instructions emitted from now on: resume at
    /// bytecode `pc` with the stack slots `entries` (slots left out keep what the
    /// interpreter had there), `nslots` slots in use, and the inlined `frames`.
    pub fn snapshot(&mut self, pc: u32, nslots: u16, entries: &[SnapEntry], frames: &[SnapFrame]) {
        // A snapshot that covers no instruction is replaced by the new one.
        if self
            .snaps
            .last()
            .is_some_and(|s| s.at as usize == self.ins.len())
        {
            let old = self.snaps.pop().unwrap();
            self.snap_entries.truncate(old.entries.0 as usize);
            self.snap_frames.truncate(old.frames.0 as usize);
        }
        let snap = Snapshot {
            at: self.ins.len() as u32,
            pc,
            nslots,
            entries: (self.snap_entries.len() as u32, entries.len() as u32),
            frames: (self.snap_frames.len() as u32, frames.len() as u32),
        };
        self.snap_entries.extend_from_slice(entries);
        self.snap_frames.extend_from_slice(frames);
        self.snaps.push(snap);
    }

    pub fn entries(&self, s: &Snapshot) -> &[SnapEntry] {
        let (start, n) = s.entries;
        &self.snap_entries[start as usize..(start + n) as usize]
    }

    pub fn frames(&self, s: &Snapshot) -> &[SnapFrame] {
        let (start, n) = s.frames;
        &self.snap_frames[start as usize..(start + n) as usize]
    }

    /// The snapshot that covers instruction `i` (the guard's exit).
    pub fn snap_for(&self, i: usize) -> Option<usize> {
        // Snapshots are in instruction order.
        self.snaps
            .partition_point(|s| s.at as usize <= i)
            .checked_sub(1)
    }
}
