//! Scopes: local variables, upvalue resolution, blocks, labels and gotos, and opening and
//! closing functions.
//!
//! Variables of all functions being compiled live in one stack (`Parser::actvar`); each
//! function knows where its own start. A name is resolved innermost-first: a local of the
//! current function, then an existing upvalue, then (recursively) the enclosing functions,
//! creating upvalues on the way back; an unresolved name is a global, `_ENV.name`.
//! Compile-time constants (`local x <const> = 10`) have no register and resolve to their
//! value directly, even from nested functions.
//!
//! Gotos follow Lua 5.4's rules: a goto may jump to any visible label; a forward goto is
//! pending until its label appears in an enclosing block, and it may not jump into the
//! scope of a local. `break` is a goto to the label "break" created at the end of every
//! loop. A goto that leaves a block whose variables are captured needs a Close.

use super::func::*;
use super::lexer::StrId;
use crate::bytecode::{LocVar, Op, UpvalDesc};

impl Parser<'_> {
    // ------------------------------------------------------------ variables

    /// Declares a new local (not active yet); returns its index in the function.
    pub fn new_localvar(&mut self, name: StrId) -> R<usize> {
        let fs = self.fsr();
        if self.actvar.len() + 1 - fs.first_local > MAX_VARS {
            return self.limit_err(MAX_VARS, "local variables");
        }
        self.actvar.push(VarDesc {
            name,
            kind: VarKind::Regular,
            reg: 0,
            pidx: 0,
            value: ExpK::Nil,
        });
        Ok(self.actvar.len() - 1 - self.fsr().first_local)
    }

    pub fn new_localvar_lit(&mut self, name: &str) -> R<usize> {
        let id = self.lx.strings.intern(name.as_bytes());
        self.new_localvar(id)
    }

    fn register_localvar(&mut self, name: StrId) -> usize {
        let n = self.str(name).to_vec();
        let fs = self.fs();
        let pc = fs.pc() as u32;
        fs.f.locvars.push(LocVar {
            name: n,
            start_pc: pc,
            end_pc: pc,
        });
        fs.f.locvars.len() - 1
    }

    /// Activates the last `nvars` declared variables.
    pub fn adjust_localvars(&mut self, nvars: usize) {
        let first = self.nvarstack();
        let lvl = self.fs.len() - 1;
        for reg in first..first + nvars as u32 {
            let vidx = self.fsr().nactvar;
            self.fs().nactvar += 1;
            let name = self.var_at(lvl, vidx).name;
            let pidx = self.register_localvar(name);
            let v = self.var_at_mut(lvl, vidx);
            v.reg = reg;
            v.pidx = pidx;
        }
    }

    /// Deactivates variables down to `tolevel`, closing their debug ranges. Their
    /// descriptors stay in `actvar` until the block is fully left (pending gotos still
    /// look at them).
    fn remove_vars(&mut self, tolevel: usize) {
        let lvl = self.fs.len() - 1;
        while self.fsr().nactvar > tolevel {
            let vidx = self.fsr().nactvar - 1;
            self.fs().nactvar = vidx;
            let v = self.var_at(lvl, vidx);
            if v.kind != VarKind::CompileTime {
                let pidx = v.pidx;
                let fs = self.fs();
                let pc = fs.pc() as u32;
                fs.f.locvars[pidx].end_pc = pc;
            }
        }
    }

    fn search_upvalue(&self, lvl: usize, name: StrId) -> Option<u32> {
        let n = self.str(name);
        self.fs[lvl]
            .f
            .upvalues
            .iter()
            .position(|u| u.name == n)
            .map(|i| i as u32)
    }

    fn new_upvalue(&mut self, lvl: usize, name: StrId, v: &ExpDesc) -> R<u32> {
        if self.fs[lvl].f.upvalues.len() + 1 > MAX_UPVAL {
            return self.limit_err(MAX_UPVAL, "upvalues");
        }
        let prev = lvl - 1;
        let (in_stack, index, kind) = match v.k {
            ExpK::Local { reg, vidx } => (true, reg, self.var_at(prev, vidx).kind as u8),
            ExpK::Upval(i) => (false, i, self.fs[prev].f.upvalues[i as usize].kind),
            _ => unreachable!(),
        };
        let n = self.str(name).to_vec();
        let ups = &mut self.fs[lvl].f.upvalues;
        ups.push(UpvalDesc {
            name: n,
            in_stack,
            index: index as u8,
            kind,
        });
        Ok(ups.len() as u32 - 1)
    }

    /// Looks for an active local named `name` in function `lvl`.
    fn search_var(&self, lvl: usize, name: StrId) -> Option<ExpK> {
        let fs = &self.fs[lvl];
        for i in (0..fs.nactvar).rev() {
            let v = &self.actvar[fs.first_local + i];
            if v.name == name {
                return Some(if v.kind == VarKind::CompileTime {
                    ExpK::Const(fs.first_local + i)
                } else {
                    ExpK::Local {
                        reg: v.reg,
                        vidx: i,
                    }
                });
            }
        }
        None
    }

    /// Marks the block owning variable `level` of function `lvl` as having an upvalue.
    fn mark_upval(&mut self, lvl: usize, level: usize) {
        let fs = &mut self.fs[lvl];
        if let Some(bl) = fs.blocks.iter_mut().rev().find(|b| b.nactvar <= level) {
            bl.upval = true;
        }
        fs.need_close = true;
    }

    pub fn mark_to_be_closed(&mut self) {
        let fs = self.fs();
        let bl = fs.blocks.last_mut().expect("block");
        bl.upval = true;
        bl.inside_tbc = true;
        fs.need_close = true;
    }

    /// Resolves `name` at function level `lvl`; Void means global.
    fn single_var_aux(&mut self, lvl: usize, name: StrId, base: bool) -> R<ExpDesc> {
        if let Some(k) = self.search_var(lvl, name) {
            if let (ExpK::Local { vidx, .. }, false) = (k, base) {
                self.mark_upval(lvl, vidx);
            }
            return Ok(ExpDesc::new(k));
        }
        let idx = match self.search_upvalue(lvl, name) {
            Some(i) => i,
            None => {
                if lvl == 0 {
                    return Ok(ExpDesc::new(ExpK::Void));
                }
                let v = self.single_var_aux(lvl - 1, name, false)?;
                match v.k {
                    ExpK::Local { .. } | ExpK::Upval(_) => self.new_upvalue(lvl, name, &v)?,
                    _ => return Ok(v), // global or compile-time constant
                }
            }
        };
        Ok(ExpDesc::new(ExpK::Upval(idx)))
    }

    /// A variable reference by name (the name token already read).
    pub fn single_var(&mut self, name: StrId) -> R<ExpDesc> {
        let lvl = self.fs.len() - 1;
        let mut var = self.single_var_aux(lvl, name, true)?;
        if var.k == ExpK::Void {
            let env = self.env_name;
            var = self.single_var_aux(lvl, env, true)?;
            debug_assert!(var.k != ExpK::Void);
            self.exp2anyregup(&mut var)?;
            let mut key = ExpDesc::new(ExpK::KStr(name));
            self.indexed(&mut var, &mut key)?;
        }
        Ok(var)
    }

    /// Errors when assigning to a `<const>` or `<close>` variable.
    pub fn check_readonly(&self, e: &ExpDesc) -> R<()> {
        let name: Option<Vec<u8>> = match e.k {
            ExpK::Const(i) => Some(self.str(self.actvar[i].name).to_vec()),
            ExpK::Local { vidx, .. } => {
                let v = self.var_at(self.fs.len() - 1, vidx);
                (v.kind != VarKind::Regular).then(|| self.str(v.name).to_vec())
            }
            ExpK::Upval(i) => {
                let u = &self.fsr().f.upvalues[i as usize];
                (u.kind != VarKind::Regular as u8).then(|| u.name.clone())
            }
            _ => None,
        };
        match name {
            Some(n) => self.sem_err(&format!(
                "attempt to assign to const variable '{}'",
                String::from_utf8_lossy(&n)
            )),
            None => Ok(()),
        }
    }

    // ------------------------------------------------------------ blocks

    pub fn enter_block(&mut self, is_loop: bool) {
        let nlabels = self.labels.len();
        let ngotos = self.gotos.len();
        let fs = self.fs();
        let inside_tbc = fs.blocks.last().is_some_and(|b| b.inside_tbc);
        let bl = BlockCnt {
            first_label: nlabels,
            first_goto: ngotos,
            nactvar: fs.nactvar,
            upval: false,
            is_loop,
            inside_tbc,
        };
        fs.blocks.push(bl);
    }

    pub fn leave_block(&mut self) -> R<()> {
        let bl = self.fsr().blocks.last().expect("block").clone();
        let stklevel = self.reg_level(bl.nactvar);
        self.remove_vars(bl.nactvar);
        let mut has_close = false;
        if bl.is_loop {
            let b = self.break_name;
            has_close = self.create_label(b, 0, false)?;
        }
        let nested = self.fsr().blocks.len() > 1;
        if !has_close && nested && bl.upval {
            self.code_abc(Op::Close, stklevel, 0, 0);
        }
        self.fs().freereg = stklevel;
        self.labels.truncate(bl.first_label);
        self.fs().blocks.pop();
        if nested {
            self.move_gotos_out(&bl);
        } else if bl.first_goto < self.gotos.len() {
            return Err(self.undef_goto(bl.first_goto));
        }
        let len = self.fsr().first_local + bl.nactvar;
        self.actvar.truncate(len);
        Ok(())
    }

    fn undef_goto(&self, g: usize) -> String {
        let gt = &self.gotos[g];
        let msg = if gt.name == self.break_name {
            format!("break outside loop at line {}", gt.line)
        } else {
            format!(
                "no visible label '{}' for <goto> at line {}",
                String::from_utf8_lossy(self.str(gt.name)),
                gt.line
            )
        };
        self.lx.plain_error(&msg)
    }

    /// Pending gotos of a closed block now belong to the enclosing block.
    fn move_gotos_out(&mut self, bl: &BlockCnt) {
        let outer = self.reg_level(bl.nactvar);
        for i in bl.first_goto..self.gotos.len() {
            let lvl = self.reg_level(self.gotos[i].nactvar);
            let gt = &mut self.gotos[i];
            if lvl > outer {
                gt.close |= bl.upval;
            }
            gt.nactvar = bl.nactvar;
        }
    }

    // ------------------------------------------------------------ labels and gotos

    pub fn find_label(&self, name: StrId) -> Option<usize> {
        (self.fsr().first_label..self.labels.len()).find(|&i| self.labels[i].name == name)
    }

    pub fn new_goto(&mut self, name: StrId, line: u32, pc: usize) {
        let nactvar = self.fsr().nactvar;
        self.gotos.push(LabelDesc {
            name,
            pc,
            line,
            nactvar,
            close: false,
        });
    }

    fn solve_goto(&mut self, g: usize, label: &LabelDesc) -> R<()> {
        let gt = self.gotos[g].clone();
        if gt.nactvar < label.nactvar {
            let v = self.var_at(self.fs.len() - 1, gt.nactvar);
            let msg = format!(
                "<goto {}> at line {} jumps into the scope of local '{}'",
                String::from_utf8_lossy(self.str(gt.name)),
                gt.line,
                String::from_utf8_lossy(self.str(v.name))
            );
            return self.sem_err(&msg);
        }
        self.patch_list(gt.pc as i32, label.pc)?;
        self.gotos.remove(g);
        Ok(())
    }

    /// Resolves pending gotos of the current block that target the new label.
    fn solve_gotos(&mut self, lb: &LabelDesc) -> R<bool> {
        let mut i = self.fsr().blocks.last().expect("block").first_goto;
        let mut needs_close = false;
        while i < self.gotos.len() {
            if self.gotos[i].name == lb.name {
                needs_close |= self.gotos[i].close;
                self.solve_goto(i, lb)?;
            } else {
                i += 1;
            }
        }
        Ok(needs_close)
    }

    /// Creates a label at the current pc; `last` says it ends its block (so the block's
    /// locals are already out of scope for it). Returns whether a Close was emitted.
    pub fn create_label(&mut self, name: StrId, line: u32, last: bool) -> R<bool> {
        let pc = self.get_label();
        let nactvar = if last {
            self.fsr().blocks.last().expect("block").nactvar
        } else {
            self.fsr().nactvar
        };
        let lb = LabelDesc {
            name,
            pc,
            line,
            nactvar,
            close: false,
        };
        self.labels.push(lb.clone());
        if self.solve_gotos(&lb)? {
            let lvl = self.nvarstack();
            self.code_abc(Op::Close, lvl, 0, 0);
            return Ok(true);
        }
        Ok(false)
    }

    // ------------------------------------------------------------ functions

    pub fn open_func(&mut self, line: u32) {
        let fs = FuncState::new(&self.source, line, self.actvar.len(), self.labels.len());
        self.fs.push(fs);
        self.enter_block(false);
    }

    /// Finishes the current function and returns its prototype.
    pub fn close_func(&mut self) -> R<crate::bytecode::FuncProto> {
        let first = self.nvarstack();
        self.ret(first, 0);
        self.leave_block()?;
        self.finish()?;
        let fs = self.fs.pop().expect("function");
        Ok(fs.f)
    }
}
