//! The cold side of hot-loop counting (the counting itself is inline in `exec::run`).

use crate::bytecode::{Instr, Op};
use ferrous_runtime::function::Proto;
use ferrous_runtime::hot::JitEngine;
use ferrous_runtime::thread::HOOK_RECORD;
use ferrous_runtime::{Gc, State};

/// Counter `slot` ran out at the back-edge to instruction `pc` of `proto`: restarts it
/// and tells the JIT. Returns true if a trace ran (the top frame is then where to go on).
#[cold]
#[inline(never)]
pub fn loop_hot(st: &mut State, slot: usize, proto: Gc<Proto>, pc: u32) -> bool {
    st.hot.counts[slot] = st.hot.threshold;
    // Traces allocate without collecting (no collection runs while the JIT is out of
    // the state); one that allocates leaves at the start of an iteration when a
    // collection is due. The collection is left to the interpreter's next allocation
    // in that iteration, which knows which registers are live: collecting here would
    // keep alive what dead registers of the frame still hold (a finalizer that ends
    // the loop might never run).
    with_jit(st, |jit, st| jit.hot_loop(st, proto, pc)) == Some(true)
}

/// Stops counting the loop that starts at instruction `start` of `proto`: its back-edges
/// become their uncounted variants (`IForLoop`, `ITForLoop`, `IJmp`), for good. A JIT
/// does this to a loop it gave up on, which then costs nothing more than without a JIT.
pub fn uncount_loop(proto: Gc<Proto>, start: u32) {
    let start = start as i64;
    for q in 0..proto.code.len() {
        let i = Instr(proto.code.at(q));
        let after = q as i64 + 1;
        let target = match i.op() {
            Op::ForLoop | Op::TForLoop => after - i.bx() as i64,
            Op::Jmp if i.sj_arg() < 0 => after + i.sj_arg() as i64,
            _ => continue,
        };
        if target == start {
            let op = i.op().uncounted().expect("a loop's back-edge");
            proto.code.patch(q, i.with_op(op).0);
        }
    }
}

/// Recording: shows the JIT the instruction at `pc` of `proto` before it runs, and stops
/// recording when the JIT says it is done (or is gone).
#[cold]
#[inline(never)]
pub fn record(st: &mut State, proto: Gc<Proto>, pc: u32) {
    let go_on = with_jit(st, |jit, st| jit.record(st, proto, pc));
    if go_on != Some(true) {
        st.thread.get_mut().hook.mask &= !HOOK_RECORD;
    }
}

/// Runs `f` on the installed JIT, taken out of the state while it runs (the engine
/// and the state it works on are borrowed apart), or returns `None` without one.
fn with_jit<R>(st: &mut State, f: impl FnOnce(&mut dyn JitEngine, &mut State) -> R) -> Option<R> {
    let mut jit = st.jit.take()?;
    let r = f(jit.as_mut(), st);
    st.jit = Some(jit);
    Some(r)
}

#[cfg(test)]
mod tests {
    use crate::vm::api;
    use ferrous_runtime::function::Proto;
    use ferrous_runtime::hot::JitEngine;
    use ferrous_runtime::{Gc, State};
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Records the loops it is told about: (first line of the function, pc).
    struct Probe(Rc<RefCell<Vec<(u32, u32)>>>);

    impl JitEngine for Probe {
        fn hot_loop(&mut self, _st: &mut State, proto: Gc<Proto>, pc: u32) -> bool {
            self.0.borrow_mut().push((proto.line_defined, pc));
            false
        }

        fn record(&mut self, _st: &mut State, _proto: Gc<Proto>, _pc: u32) -> bool {
            false
        }

        fn mark(&self, _heap: &mut ferrous_runtime::heap::Heap) {}

        fn summary(&self) -> String {
            String::new()
        }

        fn flush(&mut self) {}
    }

    fn hot_loops(src: &str, threshold: u16) -> Vec<(u32, u32)> {
        let mut st = api::new_state();
        let seen = Rc::new(RefCell::new(Vec::new()));
        st.jit = Some(Box::new(Probe(seen.clone())));
        st.hot.reset(threshold);
        st.hot.enabled = true;
        let f = api::load(&mut st, src.as_bytes(), b"=test", "t", None).unwrap();
        api::call_multi(&mut st, f, &[]).unwrap();
        let got = seen.borrow().clone();
        got
    }

    #[test]
    fn every_kind_of_loop_gets_hot() {
        // 199 back-edges: 3 times 56. The loop starts at pc 6, the ADD after FORPREP
        // (instruction 7 in `luac5.4 -l`'s 1-based listing).
        assert_eq!(
            hot_loops("local s = 0 for i = 1, 200 do s = s + i end", 56),
            [(0, 6); 3]
        );
        // Float for loops too.
        assert_eq!(hot_loops("for i = 0.5, 10.5, 0.5 do end", 10).len(), 2);
        // while: 100 back-edges (an unconditional JMP); repeat: 98 (the jump of its
        // condition); generic for: 9 (ipairs stops at nil).
        let src = "local i = 0 while i < 100 do i = i + 1 end
                   repeat i = i - 1 until i == 1
                   for _, v in ipairs({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) do end";
        assert_eq!(hot_loops(src, 33).len(), 3 + 2);
        assert_eq!(hot_loops(src, 9).len(), 11 + 10 + 1);
    }

    #[test]
    fn no_counting_when_off() {
        let mut st = api::new_state();
        st.hot.reset(5);
        let f = api::load(&mut st, b"for i = 1, 100 do end", b"=test", "t", None).unwrap();
        api::call_multi(&mut st, f, &[]).unwrap();
        assert!(st.hot.counts.iter().all(|&c| c == 5));
    }
}
