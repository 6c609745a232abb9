//! The engine the interpreter calls: it decides when to record, runs the recorder,
//! optimizes and compiles finished traces, keeps them by loop, enters them, and
//! reports what it does (`--jit-verbose`, `--jit-dump`, `--jit-stats`).

use crate::backend;
use crate::native::{self, TraceCode};
use crate::record::{call_results, calls_metamethod, location, Abort, Recorder};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::default_libcall_names;
use ferrous_ir::{dce, peel, print, Op, Opts, SnapFrame};
use ferrous_runtime::function::Proto;
use ferrous_runtime::heap::Heap;
use ferrous_runtime::hot::{HotCounters, JitEngine};
use ferrous_runtime::thread::{Frame, FRAME_UNROLL, HOOK_RECORD, MAX_STACK};
use ferrous_runtime::{Gc, State, Value};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

/// What `--jit-dump` shows of each trace.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Dump {
    /// The bytecode instructions recorded.
    pub bytecode: bool,
    /// The IR with its snapshots.
    pub ir: bool,
    /// Cranelift's listing of the machine code.
    pub asm: bool,
}

/// The JIT's settings.
#[derive(Clone, Debug)]
pub struct JitOptions {
    /// Loop iterations before a loop is recorded.
    pub hotloop: u16,
    pub opts: Opts,
    /// One line per trace event on stderr.
    pub verbose: bool,
    pub dump: Dump,
    /// Aborted recordings of one loop, or from one exit, before it is blacklisted.
    pub max_aborts: u32,
}

impl Default for JitOptions {
    fn default() -> Self {
        JitOptions {
            hotloop: ferrous_runtime::hot::DEFAULT_HOTLOOP,
            opts: Opts::default(),
            verbose: false,
            dump: Dump::default(),
            max_aborts: 6,
        }
    }
}

/// Counts for `--jit-stats`.
#[derive(Default)]
struct Stats {
    aborts: HashMap<String, u32>,
    compile: Vec<Duration>,
    entries: u64,
    retired: u32,
}

struct CompiledTrace {
    code: TraceCode,
    /// One word per snapshot: the code of the side trace attached to that exit, or 0.
    /// The trace's exit blocks read it (its address is in the code: it never moves).
    links: Box<[usize]>,
    /// The root trace (the trace itself for one), and the trace and exit a side trace
    /// starts from.
    root: usize,
    parent: Option<(usize, u32)>,
    /// The last snapshot of a side trace that ends in the interpreter: not an exit to
    /// attach side traces to.
    stop: Option<u32>,
    /// The exits of `GcCheck` guards: left for the interpreter to collect, not to
    /// attach side traces to.
    gc_exits: Vec<u32>,
    /// The side traces of a root trace.
    sides: u32,
    /// The base frame's function, and the instruction the trace starts at (in the
    /// function of a call it inlines, for a side trace starting there), and where that
    /// is in the source.
    proto: Gc<Proto>,
    start_pc: u32,
    start: String,
    /// Where each snapshot resumes, by exit number, and the frames of the calls it is
    /// inside.
    resume: Vec<u32>,
    frames: Vec<Box<[SnapFrame]>>,
    exits: Vec<u64>,
    entries: u64,
    iterations: u64,
    /// Bytecode instructions recorded: of one iteration of the loop (a root trace),
    /// or of the path a side trace takes.
    span: u64,
    /// Bytecode instructions its entries ran as machine code, about: for each entry,
    /// the root's span for the pre-roll and every iteration, and the span of the side
    /// trace it left through at that trace's end.
    work: u64,
    /// Snapshots below this one belong to the pre-roll: leaving through them means the
    /// trace did not get through one iteration.
    loop_snap: usize,
    early_exits: u64,
    /// Object constants of the trace, and the prototypes its guards compare with,
    /// marked while it lives.
    consts: Vec<Value>,
    protos: Vec<Gc<Proto>>,
}

/// Entries after which a trace is retired if its entries ran under `MIN_WORK`
/// bytecode instructions each as machine code, or it leaves from its pre-roll more
/// often than not.
const RETIRE_AFTER: u64 = 200;

