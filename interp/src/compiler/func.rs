//! Compiler state: the per-function state, scopes, variables and expression descriptors.
//!
//! The compiler is single-pass in the manner of PUC Lua: the parser calls code-generation
//! routines as it recognises constructs, and an expression is carried as an [`ExpDesc`]
//! that says where its value is (or how to produce it) until the context decides which
//! register or operand form it should land in. Conditional expressions carry two jump
//! lists (`t`: jumps taken when true, `f`: when false) that are patched once the target is
//! known. A jump list is threaded through the offset fields of the jumps themselves.

use super::lexer::{Lexer, StrId};
use crate::bytecode::{FuncProto, Instr};
use std::collections::HashMap;

pub type R<T> = Result<T, String>;

/// End of a jump list.
pub const NO_JUMP: i32 = -1;
/// "No register" marker for TestSet patching.
pub const NO_REG: u32 = crate::bytecode::MAX_A;
/// Most local variables in one function.
pub const MAX_VARS: usize = 200;
/// Most upvalues in one function.
pub const MAX_UPVAL: usize = 255;
/// Deepest nesting of syntactic constructs (PUC's LUAI_MAXCCALLS).
pub const MAX_DEPTH: u32 = 200;
/// Largest constant index usable as an RK/B/C operand.
pub const MAX_INDEX_RK: u32 = crate::bytecode::MAX_B;

/// How an expression's value can be obtained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExpK {
    /// No value (an empty expression list).
    Void,
    Nil,
    True,
    False,
    /// Constant `K[idx]`.
    K(u32),
    KFlt(f64),
    KInt(i64),
    KStr(StrId),
    /// The value is in a fixed register.
    NonReloc(u32),
    /// A local variable: register and index among the function's active variables.
    Local {
        reg: u32,
        vidx: usize,
    },
    /// Upvalue number.
    Upval(u32),
    /// A compile-time constant local: absolute index in `Parser::actvar`.
    Const(usize),
    /// `R[t][R[idx]]`
    Indexed {
        t: u32,
        idx: u32,
    },
    /// `Upval[t][K[idx]]` (a string key)
    IndexUp {
        t: u32,
        idx: u32,
    },
    /// `R[t][idx]` (a small integer key)
    IndexI {
        t: u32,
        idx: u32,
    },
    /// `R[t][K[idx]]` (a string key)
    IndexStr {
        t: u32,
        idx: u32,
    },
    /// A comparison; the value is the jump at this pc.
    Jmp(usize),
    /// The instruction at this pc computes the value; its A is still to be set.
    Reloc(usize),
    /// A call at this pc.
    Call(usize),
    /// A vararg expression at this pc.
    Vararg(usize),
}

#[derive(Clone, Copy, Debug)]
pub struct ExpDesc {
    pub k: ExpK,
    /// Patch list of "exit when true".
    pub t: i32,
    /// Patch list of "exit when false".
    pub f: i32,
}

impl ExpDesc {
    pub fn new(k: ExpK) -> ExpDesc {
        ExpDesc {
            k,
            t: NO_JUMP,
            f: NO_JUMP,
        }
    }
    pub fn has_jumps(&self) -> bool {
        self.t != self.f
    }
    pub fn is_multret(&self) -> bool {
        matches!(self.k, ExpK::Call(_) | ExpK::Vararg(_))
    }
    pub fn is_var(&self) -> bool {
        matches!(
            self.k,
            ExpK::Local { .. }
                | ExpK::Upval(_)
                | ExpK::Const(_)
                | ExpK::Indexed { .. }
                | ExpK::IndexUp { .. }
                | ExpK::IndexI { .. }
                | ExpK::IndexStr { .. }
        )
    }
    pub fn is_indexed(&self) -> bool {
        matches!(
            self.k,
            ExpK::Indexed { .. }
                | ExpK::IndexUp { .. }
                | ExpK::IndexI { .. }
                | ExpK::IndexStr { .. }
        )
    }
}

/// Kinds of local variables (the numbers are UpvalDesc::kind's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    Regular = 0,
    Const = 1,
    Close = 2,
    /// A `<const>` with a compile-time constant value: it has no register.
    CompileTime = 3,
}

/// An active local variable.
#[derive(Clone, Debug)]
pub struct VarDesc {
    pub name: StrId,
    pub kind: VarKind,
    pub reg: u32,
    /// Index in the prototype's `locvars`.
    pub pidx: usize,
    /// Value of a compile-time constant.
    pub value: ExpK,
}

/// A pending goto or an active label.
#[derive(Clone, Debug)]
pub struct LabelDesc {
    pub name: StrId,
    pub pc: usize,
    pub line: u32,
    /// Number of active variables at that point.
    pub nactvar: usize,
    /// The goto leaves a scope with upvalues and must close.
    pub close: bool,
}

