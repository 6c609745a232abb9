//! Expression code generation: placing values in registers, operands in K/immediate
//! form, operators with constant folding, comparisons fused with jumps, and/or/not.
//!
//! An expression moves through these states: variable forms (Local, Upval, Indexed...)
//! are "discharged" into a value (NonReloc or Reloc), constants stay symbolic as long as
//! an instruction can take them as an operand, and conditions stay as jumps (`Jmp`) until
//! a value is needed, at which point exp2reg materialises true/false.
//!
//! Differences from PUC's lcode.c that the bytecode contract requires: there is no MMBIN
//! family, so `x - 1` stays SubK (not AddI -1) and `x << 1` stays Shl (not ShrI -1): each
//! instruction must call the metamethod of the operator the source wrote. For the K and
//! I forms of commutative operators (+ * & | ~) the `k` bit says the constant was the left
//! operand.

use super::func::*;
use crate::bytecode::{Op, MAX_B, MAX_C, OFFSET_SC};

/// Binary operators, in PUC's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Concat,
    Eq,
    Lt,
    Le,
    Ne,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Minus,
    BNot,
    Not,
    Len,
}

fn fits_c(i: i64) -> bool {
    (-(OFFSET_SC as i64)..=(MAX_C as i64 - OFFSET_SC as i64)).contains(&i)
}

fn int2sc(i: i64) -> u32 {
    (i + OFFSET_SC as i64) as u32
}

/// A numeric constant value, for folding.
#[derive(Clone, Copy, Debug)]
enum Num {
    I(i64),
    F(f64),
}

impl Num {
    fn to_f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
    /// Exact conversion to integer (floats with integral values only).
    fn to_i(self) -> Option<i64> {
        match self {
            Num::I(i) => Some(i),
            Num::F(f) => ferrous_runtime::value::float_to_int_exact(f),
        }
    }
}

/// Lua's arithmetic on two numeric constants (luaO_rawarith), None when the operation
/// must not be folded (it would raise an error at run time, or divides by zero). It uses
/// the interpreter's own arithmetic, so a folded result is what the program would
/// compute.
fn fold_arith(op: BinOp, a: Num, b: Num) -> Option<Num> {
    use crate::vm::meta::{float_arith, int_arith, ArithOp};
    use BinOp::*;
    let aop = match op {
        Add => ArithOp::Add,
        Sub => ArithOp::Sub,
        Mul => ArithOp::Mul,
        Mod => ArithOp::Mod,
        Pow => ArithOp::Pow,
        Div => ArithOp::Div,
        IDiv => ArithOp::IDiv,
        BAnd => ArithOp::BAnd,
        BOr => ArithOp::BOr,
        BXor => ArithOp::BXor,
        Shl => ArithOp::Shl,
        Shr => ArithOp::Shr,
        _ => return None,
    };
    if matches!(op, Div | IDiv | Mod) && b.to_f() == 0.0 {
        return None;
    }
    if aop.is_bitwise() {
        return int_arith(aop, a.to_i()?, b.to_i()?).ok().map(Num::I);
    }
    match (a, b) {
        (Num::I(x), Num::I(y)) if !matches!(op, Div | Pow) => int_arith(aop, x, y).ok().map(Num::I),
        _ => Some(Num::F(float_arith(aop, a.to_f(), b.to_f()))),
    }
}

