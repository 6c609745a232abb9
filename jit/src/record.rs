//! The trace recorder: follows the interpreter through one iteration of a hot loop,
//! instruction by instruction, before each runs, and emits IR specialized to the types
//! and branch directions it sees, with a guard for each.
//!
//! A side trace is recorded the same way from a trace's hot exit: it starts where the
//! exit resumes the interpreter and ends when control is back at its root trace's loop
//! start, in the same frame. On the way it may leave the root's loop and pass through
//! the back-edges of loops around it (a side trace from the end of an inner loop runs
//! the rest of the outer loop's body until the inner loop starts again).
//!
//! The recorder keeps a map from stack slots to the refs that hold their values, slots
//! counted from the trace's base frame's first register. A slot is loaded (`SLoad`,
//! with a type guard) the first time it is read; a slot written by the trace is
//! remembered as written, and every snapshot lists the written slots, so that an exit
//! writes them back. A guard's snapshot resumes the interpreter at the instruction that
//! emitted it, which then runs again from its start: guards come before an
//! instruction's effects.
//!
//! Calls to Lua functions are inlined: the recorder follows the interpreter into the
//! callee, whose registers are the slots above its function's slot, and back out at its
//! return, which moves the results into the caller's registers. A snapshot taken inside
//! a callee lists the frames of the calls it is in, so that an exit can push them for
//! the interpreter.

use ferrous_interp::bytecode::{Instr, Op as Bc, FIELDS_PER_FLUSH};
use ferrous_interp::vm::meta::{num_le, num_lt, ArithOp};
use ferrous_ir::fwd::distinct_tables;
use ferrous_ir::op::{sload, Field, MathFn};
use ferrous_ir::{Const, Ins, Op, Opts, Ref, SnapEntry, SnapFrame, Trace, Ty};
use ferrous_runtime::function::{LuaClosure, Proto};
use ferrous_runtime::state::type_mt_slot;
use ferrous_runtime::value::*;
use ferrous_runtime::{Gc, LuaStr, State, Table, Tm, Value};

/// Bytecode instructions one trace may record.
const MAX_RECORDED: usize = 1000;

/// Calls one trace may be inside at once.
const MAX_INLINE: usize = 6;

/// The longest chain of `__index` tables a lookup follows.
const MAX_INDEX_CHAIN: usize = 4;

/// Why a recording stopped without a trace.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Abort {
    /// An instruction the recorder does not handle yet.
    Nyi(Bc),
    /// An operand of a type the recorder does not handle for this instruction.
    NyiType(Bc),
    /// A table access the recorder does not handle yet: in a table with a metatable
    /// that may decide (a missing key, `__newindex`), or with a key that is neither an
    /// integer nor a string.
    NyiTable(Bc),
    /// The recorded path left the loop before coming back to its start.
    LeftLoop,
    /// A numeric `for` loop other than with integers counting up or down by 1, or
    /// floats.
    NyiForPrep,
    /// Control went back to an instruction that is not the loop's start: an inner loop
    /// (it gets its own trace).
    InnerLoop,
    /// The running frame changed other than by a call the recorder inlines or a return
    /// from one (a metamethod or a native function calling Lua, a return from the
    /// trace's own frame).
    FrameChange,
    /// A call of a vararg function, with a variable number of arguments or results, or
    /// from a tail call.
    NyiCall,
    /// A call more than `MAX_INLINE` deep.
    CallTooDeep,
    /// A call of a function the trace is inside already: recursion is not unrolled
    /// (its traces would follow one path down a recursion that takes many).
    Recursion,
    TooLong,
    /// A register's type differs between the loop's entry and its back-edge.
    TypeInstability,
    /// An operation that raises an error every time (division by zero).
    AlwaysErrors,
    /// A debug hook was set, or another recording took over.
    Interrupted,
}

impl Abort {
    pub fn reason(self) -> String {
        match self {
            Abort::Nyi(op) => format!("NYI: bytecode {}", op.name()),
            Abort::NyiType(op) => format!("NYI: operand types of {}", op.name()),
            Abort::NyiTable(op) => format!("NYI: table access of {}", op.name()),
            Abort::LeftLoop => "left the loop".into(),
            Abort::NyiForPrep => {
                "NYI: for loop other than integers up or down by 1, or floats".into()
            }
            Abort::FrameChange => "frame changed".into(),
            Abort::NyiCall => "NYI: call of this kind".into(),
            Abort::CallTooDeep => "calls nested too deep".into(),
            Abort::Recursion => "recursive call".into(),
            Abort::InnerLoop => "inner loop".into(),
            Abort::TooLong => "trace too long".into(),
            Abort::TypeInstability => "loop type instability".into(),
            Abort::AlwaysErrors => "operation always raises an error".into(),
            Abort::Interrupted => "interrupted".into(),
        }
    }
}

/// Where an upvalue's value is, for the trace.
enum Upval {
    /// In the upvalue object (a `Const::Ptr`): closed, or open outside the trace's
    /// frames.
    Obj(Ref),
    /// In this slot of the trace's base frame.
    Slot(usize),
}

/// A call the trace is inside.
struct Inlined {
    /// The callee's function slot: its registers are the slots above it.
    func: usize,
    closure: Gc<LuaClosure>,
    /// Where the caller goes on when it returns.
    ret_pc: u32,
    /// Results the caller wants.
    nres: usize,
    /// A metamethod the caller's instruction called: its first result finishes that
    /// instruction (`ret`).
    meta: bool,
}

/// A recording in progress.
pub struct Recorder {
    pub proto: Gc<Proto>,
    /// The first instruction recorded: the loop's first, or where a side trace's exit
    /// resumes.
    pub start_pc: u32,
    /// Where the recording ends: the loop's (or the root trace's loop's) first
    /// instruction.
    pub end_pc: u32,
    /// For a side trace (which may leave the loop and pass back-edges): the trace and
    /// exit it starts from, as the engine numbers them.
    pub parent: Option<(usize, u32)>,
    /// Whether the side trace ends in the interpreter, at `end_pc` (a return from the
    /// trace's frame, or the start of a loop without a trace), rather than in a root
    /// trace.
    pub to_interpreter: bool,
    /// The loops that have traces, by prototype address and first instruction: a side
    /// trace that gets to one ends there, and links to its trace (in its own frame)
    /// or stops for the engine to run it (in a call it made).
    pub traced_loops: Vec<(usize, u32)>,
    /// The base frame's index and first register.
    frame: usize,
    base: usize,
    /// The calls the running instruction is inside, innermost last.
    inlined: Vec<Inlined>,
    pub trace: Trace,
    /// Slot -> its current ref (`Ref::NONE`: not loaded yet).
    slots: Vec<Ref>,
    written: Vec<bool>,
    /// Whether a slot was written, or the frames changed, since the last snapshot.
    dirty: bool,
    /// The recorded instructions, with their functions.
    pub pcs: Vec<(Gc<Proto>, u32)>,
    /// The call depth and index of the instruction recorded last.
    last: Option<(usize, u32)>,
    /// Slots the trace may read or write: the end of its deepest frame.
    pub max_slots: usize,
    /// Whether the closure's identity is guarded yet.
    closure_guarded: bool,
    /// Prototypes of inlined calls guarded by prototype: the trace keeps them alive.
    pub protos: Vec<Gc<Proto>>,
    /// Whether the trace allocates (then it checks once an iteration whether a
    /// collection is due, and leaves for it).
    pub allocates: bool,
    /// After a library function's tail call: the end of its results, for the
    /// `Return` that passes them on.
    open_top: Option<usize>,
}

impl Recorder {
    /// A recording starting at `start_pc` in the running frame: of the loop starting
    /// there, or of a side trace, given its parent exit and its root loop's first
    /// instruction. A side trace may start inside calls its parent inlined (`frames`,
    /// which the running frame and those below it are): `proto` is then the function
    /// of the frame below them, the trace's base frame.
    pub fn new(
        st: &State,
        proto: Gc<Proto>,
        start_pc: u32,
        side: Option<((usize, u32), u32)>,
        frames: &[SnapFrame],
        opts: Opts,
    ) -> Recorder {
        let th = st.thread;
        let frame = th.frames.len() - 1 - frames.len();
        let base = th.frames[frame].base;
        let mut rec = Recorder {
            proto,
            start_pc,
            end_pc: side.map_or(start_pc, |(_, root_pc)| root_pc),
            parent: side.map(|(parent, _)| parent),
            to_interpreter: false,
            traced_loops: Vec::new(),
            frame,
            base,
            inlined: Vec::new(),
            trace: Trace::new(opts),
            slots: Vec::new(),
            written: Vec::new(),
            dirty: true,
            pcs: Vec::new(),
            last: None,
            max_slots: 0,
            closure_guarded: false,
            protos: Vec::new(),
            allocates: false,
            open_top: None,
        };
        rec.make_room();
        for f in frames {
            let func = f.func_slot as usize;
            let caller = rec.cur_proto();
            let closure = th.stack[base + func]
                .as_lclosure()
                .expect("an inlined call's function in its slot");
            rec.inlined.push(Inlined {
                func,
                closure,
                ret_pc: f.pc,
                nres: call_results(&caller, f.pc),
                meta: calls_metamethod(&caller, f.pc),
            });
            rec.make_room();
        }
        if side.is_none() {
            // A root trace starts with the check for a collection, should it allocate:
            // its side traces come back to its start, where nothing else can check.
            rec.snapshot(start_pc);
            rec.trace.emit_raw(Ins::new(Op::GcCheck, Ty::Void, 0, 0));
            // The guards after it get their own exit, which may get a side trace.
            rec.dirty = true;
        }
        rec
    }

    /// Where the recording starts, in the source.
    pub fn start_location(&self) -> String {
        let p = self.pcs.first().map_or(self.cur_proto(), |&(p, _)| p);
        location(&p, self.start_pc)
    }

    /// The function of the running frame.
    fn cur_proto(&self) -> Gc<Proto> {
        self.inlined.last().map_or(self.proto, |f| f.closure.proto)
    }

    /// The slot of the running frame's first register.
    fn off(&self) -> usize {
        self.inlined.last().map_or(0, |f| f.func + 1)
    }

    /// Makes the slot map cover the running frame's registers.
    fn make_room(&mut self) {
        let end = self.off() + self.cur_proto().max_stack as usize;
        if self.slots.len() < end {
            self.slots.resize(end, Ref::NONE);
            self.written.resize(end, false);
        }
        self.max_slots = self.max_slots.max(end);
    }

