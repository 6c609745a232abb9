//! Mark and sweep.
//!
//! A collection is stop-the-world and runs only at safe points (see `gc.rs`): the owner
//! of the roots calls [`Heap::begin_cycle`], marks its roots with [`Heap::mark_value`] /
//! [`Heap::mark_thread`], then calls [`Heap::finish_cycle`], which propagates marks,
//! settles weak tables (ephemerons for weak keys), queues unreachable objects that have
//! finalizers (marking them again, so they live until finalized), clears weak entries
//! and frees everything unmarked.
//!
//! Thread stacks are marked up to `top` and cleared above it, so a slot above a thread's
//! top never holds a pointer to a freed object. Strings are values for weak tables: they
//! are never removed from one.

use crate::function::{LuaClosure, NativeClosure, Proto, UpVal};
use crate::gc::{
    free_object, object_size, Gc, GcHeader, ObjKind, FLAG_FINALIZABLE, FLAG_FINALIZED,
};
use crate::heap::{Heap, Tm};
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::Userdata;
use crate::value::*;

/// The value that refers to the object at `hdr`.
pub(crate) fn value_of(hdr: *mut GcHeader) -> Value {
    // SAFETY: callers pass live objects.
    let kind = unsafe { (*hdr).kind };
    let tag = match kind {
        ObjKind::String => TAG_STRING,
        ObjKind::Table => TAG_TABLE,
        ObjKind::LuaClosure => TAG_LCLOSURE,
        ObjKind::NativeClosure => TAG_NCLOSURE,
        ObjKind::Userdata => TAG_USERDATA,
        ObjKind::Thread => TAG_THREAD,
        ObjKind::Proto | ObjKind::UpVal => TAG_NIL,
    };
    Value::raw(hdr as u64, tag)
}

#[derive(Default)]
pub(crate) struct WeakLists {
    /// Weak values only.
    weak: Vec<Gc<Table>>,
    /// Weak keys only (ephemerons).
    ephemeron: Vec<Gc<Table>>,
    /// Weak keys and values.
    allweak: Vec<Gc<Table>>,
    /// Tables with a hash part (to clear dead keys before the sweep).
    hashed: Vec<Gc<Table>>,
}

#[inline]
fn hdr_of(v: Value) -> *mut GcHeader {
    v.object_addr() as *mut GcHeader
}

#[inline]
fn is_marked(v: Value) -> bool {
    !v.is_collectable() || crate::gc::header_of(v).marked.get()
}

/// Whether a weak reference to `v` is dead. Strings are values for weak tables: never.
#[inline]
fn is_cleared(v: Value) -> bool {
    !v.is_string() && !is_marked(v)
}

impl Heap {
    /// Starts a cycle: marks the heap's own roots.
    pub fn begin_cycle(&mut self) {
        self.gray.clear();
        for i in 0..self.tm_names.len() {
            let s = self.tm_names[i];
            self.mark_hdr(s.as_ptr() as *mut GcHeader);
        }
        let pending: Vec<Value> = self.tobefnz.iter().copied().collect();
        for v in pending {
            self.mark_value(v);
        }
    }

    #[inline]
    pub fn mark_value(&mut self, v: Value) {
        if v.is_collectable() {
            self.mark_hdr(hdr_of(v));
        }
    }

    pub fn mark_thread(&mut self, t: Gc<Thread>) {
        self.mark_hdr(t.as_ptr() as *mut GcHeader);
    }

    pub fn mark_table(&mut self, t: Gc<Table>) {
        self.mark_hdr(t.as_ptr() as *mut GcHeader);
    }

    fn mark_hdr(&mut self, h: *mut GcHeader) {
        // SAFETY: only live objects reach here (roots and fields of live objects).
        let hdr = unsafe { &*h };
        if !hdr.marked.get() {
            hdr.marked.set(true);
            if hdr.kind != ObjKind::String {
                self.gray.push(h);
            }
        }
    }

    fn propagate(&mut self, weak: &mut WeakLists) {
        while let Some(h) = self.gray.pop() {
            self.traverse(h, weak);
        }
    }

    fn weak_mode(&self, t: &Table) -> (bool, bool) {
        let Some(mt) = t.metatable else {
            return (false, false);
        };
        let mode = mt.get_str(self.tm_name(Tm::Mode));
        match mode.as_string() {
            Some(s) => {
                let b = s.as_bytes();
                (b.contains(&b'k'), b.contains(&b'v'))
            }
            None => (false, false),
        }
    }