impl Parser<'_> {
    // ------------------------------------------------------------ returns

    /// Fixes the number of results of a multi-result expression.
    pub fn set_returns(&mut self, e: &ExpDesc, nresults: i32) -> R<()> {
        match e.k {
            ExpK::Call(pc) => self.fs().instr(pc).set_c((nresults + 1) as u32),
            ExpK::Vararg(pc) => {
                let fr = self.fsr().freereg;
                let ins = self.fs().instr(pc);
                ins.set_c((nresults + 1) as u32);
                ins.set_a(fr);
                self.reserve_regs(1)?;
            }
            _ => {}
        }
        Ok(())
    }

    pub fn set_multret(&mut self, e: &ExpDesc) -> R<()> {
        self.set_returns(e, -1)
    }

    /// Makes a multi-result expression produce exactly one value.
    pub fn set_one_ret(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpK::Call(pc) => {
                let a = self.fsr().f.code[pc].a();
                e.k = ExpK::NonReloc(a);
            }
            ExpK::Vararg(pc) => {
                self.fs().instr(pc).set_c(2);
                e.k = ExpK::Reloc(pc);
            }
            _ => {}
        }
    }

    // ------------------------------------------------------------ discharging

    /// Turns a variable or call into a value (NonReloc/Reloc); constants stay as they are.
    pub fn discharge_vars(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpK::Const(i) => e.k = self.actvar[i].value,
            ExpK::Local { reg, .. } => e.k = ExpK::NonReloc(reg),
            ExpK::Upval(idx) => e.k = ExpK::Reloc(self.code_abc(Op::GetUpval, 0, idx, 0)),
            ExpK::IndexUp { t, idx } => {
                e.k = ExpK::Reloc(self.code_abc(Op::GetTabUp, 0, t, idx));
            }
            ExpK::IndexI { t, idx } => {
                self.free_reg(t);
                e.k = ExpK::Reloc(self.code_abc(Op::GetI, 0, t, idx));
            }
            ExpK::IndexStr { t, idx } => {
                self.free_reg(t);
                e.k = ExpK::Reloc(self.code_abc(Op::GetField, 0, t, idx));
            }
            ExpK::Indexed { t, idx } => {
                if t > idx {
                    self.free_reg(t);
                    self.free_reg(idx);
                } else {
                    self.free_reg(idx);
                    self.free_reg(t);
                }
                e.k = ExpK::Reloc(self.code_abc(Op::GetTable, 0, t, idx));
            }
            ExpK::Call(_) | ExpK::Vararg(_) => self.set_one_ret(e),
            _ => {}
        }
    }

    /// Puts the value of `e` in register `reg` (jumps aside).
    fn discharge2reg(&mut self, e: &mut ExpDesc, reg: u32) -> R<()> {
        self.discharge_vars(e);
        match e.k {
            ExpK::Nil => self.load_nil(reg, 1),
            ExpK::False => {
                self.code_abc(Op::LoadFalse, reg, 0, 0);
            }
            ExpK::True => {
                self.code_abc(Op::LoadTrue, reg, 0, 0);
            }
            ExpK::KStr(s) => {
                let k = self.string_k(s)?;
                self.code_k(reg, k)?;
            }
            ExpK::K(k) => self.code_k(reg, k)?,
            ExpK::KFlt(f) => self.load_float(reg, f)?,
            ExpK::KInt(i) => self.load_int(reg, i)?,
            ExpK::Reloc(pc) => self.fs().instr(pc).set_a(reg),
            ExpK::NonReloc(r) => {
                if r != reg {
                    self.code_abc(Op::Move, reg, r, 0);
                }
            }
            ExpK::Jmp(_) => return Ok(()),
            k => unreachable!("discharge2reg of {k:?}"),
        }
        e.k = ExpK::NonReloc(reg);
        Ok(())
    }

    fn discharge2anyreg(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpK::NonReloc(_)) {
            self.reserve_regs(1)?;
            let r = self.fsr().freereg - 1;
            self.discharge2reg(e, r)?;
        }
        Ok(())
    }

    fn code_loadbool(&mut self, a: u32, op: Op) -> usize {
        self.get_label();
        self.code_abc(op, a, 0, 0)
    }

    /// Puts the final value of `e` (including its jump lists) in `reg`.
    pub fn exp2reg(&mut self, e: &mut ExpDesc, reg: u32) -> R<()> {
        self.discharge2reg(e, reg)?;
        if let ExpK::Jmp(pc) = e.k {
            let mut t = e.t;
            self.concat(&mut t, pc as i32)?;
            e.t = t;
        }
        if e.has_jumps() {
            let mut p_f = usize::MAX;
            let mut p_t = usize::MAX;
            if self.need_value(e.t) || self.need_value(e.f) {
                let fj = if matches!(e.k, ExpK::Jmp(_)) {
                    NO_JUMP
                } else {
                    self.jump() as i32
                };
                p_f = self.code_loadbool(reg, Op::LFalseSkip);
                p_t = self.code_loadbool(reg, Op::LoadTrue);
                self.patch_to_here(fj)?;
            }
            self.patch_values(e, reg, p_f, p_t)?;
        }
        e.t = NO_JUMP;
        e.f = NO_JUMP;
        e.k = ExpK::NonReloc(reg);
        Ok(())
    }

    /// Puts `e` in the next free register.
    pub fn exp2nextreg(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        self.free_exp(e);
        self.reserve_regs(1)?;
        let r = self.fsr().freereg - 1;
        self.exp2reg(e, r)
    }

    /// Puts `e` in some register and returns it.
    pub fn exp2anyreg(&mut self, e: &mut ExpDesc) -> R<u32> {
        self.discharge_vars(e);
        if let ExpK::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r >= self.nvarstack() {
                self.exp2reg(e, r)?;
                return Ok(r);
            }
        }
        self.exp2nextreg(e)?;
        match e.k {
            ExpK::NonReloc(r) => Ok(r),
            _ => unreachable!(),
        }
    }

    /// Like exp2anyreg, but an upvalue may stay an upvalue.
    pub fn exp2anyregup(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpK::Upval(_)) || e.has_jumps() {
            self.exp2anyreg(e)?;
        }
        Ok(())
    }

    /// Makes `e` a value (register or constant).
    pub fn exp2val(&mut self, e: &mut ExpDesc) -> R<()> {
        // A bare comparison (Jmp) counts as having jumps: it must get its register now,
        // before anything else (such as an indexed upvalue) takes the next one.
        if matches!(e.k, ExpK::Jmp(_)) || e.has_jumps() {
            self.exp2anyreg(e)?;
        } else {
            self.discharge_vars(e);
        }
        Ok(())
    }

    /// Tries to make `e` a K operand (index fits in an RK field).
    pub fn exp2k(&mut self, e: &mut ExpDesc) -> R<bool> {
        if e.has_jumps() {
            return Ok(false);
        }
        let k = match e.k {
            ExpK::True => self.bool_k(true)?,
            ExpK::False => self.bool_k(false)?,
            ExpK::Nil => self.nil_k()?,
            ExpK::KInt(i) => self.int_k(i)?,
            ExpK::KFlt(f) => self.number_k(f)?,
            ExpK::KStr(s) => self.string_k(s)?,
            ExpK::K(k) => k,
            _ => return Ok(false),
        };
        if k <= MAX_INDEX_RK {
            e.k = ExpK::K(k);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// RK operand: returns (operand, is_constant).
    pub fn exp2rk(&mut self, e: &mut ExpDesc) -> R<(u32, bool)> {
        if self.exp2k(e)? {
            if let ExpK::K(k) = e.k {
                return Ok((k, true));
            }
        }
        Ok((self.exp2anyreg(e)?, false))
    }

    fn code_abrk(&mut self, op: Op, a: u32, b: u32, ec: &mut ExpDesc) -> R<()> {
        let (c, k) = self.exp2rk(ec)?;
        self.code_abck(op, a, b, c, k);
        Ok(())
    }

    /// Stores `ex` into the variable `var`.
    pub fn store_var(&mut self, var: &ExpDesc, ex: &mut ExpDesc) -> R<()> {
        match var.k {
            ExpK::Local { reg, .. } => {
                self.free_exp(ex);
                return self.exp2reg(ex, reg);
            }
            ExpK::Upval(idx) => {
                let e = self.exp2anyreg(ex)?;
                self.code_abc(Op::SetUpval, e, idx, 0);
            }
            ExpK::IndexUp { t, idx } => self.code_abrk(Op::SetTabUp, t, idx, ex)?,
            ExpK::IndexI { t, idx } => self.code_abrk(Op::SetI, t, idx, ex)?,
            ExpK::IndexStr { t, idx } => self.code_abrk(Op::SetField, t, idx, ex)?,
            ExpK::Indexed { t, idx } => self.code_abrk(Op::SetTable, t, idx, ex)?,
            k => unreachable!("store to {k:?}"),
        }
        self.free_exp(ex);
        Ok(())
    }

    /// `e:key` — method lookup into e+1 and e.
    pub fn self_op(&mut self, e: &mut ExpDesc, key: &mut ExpDesc) -> R<()> {
        self.exp2anyreg(e)?;
        let ereg = match e.k {
            ExpK::NonReloc(r) => r,
            _ => unreachable!(),
        };
        self.free_exp(e);
        let base = self.fsr().freereg;
        e.k = ExpK::NonReloc(base);
        self.reserve_regs(2)?;
        self.code_abrk(Op::SelfOp, base, ereg, key)?;
        self.free_exp(key);
        Ok(())
    }

    // ------------------------------------------------------------ indexing

    fn is_kstr(&self, e: &ExpDesc) -> bool {
        if let ExpK::K(k) = e.k {
            if !e.has_jumps() && k <= MAX_B {
                if let crate::bytecode::Const::Str(s) = &self.fsr().f.constants[k as usize] {
                    return s.len() <= 40; // PUC's short strings
                }
            }
        }
        false
    }

    /// `t[k]`: turns `t` into an indexed expression.
    pub fn indexed(&mut self, t: &mut ExpDesc, k: &mut ExpDesc) -> R<()> {
        if let ExpK::KStr(s) = k.k {
            let idx = self.string_k(s)?;
            k.k = ExpK::K(idx);
        }
        if matches!(t.k, ExpK::Upval(_)) && !self.is_kstr(k) {
            self.exp2anyreg(t)?;
        }
        if let ExpK::Upval(u) = t.k {
            let ExpK::K(idx) = k.k else { unreachable!() };
            t.k = ExpK::IndexUp { t: u, idx };
            return Ok(());
        }
        let treg = match t.k {
            ExpK::Local { reg, .. } => reg,
            ExpK::NonReloc(r) => r,
            other => unreachable!("indexing {other:?}"),
        };
        if self.is_kstr(k) {
            let ExpK::K(idx) = k.k else { unreachable!() };
            t.k = ExpK::IndexStr { t: treg, idx };
        } else if let (ExpK::KInt(i), false) = (k.k, k.has_jumps()) {
            if (0..=MAX_C as i64).contains(&i) {
                t.k = ExpK::IndexI {
                    t: treg,
                    idx: i as u32,
                };
            } else {
                let idx = self.exp2anyreg(k)?;
                t.k = ExpK::Indexed { t: treg, idx };
            }
        } else {
            let idx = self.exp2anyreg(k)?;
            t.k = ExpK::Indexed { t: treg, idx };
        }
        Ok(())
    }

    // ------------------------------------------------------------ conditions

    fn negate_condition(&mut self, pc: usize) {
        let ctl = self.jump_control(pc);
        let ins = self.fs().instr(ctl);
        let k = ins.k();
        ins.set_k(!k);
    }

    /// Emits a jump taken when `e` is `cond`.
    fn jump_on_cond(&mut self, e: &mut ExpDesc, cond: bool) -> R<usize> {
        if let ExpK::Reloc(pc) = e.k {
            let ins = self.fsr().f.code[pc];
            if ins.op() == Op::Not {
                self.remove_last();
                return Ok(self.cond_jump(Op::Test, ins.b(), 0, 0, !cond));
            }
        }
        self.discharge2anyreg(e)?;
        self.free_exp(e);
        let ExpK::NonReloc(r) = e.k else {
            unreachable!()
        };
        Ok(self.cond_jump(Op::TestSet, NO_REG, r, 0, cond))
    }

    /// Falls through when `e` is true, jumps (via e.f) when false.
    pub fn go_if_true(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpK::Jmp(pc) => {
                self.negate_condition(pc);
                pc as i32
            }
            ExpK::K(_) | ExpK::KFlt(_) | ExpK::KInt(_) | ExpK::KStr(_) | ExpK::True => NO_JUMP,
            _ => self.jump_on_cond(e, false)? as i32,
        };
        let mut f = e.f;
        self.concat(&mut f, pc)?;
        e.f = f;
        self.patch_to_here(e.t)?;
        e.t = NO_JUMP;
        Ok(())
    }

    /// Falls through when `e` is false, jumps (via e.t) when true.
    pub fn go_if_false(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpK::Jmp(pc) => pc as i32,
            ExpK::Nil | ExpK::False => NO_JUMP,
            _ => self.jump_on_cond(e, true)? as i32,
        };
        let mut t = e.t;
        self.concat(&mut t, pc)?;
        e.t = t;
        self.patch_to_here(e.f)?;
        e.f = NO_JUMP;
        Ok(())
    }

    fn code_not(&mut self, e: &mut ExpDesc) -> R<()> {
        match e.k {
            ExpK::Nil | ExpK::False => e.k = ExpK::True,
            ExpK::K(_) | ExpK::KFlt(_) | ExpK::KInt(_) | ExpK::KStr(_) | ExpK::True => {
                e.k = ExpK::False
            }
            ExpK::Jmp(pc) => self.negate_condition(pc),
            ExpK::Reloc(_) | ExpK::NonReloc(_) => {
                self.discharge2anyreg(e)?;
                self.free_exp(e);
                let ExpK::NonReloc(r) = e.k else {
                    unreachable!()
                };
                e.k = ExpK::Reloc(self.code_abc(Op::Not, 0, r, 0));
            }
            k => unreachable!("not of {k:?}"),
        }
        std::mem::swap(&mut e.f, &mut e.t);
        self.remove_values(e.f);
        self.remove_values(e.t);
        Ok(())
    }

    // ------------------------------------------------------------ operators

    fn numeral(e: &ExpDesc) -> Option<Num> {
        if e.has_jumps() {
            return None;
        }
        match e.k {
            ExpK::KInt(i) => Some(Num::I(i)),
            ExpK::KFlt(f) => Some(Num::F(f)),
            _ => None,
        }
    }

    /// Folds `e1 op e2` into e1 when both are numerals and the result is safe.
    fn const_fold(op: BinOp, e1: &mut ExpDesc, e2: &ExpDesc) -> bool {
        let (Some(a), Some(b)) = (Self::numeral(e1), Self::numeral(e2)) else {
            return false;
        };
        match fold_arith(op, a, b) {
            Some(Num::I(i)) => e1.k = ExpK::KInt(i),
            Some(Num::F(f)) if !f.is_nan() && f != 0.0 => e1.k = ExpK::KFlt(f),
            _ => return false,
        }
        true
    }

    /// Small integer (or integral float) numeral fitting an sB/sC immediate:
    /// returns (encoded immediate, was_float).
    fn is_sc_number(e: &ExpDesc) -> Option<(u32, bool)> {
        if e.has_jumps() {
            return None;
        }
        let (i, isf) = match e.k {
            ExpK::KInt(i) => (i, false),
            ExpK::KFlt(f) => (Num::F(f).to_i()?, true),
            _ => return None,
        };
        fits_c(i).then(|| (int2sc(i), isf))
    }

    fn is_sc_int(e: &ExpDesc) -> bool {
        matches!(e.k, ExpK::KInt(i) if !e.has_jumps() && fits_c(i))
    }

    pub fn prefix(&mut self, op: UnOp, e: &mut ExpDesc, line: u32) -> R<()> {
        self.discharge_vars(e);
        match op {
            UnOp::Minus | UnOp::BNot => {
                if let Some(n) = Self::numeral(e) {
                    let r = match op {
                        UnOp::Minus => match n {
                            Num::I(i) => Some(Num::I(i.wrapping_neg())),
                            Num::F(f) => Some(Num::F(-f)),
                        },
                        _ => n.to_i().map(|i| Num::I(!i)),
                    };
                    match r {
                        Some(Num::I(i)) => {
                            e.k = ExpK::KInt(i);
                            return Ok(());
                        }
                        Some(Num::F(f)) if !f.is_nan() && f != 0.0 => {
                            e.k = ExpK::KFlt(f);
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                let o = if op == UnOp::Minus { Op::Unm } else { Op::BNot };
                self.code_unexpval(o, e, line)
            }
            UnOp::Len => self.code_unexpval(Op::Len, e, line),
            UnOp::Not => self.code_not(e),
        }
    }

    fn code_unexpval(&mut self, op: Op, e: &mut ExpDesc, line: u32) -> R<()> {
        let r = self.exp2anyreg(e)?;
        self.free_exp(e);
        e.k = ExpK::Reloc(self.code_abc(op, 0, r, 0));
        self.fix_line(line);
        Ok(())
    }

    /// Processes the first operand of a binary operator before reading the second.
    pub fn infix(&mut self, op: BinOp, v: &mut ExpDesc) -> R<()> {
        self.discharge_vars(v);
        match op {
            BinOp::And => self.go_if_true(v)?,
            BinOp::Or => self.go_if_false(v)?,
            BinOp::Concat => self.exp2nextreg(v)?,
            BinOp::Eq | BinOp::Ne => {
                if Self::numeral(v).is_none() {
                    self.exp2rk(v)?;
                }
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if Self::is_sc_number(v).is_none() {
                    self.exp2anyreg(v)?;
                }
            }
            _ => {
                if Self::numeral(v).is_none() {
                    self.exp2anyreg(v)?;
                }
            }
        }
        Ok(())
    }

    /// Finishes a binary operation `e1 op e2` into e1.
    pub fn posfix(&mut self, op: BinOp, e1: &mut ExpDesc, e2: &mut ExpDesc, line: u32) -> R<()> {
        self.discharge_vars(e2);
        let foldable = !matches!(
            op,
            BinOp::Concat
                | BinOp::Eq
                | BinOp::Lt
                | BinOp::Le
                | BinOp::Ne
                | BinOp::Gt
                | BinOp::Ge
                | BinOp::And
                | BinOp::Or
        );
        if foldable && Self::const_fold(op, e1, e2) {
            return Ok(());
        }
        match op {
            BinOp::And => {
                debug_assert_eq!(e1.t, NO_JUMP);
                let mut f = e2.f;
                self.concat(&mut f, e1.f)?;
                e2.f = f;
                *e1 = *e2;
            }
            BinOp::Or => {
                debug_assert_eq!(e1.f, NO_JUMP);
                let mut t = e2.t;
                self.concat(&mut t, e1.t)?;
                e2.t = t;
                *e1 = *e2;
            }
            BinOp::Concat => {
                self.exp2nextreg(e2)?;
                self.code_concat(e1, e2, line)?;
            }
            BinOp::Add | BinOp::Mul => self.code_commutative(op, e1, e2, line)?,
            BinOp::Sub | BinOp::Div | BinOp::IDiv | BinOp::Mod | BinOp::Pow => {
                self.code_arith(op, e1, e2, false, line)?
            }
            BinOp::BAnd | BinOp::BOr | BinOp::BXor => self.code_bitwise(op, e1, e2, line)?,
            BinOp::Shl => {
                if Self::is_sc_int(e1) {
                    // I << r
                    std::mem::swap(e1, e2);
                    self.code_bini(Op::ShlI, e1, e2, false, line)?;
                } else {
                    self.code_bin_expval(op, e1, e2, line)?;
                }
            }
            BinOp::Shr => {
                if Self::is_sc_int(e2) {
                    self.code_bini(Op::ShrI, e1, e2, false, line)?;
                } else {
                    self.code_bin_expval(op, e1, e2, line)?;
                }
            }
            BinOp::Eq | BinOp::Ne => self.code_eq(op, e1, e2)?,
            BinOp::Gt | BinOp::Ge => {
                // a > b  <=>  b < a
                std::mem::swap(e1, e2);
                let o = if op == BinOp::Gt {
                    BinOp::Lt
                } else {
                    BinOp::Le
                };
                self.code_order(o, e1, e2)?;
            }
            BinOp::Lt | BinOp::Le => self.code_order(op, e1, e2)?,
        }
        Ok(())
    }

    fn code_concat(&mut self, e1: &mut ExpDesc, e2: &mut ExpDesc, line: u32) -> R<()> {
        let ExpK::NonReloc(r1) = e1.k else {
            unreachable!()
        };
        let merge = match self.previous_instr() {
            Some(ins) if ins.op() == Op::Concat => {
                let n = ins.b();
                debug_assert_eq!(r1 + 1, ins.a());
                ins.set_a(r1);
                ins.set_b(n + 1);
                true
            }
            _ => false,
        };
        if merge {
            self.free_exp(e2);
        } else {
            self.code_abc(Op::Concat, r1, 2, 0);
            self.free_exp(e2);
            self.fix_line(line);
        }
        Ok(())
    }

    /// Emits `op A B C` with e1 in B (a register) and `c` already encoded.
    fn finish_bin_expval(
        &mut self,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        op: Op,
        c: u32,
        k: bool,
        line: u32,
    ) -> R<()> {
        let v1 = self.exp2anyreg(e1)?;
        let pc = self.code_abck(op, 0, v1, c, k);
        self.free_exps(e1, e2);
        e1.k = ExpK::Reloc(pc);
        e1.t = NO_JUMP;
        e1.f = NO_JUMP;
        self.fix_line(line);
        Ok(())
    }

    fn reg_op(op: BinOp) -> Op {
        match op {
            BinOp::Add => Op::Add,
            BinOp::Sub => Op::Sub,
            BinOp::Mul => Op::Mul,
            BinOp::Mod => Op::Mod,
            BinOp::Pow => Op::Pow,
            BinOp::Div => Op::Div,
            BinOp::IDiv => Op::IDiv,
            BinOp::BAnd => Op::BAnd,
            BinOp::BOr => Op::BOr,
            BinOp::BXor => Op::BXor,
            BinOp::Shl => Op::Shl,
            BinOp::Shr => Op::Shr,
            _ => unreachable!(),
        }
    }

    fn k_op(op: BinOp) -> Op {
        match op {
            BinOp::Add => Op::AddK,
            BinOp::Sub => Op::SubK,
            BinOp::Mul => Op::MulK,
            BinOp::Mod => Op::ModK,
            BinOp::Pow => Op::PowK,
            BinOp::Div => Op::DivK,
            BinOp::IDiv => Op::IDivK,
            BinOp::BAnd => Op::BAndK,
            BinOp::BOr => Op::BOrK,
            BinOp::BXor => Op::BXorK,
            _ => unreachable!(),
        }
    }

    /// Both operands in registers.
    fn code_bin_expval(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let v2 = self.exp2anyreg(e2)?;
        self.finish_bin_expval(e1, e2, Self::reg_op(op), v2, false, line)
    }

    /// Immediate form; e2 is a small integer.
    fn code_bini(
        &mut self,
        op: Op,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        let ExpK::KInt(i) = e2.k else { unreachable!() };
        self.finish_bin_expval(e1, e2, op, int2sc(i), flip, line)
    }

    /// Constant form; e2 is K. `flip` is only meaningful for commutative operators.
    fn code_bink(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        let ExpK::K(k) = e2.k else { unreachable!() };
        self.finish_bin_expval(e1, e2, Self::k_op(op), k, flip, line)
    }

    fn code_bin_nok(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        if flip {
            std::mem::swap(e1, e2); // back to source order
        }
        self.code_bin_expval(op, e1, e2, line)
    }

    fn code_arith(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        if Self::numeral(e2).is_some() && self.exp2k(e2)? {
            self.code_bink(op, e1, e2, flip, line)
        } else {
            self.code_bin_nok(op, e1, e2, flip, line)
        }
    }

    fn code_commutative(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let mut flip = false;
        if Self::numeral(e1).is_some() {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if op == BinOp::Add && Self::is_sc_int(e2) {
            self.code_bini(Op::AddI, e1, e2, flip, line)
        } else {
            self.code_arith(op, e1, e2, flip, line)
        }
    }

    fn code_bitwise(&mut self, op: BinOp, e1: &mut ExpDesc, e2: &mut ExpDesc, line: u32) -> R<()> {
        let mut flip = false;
        if matches!(e1.k, ExpK::KInt(_)) {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if matches!(e2.k, ExpK::KInt(_)) && self.exp2k(e2)? {
            self.code_bink(op, e1, e2, flip, line)
        } else {
            self.code_bin_nok(op, e1, e2, flip, line)
        }
    }

    fn code_eq(&mut self, op: BinOp, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        if !matches!(e1.k, ExpK::NonReloc(_)) {
            // e1 is a constant (K or numeral): put it second
            std::mem::swap(e1, e2);
        }
        let r1 = self.exp2anyreg(e1)?;
        let (opc, r2, isf) = if let Some((im, isf)) = Self::is_sc_number(e2) {
            (Op::EqI, im, isf)
        } else {
            let (r2, isk) = self.exp2rk(e2)?;
            (if isk { Op::EqK } else { Op::Eq }, r2, false)
        };
        self.free_exps(e1, e2);
        let j = self.cond_jump(opc, r1, r2, isf as u32, op == BinOp::Eq);
        e1.k = ExpK::Jmp(j);
        Ok(())
    }

    fn code_order(&mut self, op: BinOp, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        let lt = op == BinOp::Lt;
        let (opc, r1, r2, isf) = if let Some((im, isf)) = Self::is_sc_number(e2) {
            let r1 = self.exp2anyreg(e1)?;
            (if lt { Op::LtI } else { Op::LeI }, r1, im, isf)
        } else if let Some((im, isf)) = Self::is_sc_number(e1) {
            // A < B  =>  B > A
            let r1 = self.exp2anyreg(e2)?;
            (if lt { Op::GtI } else { Op::GeI }, r1, im, isf)
        } else {
            let r1 = self.exp2anyreg(e1)?;
            let r2 = self.exp2anyreg(e2)?;
            (if lt { Op::Lt } else { Op::Le }, r1, r2, false)
        };
        self.free_exps(e1, e2);
        let j = self.cond_jump(opc, r1, r2, isf as u32, true);
        e1.k = ExpK::Jmp(j);
        Ok(())
    }

    /// The compile-time value of `e`, if it has one (for `<const>` locals).
    pub fn exp2const(&self, e: &ExpDesc) -> Option<ExpK> {
        if e.has_jumps() {
            return None;
        }
        match e.k {
            ExpK::False
            | ExpK::True
            | ExpK::Nil
            | ExpK::KStr(_)
            | ExpK::KInt(_)
            | ExpK::KFlt(_) => Some(e.k),
            ExpK::Const(i) => Some(self.actvar[i].value),
            _ => None,
        }
    }
}
