//! `Value`: the 16-byte tagged representation of every Lua value.
//!
//! Layout contract (JIT code loads and stores values directly, so this never changes
//! silently): `#[repr(C)]`, 16 bytes, 8-byte aligned.
//!
//! | offset | size | field                                                               |
//! |--------|------|---------------------------------------------------------------------|
//! | 0      | 8    | payload: i64, f64 bits, bool (0/1), light userdata address or object pointer |
//! | 8      | 1    | tag, one of the `TAG_*` constants                                   |
//! | 9      | 7    | zero                                                                |
//!
//! Object pointers point at the object's `GcHeader` (the first field of every object).

use crate::function::{LuaClosure, NativeClosure};
use crate::gc::Gc;
use crate::string::LuaStr;
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::Userdata;

pub const TAG_NIL: u8 = 0;
pub const TAG_BOOL: u8 = 1;
pub const TAG_INT: u8 = 2;
pub const TAG_FLOAT: u8 = 3;
pub const TAG_LIGHTUD: u8 = 4;
pub const TAG_STRING: u8 = 5;
pub const TAG_TABLE: u8 = 6;
pub const TAG_LCLOSURE: u8 = 7;
pub const TAG_NCLOSURE: u8 = 8;
pub const TAG_USERDATA: u8 = 9;
pub const TAG_THREAD: u8 = 10;
/// A table key whose entry was removed and whose object was collected: never equal to
/// anything, never seen by Lua code.
pub const TAG_DEADKEY: u8 = 11;

/// A Lua value. See the module docs for the layout contract.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Value {
    payload: u64,
    tag: u8,
    pad: [u8; 7],
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);
const _: () = assert!(std::mem::align_of::<Value>() == 8);

/// The basic Lua types, as `type()` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LuaType {
    Nil,
    Boolean,
    LightUserdata,
    Number,
    String,
    Table,
    Function,
    Userdata,
    Thread,
}

impl LuaType {
    pub fn name(self) -> &'static str {
        match self {
            LuaType::Nil => "nil",
            LuaType::Boolean => "boolean",
            LuaType::LightUserdata | LuaType::Userdata => "userdata",
            LuaType::Number => "number",
            LuaType::String => "string",
            LuaType::Table => "table",
            LuaType::Function => "function",
            LuaType::Thread => "thread",
        }
    }
}

impl Value {
    pub const NIL: Value = Value::raw(0, TAG_NIL);
    pub const FALSE: Value = Value::raw(0, TAG_BOOL);
    pub const TRUE: Value = Value::raw(1, TAG_BOOL);

    #[inline(always)]
    pub const fn raw(payload: u64, tag: u8) -> Value {
        Value {
            payload,
            tag,
            pad: [0; 7],
        }
    }
    #[inline(always)]
    pub fn tag(self) -> u8 {
        self.tag
    }
    #[inline(always)]
    pub fn payload(self) -> u64 {
        self.payload
    }
    #[inline(always)]
    pub fn int(i: i64) -> Value {
        Value::raw(i as u64, TAG_INT)
    }
    #[inline(always)]
    pub fn float(f: f64) -> Value {
        Value::raw(f.to_bits(), TAG_FLOAT)
    }
    #[inline(always)]
    pub fn bool(b: bool) -> Value {
        Value::raw(b as u64, TAG_BOOL)
    }
    #[inline(always)]
    pub fn light_userdata(addr: usize) -> Value {
        Value::raw(addr as u64, TAG_LIGHTUD)
    }
    #[inline(always)]
    pub fn string(s: Gc<LuaStr>) -> Value {
        Value::raw(s.addr() as u64, TAG_STRING)
    }
    #[inline(always)]
    pub fn table(t: Gc<Table>) -> Value {
        Value::raw(t.addr() as u64, TAG_TABLE)
    }
    #[inline(always)]
    pub fn lclosure(c: Gc<LuaClosure>) -> Value {
        Value::raw(c.addr() as u64, TAG_LCLOSURE)
    }
    #[inline(always)]
    pub fn nclosure(c: Gc<NativeClosure>) -> Value {
        Value::raw(c.addr() as u64, TAG_NCLOSURE)
    }
    #[inline(always)]
    pub fn userdata(u: Gc<Userdata>) -> Value {
        Value::raw(u.addr() as u64, TAG_USERDATA)
    }
    #[inline(always)]
    pub fn thread(t: Gc<Thread>) -> Value {
        Value::raw(t.addr() as u64, TAG_THREAD)
    }

    #[inline(always)]
    pub fn is_nil(self) -> bool {
        self.tag == TAG_NIL
    }
    /// Lua truthiness: everything but nil and false.
    #[inline(always)]
    pub fn truthy(self) -> bool {
        !(self.tag == TAG_NIL || (self.tag == TAG_BOOL && self.payload == 0))
    }
    #[inline(always)]
    pub fn falsy(self) -> bool {
        !self.truthy()
    }
    #[inline(always)]
    pub fn is_int(self) -> bool {
        self.tag == TAG_INT
    }
    #[inline(always)]
    pub fn is_float(self) -> bool {
        self.tag == TAG_FLOAT
    }
    #[inline(always)]
    pub fn is_number(self) -> bool {
        self.tag == TAG_INT || self.tag == TAG_FLOAT
    }
    #[inline(always)]
    pub fn is_string(self) -> bool {
        self.tag == TAG_STRING
    }
    #[inline(always)]
    pub fn is_table(self) -> bool {
        self.tag == TAG_TABLE
    }
    #[inline(always)]
    pub fn is_function(self) -> bool {
        self.tag == TAG_LCLOSURE || self.tag == TAG_NCLOSURE
    }
    /// Whether the payload is a pointer to a heap object.
    #[inline(always)]
    pub fn is_collectable(self) -> bool {
        self.tag >= TAG_STRING && self.tag <= TAG_THREAD
    }

