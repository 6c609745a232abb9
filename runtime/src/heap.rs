//! The VM-owned heap: every object, the string interner, the metamethod names and the
//! collector's pacing state. The mark and sweep themselves are in `collector.rs`.

use crate::function::{LuaClosure, UpVal};
use crate::gc::{header_of, Gc, GcHeader, GcObject, GcTail, ObjKind, ObjectList};
use crate::string::{Interner, LuaStr};
use crate::table::Table;
use crate::value::Value;

/// Declares the metamethod events once: the enum, and the name strings.
macro_rules! tm_events {
    ($($name:ident = $s:literal,)*) => {
        /// A metamethod event. The first six are cached as "absent" bits in table flags.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Tm { $($name,)* }
        /// Event names, indexed by `Tm as usize`.
        pub const TM_NAMES: &[&str] = &[$($s,)*];
    };
}

tm_events! {
    Index = "__index",
    NewIndex = "__newindex",
    Gc = "__gc",
    Mode = "__mode",
    Len = "__len",
    Eq = "__eq",
    Add = "__add",
    Sub = "__sub",
    Mul = "__mul",
    Mod = "__mod",
    Pow = "__pow",
    Div = "__div",
    IDiv = "__idiv",
    BAnd = "__band",
    BOr = "__bor",
    BXor = "__bxor",
    Shl = "__shl",
    Shr = "__shr",
    Unm = "__unm",
    BNot = "__bnot",
    Lt = "__lt",
    Le = "__le",
    Concat = "__concat",
    Call = "__call",
    Close = "__close",
    ToString = "__tostring",
    Name = "__name",
    Pairs = "__pairs",
    Metatable = "__metatable",
}

/// Collector mode as `collectgarbage` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcMode {
    Incremental,
    Generational,
}

pub struct Heap {
    pub objects: ObjectList,
    pub strings: Interner,
    pub(crate) tm_names: Vec<Gc<LuaStr>>,
    /// The names `type` returns, by `LuaType`: interned once, always live.
    pub(crate) type_names: Vec<Gc<LuaStr>>,
    /// Collect when `objects.bytes` passes this.
    pub threshold: usize,
    /// `collectgarbage("stop")` clears it.
    pub running: bool,
    pub mode: GcMode,
    /// Percent of live memory to wait for before the next cycle (PUC's pause).
    pub pause: u32,
    pub stepmul: u32,
    /// Generational mode: a minor collection runs after the heap grew by this percent.
    pub minor_mul: u32,
    /// Generational mode: a major collection runs once the heap grew by this percent
    /// over its size after the last major one.
    pub major_mul: u32,
    /// Bytes in use after the last major collection.
    pub(crate) major_base: usize,
    /// The next collection must be a major one.
    pub(crate) need_major: bool,
    /// The running cycle is a minor one.
    pub(crate) minor: bool,
    /// Old objects written since the last collection (unmarked by the write barrier).
    pub(crate) remembered: Vec<*mut GcHeader>,
    /// During a minor cycle: the remembered objects it traverses and the objects it
    /// promotes.
    pub(crate) touched: Vec<*mut GcHeader>,
    /// Every thread: minor collections traverse all old ones, whose stacks have no
    /// barrier.
    pub(crate) threads: Vec<*mut GcHeader>,
    /// Completed minor collections (for tests and stats).
    pub minors: u64,
    /// Tables and userdata with a `__gc` metamethod, in the order they got it.
    pub(crate) finobjs: Vec<*mut GcHeader>,
    /// Unreachable objects whose finalizers have not run yet (oldest first).
    pub tobefnz: std::collections::VecDeque<Value>,
    pub(crate) gray: Vec<*mut GcHeader>,
    /// Completed collections (for tests and stats).
    pub cycles: u64,
    /// Collect at every GC point (a testing aid that exposes missing roots).
    pub stress: bool,
}

/// Smallest collection threshold, so that small scripts do not collect constantly.
pub(crate) const MIN_THRESHOLD: usize = 64 * 1024;

impl Default for Heap {
    fn default() -> Self {
        Heap::new()
    }
}

impl Heap {
    pub fn new() -> Heap {
        let mut h = Heap {
            objects: ObjectList::default(),
            strings: Interner::default(),
            tm_names: Vec::new(),
            type_names: Vec::new(),
            threshold: MIN_THRESHOLD,
            running: true,
            mode: GcMode::Generational,
            pause: 200,
            stepmul: 100,
            minor_mul: 20,
            major_mul: 100,
            major_base: 0,
            need_major: true,
            minor: false,
            remembered: Vec::new(),
            touched: Vec::new(),
            threads: Vec::new(),
            minors: 0,
            finobjs: Vec::new(),
            tobefnz: Default::default(),
            gray: Vec::new(),
            cycles: 0,
            stress: false,
        };
        h.tm_names = TM_NAMES.iter().map(|n| h.intern(n.as_bytes())).collect();
        h.type_names = (crate::value::LuaType::ALL.iter())
            .map(|t| h.intern(t.name().as_bytes()))
            .collect();
        h
    }

    #[inline]
    pub fn alloc<T: GcObject>(&mut self, v: T) -> Gc<T> {
        let o = self.objects.alloc(v);
        if T::KIND == ObjKind::Thread {
            self.threads.push(o.as_ptr() as *mut GcHeader);
        }
        o
    }
    pub fn alloc_tail<T: GcTail>(&mut self, v: T, items: &[T::Item]) -> Gc<T> {
        self.objects.alloc_tail(v, items)
    }

