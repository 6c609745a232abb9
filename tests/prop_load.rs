//! Loading binary chunks is safe: no byte string passed to `load` crashes the VM.
//!
//! `load` accepts precompiled chunks (`string.dump`), and the interpreter trusts the
//! bytecode it runs, so the loader's verifier (`interp/src/chunk/verify.rs`) is all that
//! stands between a hostile string and out-of-bounds accesses. This file attacks it:
//!
//! * **The corpus**: dumps (with and without debug information) of the main function of
//!   every script in `tests/lua/`, plus a few small functions that use every kind of
//!   instruction.
//! * **The mutations**: bit flips, byte replacements, random instruction words written
//!   over the chunk, truncation, insertion and deletion of bytes, splicing two dumps,
//!   random bytes after the signature or after a valid header, and *structural* tweaks:
//!   the chunk is parsed, one operand of one instruction (or a field of a function: its
//!   register count, parameters, an upvalue descriptor, a constant) is changed, and the
//!   result dumped again. Structural tweaks get past the format checks, so they exercise
//!   the verifier itself.
//! * **Property 1** (`mutated_chunks_never_crash`, in process): `load` returns a
//!   function or an error, and never panics. A panic fails the proptest case, which
//!   proptest then shrinks.
//! * **Property 2** (same test, in child processes): a sample of the chunks that *did*
//!   load is run. Arbitrary verified bytecode may loop forever, so each runs in a child
//!   `ferrous` process (a crash there is an exit status, not a dead test harness) with a
//!   5-second timeout, inside `pcall`, with a count hook that ends the process after a
//!   budget of instructions (also set in every coroutine the chunk creates), an
//!   environment without `io`, `os`, `load`, `debug` or `string.rep` (a mutated script
//!   must not touch files or allocate gigabytes in one call), and a 4 GiB address-space
//!   limit. The child must exit with status 0 or 1: never a signal, never 101 (a Rust
//!   panic). A timeout is reported but tolerated (it is not a crash). Chunks that fail
//!   are kept in `target/prop_load_failures/`.
//! * `dumped_scripts_match_expected`: every script of `tests/lua/`, loaded from its own
//!   dump instead of its source, prints exactly its `.expected` output.
//!
//! `PROPTEST_CASES` sets the number of mutated chunks (default 1500); `PROP_LOAD_EXEC`
//! the number of loaded ones run in child processes (default 120).

use ferrous_interp::bytecode::{Const, FuncProto, Instr, ALL_OPS};
use ferrous_interp::chunk;
use ferrous_interp::vm::api;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scripts() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/lua"))
        .expect("tests/lua")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    v.sort();
    v
}

/// Small functions that between them use every kind of instruction.
const SNIPPETS: &[&str] = &[
    r##"local t = {1, 2, 3, x = 1, [10] = "a", ...}
       local s = 0
       for i = 1, #t do s = s + t[i] * 2 // 1 % 7 ^ 1 / 1 end
       for k, v in pairs(t) do s = s .. tostring(k) .. v end
       return s, t:x(), select("#", ...)"##,
    r##"local a, b = ...
       local function f(x, ...) return x and a or b, ... end
       local c <const> = 5
       do local d <close> = setmetatable({}, {__close = function() end}) end
       if a == 1 then a = a + 1 elseif a < b then b = -a elseif a >= 3 then b = ~a end
       while a ~= nil and a <= 10 do a = a + 1 if a == 7 then break end end
       repeat b = (b or 0) + 1 until b > 3
       goto done
       ::done::
       return f(a & 3 | 4 ~ 5 << 1 >> 2, b, c, #"xyz", not a, ...)"##,
    r##"local t = setmetatable({}, {__index = function(t, k) return k end})
       local u = {t.a, t[1], t["b"], "s" .. 1 .. 2.5}
       local co = coroutine.wrap(function(...) local x = coroutine.yield(...) return x end)
       co(1, 2)
       local n = 0
       for i = 10, 1, -3 do n = n + i end
       for i = 1.0, 2.0, 0.5 do n = n + i end
       return u, co(3), n, t.x.y"##,
];

/// Dumps of the corpus functions, as (name, bytes).
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut st = api::new_state();
    let mut out = Vec::new();
    let mut add = |st: &mut ferrous_runtime::State, name: String, src: &[u8]| {
        let f = match api::load(st, src, format!("@{name}").as_bytes(), "t", None) {
            Ok(f) => f,
            Err(_) => panic!("{name} does not compile"),
        };
        let p = f.as_lclosure().unwrap().proto;
        for strip in [false, true] {
            out.push((
                format!("{name} strip={strip}"),
                chunk::dump::dump(&p, strip),
            ));
        }
    };
    for path in scripts() {
        let src = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        add(&mut st, name, &src);
    }
    for (i, s) in SNIPPETS.iter().enumerate() {
        add(&mut st, format!("snippet{i}"), s.as_bytes());
    }
    out
}

