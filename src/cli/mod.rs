//! The stand-alone interpreter's logic: lua.c's `pmain` and its helpers.
//!
//! Order of work, as in PUC Lua: parse the options; print the version for `-v`/`-i`;
//! create the state and the `arg` table; run `LUA_INIT_5_4` or `LUA_INIT` (unless `-E`);
//! run `-e`, `-l` and `-W` in command-line order; run the script with its arguments as
//! `...`; then the REPL for `-i`, or, with no script and no `-e`/`-v`, the REPL when stdin
//! is a terminal and stdin as a script otherwise. The first error is reported as
//! `progname: message` on stderr and the exit status is 1.

pub mod args;
pub mod out;
mod repl;

use args::{Options, Parsed};
use ferrous_interp::stdlib::base::{file_chunk, io_error_text};
use ferrous_interp::vm::api;
use ferrous_runtime::{State, Throw, Value};
use std::io::{IsTerminal, Read};

/// The line `-v` prints and the banner of the interactive mode.
pub fn version_line() -> String {
    // Ends like PUC Lua's banner ("... PUC-Rio"), which the official test suite checks.
    format!(
        "Ferrous {} (Lua 5.4 compatible), the Lua language of Lua.org, PUC-Rio",
        env!("CARGO_PKG_VERSION")
    )
}

/// Converts a command-line argument to the bytes Lua sees.
pub fn os_to_bytes(s: std::ffi::OsString) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        s.into_vec()
    }
    #[cfg(not(unix))]
    {
        s.to_string_lossy().into_owned().into_bytes()
    }
}

/// Runs the program; returns the exit status.
pub fn main(argv: Vec<Vec<u8>>) -> i32 {
    let progname = match argv.first() {
        Some(p) if !p.is_empty() => String::from_utf8_lossy(p).into_owned(),
        _ => "ferrous".to_string(),
    };
    let opts = match args::parse(&argv) {
        Parsed::Run(o) => o,
        Parsed::Help => {
            out::write(version_line().as_bytes());
            out::write(b"\n");
            out::write(args::usage(&progname).as_bytes());
            out::flush();
            return 0;
        }
        Parsed::Bad(i) => {
            let mut msg = format!("{progname}: {}\n", args::bad_option_message(&argv[i]));
            msg.push_str(&args::usage(&progname));
            out::error(msg.as_bytes());
            return 1;
        }
    };
    if opts.version {
        out::write(version_line().as_bytes());
        out::write(b"\n");
    }
    let mut cli = Cli {
        st: api::new_state_with(api::StateOptions {
            compat: opts.compat,
            ignore_env: opts.ignore_env,
        }),
        progname,
    };
    ferrous_jit::lualib::open(&mut cli.st);
    if opts.jit_on() {
        if let Err(e) = ferrous_jit::install(&mut cli.st, jit_options(&opts)) {
            out::error(format!("{}: cannot start the JIT: {e}\n", cli.progname).as_bytes());
            return 1;
        }
    }
    let ok = cli.pmain(&argv, &opts);
    if opts.jit_stats {
        if let Some(jit) = &cli.st.jit {
            out::flush();
            out::error(jit.summary().as_bytes());
        }
    }
    api::close_state(cli.st);
    out::flush();
    if ok {
        0
    } else {
        1
    }
}

/// The JIT's settings from the command line.
fn jit_options(o: &Options) -> ferrous_jit::JitOptions {
    let mut j = ferrous_jit::JitOptions {
        verbose: o.jit_verbose,
        ..Default::default()
    };
    if let Some(n) = o.jit_hotloop {
        j.hotloop = n;
    }
    if let Some(list) = &o.jit_dump {
        for part in list.split(',') {
            match part {
                "bc" => j.dump.bytecode = true,
                "ir" => j.dump.ir = true,
                "asm" => j.dump.asm = true,
                _ => {}
            }
        }
    }
    for p in &o.jit_passes {
        match p.as_str() {
            "0" => j.opts = ferrous_jit::Opts::none(),
            "fold" => j.opts.fold = false,
            "cse" => j.opts.cse = false,
            "fwd" => j.opts.fwd = false,
            _ => j.opts.dce = false,
        }
    }
    j
}

/// An error message ready for stderr.
type Msg = Vec<u8>;

struct Cli {
    st: State,
    progname: String,
}

