//! The `io` library (PUC Lua 5.4.8's liolib.c), in Rust's std only.
//!
//! A file handle is a userdata holding a [`LuaFile`] under the shared "FILE*" metatable
//! (kept in the registry under that name, as `luaL_newmetatable` does).
//!
//! Buffering: the process's standard output has one buffer, shared by `io.write`,
//! `io.stdout:write` and `print` ([`stdout_write`]); it is line-buffered on a terminal and
//! fully buffered otherwise, like C's stdout. It is flushed before anything goes to
//! stderr, before reading stdin, before `os.execute`, and at exit ([`flush_stdout`], which
//! the CLI calls). Regular files buffer their writes too; a thread-local list of the open
//! files lets [`flush_all`] flush them all on `os.exit`, as C's `exit` does.

use ferrous_runtime::number::{fmt_g, str_to_number, Number};
use ferrous_runtime::table::Table;
use ferrous_runtime::userdata::Userdata;
use ferrous_runtime::{Gc, LuaResult, State, Value};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, SeekFrom};
use std::os::unix::ffi::OsStrExt;

mod stream;

use stream::{ebadf, lock_stdout, LuaFile, Stream, BUFSIZE};
pub use stream::{flush_all, flush_stdout, stderr_write, stdout_write, BufMode};

/// Most formats `lines` accepts (MAXARGLINE).
const MAX_ARG_LINE: usize = 250;
/// Longest numeral `read("n")` accepts (L_MAXLENNUM).
const MAX_LEN_NUM: usize = 200;

// ---------------------------------------------------------------------- errors

/// The C message (strerror) and errno of an I/O error.
pub fn os_error(e: &io::Error) -> (String, i64) {
    let mut msg = e.to_string();
    if let Some(p) = msg.find(" (os error ") {
        msg.truncate(p);
    }
    (msg, e.raw_os_error().unwrap_or(0) as i64)
}

/// PUC's `luaL_fileresult`: `true`, or `nil, "[fname: ]message", errno`.
pub fn file_result(st: &mut State, r: io::Result<()>, fname: Option<&[u8]>) -> usize {
    match r {
        Ok(()) => {
            st.push(Value::TRUE);
            1
        }
        Err(e) => push_error(st, &e, fname),
    }
}

fn push_error(st: &mut State, e: &io::Error, fname: Option<&[u8]>) -> usize {
    let (msg, code) = os_error(e);
    st.push(Value::NIL);
    let mut full = Vec::new();
    if let Some(f) = fname {
        full.extend_from_slice(f);
        full.extend_from_slice(b": ");
    }
    full.extend_from_slice(msg.as_bytes());
    let v = st.string_value_owned(full);
    st.push(v);
    st.push(Value::int(code));
    3
}

// ---------------------------------------------------------------------- handles

const IO_INPUT: &str = "_IO_input";
const IO_OUTPUT: &str = "_IO_output";

fn file_metatable(st: &mut State) -> Gc<Table> {
    let v = st.get_field(st.registry, "FILE*");
    v.as_table().expect("io library not opened")
}

/// A new FILE* userdata for `stream` (left on the stack top, so it stays rooted).
fn new_file(st: &mut State, stream: Stream, is_std: bool) -> Value {
    let f = LuaFile::new(stream, is_std);
    new_file_from(st, f)
}

/// A regular file opened with `mode` (an fopen mode already checked).
fn new_disk_file(st: &mut State, f: File, mode: &[u8]) -> Value {
    let plus = mode.contains(&b'+');
    let stream = Stream::File(BufReader::with_capacity(BUFSIZE, f));
    let f = LuaFile::with_access(
        stream,
        false,
        mode[0] == b'r' || plus,
        mode[0] != b'r' || plus,
    );
    new_file_from(st, f)
}

fn new_file_from(st: &mut State, f: LuaFile) -> Value {
    let mt = file_metatable(st);
    let mut ud = Userdata::new(Box::new(f), 0);
    ud.metatable = Some(mt);
    let v = Value::userdata(st.heap.alloc(ud));
    st.heap.mark_finalizable(v);
    v
}

