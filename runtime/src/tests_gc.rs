//! Collector tests: reachability, cycles, the interner, weak tables and ephemerons,
//! finalizer queueing, and the clearing of thread stacks above `top`.
//!
//! Every test works on a fresh `State` (no interpreter): roots are its globals,
//! registry, threads, type metatables and `st.roots`. A handle to an object that a
//! collection may free is never dereferenced after that collection; tests count objects
//! instead.

use crate::function::{LuaClosure, Proto, ProtoParts, UpVal};
use crate::gc::{Gc, ObjKind, FLAG_FINALIZABLE, FLAG_FINALIZED};
use crate::heap::{GcMode, Tm};
use crate::state::{LuaResult, State};
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::Userdata;
use crate::value::*;
use std::cell::Cell;
use std::rc::Rc;

/// A state after one collection, so that counts start from a settled heap.
fn settled() -> State {
    let mut st = State::new();
    st.full_gc();
    st
}

fn count(st: &State) -> usize {
    st.heap.object_count()
}

fn table(st: &mut State) -> Gc<Table> {
    st.new_table(0, 0)
}

/// A raw store without the write barrier: these tests run major collections, which
/// do not depend on it (the minor-collection tests use `st.heap.write`).
fn set(t: Gc<Table>, k: Value, v: Value) {
    t.raw_mut().set(k, v).unwrap();
}

/// `setmetatable(t, {__mode = mode})`.
fn make_weak(st: &mut State, t: Gc<Table>, mode: &str) {
    let mt = table(st);
    let m = st.str_value(mode.as_bytes());
    st.set_field(mt, "__mode", m);
    st.heap.write(t).metatable = Some(mt);
}

fn live_entries(t: Gc<Table>) -> usize {
    let mut n = 0;
    let mut k = Value::NIL;
    while let Some((nk, _)) = t.next(k).expect("next") {
        n += 1;
        k = nk;
    }
    n
}

fn nop(_: &mut State) -> LuaResult<usize> {
    Ok(0)
}

fn proto(st: &mut State, constants: Vec<Value>, protos: Vec<Gc<Proto>>) -> Gc<Proto> {
    st.heap.alloc(Proto::new(ProtoParts {
        code: Box::new([]),
        constants: constants.into_boxed_slice(),
        protos: protos.into_boxed_slice(),
        upvals: Box::new([]),
        num_params: 0,
        is_vararg: false,
        max_stack: 2,
        line_info: Box::new([]),
        locvars: Box::new([]),
        source: Rc::from(&b"=test"[..]),
        line_defined: 0,
        last_line_defined: 0,
    }))
}

// ------------------------------------------------------------------ reachability

#[test]
fn a_fresh_state_survives_collection() {
    let mut st = State::new();
    let before = count(&st);
    st.full_gc();
    assert_eq!(count(&st), before, "nothing in a fresh state is garbage");
    assert_eq!(st.heap.cycles, 1);
    // The registry layout and the metamethod names survive.
    assert!(st.registry.get_int(1).raw_eq(Value::thread(st.main_thread)));
    assert!(st.registry.get_int(2).raw_eq(Value::table(st.globals)));
    assert_eq!(st.heap.tm_name(Tm::Index).as_bytes(), b"__index");
    assert_eq!(st.heap.tm_name(Tm::Metatable).as_bytes(), b"__metatable");
    let again = st.heap.intern(b"__gc");
    assert_eq!(again, st.heap.tm_name(Tm::Gc));
}

#[test]
fn unreachable_objects_are_freed() {
    let mut st = settled();
    let base = count(&st);
    let base_bytes = st.heap.bytes();
    for i in 0..100 {
        let t = st.new_table(4, 4);
        st.heap.write(t).set_int(1, Value::int(i));
        st.heap.intern(format!("garbage string {i}").as_bytes());
        st.heap.intern(&vec![b'g'; 100 + i as usize]);
        st.new_native(nop, "nop");
    }
    st.heap.alloc(Thread::new());
    st.heap.alloc(Userdata::new(Box::new(7u32), 1));
    assert_eq!(count(&st), base + 402);
    assert!(st.heap.bytes() > base_bytes);
    st.full_gc();
    assert_eq!(count(&st), base);
    assert_eq!(st.heap.bytes(), base_bytes);
    assert_eq!(st.heap.cycles, 2);
}

#[test]
fn reachable_objects_survive() {
    let mut st = settled();
    let base = count(&st);
    // globals.a = { b = { "long..." } }
    let a = table(&mut st);
    let b = table(&mut st);
    let long = st.str_value(&[b'L'; 200]);
    st.heap.write(b).set_int(1, long);
    st.set_field(a, "b", Value::table(b));
    st.set_field(st.globals, "a", Value::table(a));
    // registry.r = table; a pinned root; a type metatable; a stack slot below top.
    let r = table(&mut st);
    st.set_field(st.registry, "r", Value::table(r));
    let pinned = table(&mut st);
    st.pin(Value::table(pinned));
    let tmt = table(&mut st);
    st.type_mt[TAG_STRING as usize] = Some(tmt);
    let on_stack = table(&mut st);
    st.push(Value::table(on_stack));
    let created = count(&st) - base;
    for _ in 0..3 {
        st.full_gc();
        assert_eq!(count(&st), base + created);
    }
    let b2 = st.get_field(a, "b").as_table().unwrap();
    assert_eq!(b2, b);
    assert_eq!(
        b2.get_int(1).as_string().unwrap().as_bytes(),
        &[b'L'; 200][..]
    );
    assert!(st.get_field(st.registry, "r").raw_eq(Value::table(r)));
    assert!(st.thread.stack[0].raw_eq(Value::table(on_stack)));
    // Dropping each root frees exactly what it held.
    st.unpin();
    st.full_gc();
    assert_eq!(count(&st), base + created - 1);
    st.set_field(st.globals, "a", Value::NIL);
    st.full_gc();
    // a, b, the long string, and the key strings "b" (a key of the dead `a`) and "a"
    // (the removed global's key, which becomes a dead key).
    assert_eq!(count(&st), base + created - 6);
}

