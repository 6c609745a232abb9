//! `ferrous`: the stand-alone interpreter, modelled on PUC Lua 5.4's `lua` program.
//!
//! The whole interpreter runs on a thread with a large native stack, so that deep but
//! legal nesting of native calls (a `sort` comparator calling `gsub` calling a metamethod
//! ...) cannot overflow the stack of the process's main thread. The exit status of that
//! thread becomes the exit status of the process.
#![forbid(unsafe_code)]

mod cli;

/// Native stack of the interpreter thread.
const INTERPRETER_STACK: usize = 256 << 20;

fn main() {
    let argv: Vec<Vec<u8>> = std::env::args_os().map(cli::os_to_bytes).collect();
    let thread = std::thread::Builder::new()
        .name("ferrous".into())
        .stack_size(INTERPRETER_STACK)
        .spawn(move || cli::main(argv));
    let code = match thread {
        Ok(handle) => match handle.join() {
            Ok(code) => code,
            // The panic hook already printed the message; report like a crash.
            Err(_) => {
                cli::out::flush();
                101
            }
        },
        Err(e) => {
            eprintln!("ferrous: cannot start the interpreter thread: {e}");
            1
        }
    };
    cli::out::flush();
    std::process::exit(code);
}