fn as_file(v: Value) -> Option<&'static LuaFile> {
    let ud = v.as_userdata()?;
    ud.data().downcast_ref::<LuaFile>()
}

/// luaL_checkudata(L, i, "FILE*").
fn check_lfile(st: &mut State, i: usize) -> LuaResult<&'static LuaFile> {
    match as_file(st.arg(i)) {
        Some(f) => Ok(f),
        None => Err(st.type_error(i, "FILE*")),
    }
}

/// PUC's `tofile`: a FILE* argument that is open.
fn tofile(st: &mut State, i: usize) -> LuaResult<&'static LuaFile> {
    let f = check_lfile(st, i)?;
    if f.is_closed() {
        return Err(st.error("attempt to use a closed file"));
    }
    Ok(f)
}

/// The default input or output file (checked open).
fn getiofile(st: &mut State, which: &str) -> LuaResult<Value> {
    let v = st.get_field(st.registry, which);
    match as_file(v) {
        Some(f) if !f.is_closed() => Ok(v),
        _ => {
            let what = if which == IO_INPUT { "input" } else { "output" };
            Err(st.error(format!("default {what} file is closed")))
        }
    }
}

// ---------------------------------------------------------------------- opening

/// Checks a mode string like C's fopen wants it: [rwa]%+?b*
fn check_mode(mode: &[u8]) -> bool {
    let mut m = mode;
    match m.first() {
        Some(b'r' | b'w' | b'a') => m = &m[1..],
        _ => return false,
    }
    if m.first() == Some(&b'+') {
        m = &m[1..];
    }
    m.iter().all(|&c| c == b'b')
}

fn open_file(name: &[u8], mode: &[u8]) -> io::Result<File> {
    let plus = mode.contains(&b'+');
    let mut o = std::fs::OpenOptions::new();
    match mode[0] {
        b'r' => o.read(true).write(plus),
        b'w' => o.write(true).create(true).truncate(true).read(plus),
        _ => o.append(true).create(true).read(plus),
    };
    o.open(OsStr::from_bytes(name))
}

fn io_open(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?;
    let mode = match st.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    if !check_mode(&mode) {
        return Err(st.arg_error(2, "invalid mode"));
    }
    match open_file(name.as_bytes(), &mode) {
        Ok(f) => {
            let v = new_disk_file(st, f, &mode);
            st.push(v);
            Ok(1)
        }
        Err(e) => Ok(push_error(st, &e, Some(name.as_bytes()))),
    }
}

/// Opens `name` or raises "cannot open file" (PUC's `opencheckfile`).
fn open_check_file(st: &mut State, name: &[u8], mode: &[u8]) -> LuaResult<Value> {
    match open_file(name, mode) {
        Ok(f) => Ok(new_disk_file(st, f, mode)),
        Err(e) => {
            let (msg, _) = os_error(&e);
            Err(st.error(format!(
                "cannot open file '{}' ({})",
                String::from_utf8_lossy(name),
                msg
            )))
        }
    }
}

fn io_popen(st: &mut State) -> LuaResult<usize> {
    let prog = st.check_str(1)?;
    let mode = match st.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    if !(mode == b"r" || mode == b"w") {
        return Err(st.arg_error(2, "invalid mode"));
    }
    flush_stdout();
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.arg("-c").arg(OsStr::from_bytes(prog.as_bytes()));
    let res = if mode == b"r" {
        cmd.stdout(std::process::Stdio::piped())
            .spawn()
            .map(|mut c| {
                let out = c.stdout.take().expect("piped stdout");
                Stream::PipeIn(BufReader::new(out), c)
            })
    } else {
        cmd.stdin(std::process::Stdio::piped())
            .spawn()
            .map(|mut c| {
                let inp = c.stdin.take().expect("piped stdin");
                Stream::PipeOut(inp, c)
            })
    };
    match res {
        Ok(s) => {
            let v = new_file(st, s, false);
            st.push(v);
            Ok(1)
        }
        Err(e) => Ok(push_error(st, &e, Some(prog.as_bytes()))),
    }
}