    /// The integer payload; meaningful only when `is_int()`.
    #[inline(always)]
    pub fn as_int_unchecked(self) -> i64 {
        self.payload as i64
    }
    /// The float payload; meaningful only when `is_float()`.
    #[inline(always)]
    pub fn as_float_unchecked(self) -> f64 {
        f64::from_bits(self.payload)
    }
    #[inline(always)]
    pub fn as_int(self) -> Option<i64> {
        if self.tag == TAG_INT {
            Some(self.payload as i64)
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_float(self) -> Option<f64> {
        if self.tag == TAG_FLOAT {
            Some(f64::from_bits(self.payload))
        } else {
            None
        }
    }
    /// The number as a float (integers converted); `None` for non-numbers.
    #[inline(always)]
    pub fn as_number_f64(self) -> Option<f64> {
        match self.tag {
            TAG_INT => Some(self.payload as i64 as f64),
            TAG_FLOAT => Some(f64::from_bits(self.payload)),
            _ => None,
        }
    }
    #[inline(always)]
    pub fn as_bool(self) -> Option<bool> {
        if self.tag == TAG_BOOL {
            Some(self.payload != 0)
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_string(self) -> Option<Gc<LuaStr>> {
        if self.tag == TAG_STRING {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_table(self) -> Option<Gc<Table>> {
        if self.tag == TAG_TABLE {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_lclosure(self) -> Option<Gc<LuaClosure>> {
        if self.tag == TAG_LCLOSURE {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_nclosure(self) -> Option<Gc<NativeClosure>> {
        if self.tag == TAG_NCLOSURE {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_userdata(self) -> Option<Gc<Userdata>> {
        if self.tag == TAG_USERDATA {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_thread(self) -> Option<Gc<Thread>> {
        if self.tag == TAG_THREAD {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }

    pub fn type_of(self) -> LuaType {
        match self.tag {
            TAG_NIL => LuaType::Nil,
            TAG_BOOL => LuaType::Boolean,
            TAG_INT | TAG_FLOAT => LuaType::Number,
            TAG_LIGHTUD => LuaType::LightUserdata,
            TAG_STRING => LuaType::String,
            TAG_TABLE => LuaType::Table,
            TAG_LCLOSURE | TAG_NCLOSURE => LuaType::Function,
            TAG_USERDATA => LuaType::Userdata,
            TAG_THREAD => LuaType::Thread,
            _ => LuaType::Nil,
        }
    }
    pub fn type_name(self) -> &'static str {
        self.type_of().name()
    }

    /// Raw equality (`rawequal`): no metamethods; integers and floats compare by value.
    #[inline]
    pub fn raw_eq(self, other: Value) -> bool {
        if self.tag == other.tag {
            match self.tag {
                TAG_FLOAT => self.as_float_unchecked() == other.as_float_unchecked(),
                TAG_STRING => {
                    self.payload == other.payload
                        || LuaStr::eq_contents(
                            Gc::from_addr(self.payload as usize),
                            Gc::from_addr(other.payload as usize),
                        )
                }
                _ => self.payload == other.payload,
            }
        } else {
            match (self.tag, other.tag) {
                (TAG_INT, TAG_FLOAT) => {
                    int_eq_float(self.payload as i64, other.as_float_unchecked())
                }
                (TAG_FLOAT, TAG_INT) => {
                    int_eq_float(other.payload as i64, self.as_float_unchecked())
                }
                _ => false,
            }
        }
    }

    /// Identity of the payload for objects (pointer) — used for table keys and `%p`.
    #[inline(always)]
    pub fn object_addr(self) -> usize {
        self.payload as usize
    }
}

/// Exact comparison of an integer with a float (no rounding of the integer).
#[inline]
pub fn int_eq_float(i: i64, f: f64) -> bool {
    match float_to_int_exact(f) {
        Some(fi) => fi == i,
        None => false,
    }
}

/// The float as an integer if it has an exact integer value in range.
#[inline]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    // -2^63 <= f < 2^63 and integral
    if (-9223372036854775808.0..9223372036854775808.0).contains(&f) && f.floor() == f {
        Some(f as i64)
    } else {
        None
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.tag {
            TAG_NIL => write!(f, "nil"),
            TAG_BOOL => write!(f, "{}", self.payload != 0),
            TAG_INT => write!(f, "{}", self.payload as i64),
            TAG_FLOAT => write!(f, "{:?}", self.as_float_unchecked()),
            TAG_STRING => write!(
                f,
                "{:?}",
                String::from_utf8_lossy(self.as_string().unwrap().as_bytes())
            ),
            _ => write!(f, "{}: {:#x}", self.type_name(), self.payload),
        }
    }
}