    /// Whether the recording's frames are still the running ones on the running thread.
    pub fn is_live(&self, st: &State) -> bool {
        let th = st.thread;
        th.frames.len() == self.frame + 1 + self.inlined.len()
            && th.frames[self.frame].base == self.base
    }

    /// The instruction at `pc` of the running frame is about to run. Returns true when
    /// it closes the loop (the trace is then complete), false to go on recording.
    pub fn step(&mut self, st: &mut State, proto: Gc<Proto>, pc: u32) -> Result<bool, Abort> {
        let th = st.thread;
        let depth = self.inlined.len();
        if th.frames.len() != self.frame + 1 + depth || proto != self.cur_proto() {
            return Err(Abort::FrameChange);
        }
        let side = self.parent.is_some();
        let i = Instr(proto.code.at(pc as usize));
        let op = i.op();
        let started = !self.pcs.is_empty();
        if started && depth == 0 && pc == self.end_pc {
            return Ok(true);
        }
        if side && started && self.traced_loops.contains(&(proto.as_ptr() as usize, pc)) {
            // A loop with a trace: in the trace's own frame the side trace links to it;
            // in a call it made (a recursive call's loop, typically) it stops, and the
            // engine runs that trace next, in the frames the exit pushes.
            if depth == 0 {
                self.end_pc = pc;
                return Ok(true);
            }
            return Ok(self.stop_in_interpreter(pc));
        }
        if side && started && depth == 0 && matches!(op, Bc::Return | Bc::Return0 | Bc::Return1) {
            // The trace's own frame returns: the side trace hands over to the
            // interpreter here, which costs what the exit that started it did, after
            // everything before it ran as machine code.
            return Ok(self.stop_in_interpreter(pc));
        }
        // A side trace may jump back only to before its root's loop: to the loops
        // around it. Other loops would be unrolled into it.
        let back_ok = side && depth == 0 && pc < self.end_pc;
        let back = self.last.is_some_and(|(d, prev)| d == depth && pc <= prev);
        if back && !back_ok {
            if side {
                // A loop without a trace yet: the side trace hands over to the
                // interpreter at its start, where the loop can get hot and get one.
                return Ok(self.stop_in_interpreter(pc));
            }
            return Err(Abort::InnerLoop);
        }
        self.last = Some((depth, pc));
        self.pcs.push((proto, pc));
        let open_top = self.open_top.take();
        if self.pcs.len() > MAX_RECORDED {
            return Err(Abort::TooLong);
        }
        let a = i.a() as usize;
        match op {
            Bc::Move => {
                let v = self.get(st, i.b() as usize, pc, op)?;
                self.set(a, v);
            }
            Bc::LoadI => {
                let k = self.trace.kint(i.sbx() as i64);
                self.set(a, k);
            }
            Bc::LoadF => {
                let k = self.trace.knum(i.sbx() as f64);
                self.set(a, k);
            }
            Bc::LoadK => {
                let k = self.konst(proto.constants[i.bx() as usize], op)?;
                self.set(a, k);
            }
            Bc::LoadFalse => {
                let k = self.trace.konst(Const::False);
                self.set(a, k);
            }
            Bc::LFalseSkip => {
                let f = self.trace.konst(Const::False);
                self.set(a, f);
            }
            Bc::LoadTrue => {
                let k = self.trace.konst(Const::True);
                self.set(a, k);
            }
            Bc::LoadNil => {
                let k = self.trace.konst(Const::Nil);
                for r in a..=a + i.b() as usize {
                    self.set(r, k);
                }
            }
            Bc::AddI | Bc::ShrI => {
                let x = self.get(st, i.b() as usize, pc, op)?;
                let y = self.trace.kint(i.sc() as i64);
                let lx = self.live(st, i.b() as usize);
                let ly = Value::int(i.sc() as i64);
                self.arith_or_meta(st, i, (x, lx), (y, ly), pc)?;
            }
            Bc::AddK
            | Bc::SubK
            | Bc::MulK
            | Bc::ModK
            | Bc::PowK
            | Bc::DivK
            | Bc::IDivK
            | Bc::BAndK
            | Bc::BOrK
            | Bc::BXorK => {
                let x = self.get(st, i.b() as usize, pc, op)?;
                let ly = proto.constants[i.c() as usize];
                let y = self.konst(ly, op)?;
                let lx = self.live(st, i.b() as usize);
                self.arith_or_meta(st, i, (x, lx), (y, ly), pc)?;
            }
            Bc::ShlI => {
                let x = self.trace.kint(i.sc() as i64);
                let y = self.get(st, i.b() as usize, pc, op)?;
                let ly = self.live(st, i.b() as usize);
                let lx = Value::int(i.sc() as i64);
                self.arith_or_meta(st, i, (x, lx), (y, ly), pc)?;
            }
            Bc::Add
            | Bc::Sub
            | Bc::Mul
            | Bc::Mod
            | Bc::Pow
            | Bc::Div
            | Bc::IDiv
            | Bc::BAnd
            | Bc::BOr
            | Bc::BXor
            | Bc::Shl
            | Bc::Shr => {
                let x = self.get(st, i.b() as usize, pc, op)?;
                let y = self.get(st, i.c() as usize, pc, op)?;
                let lx = self.live(st, i.b() as usize);
                let ly = self.live(st, i.c() as usize);
                self.arith_or_meta(st, i, (x, lx), (y, ly), pc)?;
            }
            Bc::Unm => {
                let x = self.get(st, i.b() as usize, pc, op)?;
                if x.ty() == Ty::Tab {
                    let lx = self.live(st, i.b() as usize);
                    return (self.call_binary_tm(st, Tm::Unm, (x, lx), (x, lx), pc, op))
                        .map(|_| false);
                }
                if !x.ty().is_number() {
                    return Err(Abort::NyiType(op));
                }
                let v = self.trace.emit1(Op::Neg, x.ty(), x);
                self.set(a, v);
            }
            Bc::BNot => {
                let x = self.get(st, i.b() as usize, pc, op)?;
                let x = self.int_of(x, pc, op)?;
                let v = self.trace.emit1(Op::BNot, Ty::Int, x);
                self.set(a, v);
            }
            Bc::Not => {
                let x = self.get(st, i.b() as usize, pc, op)?;
                let k = self.trace.konst(if truthy(x.ty()) {
                    Const::False
                } else {
                    Const::True
                });
                self.set(a, k);
            }
            Bc::Len => {
                let b = i.b() as usize;
                let x = self.get(st, b, pc, op)?;
                let n = match x.ty() {
                    Ty::Str => self.field(x, Field::StrLen),
                    Ty::Tab => {
                        let live = self.live(st, b).as_table().expect("a table");
                        if live.metatable.is_some() {
                            // `__len` may decide.
                            return Err(Abort::NyiType(op));
                        }
                        self.no_metatable(x, pc);
                        self.trace.emit1(Op::TLen, Ty::Int, x)
                    }
                    _ => return Err(Abort::NyiType(op)),
                };
                self.set(a, n);
            }
            Bc::Jmp => {}
            Bc::NewTable => {
                if i.k() {
                    // A size too large for the instruction (in the next one).
                    return Err(Abort::Nyi(op));
                }
                let b = i.b();
                let nhash = if b > 0 { 1u32 << (b - 1) } else { 0 };
                // As the interpreter sizes it: a list's items arrive through SetList.
                let narray = if i.c() > FIELDS_PER_FLUSH { i.c() } else { 0 };
                let t = self
                    .trace
                    .emit_raw(Ins::new(Op::TNew, Ty::Tab, narray, nhash));
                self.allocates = true;
                self.set(a, t);
            }
            Bc::Eq | Bc::EqK | Bc::EqI => {
                let x = self.get(st, a, pc, op)?;
                let y = match op {
                    Bc::Eq => self.get(st, i.b() as usize, pc, op)?,
                    Bc::EqK => self.konst(proto.constants[i.b() as usize], op)?,
                    _ => self.imm(x, i.sb(), op)?,
                };
                if op == Bc::Eq && x.ty() == Ty::Tab && y.ty() == Ty::Tab {
                    let (lx, ly) = (self.live(st, a), self.live(st, i.b() as usize));
                    return self.table_eq(st, (x, lx), (y, ly), pc).map(|_| false);
                }
                let live = self.live_eq_operands(st, a, op, i, &proto);
                self.equality(x, y, live, pc, op)?;
            }
            Bc::Lt | Bc::Le | Bc::LtI | Bc::LeI | Bc::GtI | Bc::GeI => {
                let x = self.get(st, a, pc, op)?;
                let (y, cmp) = match op {
                    Bc::Lt => (self.get(st, i.b() as usize, pc, op)?, Op::Lt),
                    Bc::Le => (self.get(st, i.b() as usize, pc, op)?, Op::Le),
                    Bc::LtI => (self.imm(x, i.sb(), op)?, Op::Lt),
                    Bc::LeI => (self.imm(x, i.sb(), op)?, Op::Le),
                    Bc::GtI => (self.imm(x, i.sb(), op)?, Op::Gt),
                    _ => (self.imm(x, i.sb(), op)?, Op::Ge),
                };
                if matches!(op, Bc::Lt | Bc::Le) && (x.ty() == Ty::Tab || y.ty() == Ty::Tab) {
                    let tm = if op == Bc::Lt { Tm::Lt } else { Tm::Le };
                    let (lx, ly) = (self.live(st, a), self.live(st, i.b() as usize));
                    return (self.call_binary_tm(st, tm, (x, lx), (y, ly), pc, op)).map(|_| false);
                }
                let lx = self.live(st, a);
                let ly = match op {
                    Bc::Lt | Bc::Le => self.live(st, i.b() as usize),
                    // (An immediate has the type of `x`.)
                    _ => lx,
                };
                let (x, y) = self.same_number_type(x, y, (lx, ly), pc, op)?;
                if x.ty() != y.ty() || !x.ty().is_number() {
                    return Err(Abort::NyiType(op));
                }
                let holds = self.live_order(st, a, op, i);
                let guard = if holds { cmp } else { negate(cmp) };
                self.guard(guard, x, y, pc);
            }
            Bc::Test => {
                // Truthiness follows from the (guarded) type: nothing to check.
                self.get(st, a, pc, op)?;
            }
            Bc::TestSet => {
                let x = self.get(st, i.b() as usize, pc, op)?;
                if truthy(x.ty()) == i.k() {
                    self.set(a, x);
                }
            }
            Bc::ForLoop => self.for_loop(st, a, pc, op)?,
            Bc::ForPrep => self.for_prep(st, a, pc, op)?,
            Bc::GetUpval => {
                let (up, v) = self.upval(st, i.b() as usize, pc)?;
                let r = match up {
                    Upval::Obj(up) => {
                        let ty = Ty::of(v).ok_or(Abort::NyiType(op))?;
                        self.trace.emit1(Op::ULoad, ty, up)
                    }
                    Upval::Slot(s) => self.get_slot(st, s, pc, op)?,
                };
                self.set(a, r);
            }
            Bc::SetUpval => {
                let v = self.get(st, a, pc, op)?;
                match self.upval(st, i.b() as usize, pc)?.0 {
                    Upval::Obj(_) if !needs_no_barrier(v) => return Err(Abort::NyiType(op)),
                    Upval::Obj(up) => {
                        self.trace.emit(Op::UStore, Ty::Void, up, v);
                    }
                    Upval::Slot(s) => self.set_slot(s, v),
                }
            }
            Bc::GetTabUp => {
                let (up, live_t) = self.upval(st, i.b() as usize, pc)?;
                if !live_t.is_table() {
                    return Err(Abort::NyiType(op));
                }
                let t = match up {
                    Upval::Obj(up) => self.trace.emit1(Op::ULoad, Ty::Tab, up),
                    Upval::Slot(s) => self.get_slot(st, s, pc, op)?,
                };
                let k = proto.constants[i.c() as usize];
                let key = self.konst(k, op)?;
                let r = self.table_get(st, live_t, t, key, k, pc, op)?;
                self.set(a, r);
            }
            Bc::Call => self.call(st, i, pc)?,
            Bc::Return | Bc::Return0 | Bc::Return1 if depth > 0 => self.ret(st, i, open_top, pc)?,
            Bc::Return | Bc::Return0 | Bc::Return1 => return Err(Abort::LeftLoop),
            Bc::TailCall if depth > 0 => self.tail_call(st, i, pc)?,
            Bc::TailCall => return Err(Abort::NyiCall),
            Bc::GetI | Bc::GetTable | Bc::GetField => {
                let b = i.b() as usize;
                let t = self.get(st, b, pc, op)?;
                let (key, live_key) = self.key(st, &proto, op, i.c(), pc)?;
                let live_t = self.live(st, b);
                let r = self.table_get(st, live_t, t, key, live_key, pc, op)?;
                self.set(a, r);
            }
            Bc::Concat => {
                // Strings and numbers only (no `__concat`), pairwise from the right.
                let n = i.b() as usize;
                let mut acc = self.get(st, a + n - 1, pc, op)?;
                for r in (a..a + n - 1).rev() {
                    let x = self.get(st, r, pc, op)?;
                    if !matches!(x.ty(), Ty::Str | Ty::Int | Ty::Num)
                        || !matches!(acc.ty(), Ty::Str | Ty::Int | Ty::Num)
                    {
                        return Err(Abort::NyiType(op));
                    }
                    acc = self.trace.emit(Op::Cat, Ty::Str, x, acc);
                }
                self.allocates = true;
                self.set(a, acc);
            }
            Bc::TForCall => self.tfor_call(st, i, pc)?,
            Bc::TForLoop => {
                // The iterator's first result, whose type the trace knows.
                let v = self.get(st, a + 4, pc, op)?;
                if v.ty() == Ty::Nil {
                    if self.parent.is_none() {
                        return Err(Abort::LeftLoop);
                    }
                } else {
                    self.set(a + 2, v);
                }
            }
            Bc::SelfOp => {
                let b = i.b() as usize;
                let obj = self.get(st, b, pc, op)?;
                let live_obj = self.live(st, b);
                let (key, live_key) = if i.k() {
                    let k = proto.constants[i.c() as usize];
                    (self.konst(k, op)?, k)
                } else {
                    let c = i.c() as usize;
                    (self.get(st, c, pc, op)?, self.live(st, c))
                };
                let r = if obj.ty() == Ty::Str {
                    self.string_method(st, key, live_key, pc, op)?
                } else {
                    self.table_get(st, live_obj, obj, key, live_key, pc, op)?
                };
                self.set(a + 1, obj);
                self.set(a, r);
            }
            Bc::SetI | Bc::SetTable | Bc::SetField => {
                let t = self.get(st, a, pc, op)?;
                let (key, live_key) = self.key(st, &proto, op, i.b(), pc)?;
                let v = if i.k() {
                    self.konst(proto.constants[i.c() as usize], op)?
                } else {
                    self.get(st, i.c() as usize, pc, op)?
                };
                let live_t = self.live(st, a);
                self.table_set(st, live_t, t, key, live_key, v, pc, op)?;
            }
            _ => return Err(Abort::Nyi(op)),
        }
        Ok(false)
    }