fn io_tmpfile(st: &mut State) -> LuaResult<usize> {
    let dir = std::env::temp_dir();
    let mut last = None;
    for k in 0..100u64 {
        let n = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        let path = dir.join(format!("lua_tmp{}_{:x}", std::process::id(), n ^ k));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                let v = new_file(
                    st,
                    Stream::File(BufReader::with_capacity(BUFSIZE, f)),
                    false,
                );
                st.push(v);
                return Ok(1);
            }
            Err(e) => last = Some(e),
        }
    }
    let e = last.unwrap_or_else(ebadf);
    Ok(push_error(st, &e, None))
}

// ---------------------------------------------------------------------- closing

/// Closes the file at argument 1 (PUC's `aux_close`).
fn aux_close(st: &mut State) -> LuaResult<usize> {
    let f = tofile(st, 1)?;
    if f.is_std {
        st.push(Value::NIL);
        st.push_str(b"cannot close standard file");
        return Ok(2);
    }
    let r = f.inner.borrow_mut().close();
    match r {
        Ok(None) => {
            st.push(Value::TRUE);
            Ok(1)
        }
        Ok(Some(status)) => Ok(push_exec_status(st, status)),
        Err(e) => Ok(push_error(st, &e, None)),
    }
}

/// `luaL_execresult` for a finished child.
pub(crate) fn push_exec_status(st: &mut State, s: std::process::ExitStatus) -> usize {
    use std::os::unix::process::ExitStatusExt;
    let (what, code) = match (s.code(), s.signal()) {
        (Some(c), _) => ("exit", c as i64),
        (None, Some(sig)) => ("signal", sig as i64),
        _ => ("exit", -1),
    };
    st.push(if what == "exit" && code == 0 {
        Value::TRUE
    } else {
        Value::NIL
    });
    st.push_str(what.as_bytes());
    st.push(Value::int(code));
    3
}

fn io_close(st: &mut State) -> LuaResult<usize> {
    if st.nargs() == 0 {
        let out = st.get_field(st.registry, IO_OUTPUT);
        st.push(out);
    }
    aux_close(st)
}

fn f_close(st: &mut State) -> LuaResult<usize> {
    aux_close(st)
}

/// `__gc` and `__close`: closes an open, non-standard file.
fn f_gc(st: &mut State) -> LuaResult<usize> {
    let f = check_lfile(st, 1)?;
    if !f.is_std && !f.is_closed() {
        let _ = f.inner.borrow_mut().close();
    }
    Ok(0)
}

fn f_tostring(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let f = check_lfile(st, 1)?;
    let s = if f.is_closed() {
        "file (closed)".to_string()
    } else {
        format!("file ({:#x})", v.object_addr())
    };
    st.push_str(s.as_bytes());
    Ok(1)
}

fn io_type(st: &mut State) -> LuaResult<usize> {
    st.check_any(1)?;
    match as_file(st.arg(1)) {
        None => st.push(Value::NIL),
        Some(f) if f.is_closed() => st.push_str(b"closed file"),
        Some(_) => st.push_str(b"file"),
    }
    Ok(1)
}

// ---------------------------------------------------------------------- default files

fn g_iofile(st: &mut State, which: &str, mode: &[u8]) -> LuaResult<usize> {
    if !st.is_none_or_nil(1) {
        let v = st.arg(1);
        let f = if let Some(name) = v.as_string() {
            let f = open_check_file(st, name.as_bytes(), mode)?;
            st.push(f);
            f
        } else {
            tofile(st, 1)?;
            v
        };
        st.set_field(st.registry, which, f);
    }
    let cur = st.get_field(st.registry, which);
    st.push(cur);
    Ok(1)
}

fn io_input(st: &mut State) -> LuaResult<usize> {
    g_iofile(st, IO_INPUT, b"r")
}

fn io_output(st: &mut State) -> LuaResult<usize> {
    g_iofile(st, IO_OUTPUT, b"w")
}

// ---------------------------------------------------------------------- reading

