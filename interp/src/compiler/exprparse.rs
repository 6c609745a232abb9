//! Expression grammar: operator precedence, primary and suffixed expressions, calls,
//! table constructors and function bodies.
//!
//! Recursion depth is bounded by `enter_level` in `subexpr` (every nesting of
//! parentheses, braces, unary operators or right-associative chains passes through it),
//! so hostile input ends in a syntax error instead of a native stack overflow.

use super::expr::{BinOp, UnOp};
use super::func::*;
use super::lexer::{StrId, Tok};
use crate::bytecode::{Op, FIELDS_PER_FLUSH};

/// Priority (left, right) of each binary operator.
fn priority(op: BinOp) -> (u8, u8) {
    use BinOp::*;
    match op {
        Add | Sub => (10, 10),
        Mul | Mod | Div | IDiv => (11, 11),
        Pow => (14, 13),
        BAnd => (6, 6),
        BOr => (4, 4),
        BXor => (5, 5),
        Shl | Shr => (7, 7),
        Concat => (9, 8),
        Eq | Lt | Le | Ne | Gt | Ge => (3, 3),
        And => (2, 2),
        Or => (1, 1),
    }
}

const UNARY_PRIORITY: u8 = 12;

fn unop(t: Tok) -> Option<UnOp> {
    match t {
        Tok::Not => Some(UnOp::Not),
        Tok::Char(b'-') => Some(UnOp::Minus),
        Tok::Char(b'~') => Some(UnOp::BNot),
        Tok::Char(b'#') => Some(UnOp::Len),
        _ => None,
    }
}

fn binop(t: Tok) -> Option<BinOp> {
    use BinOp::*;
    Some(match t {
        Tok::Char(b'+') => Add,
        Tok::Char(b'-') => Sub,
        Tok::Char(b'*') => Mul,
        Tok::Char(b'%') => Mod,
        Tok::Char(b'^') => Pow,
        Tok::Char(b'/') => Div,
        Tok::IDiv => IDiv,
        Tok::Char(b'&') => BAnd,
        Tok::Char(b'|') => BOr,
        Tok::Char(b'~') => BXor,
        Tok::Shl => Shl,
        Tok::Shr => Shr,
        Tok::Concat => Concat,
        Tok::Ne => Ne,
        Tok::Eq => Eq,
        Tok::Char(b'<') => Lt,
        Tok::Le => Le,
        Tok::Char(b'>') => Gt,
        Tok::Ge => Ge,
        Tok::And => And,
        Tok::Or => Or,
        _ => return None,
    })
}

/// State of a table constructor being compiled.
struct ConsControl {
    /// Last list item read (not yet stored).
    v: ExpDesc,
    /// Register of the table.
    t: u32,
    nh: u32,
    na: u32,
    tostore: u32,
}

