//! The bytecode verifier: proves, before a loaded chunk runs, that the interpreter can
//! execute it without going out of bounds, panicking or breaking its own invariants.
//!
//! The interpreter (`vm/exec.rs`) trusts its bytecode the way PUC Lua's does: registers
//! are addressed as `base + operand` inside a window of `max_stack` slots made sure of at
//! frame entry, constants and upvalues by index, jumps are taken blindly, an instruction
//! that consumes "everything up to the stack top" believes the one before it set that
//! top. The compiler keeps all these promises; a binary chunk may not. This pass checks
//! each promise for every function of a chunk, in three layers:
//!
//! 1. **Function shape**: `2 <= max_stack <= 255`, parameters fit in the registers, code
//!    is non-empty, line info is absent or one line per instruction, local variable
//!    ranges lie inside the code with start pcs in order and never more active locals
//!    than registers (debug.getlocal maps the n-th active local to register n-1),
//!    upvalue descriptors of nested functions point at registers or upvalues that exist
//!    in the parent.
//! 2. **Each instruction on its own**: a valid opcode; every register it reads or writes,
//!    counting the ranges (`Call` A..A+B-1 and its results, `LoadNil` A..A+B, `Concat`,
//!    `SetList` A..A+B, `VarArg`, `ForPrep`/`ForLoop` A..A+3, `TForCall` A..A+6 plus its
//!    results, `Self` A+1, ...), below `max_stack`; constant indices in range and of the
//!    type the instruction needs (string keys for the field forms, numbers for arithmetic,
//!    integers for bitwise); upvalue and prototype indices in range; `ExtraArg` after
//!    `LoadKX`, `NewTable` and `SetList` with k, and nowhere else; a `Jmp` after every
//!    comparison and test; for-loop instructions paired as the compiler pairs them; table
//!    size hints no larger than the function could fill (so a lying `NewTable` cannot
//!    make a huge allocation); every successor of every instruction (fall-through, jump,
//!    skip) inside the code, so execution cannot run off the end.
//! 3. **Across instructions** (a forward data-flow analysis over the control-flow graph):
//!    - *open top*: an instruction with B = 0 that takes values "up to the top" (`Call`,
//!      `TailCall`, `Return`, `SetList`) must directly follow, and only be reachable from,
//!      one that leaves such a top above its operands (`Call` or `VarArg` with C = 0, or a
//!      `TailCall`, which falls through to a `Return` when it calls a native); and every
//!      such producer must be followed by its consumer;
//!    - *tables*: `SetList` stores into `R[A]` without a type check, so `R[A]` must hold
//!      the table of a `NewTable` on every path, not overwritten since, and not reachable
//!      through an open upvalue (which any Lua code could assign);
//!    - *upvalue aliasing*: a call places the callee's frame right above its function
//!      slot; no register there may be captured by an open upvalue, or the callee's own
//!      registers would change behind its back;
//!    - *to-be-closed variables*: `Return0`, `Return1` and `TailCall` do not close them,
//!      so none may be pending there (nor may `Return0` or `Return1` appear in a function
//!      whose registers a nested function captures, a check of the function's shape:
//!      they close no upvalues either).
//!
//! Unreachable code is checked by layers 1 and 2 only. Rules for contributors: when the
//! interpreter starts to rely on something new about its bytecode, add the check here
//! first; keep every check no stricter than what the compiler produces (the round-trip
//! tests dump and verify every function of every test script).

use super::MAX_NESTING;
use crate::bytecode::{Const, FuncProto, Instr, Op, FIELDS_PER_FLUSH, MAX_C};

type R<T> = Result<T, String>;

/// Verifies a main function and everything nested in it.
pub fn verify(main: &FuncProto) -> R<()> {
    check_function(main, None, 0)
}

