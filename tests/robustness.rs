//! No script can crash the process: the `ferrous` binary must turn every hostile input into
//! a Lua error, printed as `ferrous: MESSAGE` on stderr with exit status 1 (never a signal,
//! never exit code 101 from a Rust panic, never a hang).
//!
//! The messages checked are those of PUC Lua 5.4.8's standalone `lua` (with `ferrous: ` in
//! place of `lua: `); the comments give PUC's exact output.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

struct Run {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    timed_out: bool,
    what: String,
}

impl Run {
    fn describe(&self) -> String {
        let status = match self.status {
            None => "no status".to_string(),
            Some(st) => match st.code() {
                Some(101) => "exit code 101 (Rust panic)".to_string(),
                Some(c) => format!("exit code {c}"),
                None => {
                    #[cfg(unix)]
                    {
                        use std::os::unix::process::ExitStatusExt;
                        match st.signal() {
                            Some(sig) => format!("killed by signal {sig}"),
                            None => format!("{st}"),
                        }
                    }
                    #[cfg(not(unix))]
                    format!("{st}")
                }
            },
        };
        format!(
            "run: {}\nstatus: {}{}\nstdout (first 1000 bytes): {:?}\nstderr (first 2000 bytes): {:?}",
            self.what,
            status,
            if self.timed_out { " (timed out, killed)" } else { "" },
            truncate(&self.stdout, 1000),
            truncate(&self.stderr, 2000)
        )
    }

    fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    fn stderr_first_line(&self) -> &str {
        self.stderr.lines().next().unwrap_or("")
    }
}

fn truncate(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut cut = n;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_args(args: &[&str], what: String) -> Run {
    let start = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrous"));
    // Like PUC's lua.c, the program may name itself after argv[0] in messages; run it as
    // plain "ferrous" so the expected prefix is "ferrous: " either way.
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.arg0("ferrous");
    }
    let mut child = cmd
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ferrous");
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
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break Some(st);
        }
        if start.elapsed() > TIMEOUT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().ok();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Run {
        status,
        stdout: String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned(),
        timed_out,
        what,
    }
}

/// `ferrous -e CODE`
fn run_e(code: &str) -> Run {
    let what = format!("ferrous -e {:?}", truncate(code, 200));
    run_args(&["-e", code], what)
}

/// A temporary script file, removed on drop.
struct TempScript(PathBuf);

impl Drop for TempScript {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn temp_script(tag: &str, src: &str) -> TempScript {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!(
        "ferrous-robustness-{}-{}-{tag}.lua",
        std::process::id(),
        n
    ));
    std::fs::write(&path, src).expect("write temp script");
    TempScript(path)
}

/// `ferrous FILE` with `src` written to a temporary file.
fn run_file(tag: &str, src: &str) -> (Run, TempScript) {
    let file = temp_script(tag, src);
    let path = file.0.to_string_lossy().into_owned();
    let what = format!("ferrous {path}   (source: {:?})", truncate(src, 200));
    (run_args(&[&path], what), file)
}

/// The process ended normally with status 1 and a `ferrous: ` message on stderr.
fn assert_lua_error(run: &Run) {
    assert!(!run.timed_out, "timed out\n{}", run.describe());
    assert_eq!(
        run.code(),
        Some(1),
        "expected exit status 1\n{}",
        run.describe()
    );
    assert!(
        run.stderr.starts_with("ferrous: "),
        "stderr must start with 'ferrous: '\n{}",
        run.describe()
    );
}

/// Like `assert_lua_error`, and the message contains one of `needles`.
fn assert_lua_error_containing(run: &Run, needles: &[&str]) {
    assert_lua_error(run);
    assert!(
        needles.iter().any(|n| run.stderr.contains(n)),
        "stderr should contain one of {needles:?}\n{}",
        run.describe()
    );
}

/// No crash, no hang: exit status 0 or 1, and status 1 comes with a `ferrous: ` message.
/// For inputs where PUC Lua reports an error but a more capable implementation might not.
fn assert_no_crash(run: &Run) {
    assert!(!run.timed_out, "timed out\n{}", run.describe());
    match run.code() {
        Some(0) => {}
        Some(1) => assert!(
            run.stderr.starts_with("ferrous: "),
            "stderr must start with 'ferrous: '\n{}",
            run.describe()
        ),
        _ => panic!("expected exit status 0 or 1\n{}", run.describe()),
    }
}

fn nested(open: &str, core: &str, close: &str, depth: usize) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * depth + core.len());
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(core);
    for _ in 0..depth {
        s.push_str(close);
    }
    s
}

// ----------------------------------------------------------------------------------------
// The command line itself
// ----------------------------------------------------------------------------------------