/// `read("n")`: PUC's `read_number`, accepting at most 200 characters of numeral.
fn read_number(r: &mut dyn BufRead) -> io::Result<Option<Number>> {
    struct Rn<'a> {
        r: &'a mut dyn BufRead,
        c: Option<u8>,
        buf: Vec<u8>,
        overflow: bool,
    }
    impl Rn<'_> {
        fn peek(&mut self) -> io::Result<Option<u8>> {
            Ok(self.r.fill_buf()?.first().copied())
        }
        fn nextc(&mut self) -> io::Result<bool> {
            if self.buf.len() >= MAX_LEN_NUM {
                self.overflow = true;
                return Ok(false);
            }
            self.buf.push(self.c.unwrap_or(0));
            self.r.consume(1);
            self.c = self.peek()?;
            Ok(true)
        }
        fn test2(&mut self, set: &[u8; 2]) -> io::Result<bool> {
            match self.c {
                Some(c) if c == set[0] || c == set[1] => self.nextc(),
                _ => Ok(false),
            }
        }
        fn readdigits(&mut self, hex: bool) -> io::Result<usize> {
            let mut count = 0;
            while let Some(c) = self.c {
                let ok = if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                };
                if !ok || !self.nextc()? {
                    break;
                }
                count += 1;
            }
            Ok(count)
        }
    }
    let mut rn = Rn {
        r,
        c: None,
        buf: Vec::new(),
        overflow: false,
    };
    rn.c = rn.peek()?;
    while let Some(c) = rn.c {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
            break;
        }
        rn.r.consume(1);
        rn.c = rn.peek()?;
    }
    rn.test2(b"-+")?;
    let mut count = 0;
    let mut hex = false;
    if rn.test2(b"00")? {
        if rn.test2(b"xX")? {
            hex = true;
        } else {
            count = 1;
        }
    }
    count += rn.readdigits(hex)?;
    if rn.test2(b"..")? {
        count += rn.readdigits(hex)?;
    }
    if count > 0 && rn.test2(if hex { b"pP" } else { b"eE" })? {
        rn.test2(b"-+")?;
        rn.readdigits(false)?;
    }
    if rn.overflow {
        return Ok(None);
    }
    Ok(str_to_number(&rn.buf))
}

/// One line; `Ok(None)` at end of file. `keep_nl` keeps the newline.
fn read_line(r: &mut dyn BufRead, keep_nl: bool) -> io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    r.read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Ok(None);
    }
    if !keep_nl && buf.last() == Some(&b'\n') {
        buf.pop();
    }
    Ok(Some(buf))
}

enum Fmt {
    Count(u64),
    Number,
    Line(bool),
    All,
}

/// Reads with the formats in arguments `first..` (none: one line); PUC's `g_read`.
/// Results are pushed as they come (a failed one as nil, which ends the reading).
fn g_read(st: &mut State, f: &LuaFile, first: usize) -> LuaResult<usize> {
    let nargs = st.nargs();
    let mut fmts = Vec::new();
    if nargs < first {
        fmts.push(Fmt::Line(false));
    }
    for i in first..=nargs {
        let v = st.arg(i);
        if v.is_number() {
            fmts.push(Fmt::Count(st.check_int(i)? as u64));
        } else {
            let s = st.check_str(i)?;
            let p = s.as_bytes();
            let p = p.strip_prefix(b"*").unwrap_or(p);
            fmts.push(match p.first() {
                Some(b'n') => Fmt::Number,
                Some(b'l') => Fmt::Line(false),
                Some(b'L') => Fmt::Line(true),
                Some(b'a') => Fmt::All,
                _ => return Err(st.arg_error(i, "invalid format")),
            });
        }
    }
    let mut n = 0;
    let mut inner = f.inner.borrow_mut();
    for fmt in &fmts {
        let r = inner.with_reader(|r| -> io::Result<Got> {
            Ok(match fmt {
                Fmt::Count(0) => {
                    if r.fill_buf()?.is_empty() {
                        Got::Fail
                    } else {
                        Got::Str(Vec::new())
                    }
                }
                Fmt::Count(k) => {
                    let mut buf = Vec::new();
                    r.take(*k).read_to_end(&mut buf)?;
                    if buf.is_empty() {
                        Got::Fail
                    } else {
                        Got::Str(buf)
                    }
                }
                Fmt::Number => match read_number(r)? {
                    Some(Number::Int(i)) => Got::Num(Value::int(i)),
                    Some(Number::Float(x)) => Got::Num(Value::float(x)),
                    None => Got::Fail,
                },
                Fmt::Line(keep) => match read_line(r, *keep)? {
                    Some(l) => Got::Str(l),
                    None => Got::Fail,
                },
                Fmt::All => {
                    let mut buf = Vec::new();
                    r.read_to_end(&mut buf)?;
                    Got::Str(buf)
                }
            })
        });
        n += 1;
        match r {
            Err(e) => {
                drop(inner);
                return Ok(push_error(st, &e, None));
            }
            Ok(Got::Fail) => {
                st.push(Value::NIL);
                break;
            }
            Ok(Got::Num(v)) => st.push(v),
            Ok(Got::Str(b)) => {
                let v = st.string_value_owned(b);
                st.push(v);
            }
        }
    }
    Ok(n)
}