#[test]
fn metatables_are_reachable_through_their_tables() {
    let mut st = settled();
    let base = count(&st);
    let t = table(&mut st);
    let mt = table(&mut st);
    let mtmt = table(&mut st);
    st.heap.write(mt).metatable = Some(mtmt);
    st.heap.write(t).metatable = Some(mt);
    st.pin(Value::table(t));
    st.full_gc();
    assert_eq!(count(&st), base + 3);
    st.unpin();
    st.full_gc();
    assert_eq!(count(&st), base);
}

#[test]
fn cycles_are_collected() {
    let mut st = settled();
    let base = count(&st);
    // A two-table cycle, a self-reference, a table that is its own metatable, and a
    // long ring.
    let a = table(&mut st);
    let b = table(&mut st);
    set(a, Value::int(1), Value::table(b));
    set(b, Value::int(1), Value::table(a));
    let s = table(&mut st);
    set(s, Value::TRUE, Value::table(s));
    let m = table(&mut st);
    st.heap.write(m).metatable = Some(m);
    let first = table(&mut st);
    let mut prev = first;
    for _ in 0..500 {
        let n = table(&mut st);
        st.set_field(prev, "next", Value::table(n));
        prev = n;
    }
    st.set_field(prev, "next", Value::table(first));
    // A cycle through a closure and a closed upvalue: t.f = closure, upvalue = t.
    let t = table(&mut st);
    let uv = UpVal::new_closed(&mut st.heap, Value::table(t));
    let p = proto(&mut st, vec![], vec![]);
    let cl = st.heap.alloc_tail(LuaClosure::new(p, 1), &[uv]);
    set(t, Value::int(1), Value::lclosure(cl));
    // A cycle through a native closure's upvalue.
    let t2 = table(&mut st);
    let nc = st.new_native_with_upvals(nop, "nop", vec![Value::table(t2)]);
    set(t2, Value::int(1), nc);
    assert!(count(&st) > base + 500);
    st.full_gc();
    assert_eq!(count(&st), base);
}

#[test]
fn cycle_reachable_from_a_root_survives_whole() {
    let mut st = settled();
    let base = count(&st);
    let first = table(&mut st);
    let mut prev = first;
    for _ in 0..99 {
        let n = table(&mut st);
        st.set_field(prev, "next", Value::table(n));
        prev = n;
    }
    st.set_field(prev, "next", Value::table(first));
    st.set_field(st.globals, "ring", Value::table(prev));
    st.full_gc();
    assert_eq!(count(&st), base + 102, "100 tables, \"next\" and \"ring\"");
    // Walk the ring: every link is intact.
    let mut t = first;
    for _ in 0..100 {
        t = st.get_field(t, "next").as_table().unwrap();
    }
    assert_eq!(t, first);
}

#[test]
fn closures_keep_protos_constants_and_upvalues() {
    let mut st = settled();
    let base = count(&st);
    let k_long = st.str_value(&[b'k'; 64]);
    let k_short = st.str_value(b"a constant nobody else holds");
    let inner = proto(&mut st, vec![k_short], vec![]);
    let outer = proto(&mut st, vec![k_long, Value::int(3)], vec![inner]);
    let held = table(&mut st);
    let closed = UpVal::new_closed(&mut st.heap, Value::table(held));
    // An open upvalue keeps its coroutine alive, and through it the coroutine's stack.
    let co = st.heap.alloc(Thread::new());
    let co_val = table(&mut st);
    co.get_mut().push(Value::table(co_val));
    let open = st.heap.alloc(UpVal::new_open(co, 0));
    let cl = st
        .heap
        .alloc_tail(LuaClosure::new(outer, 2), &[closed, open]);
    st.set_field(st.globals, "f", Value::lclosure(cl));
    let created = count(&st) - base;
    assert_eq!(created, 11, "ten objects and the key string \"f\"");
    st.full_gc();
    assert_eq!(count(&st), base + created);
    assert_eq!(
        cl.proto.protos[0].constants[0]
            .as_string()
            .unwrap()
            .as_bytes(),
        b"a constant nobody else holds"
    );
    assert!(cl.upvals()[0].get().raw_eq(Value::table(held)));
    assert!(cl.upvals()[1].get().raw_eq(Value::table(co_val)));
    // Native closure upvalues.
    let up = table(&mut st);
    let nc = st.new_native_with_upvals(nop, "nop", vec![Value::table(up), Value::int(1)]);
    st.set_field(st.globals, "g", nc);
    st.full_gc();
    assert_eq!(count(&st), base + created + 3, "table, closure and \"g\"");
    assert!(nc.as_nclosure().unwrap().upvals[0].raw_eq(Value::table(up)));
    st.set_field(st.globals, "f", Value::NIL);
    st.set_field(st.globals, "g", Value::NIL);
    st.full_gc();
    assert_eq!(count(&st), base);
}