#[test]
fn e_option_runs_a_statement() {
    let run = run_e("print(1+1)");
    assert_eq!(run.code(), Some(0), "{}", run.describe());
    assert_eq!(run.stdout, "2\n", "{}", run.describe());
}

#[test]
fn os_exit_with_close_closes_the_state() {
    // PUC Lua 5.4 prints the same: pending variables of the main thread are closed,
    // then every finalizer runs; without `close` neither happens.
    let src = "setmetatable({}, {__gc = function() print('finalized') end}) \
               local x <close> = setmetatable({}, {__close = function() print('closed') end}) \
               os.exit(3, CLOSE)";
    let run = run_e(&src.replace("CLOSE", "true"));
    assert_eq!(run.code(), Some(3), "{}", run.describe());
    assert_eq!(run.stdout, "closed\nfinalized\n", "{}", run.describe());
    let run = run_e(&src.replace("CLOSE", "false"));
    assert_eq!(run.code(), Some(3), "{}", run.describe());
    assert_eq!(run.stdout, "", "{}", run.describe());
}

#[test]
fn uncaught_error_prints_message_and_traceback() {
    // PUC: "lua: (command line):1: boom\nstack traceback:\n\t[C]: in function 'error'\n..."
    let run = run_e("error('boom')");
    assert_lua_error(&run);
    assert_eq!(
        run.stderr_first_line(),
        "ferrous: (command line):1: boom",
        "{}",
        run.describe()
    );
    assert!(
        run.stderr.lines().any(|l| l == "stack traceback:"),
        "stderr needs a 'stack traceback:' line\n{}",
        run.describe()
    );
}

#[test]
fn uncaught_error_in_a_script_file_names_the_file() {
    // PUC: "lua: /tmp/x.lua:2: boom" (chunk name "@" + the path as given)
    let (run, file) = run_file("file_error", "local x = 1\nerror('boom')\n");
    assert_lua_error(&run);
    let want = format!("ferrous: {}:2: boom", file.0.display());
    assert_eq!(run.stderr_first_line(), want, "{}", run.describe());
    assert!(
        run.stderr.contains("stack traceback:"),
        "{}",
        run.describe()
    );
}

#[test]
fn output_before_an_error_is_kept() {
    let run = run_e("print('before') error('after')");
    assert_lua_error(&run);
    assert_eq!(run.stdout, "before\n", "{}", run.describe());
}

#[test]
fn missing_script_file() {
    // PUC: "lua: cannot open /nonexistent/...: No such file or directory", exit 1
    let run = run_args(
        &["/nonexistent-ferrous-dir/missing.lua"],
        "ferrous /nonexistent-ferrous-dir/missing.lua".into(),
    );
    assert_lua_error_containing(&run, &["cannot open"]);
}

#[test]
fn non_string_error_objects() {
    // PUC: "lua: (error object is a table value)"
    let run = run_e("error({})");
    assert_lua_error(&run);
    assert_eq!(
        run.stderr_first_line(),
        "ferrous: (error object is a table value)",
        "{}",
        run.describe()
    );
    // PUC 5.4.8: "lua: (error object is a nil value)"
    let run = run_e("error(nil)");
    assert_lua_error(&run);
    assert_eq!(
        run.stderr_first_line(),
        "ferrous: (error object is a nil value)",
        "{}",
        run.describe()
    );
    // An error object with __tostring is printed through it, without a traceback.
    let run = run_e("error(setmetatable({}, {__tostring = function() return 'custom' end}))");
    assert_lua_error(&run);
    assert_eq!(
        run.stderr_first_line(),
        "ferrous: custom",
        "{}",
        run.describe()
    );
}

#[test]
fn error_object_whose_tostring_fails() {
    // PUC: the message handler's own error is reported: "lua: (command line):1: x" + traceback.
    let run = run_e("error(setmetatable({}, {__tostring = function() error('x') end}))");
    assert_lua_error(&run);
    let first = run.stderr_first_line();
    assert!(
        first == "ferrous: (command line):1: x"
            || first == "ferrous: (error object is a table value)",
        "unexpected message\n{}",
        run.describe()
    );
}

// ----------------------------------------------------------------------------------------
// Syntax errors, including pathological nesting
// ----------------------------------------------------------------------------------------

#[test]
fn syntax_error() {
    // PUC: "lua: (command line):1: unexpected symbol near '='" (no traceback)
    let run = run_e("x = = 1");
    assert_lua_error(&run);
    assert_eq!(
        run.stderr_first_line(),
        "ferrous: (command line):1: unexpected symbol near '='",
        "{}",
        run.describe()
    );
}