fn check_function(f: &FuncProto, parent: Option<&FuncProto>, depth: usize) -> R<()> {
    let whose = || {
        if parent.is_none() {
            "main function".to_string()
        } else {
            format!("function at line {}", f.line_defined)
        }
    };
    if depth > MAX_NESTING {
        return Err("functions nested too deeply".into());
    }
    check_shape(f, parent).map_err(|e| format!("{}: {}", whose(), e))?;
    let cfg = check_code(f).map_err(|e| format!("{}: {}", whose(), e))?;
    check_flow(f, &cfg).map_err(|e| format!("{}: {}", whose(), e))?;
    for child in &f.protos {
        check_function(child, Some(f), depth + 1)?;
    }
    Ok(())
}

// ---------------------------------------------------------------- function shape

fn check_shape(f: &FuncProto, parent: Option<&FuncProto>) -> R<()> {
    let ms = f.max_stack as usize;
    if ms < 2 {
        return Err(format!("max_stack {} below 2", ms));
    }
    if f.num_params as usize > ms {
        return Err("more parameters than registers".into());
    }
    let n = f.code.len();
    if n == 0 {
        return Err("no code".into());
    }
    if !f.line_info.is_empty() && f.line_info.len() != n {
        return Err("line info does not match the code".into());
    }
    if f.upvalues.len() > 255 {
        return Err("too many upvalues".into());
    }
    for (i, u) in f.upvalues.iter().enumerate() {
        if u.kind > 3 {
            return Err(format!("upvalue {}: bad kind", i));
        }
        if let Some(p) = parent {
            let ok = if u.in_stack {
                (u.index as usize) < p.max_stack as usize
            } else {
                (u.index as usize) < p.upvalues.len()
            };
            if !ok {
                return Err(format!(
                    "upvalue {}: no such slot in the enclosing function",
                    i
                ));
            }
        }
    }
    // Return0 and Return1 close no upvalues: a function whose registers a closure
    // captures returns through Return (with k), as the compiler emits it.
    let captured = f
        .protos
        .iter()
        .any(|p| p.upvalues.iter().any(|u| u.in_stack));
    if captured
        && f.code
            .iter()
            .any(|i| matches!(Op::from_u8(i.op_raw()), Some(Op::Return0 | Op::Return1)))
    {
        return Err("Return0 or Return1 in a function whose registers closures capture".into());
    }
    // Local variables: inside the code, sorted by start, never more active than registers.
    let mut delta = vec![0i32; n + 1];
    let mut last_start = 0;
    for lv in &f.locvars {
        let (s, e) = (lv.start_pc as usize, lv.end_pc as usize);
        if s > e || e > n || s < last_start {
            return Err("bad local variable range".into());
        }
        last_start = s;
        delta[s] += 1;
        delta[e] -= 1;
    }
    let mut active = 0i32;
    for d in delta {
        active += d;
        if active as usize > ms {
            return Err("more active local variables than registers".into());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- single instructions

/// What `check_code` learned that the flow analysis needs.
struct Cfg {
    /// Up to two successors per instruction (`NONE` marks an empty slot).
    succ: Vec<[u32; 2]>,
    /// Whether the function needs the flow analysis at all.
    needs_flow: bool,
}

const NONE: u32 = u32::MAX;

/// Producers of an open top: `Call`/`VarArg` with C = 0 and `TailCall`.
fn is_producer(i: Instr) -> bool {
    match i.op() {
        Op::Call | Op::VarArg => i.c() == 0,
        Op::TailCall => true,
        _ => false,
    }
}

/// Consumers of an open top: B = 0 forms of `Call`, `TailCall`, `Return`, `SetList`.
fn is_consumer(i: Instr) -> bool {
    matches!(i.op(), Op::Call | Op::TailCall | Op::Return | Op::SetList) && i.b() == 0
}

struct Checker<'a> {
    f: &'a FuncProto,
    ms: u32,
    pc: usize,
}

impl Checker<'_> {
    fn err<T>(&self, i: Instr, msg: &str) -> R<T> {
        Err(format!("pc {} ({}): {}", self.pc, i.op().name(), msg))
    }
    /// Registers `first .. first + count` exist.
    fn regs(&self, i: Instr, first: u32, count: u32) -> R<()> {
        if first + count > self.ms {
            return self.err(i, "register out of range");
        }
        Ok(())
    }
    fn reg(&self, i: Instr, r: u32) -> R<()> {
        self.regs(i, r, 1)
    }
    fn konst(&self, i: Instr, k: u32) -> R<&Const> {
        match self.f.constants.get(k as usize) {
            Some(c) => Ok(c),
            None => self.err(i, "constant index out of range"),
        }
    }
    fn kstr(&self, i: Instr, k: u32) -> R<()> {
        match self.konst(i, k)? {
            Const::Str(_) => Ok(()),
            _ => self.err(i, "constant is not a string"),
        }
    }
    fn knum(&self, i: Instr, k: u32) -> R<()> {
        match self.konst(i, k)? {
            Const::Int(_) | Const::Float(_) => Ok(()),
            _ => self.err(i, "constant is not a number"),
        }
    }
    fn kint(&self, i: Instr, k: u32) -> R<()> {
        match self.konst(i, k)? {
            Const::Int(_) => Ok(()),
            _ => self.err(i, "constant is not an integer"),
        }
    }
    /// `RK(C)`: a constant when k is set, else a register.
    fn rk(&self, i: Instr) -> R<()> {
        if i.k() {
            self.konst(i, i.c()).map(|_| ())
        } else {
            self.reg(i, i.c())
        }
    }
    fn upval(&self, i: Instr, u: u32) -> R<()> {
        if u as usize >= self.f.upvalues.len() {
            return self.err(i, "upvalue index out of range");
        }
        Ok(())
    }
    fn next(&self, off: usize) -> Option<Instr> {
        self.f.code.get(self.pc + off).copied()
    }
    /// The next instruction is an `ExtraArg`; returns its argument.
    fn extra_arg(&self, i: Instr) -> R<u32> {
        match self.next(1) {
            Some(e) if e.op_raw() == Op::ExtraArg as u8 => Ok(e.ax_arg()),
            _ => self.err(i, "missing ExtraArg"),
        }
    }
    /// The next instruction is a `Jmp` (after comparisons and tests).
    fn jmp_follows(&self, i: Instr) -> R<()> {
        match self.next(1) {
            Some(j) if j.op_raw() == Op::Jmp as u8 => Ok(()),
            _ => self.err(i, "a comparison or test must be followed by a jump"),
        }
    }
    /// The pc `off` instructions after this one; an error if that is outside the code.
    fn rel(&self, off: i64) -> R<u32> {
        let t = self.pc as i64 + off;
        if t < 0 || t >= self.f.code.len() as i64 {
            return Err(format!("pc {}: jump or skip out of the code", self.pc));
        }
        Ok(t as u32)
    }
    /// The backward jump of a `ForLoop` or `TForLoop` using `count` registers from A:
    /// it goes to the start of the loop, right after the `prep` instruction that opened
    /// it with the same registers. Returns the jump target.
    fn loop_back(&self, i: Instr, count: u32, prep: Op) -> R<u32> {
        self.regs(i, i.a(), count)?;
        let target = self.rel(1 - i.bx() as i64)?;
        match (target as usize).checked_sub(1).map(|p| self.f.code[p]) {
            Some(p) if p.op_raw() == prep as u8 && p.a() == i.a() => Ok(target),
            _ => self.err(i, &format!("loop not opened by a matching {}", prep.name())),
        }
    }
}

fn check_code(f: &FuncProto) -> R<Cfg> {
    let n = f.code.len();
    let ms = f.max_stack as u32;
    // A NewTable cannot ask for more array slots than its function's SetLists could
    // fill (each stores at most FIELDS_PER_FLUSH items, plus open results that are not
    // counted in the hint), nor more hash slots than twice the keyed stores it has.
    let mut list_capacity: u64 = 0;
    let mut keyed_stores: u64 = 0;
    let mut needs_flow = false;
    for &i in &f.code {
        match Op::from_u8(i.op_raw()) {
            Some(Op::SetList) => {
                list_capacity += FIELDS_PER_FLUSH as u64;
                needs_flow = true;
            }
            Some(Op::SetField | Op::SetTable | Op::SetI) => keyed_stores += 1,
            Some(Op::Tbc | Op::TForPrep | Op::Closure) => needs_flow = true,
            _ => {}
        }
    }

    let mut succ = vec![[NONE, NONE]; n];
    let mut owned_extra = vec![false; n];
    let mut c = Checker { f, ms, pc: 0 };
    for pc in 0..n {
        c.pc = pc;
        let i = f.code[pc];
        let Some(op) = Op::from_u8(i.op_raw()) else {
            return Err(format!("pc {}: invalid opcode {}", pc, i.op_raw()));
        };
        let (a, b, cc) = (i.a(), i.b(), i.c());
        // Successors: by default the next instruction.
        let mut s = [pc as u32 + 1, NONE];
        match op {
            Op::Move => {
                c.reg(i, a)?;
                c.reg(i, b)?;
            }
            Op::LoadI | Op::LoadF | Op::LoadFalse | Op::LoadTrue => c.reg(i, a)?,
            Op::LFalseSkip => {
                c.reg(i, a)?;
                s[0] = c.rel(2)?;
            }
            Op::LoadK => {
                c.reg(i, a)?;
                c.konst(i, i.bx())?;
            }
            Op::LoadKX => {
                c.reg(i, a)?;
                let ax = c.extra_arg(i)?;
                c.konst(i, ax)?;
                owned_extra[pc + 1] = true;
                s[0] = c.rel(2)?;
            }
            Op::LoadNil => c.regs(i, a, b + 1)?,
            Op::GetUpval | Op::SetUpval => {
                c.reg(i, a)?;
                c.upval(i, b)?;
            }
            Op::GetTabUp => {
                c.reg(i, a)?;
                c.upval(i, b)?;
                c.kstr(i, cc)?;
            }
            Op::GetTable => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.reg(i, cc)?;
            }
            Op::GetI => {
                c.reg(i, a)?;
                c.reg(i, b)?;
            }
            Op::GetField => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.kstr(i, cc)?;
            }
            Op::SetTabUp => {
                c.upval(i, a)?;
                c.kstr(i, b)?;
                c.rk(i)?;
            }
            Op::SetTable => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.rk(i)?;
            }
            Op::SetI => {
                c.reg(i, a)?;
                c.rk(i)?;
            }
            Op::SetField => {
                c.reg(i, a)?;
                c.kstr(i, b)?;
                c.rk(i)?;
            }
            Op::NewTable => {
                c.reg(i, a)?;
                let ax = c.extra_arg(i)?;
                owned_extra[pc + 1] = true;
                let asize = cc as u64
                    + if i.k() {
                        ax as u64 * (MAX_C as u64 + 1)
                    } else {
                        0
                    };
                if asize > list_capacity {
                    return c.err(i, "array size larger than the function can fill");
                }
                if b > 0 && (b > 32 || (1u64 << (b - 1)) > 2 * keyed_stores) {
                    return c.err(i, "hash size larger than the function can fill");
                }
                s[0] = c.rel(2)?;
            }
            Op::SelfOp => {
                c.regs(i, a, 2)?;
                c.reg(i, b)?;
                if i.k() {
                    c.kstr(i, cc)?;
                } else {
                    c.reg(i, cc)?;
                }
            }
            Op::AddI | Op::ShrI | Op::ShlI | Op::Unm | Op::BNot | Op::Not | Op::Len => {
                c.reg(i, a)?;
                c.reg(i, b)?;
            }
            Op::AddK | Op::SubK | Op::MulK | Op::ModK | Op::PowK | Op::DivK | Op::IDivK => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.knum(i, cc)?;
            }
            Op::BAndK | Op::BOrK | Op::BXorK => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.kint(i, cc)?;
            }
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Mod
            | Op::Pow
            | Op::Div
            | Op::IDiv
            | Op::BAnd
            | Op::BOr
            | Op::BXor
            | Op::Shl
            | Op::Shr => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.reg(i, cc)?;
            }
            Op::Concat => {
                if b < 2 {
                    return c.err(i, "concatenation of fewer than two values");
                }
                c.regs(i, a, b)?;
            }
            Op::Close | Op::Tbc => c.reg(i, a)?,
            Op::Jmp => s[0] = c.rel(1 + i.sj_arg() as i64)?,
            Op::Eq | Op::Lt | Op::Le => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.jmp_follows(i)?;
                s[1] = c.rel(2)?;
            }
            Op::EqK => {
                c.reg(i, a)?;
                c.konst(i, b)?;
                c.jmp_follows(i)?;
                s[1] = c.rel(2)?;
            }
            Op::EqI | Op::LtI | Op::LeI | Op::GtI | Op::GeI | Op::Test => {
                c.reg(i, a)?;
                c.jmp_follows(i)?;
                s[1] = c.rel(2)?;
            }
            Op::TestSet => {
                c.reg(i, a)?;
                c.reg(i, b)?;
                c.jmp_follows(i)?;
                s[1] = c.rel(2)?;
            }
            Op::Call => {
                c.reg(i, a)?;
                if b != 0 {
                    c.regs(i, a, b)?;
                }
                if cc != 0 {
                    c.regs(i, a, cc - 1)?;
                }
            }
            Op::TailCall => {
                c.reg(i, a)?;
                if b != 0 {
                    c.regs(i, a, b)?;
                }
                // A native callee falls through to the Return that passes its results on.
                match c.next(1) {
                    Some(r) if r.op_raw() == Op::Return as u8 && r.b() == 0 && r.a() == a => {}
                    _ => return c.err(i, "a tail call must be followed by its return"),
                }
            }
            Op::Return => {
                if b != 0 {
                    c.regs(i, a, b - 1)?;
                }
                if a > ms {
                    return c.err(i, "register out of range");
                }
                s[0] = NONE;
            }
            Op::Return0 => s[0] = NONE,
            Op::Return1 => {
                c.reg(i, a)?;
                s[0] = NONE;
            }
            Op::ForLoop => s[1] = c.loop_back(i, 4, Op::ForPrep)?,
            Op::ForPrep => {
                c.regs(i, a, 4)?;
                let exit = c.rel(2 + i.bx() as i64)?;
                let l = f.code[exit as usize - 1];
                if l.op_raw() != Op::ForLoop as u8
                    || l.a() != a
                    || exit as i64 - l.bx() as i64 != pc as i64 + 1
                {
                    return c.err(i, "not paired with a matching ForLoop");
                }
                s[1] = exit;
            }
            Op::TForPrep => {
                c.regs(i, a, 4)?;
                let call = c.rel(1 + i.bx() as i64)?;
                let tc = f.code[call as usize];
                if tc.op_raw() != Op::TForCall as u8 || tc.a() != a {
                    return c.err(i, "not paired with a matching TForCall");
                }
                s[0] = call;
            }
            Op::TForCall => {
                c.regs(i, a, 7)?;
                c.regs(i, a + 4, cc)?;
                match c.next(1) {
                    Some(l) if l.op_raw() == Op::TForLoop as u8 && l.a() == a => {}
                    _ => return c.err(i, "not followed by a matching TForLoop"),
                }
            }
            Op::TForLoop => s[1] = c.loop_back(i, 5, Op::TForPrep)?,
            Op::SetList => {
                c.reg(i, a)?;
                // The compiler flushes list items in groups of FIELDS_PER_FLUSH.
                if b > FIELDS_PER_FLUSH {
                    return c.err(i, "more items than a flush holds");
                }
                if b != 0 {
                    c.regs(i, a, b + 1)?;
                }
                if i.k() {
                    c.extra_arg(i)?;
                    owned_extra[pc + 1] = true;
                    s[0] = c.rel(2)?;
                }
            }
            Op::Closure => {
                c.reg(i, a)?;
                if i.bx() as usize >= f.protos.len() {
                    return c.err(i, "prototype index out of range");
                }
            }
            Op::VarArg => {
                if !f.is_vararg {
                    return c.err(i, "vararg in a function that is not vararg");
                }
                c.reg(i, a)?;
                if cc != 0 {
                    c.regs(i, a, cc - 1)?;
                }
            }
            Op::VarArgPrep => {
                if pc != 0 || !f.is_vararg {
                    return c.err(i, "misplaced VarArgPrep");
                }
            }
            Op::ExtraArg => {
                if pc == 0 || !owned_extra[pc] {
                    return c.err(i, "ExtraArg without an instruction that uses it");
                }
            }
            // Only a JIT writes these, into code verified already.
            Op::IForLoop | Op::ITForLoop | Op::IJmp => {
                return c.err(i, "uncounted loop instruction in loaded code");
            }
        }
        // Jump and skip targets come from `rel`, which keeps them inside the code; only
        // the default fall-through can leave it.
        if s[0] == pc as u32 + 1 && pc + 1 == n {
            return Err(format!("pc {}: execution runs off the end of the code", pc));
        }
        succ[pc] = s;
    }

    // Instructions reached other than by falling through from the previous one.
    let mut jump_in = vec![false; n];
    for (pc, s) in succ.iter().enumerate() {
        for &t in s {
            if t != NONE && t as usize != pc + 1 {
                jump_in[t as usize] = true;
            }
        }
    }
    for (pc, &i) in f.code.iter().enumerate() {
        if i.op() == Op::ExtraArg && jump_in[pc] {
            return Err(format!("pc {}: jump into an ExtraArg", pc));
        }
        // The open-top protocol, checked from both ends.
        if is_producer(i) {
            let ok = match f.code.get(pc + 1) {
                Some(&next) if is_consumer(next) => {
                    if next.op() == Op::Return {
                        next.a() <= i.a()
                    } else {
                        i.op() != Op::TailCall && next.a() < i.a()
                    }
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "pc {} ({}): open results not consumed by the next instruction",
                    pc,
                    i.op().name()
                ));
            }
        }
        if is_consumer(i) && (pc == 0 || !is_producer(f.code[pc - 1]) || jump_in[pc]) {
            return Err(format!(
                "pc {} ({}): B = 0 without an instruction setting the stack top just before",
                pc,
                i.op().name()
            ));
        }
    }
    Ok(Cfg { succ, needs_flow })
}

