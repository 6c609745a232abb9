//! Function prototypes, closures and upvalues.

use crate::gc::{Gc, GcHeader, GcObject, GcTail, ObjKind};
use crate::state::NativeFn;
use crate::value::Value;
use std::cell::Cell;
use std::rc::Rc;

pub use crate::upval::UpVal;

/// Debug name and scope of a local variable (`start_pc..end_pc`).
pub struct LocVarInfo {
    pub name: Box<[u8]>,
    pub start_pc: u32,
    pub end_pc: u32,
}

/// How a closure captures an upvalue, plus its debug name.
pub struct UpvalInfo {
    pub name: Box<[u8]>,
    pub in_stack: bool,
    pub index: u8,
    pub kind: u8,
}

/// A function's encoded instructions (see interp's `bytecode` module). They are fixed
/// but for one rewrite: a JIT that gives up on a loop turns its back-edge into the
/// variant that does not count iterations (`patch`), as LuaJIT does, so the words are
/// cells.
pub struct Code(Box<[Cell<u32>]>);

impl Code {
    pub fn new(words: Box<[u32]>) -> Code {
        Code(words.into_vec().into_iter().map(Cell::new).collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The instruction at `pc`; panics past the end.
    #[inline]
    pub fn at(&self, pc: usize) -> u32 {
        self.0[pc].get()
    }

    pub fn get(&self, pc: usize) -> Option<u32> {
        self.0.get(pc).map(Cell::get)
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().map(Cell::get)
    }

    /// The address of the first instruction: the words are `u32`s in a row
    /// (`Cell<u32>` has `u32`'s layout), which the interpreter reads through a pointer.
    pub fn as_ptr(&self) -> *const u32 {
        self.0.as_ptr() as *const u32
    }

    /// Replaces the instruction at `pc` by one that does what it does.
    pub fn patch(&self, pc: usize, word: u32) {
        self.0[pc].set(word);
    }
}

/// A compiled function, immutable but for its `Code`'s one rewrite.
#[repr(C)]
pub struct Proto {
    hdr: GcHeader,
    pub code: Code,
    pub constants: Box<[Value]>,
    pub protos: Box<[Gc<Proto>]>,
    pub upvals: Box<[UpvalInfo]>,
    pub num_params: u8,
    pub is_vararg: bool,
    pub max_stack: u8,
    pub line_info: Box<[u32]>,
    pub locvars: Box<[LocVarInfo]>,
    /// The chunk name given to `load`, shared by all functions of a chunk.
    pub source: Rc<[u8]>,
    pub line_defined: u32,
    pub last_line_defined: u32,
    /// Closures made of it so far: 0, 1, or 2 for more (what a JIT may specialize on).
    closures: Cell<u8>,
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for Proto {
    const KIND: ObjKind = ObjKind::Proto;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.code.len() * 4
            + self.constants.len() * 16
            + self.line_info.len() * 4
    }
}

/// The fields of a prototype, to build one.
pub struct ProtoParts {
    pub code: Box<[u32]>,
    pub constants: Box<[Value]>,
    pub protos: Box<[Gc<Proto>]>,
    pub upvals: Box<[UpvalInfo]>,
    pub num_params: u8,
    pub is_vararg: bool,
    pub max_stack: u8,
    pub line_info: Box<[u32]>,
    pub locvars: Box<[LocVarInfo]>,
    pub source: Rc<[u8]>,
    pub line_defined: u32,
    pub last_line_defined: u32,
}

impl Proto {
    pub fn new(p: ProtoParts) -> Proto {
        Proto {
            hdr: GcHeader::new(ObjKind::Proto),
            code: Code::new(p.code),
            constants: p.constants,
            protos: p.protos,
            upvals: p.upvals,
            num_params: p.num_params,
            is_vararg: p.is_vararg,
            max_stack: p.max_stack,
            line_info: p.line_info,
            locvars: p.locvars,
            source: p.source,
            line_defined: p.line_defined,
            last_line_defined: p.last_line_defined,
            closures: Cell::new(0),
        }
    }

    /// Whether more than one closure of this function was made: a JIT then does not
    /// take the one it sees as the only one.
    pub fn many_closures(&self) -> bool {
        self.closures.get() > 1
    }

    /// Name of the `n`-th (1-based) local active at `pc`, as PUC's luaF_getlocalname.
    pub fn local_name(&self, mut n: usize, pc: usize) -> Option<&[u8]> {
        if n == 0 {
            return None;
        }
        for lv in self.locvars.iter() {
            if lv.start_pc as usize > pc {
                break;
            }
            if pc < lv.end_pc as usize {
                n -= 1;
                if n == 0 {
                    return Some(&lv.name);
                }
            }
        }
        None
    }
}

/// A Lua function: a prototype, then its upvalues in the same allocation (allocated
/// with `Heap::alloc_tail`).
#[repr(C)]
pub struct LuaClosure {
    hdr: GcHeader,
    pub proto: Gc<Proto>,
    nupvals: usize,
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for LuaClosure {
    const KIND: ObjKind = ObjKind::LuaClosure;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.nupvals * 8
    }
}

// SAFETY: `nupvals` is set at allocation and never changes; nothing to drop.
unsafe impl GcTail for LuaClosure {
    type Item = Gc<UpVal>;
    fn tail_len(&self) -> usize {
        self.nupvals
    }
}

impl LuaClosure {
    /// Byte offset of the prototype, for JIT code.
    pub fn proto_offset() -> i32 {
        std::mem::offset_of!(LuaClosure, proto) as i32
    }

    /// The fixed part of a closure with `nupvals` upvalues.
    pub fn new(proto: Gc<Proto>, nupvals: usize) -> LuaClosure {
        let made = &proto.closures;
        made.set(made.get().saturating_add(1).min(2));
        LuaClosure {
            hdr: GcHeader::new(ObjKind::LuaClosure),
            proto,
            nupvals,
        }
    }
}

impl Gc<LuaClosure> {
    #[inline(always)]
    pub fn upvals<'a>(self) -> &'a [Gc<UpVal>] {
        self.tail()
    }
}

/// Native functions the interpreter treats specially (so that they can yield).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NativeKind {
    Plain,
    Pcall,
    Xpcall,
}

/// A function written in Rust, with optional upvalues.
#[repr(C)]
pub struct NativeClosure {
    hdr: GcHeader,
    pub f: NativeFn,
    pub kind: NativeKind,
    /// Name used in messages when the call site gives none.
    pub name: &'static str,
    pub upvals: Box<[Value]>,
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for NativeClosure {
    const KIND: ObjKind = ObjKind::NativeClosure;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.upvals.len() * 16
    }
}

impl NativeClosure {
    pub fn new(f: NativeFn, name: &'static str, upvals: Box<[Value]>) -> NativeClosure {
        NativeClosure {
            hdr: GcHeader::new(ObjKind::NativeClosure),
            f,
            kind: NativeKind::Plain,
            name,
            upvals,
        }
    }
}
