//! The read-eval-print loop (lua.c's `doREPL`).
//!
//! Each input is first compiled as `return <line>;` so that expressions print their
//! values; if that fails it is compiled as a statement, reading continuation lines while
//! the syntax error says the input ended early (`... near <eof>`). Results are printed by
//! calling the global `print`. Errors are reported without the program name.
//!
//! On a terminal, lines are read with rustyline (editing, history kept in
//! `~/.ferrous_history`); Ctrl-C abandons the current input, Ctrl-D ends the loop. When
//! stdin is not a terminal (`ferrous -i < file`), prompts and the lines read are echoed
//! to stdout, as `lua` built with GNU readline does.

use super::{out, Cli, Msg};
use ferrous_interp::vm::api;
use ferrous_runtime::Value;
use rustyline::error::ReadlineError;
use rustyline::history::{DefaultHistory, History};
use rustyline::{Config, Editor};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Lines of history kept in the history file.
const HISTORY_MAX: usize = 1000;

/// What reading one line produced.
enum Input {
    Line(String),
    /// Ctrl-C: drop what was typed so far.
    Interrupted,
    /// Ctrl-D or end of input.
    Eof,
}

/// Where lines come from.
enum Reader {
    Editor(Box<Editor<(), DefaultHistory>>, Option<PathBuf>),
    Plain,
}

impl Reader {
    fn new() -> Reader {
        if !std::io::stdin().is_terminal() {
            return Reader::Plain;
        }
        let config = Config::builder()
            .auto_add_history(false)
            .max_history_size(HISTORY_MAX);
        let Ok(config) = config.map(|c| c.build()) else {
            return Reader::Plain;
        };
        let Ok(mut ed) = Editor::<(), DefaultHistory>::with_config(config) else {
            return Reader::Plain;
        };
        let file = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".ferrous_history"));
        if let Some(f) = &file {
            // A plain text file, one entry per line (no rustyline file format needed).
            if let Ok(text) = std::fs::read_to_string(f) {
                for line in text.lines() {
                    let _ = ed.history_mut().add(line);
                }
            }
        }
        Reader::Editor(Box::new(ed), file)
    }

    fn read(&mut self, prompt: &str) -> Input {
        out::flush();
        match self {
            Reader::Editor(ed, _) => match ed.readline(prompt) {
                Ok(l) => Input::Line(l),
                Err(ReadlineError::Interrupted) => Input::Interrupted,
                Err(_) => Input::Eof,
            },
            Reader::Plain => {
                let mut so = std::io::stdout().lock();
                let _ = so.write_all(prompt.as_bytes());
                let _ = so.flush();
                drop(so);
                let mut line = String::new();
                match std::io::stdin().lock().read_line(&mut line) {
                    Ok(0) | Err(_) => Input::Eof,
                    Ok(_) => {
                        if line.ends_with('\n') {
                            line.pop();
                        }
                        // Echo the line, as `lua` built with GNU readline does (the
                        // official test suite expects it).
                        let mut so = std::io::stdout().lock();
                        let _ = so.write_all(line.as_bytes());
                        let _ = so.write_all(b"\n");
                        let _ = so.flush();
                        Input::Line(line)
                    }
                }
            }
        }
    }

    fn save(&mut self, line: &str) {
        if let Reader::Editor(ed, _) = self {
            if !line.is_empty() {
                // Multi-line entries are stored as one line in the file.
                let _ = ed.add_history_entry(line.replace('\n', " "));
            }
        }
    }

    fn finish(&mut self) {
        if let Reader::Editor(ed, Some(file)) = self {
            let h = ed.history();
            let mut text = String::new();
            for i in h.len().saturating_sub(HISTORY_MAX)..h.len() {
                if let Ok(Some(e)) = h.get(i, rustyline::history::SearchDirection::Forward) {
                    text.push_str(&e.entry);
                    text.push('\n');
                }
            }
            let _ = std::fs::write(file, text);
        }
    }
}

/// Runs the loop until end of input.
pub(super) fn run(cli: &mut Cli) {
    let mut reader = Reader::new();
    loop {
        let prompt = prompt(cli, true);
        let line = match reader.read(&prompt) {
            Input::Line(l) => l,
            Input::Interrupted => continue,
            Input::Eof => break,
        };
        // `=expr` is `return expr` (Lua 5.2 compatibility).
        let line = match line.strip_prefix('=') {
            Some(rest) => format!("return {rest}"),
            None => line,
        };
        let f = match api::load(
            &mut cli.st,
            format!("return {line};").as_bytes(),
            b"=stdin",
            "bt",
            None,
        ) {
            Ok(f) => {
                reader.save(&line);
                Ok(f)
            }
            Err(_) => match multiline(cli, &mut reader, line) {
                Some(r) => r,
                None => continue,
            },
        };
        let r = f.and_then(|f| cli.docall(f, &[]));
        match r {
            Ok(results) => print_results(cli, &results),
            Err(msg) => out::message(None, &msg),
        }
    }
    reader.finish();
    out::write(b"\n");
    out::flush();
}

/// Compiles `line` as a statement, adding lines while it is incomplete. None when the
/// user interrupted the input.
fn multiline(cli: &mut Cli, reader: &mut Reader, mut buf: String) -> Option<Result<Value, Msg>> {
    loop {
        match api::load(&mut cli.st, buf.as_bytes(), b"=stdin", "bt", None) {
            Ok(f) => {
                reader.save(&buf);
                return Some(Ok(f));
            }
            Err(e) => {
                let msg = cli.throw_bytes(e);
                if msg.ends_with(b"<eof>") {
                    let prompt = prompt(cli, false);
                    match reader.read(&prompt) {
                        Input::Line(l) => {
                            buf.push('\n');
                            buf.push_str(&l);
                            continue;
                        }
                        Input::Interrupted => {
                            reader.save(&buf);
                            return None;
                        }
                        Input::Eof => {}
                    }
                }
                reader.save(&buf);
                return Some(Err(msg));
            }
        }
    }
}

/// `_PROMPT` / `_PROMPT2` through `tostring`, or the defaults.
fn prompt(cli: &mut Cli, first: bool) -> String {
    let (name, default) = if first {
        ("_PROMPT", "> ")
    } else {
        ("_PROMPT2", ">> ")
    };
    let g = cli.st.globals;
    let v = cli.st.get_field(g, name);
    if v.is_nil() {
        return default.to_string();
    }
    match api::tostring(&mut cli.st, v) {
        Ok(s) => s.to_str_lossy().into_owned(),
        Err(_) => default.to_string(),
    }
}

/// lua.c's `l_print`: calls the global `print` with the results.
fn print_results(cli: &mut Cli, results: &[Value]) {
    if results.is_empty() {
        return;
    }
    let g = cli.st.globals;
    let print = cli.st.get_field(g, "print");
    if let Err(msg) = api::pcall_traceback(&mut cli.st, print, results) {
        let msg = msg.split("\nstack traceback:").next().unwrap_or("");
        out::message(None, format!("error calling 'print' ({msg})").as_bytes());
    }
}
