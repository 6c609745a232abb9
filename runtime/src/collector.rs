//! Mark and sweep.
//!
//! A collection is stop-the-world and runs only at safe points (see `gc.rs`): the owner
//! of the roots calls [`Heap::begin_cycle`], marks its roots with [`Heap::mark_value`] /
//! [`Heap::mark_thread`], then calls [`Heap::finish_cycle`], which propagates marks,
//! settles weak tables (ephemerons for weak keys), queues unreachable objects that have
//! finalizers (marking them again, so they live until finalized), clears weak entries
//! and frees everything unmarked.
//!
//! Generational mode (the default): a cycle is minor or major. Survivors age on the
//! young list and, at their second survival, move to the old list and stay marked, so
//! a minor cycle's marking stops at them and its sweep never visits them. What a minor
//! cycle must still see is re-marked explicitly: every old thread (stacks have no
//! barrier) and the remembered objects, old objects unmarked by the write barrier
//! (`Heap::barrier`) when written. Invariant between cycles: no marked object refers to
//! an unmarked one. A major cycle first unmarks everything (`forget_ages`).
//!
//! Thread stacks are marked up to `top` and cleared above it, so a slot above a thread's
//! top never holds a pointer to a freed object. Strings are values for weak tables: they
//! are never removed from one.