// ---------------------------------------------------------------- data flow

/// What is known on entry to an instruction, on every path that reaches it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct State {
    /// Registers that surely hold a table made by `NewTable` (must-set).
    tables: [u64; 4],
    /// Registers that may be captured by an open upvalue (may-set).
    captured: [u64; 4],
    /// Lowest register that may hold a pending to-be-closed variable (256: none).
    tbc: i16,
}

const NO_TBC: i16 = 256;

impl State {
    fn entry() -> State {
        State {
            tables: [0; 4],
            captured: [0; 4],
            tbc: NO_TBC,
        }
    }
    fn has_table(&self, r: u32) -> bool {
        self.tables[(r / 64) as usize] >> (r % 64) & 1 != 0
    }
    fn set_table(&mut self, r: u32) {
        self.tables[(r / 64) as usize] |= 1 << (r % 64);
    }
    /// Highest register that may be captured (-1: none).
    fn max_captured(&self) -> i16 {
        for w in (0..4).rev() {
            if self.captured[w] != 0 {
                return (w * 64 + 63 - self.captured[w].leading_zeros() as usize) as i16;
            }
        }
        -1
    }
    /// Forgets registers `lo..hi` (they were written).
    fn clobber(&mut self, lo: u32, hi: u32) {
        for r in lo..hi.min(256) {
            self.tables[(r / 64) as usize] &= !(1u64 << (r % 64));
        }
    }
    /// Combines the knowledge of two paths; returns whether `self` changed.
    fn join(&mut self, o: &State) -> bool {
        let old = *self;
        for w in 0..4 {
            self.tables[w] &= o.tables[w];
            self.captured[w] |= o.captured[w];
        }
        self.tbc = self.tbc.min(o.tbc);
        *self != old
    }
}