    /// The integer or float `for` loop's back-edge.
    fn for_loop(&mut self, st: &State, a: usize, pc: u32, op: Bc) -> Result<(), Abort> {
        let step = self.get(st, a + 2, pc, op)?;
        match step.ty() {
            Ty::Int => {
                // R[A+1] counts the iterations left (unsigned).
                let count = self.get(st, a + 1, pc, op)?;
                let idx = self.get(st, a, pc, op)?;
                let zero = self.trace.kint(0);
                if self.live(st, a + 1).as_int_unchecked() == 0 {
                    if self.parent.is_none() {
                        return Err(Abort::LeftLoop);
                    }
                    // The loop ends here, and the side trace goes on after it.
                    self.guard(Op::Eq, count, zero, pc);
                    return Ok(());
                }
                self.guard(Op::Ne, count, zero, pc);
                let minus1 = self.trace.kint(-1);
                let count = self.trace.emit(Op::Add, Ty::Int, count, minus1);
                let idx = self.trace.emit(Op::Add, Ty::Int, idx, step);
                self.set(a + 1, count);
                self.set(a, idx);
                self.set(a + 3, idx);
            }
            Ty::Num => {
                let limit = self.get(st, a + 1, pc, op)?;
                let idx = self.get(st, a, pc, op)?;
                let float = |r| self.live(st, r).as_float_unchecked();
                let (s, n, lim) = (float(a + 2), float(a) + float(a + 2), float(a + 1));
                let up = s > 0.0;
                let zero = self.trace.knum(0.0);
                self.guard(if up { Op::Gt } else { Op::Le }, step, zero, pc);
                let next = self.trace.emit(Op::Add, Ty::Num, idx, step);
                if !(if up { n <= lim } else { lim <= n }) {
                    if self.parent.is_none() {
                        return Err(Abort::LeftLoop);
                    }
                    // The loop ends here (NaN makes both guards fail: safe).
                    self.guard(if up { Op::Gt } else { Op::Lt }, next, limit, pc);
                    return Ok(());
                }
                if up {
                    self.guard(Op::Le, next, limit, pc);
                } else {
                    self.guard(Op::Ge, next, limit, pc);
                }
                self.set(a, next);
                self.set(a + 3, next);
            }
            _ => return Err(Abort::NyiType(op)),
        }
        Ok(())
    }

    /// The start of an integer `for` loop counting up, or down by 1: computes the
    /// iteration count into R[A+1] and the control variable, or skips the loop, as
    /// observed.
    fn for_prep(&mut self, st: &State, a: usize, pc: u32, op: Bc) -> Result<(), Abort> {
        let init = self.get(st, a, pc, op)?;
        let limit = self.get(st, a + 1, pc, op)?;
        let step = self.get(st, a + 2, pc, op)?;
        if [init, limit, step].iter().all(|r| r.ty() == Ty::Num) {
            return self.float_for_prep(st, a, (init, limit, step), pc);
        }
        if init.ty() != Ty::Int || step.ty() != Ty::Int || !limit.ty().is_number() {
            return Err(Abort::NyiForPrep);
        }
        let k = self.trace.int_const(step);
        let s = self.live(st, a + 2).as_int_unchecked();
        // A float limit of an integer loop is its floor (counting down, its ceiling),
        // guarded to fit an integer (else Lua clips it: the interpreter's case).
        let (limit, lim) = if limit.ty() == Ty::Num {
            let f = self.live(st, a + 1).as_float_unchecked();
            let (rounded, how) = if s > 0 {
                (f.floor(), MathFn::Floor)
            } else {
                (f.ceil(), MathFn::Ceil)
            };
            if !(rounded >= -(2f64.powi(63)) && rounded < 2f64.powi(63)) {
                return Err(Abort::NyiForPrep);
            }
            let r = self.trace.emit_lit(Op::Math, Ty::Num, limit, how as u32);
            self.snap(pc);
            (self.trace.emit1(Op::ToInt, Ty::Int, r), rounded as i64)
        } else {
            (limit, self.live(st, a + 1).as_int_unchecked())
        };
        if !(s > 0 || k == Some(-1)) {
            return Err(Abort::NyiForPrep);
        }
        if k.is_none() {
            let zero = self.trace.kint(0);
            self.guard(Op::Gt, step, zero, pc);
        }
        let i0 = self.live(st, a).as_int_unchecked();
        let runs = if s > 0 { i0 <= lim } else { i0 >= lim };
        self.guard_runs(s > 0, runs, (init, limit), pc);
        if runs {
            // The count as an unsigned difference: the bits of the wrapping one.
            let count = if k == Some(1) {
                self.trace.emit(Op::Sub, Ty::Int, limit, init)
            } else if s < 0 {
                self.trace.emit(Op::Sub, Ty::Int, init, limit)
            } else {
                // (limit - init) // step, while the difference fits an integer (then
                // floor division is the unsigned division the interpreter does).
                let d = self.trace.emit(Op::Sub, Ty::Int, limit, init);
                let zero = self.trace.kint(0);
                self.guard(Op::Ge, d, zero, pc);
                self.trace.emit(Op::IDiv, Ty::Int, d, step)
            };
            self.set(a + 1, count);
            self.set(a + 3, init);
        }
        Ok(())
    }

