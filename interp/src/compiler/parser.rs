//! Statement grammar and the main chunk.
//!
//! Invariant between statements: `freereg` equals the number of registers held by active
//! locals (every statement releases its temporaries). Loops are blocks with `is_loop`, so
//! `break` (a goto to "break") resolves at their end.

use super::func::*;
use super::lexer::{StrId, Tok};
use crate::bytecode::{FuncProto, Instr, Op, UpvalDesc, MAX_BX};

impl Parser<'_> {
    /// Compiles the main chunk: a vararg function with the single upvalue `_ENV`.
    pub fn main_func(&mut self) -> R<FuncProto> {
        self.open_func(0);
        self.set_vararg(0);
        self.fs().f.upvalues.push(UpvalDesc {
            name: b"_ENV".to_vec(),
            in_stack: true,
            index: 0,
            kind: 0,
        });
        self.advance()?;
        self.statlist()?;
        self.check(Tok::Eos)?;
        self.close_func()
    }

    fn block_follow(&self, with_until: bool) -> bool {
        match self.tok() {
            Tok::Else | Tok::Elseif | Tok::End | Tok::Eos => true,
            Tok::Until => with_until,
            _ => false,
        }
    }

    pub fn statlist(&mut self) -> R<()> {
        while !self.block_follow(true) {
            if self.tok() == Tok::Return {
                return self.statement();
            }
            self.statement()?;
        }
        Ok(())
    }

    fn block(&mut self) -> R<()> {
        self.enter_block(false);
        self.statlist()?;
        self.leave_block()
    }

    fn statement(&mut self) -> R<()> {
        let line = self.lx.line;
        self.enter_level()?;
        match self.tok() {
            Tok::Char(b';') => self.advance()?,
            Tok::If => self.ifstat(line)?,
            Tok::While => self.whilestat(line)?,
            Tok::Do => {
                self.advance()?;
                self.block()?;
                self.check_match(Tok::End, Tok::Do, line)?;
            }
            Tok::For => self.forstat(line)?,
            Tok::Repeat => self.repeatstat(line)?,
            Tok::Function => self.funcstat(line)?,
            Tok::Local => {
                self.advance()?;
                if self.test_next(Tok::Function)? {
                    self.localfunc()?;
                } else {
                    self.localstat()?;
                }
            }
            Tok::DbColon => {
                self.advance()?;
                let name = self.str_checkname()?;
                self.labelstat(name, line)?;
            }
            Tok::Return => {
                self.advance()?;
                self.retstat()?;
            }
            Tok::Break => {
                let line = self.lx.line;
                self.advance()?;
                let pc = self.jump();
                let b = self.break_name;
                self.new_goto(b, line, pc);
            }
            Tok::Goto => {
                self.advance()?;
                self.gotostat()?;
            }
            _ => self.exprstat()?,
        }
        let lvl = self.nvarstack();
        self.fs().freereg = lvl;
        self.leave_level();
        Ok(())
    }

    // ------------------------------------------------------------ control flow

    /// Reads a condition; returns the jump list taken when it is false.
    fn cond(&mut self) -> R<i32> {
        let mut v = self.expr()?;
        if v.k == ExpK::Nil {
            v.k = ExpK::False;
        }
        self.go_if_true(&mut v)?;
        Ok(v.f)
    }

    fn test_then_block(&mut self, escapelist: &mut i32) -> R<()> {
        self.advance()?; // IF or ELSEIF
        let mut v = self.expr()?;
        self.check_next(Tok::Then)?;
        let jf = if self.tok() == Tok::Break {
            // 'if x then break': jump straight out when the condition holds
            let line = self.lx.line;
            self.go_if_false(&mut v)?;
            self.advance()?;
            self.enter_block(false);
            let b = self.break_name;
            // (an empty list, NO_JUMP, round-trips through the usize as -1)
            self.new_goto(b, line, v.t as usize);
            while self.test_next(Tok::Char(b';'))? {}
            if self.block_follow(false) {
                return self.leave_block();
            }
            self.jump() as i32
        } else {
            self.go_if_true(&mut v)?;
            self.enter_block(false);
            v.f
        };
        self.statlist()?;
        self.leave_block()?;
        if matches!(self.tok(), Tok::Else | Tok::Elseif) {
            let j = self.jump() as i32;
            self.concat(escapelist, j)?;
        }
        self.patch_to_here(jf)
    }

    fn ifstat(&mut self, line: u32) -> R<()> {
        let mut escapelist = NO_JUMP;
        self.test_then_block(&mut escapelist)?;
        while self.tok() == Tok::Elseif {
            self.test_then_block(&mut escapelist)?;
        }
        if self.test_next(Tok::Else)? {
            self.block()?;
        }
        self.check_match(Tok::End, Tok::If, line)?;
        self.patch_to_here(escapelist)
    }

    fn whilestat(&mut self, line: u32) -> R<()> {
        self.advance()?;
        let init = self.get_label();
        let exit = self.cond()?;
        self.enter_block(true);
        self.check_next(Tok::Do)?;
        self.block()?;
        self.jump_to(init)?;
        self.check_match(Tok::End, Tok::While, line)?;
        self.leave_block()?;
        self.patch_to_here(exit)
    }

    fn repeatstat(&mut self, line: u32) -> R<()> {
        let init = self.get_label();
        self.enter_block(true); // loop block
        self.enter_block(false); // scope block
        self.advance()?;
        self.statlist()?;
        self.check_match(Tok::Until, Tok::Repeat, line)?;
        let mut exit = self.cond()?; // sees the body's locals
        let scope = self.fsr().blocks.last().expect("block").clone();
        self.leave_block()?;
        if scope.upval {
            // repeating must close the upvalues of the body first
            let normal = self.jump() as i32;
            self.patch_to_here(exit)?;
            let lvl = self.reg_level(scope.nactvar);
            self.code_abc(Op::Close, lvl, 0, 0);
            exit = self.jump() as i32;
            self.patch_to_here(normal)?;
        }
        self.patch_list(exit, init)?;
        self.leave_block()
    }

    /// An expression into the next register.
    fn exp1(&mut self) -> R<()> {
        let mut e = self.expr()?;
        self.exp2nextreg(&mut e)
    }

    fn fix_for_jump(&mut self, pc: usize, dest: usize, back: bool) -> R<()> {
        let mut off = dest as i64 - (pc as i64 + 1);
        if back {
            off = -off;
        }
        if off > MAX_BX as i64 || off < 0 {
            return self.err("control structure too long");
        }
        self.fs().instr(pc).set_bx(off as u32);
        Ok(())
    }

    fn forbody(&mut self, base: u32, line: u32, nvars: usize, generic: bool) -> R<()> {
        self.check_next(Tok::Do)?;
        let prep = self.code_abx(if generic { Op::TForPrep } else { Op::ForPrep }, base, 0);
        self.enter_block(false);
        self.adjust_localvars(nvars);
        self.reserve_regs(nvars as u32)?;
        self.block()?;
        self.leave_block()?;
        let here = self.get_label();
        self.fix_for_jump(prep, here, false)?;
        if generic {
            self.code_abc(Op::TForCall, base, 0, nvars as u32);
            self.fix_line(line);
        }
        let endfor = self.code_abx(if generic { Op::TForLoop } else { Op::ForLoop }, base, 0);
        self.fix_for_jump(endfor, prep + 1, true)?;
        self.fix_line(line);
        Ok(())
    }

    fn fornum(&mut self, var: StrId, line: u32) -> R<()> {
        let base = self.fsr().freereg;
        self.new_localvar_lit("(for state)")?;
        self.new_localvar_lit("(for state)")?;
        self.new_localvar_lit("(for state)")?;
        self.new_localvar(var)?;
        self.check_next(Tok::Char(b'='))?;
        self.exp1()?;
        self.check_next(Tok::Char(b','))?;
        self.exp1()?;
        if self.test_next(Tok::Char(b','))? {
            self.exp1()?;
        } else {
            let r = self.fsr().freereg;
            self.load_int(r, 1)?;
            self.reserve_regs(1)?;
        }
        self.adjust_localvars(3);
        self.forbody(base, line, 1, false)
    }

    fn forlist(&mut self, first: StrId) -> R<()> {
        let base = self.fsr().freereg;
        for _ in 0..4 {
            self.new_localvar_lit("(for state)")?;
        }
        self.new_localvar(first)?;
        let mut nvars = 5;
        while self.test_next(Tok::Char(b','))? {
            let n = self.str_checkname()?;
            self.new_localvar(n)?;
            nvars += 1;
        }
        self.check_next(Tok::In)?;
        let line = self.lx.line;
        let (nexps, mut e) = self.explist()?;
        self.adjust_assign(4, nexps, &mut e)?;
        self.adjust_localvars(4);
        self.mark_to_be_closed();
        self.check_stack(3)?;
        self.forbody(base, line, nvars - 4, true)
    }

    fn forstat(&mut self, line: u32) -> R<()> {
        self.enter_block(true);
        self.advance()?;
        let var = self.str_checkname()?;
        match self.tok() {
            Tok::Char(b'=') => self.fornum(var, line)?,
            Tok::Char(b',') | Tok::In => self.forlist(var)?,
            _ => return self.err("'=' or 'in' expected"),
        }
        self.check_match(Tok::End, Tok::For, line)?;
        self.leave_block()
    }

    fn gotostat(&mut self) -> R<()> {
        let line = self.lx.line;
        let name = self.str_checkname()?;
        match self.find_label(name) {
            None => {
                let pc = self.jump();
                self.new_goto(name, line, pc);
            }
            Some(l) => {
                // backward jump: resolved now
                let lb = self.labels[l].clone();
                let lblevel = self.reg_level(lb.nactvar);
                if self.nvarstack() > lblevel {
                    self.code_abc(Op::Close, lblevel, 0, 0);
                }
                let j = self.jump() as i32;
                self.patch_list(j, lb.pc)?;
            }
        }
        Ok(())
    }

    fn labelstat(&mut self, name: StrId, line: u32) -> R<()> {
        self.check_next(Tok::DbColon)?;
        while matches!(self.tok(), Tok::Char(b';') | Tok::DbColon) {
            self.statement()?;
        }
        if let Some(l) = self.find_label(name) {
            let msg = format!(
                "label '{}' already defined on line {}",
                String::from_utf8_lossy(self.str(name)),
                self.labels[l].line
            );
            return self.sem_err(&msg);
        }
        let last = self.block_follow(false);
        self.create_label(name, line, last)?;
        Ok(())
    }

    fn retstat(&mut self) -> R<()> {
        let mut first = self.nvarstack();
        let nret: i32;
        if self.block_follow(true) || self.tok() == Tok::Char(b';') {
            nret = 0;
        } else {
            let (n, mut e) = self.explist()?;
            if e.is_multret() {
                self.set_multret(&e)?;
                if let (ExpK::Call(pc), 1) = (e.k, n) {
                    if !self.fsr().blocks.last().expect("block").inside_tbc {
                        let ins = self.fsr().f.code[pc];
                        *self.fs().instr(pc) =
                            Instr::abc(Op::TailCall, ins.a(), ins.b(), ins.c(), ins.k());
                    }
                }
                nret = -1;
            } else if n == 1 {
                first = self.exp2anyreg(&mut e)?;
                nret = 1;
            } else {
                self.exp2nextreg(&mut e)?;
                nret = n as i32;
            }
        }
        self.ret(first, nret);
        self.test_next(Tok::Char(b';'))?;
        Ok(())
    }

    // ------------------------------------------------------------ declarations

    /// Adjusts `nexps` values (the last being `e`) to `nvars` registers.
    pub fn adjust_assign(&mut self, nvars: usize, nexps: usize, e: &mut ExpDesc) -> R<()> {
        let needed = nvars as i32 - nexps as i32;
        if e.is_multret() {
            let extra = (needed + 1).max(0);
            self.set_returns(e, extra)?;
        } else {
            if e.k != ExpK::Void {
                self.exp2nextreg(e)?;
            }
            if needed > 0 {
                let r = self.fsr().freereg;
                self.load_nil(r, needed as u32);
            }
        }
        if needed > 0 {
            self.reserve_regs(needed as u32)?;
        } else {
            let fs = self.fs();
            fs.freereg = (fs.freereg as i32 + needed) as u32;
        }
        Ok(())
    }

    fn localfunc(&mut self) -> R<()> {
        let fvar = self.fsr().nactvar;
        let name = self.str_checkname()?;
        self.new_localvar(name)?;
        self.adjust_localvars(1);
        let line = self.lx.line;
        self.body(false, line)?;
        // debug information sees the variable only after the closure exists
        let lvl = self.fs.len() - 1;
        let pidx = self.var_at(lvl, fvar).pidx;
        let fs = self.fs();
        let pc = fs.pc() as u32;
        fs.f.locvars[pidx].start_pc = pc;
        Ok(())
    }

    fn local_attrib(&mut self) -> R<VarKind> {
        if self.test_next(Tok::Char(b'<'))? {
            let name = self.str_checkname()?;
            self.check_next(Tok::Char(b'>'))?;
            return match self.str(name) {
                b"const" => Ok(VarKind::Const),
                b"close" => Ok(VarKind::Close),
                other => {
                    let msg = format!("unknown attribute '{}'", String::from_utf8_lossy(other));
                    self.sem_err(&msg)
                }
            };
        }
        Ok(VarKind::Regular)
    }

    fn localstat(&mut self) -> R<()> {
        let lvl = self.fs.len() - 1;
        let mut toclose: Option<usize> = None;
        let mut nvars = 0;
        let mut vidx;
        loop {
            let name = self.str_checkname()?;
            vidx = self.new_localvar(name)?;
            let kind = self.local_attrib()?;
            self.var_at_mut(lvl, vidx).kind = kind;
            if kind == VarKind::Close {
                if toclose.is_some() {
                    return self.sem_err("multiple to-be-closed variables in local list");
                }
                toclose = Some(self.fsr().nactvar + nvars);
            }
            nvars += 1;
            if !self.test_next(Tok::Char(b','))? {
                break;
            }
        }
        let (nexps, mut e) = if self.test_next(Tok::Char(b'='))? {
            self.explist()?
        } else {
            (0, ExpDesc::new(ExpK::Void))
        };
        let last_kind = self.var_at(lvl, vidx).kind;
        let cval = if nvars == nexps && last_kind == VarKind::Const {
            self.exp2const(&e)
        } else {
            None
        };
        if let Some(value) = cval {
            let v = self.var_at_mut(lvl, vidx);
            v.kind = VarKind::CompileTime;
            v.value = value;
            self.adjust_localvars(nvars - 1);
            self.fs().nactvar += 1;
        } else {
            self.adjust_assign(nvars, nexps, &mut e)?;
            self.adjust_localvars(nvars);
        }
        if let Some(level) = toclose {
            self.mark_to_be_closed();
            let r = self.reg_level(level);
            self.code_abc(Op::Tbc, r, 0, 0);
        }
        Ok(())
    }

    fn funcstat(&mut self, line: u32) -> R<()> {
        self.advance()?;
        // funcname -> NAME {'.' NAME} [':' NAME]
        let name = self.str_checkname()?;
        let mut v = self.single_var(name)?;
        let mut is_method = false;
        while self.tok() == Tok::Char(b'.') {
            self.fieldsel(&mut v)?;
        }
        if self.tok() == Tok::Char(b':') {
            is_method = true;
            self.fieldsel(&mut v)?;
        }
        let mut b = self.body(is_method, line)?;
        self.check_readonly(&v)?;
        self.store_var(&v, &mut b)?;
        self.fix_line(line);
        Ok(())
    }

    // ------------------------------------------------------------ assignment

    fn exprstat(&mut self) -> R<()> {
        let v = self.suffixedexp()?;
        if matches!(self.tok(), Tok::Char(b'=') | Tok::Char(b',')) {
            let mut lhs = vec![v];
            self.restassign(&mut lhs)
        } else {
            match v.k {
                ExpK::Call(pc) => {
                    self.fs().instr(pc).set_c(1); // no results wanted
                    Ok(())
                }
                _ => self.err("syntax error"),
            }
        }
    }

    /// If a local/upvalue being assigned is used as a table or key by an earlier target
    /// of the same assignment, copy it first and make that target use the copy.
    fn check_conflict(&mut self, lhs: &mut [ExpDesc], v: &ExpDesc) -> R<()> {
        let extra = self.fsr().freereg;
        let mut conflict = false;
        for lh in lhs.iter_mut() {
            match (lh.k, v.k) {
                (ExpK::IndexUp { t, idx }, ExpK::Upval(u)) if t == u => {
                    conflict = true;
                    lh.k = ExpK::IndexStr { t: extra, idx };
                }
                (ExpK::Indexed { t, idx }, ExpK::Local { reg, .. }) => {
                    let (mut nt, mut ni) = (t, idx);
                    if t == reg {
                        conflict = true;
                        nt = extra;
                    }
                    if idx == reg {
                        conflict = true;
                        ni = extra;
                    }
                    lh.k = ExpK::Indexed { t: nt, idx: ni };
                }
                (ExpK::IndexI { t, idx }, ExpK::Local { reg, .. }) if t == reg => {
                    conflict = true;
                    lh.k = ExpK::IndexI { t: extra, idx };
                }
                (ExpK::IndexStr { t, idx }, ExpK::Local { reg, .. }) if t == reg => {
                    conflict = true;
                    lh.k = ExpK::IndexStr { t: extra, idx };
                }
                _ => {}
            }
        }
        if conflict {
            match v.k {
                ExpK::Local { reg, .. } => self.code_abc(Op::Move, extra, reg, 0),
                ExpK::Upval(u) => self.code_abc(Op::GetUpval, extra, u, 0),
                _ => unreachable!(),
            };
            self.reserve_regs(1)?;
        }
        Ok(())
    }

    /// restassign -> ',' suffixedexp restassign | '=' explist
    fn restassign(&mut self, lhs: &mut Vec<ExpDesc>) -> R<()> {
        let me = lhs.len() - 1;
        if !lhs[me].is_var() {
            return self.err("syntax error");
        }
        self.check_readonly(&lhs[me])?;
        let mut e;
        if self.test_next(Tok::Char(b','))? {
            let nv = self.suffixedexp()?;
            if !nv.is_indexed() {
                self.check_conflict(lhs, &nv)?;
            }
            lhs.push(nv);
            self.enter_level()?;
            self.restassign(lhs)?;
            self.leave_level();
            lhs.pop();
        } else {
            self.check_next(Tok::Char(b'='))?;
            let nvars = lhs.len();
            let (nexps, ex) = self.explist()?;
            e = ex;
            if nexps != nvars {
                self.adjust_assign(nvars, nexps, &mut e)?;
            } else {
                self.set_one_ret(&mut e);
                let target = lhs[me];
                return self.store_var(&target, &mut e);
            }
        }
        e = ExpDesc::new(ExpK::NonReloc(self.fsr().freereg - 1));
        let target = lhs[me];
        self.store_var(&target, &mut e)
    }
}