    fn traverse(&mut self, h: *mut GcHeader, weak: &mut WeakLists) {
        // SAFETY: `h` is a live, marked object; its kind names its concrete type.
        let kind = unsafe { (*h).kind };
        match kind {
            ObjKind::String => {}
            ObjKind::Table => {
                let t: Gc<Table> = Gc::from_addr(h as usize);
                if let Some(mt) = t.metatable {
                    self.mark_table(mt);
                }
                if !t.nodes().is_empty() {
                    weak.hashed.push(t);
                }
                let (wk, wv) = self.weak_mode(&t);
                if !wv {
                    for &v in t.array() {
                        self.mark_value(v);
                    }
                }
                match (wk, wv) {
                    (false, false) => {
                        for n in t.nodes() {
                            if !n.val.is_nil() {
                                self.mark_value(n.key());
                                self.mark_value(n.val);
                            }
                        }
                    }
                    (false, true) => {
                        for n in t.nodes() {
                            if !n.val.is_nil() {
                                self.mark_value(n.key());
                                if n.val.is_string() {
                                    self.mark_value(n.val);
                                }
                            }
                        }
                        for &v in t.array() {
                            if v.is_string() {
                                self.mark_value(v);
                            }
                        }
                        weak.weak.push(t);
                    }
                    (true, false) => {
                        self.traverse_ephemeron(t);
                        weak.ephemeron.push(t);
                    }
                    (true, true) => {
                        // Strings are marked after clearing, for the entries that stay
                        // (an entry removed for its other half must not keep its string).
                        weak.allweak.push(t);
                    }
                }
            }
            ObjKind::LuaClosure => {
                let c: Gc<LuaClosure> = Gc::from_addr(h as usize);
                self.mark_hdr(c.proto.as_ptr() as *mut GcHeader);
                for u in c.upvals().iter() {
                    self.mark_hdr(u.as_ptr() as *mut GcHeader);
                }
            }
            ObjKind::NativeClosure => {
                let c: Gc<NativeClosure> = Gc::from_addr(h as usize);
                for &v in c.upvals.iter() {
                    self.mark_value(v);
                }
            }
            ObjKind::Userdata => {
                let u: Gc<Userdata> = Gc::from_addr(h as usize);
                if let Some(mt) = u.metatable {
                    self.mark_table(mt);
                }
                for &v in u.user_values.iter() {
                    self.mark_value(v);
                }
            }
            ObjKind::Thread => {
                let t: Gc<Thread> = Gc::from_addr(h as usize);
                let top = t.top.min(t.stack.len());
                for i in 0..top {
                    self.mark_value(t.stack[i]);
                }
                for u in t.open_upvals.iter() {
                    self.mark_hdr(u.as_ptr() as *mut GcHeader);
                }
                if let Some(e) = t.error {
                    self.mark_value(e);
                }
                self.mark_value(t.hook.func);
                // Slots above top may hold stale values; clear them (module docs).
                let tm = t.get_mut();
                for v in tm.stack[top..].iter_mut() {
                    *v = Value::NIL;
                }
            }
            ObjKind::Proto => {
                let p: Gc<Proto> = Gc::from_addr(h as usize);
                for &k in p.constants.iter() {
                    self.mark_value(k);
                }
                for q in p.protos.iter() {
                    self.mark_hdr(q.as_ptr() as *mut GcHeader);
                }
            }
            ObjKind::UpVal => {
                let u: Gc<UpVal> = Gc::from_addr(h as usize);
                match u.thread() {
                    Some(t) => self.mark_thread(t),
                    None => self.mark_value(u.closed_value()),
                }
            }
        }
    }

    /// Marks the values of an ephemeron table whose keys are marked; returns whether it
    /// marked anything.
    fn traverse_ephemeron(&mut self, t: Gc<Table>) -> bool {
        let mut changed = false;
        for n in t.nodes() {
            if n.val.is_nil() {
                continue;
            }
            if n.key().is_string() {
                self.mark_value(n.key());
            }
            if is_marked(n.key()) && !is_marked(n.val) {
                self.mark_value(n.val);
                changed = true;
            }
        }
        changed
    }