/// Counts drops of a host value inside a userdata.
struct DropProbe(Rc<Cell<u32>>);
impl Drop for DropProbe {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn userdata_keeps_metatable_and_user_values_and_drops_host_data() {
    let mut st = settled();
    let base = count(&st);
    let drops = Rc::new(Cell::new(0));
    let u = st
        .heap
        .alloc(Userdata::new(Box::new(DropProbe(drops.clone())), 2));
    let mt = table(&mut st);
    let uv = table(&mut st);
    st.heap.write(u).metatable = Some(mt);
    st.heap.write(u).user_values[1] = Value::table(uv);
    st.pin(Value::userdata(u));
    st.full_gc();
    assert_eq!(count(&st), base + 3);
    assert_eq!(drops.get(), 0);
    assert!(u.data.is::<DropProbe>());
    st.unpin();
    st.full_gc();
    assert_eq!(count(&st), base);
    assert_eq!(
        drops.get(),
        1,
        "freeing a userdata drops its host value once"
    );
}

#[test]
fn heap_accounting_after_collection() {
    let mut st = settled();
    let base_bytes = st.heap.bytes();
    let big = st.new_table(0, 0);
    for i in 1..=10_000 {
        st.heap.write(big).set_int(i, Value::int(i));
    }
    st.pin(Value::table(big));
    st.full_gc();
    let with_big = st.heap.bytes();
    assert!(
        with_big >= base_bytes + 10_000 * 16,
        "{with_big} vs {base_bytes}"
    );
    // Generational mode: the next (minor) cycle after 20% growth, at least 64 KiB.
    assert_eq!(st.heap.mode, GcMode::Generational);
    assert_eq!(
        st.heap.threshold,
        with_big + ((with_big / 100) * 20).max(64 * 1024)
    );
    // Incremental mode: after the live size times the pause (200%).
    st.heap.mode = GcMode::Incremental;
    st.full_gc();
    assert_eq!(st.heap.threshold, ((with_big / 100) * 200).max(64 * 1024));
    st.unpin();
    st.full_gc();
    assert_eq!(st.heap.bytes(), base_bytes);
}

// ------------------------------------------------------------ generational mode
//
// After a major collection every survivor is old (marked). A minor collection marks
// from the roots, the remembered objects (old ones written since) and every old thread,
// and sweeps only the young list.

/// A settled state whose pinned table `old` has survived a collection (it is old).
fn with_old_table() -> (State, Gc<Table>) {
    let mut st = settled();
    let old = table(&mut st);
    st.pin(Value::table(old));
    st.full_gc();
    assert!(old.header().marked.get(), "survivors stay marked (old)");
    (st, old)
}

#[test]
fn minor_collection_frees_young_garbage_and_keeps_what_old_objects_gained() {
    let (mut st, old) = with_old_table();
    let base = count(&st);
    let kept = table(&mut st);
    st.heap.write(old).set_int(1, Value::table(kept));
    for _ in 0..10 {
        table(&mut st);
    }
    assert_eq!(count(&st), base + 11);
    let (majors, minors) = (st.heap.cycles, st.heap.minors);
    st.step_gc();
    assert_eq!((st.heap.cycles, st.heap.minors), (majors, minors + 1));
    assert_eq!(count(&st), base + 1, "the ten garbage tables are freed");
    assert!(old.get_int(1).raw_eq(Value::table(kept)));
    assert!(!kept.header().marked.get(), "young after one survival");
    assert!(
        !old.header().marked.get(),
        "refers to a young object: remembered"
    );
    st.step_gc();
    assert!(
        kept.header().marked.get(),
        "promoted at its second survival"
    );
    assert!(old.header().marked.get(), "refers to old objects only");
    // Promoted garbage waits for a major collection.
    st.heap.write(old).set_int(1, Value::NIL);
    st.step_gc();
    assert_eq!(count(&st), base + 1);
    st.full_gc();
    assert_eq!(count(&st), base);
}

#[test]
fn young_garbage_that_survived_once_dies_in_a_minor_collection() {
    let (mut st, old) = with_old_table();
    let base = count(&st);
    let t = table(&mut st);
    st.heap.write(old).set_int(1, Value::table(t));
    st.step_gc();
    st.heap.write(old).set_int(1, Value::NIL);
    st.step_gc();
    assert_eq!(count(&st), base, "freed without a major collection");
}

#[test]
fn an_old_table_stays_remembered_while_a_removed_entry_has_a_young_key() {
    // The removed entry keeps its key (for `next`); when the key's object dies the key
    // must become a dead key, or the node would point at freed memory.
    let (mut st, old) = with_old_table();
    let key = Value::table(table(&mut st));
    st.pin(key);
    st.heap.write(old).set(key, Value::TRUE).unwrap();
    st.heap.write(old).set(key, Value::NIL).unwrap();
    st.step_gc();
    assert!(
        !old.header().marked.get(),
        "refers to a young key: remembered"
    );
    st.unpin();
    st.step_gc();
    let dead = old
        .nodes()
        .iter()
        .filter(|n| n.key().tag() == TAG_DEADKEY)
        .count();
    assert_eq!(dead, 1, "the key died in a minor collection");
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "write barrier missed")]
fn a_missing_write_barrier_is_caught_in_debug_builds() {
    let (mut st, old) = with_old_table();
    let young = table(&mut st);
    old.raw_mut().set_int(1, Value::table(young));
    st.step_gc();
}

#[test]
fn minor_collection_traverses_old_threads() {
    let mut st = settled();
    let co = st.heap.alloc(Thread::new());
    st.pin(Value::thread(co));
    st.full_gc();
    let base = count(&st);
    // A thread's stack has no barrier: a young value pushed on an old thread.
    let v = table(&mut st);
    co.get_mut().push(Value::table(v));
    table(&mut st);
    st.step_gc();
    assert_eq!(count(&st), base + 1);
    assert!(co.stack[co.top - 1].raw_eq(Value::table(v)));
}

#[test]
fn minor_collection_sees_upvalue_writes() {
    let mut st = settled();
    let closed = UpVal::new_closed(&mut st.heap, Value::NIL);
    let co = st.heap.alloc(Thread::new());
    co.get_mut().push(Value::NIL);
    let open = st.heap.alloc(UpVal::new_open(co, 0));
    let p = proto(&mut st, vec![], vec![]);
    let cl = st.heap.alloc_tail(LuaClosure::new(p, 2), &[closed, open]);
    st.pin(Value::lclosure(cl));
    st.full_gc();
    let base = count(&st);
    let (a, b) = (table(&mut st), table(&mut st));
    st.heap.set_upval(closed, Value::table(a));
    st.heap.set_upval(open, Value::table(b));
    st.heap.close_upval(open);
    co.get_mut().stack[0] = Value::NIL;
    st.step_gc();
    assert_eq!(count(&st), base + 2);
    assert!(closed.get().raw_eq(Value::table(a)));
    assert!(open.get().raw_eq(Value::table(b)));
}

