//! The parser: a binary chunk to a `FuncProto` tree, checking the format only.
//!
//! Every read goes through [`Reader`], which never reads past the input. Every count is
//! checked against the bytes that are left (each element takes at least a known number
//! of bytes) before anything is allocated for it, so a lying count costs nothing: it is
//! reported as a truncated chunk. A prefix of a valid chunk therefore always fails with
//! "truncated chunk", as PUC Lua's loader does. Nesting is bounded by
//! [`MAX_NESTING`](super::MAX_NESTING). Whether the code makes sense is `verify`'s job.

use super::*;
use crate::bytecode::{Const, FuncProto, Instr, LocVar, UpvalDesc};
use std::fmt;

/// Why a chunk could not be parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum UndumpError {
    /// The input ended early (or a count claims more elements than bytes are left).
    Truncated,
    /// Anything else; the text goes inside "bad binary format (...)".
    Bad(String),
}

impl fmt::Display for UndumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UndumpError::Truncated => f.write_str("truncated chunk"),
            UndumpError::Bad(s) => f.write_str(s),
        }
    }
}

type R<T> = Result<T, UndumpError>;

fn bad<T>(why: &str) -> R<T> {
    Err(UndumpError::Bad(why.to_string()))
}

/// Fewest bytes a nested function takes (no source; every count zero; one-byte line
/// numbers): two lines, three bytes, seven counts.
const MIN_FUNCTION_SIZE: usize = 2 + 3 + 7;

/// Parses a whole chunk: the main function and its source name (None when stripped).
pub fn undump(data: &[u8]) -> R<(FuncProto, Option<Vec<u8>>)> {
    let mut r = Reader { data, pos: 0 };
    r.header()?;
    let source = match r.varint()? {
        0 => None,
        n => {
            let len = usize::try_from(n - 1).map_err(|_| UndumpError::Truncated)?;
            Some(r.bytes(len)?.to_vec())
        }
    };
    let f = r.function(0)?;
    if r.pos != data.len() {
        return bad("extra bytes after the main function");
    }
    Ok((f, source))
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn bytes(&mut self, n: usize) -> R<&'a [u8]> {
        if n > self.remaining() {
            return Err(UndumpError::Truncated);
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self) -> R<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> R<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    /// An unsigned LEB128 number of at most 64 bits.
    fn varint(&mut self) -> R<u64> {
        let mut v: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return bad("integer overflow");
            }
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return bad("integer overflow");
            }
        }
    }

    fn u32(&mut self) -> R<u32> {
        let v = self.varint()?;
        u32::try_from(v).or_else(|_| bad("integer overflow"))
    }

    /// A count of elements that take at least `min_size` bytes each.
    fn count(&mut self, min_size: usize) -> R<usize> {
        let n = self.varint()?;
        match usize::try_from(n) {
            Ok(n) if n.saturating_mul(min_size) <= self.remaining() => Ok(n),
            _ => Err(UndumpError::Truncated),
        }
    }

    /// A count, then that many elements read by `item`, each taking at least `min_size`
    /// bytes: the count is checked against the bytes left before anything is allocated.
    fn list<T>(&mut self, min_size: usize, mut item: impl FnMut(&mut Self) -> R<T>) -> R<Vec<T>> {
        let n = self.count(min_size)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(item(self)?);
        }
        Ok(v)
    }

    fn string(&mut self) -> R<Vec<u8>> {
        let n = self.count(1)?;
        Ok(self.bytes(n)?.to_vec())
    }

    fn bool(&mut self) -> R<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => bad("bad boolean"),
        }
    }

    fn header(&mut self) -> R<()> {
        if self.bytes(4)? != SIGNATURE {
            return bad("not a binary chunk");
        }
        if self.byte()? != LUAC_VERSION {
            return bad("version mismatch");
        }
        if self.byte()? != LUAC_FORMAT {
            return bad("format mismatch");
        }
        if self.bytes(LUAC_DATA.len())? != LUAC_DATA {
            return bad("corrupted chunk");
        }
        if self.byte()? != 4 {
            return bad("Instruction size mismatch");
        }
        if self.byte()? != 8 {
            return bad("lua_Integer size mismatch");
        }
        if self.byte()? != 8 {
            return bad("lua_Number size mismatch");
        }
        if i64::from_ne_bytes(self.array()?) != LUAC_INT {
            return bad("integer format mismatch");
        }
        if f64::from_ne_bytes(self.array()?) != LUAC_NUM {
            return bad("float format mismatch");
        }
        if self.bytes(MARKER.len())? != MARKER {
            return bad("not a Ferrous chunk");
        }
        if self.byte()? != FORMAT_VERSION {
            return bad("Ferrous format version mismatch");
        }
        Ok(())
    }

    fn constant(&mut self) -> R<Const> {
        Ok(match self.byte()? {
            K_NIL => Const::Nil,
            K_FALSE => Const::Bool(false),
            K_TRUE => Const::Bool(true),
            K_INT => Const::Int(i64::from_ne_bytes(self.array()?)),
            K_FLOAT => Const::Float(f64::from_ne_bytes(self.array()?)),
            K_STR => Const::Str(self.string()?),
            _ => return bad("bad constant tag"),
        })
    }

    /// One function (the source name, for the main one, is read by the caller).
    fn function(&mut self, depth: usize) -> R<FuncProto> {
        if depth > MAX_NESTING {
            return bad("functions nested too deeply");
        }
        let mut f = FuncProto {
            line_defined: self.u32()?,
            last_line_defined: self.u32()?,
            num_params: self.byte()?,
            is_vararg: self.bool()?,
            max_stack: self.byte()?,
            ..FuncProto::default()
        };
        f.code = self.list(4, |r| Ok(Instr(u32::from_ne_bytes(r.array()?))))?;
        f.constants = self.list(1, Self::constant)?;
        f.upvalues = self.list(3, |r| {
            Ok(UpvalDesc {
                name: Vec::new(),
                in_stack: r.bool()?,
                index: r.byte()?,
                kind: r.byte()?,
            })
        })?;
        f.protos = self.list(MIN_FUNCTION_SIZE, |r| r.function(depth + 1))?;
        f.line_info = self.list(1, Self::u32)?;
        f.locvars = self.list(3, |r| {
            Ok(LocVar {
                name: r.string()?,
                start_pc: r.u32()?,
                end_pc: r.u32()?,
            })
        })?;
        let n = self.count(1)?;
        if n != 0 && n != f.upvalues.len() {
            return bad("upvalue names do not match the upvalues");
        }
        for i in 0..n {
            f.upvalues[i].name = self.string()?;
        }
        Ok(f)
    }
}
