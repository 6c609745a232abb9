//! The serializer: a heap prototype tree to a binary chunk (`docs/binary-chunks.md`).
//!
//! Fixed-size values (instructions, integer and float constants, the header's check
//! values) are written in the machine's byte order, as PUC Lua does; the header lets a
//! loader on another machine notice. Counts, lengths and line numbers are unsigned
//! LEB128 varints. With `strip`, the source name and all debug information (line info,
//! local variable names, upvalue names) are left out.

use super::*;
use crate::bytecode::Instr;
use ferrous_runtime::function::Proto;
use ferrous_runtime::value::{TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_NIL, TAG_STRING};
use ferrous_runtime::Value;

/// Serializes `p` (and its nested functions) as a binary chunk.
pub fn dump(p: &Proto, strip: bool) -> Vec<u8> {
    let mut w = Writer { out: Vec::new() };
    w.header();
    w.function(p, strip, true);
    w.out
}

/// The header every chunk starts with.
pub fn header() -> Vec<u8> {
    let mut w = Writer { out: Vec::new() };
    w.header();
    w.out
}

struct Writer {
    out: Vec<u8>,
}

impl Writer {
    fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    fn varint(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.byte(b);
                return;
            }
            self.byte(b | 0x80);
        }
    }

    fn string(&mut self, s: &[u8]) {
        self.varint(s.len() as u64);
        self.bytes(s);
    }

    fn header(&mut self) {
        self.bytes(SIGNATURE);
        self.byte(LUAC_VERSION);
        self.byte(LUAC_FORMAT);
        self.bytes(LUAC_DATA);
        self.byte(4); // instruction
        self.byte(8); // integer
        self.byte(8); // float
        self.bytes(&LUAC_INT.to_ne_bytes());
        self.bytes(&LUAC_NUM.to_ne_bytes());
        self.bytes(MARKER);
        self.byte(FORMAT_VERSION);
    }

    fn constant(&mut self, v: Value) {
        match v.tag() {
            TAG_NIL => self.byte(K_NIL),
            TAG_BOOL => self.byte(if v.truthy() { K_TRUE } else { K_FALSE }),
            TAG_INT => {
                self.byte(K_INT);
                self.bytes(&v.as_int_unchecked().to_ne_bytes());
            }
            TAG_FLOAT => {
                self.byte(K_FLOAT);
                self.bytes(&v.as_float_unchecked().to_ne_bytes());
            }
            TAG_STRING => {
                self.byte(K_STR);
                let s = v.as_string().expect("string tag");
                self.string(s.as_bytes());
            }
            _ => {
                // Prototypes only ever hold the five constant types above.
                debug_assert!(false, "constant of type {}", v.type_name());
                self.byte(K_NIL);
            }
        }
    }

    fn function(&mut self, p: &Proto, strip: bool, main: bool) {
        if main {
            // 0: no source; n+1: a source of n bytes. Nested functions share it.
            if strip {
                self.varint(0);
            } else {
                self.varint(p.source.len() as u64 + 1);
                self.bytes(&p.source);
            }
        }
        self.varint(p.line_defined as u64);
        self.varint(p.last_line_defined as u64);
        self.byte(p.num_params);
        self.byte(p.is_vararg as u8);
        self.byte(p.max_stack);
        self.varint(p.code.len() as u64);
        for i in p.code.iter() {
            // A loop the JIT gave up on is dumped as compiled.
            self.bytes(&Instr(i).counted().0.to_ne_bytes());
        }
        self.varint(p.constants.len() as u64);
        for &k in p.constants.iter() {
            self.constant(k);
        }
        self.varint(p.upvals.len() as u64);
        for u in p.upvals.iter() {
            self.byte(u.in_stack as u8);
            self.byte(u.index);
            self.byte(u.kind);
        }
        self.varint(p.protos.len() as u64);
        for child in p.protos.iter() {
            self.function(child, strip, false);
        }
        // Debug information.
        if strip {
            self.varint(0); // line info
            self.varint(0); // local variables
            self.varint(0); // upvalue names
            return;
        }
        self.varint(p.line_info.len() as u64);
        for &l in p.line_info.iter() {
            self.varint(l as u64);
        }
        self.varint(p.locvars.len() as u64);
        for lv in p.locvars.iter() {
            self.string(&lv.name);
            self.varint(lv.start_pc as u64);
            self.varint(lv.end_pc as u64);
        }
        self.varint(p.upvals.len() as u64);
        for u in p.upvals.iter() {
            self.string(&u.name);
        }
    }
}
