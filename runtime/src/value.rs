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
//! Offsets 8..16 are held as one `u64` (the tag, zero-extended; Ferrous targets
//! little-endian machines), so making a value is two 8-byte stores.
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
    tag: u64,
}

#[cfg(target_endian = "big")]
compile_error!("Value's layout contract assumes a little-endian target");

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
    /// Every type, in declaration order (`t as usize` indexes it).
    pub const ALL: [LuaType; 9] = [
        LuaType::Nil,
        LuaType::Boolean,
        LuaType::LightUserdata,
        LuaType::Number,
        LuaType::String,
        LuaType::Table,
        LuaType::Function,
        LuaType::Userdata,
        LuaType::Thread,
    ];

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
            tag: tag as u64,
        }
    }
    #[inline(always)]
    pub fn tag(self) -> u8 {
        self.tag as u8
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
        self.tag() == TAG_NIL
    }
    /// Lua truthiness: everything but nil and false.
    #[inline(always)]
    pub fn truthy(self) -> bool {
        !(self.tag() == TAG_NIL || (self.tag() == TAG_BOOL && self.payload == 0))
    }
    #[inline(always)]
    pub fn falsy(self) -> bool {
        !self.truthy()
    }
    #[inline(always)]
    pub fn is_int(self) -> bool {
        self.tag() == TAG_INT
    }
    #[inline(always)]
    pub fn is_float(self) -> bool {
        self.tag() == TAG_FLOAT
    }
    #[inline(always)]
    pub fn is_number(self) -> bool {
        self.tag().wrapping_sub(TAG_INT) < 2
    }
    #[inline(always)]
    pub fn is_string(self) -> bool {
        self.tag() == TAG_STRING
    }
    #[inline(always)]
    pub fn is_table(self) -> bool {
        self.tag() == TAG_TABLE
    }
    #[inline(always)]
    pub fn is_function(self) -> bool {
        self.tag() == TAG_LCLOSURE || self.tag() == TAG_NCLOSURE
    }
    /// Whether the payload is a pointer to a heap object.
    #[inline(always)]
    pub fn is_collectable(self) -> bool {
        self.tag() >= TAG_STRING && self.tag() <= TAG_THREAD
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
        if self.tag() == TAG_INT {
            Some(self.payload as i64)
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_float(self) -> Option<f64> {
        if self.tag() == TAG_FLOAT {
            Some(f64::from_bits(self.payload))
        } else {
            None
        }
    }
    /// The number as a float (integers converted); `None` for non-numbers.
    #[inline(always)]
    pub fn as_number_f64(self) -> Option<f64> {
        match self.tag() {
            TAG_INT => Some(self.payload as i64 as f64),
            TAG_FLOAT => Some(f64::from_bits(self.payload)),
            _ => None,
        }
    }
    #[inline(always)]
    pub fn as_bool(self) -> Option<bool> {
        if self.tag() == TAG_BOOL {
            Some(self.payload != 0)
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_string(self) -> Option<Gc<LuaStr>> {
        if self.tag() == TAG_STRING {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_table(self) -> Option<Gc<Table>> {
        if self.tag() == TAG_TABLE {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_lclosure(self) -> Option<Gc<LuaClosure>> {
        if self.tag() == TAG_LCLOSURE {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_nclosure(self) -> Option<Gc<NativeClosure>> {
        if self.tag() == TAG_NCLOSURE {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_userdata(self) -> Option<Gc<Userdata>> {
        if self.tag() == TAG_USERDATA {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }
    #[inline(always)]
    pub fn as_thread(self) -> Option<Gc<Thread>> {
        if self.tag() == TAG_THREAD {
            Some(Gc::from_addr(self.payload as usize))
        } else {
            None
        }
    }

    pub fn type_of(self) -> LuaType {
        match self.tag() {
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
        if self.tag() == other.tag() {
            match self.tag() {
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
            match (self.tag(), other.tag()) {
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
        match self.tag() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::Heap;
    use crate::table::Table;
    use crate::thread::Thread;

    /// The 16 bytes of a value, as JIT code sees them in memory.
    fn bytes_of(v: Value) -> [u8; 16] {
        // SAFETY: `Value` is `#[repr(C)]`, 16 bytes, with no padding bytes left
        // uninitialised (the tag is a zero-extended u64 field), so every byte
        // is initialised and any value may be viewed as `[u8; 16]`.
        unsafe { std::mem::transmute::<Value, [u8; 16]>(v) }
    }

    fn check_layout(v: Value, payload: u64, tag: u8) {
        let b = bytes_of(v);
        assert_eq!(&b[0..8], &payload.to_ne_bytes(), "payload bytes of {v:?}");
        assert_eq!(b[8], tag, "tag byte of {v:?}");
        assert_eq!(&b[9..16], &[0u8; 7], "padding of {v:?}");
    }

    #[test]
    fn optional_handles_are_one_word() {
        // Value's own size and alignment are asserted at compile time.
        assert_eq!(std::mem::size_of::<Option<Gc<Table>>>(), 8);
    }

    #[test]
    fn field_offsets() {
        assert_eq!(std::mem::offset_of!(Value, payload), 0);
        assert_eq!(std::mem::offset_of!(Value, tag), 8);
    }

    #[test]
    fn tag_numbers_are_the_documented_contract() {
        let tags = [
            TAG_NIL,
            TAG_BOOL,
            TAG_INT,
            TAG_FLOAT,
            TAG_LIGHTUD,
            TAG_STRING,
            TAG_TABLE,
            TAG_LCLOSURE,
            TAG_NCLOSURE,
            TAG_USERDATA,
            TAG_THREAD,
            TAG_DEADKEY,
        ];
        assert_eq!(tags, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }

    #[test]
    fn scalar_byte_layout() {
        check_layout(Value::NIL, 0, TAG_NIL);
        check_layout(Value::FALSE, 0, TAG_BOOL);
        check_layout(Value::TRUE, 1, TAG_BOOL);
        check_layout(Value::bool(true), 1, TAG_BOOL);
        check_layout(Value::bool(false), 0, TAG_BOOL);
        for i in [0i64, 1, -1, 42, i64::MIN, i64::MAX] {
            check_layout(Value::int(i), i as u64, TAG_INT);
        }
        for f in [
            0.0f64,
            -0.0,
            1.5,
            -2.25,
            f64::INFINITY,
            f64::MIN_POSITIVE,
            f64::NAN,
        ] {
            check_layout(Value::float(f), f.to_bits(), TAG_FLOAT);
        }
        check_layout(Value::light_userdata(0xdead_beef), 0xdead_beef, TAG_LIGHTUD);
    }

    #[test]
    fn object_byte_layout_points_at_header() {
        let mut heap = Heap::new();
        let s = heap.intern(b"layout");
        let t = heap.alloc(Table::new(0, 0));
        let th = heap.alloc(Thread::new());
        let cases = [
            (
                Value::string(s),
                s.addr(),
                TAG_STRING,
                crate::gc::ObjKind::String,
            ),
            (
                Value::table(t),
                t.addr(),
                TAG_TABLE,
                crate::gc::ObjKind::Table,
            ),
            (
                Value::thread(th),
                th.addr(),
                TAG_THREAD,
                crate::gc::ObjKind::Thread,
            ),
        ];
        for (v, addr, tag, kind) in cases {
            check_layout(v, addr as u64, tag);
            assert_eq!(v.object_addr(), addr);
            assert!(v.is_collectable());
            // The payload points at the object's GcHeader (its first field).
            assert_eq!(crate::gc::header_of(v).kind(), kind);
        }
    }

    #[test]
    fn raw_constructor_round_trips() {
        let v = Value::raw(0x1234_5678_9abc_def0, TAG_INT);
        assert_eq!(v.payload(), 0x1234_5678_9abc_def0);
        assert_eq!(v.tag(), TAG_INT);
        assert_eq!(v.as_int(), Some(0x1234_5678_9abc_def0));
        let b = bytes_of(v);
        // Rebuilding from the bytes gives the same value (JIT stores).
        let payload = u64::from_ne_bytes(b[0..8].try_into().unwrap());
        assert!(Value::raw(payload, b[8]).raw_eq(v));
    }

    #[test]
    fn truthiness() {
        assert!(!Value::NIL.truthy());
        assert!(!Value::FALSE.truthy());
        assert!(Value::NIL.falsy() && Value::FALSE.falsy());
        assert!(Value::TRUE.truthy());
        assert!(Value::int(0).truthy());
        assert!(Value::float(0.0).truthy());
        assert!(Value::float(f64::NAN).truthy());
        assert!(Value::light_userdata(0).truthy());
        let mut heap = Heap::new();
        assert!(heap.str_value(b"").truthy());
    }

    #[test]
    fn type_predicates_and_names() {
        let mut heap = Heap::new();
        let s = heap.str_value(b"x");
        let t = Value::table(heap.alloc(Table::new(0, 0)));
        let th = Value::thread(heap.alloc(Thread::new()));
        let cases: [(Value, &str, LuaType); 9] = [
            (Value::NIL, "nil", LuaType::Nil),
            (Value::TRUE, "boolean", LuaType::Boolean),
            (Value::int(3), "number", LuaType::Number),
            (Value::float(3.5), "number", LuaType::Number),
            (Value::light_userdata(8), "userdata", LuaType::LightUserdata),
            (s, "string", LuaType::String),
            (t, "table", LuaType::Table),
            (th, "thread", LuaType::Thread),
            (Value::raw(0, TAG_DEADKEY), "nil", LuaType::Nil),
        ];
        for (v, name, ty) in cases {
            assert_eq!(v.type_of(), ty, "{v:?}");
            assert_eq!(v.type_name(), name, "{v:?}");
        }
        assert_eq!(LuaType::Function.name(), "function");
        assert_eq!(LuaType::Userdata.name(), "userdata");
        assert!(Value::int(1).is_int() && !Value::int(1).is_float());
        assert!(Value::float(1.0).is_float() && !Value::float(1.0).is_int());
        assert!(Value::int(1).is_number() && Value::float(1.0).is_number());
        assert!(!s.is_number() && s.is_string() && t.is_table() && !t.is_function());
        assert!(Value::NIL.is_nil() && !Value::FALSE.is_nil());
    }

    #[test]
    fn collectable_range() {
        for tag in 0..=11u8 {
            let expect = (TAG_STRING..=TAG_THREAD).contains(&tag);
            assert_eq!(Value::raw(8, tag).is_collectable(), expect, "tag {tag}");
        }
        assert!(!Value::raw(8, TAG_DEADKEY).is_collectable());
        assert!(!Value::light_userdata(8).is_collectable());
    }

    #[test]
    fn accessors_check_the_tag() {
        assert_eq!(Value::int(7).as_int(), Some(7));
        assert_eq!(Value::float(7.0).as_int(), None);
        assert_eq!(Value::float(7.5).as_float(), Some(7.5));
        assert_eq!(Value::int(7).as_float(), None);
        assert_eq!(Value::int(-7).as_number_f64(), Some(-7.0));
        assert_eq!(Value::float(0.25).as_number_f64(), Some(0.25));
        assert_eq!(Value::TRUE.as_number_f64(), None);
        assert_eq!(Value::TRUE.as_bool(), Some(true));
        assert_eq!(Value::FALSE.as_bool(), Some(false));
        assert_eq!(Value::int(1).as_bool(), None);
        assert!(Value::int(1).as_string().is_none());
        assert!(Value::int(1).as_table().is_none());
        assert!(Value::int(1).as_thread().is_none());
        assert!(Value::int(1).as_lclosure().is_none());
        assert!(Value::int(1).as_nclosure().is_none());
        assert!(Value::int(1).as_userdata().is_none());
        let mut heap = Heap::new();
        let t = heap.alloc(Table::new(0, 0));
        assert_eq!(Value::table(t).as_table(), Some(t));
        assert!(Value::table(t).as_string().is_none());
        let s = heap.intern(b"abc");
        assert_eq!(Value::string(s).as_string(), Some(s));
    }

    #[test]
    fn raw_eq_numbers() {
        assert!(Value::int(1).raw_eq(Value::float(1.0)));
        assert!(Value::float(1.0).raw_eq(Value::int(1)));
        assert!(Value::int(0).raw_eq(Value::float(-0.0)));
        assert!(Value::float(0.0).raw_eq(Value::float(-0.0)));
        assert!(!Value::int(1).raw_eq(Value::float(1.5)));
        let nan = Value::float(f64::NAN);
        assert!(!nan.raw_eq(nan));
        assert!(!Value::int(0).raw_eq(Value::float(f64::NAN)));
        // Exact comparison: no rounding of the integer to a float.
        let two53 = 1i64 << 53;
        assert!(Value::int(two53).raw_eq(Value::float(two53 as f64)));
        assert!(!Value::int(two53 + 1).raw_eq(Value::float(two53 as f64)));
        assert!(!Value::float(two53 as f64).raw_eq(Value::int(two53 + 1)));
        assert!(!Value::int(i64::MAX).raw_eq(Value::float(9223372036854775808.0)));
        assert!(Value::int(i64::MIN).raw_eq(Value::float(-9223372036854775808.0)));
        assert!(!Value::int(i64::MAX).raw_eq(Value::float(f64::INFINITY)));
    }

    #[test]
    fn raw_eq_other_types() {
        assert!(Value::NIL.raw_eq(Value::NIL));
        assert!(!Value::NIL.raw_eq(Value::FALSE));
        assert!(Value::TRUE.raw_eq(Value::bool(true)));
        assert!(!Value::TRUE.raw_eq(Value::int(1)));
        assert!(!Value::FALSE.raw_eq(Value::int(0)));
        assert!(Value::light_userdata(16).raw_eq(Value::light_userdata(16)));
        assert!(!Value::light_userdata(16).raw_eq(Value::light_userdata(24)));
        let mut heap = Heap::new();
        let a = Value::table(heap.alloc(Table::new(0, 0)));
        let b = Value::table(heap.alloc(Table::new(0, 0)));
        assert!(a.raw_eq(a));
        assert!(!a.raw_eq(b));
        let s1 = heap.str_value(b"same");
        let s2 = heap.str_value(b"same");
        let s3 = heap.str_value(b"other");
        assert!(s1.raw_eq(s2));
        assert!(!s1.raw_eq(s3));
        // Long strings are distinct objects but equal by content.
        let long = vec![b'q'; 100];
        let l1 = heap.str_value(&long);
        let l2 = heap.str_value(&long);
        assert_ne!(l1.payload(), l2.payload());
        assert!(l1.raw_eq(l2));
        let mut other = long.clone();
        other[99] = b'r';
        assert!(!l1.raw_eq(heap.str_value(&other)));
        // A string never equals a number with the same text.
        let ten = heap.str_value(b"10");
        assert!(!ten.raw_eq(Value::int(10)));
    }

    #[test]
    fn float_to_int_exact_edges() {
        assert_eq!(float_to_int_exact(0.0), Some(0));
        assert_eq!(float_to_int_exact(-0.0), Some(0));
        assert_eq!(float_to_int_exact(3.0), Some(3));
        assert_eq!(float_to_int_exact(-3.0), Some(-3));
        assert_eq!(float_to_int_exact(3.5), None);
        assert_eq!(float_to_int_exact(-0.5), None);
        assert_eq!(float_to_int_exact(9007199254740992.0), Some(1 << 53));
        assert_eq!(float_to_int_exact(-9223372036854775808.0), Some(i64::MIN));
        assert_eq!(float_to_int_exact(9223372036854775808.0), None);
        assert_eq!(
            float_to_int_exact(9223372036854774784.0),
            Some(9223372036854774784)
        );
        assert_eq!(float_to_int_exact(f64::INFINITY), None);
        assert_eq!(float_to_int_exact(f64::NEG_INFINITY), None);
        assert_eq!(float_to_int_exact(f64::NAN), None);
        assert_eq!(float_to_int_exact(1e300), None);
        assert!(int_eq_float(5, 5.0));
        assert!(!int_eq_float(5, 5.000000001));
        assert!(!int_eq_float(0, f64::NAN));
    }

    #[test]
    fn debug_format() {
        assert_eq!(format!("{:?}", Value::NIL), "nil");
        assert_eq!(format!("{:?}", Value::TRUE), "true");
        assert_eq!(format!("{:?}", Value::int(-5)), "-5");
        assert_eq!(format!("{:?}", Value::float(1.0)), "1.0");
        let mut heap = Heap::new();
        let s = heap.str_value(b"hi");
        assert_eq!(format!("{s:?}"), "\"hi\"");
        let t = Value::table(heap.alloc(Table::new(0, 0)));
        assert!(format!("{t:?}").starts_with("table: 0x"));
    }

    proptest::proptest! {
        #[test]
        fn int_float_raw_eq_matches_exact_math(i in proptest::prelude::any::<i64>(),
                                               bits in proptest::prelude::any::<u64>()) {
            let f = f64::from_bits(bits);
            // i128 holds every i64 and every integral f64 below 2^127 exactly.
            let exact = f.is_finite() && f.fract() == 0.0 && f.abs() < 1e38
                && (f as i128) == i as i128;
            proptest::prop_assert_eq!(Value::int(i).raw_eq(Value::float(f)), exact);
            proptest::prop_assert!(Value::int(i).raw_eq(Value::int(i)));
            let fi = i as f64;
            proptest::prop_assert_eq!(
                Value::int(i).raw_eq(Value::float(fi)),
                fi < 9223372036854775808.0 && fi as i64 == i
            );
        }
    }
}