/// What one read format produced.
enum Got {
    Fail,
    Str(Vec<u8>),
    Num(Value),
}

fn io_read(st: &mut State) -> LuaResult<usize> {
    let v = getiofile(st, IO_INPUT)?;
    let f = as_file(v).expect("checked");
    g_read(st, f, 1)
}

fn f_read(st: &mut State) -> LuaResult<usize> {
    let f = tofile(st, 1)?;
    g_read(st, f, 2)
}

/// The iterator `lines` returns (PUC's `io_readline`); upvalues: file, number of
/// formats, whether to close at the end, the formats.
fn io_readline(st: &mut State) -> LuaResult<usize> {
    let ups: Vec<Value> = {
        let f = st.thread.stack[st.frame().func];
        f.as_nclosure()
            .map(|c| c.upvals.to_vec())
            .unwrap_or_default()
    };
    let fv = ups[0];
    let f = as_file(fv).expect("lines iterator without its file");
    if f.is_closed() {
        return Err(st.error("file is already closed"));
    }
    // settop(1), then the formats as arguments 2.. (as PUC does)
    let base = st.frame().base;
    if st.nargs() < 1 {
        st.push(Value::NIL);
    }
    st.thread.get_mut().top = base + 1;
    for v in &ups[3..] {
        st.push(*v);
    }
    let n = g_read(st, f, 2)?;
    let first = st.thread.stack[st.thread.top - n];
    if first.truthy() {
        return Ok(n);
    }
    if n > 1 {
        // error information: nil, message, code
        let msg = st.thread.stack[st.thread.top - n + 1];
        let m = msg
            .as_string()
            .map(|s| s.to_str_lossy().into_owned())
            .unwrap_or_default();
        return Err(st.error(m));
    }
    if ups[2].truthy() {
        let _ = f.inner.borrow_mut().close();
    }
    Ok(0)
}

/// Builds the `lines` iterator over the file at argument 1 with the formats after it.
fn aux_lines(st: &mut State, toclose: bool) -> LuaResult<Value> {
    let n = st.nargs().saturating_sub(1);
    if n > MAX_ARG_LINE {
        return Err(st.arg_error(MAX_ARG_LINE + 2, "too many arguments"));
    }
    let mut ups = vec![st.arg(1), Value::int(n as i64), Value::bool(toclose)];
    for i in 2..=n + 1 {
        ups.push(st.arg(i));
    }
    Ok(st.new_native_with_upvals(io_readline, "lines", ups))
}

fn f_lines(st: &mut State) -> LuaResult<usize> {
    tofile(st, 1)?;
    let it = aux_lines(st, false)?;
    st.push(it);
    Ok(1)
}