/// The state after instruction `i` runs in state `s`.
fn transfer(f: &FuncProto, i: Instr, mut s: State) -> State {
    let (a, b, c) = (i.a(), i.b(), i.c());
    match i.op() {
        op if op.is_arith()
            || matches!(
                op,
                Op::Move
                    | Op::LoadI
                    | Op::LoadF
                    | Op::LoadK
                    | Op::LoadKX
                    | Op::LoadFalse
                    | Op::LFalseSkip
                    | Op::LoadTrue
                    | Op::GetUpval
                    | Op::GetTabUp
                    | Op::GetTable
                    | Op::GetI
                    | Op::GetField
                    | Op::Not
                    | Op::Len
                    | Op::TestSet
            ) =>
        {
            s.clobber(a, a + 1)
        }
        Op::Closure => {
            s.clobber(a, a + 1);
            if let Some(p) = f.protos.get(i.bx() as usize) {
                for u in p.upvalues.iter().filter(|u| u.in_stack) {
                    s.captured[u.index as usize / 64] |= 1 << (u.index % 64);
                }
            }
        }
        Op::NewTable => {
            s.clobber(a, a + 1);
            s.set_table(a);
        }
        Op::SelfOp => s.clobber(a, a + 2),
        Op::LoadNil => s.clobber(a, a + b + 1),
        // Metamethods of a concatenation run on the stack above its operands.
        Op::Concat => s.clobber(a, 256),
        // The callee's frame starts above the function slot.
        Op::Call | Op::TailCall => s.clobber(a, 256),
        Op::TForCall => s.clobber(a + 4, 256),
        Op::VarArg => {
            if c == 0 {
                s.clobber(a, 256)
            } else {
                s.clobber(a, a + c - 1)
            }
        }
        Op::ForPrep | Op::ForLoop => s.clobber(a, a + 4),
        Op::TForLoop => s.clobber(a + 2, a + 3),
        Op::TForPrep => s.tbc = s.tbc.min(a as i16 + 3),
        Op::Tbc => s.tbc = s.tbc.min(a as i16),
        Op::Close => {
            // Upvalues and to-be-closed variables at A and above are closed.
            for r in a..256 {
                s.captured[(r / 64) as usize] &= !(1u64 << (r % 64));
            }
            if s.tbc >= a as i16 {
                s.tbc = NO_TBC;
            }
        }
        _ => {}
    }
    // Any Lua code that runs may assign a captured register through its upvalue.
    for w in 0..4 {
        s.tables[w] &= !s.captured[w];
    }
    s
}

