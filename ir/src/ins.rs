//! Types, typed references and instructions.

use crate::op::Op;
use ferrous_runtime::value::*;
use ferrous_runtime::Value;

/// The type of an IR value. The Lua types follow the runtime's value tags; the rest
/// are the machine-level types of addresses and effects.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[repr(u8)]
pub enum Ty {
    Nil,
    False,
    True,
    /// A 64-bit integer.
    Int,
    /// A 64-bit float.
    Num,
    Str,
    Tab,
    /// A Lua closure.
    Func,
    /// A native function.
    NFunc,
    UData,
    Thread,
    LightUd,
    /// An address that is not a Lua value (an array slot, a node).
    Ptr,
    /// No value: guards, stores, markers.
    Void,
}

impl Ty {
    const ALL: [Ty; 14] = [
        Ty::Nil,
        Ty::False,
        Ty::True,
        Ty::Int,
        Ty::Num,
        Ty::Str,
        Ty::Tab,
        Ty::Func,
        Ty::NFunc,
        Ty::UData,
        Ty::Thread,
        Ty::LightUd,
        Ty::Ptr,
        Ty::Void,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Ty::Nil => "nil",
            Ty::False => "fal",
            Ty::True => "tru",
            Ty::Int => "int",
            Ty::Num => "num",
            Ty::Str => "str",
            Ty::Tab => "tab",
            Ty::Func => "fun",
            Ty::NFunc => "nfn",
            Ty::UData => "udt",
            Ty::Thread => "thr",
            Ty::LightUd => "lud",
            Ty::Ptr => "ptr",
            Ty::Void => "   ",
        }
    }

    /// Whether values of this type are numbers.
    pub fn is_number(self) -> bool {
        matches!(self, Ty::Int | Ty::Num)
    }

    /// The type of a live value (booleans by value), if it is a Lua value's.
    pub fn of(v: Value) -> Option<Ty> {
        Some(match v.tag() {
            TAG_NIL => Ty::Nil,
            TAG_BOOL if v.truthy() => Ty::True,
            TAG_BOOL => Ty::False,
            TAG_INT => Ty::Int,
            TAG_FLOAT => Ty::Num,
            TAG_STRING => Ty::Str,
            TAG_TABLE => Ty::Tab,
            TAG_LCLOSURE => Ty::Func,
            TAG_NCLOSURE => Ty::NFunc,
            TAG_USERDATA => Ty::UData,
            TAG_THREAD => Ty::Thread,
            TAG_LIGHTUD => Ty::LightUd,
            _ => return None,
        })
    }

    /// The runtime's value tag of this type (nil for the machine-level types).
    pub fn tag(self) -> u8 {
        match self {
            Ty::Nil | Ty::Ptr | Ty::Void => TAG_NIL,
            Ty::False | Ty::True => TAG_BOOL,
            Ty::Int => TAG_INT,
            Ty::Num => TAG_FLOAT,
            Ty::Str => TAG_STRING,
            Ty::Tab => TAG_TABLE,
            Ty::Func => TAG_LCLOSURE,
            Ty::NFunc => TAG_NCLOSURE,
            Ty::UData => TAG_USERDATA,
            Ty::Thread => TAG_THREAD,
            Ty::LightUd => TAG_LIGHTUD,
        }
    }
}

/// A typed reference to an instruction or to a constant: the index in the low 23 bits,
/// a constant flag in bit 23, the type in the high byte. Instructions and constants are
/// numbered separately from 0; `Ref::NONE` fills unused operands.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ref(u32);

impl Ref {
    const INDEX: u32 = (1 << 23) - 1;
    const KBIT: u32 = 1 << 23;
    /// The largest index of an instruction or a constant.
    pub const MAX_INDEX: usize = Self::INDEX as usize - 1;
    pub const NONE: Ref = Ref(Self::INDEX | (Ty::Void as u32) << 24);

    pub fn ins(index: usize, ty: Ty) -> Ref {
        debug_assert!(index <= Self::MAX_INDEX);
        Ref(index as u32 | (ty as u32) << 24)
    }

    pub fn konst(index: usize, ty: Ty) -> Ref {
        debug_assert!(index <= Self::MAX_INDEX);
        Ref(index as u32 | Self::KBIT | (ty as u32) << 24)
    }

    pub fn index(self) -> usize {
        (self.0 & Self::INDEX) as usize
    }

    pub fn is_const(self) -> bool {
        self.0 & Self::KBIT != 0 && self != Ref::NONE
    }

    pub fn is_none(self) -> bool {
        self == Ref::NONE
    }

    pub fn ty(self) -> Ty {
        Ty::ALL[(self.0 >> 24) as usize]
    }

    /// The operand word of an instruction.
    pub fn raw(self) -> u32 {
        self.0
    }

    pub fn from_raw(raw: u32) -> Ref {
        Ref(raw)
    }
}

impl std::fmt::Debug for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        if self.is_none() {
            write!(f, "none")
        } else if self.is_const() {
            write!(f, "K{}:{}", self.index(), self.ty().name())
        } else {
            write!(f, "{:04}:{}", self.index(), self.ty().name())
        }
    }
}

/// One instruction: an op, its result type and two operand words (refs or literals, as
/// the op table says), and the previous instruction with the same op, which CSE and load
/// forwarding search.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Ins {
    pub op: Op,
    pub ty: Ty,
    pub a: u32,
    pub b: u32,
    /// Index of the previous instruction with this op, or `NO_PREV`.
    pub prev: u32,
    /// A loop-carried value (a PHI's first operand): in the loop body this ref names
    /// the value of the previous iteration, so folding must not look at how the
    /// pre-roll computed it.
    pub carried: bool,
}

pub const NO_PREV: u32 = u32::MAX;

impl Ins {
    pub fn new(op: Op, ty: Ty, a: u32, b: u32) -> Ins {
        Ins {
            op,
            ty,
            a,
            b,
            prev: NO_PREV,
            carried: false,
        }
    }

    pub fn ra(&self) -> Ref {
        Ref::from_raw(self.a)
    }

    pub fn rb(&self) -> Ref {
        Ref::from_raw(self.b)
    }

    /// Whether the instruction checks something and exits when the check fails. Loads
    /// guard the type of what they load, but for stack slots whose type is known.
    pub fn is_guard(&self) -> bool {
        use crate::op::Mode;
        match self.op.mode() {
            Mode::Guard => true,
            Mode::LoadGuard => self.op != Op::SLoad || self.b & crate::op::sload::TYPECHECK != 0,
            _ => false,
        }
    }

    /// The operands that are references, in order.
    pub fn refs(&self) -> impl Iterator<Item = Ref> {
        use crate::op::Operand;
        let (ka, kb) = self.op.operands();
        let a = (ka == Operand::Ref).then(|| self.ra());
        let b = (kb == Operand::Ref).then(|| self.rb());
        a.into_iter().chain(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_keep_index_kind_and_type() {
        let r = Ref::ins(1234, Ty::Num);
        assert_eq!((r.index(), r.is_const(), r.ty()), (1234, false, Ty::Num));
        let k = Ref::konst(Ref::MAX_INDEX, Ty::Str);
        assert_eq!(
            (k.index(), k.is_const(), k.ty()),
            (Ref::MAX_INDEX, true, Ty::Str)
        );
        assert!(Ref::NONE.is_none() && !Ref::NONE.is_const());
        for (i, t) in Ty::ALL.iter().enumerate() {
            assert_eq!(*t as usize, i);
        }
    }
}
