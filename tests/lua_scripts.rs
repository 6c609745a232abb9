//! Differential harness for the Lua test-script corpus in `tests/lua/`.
//!
//! Every `tests/lua/NAME.lua` has its expected standard output in `tests/lua/NAME.expected`,
//! produced by PUC Lua 5.4 (`lua5.4 tests/lua/NAME.lua > tests/lua/NAME.expected`, run from
//! the repository root). Two tests use the corpus:
//!
//! * `puc_lua_matches_expected` runs each script under PUC Lua 5.4 through the `mlua` crate
//!   (vendored Lua 5.4), with `print` and `io.write` redirected to a buffer and the chunk
//!   named `@tests/lua/NAME.lua`, exactly as `lua5.4 tests/lua/NAME.lua` would name it. It
//!   proves the `.expected` files really are PUC Lua's behaviour.
//! * `ferrous_matches_expected` runs the `ferrous` binary on each script (current directory:
//!   the repository root, argument: `tests/lua/NAME.lua`) and compares its stdout with the
//!   `.expected` file. It reports every failing script in one go. Two variants run the
//!   binary under GC stress and with the JIT recording every loop.
//!
//! The list of scripts is collected at run time: adding a script needs no Rust change.
//!
//! Environment variables:
//! * `FERROUS_TEST_FILTER=substring`: only scripts whose name contains the substring
//!   (comma-separated list of substrings accepted).
//! * `FERROUS_TEST_TIMEOUT=seconds`: per-script time limit for the ferrous binary (default 120).
//! * `FERROUS_BLESS_EXPECTED=1`: make `puc_lua_matches_expected` (re)write `.expected` files
//!   from PUC Lua's output instead of failing. Review the diff before committing.
//!
//! Rules for scripts: print only deterministic output (no addresses, timings, or unsorted
//! `pairs` order), write output only with `print` and `io.write` (not `io.stdout:write`), and
//! run to completion under PUC Lua (catch errors with `pcall`).

use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A script of the corpus: its name (file stem) and paths.
#[derive(Clone, Debug)]
struct Script {
    name: String,
    /// Relative to the repository root, with forward slashes: `tests/lua/NAME.lua`.
    rel_path: String,
    lua_path: PathBuf,
    expected_path: PathBuf,
}

fn filters() -> Vec<String> {
    match std::env::var("FERROUS_TEST_FILTER") {
        Ok(f) => f
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn collect_scripts() -> Vec<Script> {
    let dir = repo_root().join("tests").join("lua");
    let filters = filters();
    let mut scripts = Vec::new();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("read_dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("lua") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        scripts.push(Script {
            rel_path: format!("tests/lua/{name}.lua"),
            expected_path: path.with_extension("expected"),
            lua_path: path,
            name,
        });
    }
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    if filters.is_empty() {
        assert!(
            !scripts.is_empty(),
            "no Lua scripts found in {}",
            dir.display()
        );
    } else if scripts.is_empty() {
        eprintln!("FERROUS_TEST_FILTER={filters:?} selects no script");
    }
    scripts
}

/// Runs `job` on every script using a few worker threads; returns the results in script
/// order. Worker threads get a large stack (PUC Lua's C recursion runs on it).
fn run_parallel<T, F>(scripts: &[Script], job: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(&Script) -> T + Send + Sync + 'static,
{
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8)
        .min(scripts.len().max(1));
    let scripts: Arc<Vec<Script>> = Arc::new(scripts.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let results: Arc<Mutex<Vec<Option<T>>>> =
        Arc::new(Mutex::new((0..scripts.len()).map(|_| None).collect()));
    let job = Arc::new(job);
    let mut handles = Vec::new();
    for w in 0..workers {
        let (scripts, next, results, job) =
            (scripts.clone(), next.clone(), results.clone(), job.clone());
        let handle = std::thread::Builder::new()
            .name(format!("lua-script-worker-{w}"))
            .stack_size(64 << 20)
            .spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= scripts.len() {
                    break;
                }
                let r = job(&scripts[i]);
                results.lock().unwrap()[i] = Some(r);
            })
            .expect("spawn worker");
        handles.push(handle);
    }
    let mut panics = Vec::new();
    for h in handles {
        if let Err(p) = h.join() {
            panics.push(p);
        }
    }
    if let Some(p) = panics.pop() {
        std::panic::resume_unwind(p);
    }
    Arc::try_unwrap(results)
        .ok()
        .expect("workers finished")
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every script has a result"))
        .collect()
}

