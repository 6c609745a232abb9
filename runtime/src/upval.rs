//! Upvalues: open (aliasing a slot of a thread's stack) or closed (holding their own
//! value).
//!
//! An upvalue keeps the address of its value: the stack slot while open, its own
//! `value` field once closed. Reading or writing it is one load or store with no test,
//! as in PUC Lua. The address stays right because the owning thread
//! takes every open upvalue's address again whenever its stack moves
//! (`Thread::rebase_upvals`), and the open upvalue keeps the thread alive (the
//! collector marks it). Debug builds check every access against the slot found the
//! safe way, through the thread and the index.

use crate::gc::{Gc, GcHeader, GcObject, ObjKind};
use crate::heap::Heap;
use crate::thread::Thread;
use crate::value::Value;
use std::cell::Cell;

#[repr(C)]
pub struct UpVal {
    hdr: GcHeader,
    /// Address of the stack slot while open; of `value` once closed (the object does
    /// not move once allocated).
    slot: Cell<*mut Value>,
    /// The value once closed.
    value: Cell<Value>,
    /// The thread whose stack holds the value while open.
    thread: Cell<Option<Gc<Thread>>>,
    index: Cell<usize>,
}

impl UpVal {
    /// Byte offset of the value's address (for `layout`).
    pub(crate) fn slot_offset() -> i32 {
        std::mem::offset_of!(UpVal, slot) as i32
    }
    /// Byte offset of the closed value (for `layout`).
    pub(crate) fn value_offset() -> i32 {
        std::mem::offset_of!(UpVal, value) as i32
    }
}

// SAFETY: repr(C), header first, unique kind.
unsafe impl GcObject for UpVal {
    const KIND: ObjKind = ObjKind::UpVal;
}

impl UpVal {
    /// The open upvalue of stack slot `index` of `thread`, which must exist.
    pub fn new_open(thread: Gc<Thread>, index: usize) -> UpVal {
        assert!(index < thread.stack.len(), "open upvalue above the stack");
        UpVal {
            hdr: GcHeader::new(ObjKind::UpVal),
            slot: Cell::new(thread.get_mut().stack.as_mut_ptr().wrapping_add(index)),
            value: Cell::new(Value::NIL),
            thread: Cell::new(Some(thread)),
            index: Cell::new(index),
        }
    }
    /// A new closed upvalue holding `v`.
    pub fn new_closed(heap: &mut Heap, v: Value) -> Gc<UpVal> {
        let u = heap.alloc(UpVal {
            hdr: GcHeader::new(ObjKind::UpVal),
            slot: Cell::new(std::ptr::null_mut()),
            value: Cell::new(v),
            thread: Cell::new(None),
            index: Cell::new(0),
        });
        // Only now, in its place on the heap, does the value have its address.
        u.slot.set(u.value.as_ptr());
        u
    }
    #[inline]
    pub fn get(&self) -> Value {
        let p = self.slot.get();
        self.check_slot(p);
        // SAFETY: `slot` is an open upvalue's slot, inside its thread's live stack
        // buffer (see the module docs), or a closed upvalue's own `value` field
        // (checked in debug builds).
        unsafe { *p }
    }
    #[inline]
    pub(crate) fn set(&self, v: Value) {
        let p = self.slot.get();
        self.check_slot(p);
        // SAFETY: as in `get`.
        unsafe { *p = v }
    }
    /// Debug builds: the slot's address is the one the thread and index give while
    /// open, the upvalue's own value once closed.
    #[inline(always)]
    fn check_slot(&self, p: *mut Value) {
        #[cfg(debug_assertions)]
        match self.thread.get() {
            Some(t) => {
                let i = self.index.get();
                assert!(i < t.stack.len(), "open upvalue {i} above the stack");
                assert!(
                    std::ptr::eq(p, t.stack.as_ptr().wrapping_add(i)),
                    "stale upvalue slot: the stack moved since it was taken"
                );
            }
            None => assert!(
                std::ptr::eq(p, self.value.as_ptr()),
                "closed upvalue not pointing at its value"
            ),
        }
        let _ = p;
    }
    pub fn is_open(&self) -> bool {
        self.thread.get().is_some()
    }
    /// Stack index while open.
    pub fn index(&self) -> usize {
        self.index.get()
    }
    pub fn thread(&self) -> Option<Gc<Thread>> {
        self.thread.get()
    }
    /// Takes the slot address again in the moved stack whose first slot is `stack`.
    pub(crate) fn rebase(&self, stack: *mut Value) {
        if self.is_open() {
            self.slot.set(stack.wrapping_add(self.index.get()));
        }
    }
    /// Copies the stack slot into the upvalue and detaches it from the stack.
    pub(crate) fn close(&self) {
        if self.is_open() {
            self.value.set(self.get());
            self.slot.set(self.value.as_ptr());
            self.thread.set(None);
        }
    }
    /// The closed value (for the collector).
    pub(crate) fn closed_value(&self) -> Value {
        self.value.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;

    #[test]
    fn open_upvalue_follows_its_slot_when_the_stack_moves() {
        let mut st = State::new();
        let th = st.thread;
        th.get_mut().stack[3] = Value::int(7);
        let u = st.heap.alloc(UpVal::new_open(th, 3));
        th.get_mut().open_upvals.push(u);
        let len = th.stack.len();
        assert!(th.get_mut().ensure_abs(len * 4));
        assert_eq!(u.get().as_int(), Some(7));
        u.set(Value::int(8));
        assert_eq!(th.stack[3].as_int(), Some(8));
        u.close();
        th.get_mut().open_upvals.pop();
        th.get_mut().stack[3] = Value::NIL;
        assert_eq!(u.get().as_int(), Some(8));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "stale upvalue slot")]
    fn stale_upvalue_slot_is_caught() {
        let mut st = State::new();
        let th = st.thread;
        let u = st.heap.alloc(UpVal::new_open(th, 0));
        // Not registered as open, so the move does not rebase it: the debug check
        // must stop the read.
        let len = th.stack.len();
        assert!(th.get_mut().ensure_abs(len * 4));
        let _ = u.get();
    }
}