/// Entering a trace and leaving it costs about what interpreting this many bytecode
/// instructions does. Callgrind: varargs's `for i = 1, #t` ran 7 per entry (three
/// per iteration, two iterations, and a side trace's one), and 1.6% more machine
/// instructions with its trace than without. Time says more than instructions do:
/// richards's scheduler loop ran 18.6 per entry and 4% fewer instructions, but took
/// longer with its trace than without (a transition is costly in cycles); with 20 it
/// is retired, and queens's loops (25.6 and up per entry) are not. Work, not
/// iterations, is what counts: a loop in recursive code gets few iterations per
/// entry, its side traces (down into the recursion, or out of the loop) do the rest,
/// and queens runs 1.6 times fewer instructions with its traces than without.
const MIN_WORK: u64 = 20;

/// Times an exit is taken before a side trace is recorded from it (LuaJIT's default),
/// doubled after each aborted recording from it.
const HOT_EXIT: u64 = 10;

/// The largest penalty: iterations before a loop whose recordings aborted is
/// recorded again (LuaJIT's).
const MAX_PENALTY: u32 = 60000;

/// Side traces one root trace may have (directly or through other side traces).
const MAX_SIDE: u32 = 40;

/// A loop: its prototype's address and its first instruction.
type LoopKey = (usize, u32);

/// Maps keyed by loop. The interpreter asks about a loop every few dozen iterations of
/// it, so the lookup must be cheap: a multiplicative hash of the two words, not the
/// standard library's DoS-resistant one (the keys are addresses, not attacker input).
type LoopMap<V> = HashMap<LoopKey, V, BuildHasherDefault<LoopHasher>>;

#[derive(Default)]
struct LoopHasher(u64);

impl Hasher for LoopHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub struct Engine {
    /// Where traces are compiled to: made at the first compile, so that a program
    /// without hot loops does not pay for it.
    code: Option<CodeModule>,
    /// Stack slots above its base frame's first register that any trace may use:
    /// the stack has them before a trace runs.
    max_slots: usize,
    traces: Vec<CompiledTrace>,
    by_loop: LoopMap<usize>,
    aborts: LoopMap<u32>,
    /// Aborted side trace recordings by trace and exit.
    side_aborts: HashMap<(usize, u32), u32>,
    rec: Option<Recorder>,
    opts: JitOptions,
    stats: Stats,
    /// A pseudo-random state for the penalties' jitter.
    seed: u32,
    /// A trace left for a collection that has not run yet (see `hot_loop`).
    gc_wait: bool,
}

impl Engine {
    /// An engine, if Cranelift can compile for this machine.
    pub fn new(opts: JitOptions) -> Result<Engine, String> {
        cranelift_native::builder()?;
        Ok(Engine {
            code: None,
            max_slots: 0,
            traces: Vec::new(),
            by_loop: LoopMap::default(),
            aborts: LoopMap::default(),
            side_aborts: HashMap::new(),
            rec: None,
            opts,
            stats: Stats::default(),
            seed: 1,
            gc_wait: false,
        })
    }

    fn key(proto: Gc<Proto>, pc: u32) -> LoopKey {
        (proto.as_ptr() as usize, pc)
    }

    /// The hot counter of the loop at `pc` of `proto`.
    fn counter(proto: Gc<Proto>, pc: u32) -> usize {
        HotCounters::slot(proto.code.as_ptr().wrapping_add(pc as usize) as usize)
    }

    /// Runs trace `n` in the running frame. Returns false if the stack could not make
    /// room for it.
    fn enter(&mut self, st: &mut State, n: usize) -> bool {
        let Some(mut left) = self.run(st, n) else {
            return false;
        };
        // A side trace that stopped at the start of a loop with a trace, in a call it
        // made (whose frames are pushed now): that trace runs at once, as the
        // interpreter would run it after the loop's first iteration.
        while self.rec.is_none() && self.traces[left.0].stop == Some(left.1) {
            let Some(next) = self.trace_at_top(st) else {
                break;
            };
            match self.run(st, next) {
                Some(l) => left = l,
                None => break,
            }
        }
        true
    }