fn io_lines(st: &mut State) -> LuaResult<usize> {
    if st.nargs() == 0 {
        st.push(Value::NIL);
    }
    let toclose = if st.arg(1).is_nil() {
        let v = st.get_field(st.registry, IO_INPUT);
        st.set_arg(1, v);
        tofile(st, 1)?;
        false
    } else {
        let name = st.check_str(1)?;
        let f = open_check_file(st, name.as_bytes(), b"r")?;
        st.set_arg(1, f);
        true
    };
    let it = aux_lines(st, toclose)?;
    st.push(it);
    if toclose {
        let f = st.arg(1);
        st.push(Value::NIL);
        st.push(Value::NIL);
        st.push(f);
        return Ok(4);
    }
    Ok(1)
}

// ---------------------------------------------------------------------- writing

/// Writes arguments `first..` to `f`; returns the file value on success (PUC's `g_write`).
fn g_write(st: &mut State, fv: Value, f: &LuaFile, first: usize) -> LuaResult<usize> {
    let nargs = st.nargs();
    let mut status: io::Result<()> = Ok(());
    for i in first..=nargs {
        let v = st.arg(i);
        let r = if let Some(n) = v.as_int() {
            f.inner.borrow_mut().write(n.to_string().as_bytes())
        } else if let Some(x) = v.as_float() {
            f.inner.borrow_mut().write(fmt_g(x, 14).as_bytes())
        } else {
            let s = st.check_str(i)?;
            f.inner.borrow_mut().write(s.as_bytes())
        };
        if status.is_ok() {
            status = r;
        }
    }
    match status {
        Ok(()) => {
            st.push(fv);
            Ok(1)
        }
        Err(e) => Ok(push_error(st, &e, None)),
    }
}

fn io_write(st: &mut State) -> LuaResult<usize> {
    let v = getiofile(st, IO_OUTPUT)?;
    let f = as_file(v).expect("checked");
    g_write(st, v, f, 1)
}

fn f_write(st: &mut State) -> LuaResult<usize> {
    let f = tofile(st, 1)?;
    let v = st.arg(1);
    g_write(st, v, f, 2)
}

fn f_flush(st: &mut State) -> LuaResult<usize> {
    let f = tofile(st, 1)?;
    let r = f.inner.borrow_mut().flush();
    Ok(file_result(st, r, None))
}

fn io_flush(st: &mut State) -> LuaResult<usize> {
    let v = getiofile(st, IO_OUTPUT)?;
    let f = as_file(v).expect("checked");
    let r = f.inner.borrow_mut().flush();
    Ok(file_result(st, r, None))
}

/// `luaL_checkoption`.
fn check_option(st: &mut State, i: usize, def: Option<&str>, names: &[&str]) -> LuaResult<usize> {
    let name = match (st.opt_str(i)?, def) {
        (Some(s), _) => s.to_str_lossy().into_owned(),
        (None, Some(d)) => d.to_string(),
        (None, None) => {
            st.check_str(i)?;
            unreachable!()
        }
    };
    match names.iter().position(|n| *n == name) {
        Some(k) => Ok(k),
        None => {
            let msg = format!("invalid option '{name}'");
            Err(st.arg_error(i, &msg))
        }
    }
}

fn f_seek(st: &mut State) -> LuaResult<usize> {
    let f = tofile(st, 1)?;
    let op = check_option(st, 2, Some("cur"), &["set", "cur", "end"])?;
    let off = st.opt_int(3, 0)?;
    let pos = match op {
        0 => {
            if off < 0 {
                return Ok(push_error(st, &io::Error::from_raw_os_error(22), None));
            }
            SeekFrom::Start(off as u64)
        }
        1 => SeekFrom::Current(off),
        _ => SeekFrom::End(off),
    };
    let r = f.inner.borrow_mut().seek(pos);
    match r {
        Ok(p) => {
            st.push(Value::int(p as i64));
            Ok(1)
        }
        Err(e) => Ok(push_error(st, &e, None)),
    }
}

fn f_setvbuf(st: &mut State) -> LuaResult<usize> {
    let f = tofile(st, 1)?;
    let op = check_option(st, 2, None, &["no", "full", "line"])?;
    st.opt_int(3, BUFSIZE as i64)?;
    let mode = [BufMode::No, BufMode::Full, BufMode::Line][op];
    let mut inner = f.inner.borrow_mut();
    let r = inner.flush();
    if matches!(inner.stream, Stream::Stdout) {
        lock_stdout().mode = Some(mode);
    } else {
        inner.mode = mode;
    }
    drop(inner);
    Ok(file_result(st, r, None))
}

