//! Instruction emission: the code buffer, jump lists, registers and constants.
//!
//! Rules this file keeps:
//! - every instruction gets the line of the last token consumed (`Lexer::lastline`),
//!   except where the caller fixes it with [`Parser::fix_line`];
//! - a jump list is a chain through the sJ fields of its jumps, ending with NO_JUMP;
//!   patching walks the chain, and a jump controlled by a TestSet may turn it into a
//!   plain Test when the value is not needed;
//! - `last_target` marks the last pc that is a jump target, so peephole merges (LoadNil)
//!   never merge across a label;
//! - registers are a stack: `freereg` is the first free one and temporaries are released
//!   in reverse order of allocation.

use super::func::*;
use crate::bytecode::{Const, Instr, Op, MAX_AX, MAX_BX, MAX_C, MAX_REGS, OFFSET_SBX, OFFSET_SJ};

/// Does this opcode test a condition (and is thus followed by a jump)?
fn is_test_op(op: Op) -> bool {
    matches!(
        op,
        Op::Eq
            | Op::Lt
            | Op::Le
            | Op::EqK
            | Op::EqI
            | Op::LtI
            | Op::LeI
            | Op::GtI
            | Op::GeI
            | Op::Test
            | Op::TestSet
    )
}

impl Parser<'_> {
    // ------------------------------------------------------------ emission

    pub fn code(&mut self, i: Instr) -> usize {
        let line = self.lx.lastline;
        let fs = self.fs();
        fs.f.code.push(i);
        fs.f.line_info.push(line);
        fs.f.code.len() - 1
    }
    pub fn code_abc(&mut self, op: Op, a: u32, b: u32, c: u32) -> usize {
        self.code(Instr::abc(op, a, b, c, false))
    }
    pub fn code_abck(&mut self, op: Op, a: u32, b: u32, c: u32, k: bool) -> usize {
        self.code(Instr::abc(op, a, b, c, k))
    }
    pub fn code_abx(&mut self, op: Op, a: u32, bx: u32) -> usize {
        self.code(Instr::abx(op, a, bx))
    }
    pub fn code_asbx(&mut self, op: Op, a: u32, sbx: i32) -> usize {
        self.code(Instr::asbx(op, a, sbx))
    }
    pub fn code_extra(&mut self, ax: u32) -> R<usize> {
        if ax > MAX_AX {
            return self.err("control structure too long");
        }
        Ok(self.code(Instr::ax(Op::ExtraArg, ax)))
    }

    /// Sets the line of the last instruction.
    pub fn fix_line(&mut self, line: u32) {
        if let Some(l) = self.fs().f.line_info.last_mut() {
            *l = line;
        }
    }

    pub fn remove_last(&mut self) {
        let fs = self.fs();
        fs.f.code.pop();
        fs.f.line_info.pop();
    }

    /// The previous instruction, unless the current pc is a jump target.
    pub fn previous_instr(&mut self) -> Option<&mut Instr> {
        let fs = self.fs();
        if fs.pc() > fs.last_target {
            fs.f.code.last_mut()
        } else {
            None
        }
    }

    /// Marks the current pc as a jump target and returns it.
    pub fn get_label(&mut self) -> usize {
        let fs = self.fs();
        fs.last_target = fs.pc();
        fs.pc()
    }

    // ------------------------------------------------------------ jumps

    fn get_jump(&self, pc: usize) -> i32 {
        let off = self.fsr().f.code[pc].sj_arg();
        if off == NO_JUMP {
            NO_JUMP
        } else {
            pc as i32 + 1 + off
        }
    }

    fn fix_jump(&mut self, pc: usize, dest: usize) -> R<()> {
        let off = dest as i64 - (pc as i64 + 1);
        if off <= -(OFFSET_SJ as i64) || off > (MAX_AX as i64 - OFFSET_SJ as i64) {
            return self.err("control structure too long");
        }
        self.fs().instr(pc).set_sj(off as i32);
        Ok(())
    }

    /// Appends list `l2` to list `l1`.
    pub fn concat(&mut self, l1: &mut i32, l2: i32) -> R<()> {
        if l2 == NO_JUMP {
            return Ok(());
        }
        if *l1 == NO_JUMP {
            *l1 = l2;
            return Ok(());
        }
        let mut list = *l1 as usize;
        loop {
            let next = self.get_jump(list);
            if next == NO_JUMP {
                break;
            }
            list = next as usize;
        }
        self.fix_jump(list, l2 as usize)
    }

    /// Emits a jump to be patched later.
    pub fn jump(&mut self) -> usize {
        self.code(Instr::sj(Op::Jmp, NO_JUMP))
    }

    /// Emits a jump to a known (backward) target.
    pub fn jump_to(&mut self, target: usize) -> R<()> {
        let j = self.jump() as i32;
        self.patch_list(j, target)
    }

    /// Emits a return of `nret` values starting at `first`.
    pub fn ret(&mut self, first: u32, nret: i32) {
        let op = match nret {
            0 => Op::Return0,
            1 => Op::Return1,
            _ => Op::Return,
        };
        self.code_abc(op, first, (nret + 1) as u32, 0);
    }

    /// Emits a test followed by a jump; returns the jump's pc.
    pub fn cond_jump(&mut self, op: Op, a: u32, b: u32, c: u32, k: bool) -> usize {
        self.code_abck(op, a, b, c, k);
        self.jump()
    }

    /// The instruction controlling the jump at `pc` (the test before it, if any).
    pub fn jump_control(&self, pc: usize) -> usize {
        let code = &self.fsr().f.code;
        if pc >= 1 && is_test_op(code[pc - 1].op()) {
            pc - 1
        } else {
            pc
        }
    }

    /// Fixes the destination register of a TestSet, or turns it into a Test when the value
    /// is not wanted. Returns false if the jump is not controlled by a TestSet.
    fn patch_test_reg(&mut self, node: usize, reg: u32) -> bool {
        let ctl = self.jump_control(node);
        let i = self.fsr().f.code[ctl];
        if i.op() != Op::TestSet {
            return false;
        }
        let new = if reg != NO_REG && reg != i.b() {
            let mut n = i;
            n.set_a(reg);
            n
        } else {
            Instr::abc(Op::Test, i.b(), 0, 0, i.k())
        };
        *self.fs().instr(ctl) = new;
        true
    }

    /// Drops the values of all TestSets in a list.
    pub fn remove_values(&mut self, mut list: i32) {
        while list != NO_JUMP {
            self.patch_test_reg(list as usize, NO_REG);
            list = self.get_jump(list as usize);
        }
    }

    fn patch_list_aux(&mut self, mut list: i32, vtarget: usize, reg: u32, dtarget: usize) -> R<()> {
        while list != NO_JUMP {
            let next = self.get_jump(list as usize);
            if self.patch_test_reg(list as usize, reg) {
                self.fix_jump(list as usize, vtarget)?;
            } else {
                self.fix_jump(list as usize, dtarget)?;
            }
            list = next;
        }
        Ok(())
    }

    pub fn patch_list(&mut self, list: i32, target: usize) -> R<()> {
        self.patch_list_aux(list, target, NO_REG, target)
    }

    pub fn patch_to_here(&mut self, list: i32) -> R<()> {
        let here = self.get_label();
        self.patch_list(list, here)
    }

    /// Does any jump in the list need to produce a value (is it not a TestSet)?
    pub fn need_value(&self, mut list: i32) -> bool {
        while list != NO_JUMP {
            let ctl = self.jump_control(list as usize);
            if self.fsr().f.code[ctl].op() != Op::TestSet {
                return true;
            }
            list = self.get_jump(list as usize);
        }
        false
    }

    /// Patches the value-producing tails of an expression with jumps (see exp2reg).
    pub fn patch_values(&mut self, e: &ExpDesc, reg: u32, p_f: usize, p_t: usize) -> R<()> {
        let fin = self.get_label();
        self.patch_list_aux(e.f, fin, reg, p_f)?;
        self.patch_list_aux(e.t, fin, reg, p_t)
    }

    // ------------------------------------------------------------ registers

    pub fn check_stack(&mut self, n: u32) -> R<()> {
        let newstack = self.fsr().freereg + n;
        if newstack > self.fsr().f.max_stack as u32 {
            if newstack >= MAX_REGS {
                return self.err("function or expression needs too many registers");
            }
            self.fs().f.max_stack = newstack as u8;
        }
        Ok(())
    }

    pub fn reserve_regs(&mut self, n: u32) -> R<()> {
        self.check_stack(n)?;
        self.fs().freereg += n;
        Ok(())
    }

    /// Frees a register if it is a temporary (not a local variable).
    pub fn free_reg(&mut self, reg: u32) {
        if reg >= self.nvarstack() {
            let fs = self.fs();
            fs.freereg -= 1;
            debug_assert_eq!(reg, fs.freereg, "registers freed out of order");
        }
    }

    fn free_regs(&mut self, r1: u32, r2: u32) {
        if r1 > r2 {
            self.free_reg(r1);
            self.free_reg(r2);
        } else {
            self.free_reg(r2);
            self.free_reg(r1);
        }
    }

    pub fn free_exp(&mut self, e: &ExpDesc) {
        if let ExpK::NonReloc(r) = e.k {
            self.free_reg(r);
        }
    }

    pub fn free_exps(&mut self, e1: &ExpDesc, e2: &ExpDesc) {
        match (e1.k, e2.k) {
            (ExpK::NonReloc(a), ExpK::NonReloc(b)) => self.free_regs(a, b),
            (ExpK::NonReloc(a), _) => self.free_reg(a),
            (_, ExpK::NonReloc(b)) => self.free_reg(b),
            _ => {}
        }
    }

    // ------------------------------------------------------------ constants

    fn add_k(&mut self, key: KKey, value: Const) -> R<u32> {
        if let Some(&i) = self.fsr().k_cache.get(&key) {
            return Ok(i);
        }
        let n = self.fsr().f.constants.len() as u32;
        if n > MAX_AX {
            return self.limit_err(MAX_AX as usize, "constants");
        }
        let fs = self.fs();
        fs.f.constants.push(value);
        fs.k_cache.insert(key, n);
        Ok(n)
    }

    pub fn string_k(&mut self, s: super::lexer::StrId) -> R<u32> {
        let bytes = self.str(s).to_vec();
        self.add_k(KKey::Str(s), Const::Str(bytes))
    }
    pub fn int_k(&mut self, i: i64) -> R<u32> {
        self.add_k(KKey::Int(i), Const::Int(i))
    }
    pub fn number_k(&mut self, f: f64) -> R<u32> {
        self.add_k(KKey::Flt(f.to_bits()), Const::Float(f))
    }
    pub fn bool_k(&mut self, b: bool) -> R<u32> {
        self.add_k(KKey::Bool(b), Const::Bool(b))
    }
    pub fn nil_k(&mut self) -> R<u32> {
        self.add_k(KKey::Nil, Const::Nil)
    }

    /// Loads constant `k` into `reg`.
    pub fn code_k(&mut self, reg: u32, k: u32) -> R<()> {
        if k <= MAX_BX {
            self.code_abx(Op::LoadK, reg, k);
        } else {
            self.code_abx(Op::LoadKX, reg, 0);
            self.code_extra(k)?;
        }
        Ok(())
    }

    pub fn load_int(&mut self, reg: u32, i: i64) -> R<()> {
        if fits_bx(i) {
            self.code_asbx(Op::LoadI, reg, i as i32);
            Ok(())
        } else {
            let k = self.int_k(i)?;
            self.code_k(reg, k)
        }
    }

    pub fn load_float(&mut self, reg: u32, f: f64) -> R<()> {
        let fi = f as i64;
        if fi as f64 == f && fits_bx(fi) && !(f == 0.0 && f.is_sign_negative()) {
            self.code_asbx(Op::LoadF, reg, fi as i32);
            Ok(())
        } else {
            let k = self.number_k(f)?;
            self.code_k(reg, k)
        }
    }

    /// Sets `n` registers from `from` to nil, merging with a preceding LoadNil.
    pub fn load_nil(&mut self, from: u32, n: u32) {
        let l = from + n - 1;
        if let Some(prev) = self.previous_instr() {
            if prev.op() == Op::LoadNil {
                let pfrom = prev.a();
                let pl = pfrom + prev.b();
                if (pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1) {
                    let nf = pfrom.min(from);
                    let nl = pl.max(l);
                    prev.set_a(nf);
                    prev.set_b(nl - nf);
                    return;
                }
            }
        }
        self.code_abc(Op::LoadNil, from, n - 1, 0);
    }

    // ------------------------------------------------------------ tables

    /// Emits a SetList for `tostore` items (0: up to top) after `nelems` stored items.
    pub fn set_list(&mut self, base: u32, nelems: u32, tostore: i32) -> R<()> {
        let tostore = if tostore < 0 { 0 } else { tostore as u32 };
        if nelems <= MAX_C {
            self.code_abc(Op::SetList, base, tostore, nelems);
        } else {
            let extra = nelems / (MAX_C + 1);
            self.code_abck(Op::SetList, base, tostore, nelems % (MAX_C + 1), true);
            self.code_extra(extra)?;
        }
        self.fs().freereg = base + 1;
        Ok(())
    }

    /// Fills in the sizes of the NewTable at `pc` (and its ExtraArg).
    pub fn set_table_size(&mut self, pc: usize, ra: u32, asize: u32, hsize: u32) {
        let rb = if hsize != 0 { ceil_log2(hsize) + 1 } else { 0 };
        let extra = asize / (MAX_C + 1);
        let rc = asize % (MAX_C + 1);
        let fs = self.fs();
        *fs.instr(pc) = Instr::abc(Op::NewTable, ra, rb.min(255), rc, extra > 0);
        *fs.instr(pc + 1) = Instr::ax(Op::ExtraArg, extra.min(MAX_AX));
    }

    // ------------------------------------------------------------ finishing

    /// Final pass over a function: returns get their close/vararg flags and jumps to
    /// jumps are short-circuited.
    pub fn finish(&mut self) -> R<()> {
        let need_close = self.fsr().need_close;
        let is_vararg = self.fsr().f.is_vararg;
        let nparams = self.fsr().f.num_params as u32;
        for i in 0..self.fsr().pc() {
            let mut ins = self.fsr().f.code[i];
            match ins.op() {
                Op::Return0 | Op::Return1 | Op::Return | Op::TailCall => {
                    if matches!(ins.op(), Op::Return0 | Op::Return1) {
                        if !(need_close || is_vararg) {
                            continue;
                        }
                        ins = Instr::abc(Op::Return, ins.a(), ins.b(), ins.c(), ins.k());
                    }
                    if need_close {
                        ins.set_k(true);
                    }
                    if is_vararg {
                        ins.set_c(nparams + 1);
                    }
                    *self.fs().instr(i) = ins;
                }
                Op::Jmp => {
                    let target = self.final_target(i);
                    self.fix_jump(i, target)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Follows a chain of unconditional jumps (at most 100 links).
    fn final_target(&self, mut i: usize) -> usize {
        let code = &self.fsr().f.code;
        for _ in 0..100 {
            let ins = code[i];
            if ins.op() != Op::Jmp {
                break;
            }
            i = (i as i64 + ins.sj_arg() as i64 + 1) as usize;
        }
        i
    }
}

pub fn fits_bx(i: i64) -> bool {
    -(OFFSET_SBX as i64) <= i && i <= MAX_BX as i64 - OFFSET_SBX as i64
}

fn ceil_log2(x: u32) -> u32 {
    if x <= 1 {
        0
    } else {
        32 - (x - 1).leading_zeros()
    }
}