// =====================================================================================
// Mutations
// =====================================================================================

#[derive(Clone, Debug)]
enum Mutation {
    BitFlips(Vec<(usize, u8)>),
    Bytes(Vec<(usize, u8)>),
    /// Instruction-like words (a valid opcode, random operands) written at offsets.
    Words(Vec<(usize, u32)>),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    /// This dump up to a cut, then another one from a cut.
    Splice(usize, usize, usize),
    RandomAfterSignature(Vec<u8>),
    RandomAfterHeader(Vec<u8>),
    /// Structural: (function, instruction, field, value) tweaks, re-dumped.
    Operands(Vec<(usize, usize, u8, u32)>),
    /// Structural: (function, field, index, value) tweaks of function fields.
    Fields(Vec<(usize, u8, usize, u32)>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    prop_oneof![
        prop::collection::vec((pos, 0u8..8), 1..6).prop_map(Mutation::BitFlips),
        prop::collection::vec((pos, any::<u8>()), 1..6).prop_map(Mutation::Bytes),
        prop::collection::vec((pos, any::<u32>()), 1..4).prop_map(Mutation::Words),
        pos.prop_map(Mutation::Truncate),
        (pos, prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(p, b)| Mutation::Insert(p, b)),
        (pos, 1usize..64).prop_map(|(p, n)| Mutation::Delete(p, n)),
        (pos, pos, pos).prop_map(|(o, a, b)| Mutation::Splice(o, a, b)),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Mutation::RandomAfterSignature),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(Mutation::RandomAfterHeader),
        prop::collection::vec((pos, pos, 0u8..8, any::<u32>()), 1..4).prop_map(Mutation::Operands),
        prop::collection::vec((pos, 0u8..8, pos, any::<u32>()), 1..3).prop_map(Mutation::Fields),
    ]
}

fn count_functions(f: &FuncProto) -> usize {
    1 + f.protos.iter().map(count_functions).sum::<usize>()
}

/// Function number `n` of a prototype tree, depth first.
fn nth_function(f: &mut FuncProto, mut n: usize) -> &mut FuncProto {
    if n == 0 {
        return f;
    }
    n -= 1;
    for c in f.protos.iter_mut() {
        let k = count_functions(c);
        if n < k {
            return nth_function(c, n);
        }
        n -= k;
    }
    unreachable!("function index out of range")
}

/// Parses `base`, lets `tweak` change function number `which` (modulo the count), and
/// dumps the result again without verifying it.
fn structural(
    base: &[u8],
    st: &mut ferrous_runtime::State,
    tweaks: &[(usize, impl Fn(&mut FuncProto))],
) -> Vec<u8> {
    let Ok((mut fp, source)) = chunk::undump::undump(base) else {
        return base.to_vec();
    };
    let count = count_functions(&fp);
    for (which, tweak) in tweaks {
        tweak(nth_function(&mut fp, which % count));
    }
    let src: Rc<[u8]> = Rc::from(source.as_deref().unwrap_or(b"=?"));
    let p = ferrous_interp::vm::load::proto_to_heap(st, &fp, &src);
    chunk::dump::dump(&p, source.is_none())
}