    /// The trace of the loop that starts where the top frame stands.
    fn trace_at_top(&self, st: &State) -> Option<usize> {
        let th = st.thread;
        let top = th.frames.last()?;
        let proto = th.stack[top.func].as_lclosure()?.proto;
        self.by_loop.get(&Self::key(proto, top.pc)).copied()
    }

    /// Runs trace `n` once (see `enter`): the trace and exit it left through, or
    /// `None` if the stack could not make room for it.
    fn run(&mut self, st: &mut State, n: usize) -> Option<(usize, u32)> {
        let th = st.thread.get_mut();
        let fi = th.frames.len() - 1;
        let base = th.frames[fi].base;
        // Frames the interpreter would refuse (a stack overflow it is to raise) are
        // not made by a trace either.
        let end = base + self.max_slots;
        if end > MAX_STACK || !th.ensure_abs(end) {
            return None;
        }
        let tr = &mut self.traces[n];
        let iterations = tr.iterations;
        let heap = &mut st.heap;
        let code = tr
            .code
            .run(th, heap, base, self.max_slots, &mut tr.iterations);
        let (left, exit) = backend::exit_of(code);
        tr.entries += 1;
        let gc = self.traces[left].gc_exits.contains(&exit);
        self.gc_wait |= gc;
        // A side trace that got to its end in the interpreter ran its whole path.
        let from = &self.traces[left];
        let side_span = if left != n && from.stop == Some(exit) {
            from.span
        } else {
            0
        };
        let tr = &mut self.traces[n];
        if left == n && (exit as usize) < tr.loop_snap && !gc {
            tr.early_exits += 1;
        } else {
            // The pre-roll and each iteration run the loop's recorded path once.
            tr.work += (tr.iterations - iterations + 1) * tr.span;
        }
        tr.work += side_span;
        self.stats.entries += 1;
        let from = &mut self.traces[left];
        from.exits[exit as usize] += 1;
        push_frames(
            st,
            fi,
            &from.frames[exit as usize],
            from.resume[exit as usize],
        );
        if from.exits[exit as usize] >= HOT_EXIT && Some(exit) != from.stop && !gc {
            self.side_trace(st, left, exit);
        }
        let tr = &mut self.traces[n];
        let counter = Self::counter(tr.proto, tr.start_pc);
        if tr.entries >= RETIRE_AFTER
            && (tr.work < MIN_WORK * tr.entries || tr.early_exits * 2 > tr.entries)
        {
            // The trace does too little per entry (it leaves soon after it starts, on
            // a branch or a type it did not see while recording): entering it costs
            // more than it saves. The loop goes back to the interpreter for good.
            let (proto, pc) = (tr.proto, tr.start_pc);
            if self.opts.verbose {
                eprintln!(
                    "[TRACE {:3} {} retired: {} instructions run in {} entries, {} left early]",
                    n + 1,
                    location(&proto, pc),
                    tr.work,
                    tr.entries,
                    tr.early_exits
                );
            }
            self.by_loop.remove(&Self::key(proto, pc));
            self.blacklist(proto, pc);
            self.stats.retired += 1;
        } else {
            // Come back at the loop's next back-edge.
            st.hot.counts[counter] = 1;
        }
        Some((left, exit))
    }