fn check_flow(f: &FuncProto, cfg: &Cfg) -> R<()> {
    if !cfg.needs_flow {
        return Ok(());
    }
    let n = f.code.len();
    let mut states: Vec<Option<State>> = vec![None; n];
    let mut queued = vec![false; n];
    let mut work: Vec<u32> = vec![0];
    states[0] = Some(State::entry());
    queued[0] = true;
    while let Some(pc) = work.pop() {
        let pc = pc as usize;
        queued[pc] = false;
        let Some(s) = states[pc] else { continue };
        let out = transfer(f, f.code[pc], s);
        for &t in &cfg.succ[pc] {
            if t == NONE {
                continue;
            }
            let t = t as usize;
            let changed = match &mut states[t] {
                Some(old) => old.join(&out),
                slot @ None => {
                    *slot = Some(out);
                    true
                }
            };
            if changed && !queued[t] {
                queued[t] = true;
                work.push(t as u32);
            }
        }
    }
    // Check the facts at the fixed point.
    for (pc, st) in states.iter().enumerate() {
        let Some(s) = st else { continue };
        let i = f.code[pc];
        let a = i.a() as i16;
        let captured = s.max_captured();
        let fail = |msg: &str| Err(format!("pc {} ({}): {}", pc, i.op().name(), msg));
        match i.op() {
            Op::SetList if !s.has_table(i.a()) => {
                return fail("the target register may not hold a new table");
            }
            Op::Call | Op::TailCall if captured > a => {
                return fail("the callee's registers may be captured by an upvalue");
            }
            Op::TForCall if captured > a + 4 => {
                return fail("the iterator's registers may be captured by an upvalue");
            }
            Op::Concat if captured >= a => {
                return fail("concatenated registers may be captured by an upvalue");
            }
            Op::Return0 | Op::Return1 | Op::TailCall if s.tbc != NO_TBC => {
                return fail("to-be-closed variables would not be closed");
            }
            _ => {}
        }
    }
    Ok(())
}