    #[inline]
    pub fn intern(&mut self, bytes: &[u8]) -> Gc<LuaStr> {
        self.strings.intern(&mut self.objects, bytes)
    }
    pub fn str_value(&mut self, bytes: &[u8]) -> Value {
        Value::string(self.intern(bytes))
    }

    #[inline(always)]
    pub fn tm_name(&self, tm: Tm) -> Gc<LuaStr> {
        self.tm_names[tm as usize]
    }

    /// The name of type `t`, as `type` returns it.
    #[inline(always)]
    pub fn type_name(&self, t: crate::value::LuaType) -> Gc<LuaStr> {
        self.type_names[t as usize]
    }

    /// Estimated bytes in use.
    pub fn bytes(&self) -> usize {
        self.objects.bytes
    }

    /// The write barrier: call it before storing a reference into `o`. An old object
    /// (marked, in generational mode) is unmarked and remembered, so the next minor
    /// collection traverses it again and sees what it now refers to.
    #[inline(always)]
    pub fn barrier<T: GcObject>(&mut self, o: Gc<T>) {
        if o.header().marked.get() {
            self.remember(o.header());
        }
    }

    #[cold]
    #[inline(never)]
    fn remember(&mut self, h: &GcHeader) {
        h.marked.set(false);
        self.remembered.push(h as *const GcHeader as *mut GcHeader);
    }

    /// Mutable access to `o` for a write, after the write barrier. The borrow follows
    /// `Gc::get_mut`'s rules: short, never across a call into Lua or a collection.
    #[inline(always)]
    pub fn write<'a, T: GcObject>(&mut self, o: Gc<T>) -> &'a mut T {
        self.barrier(o);
        o.raw_mut()
    }

    /// The upvalue slots of a closure, for writing (after the barrier).
    pub fn upvals_mut<'a>(&mut self, c: Gc<LuaClosure>) -> &'a mut [Gc<UpVal>] {
        self.barrier(c);
        c.tail_mut()
    }

    /// `u = v`.
    #[inline(always)]
    pub fn set_upval(&mut self, u: Gc<UpVal>, v: Value) {
        self.barrier(u);
        u.set(v);
    }

    /// Closes an open upvalue: copies its stack slot into it.
    pub fn close_upval(&mut self, u: Gc<UpVal>) {
        self.barrier(u);
        u.close();
    }

    /// Runs `write` on table `t` (after the barrier) and counts what its parts grew by
    /// as if newly allocated, so that a growing table paces collection (the next major
    /// sweep measures every object again). Every write that may resize a table goes
    /// through here.
    #[inline(always)]
    pub fn write_table<R>(&mut self, t: Gc<Table>, write: impl FnOnce(&mut Table) -> R) -> R {
        let before = t.parts_size();
        let r = write(self.write(t));
        self.objects.bytes += t.parts_size().saturating_sub(before);
        r
    }

    /// Whether the pacing says a collection is due.
    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        (self.objects.bytes > self.threshold || self.stress) && self.running
    }

    /// Table `t`'s metatable := `mt` (after the barrier), as `setmetatable` sets it.
    pub fn set_metatable(&mut self, t: Gc<Table>, mt: Option<Gc<Table>>) {
        self.write(t).metatable = mt;
        self.check_finalizer(Value::table(t), mt);
    }

    /// Registers `obj`, which just got metatable `mt`, for finalization if `mt` has a
    /// `__gc` field now (one added later does not count, as in PUC Lua).
    pub fn check_finalizer(&mut self, obj: Value, mt: Option<Gc<Table>>) {
        if mt.is_some_and(|m| !m.get_str(self.tm_name(Tm::Gc)).is_nil()) {
            self.mark_finalizable(obj);
        }
    }

    /// Registers an object that just got a metatable with `__gc`.
    pub fn mark_finalizable(&mut self, obj: Value) {
        if !obj.is_collectable() {
            return;
        }
        let hdr = obj.object_addr() as *mut GcHeader;
        let h = header_of(obj);
        if h.flags.get() & (crate::gc::FLAG_FINALIZABLE | crate::gc::FLAG_FINALIZED) == 0 {
            h.flags.set(h.flags.get() | crate::gc::FLAG_FINALIZABLE);
            self.finobjs.push(hdr);
        }
    }

    /// The next object whose finalizer is due, if any.
    pub fn pop_finalizer(&mut self) -> Option<Value> {
        let v = self.tobefnz.pop_front()?;
        let h = header_of(v);
        h.flags.set(h.flags.get() & !crate::gc::FLAG_FINALIZED);
        Some(v)
    }

    /// Moves every object still waiting for finalization to the queue (at VM close),
    /// most recently marked first.
    pub fn queue_all_finalizers(&mut self) {
        for &hdr in self.finobjs.iter().rev() {
            // finobjs holds live objects (they are kept until finalized).
            let v = crate::collector::value_of(hdr);
            let h = header_of(v);
            h.flags
                .set((h.flags.get() & !crate::gc::FLAG_FINALIZABLE) | crate::gc::FLAG_FINALIZED);
            self.tobefnz.push_back(v);
        }
        self.finobjs.clear();
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        self.objects.free_all();
    }
}
