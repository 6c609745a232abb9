//! Binary chunks: `string.dump` and loading precompiled functions, safely.
//!
//! A binary chunk is a serialized function prototype tree (the format is specified in
//! `docs/binary-chunks.md`). It has three stages, one file each:
//!
//! - [`dump`] writes a heap [`Proto`] (the only form a function has once loaded: the
//!   compiler's `FuncProto` is gone by then) as bytes;
//! - [`undump`] parses bytes back into a [`FuncProto`], checking only the *format*:
//!   every read is bounds-checked, every count is checked against the input that is
//!   left before anything is allocated for it, nesting is bounded;
//! - [`verify`] checks the *code*: that the interpreter, which trusts bytecode (register
//!   operands, constant indices, jump targets, the open-stack-top protocol), can run
//!   every instruction of every function without reading or writing out of bounds,
//!   panicking or corrupting its own invariants.
//!
//! Only after both succeed does [`load_binary`] move the prototypes onto the heap. So no
//! byte string passed to `load` can crash the VM: it either loads a function the
//! interpreter can run safely, or `load` returns nil and a message.
//!
//! Rules for contributors: a new opcode, or a new assumption the interpreter makes about
//! its operands, needs a matching check in `verify.rs` (the fuzzing property in
//! `tests/prop_load.rs` is there to catch the ones that are forgotten); the format
//! version byte ([`FORMAT_VERSION`]) changes whenever the layout does.

#![forbid(unsafe_code)]

pub mod dump;
pub mod undump;
pub mod verify;

use crate::bytecode::FuncProto;
use ferrous_runtime::function::Proto;
use ferrous_runtime::{Gc, LuaResult, State};
use std::rc::Rc;

/// The first four bytes of every binary chunk (as in PUC Lua: `load` tells binary from
/// text by the first one).
pub const SIGNATURE: &[u8; 4] = b"\x1bLua";
/// Lua version byte (5.4), as PUC's LUAC_VERSION.
pub const LUAC_VERSION: u8 = 0x54;
/// PUC's LUAC_FORMAT (the official format).
pub const LUAC_FORMAT: u8 = 0;
/// Bytes that catch text-mode conversions of the file (PUC's LUAC_DATA).
pub const LUAC_DATA: &[u8; 6] = b"\x19\x93\r\n\x1a\n";
/// Check integer: detects integer size and byte-order mismatches.
pub const LUAC_INT: i64 = 0x5678;
/// Check float: detects float format mismatches.
pub const LUAC_NUM: f64 = 370.5;
/// Marks the rest of the chunk as Ferrous's own layout (PUC's chunks differ from here on).
pub const MARKER: &[u8; 4] = b"Frrs";
/// Version of the Ferrous layout; bump it on every change to the format.
pub const FORMAT_VERSION: u8 = 1;
/// Deepest nesting of functions a chunk may have (the compiler stops at 200 syntax
/// levels, so it cannot produce deeper ones). Bounds the recursion of every stage.
pub const MAX_NESTING: usize = 200;

/// Constant tags.
pub const K_NIL: u8 = 0;
pub const K_FALSE: u8 = 1;
pub const K_TRUE: u8 = 2;
pub const K_INT: u8 = 3;
pub const K_FLOAT: u8 = 4;
pub const K_STR: u8 = 5;

/// Source name of functions loaded from a chunk dumped without debug information.
pub const STRIPPED_SOURCE: &[u8] = b"=?";

/// `string.dump(f [, strip])`.
pub fn str_dump(st: &mut State) -> LuaResult<usize> {
    let f = st.arg(1);
    if !f.is_function() {
        return Err(st.type_error(1, "function"));
    }
    let strip = st.arg(2).truthy();
    let Some(cl) = f.as_lclosure() else {
        return Err(st.error("unable to dump given function"));
    };
    let bytes = dump::dump(&cl.proto, strip);
    let v = st.string_value_owned(bytes);
    st.push(v);
    Ok(1)
}

/// Parses, verifies and loads a binary chunk; the error is the message `load` returns
/// ("NAME: bad binary format (...)", PUC style).
pub fn load_binary(st: &mut State, chunk: &[u8], chunkname: &[u8]) -> Result<Gc<Proto>, String> {
    let (fp, source) = parse_and_verify(chunk)
        .map_err(|why| format!("{}: bad binary format ({})", error_name(chunkname), why))?;
    let source: Rc<[u8]> = Rc::from(source.as_deref().unwrap_or(STRIPPED_SOURCE));
    Ok(crate::vm::load::proto_to_heap(st, &fp, &source))
}

/// The format and code checks without touching a `State`: the prototype tree and its
/// source name (None when stripped), or the reason for rejecting the chunk.
pub fn parse_and_verify(chunk: &[u8]) -> Result<(FuncProto, Option<Vec<u8>>), String> {
    let (fp, source) = undump::undump(chunk).map_err(|e| e.to_string())?;
    verify::verify(&fp)?;
    Ok((fp, source))
}

/// The chunk name as PUC's lundump.c prints it in errors.
fn error_name(chunkname: &[u8]) -> String {
    match chunkname.first() {
        Some(b'@') | Some(b'=') => String::from_utf8_lossy(&chunkname[1..]).into_owned(),
        Some(&c) if c == SIGNATURE[0] => "binary string".to_string(),
        _ => String::from_utf8_lossy(chunkname).into_owned(),
    }
}

#[cfg(test)]
mod tests;