use crate::function::{LuaClosure, NativeClosure, Proto, UpVal};
use crate::gc::{
    free_object, object_size, Gc, GcHeader, ObjKind, FLAG_FINALIZABLE, FLAG_FINALIZED,
    FLAG_SURVIVED,
};
use crate::heap::{GcMode, Heap, Tm, MIN_THRESHOLD};
use crate::string::LuaStr;
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
    /// Starts a cycle, major or minor (see the module docs), and marks the heap's own
    /// roots. A minor cycle is turned into a major one when the mode or the pacing asks.
    pub fn begin_cycle(&mut self, major: bool) {
        self.gray.clear();
        self.minor = !(major
            || self.need_major
            || self.mode == GcMode::Incremental
            || self.grown_for_major());
        if self.minor {
            // Old threads are traversed although marked (their stacks have no barrier);
            // remembered objects, unmarked, are traversed by marking them again.
            for i in 0..self.threads.len() {
                let h = self.threads[i];
                // SAFETY: `threads` holds live threads (pruned before every sweep).
                if unsafe { (*h).marked.get() } {
                    self.gray.push(h);
                }
            }
            self.touched = std::mem::take(&mut self.remembered);
            for i in 0..self.touched.len() {
                self.mark_hdr(self.touched[i]);
            }
        } else {
            self.remembered.clear();
            self.forget_ages();
        }
        for i in 0..self.tm_names.len() {
            let s = self.tm_names[i];
            self.mark_hdr(s.as_ptr() as *mut GcHeader);
        }
        for i in 0..self.type_names.len() {
            let s = self.type_names[i];
            self.mark_hdr(s.as_ptr() as *mut GcHeader);
        }
        let pending: Vec<Value> = self.tobefnz.iter().copied().collect();
        for v in pending {
            self.mark_value(v);
        }
    }

    /// Before a major cycle: unmarks the old objects and puts them back on the young
    /// list, so that the cycle marks and sweeps everything.
    fn forget_ages(&mut self) {
        let mut p = self.objects.old;
        while !p.is_null() {
            // SAFETY: walking the old list of live objects.
            unsafe {
                let next = (*p).next.get();
                (*p).marked.set(false);
                (*p).next.set(self.objects.head);
                self.objects.head = p;
                p = next;
            }
        }
        self.objects.old = std::ptr::null_mut();
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

    pub fn mark_proto(&mut self, p: Gc<crate::function::Proto>) {
        self.mark_hdr(p.as_ptr() as *mut GcHeader);
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
                let tm = t.raw_mut();
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
            let tm = t.raw_mut();
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
            for n in t.raw_mut().nodes_mut() {
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
            for n in t.raw_mut().nodes_mut() {
                if n.val.is_nil() && n.key().is_collectable() && !is_marked(n.key()) {
                    n.set_key(Value::raw(n.key().payload(), TAG_DEADKEY));
                }
            }
        }
        self.threads.retain(|&h| {
            // SAFETY: `threads` holds live threads; the unmarked ones are freed below.
            unsafe { (*h).marked.get() }
        });
        #[cfg(debug_assertions)]
        if self.minor {
            self.verify_old_refs();
        }
        self.sweep();
    }

    /// Frees the unmarked objects of the young list. In incremental mode the others
    /// stay young, unmarked. In generational mode they age: a major cycle promotes every
    /// survivor to the old list, where it stays marked; a minor cycle keeps an object
    /// young through its first survival and promotes it at its second.
    fn sweep(&mut self) {
        let promote = self.mode == GcMode::Generational;
        let (mut kept_bytes, mut kept, mut freed_bytes, mut freed) = (0, 0, 0, 0);
        let mut young: *mut GcHeader = std::ptr::null_mut();
        let mut p = self.objects.head;
        while !p.is_null() {
            // SAFETY: walking the young list; unmarked objects are unreachable (nothing
            // live refers to them: old objects that could were remembered and traversed)
            // and each is freed once, after its interner entry is gone.
            unsafe {
                let next = (*p).next.get();
                let size = object_size(p);
                if (*p).marked.get() {
                    kept_bytes += size;
                    kept += 1;
                    let flags = (*p).flags.get();
                    let first_survival = self.minor && flags & FLAG_SURVIVED == 0;
                    if promote && !first_survival {
                        (*p).flags.set(flags & !FLAG_SURVIVED);
                        (*p).next.set(self.objects.old);
                        self.objects.old = p;
                        if self.minor {
                            // It may refer to survivors that stay young (see below).
                            self.touched.push(p);
                        }
                    } else {
                        if promote {
                            (*p).flags.set(flags | FLAG_SURVIVED);
                        }
                        (*p).marked.set(false);
                        (*p).next.set(young);
                        young = p;
                    }
                } else {
                    if (*p).kind == ObjKind::String {
                        let s: Gc<LuaStr> = Gc::from_addr(p as usize);
                        if s.is_short() {
                            self.strings.remove(s);
                        }
                    }
                    freed_bytes += size;
                    freed += 1;
                    free_object(p);
                }
                p = next;
            }
        }
        self.objects.head = young;
        if self.minor {
            self.remember_young_refs();
            self.minors += 1;
            self.objects.bytes = self.objects.bytes.saturating_sub(freed_bytes);
            self.objects.count = self.objects.count.saturating_sub(freed);
        } else {
            self.cycles += 1;
            self.objects.bytes = kept_bytes;
            self.objects.count = kept;
            self.major_base = kept_bytes;
        }
        self.pace();
    }

    /// After a minor sweep: the objects that were traversed as remembered or just
    /// promoted and still refer to a young object (one that survived once) are
    /// remembered again, so that no marked old object refers to a young one. Threads
    /// need not be: every minor cycle traverses them.
    fn remember_young_refs(&mut self) {
        for h in std::mem::take(&mut self.touched) {
            // SAFETY: touched objects are old, so alive after a minor sweep.
            unsafe {
                if (*h).kind == ObjKind::Thread {
                    continue;
                }
                let mut young = false;
                for_each_ref(h, &mut |c| young |= (*c).flags.get() & FLAG_SURVIVED != 0);
                if young {
                    (*h).marked.set(false);
                    self.remembered.push(h);
                }
            }
        }
    }

    /// Sets the threshold of the next collection.
    fn pace(&mut self) {
        let bytes = self.objects.bytes;
        self.threshold = match self.mode {
            GcMode::Incremental => {
                ((bytes / 100).saturating_mul(self.pause as usize)).max(MIN_THRESHOLD)
            }
            GcMode::Generational => {
                bytes + ((bytes / 100).saturating_mul(self.minor_mul as usize)).max(MIN_THRESHOLD)
            }
        };
        // Leaving incremental mode starts with a major cycle.
        self.need_major = self.mode == GcMode::Incremental;
    }

    /// Whether the heap grew by `major_mul` percent since the last major cycle (then the
    /// next cycle is major: the old garbage is worth collecting).
    fn grown_for_major(&self) -> bool {
        let major_at = self.major_base + (self.major_base / 100) * self.major_mul as usize;
        self.objects.bytes > major_at
    }

    /// Number of live objects after the last sweep plus those allocated since.
    pub fn object_count(&self) -> usize {
        self.objects.count
    }

    /// Debug builds, after a minor cycle's marking: no old object refers to an unmarked
    /// one, which the sweep would free. A missing write barrier breaks this.
    #[cfg(debug_assertions)]
    fn verify_old_refs(&self) {
        let mut p = self.objects.old;
        while !p.is_null() {
            // SAFETY: walking the old list of live objects.
            unsafe {
                for_each_ref(p, &mut |c| {
                    assert!(
                        (*c).marked.get(),
                        "write barrier missed: an old {:?} refers to an unmarked {:?}",
                        (*p).kind,
                        (*c).kind
                    );
                });
                p = (*p).next.get();
            }
        }
    }
}

