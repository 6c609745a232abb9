//! Command-line options, parsed the way lua.c's `collectargs` does.
//!
//! Options come first; the first argument that is not an option is the script, and
//! everything after it belongs to the script. `-e` and `-l` take their argument either
//! glued (`-eprint(1)`) or as the next word, which must not start with `-`. Ferrous adds
//! `--jit`, `--no-jit`, `-jon`, `-joff`, the JIT's tooling options (`--jit-verbose`,
//! `--jit-dump[=bc,ir,asm]`, `--jit-stats`, `--jit-hotloop=N`, `-O0`, `-Ono-PASS`),
//! `--compat` and `--help`. The tooling options turn the JIT on unless `--no-jit` says
//! otherwise.

/// What the options ask for, before any Lua code runs.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `-i`: interactive mode after the script (implies `-v`).
    pub interactive: bool,
    /// `-v` (or `-i`): print the version line.
    pub version: bool,
    /// At least one `-e`.
    pub has_exec: bool,
    /// `-E`: ignore `LUA_INIT*`, `LUA_PATH*`, `LUA_CPATH*`.
    pub ignore_env: bool,
    /// Index in argv of the script, when there is one.
    pub script: Option<usize>,
    /// Index in argv of the first argument that is not an option: the script, or
    /// `argv.len()` when there is none. `-e`, `-l` and `-W` are run from below it.
    pub option_limit: usize,
    /// `--jit` / `--no-jit` (last one wins).
    pub jit: Option<bool>,
    /// `--jit-verbose`: one line per trace event.
    pub jit_verbose: bool,
    /// `--jit-dump[=SECTIONS]`: the sections (`bc`, `ir`, `asm`) to dump per trace.
    pub jit_dump: Option<String>,
    /// `--jit-stats`: a summary at exit.
    pub jit_stats: bool,
    /// `--jit-hotloop=N`: loop iterations before recording.
    pub jit_hotloop: Option<u16>,
    /// `-O0` and `-Ono-PASS` (`fold`, `cse`, `fwd`, `dce`), in order.
    pub jit_passes: Vec<String>,
    /// `--compat`: open the Lua 5.1/LuaJIT compatibility library.
    pub compat: bool,
}

/// The outcome of parsing.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Run(Options),
    /// `--help`: print the usage on stdout and exit successfully.
    Help,
    /// A bad option (its argv index): print the usage on stderr and fail.
    Bad(usize),
}

/// Parses `argv` (with the program name at index 0).
pub fn parse(argv: &[Vec<u8>]) -> Parsed {
    let mut o = Options::default();
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i].as_slice();
        if a.first() != Some(&b'-') {
            o.script = Some(i);
            o.option_limit = i;
            return Parsed::Run(o);
        }
        match a {
            b"-" => {
                // The script "name" is '-': stdin.
                o.script = Some(i);
                o.option_limit = i;
                return Parsed::Run(o);
            }
            b"--" => {
                o.option_limit = i + 1;
                o.script = (i + 1 < argv.len()).then_some(i + 1);
                if o.script.is_none() {
                    o.option_limit = argv.len();
                }
                return Parsed::Run(o);
            }
            b"--help" => return Parsed::Help,
            b"--jit" | b"-jon" => o.jit = Some(true),
            b"--no-jit" | b"-joff" => o.jit = Some(false),
            b"--jit-verbose" => o.jit_verbose = true,
            b"--jit-stats" => o.jit_stats = true,
            b"--jit-dump" => o.jit_dump = Some("ir,asm".into()),
            _ if a.starts_with(b"--jit-dump=") => {
                o.jit_dump = Some(String::from_utf8_lossy(&a[11..]).into_owned())
            }
            _ if a.starts_with(b"--jit-hotloop=") => {
                match std::str::from_utf8(&a[14..])
                    .ok()
                    .and_then(|n| n.parse().ok())
                {
                    Some(n) if n > 0 => o.jit_hotloop = Some(n),
                    _ => return Parsed::Bad(i),
                }
            }
            b"-O0" => o.jit_passes.push("0".into()),
            _ if a.starts_with(b"-Ono-") => match &a[5..] {
                b"fold" | b"cse" | b"fwd" | b"dce" => o
                    .jit_passes
                    .push(String::from_utf8_lossy(&a[5..]).into_owned()),
                _ => return Parsed::Bad(i),
            },
            b"-E" => o.ignore_env = true,
            b"--compat" => o.compat = true,
            b"-W" => {}
            b"-i" => {
                o.interactive = true;
                o.version = true;
            }
            b"-v" => o.version = true,
            _ if a[1] == b'e' || a[1] == b'l' => {
                if a[1] == b'e' {
                    o.has_exec = true;
                }
                if a.len() == 2 {
                    i += 1;
                    match argv.get(i) {
                        Some(next) if next.first() != Some(&b'-') => {}
                        _ => return Parsed::Bad(i - 1),
                    }
                }
            }
            _ => return Parsed::Bad(i),
        }
        i += 1;
    }
    o.option_limit = argv.len();
    Parsed::Run(o)
}