/// A readable report of the first difference between `expected` and `actual`.
fn diff_report(expected: &[u8], actual: &[u8]) -> String {
    let exp = String::from_utf8_lossy(expected);
    let act = String::from_utf8_lossy(actual);
    let exp_lines: Vec<&str> = exp.split_inclusive('\n').collect();
    let act_lines: Vec<&str> = act.split_inclusive('\n').collect();
    let first = exp_lines
        .iter()
        .zip(act_lines.iter())
        .position(|(e, a)| e != a)
        .unwrap_or(exp_lines.len().min(act_lines.len()));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "    first difference at line {} (expected {} lines, got {} lines)",
        first + 1,
        exp_lines.len(),
        act_lines.len()
    );
    let show = |l: &str| {
        let l = l
            .strip_suffix('\n')
            .map(|s| s.to_string())
            .unwrap_or_else(|| format!("{l}<no newline at end>"));
        let mut l = l.replace('\r', "\\r");
        if l.len() > 300 {
            let mut cut = 300;
            while !l.is_char_boundary(cut) {
                cut -= 1;
            }
            l.truncate(cut);
            l.push_str("...");
        }
        l
    };
    let ctx_start = first.saturating_sub(3);
    for (i, l) in exp_lines.iter().enumerate().take(first).skip(ctx_start) {
        let _ = writeln!(out, "    {:>5}   {}", i + 1, show(l));
    }
    for (i, l) in exp_lines.iter().enumerate().skip(first).take(4) {
        let _ = writeln!(out, "    {:>5} - {}", i + 1, show(l));
    }
    if first >= exp_lines.len() {
        let _ = writeln!(out, "          - <end of expected output>");
    }
    for (i, l) in act_lines.iter().enumerate().skip(first).take(4) {
        let _ = writeln!(out, "    {:>5} + {}", i + 1, show(l));
    }
    if first >= act_lines.len() {
        let _ = writeln!(out, "          + <end of actual output>");
    }
    out
}

// ---------------------------------------------------------------------------------------
// PUC Lua 5.4 through mlua
// ---------------------------------------------------------------------------------------

/// Replaces `print` (with `puc_print`) and `io.write` with functions that append to the
/// thread's output buffer through `out`. `io.write` writes integers with "%d" and floats with
/// "%.14g" (LUAI_NUMFFORMAT), like liolib's g_write.
const PRELUDE: &str = r#"
local out, print_impl = ...
local select, type, mtype, fmt, error = select, type, math.type, string.format, error
local stdout = io.stdout
print = print_impl
io.write = function(...)
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    local mt = mtype(v)
    if mt == "integer" then out(fmt("%d", v))
    elseif mt == "float" then out(fmt("%.14g", v))
    elseif type(v) == "string" then out(v)
    else error(fmt("bad argument #%d to 'write' (string expected, got %s)", i, type(v)), 2) end
  end
  return stdout
end
"#;

/// Source as `luaL_loadfile` sees it: a first line starting with '#' is skipped (its newline
/// kept so line numbers stay right).
fn strip_shebang(src: Vec<u8>) -> Vec<u8> {
    if src.first() == Some(&b'#') {
        let end = src.iter().position(|&b| b == b'\n').unwrap_or(src.len());
        src[end..].to_vec()
    } else {
        src
    }
}

thread_local! {
    /// Output of the script running under PUC Lua on this thread.
    static PUC_OUTPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The sink behind the replaced `print`/`io.write`: appends its string argument to
/// `PUC_OUTPUT`. A raw C function rather than an mlua callback, because finalizers run by
/// `lua_close` (when the `Lua` is dropped) still print, and mlua callbacks no longer work then.
unsafe extern "C-unwind" fn puc_out(l: *mut mlua::ffi::lua_State) -> std::os::raw::c_int {
    let mut len = 0usize;
    // SAFETY: `l` is the running state; argument 1 is a string (the prelude only passes
    // strings), so lua_tolstring returns a pointer to `len` bytes owned by that string.
    unsafe {
        let p = mlua::ffi::lua_tolstring(l, 1, &mut len);
        if !p.is_null() {
            let bytes = std::slice::from_raw_parts(p as *const u8, len);
            PUC_OUTPUT.with(|b| b.borrow_mut().extend_from_slice(bytes));
        }
    }
    0
}

/// `print` exactly as PUC's luaB_print: luaL_tolstring on each argument (so errors raised
/// there have the same position information), tabs between, a newline at the end.
unsafe extern "C-unwind" fn puc_print(l: *mut mlua::ffi::lua_State) -> std::os::raw::c_int {
    // SAFETY: standard lua_CFunction protocol. luaL_tolstring may raise a Lua error
    // (longjmp); this frame holds nothing with a destructor across that call, and the
    // thread-local buffer is only borrowed inside `append`.
    unsafe fn append(p: *const std::os::raw::c_char, len: usize) {
        // SAFETY: callers pass a pointer to `len` initialised bytes that outlive the call
        // (a Lua string on the stack, or a byte-string literal).
        let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, len) };
        PUC_OUTPUT.with(|b| b.borrow_mut().extend_from_slice(bytes));
    }
    unsafe {
        let n = mlua::ffi::lua_gettop(l);
        for i in 1..=n {
            let mut len = 0usize;
            let p = mlua::ffi::luaL_tolstring(l, i, &mut len);
            if i > 1 {
                append(b"\t".as_ptr() as *const _, 1);
            }
            append(p, len);
            mlua::ffi::lua_settop(l, -2);
        }
        append(b"\n".as_ptr() as *const _, 1);
    }
    0
}

