//! Golden tests of the printer, and tests of the emit-time passes and DCE through the
//! listings they produce.

use crate::op::{sload, Field, Op};
use crate::print::listing;
use crate::{dce, Const, Opts, Ref, SnapEntry, SnapFrame, Trace, Ty};

fn sload(t: &mut Trace, slot: u32, ty: Ty) -> Ref {
    t.emit_raw(crate::Ins::new(Op::SLoad, ty, slot, sload::TYPECHECK))
}

/// `for i = 1, 100 do s = s + i * 2 end`, hand-recorded: the shape the recorder emits.
fn sum_loop(opts: Opts) -> Trace {
    let mut t = Trace::new(opts);
    t.snapshot(3, 6, &[], &[]);
    let s = sload(&mut t, 1, Ty::Int);
    let i = t.emit_raw(crate::Ins::new(Op::SLoad, Ty::Int, 5, 0));
    let two = t.kint(2);
    let m = t.emit(Op::Mul, Ty::Int, i, two);
    let s2 = t.emit(Op::Add, Ty::Int, s, m);
    let one = t.kint(1);
    let i2 = t.emit(Op::Add, Ty::Int, i, one);
    t.snapshot(
        4,
        6,
        &[SnapEntry { slot: 1, r: s2 }, SnapEntry { slot: 5, r: i2 }],
        &[],
    );
    let limit = t.kint(100);
    t.emit(Op::Le, Ty::Void, i2, limit);
    t.append(crate::Ins::new(Op::Loop, Ty::Void, 0, 0));
    t
}

#[test]
fn listing_of_a_loop() {
    let got = listing(&sum_loop(Opts::default()));
    let want = "\
.... SNAP #0 pc 3 [ ] top 6
0000 >  int SLoad  #1 T
0001    int SLoad  #5 
0002    int Mul    0001 +2
0003    int Add    0000 0002
0004    int Add    0001 +1
.... SNAP #1 pc 4 [ #1=0003 #5=0004 ] top 6
0005 >      Le     0004 +100
0006 ------ LOOP ------------
";
    assert_eq!(got, want);
}