impl Parser<'_> {
    // ------------------------------------------------------------ token helpers

    pub fn tok(&self) -> Tok {
        self.lx.t.tok
    }
    pub fn advance(&mut self) -> R<()> {
        self.lx.advance()
    }
    pub fn test_next(&mut self, t: Tok) -> R<bool> {
        if self.tok() == t {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }
    pub fn error_expected<T>(&self, t: Tok) -> R<T> {
        self.err(&format!("{} expected", t.describe()))
    }
    pub fn check(&self, t: Tok) -> R<()> {
        if self.tok() != t {
            return self.error_expected(t);
        }
        Ok(())
    }
    pub fn check_next(&mut self, t: Tok) -> R<()> {
        self.check(t)?;
        self.advance()
    }
    /// Expects `what` closing `who` opened at line `where_`.
    pub fn check_match(&mut self, what: Tok, who: Tok, where_: u32) -> R<()> {
        if !self.test_next(what)? {
            if where_ == self.lx.line {
                return self.error_expected(what);
            }
            return self.err(&format!(
                "{} expected (to close {} at line {})",
                what.describe(),
                who.describe(),
                where_
            ));
        }
        Ok(())
    }
    pub fn str_checkname(&mut self) -> R<StrId> {
        match self.tok() {
            Tok::Name(id) => {
                self.advance()?;
                Ok(id)
            }
            _ => self.error_expected(Tok::Name(StrId(0))),
        }
    }

    // ------------------------------------------------------------ expressions

    pub fn expr(&mut self) -> R<ExpDesc> {
        let mut v = ExpDesc::new(ExpK::Void);
        self.subexpr(&mut v, 0)?;
        Ok(v)
    }

    /// subexpr -> (simpleexp | unop subexpr) { binop subexpr }, for binary operators
    /// whose left priority exceeds `limit`. Returns the first operator not handled.
    fn subexpr(&mut self, v: &mut ExpDesc, limit: u8) -> R<Option<BinOp>> {
        self.enter_level()?;
        if let Some(uop) = unop(self.tok()) {
            let line = self.lx.line;
            self.advance()?;
            self.subexpr(v, UNARY_PRIORITY)?;
            self.prefix(uop, v, line)?;
        } else {
            *v = self.simpleexp()?;
        }
        let mut op = binop(self.tok());
        while let Some(o) = op {
            let (left, right) = priority(o);
            if left <= limit {
                break;
            }
            let line = self.lx.line;
            self.advance()?;
            self.infix(o, v)?;
            let mut v2 = ExpDesc::new(ExpK::Void);
            let nextop = self.subexpr(&mut v2, right)?;
            self.posfix(o, v, &mut v2, line)?;
            op = nextop;
        }
        self.leave_level();
        Ok(op)
    }

    fn simpleexp(&mut self) -> R<ExpDesc> {
        let k = match self.tok() {
            Tok::Flt(f) => ExpK::KFlt(f),
            Tok::Int(i) => ExpK::KInt(i),
            Tok::Str(s) => ExpK::KStr(s),
            Tok::Nil => ExpK::Nil,
            Tok::True => ExpK::True,
            Tok::False => ExpK::False,
            Tok::Dots => {
                if !self.fsr().f.is_vararg {
                    return self.err("cannot use '...' outside a vararg function");
                }
                ExpK::Vararg(self.code_abc(Op::VarArg, 0, 0, 1))
            }
            Tok::Char(b'{') => return self.constructor(),
            Tok::Function => {
                self.advance()?;
                let line = self.lx.line;
                return self.body(false, line);
            }
            _ => return self.suffixedexp(),
        };
        self.advance()?;
        Ok(ExpDesc::new(k))
    }

    fn primaryexp(&mut self) -> R<ExpDesc> {
        match self.tok() {
            Tok::Char(b'(') => {
                let line = self.lx.line;
                self.advance()?;
                let mut v = self.expr()?;
                self.check_match(Tok::Char(b')'), Tok::Char(b'('), line)?;
                self.discharge_vars(&mut v);
                Ok(v)
            }
            Tok::Name(n) => {
                self.advance()?;
                self.single_var(n)
            }
            _ => self.err("unexpected symbol"),
        }
    }

    /// primaryexp { '.' NAME | '[' exp ']' | ':' NAME funcargs | funcargs }
    pub fn suffixedexp(&mut self) -> R<ExpDesc> {
        let mut v = self.primaryexp()?;
        loop {
            match self.tok() {
                Tok::Char(b'.') => self.fieldsel(&mut v)?,
                Tok::Char(b'[') => {
                    self.exp2anyregup(&mut v)?;
                    let mut key = self.yindex()?;
                    self.indexed(&mut v, &mut key)?;
                }
                Tok::Char(b':') => {
                    self.advance()?;
                    let name = self.str_checkname()?;
                    let mut key = ExpDesc::new(ExpK::KStr(name));
                    self.self_op(&mut v, &mut key)?;
                    self.funcargs(&mut v)?;
                }
                Tok::Char(b'(') | Tok::Str(_) | Tok::Char(b'{') => {
                    self.exp2nextreg(&mut v)?;
                    self.funcargs(&mut v)?;
                }
                _ => return Ok(v),
            }
        }
    }

    /// ['.' | ':'] NAME
    pub fn fieldsel(&mut self, v: &mut ExpDesc) -> R<()> {
        self.exp2anyregup(v)?;
        self.advance()?;
        let name = self.str_checkname()?;
        let mut key = ExpDesc::new(ExpK::KStr(name));
        self.indexed(v, &mut key)
    }

    /// '[' expr ']'
    fn yindex(&mut self) -> R<ExpDesc> {
        self.advance()?;
        let mut v = self.expr()?;
        self.exp2val(&mut v)?;
        self.check_next(Tok::Char(b']'))?;
        Ok(v)
    }

    /// expr { ',' expr }; all but the last are put in consecutive registers.
    pub fn explist(&mut self) -> R<(usize, ExpDesc)> {
        let mut n = 1;
        let mut v = self.expr()?;
        while self.test_next(Tok::Char(b','))? {
            self.exp2nextreg(&mut v)?;
            v = self.expr()?;
            n += 1;
        }
        Ok((n, v))
    }

    fn funcargs(&mut self, f: &mut ExpDesc) -> R<()> {
        let line = self.lx.line;
        let mut args = match self.tok() {
            Tok::Char(b'(') => {
                self.advance()?;
                let args = if self.tok() == Tok::Char(b')') {
                    ExpDesc::new(ExpK::Void)
                } else {
                    let (_, a) = self.explist()?;
                    if a.is_multret() {
                        self.set_multret(&a)?;
                    }
                    a
                };
                self.check_match(Tok::Char(b')'), Tok::Char(b'('), line)?;
                args
            }
            Tok::Char(b'{') => self.constructor()?,
            Tok::Str(s) => {
                self.advance()?;
                ExpDesc::new(ExpK::KStr(s))
            }
            _ => return self.err("function arguments expected"),
        };
        let ExpK::NonReloc(base) = f.k else {
            unreachable!("call of {:?}", f.k)
        };
        let nparams = if args.is_multret() {
            -1
        } else {
            if args.k != ExpK::Void {
                self.exp2nextreg(&mut args)?;
            }
            (self.fsr().freereg - (base + 1)) as i32
        };
        let pc = self.code_abc(Op::Call, base, (nparams + 1) as u32, 2);
        f.k = ExpK::Call(pc);
        f.t = NO_JUMP;
        f.f = NO_JUMP;
        self.fix_line(line);
        self.fs().freereg = base + 1;
        Ok(())
    }

    // ------------------------------------------------------------ constructors

    fn constructor(&mut self) -> R<ExpDesc> {
        let line = self.lx.line;
        let pc = self.code_abc(Op::NewTable, 0, 0, 0);
        self.code_extra(0)?;
        let t = self.fsr().freereg;
        self.reserve_regs(1)?;
        let mut cc = ConsControl {
            v: ExpDesc::new(ExpK::Void),
            t,
            nh: 0,
            na: 0,
            tostore: 0,
        };
        self.check_next(Tok::Char(b'{'))?;
        loop {
            if self.tok() == Tok::Char(b'}') {
                break;
            }
            self.close_listfield(&mut cc)?;
            self.field(&mut cc)?;
            if !(self.test_next(Tok::Char(b','))? || self.test_next(Tok::Char(b';'))?) {
                break;
            }
        }
        self.check_match(Tok::Char(b'}'), Tok::Char(b'{'), line)?;
        self.last_listfield(&mut cc)?;
        self.set_table_size(pc, t, cc.na, cc.nh);
        Ok(ExpDesc::new(ExpK::NonReloc(t)))
    }

    fn field(&mut self, cc: &mut ConsControl) -> R<()> {
        match self.tok() {
            Tok::Name(_) => {
                if self.lx.lookahead()? != Tok::Char(b'=') {
                    self.listfield(cc)?;
                } else {
                    self.recfield(cc)?;
                }
            }
            Tok::Char(b'[') => self.recfield(cc)?,
            _ => self.listfield(cc)?,
        }
        Ok(())
    }

    fn listfield(&mut self, cc: &mut ConsControl) -> R<()> {
        cc.v = self.expr()?;
        cc.tostore += 1;
        Ok(())
    }

    fn recfield(&mut self, cc: &mut ConsControl) -> R<()> {
        let reg = self.fsr().freereg;
        let mut key = if let Tok::Name(n) = self.tok() {
            self.advance()?;
            ExpDesc::new(ExpK::KStr(n))
        } else {
            self.yindex()?
        };
        cc.nh += 1;
        self.check_next(Tok::Char(b'='))?;
        let mut tab = ExpDesc::new(ExpK::NonReloc(cc.t));
        self.indexed(&mut tab, &mut key)?;
        let mut val = self.expr()?;
        self.store_var(&tab, &mut val)?;
        self.fs().freereg = reg;
        Ok(())
    }

    fn close_listfield(&mut self, cc: &mut ConsControl) -> R<()> {
        if cc.v.k == ExpK::Void {
            return Ok(());
        }
        self.exp2nextreg(&mut cc.v)?;
        cc.v.k = ExpK::Void;
        if cc.tostore == FIELDS_PER_FLUSH {
            self.set_list(cc.t, cc.na, cc.tostore as i32)?;
            cc.na += cc.tostore;
            cc.tostore = 0;
        }
        Ok(())
    }

    fn last_listfield(&mut self, cc: &mut ConsControl) -> R<()> {
        if cc.tostore == 0 {
            return Ok(());
        }
        if cc.v.is_multret() {
            self.set_multret(&cc.v)?;
            self.set_list(cc.t, cc.na, -1)?;
            // the open item is not counted
            cc.na += cc.tostore - 1;
        } else {
            if cc.v.k != ExpK::Void {
                self.exp2nextreg(&mut cc.v)?;
            }
            self.set_list(cc.t, cc.na, cc.tostore as i32)?;
            cc.na += cc.tostore;
        }
        Ok(())
    }

    // ------------------------------------------------------------ functions

    fn parlist(&mut self) -> R<()> {
        let mut nparams = 0;
        let mut vararg = false;
        if self.tok() != Tok::Char(b')') {
            loop {
                match self.tok() {
                    Tok::Name(n) => {
                        self.advance()?;
                        self.new_localvar(n)?;
                        nparams += 1;
                    }
                    Tok::Dots => {
                        self.advance()?;
                        vararg = true;
                    }
                    _ => return self.err("<name> or '...' expected"),
                }
                if vararg || !self.test_next(Tok::Char(b','))? {
                    break;
                }
            }
        }
        self.adjust_localvars(nparams);
        let n = self.fsr().nactvar as u32;
        self.fs().f.num_params = n as u8;
        if vararg {
            self.set_vararg(n);
        }
        self.reserve_regs(n)
    }

    pub fn set_vararg(&mut self, nparams: u32) {
        self.fs().f.is_vararg = true;
        self.code_abc(Op::VarArgPrep, nparams, 0, 0);
    }

    /// '(' parlist ')' block END; leaves the closure in the next register.
    pub fn body(&mut self, is_method: bool, line: u32) -> R<ExpDesc> {
        self.open_func(line);
        self.check_next(Tok::Char(b'('))?;
        if is_method {
            self.new_localvar_lit("self")?;
            self.adjust_localvars(1);
        }
        self.parlist()?;
        self.check_next(Tok::Char(b')'))?;
        self.statlist()?;
        let last = self.lx.line;
        self.fs().f.last_line_defined = last;
        self.check_match(Tok::End, Tok::Function, line)?;
        let proto = self.close_func()?;
        let parent = self.fs();
        parent.f.protos.push(proto);
        let idx = parent.f.protos.len() as u32 - 1;
        if idx > crate::bytecode::MAX_BX {
            return self.limit_err(crate::bytecode::MAX_BX as usize, "functions");
        }
        let pc = self.code_abx(Op::Closure, 0, idx);
        let mut e = ExpDesc::new(ExpK::Reloc(pc));
        self.exp2nextreg(&mut e)?;
        Ok(e)
    }
}