    /// A `for` loop over floats: the step's sign and whether the loop runs at all are
    /// guarded (a NaN fails either guard and exits).
    fn float_for_prep(
        &mut self,
        st: &State,
        a: usize,
        (init, limit, step): (Ref, Ref, Ref),
        pc: u32,
    ) -> Result<(), Abort> {
        let float = |r| self.live(st, r).as_float_unchecked();
        let (i0, lim, s) = (float(a), float(a + 1), float(a + 2));
        if s == 0.0 || s.is_nan() {
            return Err(Abort::NyiForPrep);
        }
        let zero = self.trace.knum(0.0);
        self.guard(if s > 0.0 { Op::Gt } else { Op::Lt }, step, zero, pc);
        let runs = if s > 0.0 { i0 <= lim } else { i0 >= lim };
        self.guard_runs(s > 0.0, runs, (init, limit), pc);
        if runs {
            self.set(a + 3, init);
        }
        Ok(())
    }

    /// Guards whether a `for` loop counting `up` (or down) from `init` to `limit`
    /// runs at all, as it did (`runs`) when recorded.
    fn guard_runs(&mut self, up: bool, runs: bool, (init, limit): (Ref, Ref), pc: u32) {
        let cmp = match (up, runs) {
            (true, true) => Op::Le,
            (true, false) => Op::Gt,
            (false, true) => Op::Ge,
            (false, false) => Op::Lt,
        };
        self.guard(cmp, init, limit, pc);
    }

    /// The key operand `n` of a table access `op`, and its live value: an immediate
    /// integer (GetI, SetI), a register (GetTable, SetTable) or a string constant.
    fn key(
        &mut self,
        st: &State,
        proto: &Proto,
        op: Bc,
        n: u32,
        pc: u32,
    ) -> Result<(Ref, Value), Abort> {
        Ok(match op {
            Bc::GetI | Bc::SetI => (self.trace.kint(n as i64), Value::int(n as i64)),
            Bc::GetTable | Bc::SetTable => {
                let r = n as usize;
                (self.get(st, r, pc, op)?, self.live(st, r))
            }
            _ => {
                let k = proto.constants[n as usize];
                (self.konst(k, op)?, k)
            }
        })
    }

    /// `t[key]`, loaded from its slot with a guard on the type it holds now. A missing
    /// key gives nil when the table has no metatable (guarded). In a table with a
    /// metatable, a missing key (guarded) is looked up in the `__index` table, with the
    /// metatable's identity and its `__index` guarded, down a chain of at most
    /// `MAX_INDEX_CHAIN` tables.
    #[allow(clippy::too_many_arguments)]
    fn table_get(
        &mut self,
        st: &State,
        live_t: Value,
        t: Ref,
        key: Ref,
        live_key: Value,
        pc: u32,
        op: Bc,
    ) -> Result<Ref, Abort> {
        let (mut tab, mut t) = (table_of(live_t, t, op)?, t);
        for _ in 0..MAX_INDEX_CHAIN {
            let missing = tab.get(live_key).is_nil();
            let mt = match tab.metatable {
                Some(mt) if missing => mt,
                _ => {
                    if missing {
                        self.no_metatable(t, pc);
                    }
                    return self.raw_get(tab, t, key, live_key, pc, op);
                }
            };
            self.raw_get(tab, t, key, live_key, pc, op)?;
            let kmt = self.metatable_is(t, mt, pc);
            let (index, live_index) = self.metamethod(st, mt, kmt, Tm::Index, pc, op)?;
            match live_index.as_table() {
                None if live_index.is_nil() => return Ok(self.trace.konst(Const::Nil)),
                None => return Err(Abort::NyiTable(op)),
                Some(next) => {
                    let k = self.trace.kgc(Ty::Tab, next.as_ptr() as usize, "__index");
                    self.guard(Op::Eq, index, k, pc);
                    (tab, t) = (next, k);
                }
            }
        }
        Err(Abort::NyiTable(op))
    }

    /// `t[key]` without metamethods (live: `tab`), loaded from its slot with a guard on
    /// the type it holds now. A slot the recorder cannot address directly is looked up
    /// by a helper.
    fn raw_get(
        &mut self,
        tab: Gc<Table>,
        t: Ref,
        key: Ref,
        live_key: Value,
        pc: u32,
        op: Bc,
    ) -> Result<Ref, Abort> {
        let v = tab.get(live_key);
        let ty = Ty::of(v).ok_or(Abort::NyiType(op))?;
        if !v.is_nil() {
            if let Some(slot) = self.table_slot(tab, t, key, live_key, pc) {
                let load = if key.ty() == Ty::Int {
                    Op::ALoad
                } else {
                    Op::HLoad
                };
                return Ok(self.trace.emit1(load, ty, slot));
            }
        }
        if !matches!(key.ty(), Ty::Int | Ty::Str) {
            return Err(Abort::NyiTable(op));
        }
        let slot = self.trace.emit(Op::TRef, Ty::Ptr, t, key);
        self.snap(pc);
        Ok(self.trace.emit1(Op::HLoad, ty, slot))
    }

    /// Guards that table `t`'s metatable is `mt`, a constant from now on.
    fn metatable_is(&mut self, t: Ref, mt: Gc<Table>, pc: u32) -> Ref {
        let kmt = self.trace.kgc(Ty::Tab, mt.as_ptr() as usize, "metatable");
        let m = self.field(t, Field::TabMeta);
        self.guard(Op::Eq, m, kmt, pc);
        kmt
    }

    /// Metamethod `tm` of the constant metatable `mt` (ref `kmt`), a raw lookup, with
    /// its live value.
    fn metamethod(
        &mut self,
        st: &State,
        mt: Gc<Table>,
        kmt: Ref,
        tm: Tm,
        pc: u32,
        op: Bc,
    ) -> Result<(Ref, Value), Abort> {
        let name = Value::string(st.heap.tm_name(tm));
        let kname = self.konst(name, op)?;
        Ok((self.raw_get(mt, kmt, kname, name, pc, op)?, mt.get(name)))
    }

    /// `s[key]` for a string `s`: `key` in the strings' metatable's `__index` table.
    /// That metatable is a constant while traces live (setting it flushes them); its
    /// `__index` is guarded.
    fn string_method(
        &mut self,
        st: &State,
        key: Ref,
        live_key: Value,
        pc: u32,
        op: Bc,
    ) -> Result<Ref, Abort> {
        let smt = st.type_mt[type_mt_slot(TAG_STRING)].ok_or(Abort::NyiType(op))?;
        let kmt = self
            .trace
            .kgc(Ty::Tab, smt.as_ptr() as usize, "string metatable");
        let (index, live_index) = self.metamethod(st, smt, kmt, Tm::Index, pc, op)?;
        let lib = live_index.as_table().ok_or(Abort::NyiTable(op))?;
        let k = self.trace.kgc(Ty::Tab, lib.as_ptr() as usize, "string");
        self.guard(Op::Eq, index, k, pc);
        self.table_get(st, Value::table(lib), k, key, live_key, pc, op)
    }

    /// `t[key] = v`: stored in place when the key has a value the recorder can
    /// address directly and `v` needs no write barrier, or else by a helper (which may
    /// add the key), in a table without a metatable or whose metatable has no
    /// `__newindex` (guarded).
    #[allow(clippy::too_many_arguments)]
    fn table_set(
        &mut self,
        st: &State,
        live_t: Value,
        t: Ref,
        key: Ref,
        live_key: Value,
        v: Ref,
        pc: u32,
        op: Bc,
    ) -> Result<(), Abort> {
        let tab = table_of(live_t, t, op)?;
        if !tab.get(live_key).is_nil() && needs_no_barrier(v) {
            if let Some(slot) = self.table_slot(tab, t, key, live_key, pc) {
                self.guard1(Op::NotNil, slot, pc);
                let store = if key.ty() == Ty::Int {
                    Op::AStore
                } else {
                    Op::HStore
                };
                self.trace.emit(store, Ty::Void, slot, v);
                return Ok(());
            }
        }
        if !matches!(key.ty(), Ty::Int | Ty::Str) {
            return Err(Abort::NyiTable(op));
        }
        match tab.metatable {
            None => self.no_metatable(t, pc),
            Some(mt) => {
                // A raw store, while the metatable has no `__newindex` (guarded).
                let kmt = self.metatable_is(t, mt, pc);
                if !self
                    .metamethod(st, mt, kmt, Tm::NewIndex, pc, op)?
                    .1
                    .is_nil()
                {
                    return Err(Abort::NyiTable(op));
                }
            }
        }
        let kv = self.trace.emit(Op::Pair, Ty::Void, key, v);
        self.trace.emit(Op::TSet, Ty::Void, t, kv);
        Ok(())
    }

    /// Field `f` of object `x`.
    fn field(&mut self, x: Ref, f: Field) -> Ref {
        self.trace.emit_lit(Op::FLoad, f.ty(), x, f as u32)
    }

    /// Guards that table `t` has no metatable (nothing to guard for a table the trace
    /// made, while every metatable it set was certainly another table's: one it made
    /// later, or one that existed before it ran).
    fn no_metatable(&mut self, t: Ref, pc: u32) {
        let tr = &self.trace;
        let untouched = tr.ins_of(t).is_some_and(|i| i.op == Op::TNew)
            && !(tr.ins.iter()).any(|i| i.op == Op::SetMeta && !distinct_tables(tr, t, i.ra()));
        if untouched {
            return;
        }
        let mt = self.field(t, Field::TabMeta);
        let zero = self.trace.kint(0);
        self.guard(Op::Eq, mt, zero, pc);
    }

    /// The address of the slot that holds `key` in table `t` (live: `tab`,
    /// `live_key`), with the guards that keep it so: an element of the array part for
    /// an integer key in it, a node for a string constant the table has. `None` for
    /// other keys (nothing emitted).
    fn table_slot(
        &mut self,
        tab: Gc<Table>,
        t: Ref,
        key: Ref,
        live_key: Value,
        pc: u32,
    ) -> Option<Ref> {
        match key.ty() {
            Ty::Int => {
                let k = live_key.as_int_unchecked();
                let n = tab.array_len() as i64;
                if k < 1 || k > n {
                    return None;
                }
                let arr = self.field(t, Field::TabArray);
                let size = self.field(t, Field::TabAsize);
                let one = self.trace.kint(1);
                self.guard(Op::Ge, key, one, pc);
                self.guard(Op::Le, key, size, pc);
                Some(self.trace.emit(Op::ARef, Ty::Ptr, arr, key))
            }
            Ty::Str if key.is_const() => {
                let node = tab.node_of(live_key)?;
                let nodes = self.field(t, Field::TabNodes);
                let hsize = self.field(t, Field::TabHsize);
                let want = self.trace.kint(tab.hash_slots() as i64);
                self.guard(Op::Eq, hsize, want, pc);
                let at = self.trace.konst(Const::Slot {
                    key,
                    slot: node as u32,
                });
                self.snap(pc);
                Some(self.trace.emit(Op::HRefK, Ty::Ptr, nodes, at))
            }
            _ => None,
        }
    }