fn apply(
    corpus: &[(String, Vec<u8>)],
    idx: usize,
    m: &Mutation,
    st: &mut ferrous_runtime::State,
) -> Vec<u8> {
    let base = &corpus[idx % corpus.len()].1;
    let mut b = base.clone();
    let len = b.len();
    match m {
        Mutation::BitFlips(v) => {
            for &(p, bit) in v {
                b[p % len] ^= 1 << bit;
            }
        }
        Mutation::Bytes(v) => {
            for &(p, x) in v {
                b[p % len] = x;
            }
        }
        Mutation::Words(v) => {
            for &(p, w) in v {
                let op = (w & 0x7f) % ALL_OPS.len() as u32;
                let w = (w & !0x7f) | op;
                let p = p % (len - 3);
                b[p..p + 4].copy_from_slice(&w.to_ne_bytes());
            }
        }
        Mutation::Truncate(n) => b.truncate(n % len),
        Mutation::Insert(p, x) => {
            let p = p % (len + 1);
            b.splice(p..p, x.iter().copied());
        }
        Mutation::Delete(p, n) => {
            let p = p % len;
            b.drain(p..(p + n).min(len));
        }
        Mutation::Splice(o, x, y) => {
            let other = &corpus[o % corpus.len()].1;
            b.truncate(x % len);
            b.extend_from_slice(&other[y % other.len()..]);
        }
        Mutation::RandomAfterSignature(r) => {
            b = b"\x1bLua".to_vec();
            b.extend_from_slice(r);
        }
        Mutation::RandomAfterHeader(r) => {
            b = chunk::dump::header();
            b.extend_from_slice(r);
        }
        Mutation::Operands(v) => {
            let tweaks: Vec<_> = v
                .iter()
                .map(|&(fi, pc, field, val)| {
                    (fi, move |f: &mut FuncProto| {
                        if f.code.is_empty() {
                            return;
                        }
                        let pc = pc % f.code.len();
                        let i = &mut f.code[pc];
                        // Mostly small values: near the real operands' range.
                        let small = val % 256;
                        match field {
                            0 => *i = Instr((i.0 & !0x7f) | (val % ALL_OPS.len() as u32)),
                            1 => i.set_a(small),
                            2 => i.set_b(small),
                            3 => i.set_c(small),
                            4 => i.set_k(!i.k()),
                            5 => i.set_bx(val % (1 << 17)),
                            6 => i.set_sj((val % 64) as i32 - 32),
                            _ => *i = Instr(val),
                        }
                    })
                })
                .collect();
            b = structural(base, st, &tweaks);
        }
        Mutation::Fields(v) => {
            let tweaks: Vec<_> = v
                .iter()
                .map(|&(fi, field, idx, val)| {
                    (fi, move |f: &mut FuncProto| match field {
                        0 => f.max_stack = (val % 256) as u8,
                        1 => f.num_params = (val % 256) as u8,
                        2 => f.is_vararg = !f.is_vararg,
                        3 | 4 if !f.upvalues.is_empty() => {
                            let n = f.upvalues.len();
                            let u = &mut f.upvalues[idx % n];
                            if field == 3 {
                                u.in_stack = !u.in_stack;
                            } else {
                                u.index = (val % 256) as u8;
                            }
                        }
                        5 if !f.constants.is_empty() => {
                            let n = f.constants.len();
                            f.constants[idx % n] = match val % 4 {
                                0 => Const::Nil,
                                1 => Const::Int(val as i64),
                                2 => Const::Float(val as f64 / 3.0),
                                _ => Const::Str(b"x".to_vec()),
                            };
                        }
                        6 if !f.locvars.is_empty() => {
                            let n = f.locvars.len();
                            f.locvars[idx % n].end_pc = val % (f.code.len() as u32 + 3);
                        }
                        _ => {
                            if !f.code.is_empty() {
                                let pc = idx % f.code.len();
                                f.code.remove(pc);
                                if !f.line_info.is_empty() {
                                    f.line_info.remove(pc);
                                }
                            }
                        }
                    })
                })
                .collect();
            b = structural(base, st, &tweaks);
        }
    }
    b
}

// =====================================================================================
// Running loaded chunks in a child process
// =====================================================================================

/// Loads the chunk named by `arg[1]` in a sandbox and runs it with an instruction budget.
const DRIVER: &str = r#"
local path = arg[1]
local fh = assert(io.open(path, "rb"))
local s = fh:read("a")
fh:close()
local exit, sethook, create, resume = os.exit, debug.sethook, coroutine.create, coroutine.resume
local ticks = 0
local function hook()
  ticks = ticks + 1
  if ticks > 300 then exit(0, false) end   -- about 300k instructions
end
local safe_string = {}
for k, v in pairs(string) do if k ~= "rep" then safe_string[k] = v end end
getmetatable("").__index = safe_string
local co = {}
for k, v in pairs(coroutine) do co[k] = v end
co.create = function(f)
  local c = create(f)
  sethook(c, hook, "", 1000)
  return c