#[test]
fn minor_collection_clears_young_entries_of_weak_tables() {
    let (mut st, w) = with_old_table();
    make_weak(&mut st, w, "v");
    st.full_gc();
    let kept = table(&mut st);
    st.pin(Value::table(kept));
    let dead = table(&mut st);
    st.heap.write(w).set_int(1, Value::table(kept));
    st.heap.write(w).set_int(2, Value::table(dead));
    let majors = st.heap.cycles;
    st.step_gc();
    assert_eq!(st.heap.cycles, majors, "no major cycle ran");
    assert!(w.get_int(1).raw_eq(Value::table(kept)));
    assert!(w.get_int(2).is_nil());
}

#[test]
fn minor_collection_unlinks_dead_young_strings_from_the_interner() {
    let mut st = settled();
    let n = st.heap.strings.len();
    st.str_value(b"a young string nobody holds");
    assert_eq!(st.heap.strings.len(), n + 1);
    st.step_gc();
    assert_eq!(st.heap.minors, 1);
    assert_eq!(st.heap.strings.len(), n);
    // Interning the same bytes again makes a fresh, working string.
    let s = st.str_value(b"a young string nobody holds");
    assert_eq!(
        s.as_string().unwrap().as_bytes(),
        b"a young string nobody holds"
    );
}

#[test]
fn growth_past_the_major_multiplier_runs_a_major_collection() {
    let mut st = settled();
    let keep = table(&mut st);
    st.pin(Value::table(keep));
    let base = count(&st);
    // A heap well above the smallest threshold, so that minor cycles come first.
    let mut i = 0;
    while i < 20_000 {
        i += 1;
        let t = table(&mut st);
        st.heap.write_table(keep, |k| k.set_int(i, Value::table(t)));
    }
    st.full_gc();
    let kept = st.heap.bytes();
    let majors = st.heap.cycles;
    // Keep everything: minor cycles free nothing, until the heap has doubled.
    while st.heap.cycles == majors {
        assert!(
            i < 200_000,
            "ten times the heap and still no major collection"
        );
        for _ in 0..1000 {
            i += 1;
            let t = table(&mut st);
            st.heap.write_table(keep, |k| k.set_int(i, Value::table(t)));
        }
        if st.heap.should_collect() {
            st.step_gc();
        }
    }
    assert!(st.heap.minors > 0);
    assert_eq!(count(&st), base + i as usize, "everything was kept");
    assert!(
        st.heap.bytes() > 2 * kept,
        "the major cycle waited for the heap to double"
    );
}

#[test]
fn should_collect_follows_threshold_running_and_stress() {
    let mut st = settled();
    assert!(!st.heap.should_collect());
    st.heap.stress = true;
    assert!(st.heap.should_collect());
    st.heap.running = false;
    assert!(!st.heap.should_collect());
    st.heap.stress = false;
    st.heap.running = true;
    st.heap.threshold = 0;
    assert!(st.heap.should_collect());
}

/// A random object graph: the number of survivors equals the size of the set reachable
/// from the roots, computed independently.
#[test]
fn random_graphs_keep_exactly_the_reachable_set() {
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..8 {
        let mut st = settled();
        let base = count(&st);
        let n = 300;
        let nodes: Vec<Gc<Table>> = (0..n).map(|_| table(&mut st)).collect();
        let mut edges = vec![Vec::new(); n];
        for (i, &t) in nodes.iter().enumerate() {
            for e in 0..(next() % 4) {
                let j = (next() % n as u64) as usize;
                // Mix array-part, hash-part and metatable edges.
                match e {
                    0 => set(t, Value::int(1), Value::table(nodes[j])),
                    1 => set(t, Value::table(nodes[j]), Value::TRUE),
                    _ => st.heap.write(t).metatable = Some(nodes[j]),
                }
                edges[i].push(j);
            }
        }
        let mut roots = Vec::new();
        for _ in 0..(round + 1) {
            let r = (next() % n as u64) as usize;
            st.pin(Value::table(nodes[r]));
            roots.push(r);
        }
        let mut seen = vec![false; n];
        let mut stack = roots.clone();
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(edges[i].iter().copied());
            }
        }
        let reachable = seen.iter().filter(|&&s| s).count();
        st.full_gc();
        assert_eq!(count(&st), base + reachable, "round {round}");
        // Reachable nodes are intact.
        for (i, &t) in nodes.iter().enumerate() {
            if seen[i] {
                assert_eq!(t.metatable.is_some(), edges[i].len() > 2);
            }
        }
    }
}

// ------------------------------------------------------------------ strings

#[test]
fn dead_interned_strings_leave_the_interner() {
    let mut st = settled();
    let base = count(&st);
    let n_interned = st.heap.strings.len();
    for i in 0..50 {
        st.heap.intern(format!("transient {i}").as_bytes());
    }
    assert_eq!(st.heap.strings.len(), n_interned + 50);
    st.full_gc();
    assert_eq!(st.heap.strings.len(), n_interned);
    assert_eq!(count(&st), base);
    // Re-interning after death creates a fresh, unique string again.
    let a = st.heap.intern(b"transient 7");
    let b = st.heap.intern(b"transient 7");
    assert_eq!(a, b);
    assert_eq!(a.as_bytes(), b"transient 7");
    assert_eq!(st.heap.strings.len(), n_interned + 1);
    // Once rooted it survives, and interning finds the same object.
    st.set_field(st.globals, "keep", Value::string(a));
    st.full_gc();
    assert_eq!(
        st.heap.strings.len(),
        n_interned + 2,
        "'keep' and 'transient 7'"
    );
    assert_eq!(st.heap.intern(b"transient 7"), a);
    assert_eq!(st.heap.intern(b"keep").as_bytes(), b"keep");
}