    /// Starts recording a side trace from exit `exit` of trace `t`, which the running
    /// frame just left through, unless one is attached already, or another recording
    /// runs, or recordings from it aborted: then the exit waits twice as long after
    /// each, and gets none after `max_aborts`.
    fn side_trace(&mut self, st: &mut State, t: usize, exit: u32) {
        let tr = &self.traces[t];
        let failed = self.side_aborts.get(&(t, exit)).copied().unwrap_or(0);
        if self.rec.is_some()
            || tr.links[exit as usize] != 0
            || failed >= self.opts.max_aborts
            || tr.exits[exit as usize] < HOT_EXIT << failed.min(16)
        {
            return;
        }
        let root = &self.traces[tr.root];
        if root.sides >= MAX_SIDE {
            return;
        }
        let resume = tr.resume[exit as usize];
        let side = Some(((t, exit), root.start_pc));
        let frames = &tr.frames[exit as usize];
        let mut rec = Recorder::new(st, tr.proto, resume, side, frames, self.opts.opts);
        rec.traced_loops = self.by_loop.keys().copied().collect();
        self.rec = Some(rec);
        st.thread.get_mut().hook.mask |= HOOK_RECORD;
    }

    fn abort(&mut self, st: &mut State, rec: Recorder, why: Abort) {
        self.abort_because(st, rec, why.reason());
    }

    /// Counts an aborted recording of `rec`'s loop (or side trace), for `reason`.
    fn abort_because(&mut self, st: &mut State, rec: Recorder, reason: String) {
        let n = match rec.parent {
            Some(parent) => self.side_aborts.entry(parent).or_insert(0),
            None => self
                .aborts
                .entry(Self::key(rec.proto, rec.start_pc))
                .or_insert(0),
        };
        *n += 1;
        let blacklisted = *n >= self.opts.max_aborts;
        if rec.parent.is_some() {
            // A side trace's exit waits longer (`side_trace`).
        } else if blacklisted {
            self.blacklist(rec.proto, rec.start_pc);
        } else {
            // The loop is recorded again after a penalty, doubled at each abort, with
            // a few iterations of jitter: a loop of a few iterations entered again
            // and again would otherwise be recorded at the same iteration each time
            // (its last, say, which leaves the loop).
            self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let jitter = (self.seed >> 16) % 16;
            let penalty = (st.hot.threshold as u32) << (*n).min(10);
            let counter = Self::counter(rec.proto, rec.start_pc);
            st.hot.counts[counter] = (penalty.min(MAX_PENALTY) + jitter) as u16;
        }
        if self.opts.verbose {
            eprintln!(
                "[TRACE --- {}{} -- {}{}]",
                side_of(rec.parent),
                rec.start_location(),
                reason,
                if blacklisted { " (blacklisted)" } else { "" }
            );
        }
        *self.stats.aborts.entry(reason).or_insert(0) += 1;
    }

    /// Gives up on the loop at `pc` of `proto`: it is not recorded again, and the
    /// interpreter stops counting its iterations (its back-edges are rewritten, for
    /// good: `jit.flush` does not bring them back).
    fn blacklist(&mut self, proto: Gc<Proto>, pc: u32) {
        self.aborts
            .insert(Self::key(proto, pc), self.opts.max_aborts);
        ferrous_interp::vm::hot::uncount_loop(proto, pc);
    }