end
co.wrap = function(f)
  local c = co.create(f)
  return function(...)
    local r = table.pack(resume(c, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    error(r[2], 0)
  end
end
local env = {
  print = function() end, assert = assert, error = error, ipairs = ipairs,
  pairs = pairs, next = next, select = select, tonumber = tonumber,
  tostring = tostring, type = type, pcall = pcall, xpcall = xpcall,
  rawequal = rawequal, rawget = rawget, rawset = rawset, rawlen = rawlen,
  setmetatable = setmetatable, getmetatable = getmetatable,
  string = safe_string, table = table, math = math, utf8 = utf8, coroutine = co,
  collectgarbage = function() end,
}
env._G = env
local f, err = load(s, "=fuzz", "b", env)
if not f then
  io.stderr:write("not loadable: ", err, "\n")
  exit(3)
end
sethook(hook, "", 1000)
pcall(f)
sethook()
"#;

enum Outcome {
    Ok,
    TimedOut,
    Crashed(String),
}

fn run_child(driver: &Path, chunk: &Path) -> Outcome {
    let start = Instant::now();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 4194304 2>/dev/null; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_ferrous"))
        .arg(driver)
        .arg(chunk)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn ferrous");
    let mut err_pipe = child.stderr.take().unwrap();
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    match status {
        None => Outcome::TimedOut,
        Some(s) => match s.code() {
            Some(0) | Some(1) => Outcome::Ok,
            Some(3) => Outcome::Crashed(format!("did not load in the child: {stderr}")),
            _ => Outcome::Crashed(format!("{s}\n{}", &stderr[..stderr.len().min(2000)])),
        },
    }
}

fn env_num(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_chunks_never_crash() {
    let corpus = corpus();
    let n = corpus.len();
    let loaded: RefCell<Vec<(String, Vec<u8>)>> = RefCell::new(Vec::new());
    let tried = RefCell::new(0usize);
    let cases = env_num("PROPTEST_CASES", 1500);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(0..n, mutation()), |(idx, m)| {
        let mut st = api::new_state();
        let bytes = apply(&corpus, idx, &m, &mut st);
        *tried.borrow_mut() += 1;
        // Property 1: load answers, never panics (a panic fails this case).
        if api::load(&mut st, &bytes, b"=fuzz", "b", None).is_ok() {
            let mut l = loaded.borrow_mut();
            if !l.iter().any(|(_, b)| *b == bytes) {
                l.push((format!("{} {:?}", corpus[idx].0, m), bytes));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("load misbehaved: {e}");
    }

    // Property 2: what loads runs without crashing the process.
    let loaded = loaded.into_inner();
    assert!(
        !loaded.is_empty(),
        "none of the {} mutated chunks loaded: property 2 would run nothing",
        tried.borrow()
    );
    let exec = (env_num("PROP_LOAD_EXEC", 120) as usize).min(loaded.len());
    let dir = std::env::temp_dir().join(format!("ferrous-prop-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let driver = dir.join("driver.lua");
    std::fs::write(&driver, DRIVER).unwrap();
    let mut failures = Vec::new();
    let mut timeouts = 0;
    // Spread the sample over everything that loaded.
    let step = (loaded.len() / exec.max(1)).max(1);
    for (k, (what, bytes)) in loaded.iter().step_by(step).take(exec).enumerate() {
        let file = dir.join(format!("chunk{k}.bin"));
        std::fs::write(&file, bytes).unwrap();
        match run_child(&driver, &file) {
            Outcome::Ok => {}
            Outcome::TimedOut => {
                timeouts += 1;
                eprintln!("prop_load: timeout (tolerated) running {what}");
            }
            Outcome::Crashed(why) => {
                let keep = repo_root().join("target/prop_load_failures");
                let _ = std::fs::create_dir_all(&keep);
                let kept = keep.join(format!("failure{}.bin", failures.len()));
                let _ = std::fs::write(&kept, bytes);
                failures.push(format!("{what}\n  kept as {}\n  {why}", kept.display()));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "prop_load: {} mutated chunks, {} loaded, {} run, {} timeouts",
        tried.into_inner(),
        loaded.len(),
        exec,
        timeouts
    );
    assert!(failures.is_empty(), "crashes:\n{}", failures.join("\n"));
}

/// Every test script, loaded from its dump, prints what it prints from source.
#[test]
fn dumped_scripts_match_expected() {
    const DUMP_DRIVER: &str = r#"
local path = arg[1]
local f = assert(loadfile(path))
local g = assert(load(string.dump(f), "=unused", "b"))
return g()
"#;
    let dir = std::env::temp_dir().join(format!("ferrous-prop-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let driver = dir.join("driver.lua");
    std::fs::write(&driver, DUMP_DRIVER).unwrap();
    let mut failures = Vec::new();
    for path in scripts() {
        let expected = std::fs::read(path.with_extension("expected")).expect("expected file");
        let rel = path.strip_prefix(repo_root()).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ferrous"))
            .arg(&driver)
            .arg(rel)
            .current_dir(repo_root())
            .stdin(Stdio::null())
            .output()
            .expect("spawn ferrous");
        if !out.status.success() || out.stdout != expected {
            let (got, want) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&expected),
            );
            let first_diff = got
                .lines()
                .zip(want.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("got      {a:?}\nexpected {b:?}"))
                .unwrap_or_else(|| format!("{} bytes, expected {}", got.len(), want.len()));
            failures.push(format!(
                "{}: status {}\n{}\n{}",
                rel.display(),
                out.status,
                first_diff,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