fn run_under_puc(script: &Script) -> Result<Vec<u8>, String> {
    let src = std::fs::read(&script.lua_path).map_err(|e| format!("cannot read script: {e}"))?;
    PUC_OUTPUT.with(|b| b.borrow_mut().clear());
    let result = {
        // SAFETY: unsafe_new opens every standard library (debug included), like the
        // standalone interpreter; the scripts are the project's own test files.
        let lua = unsafe { mlua::Lua::unsafe_new() };
        let run = (|| -> mlua::Result<()> {
            // SAFETY: puc_out follows the lua_CFunction protocol and never raises errors.
            let out = unsafe { lua.create_c_function(puc_out)? };
            // SAFETY: as above; puc_print only raises errors the way luaB_print does.
            let print = unsafe { lua.create_c_function(puc_print)? };
            lua.load(PRELUDE)
                .set_name("=harness prelude")
                .call::<()>((out, print))?;
            lua.load(strip_shebang(src))
                .set_name(format!("@{}", script.rel_path))
                .exec()
        })();
        // Dropping `lua` closes the state: pending finalizers run (and may print) here,
        // as they do when the standalone `lua` exits.
        drop(lua);
        run.map_err(|e| e.to_string())
    };
    let output = PUC_OUTPUT.with(|b| std::mem::take(&mut *b.borrow_mut()));
    match result {
        Ok(()) => Ok(output),
        Err(e) => Err(format!(
            "script raised an error under PUC Lua: {e}\n    output so far:\n{}",
            String::from_utf8_lossy(&output)
        )),
    }
}

#[test]
fn puc_lua_matches_expected() {
    let scripts = collect_scripts();
    let bless = std::env::var("FERROUS_BLESS_EXPECTED").is_ok_and(|v| v == "1");
    let results = run_parallel(&scripts, run_under_puc);
    let mut failures = Vec::new();
    for (script, result) in scripts.iter().zip(results) {
        let actual = match result {
            Ok(out) => out,
            Err(e) => {
                failures.push(format!("{}: {e}", script.rel_path));
                continue;
            }
        };
        let expected = std::fs::read(&script.expected_path).ok();
        if expected.as_deref() == Some(&actual[..]) {
            continue;
        }
        if bless {
            std::fs::write(&script.expected_path, &actual).expect("write .expected");
            eprintln!("blessed {}", script.expected_path.display());
            continue;
        }
        match expected {
            None => failures.push(format!(
                "{}: missing {} (generate it with `lua5.4 {} > {}` from the repository root)",
                script.rel_path,
                script.expected_path.display(),
                script.rel_path,
                script.expected_path.display()
            )),
            Some(exp) => failures.push(format!(
                "{}: PUC Lua (mlua) output differs from the .expected file\n{}",
                script.rel_path,
                diff_report(&exp, &actual)
            )),
        }
    }
    // Every .expected file belongs to a script.
    if filters().is_empty() {
        for entry in std::fs::read_dir(repo_root().join("tests/lua")).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().and_then(|e| e.to_str()) == Some("expected")
                && !p.with_extension("lua").exists()
            {
                failures.push(format!("{}: .expected file without a script", p.display()));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} scripts failed under PUC Lua:\n\n{}",
            failures.len(),
            scripts.len(),
            failures.join("\n")
        );
    }
    eprintln!("{} scripts match PUC Lua", scripts.len());
}

// ---------------------------------------------------------------------------------------
// The ferrous binary
// ---------------------------------------------------------------------------------------

struct RunOutput {
    status: Option<std::process::ExitStatus>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    timed_out: bool,
    elapsed: Duration,
}