#[test]
fn constants_print_by_kind() {
    let mut t = Trace::new(Opts::none());
    let tab = t.kgc(Ty::Tab, 0x1000, "");
    let key = t.kgc(Ty::Str, 0x2000, "\"x\"");
    let slot = t.konst(Const::Slot { key, slot: 3 });
    let nodes = t.emit_lit(Op::FLoad, Ty::Ptr, tab, Field::TabNodes as u32);
    let r = t.emit(Op::HRefK, Ty::Ptr, nodes, slot);
    let v = t.emit1(Op::HLoad, Ty::Num, r);
    let half = t.knum(0.5);
    let neg = t.knum(-2.0);
    let x = t.emit(Op::Mul, Ty::Num, v, half);
    t.emit(Op::Add, Ty::Num, x, neg);
    let n = t.konst(Const::Nil);
    t.emit(Op::Ne, Ty::Void, v, n);
    let want = "\
0000    ptr FLoad  [tab K0] tab.nodes
0001 >  ptr HRefK  0000 [str \"x\"]@3
0002 >  num HLoad  0001
0003    num Mul    0002 0.5
0004    num Add    0003 -2.0
0005 >      Ne     0002 nil
";
    assert_eq!(listing(&t), want);
}

#[test]
fn integer_constants_fold_with_lua_semantics() {
    let mut t = Trace::new(Opts::default());
    let k = |t: &mut Trace, i| t.kint(i);
    let cases: [(Op, i64, i64, i64); 10] = [
        (Op::Add, i64::MAX, 1, i64::MIN),
        (Op::Mul, i64::MIN, -1, i64::MIN),
        (Op::IDiv, 7, -2, -4),
        (Op::IDiv, i64::MIN, -1, i64::MIN),
        (Op::Mod, -7, 3, 2),
        (Op::Mod, 7, -3, -2),
        (Op::Mod, i64::MIN, -1, 0),
        (Op::BShl, 1, 64, 0),
        (Op::BShr, -1, 63, 1),
        (Op::BShl, 1, -1, 0),
    ];
    for (op, x, y, want) in cases {
        let (a, b) = (k(&mut t, x), k(&mut t, y));
        let r = t.emit(op, Ty::Int, a, b);
        assert_eq!(t.int_const(r), Some(want), "{} {x} {y}", op.name());
    }
    assert!(t.ins.is_empty(), "everything folded");
}

#[test]
fn float_constants_fold_and_keep_ieee() {
    let mut t = Trace::new(Opts::default());
    let (a, b) = (t.knum(-7.5), t.knum(2.0));
    let m = t.emit(Op::Mod, Ty::Num, a, b);
    assert_eq!(t.num_const(m), Some(0.5));
    let x = sload(&mut t, 0, Ty::Num);
    let zero = t.knum(0.0);
    let one = t.knum(1.0);
    // x * 0.0 and x + 0.0 stay (NaN, -0.0); x - 0.0 and x * 1.0 are x.
    assert!(!t.emit(Op::Mul, Ty::Num, x, zero).is_const());
    let before = t.ins.len();
    t.emit(Op::Add, Ty::Num, x, zero);
    assert_eq!(t.ins.len(), before + 1);
    assert_eq!(t.emit(Op::Sub, Ty::Num, x, zero), x);
    assert_eq!(t.emit(Op::Mul, Ty::Num, one, x), x);
    let i = t.kint(3);
    let r = t.emit1(Op::ToNum, Ty::Num, i);
    assert_eq!(t.num_const(r), Some(3.0));
    let exact = t.knum(-4.0);
    let r = t.emit1(Op::ToInt, Ty::Int, exact);
    assert_eq!(t.int_const(r), Some(-4));
    let inexact = t.knum(0.5);
    assert!(
        !t.emit1(Op::ToInt, Ty::Int, inexact).is_const(),
        "guard kept"
    );
}

#[test]
fn algebra_simplifies_and_reassociates() {
    let mut t = Trace::new(Opts::default());
    let x = sload(&mut t, 0, Ty::Int);
    let (zero, one, three) = (t.kint(0), t.kint(1), t.kint(3));
    assert_eq!(t.emit(Op::Add, Ty::Int, zero, x), x);
    assert_eq!(t.emit(Op::Mul, Ty::Int, x, one), x);
    let r = t.emit(Op::Sub, Ty::Int, x, x);
    assert_eq!(t.int_const(r), Some(0));
    assert_eq!(t.emit(Op::BOr, Ty::Int, x, x), x);
    let r = t.emit(Op::BAnd, Ty::Int, x, zero);
    assert_eq!(t.int_const(r), Some(0));
    // (x - 1) + 3 is x + 2, one instruction.
    let d = t.emit(Op::Sub, Ty::Int, x, one);
    let s = t.emit(Op::Add, Ty::Int, d, three);
    let ins = t.ins_of(s).unwrap();
    assert_eq!(
        (ins.op, ins.ra(), t.int_const(ins.rb())),
        (Op::Add, x, Some(2))
    );
    // Constants move right: 3 < x is x > 3.
    let g = t.emit(Op::Lt, Ty::Void, three, x);
    let ins = t.ins_of(g).unwrap();
    assert_eq!((ins.op, ins.ra()), (Op::Gt, x));
    // A guard on constants that holds is gone; one that fails stays.
    assert!(t.emit(Op::Lt, Ty::Void, one, three).is_none());
    assert!(!t.emit(Op::Lt, Ty::Void, three, one).is_none());
}

#[test]
fn cse_merges_equal_pure_instructions_and_guards() {
    let mut t = Trace::new(Opts::default());
    let x = sload(&mut t, 0, Ty::Int);
    let y = sload(&mut t, 1, Ty::Int);
    let a = t.emit(Op::Add, Ty::Int, x, y);
    assert_eq!(t.emit(Op::Add, Ty::Int, x, y), a);
    assert_ne!(
        t.emit(Op::Add, Ty::Int, y, x),
        a,
        "operands in another order"
    );
    let g = t.emit(Op::Lt, Ty::Void, x, y);
    assert_eq!(t.emit(Op::Lt, Ty::Void, x, y), g);
    // Loads are not merged here (a store may come between).
    let z = sload(&mut t, 0, Ty::Int);
    assert_ne!(z, x);
    let mut off = Trace::new(Opts::none());
    let x = sload(&mut off, 0, Ty::Int);
    let a = off.emit(Op::Add, Ty::Int, x, x);
    assert_ne!(off.emit(Op::Add, Ty::Int, x, x), a);
}

#[test]
fn dce_keeps_what_guards_and_snapshots_use() {
    let mut t = sum_loop(Opts::default());
    let x = sload(&mut t, 2, Ty::Num);
    let y = t.emit(Op::Mul, Ty::Num, x, x);
    t.emit1(Op::Neg, Ty::Num, y);
    dce::run(&mut t);
    let got = listing(&t);
    assert!(got.contains("0007 >  num SLoad  #2 T"), "{got}");
    assert!(!got.contains("Mul    0007"), "{got}");
    assert!(!got.contains("Neg"), "{got}");
    assert!(got.contains("0003    int Add    0000 0002"), "{got}");
}

#[test]
fn snapshots_show_frames_and_replace_empty_ones() {
    let mut t = Trace::new(Opts::default());
    t.snapshot(1, 2, &[], &[]);
    let one = t.kint(1);
    t.snapshot(
        7,
        9,
        &[SnapEntry { slot: 4, r: one }],
        &[SnapFrame {
            func_slot: 3,
            pc: 12,
        }],
    );
    sload(&mut t, 0, Ty::Int);
    assert_eq!(t.snaps.len(), 1, "the empty snapshot is replaced");
    assert_eq!(
        listing(&t),
        ".... SNAP #0 pc 7 [ frame#3:pc12 #4=+1 ] top 9\n0000 >  int SLoad  #0 T\n"
    );
    assert_eq!(t.snap_for(0), Some(0));
}

#[test]
fn peeling_hoists_invariants_and_carries_phis() {
    // for i = 1, 100 do s = s + i * 2 end, recorded as the recorder does: the loop
    // variable and the sum carried, the limit check invariant in type only.
    let mut t = Trace::new(Opts::default());
    t.snapshot(3, 6, &[], &[]);
    let s = sload(&mut t, 1, Ty::Int);
    let k = sload(&mut t, 2, Ty::Int);
    let i = sload(&mut t, 5, Ty::Int);
    let m = t.emit(Op::Mul, Ty::Int, i, k);
    let s2 = t.emit(Op::Add, Ty::Int, s, m);
    let one = t.kint(1);
    let i2 = t.emit(Op::Add, Ty::Int, i, one);
    let at_end = [SnapEntry { slot: 1, r: s2 }, SnapEntry { slot: 5, r: i2 }];
    t.snapshot(4, 6, &at_end, &[]);
    let limit = t.kint(100);
    t.emit(Op::Le, Ty::Void, i2, limit);
    crate::peel::peel(&mut t, &at_end).unwrap();
    dce::run(&mut t);
    let want = "\
.... SNAP #0 pc 3 [ ] top 6
0000 >  int SLoad  #1 T
0001 >  int SLoad  #2 T
0002 >  int SLoad  #5 T
0003    int Mul    0002 0001
0004    int Add    0000 0003
0005    int Add    0002 +1
.... SNAP #1 pc 4 [ #1=0004 #5=0005 ] top 6
0006 >      Le     0005 +100
0007 ------ LOOP ------------
.... SNAP #2 pc 3 [ #1=0004 #5=0005 ] top 6
0008    int Mul    0005 0001
0009    int Add    0004 0008
0010    int Add    0005 +1
.... SNAP #3 pc 4 [ #1=0009 #5=0010 ] top 6
0011 >      Le     0010 +100
0012    int Phi    0004 0009
0013    int Phi    0005 0010
";
    assert_eq!(listing(&t), want);
}

#[test]
fn peeling_rejects_a_type_change() {
    let mut t = Trace::new(Opts::default());
    t.snapshot(0, 2, &[], &[]);
    let x = sload(&mut t, 0, Ty::Int);
    let f = t.emit1(Op::ToNum, Ty::Num, x);
    let at_end = [SnapEntry { slot: 0, r: f }];
    assert_eq!(
        crate::peel::peel(&mut t, &at_end),
        Err(crate::peel::PeelError::TypeInstability)
    );
}

/// Array slots `i` and `i + 1` of table `tab` (the ARef addresses).
fn two_slots(t: &mut Trace, tab: Ref) -> (Ref, Ref) {
    let arr = t.emit_lit(Op::FLoad, Ty::Ptr, tab, Field::TabArray as u32);
    let i = t.emit_raw(crate::Ins::new(Op::SLoad, Ty::Int, 2, 0));
    let one = t.kint(1);
    let j = t.emit(Op::Add, Ty::Int, i, one);
    (
        t.emit(Op::ARef, Ty::Ptr, arr, i),
        t.emit(Op::ARef, Ty::Ptr, arr, j),
    )
}

#[test]
fn loads_forward_across_stores_that_cannot_alias() {
    let mut t = Trace::new(Opts::default());
    let tab = t.kgc(Ty::Tab, 0x1000, "");
    let (a, b) = two_slots(&mut t, tab);
    let x = t.emit1(Op::ALoad, Ty::Num, a);
    let two = t.knum(2.0);
    let y = t.emit(Op::Mul, Ty::Num, x, two);
    // A store to the neighbour leaves slot `a`; a store to `a` is what `a` then holds.
    t.emit(Op::AStore, Ty::Void, b, y);
    assert_eq!(t.emit1(Op::ALoad, Ty::Num, a), x);
    assert_eq!(t.emit1(Op::ALoad, Ty::Num, b), y);
    t.emit(Op::AStore, Ty::Void, a, y);
    assert_eq!(t.emit1(Op::ALoad, Ty::Num, a), y);
    // The header is the same until a helper may resize the table.
    let arr = t.emit_lit(Op::FLoad, Ty::Ptr, tab, Field::TabArray as u32);
    assert_eq!(arr.index(), 0);
    let kv = t.emit(Op::Pair, Ty::Void, two, y);
    t.emit(Op::TSet, Ty::Void, tab, kv);
    let again = t.emit_lit(Op::FLoad, Ty::Ptr, tab, Field::TabArray as u32);
    assert_ne!(again, arr);
    // Switched off, every load is loaded.
    let mut off = Trace::new(Opts {
        fwd: false,
        ..Opts::default()
    });
    let tab = off.kgc(Ty::Tab, 0x1000, "");
    let (a, _) = two_slots(&mut off, tab);
    let x = off.emit1(Op::ALoad, Ty::Num, a);
    assert_ne!(off.emit1(Op::ALoad, Ty::Num, a), x);
}

#[test]
fn loads_stay_behind_stores_that_may_alias() {
    let mut t = Trace::new(Opts::default());
    let tab = t.kgc(Ty::Tab, 0x1000, "");
    let (a, _) = two_slots(&mut t, tab);
    let x = t.emit1(Op::ALoad, Ty::Int, a);
    // Another table's array: it may be the same table.
    let other = t.emit_raw(crate::Ins::new(Op::SLoad, Ty::Tab, 3, sload::TYPECHECK));
    let arr2 = t.emit_lit(Op::FLoad, Ty::Ptr, other, Field::TabArray as u32);
    let k = t.emit_raw(crate::Ins::new(Op::SLoad, Ty::Int, 4, 0));
    let c = t.emit(Op::ARef, Ty::Ptr, arr2, k);
    let seven = t.kint(7);
    t.emit(Op::AStore, Ty::Void, c, seven);
    assert_ne!(t.emit1(Op::ALoad, Ty::Int, a), x);
    // A store of another type: the load is emitted again, to guard its type.
    let (_, b) = two_slots(&mut t, tab);
    let f = t.knum(1.5);
    t.emit(Op::AStore, Ty::Void, b, f);
    let l = t.emit1(Op::ALoad, Ty::Int, b);
    assert!(!l.is_const() && t.ins[l.index()].op == Op::ALoad);
    // Upvalues: a store to another constant object leaves this one.
    let u1 = t.konst(Const::Ptr(0x100));
    let u2 = t.konst(Const::Ptr(0x200));
    let v = t.emit1(Op::ULoad, Ty::Int, u1);
    t.emit(Op::UStore, Ty::Void, u2, seven);
    assert_eq!(t.emit1(Op::ULoad, Ty::Int, u1), v);
    assert_eq!(t.emit1(Op::ULoad, Ty::Int, u2), seven);
}

#[test]
fn new_tables_and_metatables_for_load_forwarding() {
    let mut t = Trace::new(Opts::default());
    let meta = |t: &mut Trace, x: Ref| t.emit_lit(Op::FLoad, Ty::Int, x, Field::TabMeta as u32);
    let class = t.kgc(Ty::Tab, 0x1000, "class");
    let nodes = t.emit_lit(Op::FLoad, Ty::Ptr, class, Field::TabNodes as u32);
    let fresh = t.emit_raw(crate::Ins::new(Op::TNew, Ty::Tab, 0, 4));
    let other = t.emit_raw(crate::Ins::new(Op::SLoad, Ty::Tab, 3, sload::TYPECHECK));
    let before = meta(&mut t, other);
    // A store into a table the trace made leaves a table that existed before.
    let kv = t.emit(Op::Pair, Ty::Void, class, class);
    t.emit(Op::TSet, Ty::Void, fresh, kv);
    let again = t.emit_lit(Op::FLoad, Ty::Ptr, class, Field::TabNodes as u32);
    assert_eq!(again, nodes);
    // ... but not any table: `other` may be the one stored into.
    t.emit(Op::TSet, Ty::Void, other, kv);
    let again = t.emit_lit(Op::FLoad, Ty::Ptr, class, Field::TabNodes as u32);
    assert_ne!(again, nodes);
    // A table's metatable is what `SetMeta` stored; stores do not change it.
    assert_eq!(meta(&mut t, other), before);
    t.emit(Op::SetMeta, Ty::Void, fresh, class);
    assert_eq!(meta(&mut t, fresh), class);
    // `SetMeta` on the new table may not change another table's, but the table in
    // `other` may be that one.
    let second = t.emit_raw(crate::Ins::new(Op::TNew, Ty::Tab, 0, 0));
    let m2 = meta(&mut t, second);
    t.emit(Op::SetMeta, Ty::Void, fresh, class);
    assert_eq!(meta(&mut t, second), m2);
    assert_ne!(meta(&mut t, other), before);
}