    /// Upvalue `n` of the running frame's closure, and its live value: an object, or
    /// the slot of the base frame it is open at (guarded), which the trace keeps in
    /// its slot map like any register.
    ///
    /// While only one closure of the frame's function was ever made, the object is a
    /// constant: in the base frame the first use guards the closure's identity (the
    /// trace is then specific to it), an inlined call's closure is guarded at the
    /// call. A function with many closures (one made per call of the function around
    /// it) would get a trace per closure so: its upvalue objects are loaded from the
    /// closure instead, and only its prototype is guarded (at the call).
    fn upval(&mut self, st: &State, n: usize, pc: u32) -> Result<(Upval, Value), Abort> {
        let (cl, func) = match self.inlined.last() {
            Some(f) => (f.closure, Some(f.func)),
            None => {
                let cl = st.thread.stack[self.base - 1]
                    .as_lclosure()
                    .ok_or(Abort::Interrupted)?;
                (cl, None)
            }
        };
        let up = cl.upvals()[n];
        let r = if cl.proto.many_closures() {
            let f = match func {
                Some(s) => self.get_slot(st, s, pc, Bc::GetUpval)?,
                None => self.trace.emit_raw(Ins::new(Op::BaseFn, Ty::Func, 0, 0)),
            };
            self.trace.emit_lit(Op::UpvalOf, Ty::Ptr, f, n as u32)
        } else {
            if !self.closure_guarded && func.is_none() {
                let f = self.trace.emit_raw(Ins::new(Op::BaseFn, Ty::Func, 0, 0));
                let k = self.trace.kgc(Ty::Func, cl.as_ptr() as usize, "closure");
                self.guard(Op::Eq, f, k, pc);
                self.closure_guarded = true;
            }
            self.trace.konst(Const::Ptr(up.as_ptr() as usize))
        };
        let th = st.thread;
        let frame_end = self.base + self.proto.max_stack as usize;
        if up.thread() == Some(th) && (self.base..frame_end).contains(&up.index()) {
            // A closure of the base frame's function, called from it: its upvalue is
            // one of the frame's registers, which the trace holds in its own values.
            let s = up.index() - self.base;
            self.snap(pc);
            self.trace.emit_lit(Op::UAlias, Ty::Void, r, s as u32);
            return Ok((Upval::Slot(s), up.get()));
        }
        // Elsewhere, and it must stay so: another call of the same closure can have it
        // open at a register of the trace's frames.
        self.snap(pc);
        self.trace.emit1(Op::UOuter, Ty::Void, r);
        Ok((Upval::Obj(r), up.get()))
    }

    /// The call of a generic `for`'s iterator, when it is `ipairs`'s or `next` (for
    /// `pairs`), its identity guarded: its two results, or nil where the traversal
    /// ends.
    fn tfor_call(&mut self, st: &State, i: Instr, pc: u32) -> Result<(), Abort> {
        let op = Bc::TForCall;
        let a = i.a() as usize;
        let live_f = self.live(st, a);
        let nf = live_f.as_nclosure().ok_or(Abort::Nyi(op))?.f;
        let name = if ferrous_interp::stdlib::base::is_next(nf) {
            "next"
        } else if ferrous_interp::stdlib::base::is_ipairs_iterator(nf) {
            "ipairs iterator"
        } else {
            return Err(Abort::Nyi(op));
        };
        self.callee_is(st, a, name, pc, op)?;
        let results = if name == "next" {
            self.next_entry(st, a, pc)?
        } else {
            self.ipairs_entry(st, a, pc)?
        };
        let nil = self.trace.konst(Const::Nil);
        for r in 0..i.c() as usize {
            self.set(a + 4 + r, results.get(r).copied().unwrap_or(nil));
        }
        Ok(())
    }

    /// `ipairs`'s iterator on the table and index in registers `a + 1`, `a + 2`: the
    /// next index and the table's value there, read as `t[i]` is.
    fn ipairs_entry(&mut self, st: &State, a: usize, pc: u32) -> Result<[Ref; 2], Abort> {
        let op = Bc::TForCall;
        let t = self.get(st, a + 1, pc, op)?;
        let ctl = self.get(st, a + 2, pc, op)?;
        if ctl.ty() != Ty::Int {
            return Err(Abort::NyiType(op));
        }
        let next = self.live(st, a + 2).as_int_unchecked().wrapping_add(1);
        let one = self.trace.kint(1);
        let key = self.trace.emit(Op::Add, Ty::Int, ctl, one);
        let live_t = self.live(st, a + 1);
        let v = self.table_get(st, live_t, t, key, Value::int(next), pc, op)?;
        let nil = self.trace.konst(Const::Nil);
        Ok(if v.ty() == Ty::Nil {
            [nil, nil]
        } else {
            [key, v]
        })
    }

    /// `next` on the table and key in registers `a + 1`, `a + 2`: a helper finds the
    /// position of the next entry, which is then loaded from the part it was in when
    /// recorded (guarded), key and value with their types guarded.
    fn next_entry(&mut self, st: &State, a: usize, pc: u32) -> Result<[Ref; 2], Abort> {
        let op = Bc::TForCall;
        let t = self.get(st, a + 1, pc, op)?;
        let key = self.get(st, a + 2, pc, op)?;
        let tab = table_of(self.live(st, a + 1), t, op)?;
        let pos = tab
            .next_position(self.live(st, a + 2))
            .map_err(|_| Abort::NyiType(op))?;
        let at = self.trace.emit(Op::TNext, Ty::Int, t, key);
        let Some(p) = pos else {
            let end = self.trace.kint(-1);
            self.guard(Op::Eq, at, end, pc);
            let nil = self.trace.konst(Const::Nil);
            return Ok([nil, nil]);
        };
        let (live_k, live_v) = tab.entry_at(p);
        let kty = Ty::of(live_k).ok_or(Abort::NyiType(op))?;
        let vty = Ty::of(live_v).ok_or(Abort::NyiType(op))?;
        let asize = self.field(t, Field::TabAsize);
        Ok(if p < tab.array_len() {
            let zero = self.trace.kint(0);
            self.guard(Op::Ge, at, zero, pc);
            self.guard(Op::Lt, at, asize, pc);
            let one = self.trace.kint(1);
            let k = self.trace.emit(Op::Add, Ty::Int, at, one);
            let arr = self.field(t, Field::TabArray);
            let slot = self.trace.emit(Op::ARef, Ty::Ptr, arr, k);
            [k, self.trace.emit1(Op::ALoad, vty, slot)]
        } else {
            self.guard(Op::Ge, at, asize, pc);
            let n = self.trace.emit(Op::Sub, Ty::Int, at, asize);
            let nodes = self.field(t, Field::TabNodes);
            let slot = self.trace.emit(Op::NRef, Ty::Ptr, nodes, n);
            let k = self.trace.emit1(Op::NKey, kty, slot);
            [k, self.trace.emit1(Op::HLoad, vty, slot)]
        })
    }

    /// A call, recorded when it is to a Lua function (inlined) or to a `math` function
    /// the IR computes, with the callee's identity guarded.
    fn call(&mut self, st: &State, i: Instr, pc: u32) -> Result<(), Abort> {
        let op = Bc::Call;
        let a = i.a() as usize;
        let (nargs, nres) = (i.b() as i32 - 1, i.c() as i32 - 1);
        let live_f = self.live(st, a);
        if let Some(cl) = live_f.as_lclosure() {
            return self.inline(st, i, cl, pc);
        }
        let nf = live_f.as_nclosure().ok_or(Abort::Nyi(op))?.f;
        if let Some(name) = ferrous_interp::stdlib::string::jit_builtin(nf) {
            return self.string_call(st, i, name, pc);
        }
        if let Some(name) = ferrous_interp::stdlib::base::jit_builtin(nf) {
            return self.base_call(st, i, name, pc);
        }
        let name = ferrous_interp::stdlib::math::jit_builtin(nf).ok_or(Abort::Nyi(op))?;
        if nargs != 1 || nres < 0 {
            return Err(Abort::Nyi(op));
        }
        self.callee_is(st, a, format!("math.{name}"), pc, op)?;
        let x = self.get(st, a + 1, pc, op)?;
        let float = |r: &mut Self, f: MathFn| -> Result<Ref, Abort> {
            if !x.ty().is_number() {
                return Err(Abort::NyiType(op));
            }
            let x = r.num_of(x);
            Ok(r.trace.emit_lit(Op::Math, Ty::Num, x, f as u32))
        };
        let v = match (name, x.ty()) {
            ("floor" | "ceil", Ty::Int) => x,
            ("abs", Ty::Int) => {
                let n = self.trace.emit1(Op::Neg, Ty::Int, x);
                self.trace.emit(Op::Max, Ty::Int, x, n)
            }
            ("floor" | "ceil", Ty::Num) => {
                let f = if name == "floor" {
                    MathFn::Floor
                } else {
                    MathFn::Ceil
                };
                let r = self.trace.emit_lit(Op::Math, Ty::Num, x, f as u32);
                // An integer when the result fits one: guarded (a float result exits).
                self.snap(pc);
                self.trace.emit1(Op::ToInt, Ty::Int, r)
            }
            ("sqrt", _) => float(self, MathFn::Sqrt)?,
            ("abs", _) => float(self, MathFn::Abs)?,
            ("sin", _) => float(self, MathFn::Sin)?,
            ("cos", _) => float(self, MathFn::Cos)?,
            ("tan", _) => float(self, MathFn::Tan)?,
            ("exp", _) => float(self, MathFn::Exp)?,
            ("log", _) => float(self, MathFn::Log)?,
            _ => return Err(Abort::NyiType(op)),
        };
        self.set_results(a, v, nres as usize);
        Ok(())
    }

    /// The `n` results of a call of a library function that returns `v`, from
    /// register `a` on: `v`, then nils.
    fn set_results(&mut self, a: usize, v: Ref, n: usize) {
        let nil = self.trace.konst(Const::Nil);
        for r in 0..n {
            self.set(a + r, if r == 0 { v } else { nil });
        }
    }

