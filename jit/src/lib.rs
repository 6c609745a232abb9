//! The Ferrous tracing JIT.
//!
//! When the interpreter finds a loop hot it calls this crate's [`Engine`] (installed as
//! `State::jit`), which records one iteration of the loop into the trace IR (`record`),
//! peels and optimizes it (the `ferrous-ir` passes), compiles it with Cranelift
//! (`backend`) and runs it the next time the loop comes around (`native`). A failed
//! guard writes its snapshot back to the Lua stack and returns; the interpreter goes on
//! at the snapshot's instruction. The interpreter never depends on this crate.
#![deny(unsafe_code)]

pub mod backend;
pub mod engine;
mod helpers;
pub mod lualib;
mod native;
pub mod record;

pub use engine::{Dump, Engine, JitOptions};
pub use ferrous_ir::Opts;

/// Installs a JIT with `opts` in `st` (replacing any) and turns it on, with its hot
/// counters reset.
pub fn install(st: &mut ferrous_runtime::State, opts: JitOptions) -> Result<(), String> {
    st.hot.reset(opts.hotloop);
    st.jit = Some(Box::new(Engine::new(opts)?));
    st.hot.enabled = true;
    Ok(())
}