// ---------------------------------------------------------------------- opening the library

pub fn open(st: &mut State) {
    // the FILE* metatable
    let mt = st.new_table(0, 8);
    let methods = st.new_table(0, 8);
    st.set_fn(methods, "read", f_read);
    st.set_fn(methods, "write", f_write);
    st.set_fn(methods, "lines", f_lines);
    st.set_fn(methods, "flush", f_flush);
    st.set_fn(methods, "seek", f_seek);
    st.set_fn(methods, "close", f_close);
    st.set_fn(methods, "setvbuf", f_setvbuf);
    st.set_field(mt, "__index", Value::table(methods));
    st.set_fn(mt, "__gc", f_gc);
    st.set_fn(mt, "__close", f_gc);
    st.set_fn(mt, "__tostring", f_tostring);
    let name = st.str_value(b"FILE*");
    st.set_field(mt, "__name", name);
    st.set_field(st.registry, "FILE*", Value::table(mt));

    let t = st.new_table(0, 16);
    st.set_fn(t, "close", io_close);
    st.set_fn(t, "flush", io_flush);
    st.set_fn(t, "input", io_input);
    st.set_fn(t, "lines", io_lines);
    st.set_fn(t, "open", io_open);
    st.set_fn(t, "output", io_output);
    st.set_fn(t, "popen", io_popen);
    st.set_fn(t, "read", io_read);
    st.set_fn(t, "tmpfile", io_tmpfile);
    st.set_fn(t, "type", io_type);
    st.set_fn(t, "write", io_write);

    let stdin = new_file(st, Stream::Stdin, true);
    st.set_field(t, "stdin", stdin);
    st.set_field(st.registry, IO_INPUT, stdin);
    let stdout = new_file(st, Stream::Stdout, true);
    st.set_field(t, "stdout", stdout);
    st.set_field(st.registry, IO_OUTPUT, stdout);
    let stderr = new_file(st, Stream::Stderr, true);
    st.set_field(t, "stderr", stderr);

    st.set_field(st.globals, "io", Value::table(t));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Option<Number> {
        read_number(&mut io::Cursor::new(s.as_bytes().to_vec())).unwrap()
    }

    #[test]
    fn read_numbers() {
        assert_eq!(num("  42 rest"), Some(Number::Int(42)));
        assert_eq!(num("-0x1p4"), Some(Number::Float(-16.0)));
        assert_eq!(num("0x10"), Some(Number::Int(16)));
        assert_eq!(num("1.5e+3x"), Some(Number::Float(1500.0)));
        assert_eq!(num(".5"), Some(Number::Float(0.5)));
        assert_eq!(num("abc"), None);
        assert_eq!(num(""), None);
        assert_eq!(num(&"1".repeat(300)), None);
    }

    #[test]
    fn number_read_leaves_lookahead() {
        let mut c = io::Cursor::new(b"12abc".to_vec());
        assert_eq!(read_number(&mut c).unwrap(), Some(Number::Int(12)));
        let mut rest = String::new();
        c.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "abc");
    }

    #[test]
    fn lines() {
        let mut c = io::Cursor::new(b"a\nb".to_vec());
        assert_eq!(read_line(&mut c, true).unwrap(), Some(b"a\n".to_vec()));
        assert_eq!(read_line(&mut c, false).unwrap(), Some(b"b".to_vec()));
        assert_eq!(read_line(&mut c, false).unwrap(), None);
    }

    #[test]
    fn modes() {
        for m in ["r", "w", "a", "r+", "w+b", "abb"] {
            assert!(check_mode(m.as_bytes()), "{m}");
        }
        for m in ["", "x", "r++", "rw", "+"] {
            assert!(!check_mode(m.as_bytes()), "{m}");
        }
    }

    #[test]
    fn errors_are_c_messages() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(os_error(&e), ("No such file or directory".to_string(), 2));
    }
}
