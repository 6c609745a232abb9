//! Lua tables: an array part for keys `1..=n` and a chained scatter hash part.
//!
//! Invariants:
//! - integer keys `1..=array.len()` live only in the array part (possibly as nil);
//!   `#t` is the array length when its last slot is set, else a border found by binary
//!   search; rebuilding the table trims trailing nils;
//! - the hash part has a power-of-two number of slots, all usable (as in PUC Lua): a key
//!   lives in its main position (hash & mask) or in a slot linked into the chain that
//!   starts there; when a new key finds its main position taken by a key that is not in
//!   its own main position, that key moves to a free slot (Brent's variation), so chains
//!   stay short; a slot with a nil key is free and in no chain; a slot with a key and a
//!   nil value is a removed entry that stays in its chain (and lets `next` continue from
//!   a removed key) until the part is rebuilt, or until a new key whose main position it
//!   is takes it over;
//! - float keys with an integral value are stored as integers; nil and NaN are never keys;
//! - `flags` caches "metamethod absent" bits for tables used as metatables; any store that
//!   may add a key to the hash part clears it (an overwrite through `str_slot` cannot make
//!   an absent event present, so it keeps them).

use crate::gc::{Gc, GcHeader, GcObject, ObjKind};
use crate::string::LuaStr;
use crate::value::*;
use std::cell::Cell;

/// A hash-part slot: a key, its value, and the link to the next slot of its chain. The
/// key is held as payload and tag so that the link fits where a `Value` has padding (32
/// bytes per slot).
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Node {
    pub val: Value,
    key_payload: u64,
    key_tag: u8,
    /// Offset to the next slot of the chain; 0 ends it.
    next: i32,
}

const _: () = assert!(std::mem::size_of::<Node>() == 32);

impl Node {
    pub(crate) const EMPTY: Node = Node {
        val: Value::NIL,
        key_payload: 0,
        key_tag: TAG_NIL,
        next: 0,
    };

    fn new(key: Value, val: Value) -> Node {
        Node {
            val,
            key_payload: key.payload(),
            key_tag: key.tag(),
            next: 0,
        }
    }
    /// Byte offsets of the key's payload and tag (for `layout`).
    pub(crate) fn key_offsets() -> (i32, i32) {
        (
            std::mem::offset_of!(Node, key_payload) as i32,
            std::mem::offset_of!(Node, key_tag) as i32,
        )
    }

    #[inline(always)]
    pub fn key(&self) -> Value {
        Value::raw(self.key_payload, self.key_tag)
    }
    /// Replaces the key, keeping the slot's place in its chain (the collector turns keys
    /// of dead removed entries into dead keys).
    #[inline]
    pub fn set_key(&mut self, k: Value) {
        self.key_payload = k.payload();
        self.key_tag = k.tag();
    }
}

#[repr(C)]
pub struct Table {
    hdr: GcHeader,
    /// Bit `i` set: metamethod event `i` is known to be absent from this table.
    pub flags: Cell<u32>,
    /// Every slot at or above this index has a key: the search for a free slot goes
    /// down from here. (Next to `flags`, so that the two share one word.)
    last_free: u32,
    pub metatable: Option<Gc<Table>>,
    pub(crate) array: Vec<Value>,
    /// The hash part: a power of two of slots, or none.
    pub(crate) nodes: Box<[Node]>,
}

