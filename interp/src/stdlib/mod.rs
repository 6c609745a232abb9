//! The standard library. Each module has `pub fn open(st: &mut State)` that creates its
//! table and stores it in the globals (and `package.loaded` once it exists).
pub mod base;
pub mod compat;
pub mod coroutine;
pub mod debug;
pub mod io;
pub mod math;
pub mod os;
pub mod package;
pub mod string;
pub mod table;
pub mod utf8;

use ferrous_runtime::{Gc, NativeFn, State, Table};

/// A new table whose metatable has `__mode = mode`.
pub(crate) fn weak_table(st: &mut State, mode: &[u8]) -> Gc<Table> {
    let t = st.new_table(0, 0);
    let mt = st.new_table(0, 1);
    let m = st.str_value(mode);
    st.set_field(mt, "__mode", m);
    st.heap.write(t).metatable = Some(mt);
    t
}

/// Opens every standard library into `st`'s globals.
/// The name `f` goes by in `table` (the functions of a library a JIT may compute
/// inline), if it is one of them. Function identity is what matters: two natives with
/// the same address run the same code.
fn jit_name(table: &[(NativeFn, &'static str)], f: NativeFn) -> Option<&'static str> {
    table
        .iter()
        .find(|(g, _)| std::ptr::fn_addr_eq(*g, f))
        .map(|&(_, name)| name)
}

pub fn open_all(st: &mut State) {
    base::open(st);
    coroutine::open(st);
    string::open(st);
    table::open(st);
    math::open(st);
    utf8::open(st);
    os::open(st);
    io::open(st);
    debug::open(st);
    package::open(st);
    package::register_loaded(
        st,
        &[
            "_G",
            "coroutine",
            "string",
            "table",
            "math",
            "os",
            "io",
            "debug",
            "utf8",
            "package",
        ],
    );
}

/// Writes to the process's standard output (buffered; see `flush_output`).
pub fn write_stdout(bytes: &[u8]) {
    io::stdout_write(bytes);
}

/// Flushes buffered standard output (before writing to stderr, and at exit).
pub fn flush_output() {
    io::flush_stdout();
}
