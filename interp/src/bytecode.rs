//! The register bytecode: instruction encoding, the opcode table, and the compiler's output.
//!
//! Instructions are 32 bits, in the layout of Lua 5.4 (so limits match PUC Lua's):
//!
//! ```text
//!   iABC   C(8)  | B(8) | k(1) | A(8) | op(7)
//!   iABx   Bx(17)              | A(8) | op(7)
//!   iAsBx  sBx(17, excess-K)   | A(8) | op(7)
//!   iAx    Ax(25)                     | op(7)
//!   isJ    sJ(25, excess-K)           | op(7)
//! ```
//!
//! Register operands name slots relative to the frame base. `K[x]` is constant `x` of the
//! prototype, `RK(C)` is `K[C]` when the `k` bit is set and `R[C]` otherwise, `sC`/`sB` are
//! signed immediates stored in excess-127 form. Jumps are relative to the instruction after
//! the jump. The semantics column of the table is the contract between the compiler and
//! the interpreter; it follows Lua 5.4 except that arithmetic instructions carry their own
//! metamethod fallback (there is no MMBIN family): for the `K` and `I` forms of a
//! commutative operator the `k` bit says the constant was the *left* operand in the source.

/// Declares the opcode enum, its names and its formats from one table.
macro_rules! opcodes {
    ($( $(#[doc = $doc:literal])* $name:ident = $fmt:ident, )*) => {
        /// A bytecode operation. See the module docs for operand notation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Op {
            $( $(#[doc = $doc])* $name, )*
        }

        /// Every opcode, in encoding order.
        pub const ALL_OPS: &[Op] = &[$(Op::$name,)*];

        impl Op {
            /// The opcode's name as dumps print it.
            pub fn name(self) -> &'static str {
                match self { $(Op::$name => stringify!($name),)* }
            }
            /// The operand format.
            pub fn format(self) -> Format {
                match self { $(Op::$name => Format::$fmt,)* }
            }
        }
    };
}

/// Operand layout of an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    ABC,
    ABx,
    AsBx,
    Ax,
    SJ,
}

opcodes! {
    /// `R[A] := R[B]`
    Move = ABC,
    /// `R[A] := sBx` (integer)
    LoadI = AsBx,
    /// `R[A] := (float)sBx`
    LoadF = AsBx,
    /// `R[A] := K[Bx]`
    LoadK = ABx,
    /// `R[A] := K[extra arg]` (next instruction is ExtraArg)
    LoadKX = ABx,
    /// `R[A] := false`
    LoadFalse = ABC,
    /// `R[A] := false; pc++`
    LFalseSkip = ABC,
    /// `R[A] := true`
    LoadTrue = ABC,
    /// `R[A], R[A+1], ..., R[A+B] := nil`
    LoadNil = ABC,
    /// `R[A] := UpValue[B]`
    GetUpval = ABC,
    /// `UpValue[B] := R[A]`
    SetUpval = ABC,
    /// `R[A] := UpValue[B][K[C]]` (K[C] a string)
    GetTabUp = ABC,
    /// `R[A] := R[B][R[C]]`
    GetTable = ABC,
    /// `R[A] := R[B][C]` (C an unsigned integer key)
    GetI = ABC,
    /// `R[A] := R[B][K[C]]` (K[C] a string)
    GetField = ABC,
    /// `UpValue[A][K[B]] := RK(C)` (K[B] a string)
    SetTabUp = ABC,
    /// `R[A][R[B]] := RK(C)`
    SetTable = ABC,
    /// `R[A][B] := RK(C)` (B an unsigned integer key)
    SetI = ABC,
    /// `R[A][K[B]] := RK(C)` (K[B] a string)
    SetField = ABC,
    /// `R[A] := {}`; B is 0 or log2(hash size)+1, C the array size; when k is set the
    /// array size is `C + ExtraArg.Ax * 256`. Always followed by ExtraArg.
    NewTable = ABC,
    /// `R[A+1] := R[B]; R[A] := R[B][RK(C)]` (RK(C) a string)
    SelfOp = ABC,
    /// `R[A] := R[B] + sC`
    AddI = ABC,
    /// `R[A] := R[B] + K[C]` (K[C] a number)
    AddK = ABC,
    /// `R[A] := R[B] - K[C]`
    SubK = ABC,
    /// `R[A] := R[B] * K[C]`
    MulK = ABC,
    /// `R[A] := R[B] % K[C]`
    ModK = ABC,
    /// `R[A] := R[B] ^ K[C]`
    PowK = ABC,
    /// `R[A] := R[B] / K[C]`
    DivK = ABC,
    /// `R[A] := R[B] // K[C]`
    IDivK = ABC,
    /// `R[A] := R[B] & K[C]` (K[C] an integer)
    BAndK = ABC,
    /// `R[A] := R[B] | K[C]`
    BOrK = ABC,
    /// `R[A] := R[B] ~ K[C]`
    BXorK = ABC,
    /// `R[A] := R[B] >> sC`
    ShrI = ABC,
    /// `R[A] := sC << R[B]`
    ShlI = ABC,
    /// `R[A] := R[B] + R[C]`
    Add = ABC,
    /// `R[A] := R[B] - R[C]`
    Sub = ABC,
    /// `R[A] := R[B] * R[C]`
    Mul = ABC,
    /// `R[A] := R[B] % R[C]`
    Mod = ABC,
    /// `R[A] := R[B] ^ R[C]`
    Pow = ABC,
    /// `R[A] := R[B] / R[C]`
    Div = ABC,
    /// `R[A] := R[B] // R[C]`
    IDiv = ABC,
    /// `R[A] := R[B] & R[C]`
    BAnd = ABC,
    /// `R[A] := R[B] | R[C]`
    BOr = ABC,
    /// `R[A] := R[B] ~ R[C]`
    BXor = ABC,
    /// `R[A] := R[B] << R[C]`
    Shl = ABC,
    /// `R[A] := R[B] >> R[C]`
    Shr = ABC,
    /// `R[A] := -R[B]`
    Unm = ABC,
    /// `R[A] := ~R[B]`
    BNot = ABC,
    /// `R[A] := not R[B]`
    Not = ABC,
    /// `R[A] := #R[B]`
    Len = ABC,
    /// `R[A] := R[A] .. ... .. R[A+B-1]`
    Concat = ABC,
    /// close upvalues and to-be-closed variables `>= R[A]`
    Close = ABC,
    /// mark `R[A]` as to-be-closed
    Tbc = ABC,
    /// `pc += sJ`
    Jmp = SJ,
    /// `if ((R[A] == R[B]) ~= k) then pc++`
    Eq = ABC,
    /// `if ((R[A] < R[B]) ~= k) then pc++`
    Lt = ABC,
    /// `if ((R[A] <= R[B]) ~= k) then pc++`
    Le = ABC,
    /// `if ((R[A] == K[B]) ~= k) then pc++`
    EqK = ABC,
    /// `if ((R[A] == sB) ~= k) then pc++`
    EqI = ABC,
    /// `if ((R[A] < sB) ~= k) then pc++` (C = 1 if the immediate was a float literal)
    LtI = ABC,
    /// `if ((R[A] <= sB) ~= k) then pc++`
    LeI = ABC,
    /// `if ((R[A] > sB) ~= k) then pc++`
    GtI = ABC,
    /// `if ((R[A] >= sB) ~= k) then pc++`
    GeI = ABC,
    /// `if (not R[A] == k) then pc++`
    Test = ABC,
    /// `if (not R[B] == k) then pc++ else R[A] := R[B]`
    TestSet = ABC,
    /// `R[A], ..., R[A+C-2] := R[A](R[A+1], ..., R[A+B-1])`; B = 0: arguments up to top;
    /// C = 0: keep all results (sets top)
    Call = ABC,
    /// `return R[A](R[A+1], ..., R[A+B-1])`; B as in Call; k: close upvalues first
    TailCall = ABC,
    /// `return R[A], ..., R[A+B-2]`; B = 0: up to top; k: close upvalues / tbc first
    Return = ABC,
    /// `return`
    Return0 = ABC,
    /// `return R[A]`
    Return1 = ABC,
    /// numeric for: update counters; if the loop continues `pc -= Bx`
    ForLoop = ABx,
    /// numeric for: check and prepare; if the loop does not run `pc += Bx + 1`
    ForPrep = ABx,
    /// generic for: mark `R[A+3]` to-be-closed; `pc += Bx`
    TForPrep = ABx,
    /// `R[A+4], ..., R[A+3+C] := R[A](R[A+1], R[A+2])`
    TForCall = ABC,
    /// `if R[A+4] ~= nil then { R[A+2] := R[A+4]; pc -= Bx }`
    TForLoop = ABx,
    /// `R[A][C+i] := R[A+i], 1 <= i <= B`; B = 0: up to top; when k is set the real C is
    /// `C + ExtraArg.Ax * 256`
    SetList = ABC,
    /// `R[A] := closure(KPROTO[Bx])`
    Closure = ABx,
    /// `R[A], ..., R[A+C-2] := vararg`; C = 0: all of them (sets top)
    VarArg = ABC,
    /// adjust a vararg function's frame; A = number of fixed parameters
    VarArgPrep = ABC,
    /// extra (larger) argument for the previous instruction
    ExtraArg = Ax,
    /// `ForLoop` without hot counting: the back-edge of a loop the JIT gave up on
    IForLoop = ABx,
    /// `TForLoop` without hot counting
    ITForLoop = ABx,
    /// `Jmp` without hot counting (a loop's backward jump)
    IJmp = SJ,
}

/// Opcode by 7-bit number, for the safe [`Instr::op`] (no bounds check, no branch) used
/// outside the interpreter's main loop: the compiler, the verifier, debug info, the JIT's
/// recorder and the interpreter's slow paths. The main loop itself decodes with
/// `vm::unchecked::op` (a transmute, sound on verified code). Numbers past the table
/// decode as `ExtraArg`, which the verifier never lets run. The uncounted loop
/// instructions decode as the ones they stand for: only the main loop tells them apart.
const DECODE: [Op; 128] = {
    let mut t = [Op::ExtraArg; 128];
    let mut i = 0;
    while i < ALL_OPS.len() {
        t[i] = ALL_OPS[i].counted();
        i += 1;
    }
    t
};

impl Op {
    /// The arithmetic and bitwise instructions, `AddI` to `BNot`: `R[A]` gets a result
    /// that may come from a metamethod.
    pub fn is_arith(self) -> bool {
        (Op::AddI as u8..=Op::BNot as u8).contains(&(self as u8))
    }

    /// The instruction an uncounted loop instruction stands for; itself for the others.
    pub const fn counted(self) -> Op {
        match self {
            Op::IForLoop => Op::ForLoop,
            Op::ITForLoop => Op::TForLoop,
            Op::IJmp => Op::Jmp,
            op => op,
        }
    }

    /// The uncounted variant of a loop's back-edge instruction.
    pub fn uncounted(self) -> Option<Op> {
        match self {
            Op::ForLoop => Some(Op::IForLoop),
            Op::TForLoop => Some(Op::ITForLoop),
            Op::Jmp => Some(Op::IJmp),
            _ => None,
        }
    }

    /// Decodes an opcode number; `None` for numbers past the table.
    pub fn from_u8(n: u8) -> Option<Op> {
        ALL_OPS.get(n as usize).copied()
    }
}

pub const SIZE_OP: u32 = 7;
pub const SIZE_A: u32 = 8;
pub const SIZE_B: u32 = 8;
pub const SIZE_C: u32 = 8;
pub const SIZE_BX: u32 = 17;
pub const SIZE_AX: u32 = 25;
pub const POS_A: u32 = 7;
pub const POS_K: u32 = 15;
pub const POS_B: u32 = 16;
pub const POS_C: u32 = 24;
pub const POS_BX: u32 = 15;
pub const MAX_A: u32 = (1 << SIZE_A) - 1;
pub const MAX_B: u32 = (1 << SIZE_B) - 1;
pub const MAX_C: u32 = (1 << SIZE_C) - 1;
pub const MAX_BX: u32 = (1 << SIZE_BX) - 1;
pub const MAX_AX: u32 = (1 << SIZE_AX) - 1;
/// Excess for signed Bx.
pub const OFFSET_SBX: i32 = (MAX_BX >> 1) as i32;
/// Excess for signed jumps.
pub const OFFSET_SJ: i32 = (MAX_AX >> 1) as i32;
/// Excess for signed B and C immediates.
pub const OFFSET_SC: i32 = (MAX_C >> 1) as i32;
/// Registers a function may use (PUC Lua's limit).
pub const MAX_REGS: u32 = 255;
/// Number of list items accumulated before a SetList.
pub const FIELDS_PER_FLUSH: u32 = 50;

/// One encoded instruction.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Instr(pub u32);

impl Instr {
    #[inline]
    pub fn abc(op: Op, a: u32, b: u32, c: u32, k: bool) -> Instr {
        debug_assert!(a <= MAX_A && b <= MAX_B && c <= MAX_C);
        Instr(op as u32 | a << POS_A | (k as u32) << POS_K | b << POS_B | c << POS_C)
    }
    #[inline]
    pub fn abx(op: Op, a: u32, bx: u32) -> Instr {
        debug_assert!(a <= MAX_A && bx <= MAX_BX);
        Instr(op as u32 | a << POS_A | bx << POS_BX)
    }
    #[inline]
    pub fn asbx(op: Op, a: u32, sbx: i32) -> Instr {
        Instr::abx(op, a, (sbx + OFFSET_SBX) as u32)
    }
    #[inline]
    pub fn ax(op: Op, ax: u32) -> Instr {
        debug_assert!(ax <= MAX_AX);
        Instr(op as u32 | ax << POS_A)
    }
    #[inline]
    pub fn sj(op: Op, sj: i32) -> Instr {
        Instr(op as u32 | ((sj + OFFSET_SJ) as u32) << POS_A)
    }
    /// `self` with its opcode replaced by `op` (of the same format).
    pub fn with_op(self, op: Op) -> Instr {
        Instr(self.0 & !0x7f | op as u32)
    }

    /// `self` as compiled: an uncounted loop instruction back as the one it stands for.
    pub fn counted(self) -> Instr {
        self.with_op(self.op())
    }

    /// The opcode; instructions built by the compiler or checked by the loader always
    /// decode.
    #[inline]
    pub fn op(self) -> Op {
        DECODE[(self.0 & 0x7f) as usize]
    }
    #[inline]
    pub fn op_raw(self) -> u8 {
        (self.0 & 0x7f) as u8
    }
    #[inline]
    pub fn a(self) -> u32 {
        (self.0 >> POS_A) & MAX_A
    }
    #[inline]
    pub fn b(self) -> u32 {
        (self.0 >> POS_B) & MAX_B
    }
    #[inline]
    pub fn c(self) -> u32 {
        (self.0 >> POS_C) & MAX_C
    }
    #[inline]
    pub fn k(self) -> bool {
        (self.0 >> POS_K) & 1 != 0
    }
    #[inline]
    pub fn bx(self) -> u32 {
        self.0 >> POS_BX
    }
    #[inline]
    pub fn sbx(self) -> i32 {
        self.bx() as i32 - OFFSET_SBX
    }
    #[inline]
    pub fn ax_arg(self) -> u32 {
        self.0 >> POS_A
    }
    #[inline]
    pub fn sj_arg(self) -> i32 {
        (self.0 >> POS_A) as i32 - OFFSET_SJ
    }
    /// Signed B immediate.
    #[inline]
    pub fn sb(self) -> i32 {
        self.b() as i32 - OFFSET_SC
    }
    /// Signed C immediate.
    #[inline]
    pub fn sc(self) -> i32 {
        self.c() as i32 - OFFSET_SC
    }
    pub fn set_a(&mut self, a: u32) {
        self.0 = (self.0 & !(MAX_A << POS_A)) | a << POS_A;
    }
    pub fn set_b(&mut self, b: u32) {
        self.0 = (self.0 & !(MAX_B << POS_B)) | b << POS_B;
    }
    pub fn set_c(&mut self, c: u32) {
        self.0 = (self.0 & !(MAX_C << POS_C)) | c << POS_C;
    }
    pub fn set_k(&mut self, k: bool) {
        self.0 = (self.0 & !(1 << POS_K)) | (k as u32) << POS_K;
    }
    pub fn set_bx(&mut self, bx: u32) {
        self.0 = (self.0 & !(MAX_BX << POS_BX)) | bx << POS_BX;
    }
    pub fn set_sj(&mut self, sj: i32) {
        self.0 = (self.0 & 0x7f) | ((sj + OFFSET_SJ) as u32) << POS_A;
    }
}

impl std::fmt::Debug for Instr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = self.op();
        match op.format() {
            Format::ABC => write!(
                f,
                "{:<10} {} {} {}{}",
                op.name(),
                self.a(),
                self.b(),
                self.c(),
                if self.k() { "k" } else { "" }
            ),
            Format::ABx => write!(f, "{:<10} {} {}", op.name(), self.a(), self.bx()),
            Format::AsBx => write!(f, "{:<10} {} {}", op.name(), self.a(), self.sbx()),
            Format::Ax => write!(f, "{:<10} {}", op.name(), self.ax_arg()),
            Format::SJ => write!(f, "{:<10} {}", op.name(), self.sj_arg()),
        }
    }
}