impl Options {
    /// Whether to install the JIT: `--jit`, or a JIT tooling option without `--no-jit`.
    pub fn jit_on(&self) -> bool {
        self.jit.unwrap_or(
            self.jit_verbose
                || self.jit_stats
                || self.jit_dump.is_some()
                || self.jit_hotloop.is_some()
                || !self.jit_passes.is_empty(),
        )
    }
}

/// The usage text (lua.c's, plus Ferrous's own options).
pub fn usage(progname: &str) -> String {
    format!(
        "usage: {progname} [options] [script [args]]\n\
         Available options are:\n  \
         -e stat   execute string 'stat'\n  \
         -i        enter interactive mode after executing 'script'\n  \
         -l mod    require library 'mod' into global 'mod'\n  \
         -l g=mod  require library 'mod' into global 'g'\n  \
         -v        show version information\n  \
         -E        ignore environment variables\n  \
         -W        turn warnings on\n  \
         --jit     enable the JIT (alias -jon)\n  \
         --no-jit  disable the JIT (alias -joff; the default for now)\n  \
         --jit-verbose       print one line per trace event\n  \
         --jit-dump[=LIST]   dump each trace: bc, ir, asm (default ir,asm)\n  \
         --jit-stats         print the JIT's statistics at exit\n  \
         --jit-hotloop=N     record loops after N iterations (default 56)\n  \
         -O0, -Ono-PASS      switch off all, or one, of the passes fold, cse, fwd, dce\n  \
         --compat  Lua 5.1/LuaJIT compatibility (unpack, setfenv, module, ...)\n  \
         --help    show this help\n  \
         --        stop handling options\n  \
         -         stop handling options and execute stdin\n"
    )
}

/// The complaint printed before the usage for a bad option.
pub fn bad_option_message(arg: &[u8]) -> String {
    let a = String::from_utf8_lossy(arg);
    if arg.len() >= 2 && (arg[1] == b'e' || arg[1] == b'l') {
        format!("'{a}' needs argument")
    } else {
        format!("unrecognized option '{a}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<Vec<u8>> {
        std::iter::once("ferrous")
            .chain(words.iter().copied())
            .map(|s| s.as_bytes().to_vec())
            .collect()
    }
    fn run(words: &[&str]) -> Options {
        match parse(&argv(words)) {
            Parsed::Run(o) => o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn script_and_args() {
        let o = run(&["-e", "x=1", "s.lua", "-v", "a"]);
        assert_eq!(o.script, Some(3));
        assert_eq!(o.option_limit, 3);
        assert!(o.has_exec && !o.version);
    }

    #[test]
    fn glued_and_separate_arguments() {
        assert_eq!(run(&["-eprint(1)"]).script, None);
        assert_eq!(run(&["-l", "m", "-lx"]).option_limit, 4);
        assert_eq!(parse(&argv(&["-e"])), Parsed::Bad(1));
        assert_eq!(parse(&argv(&["-e", "-v"])), Parsed::Bad(1));
    }

    #[test]
    fn dashes() {
        let o = run(&["--", "-x"]);
        assert_eq!(o.script, Some(2));
        let o = run(&["-"]);
        assert_eq!(o.script, Some(1));
        let o = run(&["--"]);
        assert_eq!(o.script, None);
        assert_eq!(parse(&argv(&["--x"])), Parsed::Bad(1));
        assert_eq!(parse(&argv(&["-vx"])), Parsed::Bad(1));
    }

    #[test]
    fn ferrous_options() {
        assert!(run(&["-i"]).version);
        assert_eq!(run(&["--jit", "-joff"]).jit, Some(false));
        assert!(run(&["--compat"]).compat && !run(&[]).compat);
        assert_eq!(parse(&argv(&["--help"])), Parsed::Help);
    }
}