    /// Optimizes and compiles the recording just closed.
    fn finish(&mut self, st: &mut State, mut rec: Recorder) {
        let t0 = Instant::now();
        let parent = rec.parent;
        let root = parent.map(|(p, _)| self.traces[p].root);
        // The trace a side trace ends in: its root's, or another loop's it got to.
        let link = root.map(
            |r| match self.by_loop.get(&Self::key(rec.proto, rec.end_pc)) {
                Some(&other) => other,
                None => r,
            },
        );
        rec.place_gc_check();
        if root.is_some() {
            rec.close_side();
        } else {
            let at_end = rec.written_entries();
            if let Err(e) = peel::peel(&mut rec.trace, &at_end) {
                let why = match e {
                    peel::PeelError::TypeInstability => Abort::TypeInstability,
                };
                return self.abort(st, rec, why);
            }
        }
        if self.opts.opts.dce {
            dce::run(&mut rec.trace);
        }
        let n = self.traces.len() + 1;
        let name = format!("trace{n}");
        let links = vec![0usize; rec.trace.snaps.len()].into_boxed_slice();
        let how = backend::Links {
            trace: self.traces.len() as u32,
            table: links.as_ptr(),
            root: link
                .filter(|_| !rec.to_interpreter)
                .map(|r| self.traces[r].code.entry()),
        };
        if self.code.is_none() {
            match CodeModule::new() {
                Ok(c) => self.code = Some(c),
                Err(e) => return self.abort_because(st, rec, format!("backend: {e}")),
            }
        }
        let code_module = self.code.as_mut().expect("made above");
        let trampoline = code_module.trampoline;
        let compiled = match backend::compile(
            &mut code_module.module,
            &rec.trace,
            &name,
            &how,
            self.opts.dump.asm,
        ) {
            Ok(c) => c,
            Err(e) => return self.abort_because(st, rec, format!("backend: {e}")),
        };
        self.stats.compile.push(t0.elapsed());
        let t = &rec.trace;
        let start = side_of(parent);
        let stop = match link {
            Some(_) if rec.to_interpreter => "interpreter".to_string(),
            Some(r) => format!("link TRACE {}", r + 1),
            None => "loop".to_string(),
        };
        if self.opts.dump.bytecode || self.opts.dump.ir || self.opts.dump.asm {
            eprintln!("---- TRACE {n} start {start}{}", rec.start_location());
            if self.opts.dump.bytecode {
                eprintln!("---- TRACE {n} bytecode");
                let mut last = rec.proto;
                for &(p, pc) in &rec.pcs {
                    if p != last {
                        eprintln!("     -- {}", location(&p, pc));
                        last = p;
                    }
                    let i = ferrous_interp::bytecode::Instr(p.code.at(pc as usize));
                    eprintln!("{:04} {}", pc, i.op().name());
                }
            }
            if self.opts.dump.ir {
                eprintln!("---- TRACE {n} IR");
                eprint!("{}", print::listing(t));
            }
            if let Some(asm) = &compiled.disasm {
                eprintln!("---- TRACE {n} mcode");
                eprint!("{asm}");
            }
            eprintln!("---- TRACE {n} stop -> {stop}");
        }
        if self.opts.verbose {
            eprintln!("[TRACE {n:3} {start}{} {stop}]", rec.start_location());
        }
        // The objects the trace names by address (strings, the closure and the natives
        // whose identity it guards) must outlive it: a guard comparing with the
        // address of a freed closure would pass for whatever is allocated there next.
        let consts = objects(t).collect();
        let code = TraceCode::new(&compiled, trampoline);
        self.max_slots = self.max_slots.max(rec.max_slots);
        let me = self.traces.len();
        match parent {
            Some((p, e)) => {
                self.traces[p].links[e as usize] = code.entry() as usize;
                let r = self.traces[p].root;
                self.traces[r].sides += 1;
            }
            None => {
                self.by_loop.insert(Self::key(rec.proto, rec.start_pc), me);
                st.hot.counts[Self::counter(rec.proto, rec.start_pc)] = 1;
            }
        }
        self.traces.push(CompiledTrace {
            code,
            links,
            root: root.unwrap_or(me),
            parent,
            stop: rec.to_interpreter.then(|| t.snaps.len() as u32 - 1),
            gc_exits: (t.ins.iter().enumerate())
                .filter(|(_, x)| x.op == Op::GcCheck)
                .filter_map(|(i, _)| t.snap_for(i).map(|n| n as u32))
                .collect(),
            sides: 0,
            proto: rec.proto,
            start_pc: rec.start_pc,
            start: rec.start_location(),
            resume: t.snaps.iter().map(|s| s.pc).collect(),
            frames: t.snaps.iter().map(|s| t.frames(s).into()).collect(),
            exits: vec![0; t.snaps.len()],
            entries: 0,
            iterations: 0,
            span: rec.pcs.len() as u64,
            work: 0,
            loop_snap: t
                .snaps
                .iter()
                .position(|s| Some(s.at as usize) > t.loop_at)
                .unwrap_or(t.snaps.len()),
            early_exits: 0,
            consts,
            protos: std::mem::take(&mut rec.protos),
        });
    }