    /// A call of the `string` function `name` (`string.byte(s [, i])` of one byte in
    /// range, guarded; `string.sub(s, i [, j])` through a helper), with the callee's
    /// identity guarded.
    fn string_call(&mut self, st: &State, i: Instr, name: &str, pc: u32) -> Result<(), Abort> {
        let op = Bc::Call;
        let a = i.a() as usize;
        let (nargs, nres) = (i.b() as i32 - 1, i.c() as i32 - 1);
        let most = if name == "sub" { 3 } else { 2 };
        if !(1..=most).contains(&nargs) || nres < 0 {
            return Err(Abort::NyiCall);
        }
        self.callee_is(st, a, format!("string.{name}"), pc, op)?;
        let s = self.get(st, a + 1, pc, op)?;
        let live_s = self.live(st, a + 1).as_string().ok_or(Abort::NyiType(op))?;
        let (at, live_at) = if nargs >= 2 {
            (self.get(st, a + 2, pc, op)?, self.live(st, a + 2))
        } else {
            (self.trace.kint(1), Value::int(1))
        };
        if s.ty() != Ty::Str || at.ty() != Ty::Int {
            return Err(Abort::NyiType(op));
        }
        let v = if name == "sub" {
            let last = if nargs == 3 {
                self.get(st, a + 3, pc, op)?
            } else {
                self.trace.kint(-1)
            };
            if last.ty() != Ty::Int || nargs < 2 {
                return Err(Abort::NyiType(op));
            }
            let range = self.trace.emit(Op::Pair, Ty::Void, at, last);
            self.allocates = true;
            self.trace.emit(Op::SSub, Ty::Str, s, range)
        } else {
            self.byte(s, live_s, at, live_at, pc, op)?
        };
        self.set_results(a, v, nres as usize);
        Ok(())
    }

    /// A call of the base function `name`, with the callee's identity guarded:
    /// `type(v)`, whose result the type of `v` (known to the trace) decides, and
    /// `setmetatable(t, mt)` of a table without a metatable (guarded) and a table
    /// (guarded to be this one: later lookups in it fold away).
    fn base_call(&mut self, st: &State, i: Instr, name: &str, pc: u32) -> Result<(), Abort> {
        let op = Bc::Call;
        let a = i.a() as usize;
        let (nargs, nres) = (i.b() as i32 - 1, i.c() as i32 - 1);
        if nres < 0 {
            return Err(Abort::NyiCall);
        }
        let v = match (name, nargs) {
            ("type", 1) => {
                self.callee_is(st, a, "type", pc, op)?;
                self.get(st, a + 1, pc, op)?;
                let ty = self.live(st, a + 1).type_of();
                self.konst(Value::string(st.heap.type_name(ty)), op)?
            }
            ("setmetatable", 2) => {
                let t = self.get(st, a + 1, pc, op)?;
                let mt = self.get(st, a + 2, pc, op)?;
                let live_t = table_of(self.live(st, a + 1), t, op)?;
                let live_mt = table_of(self.live(st, a + 2), mt, op)?;
                if live_t.metatable.is_some() {
                    return Err(Abort::NyiType(op));
                }
                self.callee_is(st, a, "setmetatable", pc, op)?;
                self.no_metatable(t, pc);
                let kmt = self
                    .trace
                    .kgc(Ty::Tab, live_mt.as_ptr() as usize, "metatable");
                self.guard(Op::Eq, mt, kmt, pc);
                self.trace.emit(Op::SetMeta, Ty::Void, t, kmt);
                t
            }
            _ => return Err(Abort::NyiCall),
        };
        self.set_results(a, v, nres as usize);
        Ok(())
    }

    /// Byte `at` of string `s` (live: `live_s`, `live_at`), in range (guarded).
    fn byte(
        &mut self,
        s: Ref,
        live_s: Gc<LuaStr>,
        at: Ref,
        live_at: Value,
        pc: u32,
        op: Bc,
    ) -> Result<Ref, Abort> {
        let n = live_at.as_int_unchecked();
        if n < 1 || n > live_s.len() as i64 {
            return Err(Abort::NyiType(op));
        }
        let one = self.trace.kint(1);
        self.guard(Op::Ge, at, one, pc);
        let len = self.field(s, Field::StrLen);
        self.guard(Op::Le, at, len, pc);
        Ok(self.trace.emit(Op::SByte, Ty::Int, s, at))
    }

    /// Guards that register `a` holds the function it holds now (shown as `label`):
    /// the trace computes or inlines that one.
    fn callee_is(
        &mut self,
        st: &State,
        a: usize,
        label: impl Into<String>,
        pc: u32,
        op: Bc,
    ) -> Result<(), Abort> {
        let f = self.get(st, a, pc, op)?;
        let live = self.live(st, a);
        let k = self.trace.kgc(f.ty(), live.object_addr(), label);
        self.guard(Op::Eq, f, k, pc);
        Ok(())
    }

    /// Enters the Lua function `cl` that `i` calls, after guarding its identity.
    fn inline(&mut self, st: &State, i: Instr, cl: Gc<LuaClosure>, pc: u32) -> Result<(), Abort> {
        let op = Bc::Call;
        let a = i.a() as usize;
        let p = cl.proto;
        let (b, c) = (i.b() as usize, i.c() as usize);
        if b == 0 || c == 0 {
            return Err(Abort::NyiCall);
        }
        let f = self.get(st, a, pc, op)?;
        self.callee_guard(f, cl, pc)?;
        let func = self.off() + a;
        self.inlined.push(Inlined {
            func,
            closure: cl,
            ret_pc: pc + 1,
            nres: c - 1,
            meta: false,
        });
        self.make_room();
        // Parameters without an argument are nil.
        let nil = self.trace.konst(Const::Nil);
        for r in b - 1..p.num_params as usize {
            self.set(r, nil);
        }
        self.dirty = true;
        Ok(())
    }

    /// A tail call from an inlined call. Of a library function the trace computes: its
    /// one result, which the `Return` that follows passes on (`open_top`). Of a Lua
    /// function: it replaces the running call, in the same frame, returning to the
    /// same caller.
    fn tail_call(&mut self, st: &State, i: Instr, pc: u32) -> Result<(), Abort> {
        let op = Bc::TailCall;
        let a = i.a() as usize;
        let b = i.b() as usize;
        if b == 0 {
            return Err(Abort::NyiCall);
        }
        let Some(cl) = self.live(st, a).as_lclosure() else {
            self.call(st, Instr::abc(Bc::Call, a as u32, b as u32, 2, false), pc)?;
            self.open_top = Some(a + 1);
            return Ok(());
        };
        let f = self.get(st, a, pc, op)?;
        let args = (a + 1..a + b)
            .map(|r| self.get(st, r, pc, op))
            .collect::<Result<Vec<_>, _>>()?;
        // Guarded in the caller's frame: an exit there runs the tail call again.
        self.callee_guard(f, cl, pc)?;
        let cur = self.inlined.pop().expect("a tail call in an inlined call");
        for s in cur.func..self.slots.len() {
            self.slots[s] = Ref::NONE;
            self.written[s] = false;
        }
        // (The callee starts at its first instruction, which is no jump back.)
        self.last = None;
        self.enter(Inlined { closure: cl, ..cur }, f, &args);
        Ok(())
    }

    /// Enters `frame`, a call of function `f` with `args` in a frame of its own:
    /// the function in its slot, the arguments in its parameters (nil for missing
    /// ones).
    fn enter(&mut self, frame: Inlined, f: Ref, args: &[Ref]) {
        let (func, p) = (frame.func, frame.closure.proto);
        self.inlined.push(frame);
        self.make_room();
        self.set_slot(func, f);
        let nil = self.trace.konst(Const::Nil);
        for r in 0..p.num_params as usize {
            self.set(r, args.get(r).copied().unwrap_or(nil));
        }
        self.dirty = true;
    }

    /// Checks that the Lua function `cl` can be inlined, and guards that `f` is it
    /// (or, for a function with many closures, one of them).
    fn callee_guard(&mut self, f: Ref, cl: Gc<LuaClosure>, pc: u32) -> Result<(), Abort> {
        let p = cl.proto;
        if p.is_vararg {
            return Err(Abort::NyiCall);
        }
        if self.inlined.len() >= MAX_INLINE {
            return Err(Abort::CallTooDeep);
        }
        // A side trace may follow a recursive call down to a loop with a trace.
        let recursive = self.proto == p || self.inlined.iter().any(|f| f.closure.proto == p);
        if recursive && self.parent.is_none() {
            return Err(Abort::Recursion);
        }
        if p.many_closures() {
            // Any closure of the function will do (see `upval`).
            let fp = self.field(f, Field::FnProto);
            let k = self.trace.konst(Const::Ptr(p.as_ptr() as usize));
            self.trace.label(k, format!("proto {}", location(&p, 0)));
            self.guard(Op::Eq, fp, k, pc);
            self.protos.push(p);
        } else {
            let k = self.trace.kgc(
                Ty::Func,
                cl.as_ptr() as usize,
                format!("function {}", location(&p, 0)),
            );
            self.guard(Op::Eq, f, k, pc);
        }
        Ok(())
    }

    /// The metamethod `tm` for operands `x` and `y` (live: `lx`, `ly`) with its live
    /// value, as the interpreter finds it: the first operand's if its metatable has
    /// one, else the second's (metatables guarded, absent ones too). None when
    /// neither has one.
    #[allow(clippy::too_many_arguments)]
    fn binary_tm(
        &mut self,
        st: &State,
        tm: Tm,
        (x, lx): (Ref, Value),
        (y, ly): (Ref, Value),
        pc: u32,
        op: Bc,
    ) -> Result<Option<(Ref, Value)>, Abort> {
        if let Some(m) = self.operand_tm(st, tm, x, lx, pc, op)? {
            return Ok(Some(m));
        }
        self.operand_tm(st, tm, y, ly, pc, op)
    }

    /// Calls the metamethod `tm` for operands `x` and `y` (`binary_tm`), which the
    /// instruction at `pc` needs: without one it raises an error.
    #[allow(clippy::too_many_arguments)]
    fn call_binary_tm(
        &mut self,
        st: &State,
        tm: Tm,
        x: (Ref, Value),
        y: (Ref, Value),
        pc: u32,
        op: Bc,
    ) -> Result<(), Abort> {
        let (f, lf) = (self.binary_tm(st, tm, x, y, pc, op)?).ok_or(Abort::AlwaysErrors)?;
        self.call_metamethod(st, f, lf, &[x.0, y.0], pc, op)
    }

