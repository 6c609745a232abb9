//! Lua 5.4 source to bytecode.
//!
//! A single-pass compiler in the manner of PUC Lua: the parser drives code generation
//! directly, with expression descriptors and patchable jump lists instead of an AST.
//!
//! - [`lexer`]: tokens, string escapes, numerals, PUC's lexical error messages;
//! - [`func`]: compiler state (functions, blocks, variables, expression descriptors);
//! - [`code`]: instruction emission, jump lists, registers, constants, the final pass;
//! - [`expr`]: expression code generation, constant folding, conditions;
//! - [`scope`]: variable resolution, upvalues, blocks, labels and gotos;
//! - [`exprparse`] and [`parser`]: the grammar.
#![forbid(unsafe_code)]

pub mod code;
pub mod expr;
pub mod exprparse;
pub mod func;
pub mod lexer;
pub mod parser;
pub mod scope;
#[cfg(test)]
mod tests;

use crate::bytecode::FuncProto;

/// Compiles a chunk. `chunkname` is as given to `load` ("@file", "=name" or source text).
/// Errors are complete messages in PUC Lua's form: `short_src:line: message near 'token'`.
/// A chunk named "@file" may start with a `#` line (and a UTF-8 BOM), which is skipped.
pub fn compile(source: &[u8], chunkname: &[u8]) -> Result<FuncProto, String> {
    let mut p = func::Parser::new(source, chunkname);
    p.main_func()
}

/// PUC's `luaO_chunkid` (the "short source" of error messages) lives with the runtime,
/// which names chunks in run-time errors too.
pub use ferrous_runtime::state::chunk_id;
