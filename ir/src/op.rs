//! The table of IR operations: one line per op gives its name, its mode and the kinds of
//! its two operands. Everything else about an op (printing, which passes may touch it,
//! which operands are refs) is read from this table.

/// What an op does, for the passes: whether it may be removed, merged or moved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Pure: depends only on its operands. Folded, CSE'd, removed when unused.
    Pure,
    /// A guard: leaves the trace through the current snapshot when its check fails.
    /// CSE'd (the same check twice is one check), never removed.
    Guard,
    /// A load from memory a store may change: CSE'd only by load forwarding, which
    /// knows the stores in between; removed when unused.
    Load,
    /// A load that also guards (the type of the loaded value).
    LoadGuard,
    /// A store or a call with effects: stays where it is.
    Store,
    /// Control: the loop marker and no-ops.
    Control,
}

/// What an operand field holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operand {
    /// Unused (zero).
    None,
    /// A reference to an instruction or a constant.
    Ref,
    /// A literal number whose meaning the op gives (a stack slot, a field, a function).
    Lit,
}

macro_rules! ops {
    ($($name:ident $mode:ident $a:ident $b:ident $doc:literal;)*) => {
        /// An IR operation (see the table in `op.rs`).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        #[repr(u8)]
        pub enum Op {
            $(#[doc = $doc] $name,)*
        }

        impl Op {
            /// Every op, in table order.
            pub const ALL: &'static [Op] = &[$(Op::$name,)*];

            /// The op's name as the printer shows it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Op::$name => stringify!($name),)*
                }
            }

            pub fn mode(self) -> Mode {
                match self {
                    $(Op::$name => Mode::$mode,)*
                }
            }

            /// The kinds of the two operands.
            pub fn operands(self) -> (Operand, Operand) {
                match self {
                    $(Op::$name => (Operand::$a, Operand::$b),)*
                }
            }
        }
    };
}

ops! {
    // Control.
    Nop      Control None None "Nothing: a removed instruction.";
    Loop     Control None None "The loop marker: what follows is the loop body.";
    Phi      Pure    Ref  Ref  "A loop-carried value: `a` on entry, `b` after an iteration.";
    // Guards. Comparisons compare two integers, two floats, or (Eq, Ne) any two values
    // of one type by identity.
    Lt       Guard   Ref  Ref  "Guard `a < b`.";
    Ge       Guard   Ref  Ref  "Guard `a >= b`.";
    Le       Guard   Ref  Ref  "Guard `a <= b`.";
    Gt       Guard   Ref  Ref  "Guard `a > b`.";
    Eq       Guard   Ref  Ref  "Guard `a == b`.";
    Ne       Guard   Ref  Ref  "Guard `a ~= b`.";
    // Arithmetic on integers (wrapping, as Lua 5.4's) or floats, by the result type.
    Add      Pure    Ref  Ref  "`a + b`.";
    Sub      Pure    Ref  Ref  "`a - b`.";
    Mul      Pure    Ref  Ref  "`a * b`.";
    Div      Pure    Ref  Ref  "`a / b` on floats.";
    IDiv     Pure    Ref  Ref  "Floor division `a // b` (an integer `b` is known nonzero).";
    Mod      Pure    Ref  Ref  "Lua's modulo: the sign of `b` (an integer `b` is known nonzero).";
    Pow      Pure    Ref  Ref  "`a ^ b` on floats.";
    Neg      Pure    Ref  None "`-a`.";
    Min      Pure    Ref  Ref  "The smaller of `a` and `b` (`math.min`'s choice for floats).";
    Max      Pure    Ref  Ref  "The larger of `a` and `b`.";
    Math     Pure    Ref  Lit  "The `math` function `b` (a `MathFn`) of float `a`.";
    // Bitwise operators, on integers.
    BAnd     Pure    Ref  Ref  "`a & b`.";
    BOr      Pure    Ref  Ref  "`a | b`.";
    BXor     Pure    Ref  Ref  "`a ~ b`.";
    BShl     Pure    Ref  Ref  "`a << b` (Lua's: shifts of 64 or more give 0, negative shift right).";
    BShr     Pure    Ref  Ref  "`a >> b` (logical, Lua's).";
    BNot     Pure    Ref  None "`~a`.";
    // Conversions.
    ToNum    Pure    Ref  None "Integer `a` as a float.";
    ToInt    Guard   Ref  None "Float `a` as an integer, guarding that it has an exact one.";
    // Memory. Loads of Lua values guard the type the instruction carries.
    SLoad    LoadGuard Lit Lit "Stack slot `a` of the trace's base frame; `b`: flags from `sload`.";
    BaseFn   Load    None None "The base frame's function (the slot below its first register).";
    ULoad    LoadGuard Ref None "The value of upvalue object `a`.";
    UStore   Store   Ref  Ref  "Upvalue object `a` := `b`.";
    UpvalOf  Pure    Ref  Lit  "Upvalue object `b` of Lua closure `a` (a closure's upvalue objects never change).";
    UOuter   Guard   Ref  None "Guard that upvalue object `a` is closed or open below the trace's base frame (not one of the trace's registers).";
    UAlias   Guard   Ref  Lit  "Guard that upvalue object `a` is open at stack slot `b` of the trace's base frame.";
    FLoad    Load    Ref  Lit  "Field `b` (a `Field`) of object `a`.";
    ARef     Pure    Ref  Ref  "Address of element `b` (an integer from 1) of the array part at address `a`.";
    HRefK    Guard   Ref  Ref  "Address of the value of the node slot `b` (a slot constant) of the nodes at `a`, guarding that it holds its key.";
    ALoad    LoadGuard Ref None "The value at array address `a`.";
    HLoad    LoadGuard Ref None "The value at node address `a`.";
    NotNil   Guard   Ref  None "Guard that the value at address `a` is not nil (so a store there needs no `__newindex`).";
    AStore   Store   Ref  Ref  "Array address `a` := `b`.";
    HStore   Store   Ref  Ref  "Node address `a` := `b`.";
    SByte    Pure    Ref  Ref  "Byte `b` (an integer from 1, known in range) of string `a`, as an integer.";
    SSub     Pure    Ref  Ref  "`string.sub` of string `a` from and to the integers of `Pair` `b` (a helper: it allocates).";
    Cat      Pure    Ref  Ref  "`a .. b` of two strings or numbers (a helper: it allocates).";
    GcCheck  Guard   None None "Guard that no collection is due (a trace that allocates checks once an iteration).";
    TRef     Load    Ref  Ref  "Address of the value of key `b` (an integer or a string) in table `a`, in either part, or of a nil value if it has none (a helper looks it up).";
    TNext    Load    Ref  Ref  "The traversal position (array slots first, then nodes) of the entry after key `b` in table `a`; -1 past the last, -2 for a key not in it (a helper).";
    NRef     Pure    Ref  Ref  "Address of the value of node `b` (from 0) of the nodes at `a`.";
    NKey     LoadGuard Ref None "The key of the node whose value is at address `a`.";
    TLen     Load    Ref  None "The border of table `a` (its `#` without `__len`, a helper's).";
    Pair     Pure    Ref  Ref  "The pair of `a` and `b`: the second operand of `TSet` (key, value) and `SSub` (first, last).";
    TSet     Store   Ref  Ref  "Table `a`'s key := value, of `Pair` `b`, as a raw store (a helper: it may add the key and resize the table, and takes the write barrier).";
    TNew     Store   Lit  Lit  "A new table with room for `a` array elements and `b` nodes (a helper: it allocates).";
    SetMeta  Store   Ref  Ref  "Table `a`'s metatable := table `b` (a helper: it takes the write barrier and marks `a` for finalization if `b` has `__gc`).";
}

