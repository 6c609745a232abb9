//! The program's two output streams.
//!
//! Lua's `print` and `io.write` buffer standard output inside the interpreter; everything
//! this program writes to stdout goes through the same buffer so that the order is kept,
//! and stdout is flushed before anything is written to stderr and before exit.

use ferrous_interp::stdlib::io;
use std::io::Write;

/// Writes bytes to standard output (Lua's buffer).
pub fn write(bytes: &[u8]) {
    io::stdout_write(bytes);
}

/// Flushes standard output (and the files Lua left open on this thread).
pub fn flush() {
    io::flush_all();
}

/// Writes `bytes` to stderr after flushing stdout.
pub fn error(bytes: &[u8]) {
    flush();
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(bytes);
    let _ = e.flush();
}

/// lua.c's `l_message`: `progname: msg` (no prefix without a program name) and a newline.
pub fn message(progname: Option<&str>, msg: &[u8]) {
    let mut line = Vec::with_capacity(msg.len() + 16);
    if let Some(p) = progname {
        line.extend_from_slice(p.as_bytes());
        line.extend_from_slice(b": ");
    }
    line.extend_from_slice(msg);
    line.push(b'\n');
    error(&line);
}
