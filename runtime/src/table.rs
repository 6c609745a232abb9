//! Lua tables: an array part for keys `1..=n` and an open-addressed hash part.
//!
//! Invariants:
//! - integer keys `1..=array.len()` live only in the array part (possibly as nil);
//!   `#t` is the array length when its last slot is set, else a border found by binary
//!   search; rebuilding the table trims trailing nils;
//! - the hash part has a power-of-two number of slots, linear probing; a slot with a nil
//!   key is empty and ends a probe chain; a slot with a key and a nil value is a removed
//!   entry that still continues chains (and lets `next` continue from a removed key);
//!   removed entries are dropped when the part is rebuilt;
//! - float keys with an integral value are stored as integers; nil and NaN are never keys;
//! - `flags` caches "metamethod absent" bits for tables used as metatables; any store into
//!   the hash part clears it.

use crate::gc::{Gc, GcHeader, GcObject, ObjKind};
use crate::string::LuaStr;
use crate::value::*;
use std::cell::Cell;

#[derive(Clone, Copy)]
pub struct Node {
    pub key: Value,
    pub val: Value,
}

#[repr(C)]
pub struct Table {
    hdr: GcHeader,
    /// Bit `i` set: metamethod event `i` is known to be absent from this table.
    pub flags: Cell<u32>,
    pub metatable: Option<Gc<Table>>,
    pub(crate) array: Vec<Value>,
    pub(crate) nodes: Vec<Node>,
    /// Hash slots with a key (live or removed).
    used: usize,
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for Table {
    const KIND: ObjKind = ObjKind::Table;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.array.capacity() * 16 + self.nodes.len() * 32
    }
}

/// `next` was given a key that is not in the table.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidKey;

/// Why a key cannot be stored.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    Nil,
    NaN,
}

#[inline(always)]
fn mix(x: u64) -> u64 {
    let h = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 32)
}

#[inline]
fn key_hash(k: Value) -> u64 {
    match k.tag() {
        TAG_STRING => k.as_string().unwrap().hash(),
        _ => mix(k.payload() ^ ((k.tag() as u64) << 56)),
    }
}

#[inline(always)]
fn key_eq(a: Value, b: Value) -> bool {
    if a.tag() != b.tag() {
        return false;
    }
    if a.payload() == b.payload() {
        return true;
    }
    a.tag() == TAG_STRING && LuaStr::eq_contents(a.as_string().unwrap(), b.as_string().unwrap())
}

/// Normalizes a float key with an integral value to an integer key.
#[inline]
pub fn normalize_key(k: Value) -> Value {
    if let Some(f) = k.as_float() {
        if let Some(i) = float_to_int_exact(f) {
            return Value::int(i);
        }
    }
    k
}

impl Table {
    pub fn new(narray: usize, nhash: usize) -> Table {
        let mut t = Table {
            hdr: GcHeader::new(ObjKind::Table),
            flags: Cell::new(0),
            metatable: None,
            array: Vec::with_capacity(narray),
            nodes: Vec::new(),
            used: 0,
        };
        if nhash > 0 {
            t.nodes = vec![
                Node {
                    key: Value::NIL,
                    val: Value::NIL
                };
                slots_for(nhash)
            ];
        }
        t
    }

    #[inline(always)]
    pub fn array_len(&self) -> usize {
        self.array.len()
    }
    pub fn hash_slots(&self) -> usize {
        self.nodes.len()
    }

    // ---------------------------------------------------------------- reads

    #[inline]
    pub fn get(&self, key: Value) -> Value {
        match key.tag() {
            TAG_INT => self.get_int(key.as_int_unchecked()),
            TAG_STRING => self.get_str(key.as_string().unwrap()),
            TAG_NIL => Value::NIL,
            TAG_FLOAT => {
                let k = normalize_key(key);
                if k.is_int() {
                    self.get_int(k.as_int_unchecked())
                } else {
                    self.get_hashed(k)
                }
            }
            _ => self.get_hashed(key),
        }
    }