#[test]
fn syntax_error_in_file() {
    let (run, file) = run_file("syntax", "local a = 1\nlocal b = = 2\n");
    assert_lua_error(&run);
    let want = format!(
        "ferrous: {}:2: unexpected symbol near '='",
        file.0.display()
    );
    assert_eq!(run.stderr_first_line(), want, "{}", run.describe());
}

/// PUC Lua limits nesting to LUAI_MAXCCALLS (200) C levels in the parser and reports
/// "C stack overflow" for all of these (even 300 nested parentheses fail).
const NESTING_ERRORS: &[&str] = &["too many", "overflow", "levels"];

#[test]
fn deeply_nested_parentheses() {
    let src = format!("return {}", nested("(", "1", ")", 100_000));
    let (run, _f) = run_file("parens", &src);
    assert_lua_error_containing(&run, NESTING_ERRORS);
}

#[test]
fn deeply_nested_table_constructors() {
    let src = format!("return {}", nested("{", "", "}", 100_000));
    let (run, _f) = run_file("tables", &src);
    assert_lua_error_containing(&run, NESTING_ERRORS);
}

#[test]
fn deeply_nested_unary_minus() {
    let src = format!("local x = 1 return {}x", "- ".repeat(100_000));
    let (run, _f) = run_file("unm", &src);
    assert_lua_error_containing(&run, NESTING_ERRORS);
}

#[test]
fn deeply_nested_blocks_and_functions() {
    let src = nested("do ", "", " end", 100_000);
    let (run, _f) = run_file("blocks", &src);
    assert_lua_error_containing(&run, NESTING_ERRORS);
    let src = nested("local function f() ", "", " end", 10_000);
    let (run, _f) = run_file("functions", &src);
    assert_lua_error_containing(&run, NESTING_ERRORS);
    let src = nested("if x then ", "", " end", 100_000);
    let (run, _f) = run_file("ifs", &src);
    assert_lua_error_containing(&run, NESTING_ERRORS);
}

#[test]
fn long_operator_chains_do_not_crash() {
    // PUC rejects these with "C stack overflow" (right-associative operators recurse);
    // an implementation may accept them, but must not crash.
    let src = format!("local x = 'a' return x{}", " .. x".repeat(100_000));
    let (run, _f) = run_file("concat_chain", &src);
    assert_no_crash(&run);
    let src = format!("local x = 1 return x{}", " ^ x".repeat(100_000));
    let (run, _f) = run_file("pow_chain", &src);
    assert_no_crash(&run);
    // Left-associative chains are fine in PUC.
    let src = format!("local x = 1 return x{}", " + x".repeat(100_000));
    let (run, _f) = run_file("add_chain", &src);
    assert_no_crash(&run);
    // PUC: "attempt to index a number value (field 'a')" (suffix chains are loops, not recursion)
    let src = format!(
        "local t = {{}} t.a = 1\nlocal y = t{}",
        ".a".repeat(100_000)
    );
    let (run, _f) = run_file("field_chain", &src);
    assert_no_crash(&run);
}

#[test]
fn huge_source_lines_and_constants_do_not_crash() {
    let mut src = String::from("local t = {");
    for i in 0..300_000 {
        src.push_str(&format!("{i},"));
    }
    src.push_str("} print(#t)");
    let (run, _f) = run_file("big_constructor", &src);
    assert_no_crash(&run);
    if run.code() == Some(0) {
        assert_eq!(run.stdout, "300000\n", "{}", run.describe());
    }
    // More than 255 locals is a syntax error in PUC ("too many local variables").
    let mut src = String::new();
    for i in 0..300 {
        src.push_str(&format!("local v{i} = {i}\n"));
    }
    let (run, _f) = run_file("many_locals", &src);
    assert_lua_error_containing(&run, &["too many local variables", "limit"]);
}

// ----------------------------------------------------------------------------------------
// Runtime resource exhaustion
// ----------------------------------------------------------------------------------------

#[test]
fn runaway_recursion_is_a_stack_overflow_error() {
    // PUC: "lua: (command line):1: stack overflow" + traceback
    let run = run_e("local function f() return f() + 1 end f()");
    assert_lua_error_containing(&run, &["stack overflow"]);
}

#[test]
fn runaway_recursion_through_index_metamethod() {
    // PUC: "lua: (command line):1: C stack overflow"
    let run = run_e("local x = setmetatable({}, {__index = function(t, k) return t[k] end}).x");
    assert_lua_error_containing(&run, &["stack overflow"]);
}