// 72 bytes: a 80-byte malloc chunk, where 88 took 96.
const _: () = assert!(std::mem::size_of::<Table>() == 72);

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for Table {
    const KIND: ObjKind = ObjKind::Table;
    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.parts_size()
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
        TAG_STRING => k.as_string().unwrap().hash() as u64,
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

impl Gc<Table> {
    /// `t[i] = nil`. Storing nil needs no write barrier (nil is not an object), so this
    /// works without the heap.
    pub fn clear_int(self, i: i64) {
        self.raw_mut().set_int(i, Value::NIL);
    }
}

impl Table {
    pub fn new(narray: usize, nhash: usize) -> Table {
        let mut t = Table {
            hdr: GcHeader::new(ObjKind::Table),
            flags: Cell::new(0),
            metatable: None,
            array: Vec::with_capacity(narray),
            nodes: Box::default(),
            last_free: 0,
        };
        if nhash > 0 {
            t.new_hash_part(nhash);
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
        } else {
            match self.find_int(i) {
                Some(s) => self.nodes[s].val,
                None => Value::NIL,
            }
        }
    }

    /// The hash-part slot of integer key `i` (`find_slot` without the key dispatch).
    #[inline]
    fn find_int(&self, i: i64) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut s = self.main_position(Value::int(i));
        loop {
            let n = &self.nodes[s];
            if n.key_payload == i as u64 && n.key_tag == TAG_INT {
                return Some(s);
            }
            if n.next == 0 {
                return None;
            }
            s = link(s, n.next);
        }
    }

    #[inline]
    pub fn get_str(&self, s: Gc<LuaStr>) -> Value {
        if self.nodes.is_empty() {
            return Value::NIL;
        }
        if !s.is_short() {
            return self.get_hashed(Value::string(s));
        }
        // Short strings are interned: the same string is the same object.
        let addr = s.addr() as u64;
        let mut i = s.hash() as usize & (self.nodes.len() - 1);
        loop {
            let n = &self.nodes[i];
            if n.key_payload == addr && n.key_tag == TAG_STRING {
                return n.val;
            }
            if n.next == 0 {
                return Value::NIL;
            }
            i = link(i, n.next);
        }
    }

    /// The value slot of string key `s` when the table holds it with a non-nil value: a
    /// store there needs neither a metamethod nor a resize.
    #[inline]
    pub fn str_slot(&mut self, s: Gc<LuaStr>) -> Option<&mut Value> {
        let i = self.find_slot(Value::string(s))?;
        let val = &mut self.nodes[i].val;
        if val.is_nil() {
            None
        } else {
            Some(val)
        }
    }

    /// The node slot that holds `key`, if the hash part has it.
    pub fn node_of(&self, key: Value) -> Option<usize> {
        self.find_slot(key)
    }

    #[inline]
    fn find_slot(&self, key: Value) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut i = self.main_position(key);
        loop {
            let n = &self.nodes[i];
            if key_eq(n.key(), key) {
                return Some(i);
            }
            if n.next == 0 {
                return None;
            }
            i = link(i, n.next);
        }
    }

    /// The slot where a chain for `key` starts; the hash part must have slots.
    #[inline(always)]
    fn main_position(&self, key: Value) -> usize {
        key_hash(key) as usize & (self.nodes.len() - 1)
    }

    fn get_hashed(&self, key: Value) -> Value {
        match self.find_slot(key) {
            Some(i) => self.nodes[i].val,
            None => Value::NIL,
        }
    }

    /// The slot that holds `key`'s value in either part, if the table has one (its
    /// value may be nil). For the JIT, which loads from it.
    pub fn slot(&self, key: Value) -> Option<&Value> {
        let key = normalize_key(key);
        if key.is_int() {
            let i = key.as_int_unchecked();
            if let Some(v) = self.array.get((i as u64).wrapping_sub(1) as usize) {
                return Some(v);
            }
            return self.find_int(i).map(|s| &self.nodes[s].val);
        }
        self.find_slot(key).map(|s| &self.nodes[s].val)
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

    /// Bytes held by the array and hash parts (what resizing changes).
    #[inline(always)]
    pub fn parts_size(&self) -> usize {
        self.array.capacity() * 16 + self.nodes.len() * 32
    }

    /// Makes room in the array part for keys up to `n` when they will extend it (a table
    /// constructor's list), without the slack of doubling.
    #[inline]
    pub fn reserve_array(&mut self, n: usize) {
        if n > self.array.capacity() {
            self.array.reserve_exact(n - self.array.len());
        }
    }

    /// The array-part slot of key `i`, if the array part holds it.
    #[inline(always)]
    pub fn array_slot(&mut self, i: i64) -> Option<&mut Value> {
        self.array.get_mut((i as u64).wrapping_sub(1) as usize)
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
        } else if let Some(s) = self.find_int(i) {
            // An existing integer key: no new key, so the metamethod cache stays.
            self.nodes[s].val = val;
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
        if let Some(i) = self.find_slot(key) {
            self.nodes[i].val = val;
            return;
        }
        if val.is_nil() || self.insert_new(key, val) {
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
        let done = self.insert_new(key, val);
        debug_assert!(done, "no room after a rehash");
    }

    /// Inserts a key that is not in the table; false when no slot is free (then the
    /// caller rebuilds the table).
    fn insert_new(&mut self, key: Value, val: Value) -> bool {
        if self.nodes.is_empty() {
            return false;
        }
        let mut mp = self.main_position(key);
        // A free or removed slot at the main position is taken as it is (a removed one
        // keeps its place in whatever chain it is in).
        if !self.nodes[mp].val.is_nil() {
            let Some(f) = self.free_slot() else {
                return false;
            };
            let other = self.main_position(self.nodes[mp].key());
            if other != mp {
                // The occupant is out of its main position: move it to the free slot,
                // relinking its chain, and give the new key its main position.
                let mut prev = other;
                loop {
                    let nx = link(prev, self.nodes[prev].next);
                    if nx == mp {
                        break;
                    }
                    prev = nx;
                }
                self.nodes[prev].next = offset(prev, f);
                self.nodes[f] = self.nodes[mp];
                if self.nodes[mp].next != 0 {
                    self.nodes[f].next = offset(f, link(mp, self.nodes[mp].next));
                }
                self.nodes[mp].next = 0;
            } else {
                // The occupant is in its own chain: the new key goes to the free slot,
                // linked right after the main position.
                let mpn = self.nodes[mp].next;
                self.nodes[f].next = if mpn != 0 {
                    offset(f, link(mp, mpn))
                } else {
                    0
                };
                self.nodes[mp].next = offset(mp, f);
                mp = f;
            }
        }
        self.nodes[mp].set_key(key);
        self.nodes[mp].val = val;
        true
    }

    /// A slot with no key, searching down from `last_free`.
    fn free_slot(&mut self) -> Option<usize> {
        while self.last_free > 0 {
            self.last_free -= 1;
            let i = self.last_free as usize;
            if self.nodes[i].key().is_nil() {
                return Some(i);
            }
        }
        None
    }

    /// Replaces the hash part by `slots_for(n)` free slots.
    fn new_hash_part(&mut self, n: usize) {
        self.nodes = vec![Node::EMPTY; slots_for(n)].into_boxed_slice();
        // Slot links are i32, so the part never has 2^31 slots.
        self.last_free = self.nodes.len() as u32;
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
                if let Some(k) = n.key().as_int() {
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
                    moved.push(Node::new(Value::int((optimal + i + 1) as i64), v));
                }
            }
        }
        let mut to_hash = moved;
        for n in old_nodes {
            if n.val.is_nil() {
                continue;
            }
            if let Some(k) = n.key().as_int() {
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
        self.new_hash_part(to_hash.len() + 1);
        for n in to_hash {
            let done = self.insert_new(n.key(), n.val);
            debug_assert!(done, "rebuilt hash part too small");
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
        Ok(self.next_position(key)?.map(|p| self.entry_at(p)))
    }

    /// The key and value at traversal position `p` (array slots first, then nodes).
    pub fn entry_at(&self, p: usize) -> (Value, Value) {
        match self.array.get(p) {
            Some(&v) => (Value::int(p as i64 + 1), v),
            None => {
                let n = &self.nodes[p - self.array.len()];
                (n.key(), n.val)
            }
        }
    }

    /// The traversal position of the entry after `key` (array slots first, then
    /// nodes); `Ok(None)` at the end.
    pub fn next_position(&self, key: Value) -> Result<Option<usize>, InvalidKey> {
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
                return Ok(Some(i));
            }
        }
        for i in start_hash..self.nodes.len() {
            if !self.nodes[i].val.is_nil() {
                return Ok(Some(self.array.len() + i));
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

/// Hash slots for `n` keys: every slot is usable, so the next power of two.
fn slots_for(n: usize) -> usize {
    n.next_power_of_two()
}

/// The slot `next` links to from slot `i`.
#[inline(always)]
fn link(i: usize, next: i32) -> usize {
    (i as isize + next as isize) as usize
}

/// The link from slot `from` to slot `to`.
#[inline(always)]
fn offset(from: usize, to: usize) -> i32 {
    (to as isize - from as isize) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::Heap;
    use std::collections::{HashMap, HashSet};

    fn int(i: i64) -> Value {
        Value::int(i)
    }

    /// `#t` is a border: `t[n] ~= nil and t[n+1] == nil`, or `n == 0 and t[1] == nil`.
    fn assert_border(t: &Table) -> u64 {
        let n = t.border();
        if n == 0 {
            assert!(
                t.get_int(1).is_nil(),
                "border 0 but t[1] is {:?}",
                t.get_int(1)
            );
        } else {
            assert!(
                !t.get_int(n as i64).is_nil(),
                "border {n} but t[{n}] is nil"
            );
            assert!(
                t.get_int(n as i64 + 1).is_nil(),
                "border {n} but t[{}] is not nil",
                n + 1
            );
        }
        n
    }

    /// A key as a comparable model value (long strings by content).
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    enum MKey {
        Int(i64),
        Float(u64),
        Str(Vec<u8>),
        Bool(bool),
        Other(u8, u64),
    }

    fn mkey(k: Value) -> MKey {
        match k.tag() {
            TAG_INT => MKey::Int(k.as_int_unchecked()),
            TAG_FLOAT => MKey::Float(k.payload()),
            TAG_STRING => MKey::Str(k.as_string().unwrap().as_bytes().to_vec()),
            TAG_BOOL => MKey::Bool(k.as_bool().unwrap()),
            t => MKey::Other(t, k.payload()),
        }
    }

    /// Every (key, value) pair `next` yields from nil to the end; panics on a repeat.
    fn traverse(t: &Table) -> Vec<(Value, Value)> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut k = Value::NIL;
        while let Some((nk, v)) = t.next(k).expect("next failed") {
            assert!(!v.is_nil(), "next yielded a nil value for {nk:?}");
            assert!(seen.insert(mkey(nk)), "key {nk:?} visited twice");
            out.push((nk, v));
            k = nk;
        }
        out
    }

    /// Structural invariants of the two parts (no collection involved).
    fn check_invariants(t: &Table) {
        let n = t.nodes.len();
        assert!(n == 0 || n.is_power_of_two(), "{n} hash slots");
        assert!(
            t.last_free as usize <= n,
            "free-slot search starts at {}",
            t.last_free
        );
        for (i, node) in t.nodes.iter().enumerate() {
            let to = link(i, node.next);
            assert!(node.next == 0 || to < n, "slot {i} links outside ({to})");
            if node.key().is_nil() {
                assert!(node.val.is_nil(), "value without a key in slot {i}");
                assert_eq!(node.next, 0, "free slot {i} in a chain");
                assert!(i < t.last_free as usize, "free slot {i} above last_free");
                continue;
            }
            if node.val.is_nil() {
                continue;
            }
            if let Some(k) = node.key().as_int() {
                assert!(
                    !(k >= 1 && (k as u64) <= t.array.len() as u64),
                    "key {k} is in both parts (array len {})",
                    t.array.len()
                );
            }
            if let Some(f) = node.key().as_float() {
                assert!(
                    float_to_int_exact(f).is_none() && !f.is_nan(),
                    "float key {f}"
                );
            }
            assert_eq!(
                t.find_slot(node.key()),
                Some(i),
                "chain broken for {:?}",
                node.key()
            );
        }
    }

    #[test]
    fn new_table_is_empty() {
        let t = Table::new(0, 0);
        assert_eq!(t.array_len(), 0);
        assert_eq!(t.hash_slots(), 0);
        assert_eq!(t.border(), 0);
        assert!(matches!(t.next(Value::NIL), Ok(None)));
        assert!(t.get_int(1).is_nil());
        assert!(t.get(Value::TRUE).is_nil());
        let t = Table::new(8, 5);
        assert_eq!(t.array_len(), 0);
        assert!(t.hash_slots() >= 5 && t.hash_slots().is_power_of_two());
        assert!(matches!(t.next(Value::NIL), Ok(None)));
        check_invariants(&t);
    }

    #[test]
    fn appending_grows_the_array_part() {
        let mut t = Table::new(0, 0);
        for i in 1..=1000 {
            t.set_int(i, int(i * 10));
            assert_eq!(t.array_len(), i as usize);
            assert_eq!(t.border(), i as u64);
        }
        assert_eq!(t.hash_slots(), 0, "a pure sequence needs no hash part");
        for i in 1..=1000 {
            assert!(t.get_int(i).raw_eq(int(i * 10)));
            assert!(t.get(Value::float(i as f64)).raw_eq(int(i * 10)));
        }
        assert!(t.get_int(0).is_nil());
        assert!(t.get_int(1001).is_nil());
        assert!(t.get_int(-1).is_nil());
        assert!(t.get_int(i64::MIN).is_nil());
        check_invariants(&t);
    }

    #[test]
    fn hash_keys_migrate_when_the_array_reaches_them() {
        let mut t = Table::new(0, 0);
        for k in [3, 4, 5, 7] {
            t.set_int(k, int(k));
        }
        assert_eq!(t.array_len(), 0);
        t.set_int(1, int(1));
        assert_eq!(t.array_len(), 1);
        check_invariants(&t);
        t.set_int(2, int(2));
        // 2 joins the array, then 3, 4, 5 follow from the hash part; 7 stays.
        assert_eq!(t.array_len(), 5);
        check_invariants(&t);
        for k in [1, 2, 3, 4, 5, 7] {
            assert!(t.get_int(k).raw_eq(int(k)), "t[{k}]");
        }
        let live_hash: Vec<_> = t.nodes().iter().filter(|n| !n.val.is_nil()).collect();
        assert_eq!(live_hash.len(), 1);
        assert!(live_hash[0].key().raw_eq(int(7)));
        assert_eq!(assert_border(&t), 5);
        t.set_int(6, int(6));
        assert_eq!(t.array_len(), 7);
        assert_eq!(assert_border(&t), 7);
        check_invariants(&t);
    }

    #[test]
    fn table_new_with_array_capacity_still_appends() {
        let mut t = Table::new(16, 0);
        t.set_int(2, int(2));
        assert!(t.get_int(2).raw_eq(int(2)));
        assert_eq!(assert_border(&t), 0);
        t.set_int(1, int(1));
        assert_eq!(assert_border(&t), 2);
        check_invariants(&t);
    }

    #[test]
    fn border_of_sequences() {
        for n in [0i64, 1, 2, 3, 7, 8, 9, 63, 64, 65, 300] {
            let mut t = Table::new(0, 0);
            for i in 1..=n {
                t.set_int(i, Value::TRUE);
            }
            assert_eq!(assert_border(&t), n as u64);
        }
    }

    #[test]
    fn border_filled_in_reverse() {
        for n in [1i64, 2, 5, 16, 17, 100, 1000] {
            let mut t = Table::new(0, 0);
            for i in (1..=n).rev() {
                t.set_int(i, int(i));
                assert_border(&t);
                check_invariants(&t);
            }
            assert_eq!(t.border(), n as u64, "only border of a full sequence is n");
            for i in 1..=n {
                assert!(t.get_int(i).raw_eq(int(i)));
            }
            let keys: HashSet<_> = traverse(&t).iter().map(|(k, _)| mkey(*k)).collect();
            assert_eq!(keys, (1..=n).map(MKey::Int).collect());
        }
    }

    #[test]
    fn border_with_holes() {
        let mut t = Table::new(0, 0);
        for i in 1..=20 {
            t.set_int(i, int(i));
        }
        for hole in [5, 10, 11, 15] {
            t.set_int(hole, Value::NIL);
            assert_border(&t);
        }
        // Sparse integer keys in the hash part, no key 1.
        let mut t = Table::new(0, 0);
        for i in 2..=100 {
            t.set_int(i, int(i));
        }
        assert_border(&t);
        // Keys only in the hash part beyond the array.
        let mut t = Table::new(0, 0);
        for i in [1, 2, 3, 4, 100, 101, 102, 5000] {
            t.set_int(i, int(i));
        }
        assert_border(&t);
        // Array part ending with nil (as a weak table cleared by the collector leaves it).
        let mut t = Table::new(0, 0);
        t.array_mut()
            .extend([int(1), int(2), Value::NIL, int(4), Value::NIL, Value::NIL]);
        let b = assert_border(&t);
        assert!(b == 2 || b == 4, "border {b}");
        let mut t = Table::new(0, 0);
        t.array_mut().extend([Value::NIL, Value::NIL]);
        assert_eq!(assert_border(&t), 0);
    }

    #[test]
    fn border_unbounded_search_in_hash_part() {
        let mut t = Table::new(0, 4);
        // Force integer keys into the hash part: key 1 arrives last via a rehash that
        // keeps most keys out of the array.
        for i in (1..=40).rev() {
            t.set(Value::float(i as f64), int(i)).unwrap();
        }
        for i in 1..=40 {
            t.set_int(i + 1000, int(i));
        }
        assert_eq!(assert_border(&t), 40);
        check_invariants(&t);
    }

    #[test]
    fn removing_elements_keeps_borders_valid() {
        let mut t = Table::new(0, 0);
        for i in 1..=10 {
            t.set_int(i, int(i));
        }
        t.set_int(10, Value::NIL);
        assert!(t.get_int(10).is_nil());
        assert_eq!(assert_border(&t), 9);
        t.set_int(5, Value::NIL);
        let b = assert_border(&t);
        assert!(b == 4 || b == 9, "border {b}");
        for i in [9, 8, 7, 6] {
            t.set_int(i, Value::NIL);
            assert_border(&t);
        }
        assert_eq!(assert_border(&t), 4);
        check_invariants(&t);
        // Setting the slot after the last live one again.
        t.set_int(5, int(55));
        assert!(t.get_int(5).raw_eq(int(55)));
        assert_eq!(assert_border(&t), 5);
        for i in (1..=5).rev() {
            t.set_int(i, Value::NIL);
            assert_border(&t);
        }
        assert_eq!(assert_border(&t), 0);
        assert!(matches!(t.next(Value::NIL), Ok(None)));
        // Keys of removed array slots are still valid for `next` (a traversal that
        // cleared them goes on).
        assert!(matches!(t.next(int(3)), Ok(None)));
        // Setting nil past the end is a no-op.
        t.set_int(11, Value::NIL);
        t.set_int(100, Value::NIL);
        assert_eq!(t.hash_slots(), 0);
    }

    #[test]
    fn removing_from_the_front_and_appending() {
        // A queue: push at the end, pop at the front.
        let mut t = Table::new(0, 0);
        let (mut head, mut tail) = (1i64, 0i64);
        for round in 0..500 {
            for _ in 0..3 {
                tail += 1;
                t.set_int(tail, int(tail));
            }
            for _ in 0..2 {
                assert!(t.get_int(head).raw_eq(int(head)), "round {round}");
                t.set_int(head, Value::NIL);
                head += 1;
            }
            assert_border(&t);
        }
        for i in head..=tail {
            assert!(t.get_int(i).raw_eq(int(i)));
        }
        assert_eq!(traverse(&t).len() as i64, tail - head + 1);
        check_invariants(&t);
    }

    #[test]
    fn rebuilding_trims_trailing_nils() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        for i in 1..=16 {
            t.set_int(i, int(i));
        }
        for i in 9..=16 {
            t.set_int(i, Value::NIL);
        }
        assert_eq!(assert_border(&t), 8);
        for i in 0..40 {
            let k = heap.str_value(format!("k{i}").as_bytes());
            t.set(k, int(i)).unwrap();
        }
        assert_eq!(
            t.array_len(),
            8,
            "a rehash sizes the array by its live keys"
        );
        assert_eq!(assert_border(&t), 8);
        for i in 1..=8 {
            assert!(t.get_int(i).raw_eq(int(i)));
        }
        check_invariants(&t);
    }

    #[test]
    fn float_keys_normalise() {
        let mut t = Table::new(0, 0);
        t.set(Value::float(1.0), Value::TRUE).unwrap();
        assert_eq!(
            t.array_len(),
            1,
            "1.0 is stored as integer 1 in the array part"
        );
        assert!(t.get_int(1).raw_eq(Value::TRUE));
        assert!(t.get(int(1)).raw_eq(Value::TRUE));
        t.set_int(2, Value::FALSE);
        assert!(t.get(Value::float(2.0)).raw_eq(Value::FALSE));
        // -0.0 is the integer 0.
        t.set(Value::float(-0.0), int(0)).unwrap();
        assert!(t.get(int(0)).raw_eq(int(0)));
        assert!(t.get(Value::float(0.0)).raw_eq(int(0)));
        // Non-integral floats stay floats.
        t.set(Value::float(1.5), int(15)).unwrap();
        assert!(t.get(Value::float(1.5)).raw_eq(int(15)));
        assert!(t.get_int(1).raw_eq(Value::TRUE));
        // 2^53 as a float is the integer 2^53, distinct from 2^53 + 1.
        let two53 = 1i64 << 53;
        t.set(Value::float(two53 as f64), int(53)).unwrap();
        assert!(t.get(int(two53)).raw_eq(int(53)));
        assert!(t.get_int(two53 + 1).is_nil());
        t.set_int(two53 + 1, int(54));
        assert!(t.get(Value::float(two53 as f64)).raw_eq(int(53)));
        assert!(t.get_int(two53 + 1).raw_eq(int(54)));
        // 2^63 has no integer representation: it stays a float key.
        let big = 9223372036854775808.0f64;
        t.set(Value::float(big), int(63)).unwrap();
        assert!(t.get(Value::float(big)).raw_eq(int(63)));
        assert!(t.get_int(i64::MAX).is_nil());
        assert!(t.get_int(i64::MIN).is_nil());
        t.set(Value::float(-big), int(-63)).unwrap();
        assert!(t.get_int(i64::MIN).raw_eq(int(-63)), "-2^63 is an integer");
        // Infinities are ordinary float keys.
        t.set(Value::float(f64::INFINITY), int(99)).unwrap();
        assert!(t.get(Value::float(f64::INFINITY)).raw_eq(int(99)));
        assert!(t.get(Value::float(f64::NEG_INFINITY)).is_nil());
        // Traversal reports normalised keys.
        for (k, _) in traverse(&t) {
            if let Some(f) = k.as_float() {
                assert!(float_to_int_exact(f).is_none());
            }
        }
        check_invariants(&t);
        assert_eq!(normalize_key(Value::float(3.0)).as_int(), Some(3));
        assert!(normalize_key(Value::float(3.5)).is_float());
        assert!(normalize_key(Value::TRUE).raw_eq(Value::TRUE));
    }

    #[test]
    fn nil_and_nan_keys_are_rejected() {
        let mut t = Table::new(0, 0);
        assert_eq!(t.set(Value::NIL, int(1)), Err(KeyError::Nil));
        assert_eq!(t.set(Value::float(f64::NAN), int(1)), Err(KeyError::NaN));
        assert_eq!(t.set(Value::float(-f64::NAN), int(1)), Err(KeyError::NaN));
        // Even storing nil under them is an error, as in Lua.
        assert_eq!(t.set(Value::NIL, Value::NIL), Err(KeyError::Nil));
        assert_eq!(
            t.set(Value::float(f64::NAN), Value::NIL),
            Err(KeyError::NaN)
        );
        assert_eq!(t.hash_slots(), 0);
        assert!(matches!(t.next(Value::NIL), Ok(None)));
        assert!(t.get(Value::NIL).is_nil());
        assert!(t.get(Value::float(f64::NAN)).is_nil());
        t.set_int(1, int(1));
        t.set(Value::TRUE, int(2)).unwrap();
        assert!(t.get(Value::NIL).is_nil());
        assert!(t.get(Value::float(f64::NAN)).is_nil());
    }

    #[test]
    fn assorted_key_types() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        let other = heap.alloc(Table::new(0, 0));
        let keys = [
            Value::TRUE,
            Value::FALSE,
            heap.str_value(b"name"),
            heap.str_value(&[b'L'; 90]),
            Value::light_userdata(0x1000),
            Value::table(other),
            int(-5),
            int(0),
            Value::float(0.25),
        ];
        for (i, &k) in keys.iter().enumerate() {
            t.set(k, int(i as i64)).unwrap();
        }
        for (i, &k) in keys.iter().enumerate() {
            assert!(t.get(k).raw_eq(int(i as i64)), "key {k:?}");
        }
        // A different long-string object with the same contents finds the entry.
        let l2 = heap.str_value(&[b'L'; 90]);
        assert!(t.get(l2).raw_eq(int(3)));
        assert!(t.get_str(l2.as_string().unwrap()).raw_eq(int(3)));
        let name = heap.intern(b"name");
        assert!(t.get_str(name).raw_eq(int(2)));
        assert!(t.get(Value::light_userdata(0x1008)).is_nil());
        assert_eq!(traverse(&t).len(), keys.len());
        check_invariants(&t);
        // Overwriting a long-string key through another object keeps one entry.
        t.set(l2, int(100)).unwrap();
        assert_eq!(traverse(&t).len(), keys.len());
        assert!(t.get(keys[3]).raw_eq(int(100)));
    }

    #[test]
    fn set_str_and_flags_cache() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        t.flags.set(0xff);
        t.set_int(1, int(1));
        assert_eq!(
            t.flags.get(),
            0xff,
            "array stores keep the metamethod cache"
        );
        let k = heap.intern(b"__index");
        t.set_str(k, Value::TRUE);
        assert_eq!(t.flags.get(), 0, "hash stores clear the metamethod cache");
        assert!(t.get_str(k).raw_eq(Value::TRUE));
        t.flags.set(0xff);
        t.set_str(k, Value::NIL);
        assert_eq!(t.flags.get(), 0);
        assert!(t.get_str(k).is_nil());
    }

    #[test]
    fn next_visits_every_key_once() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        let mut expect = HashSet::new();
        for i in 1..=50 {
            t.set_int(i, int(i));
            expect.insert(MKey::Int(i));
        }
        for i in [100i64, -3, 0, 1 << 40] {
            t.set_int(i, int(i));
            expect.insert(MKey::Int(i));
        }
        for i in 0..60 {
            let k = heap.str_value(format!("s{i}").as_bytes());
            t.set(k, int(i)).unwrap();
            expect.insert(mkey(k));
        }
        t.set(Value::float(0.5), Value::TRUE).unwrap();
        expect.insert(MKey::Float(0.5f64.to_bits()));
        let got: HashSet<_> = traverse(&t).iter().map(|(k, _)| mkey(*k)).collect();
        assert_eq!(got, expect);
        // Values match lookups.
        for (k, v) in traverse(&t) {
            assert!(t.get(k).raw_eq(v));
        }
        // Array keys come first, in order.
        let first: Vec<_> = traverse(&t)
            .iter()
            .take(50)
            .map(|(k, _)| k.as_int())
            .collect();
        assert_eq!(first, (1..=50).map(Some).collect::<Vec<_>>());
    }

    #[test]
    fn next_with_float_key_equal_to_an_integer() {
        let mut t = Table::new(0, 0);
        for i in 1..=3 {
            t.set_int(i, int(i));
        }
        t.set_int(10, int(10));
        let (k, _) = t.next(Value::float(1.0)).unwrap().unwrap();
        assert!(k.raw_eq(int(2)));
        let after_10 = t.next(Value::float(10.0)).unwrap();
        assert!(after_10.is_none());
    }

    /// Clears the current key at every step, as `for k in pairs(t) do t[k] = nil end`.
    #[test]
    fn next_survives_clearing_the_current_key() {
        let mut heap = Heap::new();
        for (narr, nhash) in [(0, 0), (10, 0), (0, 10), (40, 40), (1, 200)] {
            let mut t = Table::new(0, 0);
            let mut expect = HashSet::new();
            for i in 1..=narr {
                t.set_int(i, int(i));
                expect.insert(MKey::Int(i));
            }
            for i in 0..nhash {
                let k = heap.str_value(format!("h{i}").as_bytes());
                t.set(k, int(i)).unwrap();
                expect.insert(mkey(k));
                t.set_int(1000 + i, int(i));
                expect.insert(MKey::Int(1000 + i));
            }
            let mut seen = HashSet::new();
            let mut k = Value::NIL;
            while let Some((nk, _)) = t.next(k).expect("next after clearing") {
                assert!(seen.insert(mkey(nk)), "{nk:?} twice");
                t.set(nk, Value::NIL).unwrap();
                k = nk;
            }
            assert_eq!(seen, expect);
            assert!(matches!(t.next(Value::NIL), Ok(None)));
            assert_eq!(assert_border(&t), 0);
        }
    }

    /// Clears keys other than the current one during traversal (also allowed): cleared
    /// keys not yet visited are skipped, everything else is visited exactly once.
    #[test]
    fn next_survives_clearing_other_keys() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        let mut all = Vec::new();
        for i in 1..=30 {
            t.set_int(i, int(i));
            all.push(int(i));
        }
        for i in 0..30 {
            let k = heap.str_value(format!("x{i}").as_bytes());
            t.set(k, int(i)).unwrap();
            all.push(k);
        }
        let mut seen = HashSet::new();
        let mut cleared = HashSet::new();
        let mut k = Value::NIL;
        let mut step = 0;
        while let Some((nk, _)) = t.next(k).expect("next") {
            assert!(seen.insert(mkey(nk)));
            assert!(!cleared.contains(&mkey(nk)), "visited a cleared key {nk:?}");
            // Clear the key three places further in insertion order, and every third
            // key clear the visited one too.
            let target = all[(step * 7 + 3) % all.len()];
            if !seen.contains(&mkey(target)) {
                cleared.insert(mkey(target));
            }
            t.set(target, Value::NIL).unwrap();
            if step % 3 == 0 {
                t.set(nk, Value::NIL).unwrap();
            }
            k = nk;
            step += 1;
        }
        let expect: HashSet<_> = all
            .iter()
            .map(|k| mkey(*k))
            .filter(|k| !cleared.contains(k))
            .collect();
        assert_eq!(seen, expect);
    }

    #[test]
    fn next_rejects_keys_not_in_the_table() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        t.set_int(1, int(1));
        t.set_int(2, int(2));
        let a = heap.str_value(b"a");
        t.set(a, int(3)).unwrap();
        assert!(matches!(t.next(heap.str_value(b"zz")), Err(InvalidKey)));
        assert!(matches!(t.next(Value::float(1.5)), Err(InvalidKey)));
        assert!(matches!(t.next(Value::TRUE), Err(InvalidKey)));
        assert!(matches!(t.next(int(0)), Err(InvalidKey)));
        assert!(matches!(t.next(int(-1)), Err(InvalidKey)));
        let empty = Table::new(0, 0);
        assert!(matches!(empty.next(a), Err(InvalidKey)));
        assert!(matches!(empty.next(Value::float(0.5)), Err(InvalidKey)));
        // Keys present are accepted; the last one ends the traversal.
        let last = traverse(&t).last().unwrap().0;
        assert!(matches!(t.next(last), Ok(None)));
    }

    /// PUC Lua raises "invalid key to 'next'" for an integer key that is not in the
    /// table (`next({}, 1)`, `next({10, 20}, 5)`).
    #[test]
    fn next_rejects_absent_integer_keys_past_the_array() {
        let mut heap = Heap::new();
        let empty = Table::new(0, 0);
        assert!(matches!(empty.next(int(1)), Err(InvalidKey)));
        let mut t = Table::new(0, 0);
        t.set_int(1, int(10));
        t.set_int(2, int(20));
        let a = heap.str_value(b"a");
        t.set(a, int(3)).unwrap();
        assert!(matches!(t.next(int(5)), Err(InvalidKey)));
    }

    #[test]
    fn sparse_keys_do_not_inflate_the_array() {
        let mut t = Table::new(0, 0);
        for i in 0..40 {
            t.set_int(1i64 << i, int(i));
        }
        // Only 1, 2 and 4 are dense enough (PUC's rule: more than half of 1..=n used).
        assert!(t.array_len() <= 4, "array part of {}", t.array_len());
        for i in 0..40 {
            assert!(t.get_int(1i64 << i).raw_eq(int(i)));
        }
        assert_border(&t);
        check_invariants(&t);
        let mut t = Table::new(0, 0);
        t.set_int(1, int(1));
        t.set_int(1_000_000, int(2));
        assert_eq!(t.array_len(), 1);
        assert!(t.get_int(1_000_000).raw_eq(int(2)));
    }

    #[test]
    fn rehash_builds_a_dense_array_from_hash_keys() {
        // Keys 2..=64 land in the hash part first; a rehash triggered by a new key must
        // move the dense range into the array part (more than half of 1..=n used).
        let mut t = Table::new(0, 0);
        for i in 2..=64 {
            t.set_int(i, int(i));
        }
        let arr = t.array_len();
        // 63 of 1..=64 are used, so PUC sizes the array at 64 at the latest rehash; the
        // entries then sit in the array part even though key 1 is absent.
        t.set_int(1, int(1));
        assert_eq!(
            t.array_len(),
            64,
            "array part after filling key 1 (was {arr})"
        );
        assert_eq!(assert_border(&t), 64);
        check_invariants(&t);
    }

    #[test]
    fn rehash_moves_a_sparse_array_into_the_hash_part() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        for i in 1..=16 {
            t.set_int(i, int(i));
        }
        for i in 1..=15 {
            t.set_int(i, Value::NIL);
        }
        assert_eq!(t.array_len(), 16, "key 16 keeps the array part");
        // Inserting many new keys rehashes; key 16 alone no longer justifies an array.
        for i in 0..50 {
            let k = heap.str_value(format!("k{i}").as_bytes());
            t.set(k, int(i)).unwrap();
            check_invariants(&t);
        }
        assert!(t.array_len() < 16, "array part still {}", t.array_len());
        assert!(t.get_int(16).raw_eq(int(16)));
        assert_eq!(traverse(&t).len(), 51);
        assert_border(&t);
    }

    #[test]
    fn removed_slots_are_reused_without_growth() {
        let mut heap = Heap::new();
        let mut t = Table::new(0, 0);
        let keys: Vec<_> = (0..12)
            .map(|i| heap.str_value(format!("r{i}").as_bytes()))
            .collect();
        for &k in &keys {
            t.set(k, Value::TRUE).unwrap();
        }
        let slots = t.hash_slots();
        // Delete and reinsert the same keys many times: the part must not keep growing.
        for round in 0..100 {
            for &k in &keys {
                t.set(k, Value::NIL).unwrap();
            }
            for &k in &keys {
                t.set(k, int(round)).unwrap();
            }
        }
        assert_eq!(t.hash_slots(), slots);
        // Churning through fresh keys with a bounded live set stays bounded too.
        for i in 0..2000 {
            let k = heap.str_value(format!("c{i}").as_bytes());
            t.set(k, Value::TRUE).unwrap();
            if i >= 10 {
                let old = heap.str_value(format!("c{}", i - 10).as_bytes());
                t.set(old, Value::NIL).unwrap();
            }
            check_invariants(&t);
        }
        assert!(
            t.hash_slots() <= 128,
            "hash part grew to {}",
            t.hash_slots()
        );
        assert_eq!(traverse(&t).len(), 22);
    }

    #[test]
    fn size_accounts_for_both_parts() {
        let mut t = Table::new(0, 0);
        let empty = t.size();
        for i in 1..=100 {
            t.set_int(i, int(i));
        }
        assert!(t.size() >= empty + 100 * 16);
        for i in 0..100 {
            t.set(Value::float(i as f64 + 0.5), int(i)).unwrap();
        }
        assert!(t.size() >= empty + 100 * 16 + t.hash_slots() * 32);
    }

    /// A small deterministic PRNG (xorshift) so the long test needs no dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Picks a key from a mixed distribution: dense integers, integral floats, negative
    /// and huge integers, fractional floats, short and long strings, booleans.
    fn random_key(rng: &mut Rng, heap: &mut Heap) -> Value {
        match rng.below(10) {
            0..=3 => int(rng.below(80) as i64 + 1),
            4 => Value::float((rng.below(80) + 1) as f64),
            5 => int(rng.next() as i64 >> rng.below(64)),
            6 => Value::float(rng.below(1000) as f64 / 8.0 + 0.125 * (rng.below(2) as f64)),
            7 => heap.str_value(format!("s{}", rng.below(60)).as_bytes()),
            8 => {
                let mut b = vec![b'L'; 50];
                b.extend(format!("{}", rng.below(20)).bytes());
                heap.str_value(&b)
            }
            _ => Value::bool(rng.below(2) == 0),
        }
    }

    fn check_against_model(t: &Table, model: &HashMap<MKey, i64>) {
        check_invariants(t);
        let got: HashMap<MKey, i64> = traverse(t)
            .into_iter()
            .map(|(k, v)| (mkey(k), v.as_int().unwrap()))
            .collect();
        assert_eq!(&got, model);
        assert_border(t);
    }

    #[test]
    fn random_operations_match_a_hashmap_model() {
        let mut heap = Heap::new();
        for seed in 1..=6u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut t = Table::new(0, 0);
            let mut model: HashMap<MKey, i64> = HashMap::new();
            for step in 0..4000 {
                let k = random_key(&mut rng, &mut heap);
                let mk = mkey(normalize_key(k));
                if rng.below(3) == 0 {
                    t.set(k, Value::NIL).unwrap();
                    model.remove(&mk);
                } else {
                    let v = rng.below(1 << 20) as i64;
                    t.set(k, int(v)).unwrap();
                    model.insert(mk.clone(), v);
                }
                let expect = model.get(&mk).map_or(Value::NIL, |&v| int(v));
                assert!(t.get(k).raw_eq(expect), "seed {seed} step {step} key {k:?}");
                if step % 500 == 0 {
                    check_against_model(&t, &model);
                }
            }
            check_against_model(&t, &model);
            // Drain it through traversal.
            let mut k = Value::NIL;
            while let Some((nk, _)) = t.next(k).unwrap() {
                t.set(nk, Value::NIL).unwrap();
                model.remove(&mkey(nk));
                k = nk;
            }
            assert!(model.is_empty());
            assert!(matches!(t.next(Value::NIL), Ok(None)));
        }
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        enum KeySpec {
            Int(i64),
            IntegralFloat(i64),
            Frac(i32),
            Short(u8),
            Long(u8),
            Bool(bool),
        }

        impl KeySpec {
            fn value(&self, heap: &mut Heap) -> Value {
                match *self {
                    KeySpec::Int(i) => Value::int(i),
                    KeySpec::IntegralFloat(i) => Value::float(i as f64),
                    KeySpec::Frac(i) => Value::float(i as f64 + 0.5),
                    KeySpec::Short(i) => heap.str_value(format!("k{i}").as_bytes()),
                    KeySpec::Long(i) => heap.str_value(format!("{:>60}", i).as_bytes()),
                    KeySpec::Bool(b) => Value::bool(b),
                }
            }
        }

        #[derive(Clone, Debug)]
        enum Op {
            Set(KeySpec, i64),
            Del(KeySpec),
            /// Clears every key during one traversal whose index is divisible by n.
            ClearDuringTraversal(u8),
        }

        fn key_spec() -> impl Strategy<Value = KeySpec> {
            prop_oneof![
                4 => (1i64..48).prop_map(KeySpec::Int),
                1 => (-4i64..4).prop_map(KeySpec::Int),
                1 => any::<i64>().prop_map(KeySpec::Int),
                1 => (1i64..48).prop_map(KeySpec::IntegralFloat),
                1 => (-50i32..50).prop_map(KeySpec::Frac),
                2 => (0u8..32).prop_map(KeySpec::Short),
                1 => (0u8..8).prop_map(KeySpec::Long),
                1 => any::<bool>().prop_map(KeySpec::Bool),
            ]
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                6 => (key_spec(), any::<i64>()).prop_map(|(k, v)| Op::Set(k, v)),
                3 => key_spec().prop_map(Op::Del),
                1 => (1u8..5).prop_map(Op::ClearDuringTraversal),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

            #[test]
            fn table_matches_model(ops in proptest::collection::vec(op(), 1..300)) {
                let mut heap = Heap::new();
                let mut t = Table::new(0, 0);
                let mut model: HashMap<MKey, i64> = HashMap::new();
                for op in &ops {
                    match op {
                        Op::Set(ks, v) => {
                            let k = ks.value(&mut heap);
                            t.set(k, int(*v)).unwrap();
                            model.insert(mkey(normalize_key(k)), *v);
                            prop_assert!(t.get(k).raw_eq(int(*v)));
                        }
                        Op::Del(ks) => {
                            let k = ks.value(&mut heap);
                            t.set(k, Value::NIL).unwrap();
                            model.remove(&mkey(normalize_key(k)));
                            prop_assert!(t.get(k).is_nil());
                        }
                        Op::ClearDuringTraversal(n) => {
                            let mut k = Value::NIL;
                            let mut i = 0u32;
                            let mut seen = HashSet::new();
                            while let Some((nk, _)) = t.next(k).unwrap() {
                                prop_assert!(seen.insert(mkey(nk)));
                                if i.is_multiple_of(*n as u32) {
                                    t.set(nk, Value::NIL).unwrap();
                                    model.remove(&mkey(nk));
                                }
                                i += 1;
                                k = nk;
                            }
                        }
                    }
                    check_invariants(&t);
                    assert_border(&t);
                }
                check_against_model(&t, &model);
                for (mk, v) in &model {
                    let k = match mk {
                        MKey::Int(i) => int(*i),
                        MKey::Float(b) => Value::float(f64::from_bits(*b)),
                        MKey::Str(s) => heap.str_value(s),
                        MKey::Bool(b) => Value::bool(*b),
                        MKey::Other(..) => unreachable!(),
                    };
                    prop_assert!(t.get(k).raw_eq(int(*v)));
                }
            }
        }
    }
}
