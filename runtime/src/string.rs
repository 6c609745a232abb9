//! Lua strings: immutable byte strings with a precomputed hash.
//!
//! Strings up to [`SHORT_MAX`] bytes are interned, so two short strings are equal exactly
//! when they are the same object and table lookups by short-string key compare pointers.
//! Long strings are not interned; they compare by length, hash and bytes.

use crate::gc::{Gc, GcHeader, GcObject, GcTail, ObjKind, ObjectList};
use hashbrown::HashTable;

/// Longest string that is interned (PUC Lua's LUAI_MAXSHORTLEN).
pub const SHORT_MAX: usize = 40;

/// A string object: this fixed part, then its bytes in the same allocation.
///
/// The hash lives in the header's spare word (`GcHeader::aux`), which makes the fixed
/// part 24 bytes.
#[repr(C)]
pub struct LuaStr {
    hdr: GcHeader,
    len: usize,
}

const _: () = assert!(std::mem::size_of::<LuaStr>() == 24);

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for LuaStr {
    const KIND: ObjKind = ObjKind::String;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.len
    }
}

// SAFETY: `len` is set at allocation and never changes; nothing to drop.
unsafe impl GcTail for LuaStr {
    type Item = u8;
    fn tail_len(&self) -> usize {
        self.len
    }
}

impl LuaStr {
    fn new(hash: u32, len: usize) -> LuaStr {
        let hdr = GcHeader::new(ObjKind::String);
        hdr.aux.set(hash);
        LuaStr { hdr, len }
    }
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }
    /// Byte offset of the length field (for `layout`).
    pub(crate) fn len_offset() -> i32 {
        std::mem::offset_of!(LuaStr, len) as i32
    }
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    #[inline(always)]
    pub fn hash(&self) -> u32 {
        self.hdr.aux.get()
    }
    /// Short strings are the interned ones.
    #[inline(always)]
    pub fn is_short(&self) -> bool {
        self.len <= SHORT_MAX
    }
    /// Content equality of two distinct string objects (short strings are interned, so
    /// two distinct short strings always differ).
    #[inline]
    pub fn eq_contents(a: Gc<LuaStr>, b: Gc<LuaStr>) -> bool {
        if a.is_short() && b.is_short() {
            return false;
        }
        a.hash() == b.hash() && a.as_bytes() == b.as_bytes()
    }
}

impl Gc<LuaStr> {
    #[inline(always)]
    pub fn as_bytes<'a>(self) -> &'a [u8] {
        self.tail()
    }
    /// The bytes as UTF-8 text, lossily (for messages).
    pub fn to_str_lossy<'a>(self) -> std::borrow::Cow<'a, str> {
        String::from_utf8_lossy(self.as_bytes())
    }
}

/// Hash of a byte string: all bytes for short strings, a sample of at most 32 strides for
/// long ones (so hashing a huge string stays cheap).
pub fn hash_bytes(bytes: &[u8]) -> u32 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = (bytes.len() as u64) ^ 0x2545_F491_4F6C_DD1D;
    let step = if bytes.len() <= 64 {
        1
    } else {
        bytes.len() / 32
    };
    let mut i = 0;
    while i < bytes.len() {
        h = (h.rotate_left(5) ^ bytes[i] as u64).wrapping_mul(K);
        i += step;
    }
    // The shift brings the high bits into the low word that is kept.
    (h ^ (h >> 29)) as u32
}