/// The `math` functions `Op::Math` computes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum MathFn {
    Floor,
    Ceil,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Tan,
    Exp,
    Log,
}

impl MathFn {
    pub const ALL: &'static [MathFn] = &[
        MathFn::Floor,
        MathFn::Ceil,
        MathFn::Sqrt,
        MathFn::Abs,
        MathFn::Sin,
        MathFn::Cos,
        MathFn::Tan,
        MathFn::Exp,
        MathFn::Log,
    ];

    pub fn from_lit(n: u32) -> Option<MathFn> {
        Self::ALL.get(n as usize).copied()
    }

    pub fn name(self) -> &'static str {
        match self {
            MathFn::Floor => "floor",
            MathFn::Ceil => "ceil",
            MathFn::Sqrt => "sqrt",
            MathFn::Abs => "abs",
            MathFn::Sin => "sin",
            MathFn::Cos => "cos",
            MathFn::Tan => "tan",
            MathFn::Exp => "exp",
            MathFn::Log => "log",
        }
    }

    /// The function's value at `x`, as Lua's `math` library computes it.
    pub fn eval(self, x: f64) -> f64 {
        match self {
            MathFn::Floor => x.floor(),
            MathFn::Ceil => x.ceil(),
            MathFn::Sqrt => x.sqrt(),
            MathFn::Abs => x.abs(),
            MathFn::Sin => x.sin(),
            MathFn::Cos => x.cos(),
            MathFn::Tan => x.tan(),
            MathFn::Exp => x.exp(),
            MathFn::Log => x.ln(),
        }
    }
}

/// Fixed fields of runtime objects that `Op::FLoad` reads.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u32)]
pub enum Field {
    /// The address of a table's array part.
    TabArray,
    /// The length of a table's array part.
    TabAsize,
    /// The address of a table's node slots.
    TabNodes,
    /// The number of a table's node slots.
    TabHsize,
    /// A table's metatable, 0 for none.
    TabMeta,
    /// A string's length in bytes.
    StrLen,
    /// A Lua closure's prototype.
    FnProto,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::TabArray,
        Field::TabAsize,
        Field::TabNodes,
        Field::TabHsize,
        Field::TabMeta,
        Field::StrLen,
        Field::FnProto,
    ];

    pub fn from_lit(n: u32) -> Option<Field> {
        Self::ALL.get(n as usize).copied()
    }

    /// The type of the field's value.
    pub fn ty(self) -> crate::Ty {
        match self {
            Field::TabArray | Field::TabNodes | Field::FnProto => crate::Ty::Ptr,
            _ => crate::Ty::Int,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::TabArray => "tab.array",
            Field::TabAsize => "tab.asize",
            Field::TabNodes => "tab.nodes",
            Field::TabHsize => "tab.hsize",
            Field::TabMeta => "tab.meta",
            Field::StrLen => "str.len",
            Field::FnProto => "fn.proto",
        }
    }
}

/// `SLoad` flags.
pub mod sload {
    /// Guard the slot's type (without it the type is known).
    pub const TYPECHECK: u32 = 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, op) in Op::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i, "{} out of order", op.name());
            let (a, b) = op.operands();
            if a == Operand::None {
                assert_eq!(b, Operand::None, "{}: b without a", op.name());
            }
        }
        for (i, f) in MathFn::ALL.iter().enumerate() {
            assert_eq!(MathFn::from_lit(i as u32), Some(*f));
        }
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(Field::from_lit(i as u32), Some(*f));
        }
    }
}
