//! The object header, the `Gc<T>` handle, and allocation on the VM-owned heap.
//!
//! Every heap object is a `#[repr(C)]` struct whose first field is a [`GcHeader`]; the
//! header links all objects into one list that the sweep walks, and carries the mark bit.
//! A [`Gc<T>`] is a Copy raw pointer to such an object. Objects are freed only by the
//! sweep, and the collector only runs at safe points chosen by the interpreter, when every
//! live object is reachable from the roots (see `collector.rs`); so a handle to a reachable
//! object stays valid, and code that holds a handle across a safe point must keep the
//! object reachable (on a Lua stack, in the registry, ...).
//!
//! This module, `collector.rs` and `upval.rs` are the runtime's unsafe modules.

use std::alloc::Layout;
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Which concrete type an object is (to free it with the right layout and traverse it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ObjKind {
    String,
    Table,
    LuaClosure,
    NativeClosure,
    Userdata,
    Thread,
    Proto,
    UpVal,
}

/// Header flag: the object has a `__gc` metamethod and has not been finalized yet.
pub const FLAG_FINALIZABLE: u8 = 1;
/// Header flag: the object was finalized once (it is not finalized again).
pub const FLAG_FINALIZED: u8 = 2;
/// Header flag: a young object that survived one minor collection (the next one it
/// survives promotes it).
pub(crate) const FLAG_SURVIVED: u8 = 4;

/// First field of every heap object.
#[repr(C)]
pub struct GcHeader {
    pub(crate) next: Cell<*mut GcHeader>,
    pub(crate) kind: ObjKind,
    pub(crate) marked: Cell<bool>,
    pub(crate) flags: Cell<u8>,
    /// A word for the object type's own use, in what would be padding (a string keeps
    /// its hash here).
    pub(crate) aux: Cell<u32>,
}

const _: () = assert!(std::mem::size_of::<GcHeader>() == 16);

impl GcHeader {
    pub fn new(kind: ObjKind) -> GcHeader {
        GcHeader {
            next: Cell::new(std::ptr::null_mut()),
            kind,
            marked: Cell::new(false),
            flags: Cell::new(0),
            aux: Cell::new(0),
        }
    }
    pub fn kind(&self) -> ObjKind {
        self.kind
    }
    pub fn flags(&self) -> u8 {
        self.flags.get()
    }
    pub fn set_flags(&self, f: u8) {
        self.flags.set(f)
    }
}

/// A heap object type: `#[repr(C)]` with a [`GcHeader`] first.
///
/// # Safety
/// Implementors must be `#[repr(C)]` with `GcHeader` as their first field, and `KIND`
/// must be unique to the type.
pub unsafe trait GcObject: Sized {
    const KIND: ObjKind;
    /// Approximate bytes owned by the object (for GC pacing).
    fn size(&self) -> usize {
        std::mem::size_of::<Self>()
    }
}

/// A heap object type whose allocation ends in an inline run of `Item`s right after
/// the fixed part (a string's bytes), so the object is one allocation. The run is
/// reached through the handle (`Gc::tail`), whose pointer covers the whole allocation.
///
/// # Safety
/// `tail_len` must return the length the object was allocated with, and it must never
/// change; the fixed part must not need dropping (the run is freed with it).
pub unsafe trait GcTail: GcObject {
    type Item: Copy;
    fn tail_len(&self) -> usize;
}

/// The byte offset of a `T`'s tail items from the start of the object.
pub(crate) fn tail_offset<T: GcTail>() -> usize {
    tail_layout::<T>(0).1
}

/// The layout of a `T` with `n` tail items, and the tail's offset.
fn tail_layout<T: GcTail>(n: usize) -> (Layout, usize) {
    let items = Layout::array::<T::Item>(n).expect("object too large");
    Layout::new::<T>().extend(items).expect("object too large")
}

/// A handle to a heap object. Copy; compares by identity.
#[repr(transparent)]
pub struct Gc<T> {
    ptr: NonNull<T>,
    _marker: PhantomData<*mut T>,
}

impl<T> Clone for Gc<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Gc<T> {}
impl<T> PartialEq for Gc<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}
impl<T> Eq for Gc<T> {}
impl<T> std::hash::Hash for Gc<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.ptr.hash(state)
    }
}
impl<T> std::fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gc({:p})", self.ptr)
    }
}