#[test]
fn strings_reachable_as_keys_and_values_survive() {
    let mut st = settled();
    let t = table(&mut st);
    st.set_field(st.globals, "t", Value::table(t));
    for i in 0..20 {
        let k = st.str_value(format!("key{i}").as_bytes());
        let v = st.str_value(format!("value{i}").as_bytes());
        set(t, k, v);
    }
    let n_interned = st.heap.strings.len();
    st.full_gc();
    assert_eq!(st.heap.strings.len(), n_interned);
    for i in 0..20 {
        let v = st.get_field(t, &format!("key{i}"));
        assert_eq!(
            v.as_string().unwrap().as_bytes(),
            format!("value{i}").as_bytes()
        );
    }
}

// ------------------------------------------------------------------ threads

#[test]
fn thread_stack_above_top_is_cleared() {
    let mut st = settled();
    let base = count(&st);
    let below = table(&mut st);
    let above = table(&mut st);
    let above2 = st.str_value(&[b'x'; 80]);
    {
        let th = st.main_thread.get_mut();
        th.stack[0] = Value::table(below);
        th.stack[1] = Value::int(5);
        th.stack[3] = Value::table(above);
        th.stack[10] = above2;
        th.top = 2;
    }
    st.full_gc();
    assert_eq!(count(&st), base + 1, "only the slot below top is a root");
    let th = &st.main_thread;
    assert!(th.stack[0].raw_eq(Value::table(below)));
    assert!(th.stack[1].raw_eq(Value::int(5)));
    assert!(
        th.stack[2..].iter().all(|v| v.is_nil()),
        "slots above top cleared"
    );
}

#[test]
fn coroutine_stacks_are_marked_to_top_and_cleared_above() {
    let mut st = settled();
    let base = count(&st);
    let co = st.heap.alloc(Thread::new());
    let live = table(&mut st);
    let stale = table(&mut st);
    let err = table(&mut st);
    {
        let c = co.get_mut();
        c.push(Value::table(live));
        c.stack[5] = Value::table(stale);
        c.error = Some(Value::table(err));
    }
    st.set_field(st.globals, "co", Value::thread(co));
    st.full_gc();
    assert_eq!(
        count(&st),
        base + 4,
        "the thread, its live slot, its error, \"co\""
    );
    assert!(co.stack[0].raw_eq(Value::table(live)));
    assert!(co.stack[5].is_nil());
    assert!(co.error.unwrap().raw_eq(Value::table(err)));
    // An unreachable coroutine is freed with what only it held.
    st.set_field(st.globals, "co", Value::NIL);
    st.full_gc();
    assert_eq!(count(&st), base);
}

#[test]
fn running_thread_is_a_root() {
    let mut st = settled();
    let base = count(&st);
    let co = st.heap.alloc(Thread::new());
    let v = table(&mut st);
    co.get_mut().push(Value::table(v));
    st.thread = co;
    st.full_gc();
    assert_eq!(count(&st), base + 2);
    st.thread = st.main_thread;
    st.full_gc();
    assert_eq!(count(&st), base);
}

// ------------------------------------------------------------------ weak tables

#[test]
fn weak_values_are_cleared() {
    let mut st = settled();
    let w = table(&mut st);
    make_weak(&mut st, w, "v");
    st.set_field(st.globals, "w", Value::table(w));
    let kept = table(&mut st);
    st.pin(Value::table(kept));
    let lone_string = st.str_value(b"a string held only by the weak table");
    let long_string = st.str_value(&[b'w'; 100]);
    set(w, Value::int(1), Value::table(kept));
    let dead = table(&mut st);
    set(w, Value::int(2), Value::table(dead));
    set(w, Value::int(3), lone_string);
    let dead2 = table(&mut st);
    set(w, Value::int(4), Value::table(dead2));
    let dead3 = table(&mut st);
    st.set_field(w, "dead", Value::table(dead3));
    st.set_field(w, "kept", Value::table(kept));
    st.set_field(w, "str", long_string);
    st.set_field(w, "num", Value::int(42));
    let base = count(&st);
    st.full_gc();
    assert_eq!(count(&st), base - 3, "the three unreferenced tables");
    assert!(w.get_int(1).raw_eq(Value::table(kept)));
    assert!(w.get_int(2).is_nil());
    assert!(w.get_int(4).is_nil());
    assert_eq!(
        w.get_int(3).as_string().unwrap().as_bytes(),
        b"a string held only by the weak table",
        "strings are values, never removed from weak tables"
    );
    assert!(st.get_field(w, "dead").is_nil());
    assert!(st.get_field(w, "kept").raw_eq(Value::table(kept)));
    assert_eq!(st.get_field(w, "str").as_string().unwrap().len(), 100);
    assert!(st.get_field(w, "num").raw_eq(Value::int(42)));
    assert_eq!(live_entries(w), 5);
    // The border stays valid after clearing inside the array part.
    let n = w.border();
    assert!(n == 1 || n == 3, "border {n}");
}

#[test]
fn weak_keys_are_cleared() {
    let mut st = settled();
    let w = table(&mut st);
    make_weak(&mut st, w, "k");
    st.set_field(st.globals, "w", Value::table(w));
    let kept_key = table(&mut st);
    st.pin(Value::table(kept_key));
    let kept_val = table(&mut st);
    set(w, Value::table(kept_key), Value::table(kept_val));
    for i in 0..10 {
        let k = table(&mut st);
        set(w, Value::table(k), Value::int(i));
    }
    // A dead key with a value that is otherwise unreachable: both go.
    let k = table(&mut st);
    let v = table(&mut st);
    set(w, Value::table(k), Value::table(v));
    // Strings and scalars are never weak keys.
    let s = st.str_value(b"weak-key string");
    let sv = table(&mut st);
    set(w, s, Value::table(sv));
    set(w, Value::int(7), Value::TRUE);
    set(w, Value::int(1), Value::table(table(&mut st)));
    let base = count(&st);
    st.full_gc();
    assert_eq!(count(&st), base - 12, "ten keys, k and v");
    assert!(w.get(Value::table(kept_key)).raw_eq(Value::table(kept_val)));
    assert!(w.get(s).raw_eq(Value::table(sv)));
    assert!(w.get_int(7).raw_eq(Value::TRUE));
    assert!(
        w.get_int(1).is_table(),
        "array-part values of a weak-key table are strong"
    );
    assert_eq!(live_entries(w), 4);
}