    #[inline(always)]
    pub fn get_int(&self, i: i64) -> Value {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            self.array[idx as usize]
        } else if self.nodes.is_empty() {
            Value::NIL
        } else {
            self.get_hashed(Value::int(i))
        }
    }

    #[inline]
    pub fn get_str(&self, s: Gc<LuaStr>) -> Value {
        if self.nodes.is_empty() {
            return Value::NIL;
        }
        let mask = self.nodes.len() - 1;
        let mut i = s.hash() as usize & mask;
        let key = Value::string(s);
        loop {
            let n = &self.nodes[i];
            if n.key.is_nil() {
                return Value::NIL;
            }
            if key_eq(n.key, key) {
                return n.val;
            }
            i = (i + 1) & mask;
        }
    }

    fn find_slot(&self, key: Value) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mask = self.nodes.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        loop {
            let n = &self.nodes[i];
            if n.key.is_nil() {
                return None;
            }
            if key_eq(n.key, key) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    fn get_hashed(&self, key: Value) -> Value {
        match self.find_slot(key) {
            Some(i) => self.nodes[i].val,
            None => Value::NIL,
        }
    }

    // ---------------------------------------------------------------- writes

    /// Raw store. Fails only for nil and NaN keys.
    pub fn set(&mut self, key: Value, val: Value) -> Result<(), KeyError> {
        match key.tag() {
            TAG_INT => {
                self.set_int(key.as_int_unchecked(), val);
                Ok(())
            }
            TAG_NIL => Err(KeyError::Nil),
            TAG_FLOAT => {
                let f = key.as_float_unchecked();
                if f.is_nan() {
                    return Err(KeyError::NaN);
                }
                let k = normalize_key(key);
                if k.is_int() {
                    self.set_int(k.as_int_unchecked(), val);
                } else {
                    self.set_hashed(k, val);
                }
                Ok(())
            }
            _ => {
                self.set_hashed(key, val);
                Ok(())
            }
        }
    }

    #[inline]
    pub fn set_int(&mut self, i: i64, val: Value) {
        let len = self.array.len();
        let idx = (i as u64).wrapping_sub(1);
        if idx < len as u64 {
            self.array[idx as usize] = val;
        } else if idx == len as u64 {
            if val.is_nil() {
                // Not in the array; may be in the hash part.
                if !self.nodes.is_empty() {
                    self.set_hashed(Value::int(i), val);
                }
                return;
            }
            self.array.push(val);
            if !self.nodes.is_empty() {
                self.remove_hashed(Value::int(i));
                self.migrate_from_hash();
            }
        } else {
            self.set_hashed(Value::int(i), val);
        }
    }

    pub fn set_str(&mut self, s: Gc<LuaStr>, val: Value) {
        self.set_hashed(Value::string(s), val)
    }

    fn trim_array(&mut self) {
        while let Some(v) = self.array.last() {
            if v.is_nil() {
                self.array.pop();
            } else {
                break;
            }
        }
    }

    /// After the array part grew, moves the keys that now belong to it out of the hash.
    fn migrate_from_hash(&mut self) {
        loop {
            let k = Value::int(self.array.len() as i64 + 1);
            match self.find_slot(k) {
                Some(i) if !self.nodes[i].val.is_nil() => {
                    let v = self.nodes[i].val;
                    self.nodes[i].val = Value::NIL;
                    self.array.push(v);
                }
                _ => return,
            }
        }
    }

    fn remove_hashed(&mut self, key: Value) {
        if let Some(i) = self.find_slot(key) {
            self.nodes[i].val = Value::NIL;
        }
    }

    fn set_hashed(&mut self, key: Value, val: Value) {
        self.flags.set(0);
        if !self.nodes.is_empty() {
            let mask = self.nodes.len() - 1;
            let mut i = key_hash(key) as usize & mask;
            let mut free = None;
            loop {
                let n = &mut self.nodes[i];
                if n.key.is_nil() {
                    break;
                }
                if key_eq(n.key, key) {
                    n.val = val;
                    return;
                }
                if free.is_none() && n.val.is_nil() {
                    free = Some(i);
                }
                i = (i + 1) & mask;
            }
            if val.is_nil() {
                return;
            }
            if let Some(f) = free {
                self.nodes[f] = Node { key, val };
                return;
            }
            if (self.used + 1) * 4 <= self.nodes.len() * 3 {
                self.nodes[i] = Node { key, val };
                self.used += 1;
                return;
            }
        } else if val.is_nil() {
            return;
        }
        self.rehash(key);
        // The key may now belong to the array part.
        if let Some(k) = key.as_int() {
            if (k as u64).wrapping_sub(1) <= self.array.len() as u64 {
                self.set_int(k, val);
                return;
            }
        }
        self.insert_fresh(key, val);
    }

    /// Inserts a key known to be absent into a hash part with room.
    fn insert_fresh(&mut self, key: Value, val: Value) {
        let mask = self.nodes.len() - 1;
        let mut i = key_hash(key) as usize & mask;
        while !self.nodes[i].key.is_nil() {
            i = (i + 1) & mask;
        }
        self.nodes[i] = Node { key, val };
        self.used += 1;
    }

    /// Rebuilds both parts with sizes chosen from the live keys plus `extra`, as PUC Lua
    /// does: the array part gets the largest power of two `n` such that more than half of
    /// `1..=n` is in use.
    fn rehash(&mut self, extra: Value) {
        let mut nums = [0usize; 65];
        let count_int = |k: i64, nums: &mut [usize; 65]| {
            if k >= 1 {
                let lg = 64 - ((k - 1) as u64).leading_zeros() as usize; // ceil(log2(k))
                nums[lg] += 1;
            }
        };
        for (i, v) in self.array.iter().enumerate() {
            if !v.is_nil() {
                count_int(i as i64 + 1, &mut nums);
            }
        }
        let mut live_hash = 0;
        for n in &self.nodes {
            if !n.val.is_nil() {
                live_hash += 1;
                if let Some(k) = n.key.as_int() {
                    count_int(k, &mut nums);
                }
            }
        }
        if let Some(k) = extra.as_int() {
            count_int(k, &mut nums);
        }
        // Choose the array size.
        let mut acc = 0;
        let mut optimal = 0;
        for (lg, &c) in nums.iter().enumerate() {
            let twotoi = 1usize << lg.min(62);
            acc += c;
            if acc > twotoi / 2 {
                optimal = twotoi;
            }
            if twotoi / 2 > acc + self.array.len() + live_hash {
                break;
            }
        }
        let old_nodes = std::mem::take(&mut self.nodes);
        let old_array_len = self.array.len();
        // Entries that move from the array part to the hash part when it shrinks.
        let mut moved = Vec::new();
        if optimal < old_array_len {
            for (i, v) in self.array.drain(optimal..).enumerate() {
                if !v.is_nil() {
                    moved.push(Node {
                        key: Value::int((optimal + i + 1) as i64),
                        val: v,
                    });
                }
            }
        }
        let mut to_hash = moved;
        for n in old_nodes {
            if n.val.is_nil() {
                continue;
            }
            if let Some(k) = n.key.as_int() {
                if k >= 1 && (k as usize) <= optimal {
                    let idx = k as usize - 1;
                    if idx >= self.array.len() {
                        self.array.resize(idx + 1, Value::NIL);
                    }
                    self.array[idx] = n.val;
                    continue;
                }
            }
            to_hash.push(n);
        }
        self.trim_array();
        // Room for the key being inserted (it may still land in the hash part when the
        // array part was trimmed below it).
        let want = to_hash.len() + 1;
        self.used = 0;
        self.nodes = vec![
            Node {
                key: Value::NIL,
                val: Value::NIL
            };
            slots_for(want)
        ];
        for n in to_hash {
            self.insert_fresh(n.key, n.val);
        }
    }

    // ---------------------------------------------------------------- length, traversal

    /// A border of the table (`#t` without metamethods).
    pub fn border(&self) -> u64 {
        let n = self.array.len();
        if n > 0 && self.array[n - 1].is_nil() {
            // Binary search for a border inside the array part.
            let (mut lo, mut hi) = (0usize, n);
            while hi - lo > 1 {
                let m = (lo + hi) / 2;
                if self.array[m - 1].is_nil() {
                    hi = m;
                } else {
                    lo = m;
                }
            }
            return lo as u64;
        }
        if self.nodes.is_empty() || self.get_hashed(Value::int(n as i64 + 1)).is_nil() {
            return n as u64;
        }
        // Unbounded search in the hash part.
        let mut i = n as u64 + 1;
        let mut j = i * 2;
        while !self.get_int(j as i64).is_nil() {
            i = j;
            if j > (i64::MAX as u64) / 2 {
                // Pathological: linear search.
                let mut k = 1u64;
                while !self.get_int(k as i64).is_nil() {
                    k += 1;
                }
                return k - 1;
            }
            j *= 2;
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i
    }

    /// The entry after `key` in traversal order (`next`); `Ok(None)` at the end.
    pub fn next(&self, key: Value) -> Result<Option<(Value, Value)>, InvalidKey> {
        let key = normalize_key(key);
        let mut start_array = 0usize;
        let mut start_hash = 0usize;
        match key.tag() {
            TAG_NIL => {}
            TAG_INT
                if {
                    let k = key.as_int_unchecked();
                    k >= 1 && (k as u64) <= self.array.len() as u64
                } =>
            {
                start_array = key.as_int_unchecked() as usize;
            }
            _ => {
                start_array = self.array.len();
                match self.find_slot(key) {
                    Some(i) => start_hash = i + 1,
                    None => return Err(InvalidKey),
                }
            }
        }
        for i in start_array..self.array.len() {
            if !self.array[i].is_nil() {
                return Ok(Some((Value::int(i as i64 + 1), self.array[i])));
            }
        }
        for i in start_hash..self.nodes.len() {
            let n = &self.nodes[i];
            if !n.val.is_nil() {
                return Ok(Some((n.key, n.val)));
            }
        }
        Ok(None)
    }

    /// The array part (for the collector, `table.*` fast paths and the JIT).
    pub fn array(&self) -> &[Value] {
        &self.array
    }
    pub fn array_mut(&mut self) -> &mut Vec<Value> {
        &mut self.array
    }
    /// The hash part's slots (for the collector).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    pub(crate) fn nodes_mut(&mut self) -> &mut [Node] {
        &mut self.nodes
    }
}

fn slots_for(n: usize) -> usize {
    // Keep the load factor at most 3/4.
    (n * 4).div_ceil(3).next_power_of_two().max(4)
}