    /// The metamethod `tm` of operand `x` (live: `lx`), if it has one: a table's,
    /// with its metatable guarded. Numbers have none while traces live (setting
    /// their metatable flushes them).
    fn operand_tm(
        &mut self,
        st: &State,
        tm: Tm,
        x: Ref,
        lx: Value,
        pc: u32,
        op: Bc,
    ) -> Result<Option<(Ref, Value)>, Abort> {
        match x.ty() {
            Ty::Tab => {
                let tab = table_of(lx, x, op)?;
                let Some(mt) = tab.metatable else {
                    self.no_metatable(x, pc);
                    return Ok(None);
                };
                let kmt = self.metatable_is(x, mt, pc);
                let (m, lm) = self.metamethod(st, mt, kmt, tm, pc, op)?;
                Ok((!lm.is_nil()).then_some((m, lm)))
            }
            Ty::Int | Ty::Num if st.type_mt[type_mt_slot(TAG_FLOAT)].is_none() => Ok(None),
            _ => Err(Abort::NyiType(op)),
        }
    }

    /// Calls metamethod `f` (live: `lf`) with `args` for the instruction at `pc`, as
    /// the interpreter does: in a frame at the top of the stack, above the running
    /// frame's registers. When it returns, its result finishes the instruction
    /// (`ret`); an exit inside it makes the frame the interpreter's `FRAME_UNROLL`.
    fn call_metamethod(
        &mut self,
        st: &State,
        f: Ref,
        lf: Value,
        args: &[Ref],
        pc: u32,
        op: Bc,
    ) -> Result<(), Abort> {
        let cl = lf.as_lclosure().ok_or(Abort::NyiType(op))?;
        self.callee_guard(f, cl, pc)?;
        let th = st.thread;
        let fr = th.frames.last().expect("a running frame");
        let frame = Inlined {
            func: th.top.max(fr.top) - self.base,
            closure: cl,
            ret_pc: pc + 1,
            nres: 1,
            meta: true,
        };
        self.enter(frame, f, args);
        Ok(())
    }

    /// A return from an inlined call: its results go to the caller's registers from
    /// the function's slot on, as many as the caller wants (nil for missing ones), and
    /// the callee's registers above them are dead.
    fn ret(&mut self, st: &State, i: Instr, open_top: Option<usize>, pc: u32) -> Result<(), Abort> {
        let op = i.op();
        let a = i.a() as usize;
        let n = match op {
            Bc::Return0 => 0,
            Bc::Return1 => 1,
            // (k: the function may have variables to close; none of an inlined call
            // can be open, as the trace creates no closures and no to-be-closed
            // variables, and the call started in the trace or in its parent.)
            _ if i.b() == 0 => open_top.ok_or(Abort::NyiCall)? - a,
            _ => i.b() as usize - 1,
        };
        let results = (0..n)
            .map(|r| self.get(st, a + r, pc, op))
            .collect::<Result<Vec<_>, _>>()?;
        let f = self.inlined.pop().expect("a return from an inlined call");
        let nil = self.trace.konst(Const::Nil);
        let dead = if f.meta {
            // The first result finishes the caller's instruction: an arithmetic one
            // takes it; a comparison branches on its truth, which its type (known to
            // the trace) decides, and the recording follows that branch.
            let caller = Instr(self.cur_proto().code.at(f.ret_pc as usize - 1));
            if caller.op().is_arith() {
                self.set(caller.a() as usize, results.first().copied().unwrap_or(nil));
            }
            f.func
        } else {
            let first = f.func - self.off();
            for r in 0..f.nres {
                self.set(first + r, results.get(r).copied().unwrap_or(nil));
            }
            f.func + f.nres
        };
        for s in dead..self.slots.len() {
            self.slots[s] = Ref::NONE;
            self.written[s] = false;
        }
        self.last = Some((self.inlined.len(), f.ret_pc - 1));
        self.dirty = true;
        Ok(())
    }

    /// The live value of register `r`.
    fn live(&self, st: &State, r: usize) -> Value {
        st.thread.stack[self.base + self.off() + r]
    }

    /// Ends a side trace before instruction `pc`, in the interpreter. Returns true (the
    /// recording is complete).
    fn stop_in_interpreter(&mut self, pc: u32) -> bool {
        self.end_pc = pc;
        self.to_interpreter = true;
        true
    }

    /// Emits a one-operand guard under a snapshot that resumes at `pc`.
    fn guard1(&mut self, op: Op, x: Ref, pc: u32) {
        self.snap(pc);
        self.trace.emit1(op, Ty::Void, x);
    }

    /// Guards `x == y` (or `~=`, as observed).
    fn equality(
        &mut self,
        x: Ref,
        y: Ref,
        (lx, ly): (Value, Value),
        pc: u32,
        op: Bc,
    ) -> Result<(), Abort> {
        let equal = lx.raw_eq(ly);
        let (x, y) = self.same_number_type(x, y, (lx, ly), pc, op)?;
        match (x.ty(), y.ty()) {
            (Ty::Int, Ty::Int) | (Ty::Num, Ty::Num) => {
                self.guard(if equal { Op::Eq } else { Op::Ne }, x, y, pc);
                Ok(())
            }
            // Values of two types never compare equal but for integer and float.
            (tx, ty) if tx != ty && !(tx.is_number() && ty.is_number()) => Ok(()),
            (Ty::Nil, Ty::Nil) | (Ty::False, Ty::False) | (Ty::True, Ty::True) => Ok(()),
            // Short strings are interned: one equals a short string constant exactly
            // when it is that string.
            (Ty::Str, Ty::Str) if self.short_str_const(x) || self.short_str_const(y) => {
                self.guard(if equal { Op::Eq } else { Op::Ne }, x, y, pc);
                Ok(())
            }
            _ => Err(Abort::NyiType(op)),
        }
    }

    /// Whether `x` is a constant short string.
    fn short_str_const(&self, x: Ref) -> bool {
        match self.trace.const_of(x) {
            Some(Const::Gc(Ty::Str, addr)) => Gc::<LuaStr>::from_addr(addr).is_short(),
            _ => false,
        }
    }

    /// The live values the equality instruction `i` compares.
    fn live_eq_operands(
        &self,
        st: &State,
        a: usize,
        op: Bc,
        i: Instr,
        p: &Proto,
    ) -> (Value, Value) {
        let x = self.live(st, a);
        let y = match op {
            Bc::Eq => self.live(st, i.b() as usize),
            Bc::EqK => p.constants[i.b() as usize],
            _ => Value::int(i.sb() as i64),
        };
        (x, y)
    }

    /// Whether the ordering instruction `i` holds on the live values (numbers of one
    /// type: the caller checked).
    fn live_order(&self, st: &State, a: usize, op: Bc, i: Instr) -> bool {
        let x = self.live(st, a);
        let imm = i.sb() as i64;
        let y = match op {
            Bc::Lt | Bc::Le => self.live(st, i.b() as usize),
            _ if x.tag() == TAG_FLOAT => Value::float(imm as f64),
            _ => Value::int(imm),
        };
        // As the interpreter compares numbers (integers and floats mathematically).
        match op {
            Bc::Lt | Bc::LtI => num_lt(x, y),
            Bc::Le | Bc::LeI => num_le(x, y),
            Bc::GtI => num_lt(y, x),
            _ => num_le(y, x),
        }
    }

    /// An immediate operand in the type of `x`.
    fn imm(&mut self, x: Ref, n: i32, op: Bc) -> Result<Ref, Abort> {
        match x.ty() {
            Ty::Int => Ok(self.trace.kint(n as i64)),
            Ty::Num => Ok(self.trace.knum(n as f64)),
            _ => Err(Abort::NyiType(op)),
        }
    }

    /// Arithmetic instruction `i` on `x` and `y` (live: `lx`, `ly`): on numbers in the
    /// trace, or with a table operand by its metamethod, called with the operands in
    /// source order (the `k` bit of a commutative operator's constant form says the
    /// constant came first).
    fn arith_or_meta(
        &mut self,
        st: &State,
        i: Instr,
        (x, lx): (Ref, Value),
        (y, ly): (Ref, Value),
        pc: u32,
    ) -> Result<(), Abort> {
        let op = i.op();
        let ar = arith_of(op);
        if x.ty() != Ty::Tab && y.ty() != Ty::Tab {
            let v = self.arith(ar, x, y, pc, op)?;
            self.set(i.a() as usize, v);
            return Ok(());
        }
        let swapped = i.k()
            && matches!(
                op,
                Bc::AddI | Bc::AddK | Bc::MulK | Bc::BAndK | Bc::BOrK | Bc::BXorK
            );
        let (p, q) = if swapped {
            ((y, ly), (x, lx))
        } else {
            ((x, lx), (y, ly))
        };
        self.call_binary_tm(st, ar.tm(), p, q, pc, op)
    }

    /// `x == y` of two tables (live: `lx`, `ly`): the same table, or different ones
    /// that `__eq` (of the first's metatable, else the second's) may call equal. The
    /// identity is guarded; so are the metatables when they are looked at.
    fn table_eq(
        &mut self,
        st: &State,
        (x, lx): (Ref, Value),
        (y, ly): (Ref, Value),
        pc: u32,
    ) -> Result<(), Abort> {
        let op = Bc::Eq;
        if lx.raw_eq(ly) {
            self.guard(Op::Eq, x, y, pc);
            return Ok(());
        }
        self.guard(Op::Ne, x, y, pc);
        match self.binary_tm(st, Tm::Eq, (x, lx), (y, ly), pc, op)? {
            Some((f, lf)) => self.call_metamethod(st, f, lf, &[x, y], pc, op),
            None => Ok(()),
        }
    }