/// A 64-bit hash for the interner's table, whose probing uses the top bits.
#[inline(always)]
fn spread(h: u32) -> u64 {
    (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The table of interned short strings. Dead entries are removed by the sweep.
#[derive(Default)]
pub struct Interner {
    table: HashTable<Gc<LuaStr>>,
}

impl Interner {
    /// The unique string with these bytes, created if needed.
    pub fn intern(&mut self, objects: &mut ObjectList, bytes: &[u8]) -> Gc<LuaStr> {
        if bytes.len() > SHORT_MAX {
            return objects.alloc_tail(LuaStr::new(hash_bytes(bytes), bytes.len()), bytes);
        }
        let hash = hash_bytes(bytes);
        if let Some(s) = self.table.find(spread(hash), |s| s.as_bytes() == bytes) {
            let s = *s;
            // A string found dead-but-unswept cannot happen: sweeping removes entries
            // before the objects are freed, and lookups never run during a sweep.
            return s;
        }
        let s = objects.alloc_tail(LuaStr::new(hash, bytes.len()), bytes);
        self.table
            .insert_unique(spread(hash), s, |s| spread(s.hash()));
        s
    }

    /// Drops the entry of `s`, a short string about to be freed by the sweep.
    pub(crate) fn remove(&mut self, s: Gc<LuaStr>) {
        if let Ok(e) = self.table.find_entry(spread(s.hash()), |x| *x == s) {
            e.remove();
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::Heap;
    use crate::table::Table;
    use crate::value::Value;

    #[test]
    fn short_strings_are_interned() {
        let mut heap = Heap::new();
        let a = heap.intern(b"hello");
        let b = heap.intern(b"hello");
        let c = heap.intern(b"hellp");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.is_short());
        assert_eq!(a.as_bytes(), b"hello");
        assert_eq!(a.len(), 5);
        assert!(!a.is_empty());
        let e = heap.intern(b"");
        assert_eq!(e, heap.intern(b""));
        assert!(e.is_empty());
    }

    #[test]
    fn interning_counts_each_content_once() {
        let mut heap = Heap::new();
        let before = heap.strings.len();
        let objs = heap.object_count();
        for _ in 0..10 {
            heap.intern(b"once");
        }
        assert_eq!(heap.strings.len(), before + 1);
        assert_eq!(heap.object_count(), objs + 1);
        assert!(!heap.strings.is_empty());
    }

    #[test]
    fn binary_contents() {
        let mut heap = Heap::new();
        let a = heap.intern(b"a\0b\xff");
        let b = heap.intern(b"a\0b\xff");
        let c = heap.intern(b"a\0c\xff");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 4);
        assert_eq!(a.to_str_lossy(), "a\0b\u{fffd}");
    }

    #[test]
    fn short_max_boundary() {
        let mut heap = Heap::new();
        let s40 = vec![b'x'; SHORT_MAX];
        let s41 = vec![b'x'; SHORT_MAX + 1];
        let a = heap.intern(&s40);
        let b = heap.intern(&s40);
        assert!(a.is_short());
        assert_eq!(a, b);
        let before = heap.strings.len();
        let c = heap.intern(&s41);
        let d = heap.intern(&s41);
        assert!(!c.is_short());
        assert_ne!(c, d, "long strings are not interned");
        assert_eq!(
            heap.strings.len(),
            before,
            "long strings stay out of the interner"
        );
        assert!(LuaStr::eq_contents(c, d));
        assert!(Value::string(c).raw_eq(Value::string(d)));
    }

    #[test]
    fn long_string_equality_is_by_content() {
        let mut heap = Heap::new();
        let base: Vec<u8> = (0..200u32).map(|i| (i * 7 % 251) as u8).collect();
        let a = heap.intern(&base);
        let b = heap.intern(&base);
        assert!(LuaStr::eq_contents(a, b));
        assert_eq!(a.hash(), b.hash());
        let mut other = base.clone();
        other[199] ^= 1;
        let c = heap.intern(&other);
        assert!(!LuaStr::eq_contents(a, c));
        let mut shorter = base.clone();
        shorter.pop();
        let d = heap.intern(&shorter);
        assert!(!LuaStr::eq_contents(a, d));
    }

    #[test]
    fn distinct_short_strings_never_compare_equal_by_contents() {
        let mut heap = Heap::new();
        let a = heap.intern(b"abc");
        let b = heap.intern(b"abd");
        assert!(!LuaStr::eq_contents(a, b));
    }

    #[test]
    fn hash_is_stable_and_matches_hash_bytes() {
        let mut heap = Heap::new();
        for s in [
            &b""[..],
            b"a",
            b"hello world",
            &[0u8; 40],
            &[7u8; 41],
            &[3u8; 1000],
        ] {
            let x = heap.intern(s);
            assert_eq!(x.hash(), hash_bytes(s));
        }
        // A pinned value (computed by hand from the definition): the hash is the same
        // across runs and builds (no random seed), which the JIT relies on for
        // constant-key slot prediction.
        assert_eq!(hash_bytes(b"abc"), 0x2486_4ebb);
        assert_ne!(hash_bytes(b"abc"), hash_bytes(b"abd"));
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"a\0"));
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
    }

    #[test]
    fn short_hash_uses_every_byte() {
        let base = vec![b'k'; SHORT_MAX];
        let h = hash_bytes(&base);
        for i in 0..base.len() {
            let mut v = base.clone();
            v[i] = b'K';
            assert_ne!(hash_bytes(&v), h, "byte {i} not hashed");
        }
    }

    #[test]
    fn long_strings_sharing_a_sampled_hash_stay_distinct() {
        // Long strings hash a sample of their bytes: two strings that differ only in an
        // unsampled byte collide, and equality and table lookup must still tell them
        // apart.
        let mut heap = Heap::new();
        let a_bytes = vec![b'z'; 100]; // step 100/32 = 3: byte 1 is not sampled
        let mut b_bytes = a_bytes.clone();
        b_bytes[1] = b'y';
        assert_eq!(hash_bytes(&a_bytes), hash_bytes(&b_bytes));
        let a = heap.intern(&a_bytes);
        let b = heap.intern(&b_bytes);
        assert_eq!(a.hash(), b.hash());
        assert!(!LuaStr::eq_contents(a, b));
        assert!(!Value::string(a).raw_eq(Value::string(b)));
        let mut t = Table::new(0, 0);
        t.set(Value::string(a), Value::int(1)).unwrap();
        t.set(Value::string(b), Value::int(2)).unwrap();
        let a2 = heap.intern(&a_bytes);
        let b2 = heap.intern(&b_bytes);
        assert!(t.get(Value::string(a2)).raw_eq(Value::int(1)));
        assert!(t.get(Value::string(b2)).raw_eq(Value::int(2)));
        assert!(t.get_str(a2).raw_eq(Value::int(1)));
    }

    #[test]
    fn size_counts_the_bytes() {
        let mut heap = Heap::new();
        let a = heap.intern(b"abcd");
        let b = heap.intern(&[1u8; 500]);
        assert_eq!(a.size(), std::mem::size_of::<LuaStr>() + 4);
        assert_eq!(b.size(), std::mem::size_of::<LuaStr>() + 500);
        let before = heap.bytes();
        heap.intern(&[2u8; 1000]);
        assert_eq!(heap.bytes(), before + std::mem::size_of::<LuaStr>() + 1000);
    }

    #[test]
    fn many_distinct_short_strings() {
        let mut heap = Heap::new();
        let handles: Vec<_> = (0..5000)
            .map(|i| heap.intern(format!("k{i}").as_bytes()))
            .collect();
        for (i, h) in handles.iter().enumerate() {
            assert_eq!(*h, heap.intern(format!("k{i}").as_bytes()));
            assert_eq!(h.as_bytes(), format!("k{i}").as_bytes());
        }
    }
}