/// A lexical block.
#[derive(Clone, Debug)]
pub struct BlockCnt {
    pub first_label: usize,
    pub first_goto: usize,
    pub nactvar: usize,
    /// Some variable of the block is captured (or is to-be-closed).
    pub upval: bool,
    pub is_loop: bool,
    /// Inside the scope of a to-be-closed variable.
    pub inside_tbc: bool,
}

/// Key of the constant cache; integers and floats are distinct keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KKey {
    Nil,
    Bool(bool),
    Int(i64),
    Flt(u64),
    Str(StrId),
}

/// State of one function being compiled.
pub struct FuncState {
    pub f: FuncProto,
    pub blocks: Vec<BlockCnt>,
    pub k_cache: HashMap<KKey, u32>,
    /// pc of the last jump target (LoadNil merging must not cross it).
    pub last_target: usize,
    /// First of this function's variables in `Parser::actvar`.
    pub first_local: usize,
    /// First of this function's labels in `Parser::labels`.
    pub first_label: usize,
    pub nactvar: usize,
    pub freereg: u32,
    pub need_close: bool,
}

impl FuncState {
    pub fn new(source: &[u8], line: u32, first_local: usize, first_label: usize) -> FuncState {
        FuncState {
            f: FuncProto {
                source: source.to_vec(),
                line_defined: line,
                max_stack: 2,
                ..FuncProto::default()
            },
            blocks: Vec::new(),
            k_cache: HashMap::new(),
            last_target: 0,
            first_local,
            first_label,
            nactvar: 0,
            freereg: 0,
            need_close: false,
        }
    }
    pub fn pc(&self) -> usize {
        self.f.code.len()
    }
    pub fn instr(&mut self, pc: usize) -> &mut Instr {
        &mut self.f.code[pc]
    }
}

/// The whole compiler: lexer, stack of functions, and the lists shared by all functions.
pub struct Parser<'s> {
    pub lx: Lexer<'s>,
    pub fs: Vec<FuncState>,
    pub actvar: Vec<VarDesc>,
    pub gotos: Vec<LabelDesc>,
    pub labels: Vec<LabelDesc>,
    pub depth: u32,
    pub source: Vec<u8>,
    pub env_name: StrId,
    pub break_name: StrId,
}

impl<'s> Parser<'s> {
    pub fn new(src: &'s [u8], chunkname: &[u8]) -> Parser<'s> {
        let mut lx = Lexer::new(src, chunkname);
        let env_name = lx.strings.intern(b"_ENV");
        let break_name = lx.strings.intern(b"break");
        Parser {
            lx,
            fs: Vec::new(),
            actvar: Vec::new(),
            gotos: Vec::new(),
            labels: Vec::new(),
            depth: 0,
            source: chunkname.to_vec(),
            env_name,
            break_name,
        }
    }

    /// The function being compiled.
    pub fn fs(&mut self) -> &mut FuncState {
        self.fs.last_mut().expect("no function")
    }
    pub fn fsr(&self) -> &FuncState {
        self.fs.last().expect("no function")
    }
    pub fn str(&self, id: StrId) -> &[u8] {
        self.lx.strings.get(id)
    }

    /// Descriptor of variable `vidx` (relative) of function level `lvl`.
    pub fn var_at(&self, lvl: usize, vidx: usize) -> &VarDesc {
        &self.actvar[self.fs[lvl].first_local + vidx]
    }
    pub fn var_at_mut(&mut self, lvl: usize, vidx: usize) -> &mut VarDesc {
        let i = self.fs[lvl].first_local + vidx;
        &mut self.actvar[i]
    }

    /// Number of registers used by the first `nvar` variables of the current function.
    pub fn reg_level(&self, nvar: usize) -> u32 {
        let lvl = self.fs.len() - 1;
        for i in (0..nvar).rev() {
            let v = self.var_at(lvl, i);
            if v.kind != VarKind::CompileTime {
                return v.reg + 1;
            }
        }
        0
    }

    /// Number of registers holding active locals.
    pub fn nvarstack(&self) -> u32 {
        self.reg_level(self.fsr().nactvar)
    }

    // ------------------------------------------------------------ errors

    /// A syntax error at the current token.
    pub fn err<T>(&self, msg: &str) -> R<T> {
        Err(self.lx.syntax_error(msg))
    }
    /// A semantic error (no "near" part).
    pub fn sem_err<T>(&self, msg: &str) -> R<T> {
        Err(self.lx.plain_error(msg))
    }
    /// "too many <what> (limit is N) in <function>".
    pub fn limit_err<T>(&self, limit: usize, what: &str) -> R<T> {
        let line = self.fsr().f.line_defined;
        let wh = if line == 0 {
            "main function".to_string()
        } else {
            format!("function at line {line}")
        };
        self.err(&format!("too many {what} (limit is {limit}) in {wh}"))
    }

    pub fn enter_level(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("chunk has too many syntax levels (C stack overflow)");
        }
        Ok(())
    }
    pub fn leave_level(&mut self) {
        self.depth -= 1;
    }
}