    /// The `--jit-stats` summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "traces: {} ({} retired)\ntrace entries: {}\n",
            self.traces.len(),
            self.stats.retired,
            self.stats.entries
        );
        let mut aborts: Vec<_> = self.stats.aborts.iter().collect();
        aborts.sort();
        let total: u32 = aborts.iter().map(|(_, n)| **n).sum();
        s += &format!("aborts: {total}\n");
        for (why, n) in aborts {
            s += &format!("  {n:6}  {why}\n");
        }
        for (i, t) in self.traces.iter().enumerate() {
            let taken: Vec<String> = t
                .exits
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(e, n)| format!("#{e}:{n}"))
                .collect();
            let from = match side_of(t.parent) {
                label if label.is_empty() => label,
                label => format!(" (side of {})", label.trim_end()),
            };
            s += &format!(
                "trace {}{from} at {}: {} entries, {} iterations, {} bytecodes run, exits {}\n",
                i + 1,
                t.start,
                t.entries,
                t.iterations,
                t.work,
                if taken.is_empty() {
                    "none".into()
                } else {
                    taken.join(" ")
                }
            );
        }
        let mut times = self.stats.compile.clone();
        times.sort();
        let total: Duration = times.iter().sum();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        s += &format!(
            "compile time: total {:.3} ms, median {:.3} ms\n",
            total.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3
        );
        s
    }
}

impl JitEngine for Engine {
    fn hot_loop(&mut self, st: &mut State, proto: Gc<Proto>, pc: u32) -> bool {
        if st.thread.hook.mask & !HOOK_RECORD != 0 {
            // No traces under debug hooks: they would not see the trace's instructions.
            return false;
        }
        let key = Self::key(proto, pc);
        if let Some(rec) = &self.rec {
            if st.thread.hook.mask & HOOK_RECORD != 0 && rec.is_live(st) {
                // Other loops get hot while one is recorded (an inner loop, or this
                // one at its back-edge, just before the recorder closes it), and no
                // trace runs under the recorder's eyes.
                return false;
            }
            // A recording that never closed (an error unwound its frame, or a debug
            // hook cut it).
            let rec = self.rec.take().unwrap();
            self.abort(st, rec, Abort::Interrupted);
        }
        if let Some(&n) = self.by_loop.get(&key) {
            if self.gc_wait {
                if st.heap.should_collect() {
                    // A trace left for a collection, which the interpreter makes at
                    // its next allocation: until then no trace runs, or a trace tree
                    // that allocates only on some paths could leave for it again
                    // and again while the interpreter's paths in between do not
                    // allocate. Ask again at the next back-edge.
                    st.hot.counts[Self::counter(proto, pc)] = 1;
                    return false;
                }
                self.gc_wait = false;
            }
            return self.enter(st, n);
        }
        if self.aborts.get(&key).copied().unwrap_or(0) >= self.opts.max_aborts {
            // Blacklisted, and its back-edges no longer count (`blacklist`): one
            // that `uncount_loop` did not know. Asked about as rarely as the counter
            // allows. (The counter may be another loop's too.)
            st.hot.counts[Self::counter(proto, pc)] = u16::MAX;
            return false;
        }
        self.rec = Some(Recorder::new(st, proto, pc, None, &[], self.opts.opts));
        st.thread.get_mut().hook.mask |= HOOK_RECORD;
        false
    }

    fn record(&mut self, st: &mut State, proto: Gc<Proto>, pc: u32) -> bool {
        let Some(rec) = self.rec.as_mut() else {
            return false;
        };
        match rec.step(st, proto, pc) {
            Ok(false) => true,
            Ok(true) => {
                let rec = self.rec.take().unwrap();
                self.finish(st, rec);
                false
            }
            Err(why) => {
                let rec = self.rec.take().unwrap();
                self.abort(st, rec, why);
                false
            }
        }
    }