fn timeout() -> Duration {
    let secs = std::env::var("FERROUS_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

/// How to run the ferrous binary.
#[derive(Clone, Copy)]
enum Mode {
    Plain,
    /// A collection at every GC point.
    GcStress,
    /// The JIT on, recording every loop from its second iteration on.
    Jit,
}

fn run_ferrous(rel_path: &str, mode: Mode) -> std::io::Result<RunOutput> {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrous"));
    match mode {
        Mode::Plain => {}
        Mode::GcStress => {
            cmd.env("FERROUS_GC_STRESS", "1");
        }
        Mode::Jit => {
            cmd.args(["--jit", "--jit-hotloop=1"]);
        }
    }
    let mut child = cmd
        .arg(rel_path)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Drain the pipes on their own threads so a chatty child cannot block.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let limit = timeout();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ok(RunOutput {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
        timed_out,
        elapsed: start.elapsed(),
    })
}

fn describe_status(st: Option<std::process::ExitStatus>) -> String {
    match st {
        None => "unknown".to_string(),
        Some(st) => {
            if let Some(c) = st.code() {
                if c == 101 {
                    "exit code 101 (Rust panic)".to_string()
                } else {
                    format!("exit code {c}")
                }
            } else {
                #[cfg(unix)]
                {
                    use std::os::unix::process::ExitStatusExt;
                    if let Some(sig) = st.signal() {
                        return format!("killed by signal {sig}");
                    }
                }
                format!("{st}")
            }
        }
    }
}

fn check_ferrous(script: &Script) -> Result<(), String> {
    check_ferrous_with(script, Mode::Plain)
}

fn check_ferrous_jit(script: &Script) -> Result<(), String> {
    check_ferrous_with(script, Mode::Jit)
}

/// Scripts whose output depends on when collections happen (finalizer order).
const GC_TIMING_DEPENDENT: &[&str] = &["gc_weak", "jit_gc_exit"];

fn check_ferrous_gc_stress(script: &Script) -> Result<(), String> {
    if GC_TIMING_DEPENDENT.contains(&script.name.as_str()) {
        return Ok(());
    }
    check_ferrous_with(script, Mode::GcStress)
}

fn check_ferrous_with(script: &Script, mode: Mode) -> Result<(), String> {
    let expected = std::fs::read(&script.expected_path)
        .map_err(|e| format!("cannot read {}: {e}", script.expected_path.display()))?;
    let run =
        run_ferrous(&script.rel_path, mode).map_err(|e| format!("cannot run ferrous: {e}"))?;
    let mut problems = String::new();
    if run.timed_out {
        let _ = writeln!(
            problems,
            "    timed out after {:.1}s",
            run.elapsed.as_secs_f64()
        );
    }
    let ok_status = run.status.is_some_and(|s| s.success());
    if !ok_status && !run.timed_out {
        let _ = writeln!(problems, "    {}", describe_status(run.status));
    }
    if run.stdout != expected {
        problems.push_str(&diff_report(&expected, &run.stdout));
    }
    if problems.is_empty() {
        return Ok(());
    }
    if !run.stderr.is_empty() {
        let err = String::from_utf8_lossy(&run.stderr);
        let mut lines: Vec<&str> = err.lines().take(12).collect();
        if err.lines().count() > 12 {
            lines.push("...");
        }
        let _ = writeln!(problems, "    stderr:");
        for l in lines {
            let _ = writeln!(problems, "      {l}");
        }
    }
    Err(problems)
}

#[test]
fn ferrous_matches_expected() {
    report_ferrous(check_ferrous, "ferrous");
}

/// The same scripts with a collection at every GC point: a value the interpreter or a
/// library forgot to keep reachable is freed at once and the output changes (or the
/// process crashes).
#[test]
fn ferrous_matches_expected_under_gc_stress() {
    report_ferrous(check_ferrous_gc_stress, "ferrous (FERROUS_GC_STRESS=1)");
}

/// The same scripts with the JIT recording every loop it can: whatever the traces do
/// must not change the output (differential testing of the JIT against the
/// interpreter, whose output the plain test checks against PUC Lua's).
#[test]
fn ferrous_matches_expected_under_jit() {
    report_ferrous(check_ferrous_jit, "ferrous --jit --jit-hotloop=1");
}

fn report_ferrous(check: fn(&Script) -> Result<(), String>, what: &str) {
    let scripts = collect_scripts();
    let results = run_parallel(&scripts, check);
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    for (script, r) in scripts.iter().zip(results) {
        match r {
            Ok(()) => passed.push(script.name.clone()),
            Err(report) => failures.push(format!("--- {}\n{report}", script.rel_path)),
        }
    }
    if !failures.is_empty() {
        panic!(
            "{what}: {} of {} scripts failed (passed: {}):\n\n{}",
            failures.len(),
            scripts.len(),
            if passed.is_empty() {
                "none".to_string()
            } else {
                passed.join(", ")
            },
            failures.join("\n")
        );
    }
    eprintln!("{what} passes all {} scripts", scripts.len());
}

#[test]
fn diff_report_points_at_first_difference() {
    let r = diff_report(b"a\nb\nc\n", b"a\nB\nc\n");
    assert!(r.contains("first difference at line 2"), "{r}");
    assert!(r.contains("- b") && r.contains("+ B"), "{r}");
    let r = diff_report(b"a\n", b"a\nextra\n");
    assert!(
        r.contains("line 2") && r.contains("end of expected output"),
        "{r}"
    );
}