#[test]
fn runaway_recursion_through_other_metamethods() {
    let cases = [
        "local t = setmetatable({}, {__newindex = function(t, k, v) t[k] = v end}) t.x = 1",
        "local t; t = setmetatable({}, {__add = function(a, b) return a + b end}) local _ = t + 1",
        "local t; t = setmetatable({}, {__call = function(self) return self() + 1 end}) t()",
        "local t = setmetatable({}, {__tostring = function(s) return tostring(s) end}) tostring(t)",
        "local t = setmetatable({}, {__len = function(s) return #s end}) local _ = #t",
        "local t = setmetatable({}, {__eq = function(a, b) return a == b end}) local _ = t == setmetatable({}, getmetatable(t))",
    ];
    for code in cases {
        let run = run_e(code);
        assert_lua_error_containing(
            &run,
            &["stack overflow", "C stack", "error in error handling"],
        );
    }
}

#[test]
fn runaway_recursion_through_pcall_and_library_callbacks() {
    let cases = [
        "local function f() return pcall(f) end f() error('done')",
        "local function f() string.gsub('x', 'x', f) end f()",
        "local function f() table.sort({1, 2, 3}, function() f() return false end) end f()",
        "local function f() return select(2, xpcall(f, f)) end f() error('done')",
        "local function f() tostring(setmetatable({}, {__tostring = f})) end f()",
    ];
    for code in cases {
        let run = run_e(code);
        assert_lua_error(&run);
    }
    // `load` catches the reader's "C stack overflow" and returns it; PUC Lua 5.4.8 ends
    // this program normally.
    let run = run_e("local function f() load(f) end f()");
    assert_no_crash(&run);
}

#[test]
fn coroutine_recursion_bomb() {
    // PUC: "lua: (command line):1: (command line):1: ... C stack overflow"
    let run = run_e("local function f() return coroutine.wrap(f)() end f()");
    assert_lua_error_containing(&run, &["stack overflow"]);
    // resume returns the error instead of raising it: the program ends normally,
    // the last line printed ends with "false\tC stack overflow" in PUC.
    let run = run_e("local function f() local co = coroutine.create(f) return coroutine.resume(co) end print(f())");
    assert_no_crash(&run);
    assert!(
        run.stdout.contains("overflow") || run.stderr.contains("overflow"),
        "{}",
        run.describe()
    );
}

#[test]
fn huge_string_rep() {
    // PUC 5.4.8: "lua: (command line):1: resulting string too large"
    let run = run_e("local s = string.rep('x', 1 << 40)");
    assert_lua_error_containing(&run, &["not enough memory", "resulting string too large"]);
    let run = run_e("local s = string.rep('x', 1 << 62, 'y')");
    assert_lua_error_containing(&run, &["not enough memory", "resulting string too large"]);
}

#[test]
fn huge_allocations_are_errors() {
    let cases = [
        "local t = table.move({1}, 1, 1, math.maxinteger) print(#t >= 0)",
        "print(select('#', table.unpack({}, 1, 1 << 30)))",
        "print(string.format('%099999999d', 1))",
    ];
    for code in cases {
        let run = run_e(code);
        assert_no_crash(&run);
    }
    // table.unpack of a huge range is "too many results to unpack" in PUC.
    let run = run_e("table.unpack({}, 1, 1 << 30)");
    assert_lua_error_containing(
        &run,
        &["too many results", "stack overflow", "not enough memory"],
    );
}

#[test]
fn errors_inside_error_handling_do_not_crash() {
    let cases = [
        "print(xpcall(error, error))",
        "print(xpcall(function() error('a') end, function(m) error(m) end))",
        "local t = setmetatable({}, {__gc = function() error('in gc') end}) t = nil collectgarbage() print('ok')",
        "local t <close> = setmetatable({}, {__close = function() error('close') end}) error('body')",
        "coroutine.wrap(function() local x <close> = setmetatable({}, {__close = function() error('c') end}) coroutine.yield() end)() print('ok')",
    ];
    for code in cases {
        let run = run_e(code);
        assert_no_crash(&run);
    }
}

#[test]
fn binary_chunk_garbage_is_rejected() {
    // PUC: load('\27Lua') returns nil, "binary string: bad binary format (truncated chunk)"
    let cases = [
        "print(load('\\27Lua'))",
        "print(load('\\27Lua\\x54\\0' .. string.rep('\\255', 100)))",
    ];
    for code in cases {
        let run = run_e(code);
        assert_no_crash(&run);
    }
}

/// Stricter than PUC Lua, which does not verify bytecode and can crash on a mutated chunk:
/// the architecture promises that no script crashes the process.
#[test]
fn mutated_binary_chunks_do_not_crash() {
    let cases = [
        "local d = string.dump(function(a) return a + 1 end) for i = 5, #d do local c = d:sub(1, i - 1) .. string.char((d:byte(i) + 1) % 256) .. d:sub(i + 1) local f = load(c, 'x', 'b') if f then pcall(f, 1) end end print('ok')",
    ];
    for code in cases {
        let run = run_e(code);
        assert_no_crash(&run);
    }
}