    fn mark(&self, heap: &mut Heap) {
        for t in &self.traces {
            heap.mark_proto(t.proto);
            for &c in &t.consts {
                heap.mark_value(c);
            }
            for &p in &t.protos {
                heap.mark_proto(p);
            }
        }
        if let Some(rec) = &self.rec {
            heap.mark_proto(rec.proto);
            for &p in &rec.protos {
                heap.mark_proto(p);
            }
            // The objects it names so far (a callee the iteration dropped the last
            // reference to would otherwise be freed before the trace is compiled).
            for v in objects(&rec.trace) {
                heap.mark_value(v);
            }
        }
    }

    fn summary(&self) -> String {
        Engine::summary(self)
    }

    fn flush(&mut self) {
        self.rec = None;
        self.by_loop.clear();
        self.aborts.clear();
        self.side_aborts.clear();
        self.traces.clear();
        self.max_slots = 0;
        // No trace refers to the old code any more: free it all. The next generation
        // is compiled into a new module.
        if let Some(old) = self.code.take() {
            native::free_module(old.module);
        }
    }
}

/// A code module, and its trampoline (`backend::trampoline`): the traces compiled into
/// it are freed together (Cranelift cannot free one function).
struct CodeModule {
    module: JITModule,
    trampoline: *const u8,
}

impl CodeModule {
    fn new() -> Result<CodeModule, String> {
        let mut flags = cranelift_codegen::settings::builder();
        use cranelift_codegen::settings::Configurable;
        flags.set("opt_level", "speed").map_err(|e| e.to_string())?;
        // Cranelift's tail calls (trace linking) need frame pointers.
        flags
            .set("preserve_frame_pointers", "true")
            .map_err(|e| e.to_string())?;
        // Cranelift's IR verifier costs a third of a compile: debug builds only.
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        flags
            .set("enable_verifier", verify)
            .map_err(|e| e.to_string())?;
        let isa = cranelift_native::builder()?
            .finish(cranelift_codegen::settings::Flags::new(flags))
            .map_err(|e| e.to_string())?;
        let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
        let trampoline = backend::trampoline(&mut module)?;
        Ok(CodeModule { module, trampoline })
    }
}

/// The objects a trace names by address, among its constants.
fn objects(t: &ferrous_ir::Trace) -> impl Iterator<Item = Value> + '_ {
    t.consts.iter().filter_map(|c| match *c {
        ferrous_ir::Const::Gc(ty, p) => Some(Value::raw(p as u64, ty.tag())),
        _ => None,
    })
}

/// `"T/E "` for a side trace of trace T's exit E (traces numbered from 1, as they are
/// shown), nothing for a root trace.
fn side_of(parent: Option<(usize, u32)>) -> String {
    parent.map_or(String::new(), |(p, e)| format!("{}/{e} ", p + 1))
}

/// Makes the thread's frames what an exit's snapshot says: the trace's base frame,
/// frame `fi`, resumes at `pc`, or the calls it inlined (`frames`, outermost first)
/// get their frames, the innermost resuming at `pc`.
fn push_frames(st: &mut State, fi: usize, frames: &[SnapFrame], pc: u32) {
    let th = st.thread.get_mut();
    let base = th.frames[fi].base;
    let mut caller = fi;
    for f in frames {
        th.frames[caller].pc = f.pc;
        let caller_fn = th.stack[th.frames[caller].func].as_lclosure();
        let caller_proto = caller_fn.expect("a Lua frame's function").proto;
        let func = base + f.func_slot as usize;
        let callee = th.stack[func].as_lclosure().expect("an inlined function");
        let top = func + 1 + callee.proto.max_stack as usize;
        let nres = call_results(&caller_proto, f.pc) as i32;
        // A metamethod's frame finishes its caller's instruction when it returns, as
        // after a yield unwound the interpreter's Rust call of it.
        let flags = if calls_metamethod(&caller_proto, f.pc) {
            FRAME_UNROLL
        } else {
            0
        };
        let pdepth = th.frames[caller].pdepth;
        th.frames
            .push(Frame::lua(func, func + 1, top, nres, 0, flags, pdepth));
        th.top = top;
        caller = th.frames.len() - 1;
    }
    th.frames[caller].pc = pc;
}