impl<T> Gc<T> {
    #[inline(always)]
    pub fn addr(self) -> usize {
        self.ptr.as_ptr() as usize
    }
    /// Rebuilds a handle from an address taken from a `Value` whose tag says it is a `T`.
    #[inline(always)]
    pub fn from_addr(addr: usize) -> Gc<T> {
        debug_assert!(addr != 0);
        // SAFETY: callers pass addresses that came from `addr()` of a live `Gc<T>`
        // (values are only built from handles), so the pointer is non-null.
        Gc {
            ptr: unsafe { NonNull::new_unchecked(addr as *mut T) },
            _marker: PhantomData,
        }
    }
    #[inline(always)]
    pub fn as_ptr(self) -> *mut T {
        self.ptr.as_ptr()
    }
    /// The object's header.
    #[inline(always)]
    pub fn header(self) -> &'static GcHeader {
        // SAFETY: every object type is repr(C) with the header first (GcObject contract),
        // and the object is live while reachable (module docs).
        unsafe { &*(self.ptr.as_ptr() as *const GcHeader) }
    }
    /// Mutable access without the write barrier, for the collector and for objects
    /// that cannot be old yet. Outside this crate, writes go through
    /// `Heap::write` (or `get_mut` for the types that need no barrier).
    ///
    /// The VM is single-threaded and object methods never call back into Lua, so the
    /// borrow ends before anything else can reach the same object; callers keep it short
    /// (one method call or one statement) and never hold it across a call into Lua.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn raw_mut<'a>(self) -> &'a mut T {
        // SAFETY: see the doc comment: live object, no overlapping borrow in practice.
        unsafe { &mut *self.ptr.as_ptr() }
    }
}

/// An object type whose writes need no write barrier, because every minor collection
/// traverses every old object of the type anyway (threads: their stacks change at
/// every instruction).
///
/// # Safety
/// The collector must traverse every old object of the type in every minor collection.
pub unsafe trait NoBarrier: GcObject {}

impl<T: NoBarrier> Gc<T> {
    /// Mutable access to the object, under `raw_mut`'s rules.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub fn get_mut<'a>(self) -> &'a mut T {
        self.raw_mut()
    }
}

impl<T: GcTail> Gc<T> {
    /// The object's inline run of items.
    #[inline(always)]
    pub fn tail<'a>(self) -> &'a [T::Item] {
        let n = self.tail_len();
        let off = tail_offset::<T>();
        // SAFETY: the object was allocated by `alloc_tail` with `n` items at `off`
        // (GcTail contract), and the handle's pointer came from that allocation; the
        // object is live while reachable (module docs).
        unsafe {
            let first = (self.ptr.as_ptr() as *const u8).add(off) as *const T::Item;
            std::slice::from_raw_parts(first, n)
        }
    }
    /// Mutable access to the object's inline run, under `raw_mut`'s rules (no barrier).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn tail_mut<'a>(self) -> &'a mut [T::Item] {
        let n = self.tail_len();
        let off = tail_offset::<T>();
        // SAFETY: as in `tail`; exclusive use as in `get_mut`.
        unsafe {
            let first = (self.ptr.as_ptr() as *mut u8).add(off) as *mut T::Item;
            std::slice::from_raw_parts_mut(first, n)
        }
    }
}

impl<T> std::ops::Deref for Gc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: the object is live while reachable (module docs).
        unsafe { self.ptr.as_ref() }
    }
}

/// The lists of all objects plus the counters that pace collection.
///
/// New objects go on the young list. In generational mode a collection moves the
/// objects that survive it to the old list, where they stay marked (see `collector.rs`).
pub struct ObjectList {
    pub(crate) head: *mut GcHeader,
    pub(crate) old: *mut GcHeader,
    /// Estimated bytes of live objects.
    pub(crate) bytes: usize,
    pub(crate) count: usize,
}

impl Default for ObjectList {
    fn default() -> Self {
        ObjectList {
            head: std::ptr::null_mut(),
            old: std::ptr::null_mut(),
            bytes: 0,
            count: 0,
        }
    }
}

impl ObjectList {
    /// Moves `value` to the heap and links it into the list.
    pub fn alloc<T: GcObject>(&mut self, value: T) -> Gc<T> {
        self.bytes += value.size();
        self.link(Box::into_raw(Box::new(value)))
    }

    /// Counts the fresh object at `ptr` and links it at the head of the list.
    fn link<T: GcObject>(&mut self, ptr: *mut T) -> Gc<T> {
        self.count += 1;
        // SAFETY: `ptr` is a fresh, valid allocation of a GcObject whose first field is
        // its header (trait contract), so it may be viewed as a header.
        let hdr = unsafe { &*(ptr as *const GcHeader) };
        debug_assert!(hdr.kind == T::KIND);
        hdr.next.set(self.head);
        self.head = ptr as *mut GcHeader;
        Gc::from_addr(ptr as usize)
    }

