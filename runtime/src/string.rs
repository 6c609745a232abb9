//! Lua strings: immutable byte strings with a precomputed hash.
//!
//! Strings up to [`SHORT_MAX`] bytes are interned, so two short strings are equal exactly
//! when they are the same object and table lookups by short-string key compare pointers.
//! Long strings are not interned; they compare by length, hash and bytes.

use crate::gc::{Gc, GcHeader, GcObject, ObjKind, ObjectList};
use hashbrown::HashTable;

/// Longest string that is interned (PUC Lua's LUAI_MAXSHORTLEN).
pub const SHORT_MAX: usize = 40;

#[repr(C)]
pub struct LuaStr {
    hdr: GcHeader,
    hash: u64,
    short: bool,
    bytes: Box<[u8]>,
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for LuaStr {
    const KIND: ObjKind = ObjKind::String;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.bytes.len()
    }
}

impl LuaStr {
    #[inline(always)]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    #[inline(always)]
    pub fn hash(&self) -> u64 {
        self.hash
    }
    #[inline(always)]
    pub fn is_short(&self) -> bool {
        self.short
    }
    /// The bytes as UTF-8 text, lossily (for messages).
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
    /// Content equality of two distinct string objects (short strings are interned, so
    /// two distinct short strings always differ).
    #[inline]
    pub fn eq_contents(a: Gc<LuaStr>, b: Gc<LuaStr>) -> bool {
        if a.short && b.short {
            return false;
        }
        a.hash == b.hash && a.bytes == b.bytes
    }
}

/// Hash of a byte string: all bytes for short strings, a sample of at most 32 strides for
/// long ones (so hashing a huge string stays cheap).
pub fn hash_bytes(bytes: &[u8]) -> u64 {
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
    h ^ (h >> 29)
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
            let s = LuaStr {
                hdr: GcHeader::new(ObjKind::String),
                hash: hash_bytes(bytes),
                short: false,
                bytes: bytes.into(),
            };
            return objects.alloc(s);
        }
        let hash = hash_bytes(bytes);
        if let Some(s) = self.table.find(hash, |s| s.as_bytes() == bytes) {
            let s = *s;
            // A string found dead-but-unswept cannot happen: sweeping removes entries
            // before the objects are freed, and lookups never run during a sweep.
            return s;
        }
        let s = objects.alloc(LuaStr {
            hdr: GcHeader::new(ObjKind::String),
            hash,
            short: true,
            bytes: bytes.into(),
        });
        self.table.insert_unique(hash, s, |s| s.hash);
        s
    }

    /// Like `intern`, taking ownership of a buffer (avoids a copy for long strings).
    pub fn intern_owned(&mut self, objects: &mut ObjectList, bytes: Vec<u8>) -> Gc<LuaStr> {
        if bytes.len() > SHORT_MAX {
            let s = LuaStr {
                hdr: GcHeader::new(ObjKind::String),
                hash: hash_bytes(&bytes),
                short: false,
                bytes: bytes.into_boxed_slice(),
            };
            return objects.alloc(s);
        }
        self.intern(objects, &bytes)
    }

    /// Drops entries whose string is unmarked (called by the sweep before freeing).
    pub(crate) fn remove_unmarked(&mut self) {
        self.table.retain(|s| s.header().marked.get());
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}