#[test]
fn ephemeron_key_reachable_only_through_its_value_is_collected() {
    let mut st = settled();
    let e = table(&mut st);
    make_weak(&mut st, e, "k");
    st.set_field(st.globals, "e", Value::table(e));
    // e[k] = { k }: the value refers back to its key.
    let k = table(&mut st);
    let v = table(&mut st);
    set(v, Value::int(1), Value::table(k));
    set(e, Value::table(k), Value::table(v));
    // e[k1] = { k1 }, with k1 also referenced from e[k2] = ... where k2 is dead: still
    // a garbage chain.
    let k1 = table(&mut st);
    let v1 = table(&mut st);
    set(v1, Value::int(1), Value::table(k1));
    set(e, Value::table(k1), Value::table(v1));
    let k2 = table(&mut st);
    set(e, Value::table(k2), Value::table(k1));
    let base = count(&st);
    st.full_gc();
    assert_eq!(count(&st), base - 5);
    assert_eq!(live_entries(e), 0);
}

#[test]
fn ephemeron_chains_follow_live_keys() {
    let mut st = settled();
    let e = table(&mut st);
    make_weak(&mut st, e, "k");
    st.set_field(st.globals, "e", Value::table(e));
    // root -> k0; e[k0] = k1; e[k1] = k2; ... e[k9] = v. All live through the chain.
    let keys: Vec<_> = (0..10).map(|_| table(&mut st)).collect();
    for w in keys.windows(2).rev() {
        set(e, Value::table(w[0]), Value::table(w[1]));
    }
    let v = table(&mut st);
    set(e, Value::table(keys[9]), Value::table(v));
    // A second chain with a dead head.
    let dead: Vec<_> = (0..10).map(|_| table(&mut st)).collect();
    for w in dead.windows(2) {
        set(e, Value::table(w[0]), Value::table(w[1]));
    }
    st.pin(Value::table(keys[0]));
    let base = count(&st);
    st.full_gc();
    assert_eq!(count(&st), base - 10, "the dead chain");
    assert_eq!(live_entries(e), 10);
    let mut k = keys[0];
    for _ in 0..9 {
        k = e.get(Value::table(k)).as_table().unwrap();
    }
    assert_eq!(k, keys[9]);
    assert!(e.get(Value::table(k)).raw_eq(Value::table(v)));
}

#[test]
fn ephemeron_value_reached_through_another_ephemeron() {
    let mut st = settled();
    let e1 = table(&mut st);
    let e2 = table(&mut st);
    make_weak(&mut st, e1, "k");
    make_weak(&mut st, e2, "k");
    st.set_field(st.globals, "e1", Value::table(e1));
    st.set_field(st.globals, "e2", Value::table(e2));
    // e1[a] = b, e2[b] = c, a rooted: c lives only if the collector iterates both.
    let a = table(&mut st);
    let b = table(&mut st);
    let c = table(&mut st);
    set(e2, Value::table(b), Value::table(c));
    set(e1, Value::table(a), Value::table(b));
    st.pin(Value::table(a));
    let base = count(&st);
    st.full_gc();
    assert_eq!(count(&st), base);
    assert!(e2.get(Value::table(b)).raw_eq(Value::table(c)));
}

#[test]
fn all_weak_tables_clear_keys_and_values() {
    let mut st = settled();
    let w = table(&mut st);
    make_weak(&mut st, w, "kv");
    st.set_field(st.globals, "w", Value::table(w));
    let live = table(&mut st);
    st.pin(Value::table(live));
    set(w, Value::table(live), Value::TRUE);
    set(w, Value::TRUE, Value::table(live));
    set(w, Value::table(table(&mut st)), Value::TRUE); // dead key
    set(w, Value::TRUE, Value::TRUE);
    set(w, Value::FALSE, Value::table(table(&mut st))); // dead value
    set(w, Value::table(live), Value::table(table(&mut st))); // dead value, live key
    let sk = st.str_value(b"kv string key");
    let sv = st.str_value(b"kv string value");
    set(w, sk, sv);
    let base = count(&st);
    st.full_gc();
    assert_eq!(count(&st), base - 3);
    assert!(w.get(Value::TRUE).raw_eq(Value::TRUE));
    assert!(w.get(Value::FALSE).is_nil());
    assert!(w.get(Value::table(live)).is_nil());
    assert_eq!(
        w.get(sk).as_string().unwrap().as_bytes(),
        b"kv string value",
        "strings are not weak"
    );
    assert_eq!(live_entries(w), 2);
}

/// Strings are values, never removed from weak tables (module docs of collector.rs;
/// PUC's `iscleared`): in a `__mode = "kv"` table a string in the array part that nothing
/// else holds stays, as it does in the hash part and with `__mode = "v"`.
#[test]
fn all_weak_tables_keep_strings_in_the_array_part() {
    let mut st = settled();
    let w = table(&mut st);
    make_weak(&mut st, w, "kv");
    st.set_field(st.globals, "w", Value::table(w));
    let s = st.str_value(b"only held by w[1]");
    set(w, Value::int(1), s);
    let long = st.str_value(&[b'z'; 99]);
    set(w, Value::int(2), long);
    st.full_gc();
    assert!(w.get_int(1).is_string(), "w[1] was cleared");
    assert!(w.get_int(2).is_string(), "w[2] was cleared");
    assert_eq!(
        w.get_int(1).as_string().unwrap().as_bytes(),
        b"only held by w[1]"
    );
}