/// Calls `f` with every object `h` refers to (weak references included).
///
/// # Safety
/// `h` must be a live object.
unsafe fn for_each_ref(h: *mut GcHeader, f: &mut impl FnMut(*mut GcHeader)) {
    let mut val = |v: Value| {
        if v.is_collectable() {
            f(hdr_of(v))
        }
    };
    // SAFETY: `h` is live; its kind names its concrete type.
    match unsafe { (*h).kind } {
        ObjKind::String => {}
        ObjKind::Table => {
            let t: Gc<Table> = Gc::from_addr(h as usize);
            if let Some(mt) = t.metatable {
                val(Value::table(mt));
            }
            t.array().iter().for_each(|&v| val(v));
            // A removed entry's key counts too: it stays in the node until the
            // collector makes it a dead key, which needs the table traversed while
            // the key may die.
            for n in t.nodes() {
                val(n.key());
                val(n.val);
            }
        }
        ObjKind::LuaClosure => {
            let c: Gc<LuaClosure> = Gc::from_addr(h as usize);
            f(c.proto.as_ptr() as *mut GcHeader);
            c.upvals()
                .iter()
                .for_each(|u| f(u.as_ptr() as *mut GcHeader));
        }
        ObjKind::NativeClosure => {
            let c: Gc<NativeClosure> = Gc::from_addr(h as usize);
            c.upvals.iter().for_each(|&v| val(v));
        }
        ObjKind::Userdata => {
            let u: Gc<Userdata> = Gc::from_addr(h as usize);
            if let Some(mt) = u.metatable {
                val(Value::table(mt));
            }
            u.user_values.iter().for_each(|&v| val(v));
        }
        ObjKind::Thread => {
            let t: Gc<Thread> = Gc::from_addr(h as usize);
            t.stack[..t.top.min(t.stack.len())]
                .iter()
                .for_each(|&v| val(v));
            t.error.into_iter().for_each(&mut val);
            val(t.hook.func);
            t.open_upvals
                .iter()
                .for_each(|u| f(u.as_ptr() as *mut GcHeader));
        }
        ObjKind::Proto => {
            let p: Gc<Proto> = Gc::from_addr(h as usize);
            p.constants.iter().for_each(|&k| val(k));
            p.protos.iter().for_each(|q| f(q.as_ptr() as *mut GcHeader));
        }
        ObjKind::UpVal => {
            let u: Gc<UpVal> = Gc::from_addr(h as usize);
            match u.thread() {
                Some(t) => f(t.as_ptr() as *mut GcHeader),
                None => val(u.closed_value()),
            }
        }
    }
}