    fn converge_ephemerons(&mut self, weak: &mut WeakLists) {
        loop {
            let mut changed = false;
            let list = weak.ephemeron.clone();
            for t in list {
                if self.traverse_ephemeron(t) {
                    changed = true;
                    self.propagate(weak);
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn clear_by_values(list: &[Gc<Table>]) {
        for &t in list {
            let tm = t.get_mut();
            for v in tm.array_mut().iter_mut() {
                if is_cleared(*v) {
                    *v = Value::NIL;
                }
            }
            for n in tm.nodes_mut() {
                if !n.val.is_nil() && is_cleared(n.val) {
                    n.val = Value::NIL;
                }
            }
        }
    }

    fn clear_by_keys(list: &[Gc<Table>]) {
        for &t in list {
            for n in t.get_mut().nodes_mut() {
                if !n.val.is_nil() && is_cleared(n.key()) {
                    n.val = Value::NIL;
                }
            }
        }
    }

    /// Ends the cycle: see the module docs.
    pub fn finish_cycle(&mut self) {
        let mut weak = WeakLists::default();
        self.propagate(&mut weak);
        self.converge_ephemerons(&mut weak);
        Heap::clear_by_values(&weak.weak);
        Heap::clear_by_values(&weak.allweak);
        // Separate unreachable objects with finalizers and resurrect them.
        let mut keep = Vec::with_capacity(self.finobjs.len());
        let mut newly = Vec::new();
        for &h in &self.finobjs {
            // SAFETY: finobjs holds live objects.
            let hdr = unsafe { &*h };
            if hdr.marked.get() {
                keep.push(h);
            } else {
                hdr.flags
                    .set((hdr.flags.get() & !FLAG_FINALIZABLE) | FLAG_FINALIZED);
                newly.push(h);
            }
        }
        self.finobjs = keep;
        // Finalizers run in reverse order of marking.
        for &h in newly.iter().rev() {
            self.tobefnz.push_back(value_of(h));
            self.mark_hdr(h);
        }
        self.propagate(&mut weak);
        self.converge_ephemerons(&mut weak);
        Heap::clear_by_keys(&weak.ephemeron);
        Heap::clear_by_keys(&weak.allweak);
        Heap::clear_by_values(&weak.weak);
        Heap::clear_by_values(&weak.allweak);
        // Strings of the entries that stay in fully weak tables live on.
        for &t in &weak.allweak {
            for &v in t.array() {
                if v.is_string() {
                    self.mark_value(v);
                }
            }
            for n in t.nodes() {
                if !n.val.is_nil() {
                    if n.key().is_string() {
                        self.mark_value(n.key());
                    }
                    if n.val.is_string() {
                        self.mark_value(n.val);
                    }
                }
            }
        }
        // Removed entries whose key object dies become dead keys.
        for &t in &weak.hashed {
            for n in t.get_mut().nodes_mut() {
                if n.val.is_nil() && n.key().is_collectable() && !is_marked(n.key()) {
                    n.set_key(Value::raw(n.key().payload(), TAG_DEADKEY));
                }
            }
        }
        self.sweep();
        self.cycles += 1;
    }

    fn sweep(&mut self) {
        self.strings.remove_unmarked();
        let mut live_bytes = 0;
        let mut count = 0;
        let mut prev: *mut GcHeader = std::ptr::null_mut();
        let mut p = self.objects.head;
        while !p.is_null() {
            // SAFETY: walking this heap's object list; unmarked objects are unreachable
            // (nothing live refers to them) and are unlinked before being freed.
            unsafe {
                let next = (*p).next.get();
                if (*p).marked.get() {
                    (*p).marked.set(false);
                    live_bytes += object_size(p);
                    count += 1;
                    prev = p;
                } else {
                    if prev.is_null() {
                        self.objects.head = next;
                    } else {
                        (*prev).next.set(next);
                    }
                    free_object(p);
                }
                p = next;
            }
        }
        self.objects.bytes = live_bytes;
        self.objects.count = count;
        let t = (live_bytes / 100).saturating_mul(self.pause as usize);
        self.threshold = t.max(256 * 1024);
    }

    /// Number of live objects after the last sweep plus those allocated since.
    pub fn object_count(&self) -> usize {
        self.objects.count
    }
}
