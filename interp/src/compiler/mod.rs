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

/// Size of a chunk id, as PUC's LUA_IDSIZE (including the terminating NUL there).
const ID_SIZE: usize = 60;

/// PUC's `luaO_chunkid`: the "short source" used in error messages. "=name" gives name,
/// "@file" gives the file name (with "..." replacing its start if it is long), anything
/// else is source text shown as `[string "first line..."]`.
pub fn chunk_id(source: &[u8]) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match source.first() {
        Some(b'=') => {
            let rest = &source[1..];
            text(&rest[..rest.len().min(ID_SIZE - 1)])
        }
        Some(b'@') => {
            let rest = &source[1..];
            if rest.len() < ID_SIZE {
                text(rest)
            } else {
                let keep = ID_SIZE - 3 - 1;
                format!("...{}", text(&rest[rest.len() - keep..]))
            }
        }
        _ => {
            let avail = ID_SIZE - "[string \"...\"]".len() - 1;
            let nl = source.iter().position(|&c| c == b'\n');
            if source.len() < avail && nl.is_none() {
                format!("[string \"{}\"]", text(source))
            } else {
                let mut len = nl.unwrap_or(source.len());
                len = len.min(avail);
                format!("[string \"{}...\"]", text(&source[..len]))
            }
        }
    }
}