impl Cli {
    /// Everything after the state exists; false when something failed (already reported).
    fn pmain(&mut self, argv: &[Vec<u8>], o: &Options) -> bool {
        self.create_arg_table(argv, o.script.unwrap_or(0));
        if !o.ignore_env && !self.handle_luainit() {
            return false;
        }
        if !self.run_args(argv, o.option_limit) {
            return false;
        }
        if let Some(s) = o.script {
            if !self.handle_script(argv, s) {
                return false;
            }
        }
        if o.interactive {
            repl::run(self);
        } else if o.script.is_none() && !o.has_exec && !o.version {
            if std::io::stdin().is_terminal() {
                out::write(version_line().as_bytes());
                out::write(b"\n");
                repl::run(self);
            } else {
                let r = self
                    .load_file(None)
                    .and_then(|f| self.docall(f, &[]).map(drop));
                return self.report(r);
            }
        }
        true
    }

    /// The global `arg`: the script at index 0, its arguments at 1.., the interpreter and
    /// its options at negative indices (or everything from 0 up without a script).
    fn create_arg_table(&mut self, argv: &[Vec<u8>], script: usize) {
        let narg = argv.len().saturating_sub(script + 1);
        let t = self.st.new_table(narg, script + 1);
        for (i, a) in argv.iter().enumerate() {
            let v = self.st.str_value(a);
            self.st.heap.write(t).set_int(i as i64 - script as i64, v);
        }
        let g = self.st.globals;
        self.st.set_field(g, "arg", Value::table(t));
    }

    /// `LUA_INIT_5_4`, else `LUA_INIT`: a chunk, or `@file`.
    fn handle_luainit(&mut self) -> bool {
        let (name, init) = match std::env::var_os("LUA_INIT_5_4") {
            Some(v) => ("=LUA_INIT_5_4", v),
            None => match std::env::var_os("LUA_INIT") {
                Some(v) => ("=LUA_INIT", v),
                None => return true,
            },
        };
        let init = os_to_bytes(init);
        let r = match init.strip_prefix(b"@") {
            Some(file) => self.load_file(Some(file)),
            None => self.load_buffer(&init, name.as_bytes()),
        };
        let r = r.and_then(|f| self.docall(f, &[]).map(drop));
        self.report(r)
    }

    /// `-e`, `-l` and `-W`, in order, up to the first non-option argument.
    fn run_args(&mut self, argv: &[Vec<u8>], limit: usize) -> bool {
        let mut i = 1;
        while i < limit {
            let a = &argv[i];
            match a.get(1) {
                Some(&c @ (b'e' | b'l')) if a.len() >= 2 && !a.starts_with(b"--") => {
                    let extra = if a.len() > 2 {
                        a[2..].to_vec()
                    } else {
                        i += 1;
                        argv[i].clone()
                    };
                    let r = if c == b'e' {
                        self.load_buffer(&extra, b"=(command line)")
                            .and_then(|f| self.docall(f, &[]).map(drop))
                    } else {
                        self.do_library(&extra)
                    };
                    if !self.report(r) {
                        return false;
                    }
                }
                Some(b'W') if a.len() == 2 => self.st.warn_on = true,
                _ => {}
            }
            i += 1;
        }
        true
    }

    /// `-l g=mod` runs `g = require("mod")`; `-l mod` runs `mod = require("mod")`, with a
    /// version suffix after `-` cut from the global name (`-l lib-2` sets `lib`).
    fn do_library(&mut self, spec: &[u8]) -> Result<(), Msg> {
        let (glob, modname) = match spec.iter().position(|&c| c == b'=') {
            Some(p) => (&spec[..p], &spec[p + 1..]),
            None => match spec.iter().position(|&c| c == b'-') {
                Some(p) => (&spec[..p], spec),
                None => (spec, spec),
            },
        };
        let g = self.st.globals;
        let require = self.st.get_field(g, "require");
        let m = self.st.str_value(modname);
        let res = self.docall(require, &[m])?;
        let k = self.st.new_str(glob);
        let v = res.first().copied().unwrap_or(Value::NIL);
        self.st.heap.write_table(g, |g| g.set_str(k, v));
        Ok(())
    }

    /// Loads and runs the script at `argv[script]` with `arg[1..#arg]` as `...`.
    fn handle_script(&mut self, argv: &[Vec<u8>], script: usize) -> bool {
        let fname = &argv[script];
        let stdin = fname.as_slice() == b"-" && argv[script - 1].as_slice() != b"--";
        let r = self
            .load_file(if stdin { None } else { Some(fname) })
            .and_then(|f| {
                self.st.pin(f);
                let args = self.script_args();
                self.st.unpin();
                self.docall(f, &args?)
            })
            .map(drop);
        self.report(r)
    }

