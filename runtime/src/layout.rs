//! Where JIT code finds things in runtime objects: byte offsets of the table, node and
//! upvalue fields that traces load and store directly. `Value`'s own layout is a fixed
//! contract (see `value`); the objects are `repr(C)`, so their field offsets are fixed
//! too, but a `Vec`'s or a boxed slice's inner layout is not specified by Rust: it is
//! read off a live one here, once, and is then fixed for this build.

use crate::table::{Node, Table};
use crate::upval::UpVal;
use crate::value::Value;
use std::sync::OnceLock;

/// Byte offsets, from the start of an object (its header).
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// `Table`: the address of the array part's first slot, and its length.
    pub table_array_ptr: i32,
    pub table_array_len: i32,
    /// `Table`: the address of the first node, and the number of nodes.
    pub table_nodes_ptr: i32,
    pub table_nodes_len: i32,
    /// `Table`: the metatable's address, zero for none.
    pub table_meta: i32,
    /// `Node`: its value, and its key's payload and tag (a byte).
    pub node_value: i32,
    pub node_key_payload: i32,
    pub node_key_tag: i32,
    pub node_size: i32,
    /// `LuaStr`: its length in bytes, and its first byte.
    pub str_len: i32,
    pub str_data: i32,
    /// `UpVal`: the address of the value (a stack slot while open), and the value
    /// once closed.
    pub upval_slot: i32,
    pub upval_value: i32,
    /// `LuaClosure`: its prototype, and its first upvalue object (a pointer each).
    pub closure_proto: i32,
    pub closure_upvals: i32,
}

/// The offsets of this build.
pub fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let (array_ptr, array_len) = vec_words();
        let (nodes_ptr, nodes_len) = slice_words();
        let t = std::mem::offset_of!(Table, array) as i32;
        let n = std::mem::offset_of!(Table, nodes) as i32;
        let (kp, kt) = Node::key_offsets();
        Layout {
            table_array_ptr: t + array_ptr,
            table_array_len: t + array_len,
            table_nodes_ptr: n + nodes_ptr,
            table_nodes_len: n + nodes_len,
            table_meta: std::mem::offset_of!(Table, metatable) as i32,
            node_value: std::mem::offset_of!(Node, val) as i32,
            node_key_payload: kp,
            node_key_tag: kt,
            node_size: std::mem::size_of::<Node>() as i32,
            str_len: crate::string::LuaStr::len_offset(),
            str_data: crate::gc::tail_offset::<crate::string::LuaStr>() as i32,
            upval_slot: UpVal::slot_offset(),
            upval_value: UpVal::value_offset(),
            closure_proto: crate::function::LuaClosure::proto_offset(),
            closure_upvals: crate::gc::tail_offset::<crate::function::LuaClosure>() as i32,
        }
    })
}

/// Byte offsets of the data pointer and the length inside a `Vec<Value>`.
fn vec_words() -> (i32, i32) {
    let mut v: Vec<Value> = Vec::with_capacity(7);
    v.push(Value::NIL);
    let words = words_of(&v);
    let ptr = v.as_ptr() as usize;
    (find(&words, ptr), find(&words, 1))
}

/// Byte offsets of the data pointer and the length inside a `Box<[Node]>`.
fn slice_words() -> (i32, i32) {
    let b: Box<[Node]> = vec![Node::EMPTY; 3].into_boxed_slice();
    let words = words_of(&b);
    let ptr = b.as_ptr() as usize;
    (find(&words, ptr), find(&words, 3))
}

fn find(words: &[usize], x: usize) -> i32 {
    let i = words.iter().position(|&w| w == x).expect("layout probe");
    assert_eq!(
        words.iter().filter(|&&w| w == x).count(),
        1,
        "ambiguous layout probe"
    );
    (i * std::mem::size_of::<usize>()) as i32
}

/// The machine words that make up `x`.
fn words_of<T>(x: &T) -> Vec<usize> {
    let n = std::mem::size_of::<T>() / std::mem::size_of::<usize>();
    assert_eq!(n * std::mem::size_of::<usize>(), std::mem::size_of::<T>());
    let p = x as *const T as *const usize;
    // SAFETY: `x` is a live `T` of `n` whole words, aligned for `usize` (a Vec and a
    // boxed slice are made of pointers and integers: every byte is initialized, and any
    // bit pattern is a valid `usize`). The words are copied out, `x` is not changed.
    (0..n).map(|i| unsafe { p.add(i).read() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probed_offsets_find_the_parts() {
        let l = layout();
        let mut t = Table::new(4, 4);
        for i in 1..=4 {
            t.set_int(i, Value::int(i * 10));
        }
        let words = words_of(&t);
        let at = |off: i32| words[off as usize / 8];
        assert_eq!(at(l.table_array_ptr), t.array.as_ptr() as usize);
        assert_eq!(at(l.table_array_len), t.array.len());
        assert_eq!(at(l.table_nodes_ptr), t.nodes.as_ptr() as usize);
        assert_eq!(at(l.table_nodes_len), t.nodes.len());
        assert_eq!(at(l.table_meta), 0);
        let other = Table::new(0, 0);
        let mt = crate::gc::Gc::from_addr(&other as *const Table as usize);
        t.metatable = Some(mt);
        assert_eq!(words_of(&t)[l.table_meta as usize / 8], mt.addr());
    }
}