    /// Arithmetic on two numbers, with Lua's conversions.
    fn arith(&mut self, ar: ArithOp, x: Ref, y: Ref, pc: u32, op: Bc) -> Result<Ref, Abort> {
        if !x.ty().is_number() || !y.ty().is_number() {
            return Err(Abort::NyiType(op));
        }
        let bitwise = matches!(
            ar,
            ArithOp::BAnd | ArithOp::BOr | ArithOp::BXor | ArithOp::Shl | ArithOp::Shr
        );
        if bitwise {
            let x = self.int_of(x, pc, op)?;
            let y = self.int_of(y, pc, op)?;
            let o = match ar {
                ArithOp::BAnd => Op::BAnd,
                ArithOp::BOr => Op::BOr,
                ArithOp::BXor => Op::BXor,
                ArithOp::Shl => Op::BShl,
                _ => Op::BShr,
            };
            return Ok(self.trace.emit(o, Ty::Int, x, y));
        }
        let ints = x.ty() == Ty::Int && y.ty() == Ty::Int;
        if ints && !matches!(ar, ArithOp::Div | ArithOp::Pow) {
            if matches!(ar, ArithOp::Mod | ArithOp::IDiv) {
                match self.trace.int_const(y) {
                    Some(0) => return Err(Abort::AlwaysErrors),
                    Some(_) => {}
                    None => {
                        let zero = self.trace.kint(0);
                        self.guard(Op::Ne, y, zero, pc);
                    }
                }
            }
            let o = match ar {
                ArithOp::Add => Op::Add,
                ArithOp::Sub => Op::Sub,
                ArithOp::Mul => Op::Mul,
                ArithOp::Mod => Op::Mod,
                _ => Op::IDiv,
            };
            return Ok(self.trace.emit(o, Ty::Int, x, y));
        }
        let x = self.num_of(x);
        let y = self.num_of(y);
        let o = match ar {
            ArithOp::Add => Op::Add,
            ArithOp::Sub => Op::Sub,
            ArithOp::Mul => Op::Mul,
            ArithOp::Mod => Op::Mod,
            ArithOp::Pow => Op::Pow,
            ArithOp::Div => Op::Div,
            _ => Op::IDiv,
        };
        Ok(self.trace.emit(o, Ty::Num, x, y))
    }

    /// An integer and a float (live: `lx`, `ly`) as two floats, for a comparison:
    /// exact for integers of at most 2^53 in magnitude (guarded), as Lua compares them
    /// mathematically; an integer beyond that aborts (its guard would always fail).
    /// Other operands as they are.
    fn same_number_type(
        &mut self,
        x: Ref,
        y: Ref,
        (lx, ly): (Value, Value),
        pc: u32,
        op: Bc,
    ) -> Result<(Ref, Ref), Abort> {
        const EXACT: i64 = 1 << 53;
        let mixed = matches!((x.ty(), y.ty()), (Ty::Int, Ty::Num) | (Ty::Num, Ty::Int));
        if !mixed {
            return Ok((x, y));
        }
        let live_int = if x.ty() == Ty::Int { lx } else { ly };
        if !live_int
            .as_int()
            .is_some_and(|k| (-EXACT..=EXACT).contains(&k))
        {
            return Err(Abort::NyiType(op));
        }
        let exact = |r: &mut Self, v: Ref| {
            if v.ty() != Ty::Int {
                return v;
            }
            if !r
                .trace
                .int_const(v)
                .is_some_and(|k| (-EXACT..=EXACT).contains(&k))
            {
                let (lo, hi) = (r.trace.kint(-EXACT), r.trace.kint(EXACT));
                r.guard(Op::Ge, v, lo, pc);
                r.guard(Op::Le, v, hi, pc);
            }
            r.num_of(v)
        };
        Ok((exact(self, x), exact(self, y)))
    }

    fn num_of(&mut self, x: Ref) -> Ref {
        if x.ty() == Ty::Int {
            self.trace.emit1(Op::ToNum, Ty::Num, x)
        } else {
            x
        }
    }

    /// A number as an integer for a bitwise operator: floats must have an exact one.
    fn int_of(&mut self, x: Ref, pc: u32, op: Bc) -> Result<Ref, Abort> {
        match x.ty() {
            Ty::Int => Ok(x),
            Ty::Num => {
                self.snap(pc);
                Ok(self.trace.emit1(Op::ToInt, Ty::Int, x))
            }
            _ => Err(Abort::NyiType(op)),
        }
    }

    /// A constant of the prototype as an IR constant.
    fn konst(&mut self, v: Value, op: Bc) -> Result<Ref, Abort> {
        Ok(match v.tag() {
            TAG_INT => self.trace.kint(v.as_int_unchecked()),
            TAG_FLOAT => self.trace.knum(v.as_float_unchecked()),
            TAG_NIL => self.trace.konst(Const::Nil),
            TAG_BOOL if v.truthy() => self.trace.konst(Const::True),
            TAG_BOOL => self.trace.konst(Const::False),
            TAG_STRING => {
                let s = v.as_string().expect("string tag");
                let bytes = s.as_bytes();
                let label = String::from_utf8_lossy(&bytes[..bytes.len().min(20)]);
                self.trace
                    .kgc(Ty::Str, v.object_addr(), format!("{label:?}"))
            }
            _ => return Err(Abort::NyiType(op)),
        })
    }

    /// Register `r`'s value: its ref, or a fresh type-guarded load.
    fn get(&mut self, st: &State, r: usize, pc: u32, op: Bc) -> Result<Ref, Abort> {
        self.get_slot(st, self.off() + r, pc, op)
    }

    /// Slot `s`'s value: its ref, or a fresh type-guarded load.
    fn get_slot(&mut self, st: &State, s: usize, pc: u32, op: Bc) -> Result<Ref, Abort> {
        let cur = self.slots[s];
        if !cur.is_none() {
            return Ok(cur);
        }
        let ty = Ty::of(st.thread.stack[self.base + s]).ok_or(Abort::NyiType(op))?;
        self.snap(pc);
        let ld = self
            .trace
            .emit_raw(Ins::new(Op::SLoad, ty, s as u32, sload::TYPECHECK));
        self.slots[s] = ld;
        Ok(ld)
    }

    /// Sets register `r` of the running frame.
    fn set(&mut self, r: usize, v: Ref) {
        self.set_slot(self.off() + r, v);
    }

    fn set_slot(&mut self, s: usize, v: Ref) {
        self.slots[s] = v;
        self.written[s] = true;
        self.dirty = true;
    }

    /// Emits a guard under a snapshot that resumes at `pc`.
    fn guard(&mut self, op: Op, x: Ref, y: Ref, pc: u32) {
        self.snap(pc);
        self.trace.emit(op, Ty::Void, x, y);
    }

    /// Takes a snapshot resuming at `pc` if registers changed since the last one.
    fn snap(&mut self, pc: u32) {
        let last_pc = self.trace.snaps.last().map(|s| s.pc);
        if !self.dirty && last_pc == Some(pc) {
            return;
        }
        self.snapshot(pc);
    }

    /// Takes a snapshot resuming at `pc` in the running frame.
    fn snapshot(&mut self, pc: u32) {
        let entries = self.written_entries();
        let frames: Vec<SnapFrame> = (self.inlined.iter())
            .map(|f| SnapFrame {
                func_slot: f.func as u16,
                pc: f.ret_pc,
            })
            .collect();
        let top = self.off() + self.cur_proto().max_stack as usize;
        self.trace.snapshot(pc, top as u16, &entries, &frames);
        self.dirty = false;
    }

    /// Where a trace checks whether a collection is due, and leaves for it (what
    /// the trace allocated made it so; the interpreter collects and enters the trace
    /// again at the next back-edge): a root trace that allocates at its start, which
    /// peeling copies to the start of every iteration (and which is removed from a
    /// root trace that does not); a side trace that allocates at its end, before it
    /// goes on in its root.
    pub fn place_gc_check(&mut self) {
        match (self.parent, self.allocates) {
            (None, false) => {
                self.trace.nop(0);
                // Its snapshot (the first) goes too when it covers nothing else.
                if self.trace.snaps.get(1).is_some_and(|s| s.at == 1) {
                    self.trace.snaps.remove(0);
                }
            }
            (Some(_), true) => {
                self.snapshot(self.end_pc);
                self.trace.emit_raw(Ins::new(Op::GcCheck, Ty::Void, 0, 0));
            }
            _ => {}
        }
    }

    /// Closes a side trace: a last snapshot, where it ends, lists the registers to
    /// write back before the trace it links to runs, or the interpreter.
    pub fn close_side(&mut self) {
        self.snapshot(self.end_pc);
    }

    /// The written slots and their refs, for a snapshot.
    pub fn written_entries(&self) -> Vec<SnapEntry> {
        (0..self.slots.len())
            .filter(|&r| self.written[r])
            .map(|r| SnapEntry {
                slot: r as u16,
                r: self.slots[r],
            })
            .collect()
    }
}

/// The live table of a table operand `t`.
fn table_of(live_t: Value, t: Ref, op: Bc) -> Result<Gc<Table>, Abort> {
    live_t
        .as_table()
        .filter(|_| t.ty() == Ty::Tab)
        .ok_or(Abort::NyiType(op))
}

/// Whether storing a value of `v`'s type needs no write barrier: it is no object.
fn needs_no_barrier(v: Ref) -> bool {
    matches!(v.ty(), Ty::Nil | Ty::False | Ty::True | Ty::Int | Ty::Num)
}

/// The guard that holds when `op`'s comparison does not. For floats the negation is
/// not exact (NaN makes both fail), which only costs an exit: a failing guard is safe.
fn negate(op: Op) -> Op {
    match op {
        Op::Lt => Op::Ge,
        Op::Le => Op::Gt,
        Op::Gt => Op::Le,
        _ => Op::Lt,
    }
}

fn truthy(ty: Ty) -> bool {
    !matches!(ty, Ty::Nil | Ty::False)
}

/// Results wanted by the call just before instruction `ret_pc` of `p` (inlined calls
/// have a fixed number; a metamethod's caller takes one).
pub fn call_results(p: &Proto, ret_pc: u32) -> usize {
    if calls_metamethod(p, ret_pc) {
        return 1;
    }
    Instr(p.code.at(ret_pc as usize - 1)).c() as usize - 1
}

/// Whether the call just before instruction `ret_pc` of `p` is of a metamethod (the
/// instruction there is not a `Call`): its frame then finishes that instruction when
/// it returns (`FRAME_UNROLL`).
pub fn calls_metamethod(p: &Proto, ret_pc: u32) -> bool {
    Instr(p.code.at(ret_pc as usize - 1)).op() != Bc::Call
}

/// `chunkname:line` of instruction `pc` of `p`.
pub fn location(p: &Proto, pc: u32) -> String {
    let src = String::from_utf8_lossy(&p.source);
    let src = src.strip_prefix(['@', '=']).unwrap_or(&src);
    let line = p.line_info.get(pc as usize).copied().unwrap_or(0);
    format!("{src}:{line}")
}

/// The operator of an arithmetic instruction (the recorder only passes those).
fn arith_of(op: Bc) -> ArithOp {
    ArithOp::of(op).expect("an arithmetic instruction")
}