    /// `arg[1]` .. `arg[#arg]` (the script may have been given a changed `arg` by -e).
    fn script_args(&mut self) -> Result<Vec<Value>, Msg> {
        let g = self.st.globals;
        let arg = self.st.get_field(g, "arg");
        let Some(t) = arg.as_table() else {
            return Err(b"'arg' is not a table".to_vec());
        };
        let n = api::len(&mut self.st, arg).map_err(|e| self.throw_bytes(e))?;
        Ok((1..=n.max(0)).map(|i| t.get_int(i)).collect())
    }

    /// Compiles a string chunk.
    fn load_buffer(&mut self, src: &[u8], chunkname: &[u8]) -> Result<Value, Msg> {
        api::load(&mut self.st, src, chunkname, "bt", None).map_err(|e| self.throw_bytes(e))
    }

    /// luaL_loadfile: a file (`@name`) or stdin (`=stdin`); skips a UTF-8 BOM and a first
    /// line starting with `#` (keeping the line count).
    fn load_file(&mut self, fname: Option<&[u8]>) -> Result<Value, Msg> {
        let (data, chunkname) = match fname {
            None => {
                let mut data = Vec::new();
                std::io::stdin()
                    .lock()
                    .read_to_end(&mut data)
                    .map_err(|e| {
                        format!("cannot read stdin: {}", io_error_text(&e)).into_bytes()
                    })?;
                (data, b"=stdin".to_vec())
            }
            Some(name) => {
                let path = bytes_to_path(name);
                let shown = String::from_utf8_lossy(name);
                let data = std::fs::read(&path).map_err(|e| {
                    let what = if path.is_dir() { "read" } else { "open" };
                    format!("cannot {what} {shown}: {}", io_error_text(&e)).into_bytes()
                })?;
                let mut chunkname = b"@".to_vec();
                chunkname.extend_from_slice(name);
                (data, chunkname)
            }
        };
        let src = file_chunk(&data);
        api::load(&mut self.st, src, &chunkname, "bt", None).map_err(|e| self.throw_bytes(e))
    }

    /// lua.c's docall: protected call with a traceback-adding message handler.
    fn docall(&mut self, f: Value, args: &[Value]) -> Result<Vec<Value>, Msg> {
        api::pcall_traceback(&mut self.st, f, args).map_err(String::into_bytes)
    }

    /// Prints an error (with the program name); true when there was none.
    fn report<T>(&mut self, r: Result<T, Msg>) -> bool {
        match r {
            Ok(_) => true,
            Err(msg) => {
                out::message(Some(&self.progname), &msg);
                false
            }
        }
    }

    /// The message of an error raised outside `pcall_traceback` (a load error, `__len`).
    fn throw_bytes(&mut self, t: Throw) -> Msg {
        match t {
            Throw::Error(v) => error_object_bytes(&mut self.st, v),
            Throw::Yield(_) => b"attempt to yield from outside a coroutine".to_vec(),
        }
    }
}

/// The text of an error object, as lua.c's msghandler words it.
fn error_object_bytes(st: &mut State, v: Value) -> Msg {
    if let Some(s) = v.as_string() {
        return s.as_bytes().to_vec();
    }
    if v.is_number() {
        return ferrous_runtime::state::number_to_bytes(v);
    }
    if !st.metamethod(v, ferrous_runtime::Tm::ToString).is_nil() {
        if let Ok(s) = api::tostring(st, v) {
            return s.as_bytes().to_vec();
        }
    }
    format!("(error object is a {} value)", st.type_name_mt(v)).into_bytes()
}

fn bytes_to_path(b: &[u8]) -> std::path::PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(b).into()
    }
    #[cfg(not(unix))]
    {
        String::from_utf8_lossy(b).into_owned().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_and_bom() {
        assert_eq!(file_chunk(b"#!/usr/bin/lua\nprint(1)"), b"\nprint(1)");
        assert_eq!(file_chunk(b"\xEF\xBB\xBFprint(1)"), b"print(1)");
        assert_eq!(file_chunk(b"#x\n\x1bLua"), b"\x1bLua");
        assert_eq!(file_chunk(b"#only"), b"");
        assert_eq!(file_chunk(b"x=1"), b"x=1");
    }

    #[test]
    fn strerror_text() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_error_text(&e), "No such file or directory");
    }
}