#[test]
fn weak_table_mode_read_from_metatable_each_cycle() {
    let mut st = settled();
    let w = table(&mut st);
    st.set_field(st.globals, "w", Value::table(w));
    set(w, Value::int(1), Value::table(table(&mut st)));
    st.full_gc();
    assert!(w.get_int(1).is_table(), "strong without __mode");
    // A non-string __mode is no mode.
    let mt = table(&mut st);
    st.set_field(mt, "__mode", Value::int(1));
    st.heap.write(w).metatable = Some(mt);
    st.full_gc();
    assert!(w.get_int(1).is_table());
    let v = st.str_value(b"v");
    st.set_field(mt, "__mode", v);
    st.full_gc();
    assert!(w.get_int(1).is_nil(), "weak once __mode = 'v'");
}

#[test]
fn removed_entries_with_dead_keys_become_dead_keys() {
    let mut st = settled();
    let w = table(&mut st);
    make_weak(&mut st, w, "k");
    st.set_field(st.globals, "w", Value::table(w));
    let live = table(&mut st);
    st.pin(Value::table(live));
    set(w, Value::table(live), Value::int(0));
    for i in 0..6 {
        set(w, Value::table(table(&mut st)), Value::int(i));
    }
    // A removed entry (key kept, value nil) of an ordinary table whose key dies.
    let plain = table(&mut st);
    st.set_field(st.globals, "plain", Value::table(plain));
    let gone = table(&mut st);
    set(plain, Value::table(gone), Value::TRUE);
    set(plain, Value::table(live), Value::TRUE);
    set(plain, Value::table(gone), Value::NIL);
    st.full_gc();
    let dead_w = w
        .nodes()
        .iter()
        .filter(|n| n.key().tag() == TAG_DEADKEY)
        .count();
    assert_eq!(dead_w, 6);
    let dead_p = plain
        .nodes()
        .iter()
        .filter(|n| n.key().tag() == TAG_DEADKEY)
        .count();
    assert_eq!(dead_p, 1);
    assert!(w
        .nodes()
        .iter()
        .all(|n| n.key().tag() != TAG_DEADKEY || n.val.is_nil()));
    // Dead keys are invisible: traversal, lookup and reinsertion work.
    assert_eq!(live_entries(w), 1);
    assert_eq!(live_entries(plain), 1);
    assert!(w.get(Value::table(live)).raw_eq(Value::int(0)));
    for i in 0..20 {
        let k = table(&mut st);
        st.pin(Value::table(k));
        set(w, Value::table(k), Value::int(i));
    }
    assert_eq!(live_entries(w), 21);
    st.full_gc();
    assert_eq!(live_entries(w), 21);
}

// ------------------------------------------------------------------ finalizers

fn flags_of(v: Value) -> u8 {
    crate::gc::header_of(v).flags()
}

#[test]
fn mark_finalizable_sets_the_flag_once() {
    let mut st = settled();
    let t = Value::table(table(&mut st));
    st.pin(t);
    st.heap.mark_finalizable(t);
    assert_eq!(flags_of(t), FLAG_FINALIZABLE);
    st.heap.mark_finalizable(t);
    st.heap.mark_finalizable(Value::int(3)); // not collectable: ignored
    st.heap.mark_finalizable(Value::NIL);
    st.unpin();
    st.full_gc();
    assert_eq!(st.heap.tobefnz.len(), 1, "registered once, queued once");
    assert_eq!(flags_of(t), FLAG_FINALIZED);
}

#[test]
fn reachable_finalizable_objects_are_not_queued() {
    let mut st = settled();
    let t = Value::table(table(&mut st));
    st.set_field(st.globals, "t", t);
    st.heap.mark_finalizable(t);
    for _ in 0..3 {
        st.full_gc();
        assert!(st.heap.pop_finalizer().is_none());
    }
    assert_eq!(flags_of(t), FLAG_FINALIZABLE);
}

#[test]
fn finalizable_objects_are_resurrected_once() {
    let mut st = settled();
    let base = count(&st);
    let t = table(&mut st);
    let child = table(&mut st);
    let s = st.str_value(&[b'f'; 77]);
    set(t, Value::int(1), Value::table(child));
    set(child, Value::int(1), s);
    st.heap.mark_finalizable(Value::table(t));
    st.full_gc();
    // Resurrected with everything it refers to.
    assert_eq!(count(&st), base + 3);
    assert_eq!(st.heap.tobefnz.len(), 1);
    // The queue is a root: another cycle keeps it and does not queue it twice.
    st.full_gc();
    assert_eq!(count(&st), base + 3);
    assert_eq!(st.heap.tobefnz.len(), 1);
    let v = st.heap.pop_finalizer().expect("queued");
    assert!(v.raw_eq(Value::table(t)));
    assert!(t.get_int(1).as_table().unwrap().get_int(1).is_string());
    assert!(st.heap.pop_finalizer().is_none());
    assert_eq!(flags_of(v) & (FLAG_FINALIZABLE | FLAG_FINALIZED), 0);
    // After its finalizer ran (popped and dropped), it is ordinary garbage.
    st.full_gc();
    assert_eq!(count(&st), base);
    assert!(st.heap.tobefnz.is_empty());
}

#[test]
fn finalizer_that_resurrects_its_object_for_good() {
    let mut st = settled();
    let base = count(&st);
    let t = table(&mut st);
    st.heap.mark_finalizable(Value::table(t));
    st.full_gc();
    let v = st.heap.pop_finalizer().unwrap();
    // The "finalizer" stores the object in a global: it lives on, and is not finalized
    // again unless registered again.
    st.set_field(st.globals, "saved", v);
    st.full_gc();
    assert_eq!(count(&st), base + 2, "the table and the key \"saved\"");
    assert!(st.heap.pop_finalizer().is_none());
    // Registering again (setmetatable with __gc) makes it finalizable again.
    st.heap.mark_finalizable(v);
    st.set_field(st.globals, "saved", Value::NIL);
    st.full_gc();
    assert!(st.heap.pop_finalizer().unwrap().raw_eq(v));
    st.full_gc();
    assert_eq!(count(&st), base);
}