/// A constant as the compiler produces it, before strings are interned in a heap.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
}

/// How a closure finds one of its upvalues when it is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpvalDesc {
    /// The upvalue's name (for debug info and error messages).
    pub name: Vec<u8>,
    /// True: it is register `index` of the enclosing function; false: it is upvalue
    /// `index` of the enclosing function.
    pub in_stack: bool,
    pub index: u8,
    /// 0 regular, 1 `<const>`, 2 `<close>`, 3 compile-time constant.
    pub kind: u8,
}

/// A local variable's name and the pc range where it is active (`start_pc..end_pc`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocVar {
    pub name: Vec<u8>,
    pub start_pc: u32,
    pub end_pc: u32,
}

/// A compiled function as the compiler produces it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FuncProto {
    /// Chunk name as given to `load` (`"@file.lua"`, `"=stdin"`, or the source itself).
    pub source: Vec<u8>,
    pub line_defined: u32,
    pub last_line_defined: u32,
    pub num_params: u8,
    pub is_vararg: bool,
    /// Registers the function needs (at least 2).
    pub max_stack: u8,
    pub code: Vec<Instr>,
    pub constants: Vec<Const>,
    pub upvalues: Vec<UpvalDesc>,
    pub protos: Vec<FuncProto>,
    /// Source line of each instruction (same length as `code`).
    pub line_info: Vec<u32>,
    pub locvars: Vec<LocVar>,
}