    /// Moves `value` and its tail `items` to the heap, in one allocation, and links it
    /// into the list.
    pub fn alloc_tail<T: GcTail>(&mut self, value: T, items: &[T::Item]) -> Gc<T> {
        assert_eq!(value.tail_len(), items.len(), "tail length");
        self.bytes += value.size();
        let (layout, off) = tail_layout::<T>(items.len());
        // SAFETY: the layout has a nonzero size (it holds a header). The fresh block
        // has room for a `T` at its start and `items.len()` items at `off`.
        let ptr = unsafe {
            let p = std::alloc::alloc(layout);
            if p.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            std::ptr::write(p as *mut T, value);
            let first = p.add(off) as *mut T::Item;
            std::ptr::copy_nonoverlapping(items.as_ptr(), first, items.len());
            p as *mut T
        };
        self.link(ptr)
    }

    /// Frees every object (the heap is going away).
    pub(crate) fn free_all(&mut self) {
        for mut p in [self.head, self.old] {
            while !p.is_null() {
                // SAFETY: walking the lists of objects this list allocated; each is freed
                // once and the lists are emptied below.
                unsafe {
                    let next = (*p).next.get();
                    free_object(p);
                    p = next;
                }
            }
        }
        self.head = std::ptr::null_mut();
        self.old = std::ptr::null_mut();
        self.bytes = 0;
        self.count = 0;
    }
}

/// The header of the object a collectable value refers to.
#[inline]
pub(crate) fn header_of(v: crate::value::Value) -> &'static GcHeader {
    debug_assert!(v.is_collectable());
    // SAFETY: values are only built from handles of live objects, and a value a caller
    // can still see refers to an object the collector has not freed (module docs).
    unsafe { &*(v.object_addr() as *const GcHeader) }
}

/// Frees one object of the list.
///
/// # Safety
/// `hdr` must be an object allocated by `ObjectList::alloc` that is unlinked and never
/// used again.
pub(crate) unsafe fn free_object(hdr: *mut GcHeader) {
    use crate::function::{LuaClosure, NativeClosure, Proto, UpVal};
    use crate::string::LuaStr;
    use crate::table::Table;
    use crate::thread::Thread;
    use crate::userdata::Userdata;
    // SAFETY: per the contract the pointer came from Box::into_raw of the type named by
    // its kind.
    unsafe {
        match (*hdr).kind {
            ObjKind::String => free_tail(hdr as *mut LuaStr),
            ObjKind::Table => drop(Box::from_raw(hdr as *mut Table)),
            ObjKind::LuaClosure => free_tail(hdr as *mut LuaClosure),
            ObjKind::NativeClosure => drop(Box::from_raw(hdr as *mut NativeClosure)),
            ObjKind::Userdata => drop(Box::from_raw(hdr as *mut Userdata)),
            ObjKind::Thread => drop(Box::from_raw(hdr as *mut Thread)),
            ObjKind::Proto => drop(Box::from_raw(hdr as *mut Proto)),
            ObjKind::UpVal => drop(Box::from_raw(hdr as *mut UpVal)),
        }
    }
}

/// Frees an object allocated by `alloc_tail`.
///
/// # Safety
/// As for `free_object`, with `p` allocated by `ObjectList::alloc_tail`.
unsafe fn free_tail<T: GcTail>(p: *mut T) {
    // SAFETY: per the contract `p` is live, and its tail length is the one it was
    // allocated with, which gives the allocation's layout; the fixed part needs no
    // drop (GcTail contract).
    unsafe {
        let (layout, _) = tail_layout::<T>((*p).tail_len());
        std::alloc::dealloc(p as *mut u8, layout);
    }
}

/// Size of an object as counted for pacing.
///
/// # Safety
/// `hdr` must be a live object of the list.
pub(crate) unsafe fn object_size(hdr: *mut GcHeader) -> usize {
    use crate::function::{LuaClosure, NativeClosure, Proto, UpVal};
    use crate::string::LuaStr;
    use crate::table::Table;
    use crate::thread::Thread;
    use crate::userdata::Userdata;
    // SAFETY: live object whose concrete type is named by its kind.
    unsafe {
        match (*hdr).kind {
            ObjKind::String => (*(hdr as *mut LuaStr)).size(),
            ObjKind::Table => (*(hdr as *mut Table)).size(),
            ObjKind::LuaClosure => (*(hdr as *mut LuaClosure)).size(),
            ObjKind::NativeClosure => (*(hdr as *mut NativeClosure)).size(),
            ObjKind::Userdata => (*(hdr as *mut Userdata)).size(),
            ObjKind::Thread => (*(hdr as *mut Thread)).size(),
            ObjKind::Proto => (*(hdr as *mut Proto)).size(),
            ObjKind::UpVal => (*(hdr as *mut UpVal)).size(),
        }
    }
}