#[test]
fn finalizers_are_queued_in_reverse_order_of_registration() {
    let mut st = settled();
    let ts: Vec<Value> = (0..8).map(|_| Value::table(table(&mut st))).collect();
    // Register in a scrambled allocation order to make sure the order is registration's.
    let order = [3usize, 0, 7, 1, 6, 2, 5, 4];
    for &i in &order {
        st.heap.mark_finalizable(ts[i]);
    }
    // Keep ts[5] reachable: it is not queued.
    st.pin(ts[5]);
    st.full_gc();
    let mut got = Vec::new();
    while let Some(v) = st.heap.pop_finalizer() {
        got.push(ts.iter().position(|t| t.raw_eq(v)).unwrap());
    }
    let expect: Vec<usize> = order.iter().rev().copied().filter(|&i| i != 5).collect();
    assert_eq!(got, expect);
}

#[test]
fn finalizable_objects_reachable_from_each_other_are_all_queued() {
    let mut st = settled();
    let a = table(&mut st);
    let b = table(&mut st);
    set(a, Value::int(1), Value::table(b));
    set(b, Value::int(1), Value::table(a));
    st.heap.mark_finalizable(Value::table(a));
    st.heap.mark_finalizable(Value::table(b));
    st.full_gc();
    let first = st.heap.pop_finalizer().unwrap();
    let second = st.heap.pop_finalizer().unwrap();
    assert!(first.raw_eq(Value::table(b)));
    assert!(second.raw_eq(Value::table(a)));
}

#[test]
fn userdata_finalizers() {
    let mut st = settled();
    let base = count(&st);
    let drops = Rc::new(Cell::new(0));
    let u = st
        .heap
        .alloc(Userdata::new(Box::new(DropProbe(drops.clone())), 0));
    st.heap.mark_finalizable(Value::userdata(u));
    st.full_gc();
    assert_eq!(drops.get(), 0, "resurrected, not freed");
    assert_eq!(count(&st), base + 1);
    let v = st.heap.pop_finalizer().unwrap();
    assert_eq!(v.tag(), TAG_USERDATA);
    assert_eq!(crate::gc::header_of(v).kind(), ObjKind::Userdata);
    st.full_gc();
    assert_eq!(drops.get(), 1);
    assert_eq!(count(&st), base);
}

#[test]
fn resurrected_objects_leave_weak_values_but_stay_weak_keys() {
    // PUC Lua: values of weak tables are cleared before resurrection; keys only after,
    // so an object being finalized is still a key of weak-key tables.
    let mut st = settled();
    let wv = table(&mut st);
    let wk = table(&mut st);
    make_weak(&mut st, wv, "v");
    make_weak(&mut st, wk, "k");
    st.set_field(st.globals, "wv", Value::table(wv));
    st.set_field(st.globals, "wk", Value::table(wk));
    let f = table(&mut st);
    st.heap.mark_finalizable(Value::table(f));
    set(wv, Value::int(1), Value::table(f));
    set(wk, Value::table(f), Value::int(1));
    st.full_gc();
    assert!(wv.get_int(1).is_nil(), "cleared from weak values");
    assert!(
        wk.get(Value::table(f)).raw_eq(Value::int(1)),
        "kept as a weak key"
    );
    let popped = st.heap.pop_finalizer().unwrap();
    assert!(popped.raw_eq(Value::table(f)));
    st.full_gc();
    assert_eq!(live_entries(wk), 0, "removed once it is really dead");
}

#[test]
fn queue_all_finalizers_takes_every_registered_object() {
    let mut st = settled();
    let ts: Vec<Value> = (0..5).map(|_| Value::table(table(&mut st))).collect();
    for &t in &ts {
        st.pin(t);
        st.heap.mark_finalizable(t);
    }
    st.heap.queue_all_finalizers();
    let mut got = Vec::new();
    while let Some(v) = st.heap.pop_finalizer() {
        got.push(ts.iter().position(|t| t.raw_eq(v)).unwrap());
    }
    assert_eq!(got, vec![4, 3, 2, 1, 0]);
    // Nothing is queued again by a later collection.
    for _ in 0..5 {
        st.unpin();
    }
    st.full_gc();
    assert!(st.heap.pop_finalizer().is_none());
}

#[test]
fn weak_tables_and_finalizers_under_repeated_cycles() {
    // A mixed workload repeated: nothing leaks, nothing live is lost.
    let mut st = settled();
    let base = count(&st);
    let cache = table(&mut st);
    make_weak(&mut st, cache, "v");
    st.set_field(st.globals, "cache", Value::table(cache));
    let cache_and_mt = count(&st) - base;
    for round in 0..20i64 {
        for i in 0..50 {
            let t = table(&mut st);
            set(cache, Value::int(round * 50 + i + 1), Value::table(t));
            if i % 5 == 0 {
                st.heap.mark_finalizable(Value::table(t));
            }
        }
        st.full_gc();
        while st.heap.pop_finalizer().is_some() {}
        st.full_gc();
        assert_eq!(count(&st), base + cache_and_mt, "round {round}");
        assert_eq!(live_entries(cache), 0);
    }
}

#[test]
fn native_closure_and_type_metatable_roots() {
    let mut st = settled();
    let base = count(&st);
    let mt = table(&mut st);
    let idx = table(&mut st);
    st.set_field(mt, "__index", Value::table(idx));
    st.type_mt[TAG_THREAD as usize] = Some(mt);
    let f = st.new_native(nop, "f");
    st.set_field(idx, "f", f);
    st.full_gc();
    assert_eq!(count(&st), base + 4, "mt, __index table, closure, \"f\"");
    st.type_mt[TAG_THREAD as usize] = None;
    st.full_gc();
    assert_eq!(count(&st), base);
}
