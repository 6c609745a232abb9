//! The `utf8` library (PUC Lua 5.4.8's lutf8lib.c).
//!
//! Lua strings are byte strings; this library reads and writes the original, 31-bit
//! UTF-8 of RFC 2279 (sequences of up to six bytes, values up to 0x7FFFFFFF). Strict
//! mode (the default) additionally rejects surrogates and values above 0x10FFFF; the
//! `lax` argument accepts them.
//!
//! The decoding logic is plain Rust over byte slices (unit-tested below). Like the C
//! code, which relies on the `'\0'` that terminates every Lua string, reads one past the
//! end of a slice see a zero byte ([`byte_at`]).
#![forbid(unsafe_code)]

use ferrous_runtime::thread::MAX_STACK;
use ferrous_runtime::{LuaResult, State, Value};

/// Largest valid Unicode code point.
const MAX_UNICODE: u32 = 0x10FFFF;
/// Largest value the (extended) encoding represents.
const MAX_UTF: u32 = 0x7FFF_FFFF;

const MSG_INVALID: &str = "invalid UTF-8 code";

/// Pattern matching exactly one UTF-8 byte sequence (`utf8.charpattern`).
pub const CHAR_PATTERN: &[u8] = b"[\0-\x7F\xC2-\xFD][\x80-\xBF]*";

/// Creates the `utf8` table and stores it in the globals (and `package.loaded`).
pub fn open(st: &mut State) {
    let t = st.new_table(0, 6);
    let fns: &[(&'static str, ferrous_runtime::NativeFn)] = &[
        ("offset", utf8_offset),
        ("codepoint", utf8_codepoint),
        ("char", utf8_char),
        ("len", utf8_len),
        ("codes", utf8_codes),
    ];
    for &(name, f) in fns {
        st.set_fn(t, name, f);
    }
    let pat = st.str_value(CHAR_PATTERN);
    st.set_field(t, "charpattern", pat);
    let tv = Value::table(t);
    let globals = st.globals;
    st.set_field(globals, "utf8", tv);
    let registry = st.registry;
    if let Some(loaded) = st.get_field(registry, "_LOADED").as_table() {
        st.set_field(loaded, "utf8", tv);
    }
}

// ---------------------------------------------------------------------- pure helpers

/// Byte `i` of `s`, or 0 past its end (the C string's terminating `'\0'`).
#[inline]
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

#[inline]
fn is_cont(c: u8) -> bool {
    c & 0xC0 == 0x80
}

/// Decodes the sequence starting at `s[pos]`: its value and the position after it, or
/// `None` when the sequence is invalid (or, in strict mode, not a Unicode scalar value).
fn decode(s: &[u8], pos: usize, strict: bool) -> Option<(u32, usize)> {
    // minimum value for each sequence length, to reject overlong encodings; the first
    // entry rejects a non-ASCII byte with no continuation bytes
    const LIMITS: [u64; 6] = [u64::MAX, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    let mut c = byte_at(s, pos) as u32;
    let res: u64;
    let mut count = 0usize;
    if c < 0x80 {
        res = c as u64;
    } else {
        let mut r: u64 = 0;
        while c & 0x40 != 0 {
            count += 1;
            let cc = byte_at(s, pos + count);
            if !is_cont(cc) {
                return None;
            }
            r = (r << 6) | (cc & 0x3F) as u64;
            c <<= 1;
        }
        if count > 5 {
            return None;
        }
        r |= ((c & 0x7F) as u64) << (count * 5);
        if r > MAX_UTF as u64 || r < LIMITS[count] {
            return None;
        }
        res = r;
    }
    if strict && (res > MAX_UNICODE as u64 || (0xD800..=0xDFFF).contains(&res)) {
        return None;
    }
    Some((res as u32, pos + count + 1))
}

/// Encodes `x` (at most 0x7FFFFFFF) as PUC's `%U` does: up to six bytes.
pub fn encode(x: u32, out: &mut Vec<u8>) {
    debug_assert!(x <= MAX_UTF);
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut buf = [0u8; 8];
    let mut n = 0;
    let mut x = x;
    let mut mfb: u32 = 0x3F; // largest value that fits in the first byte
    loop {
        buf[7 - n] = 0x80 | (x & 0x3F) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    buf[7 - n] = ((!mfb << 1) | x) as u8;
    n += 1;
    out.extend_from_slice(&buf[8 - n..]);
}

/// A relative position: negative counts back from the end; below the start gives 0.
fn u_posrelat(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// `utf8.len` on a slice with 0-based `posi..=posj`: the count, or the 0-based
/// position of the first invalid sequence.
fn count_chars(s: &[u8], mut posi: i64, posj: i64, strict: bool) -> Result<i64, i64> {
    let mut n = 0;
    while posi <= posj {
        match decode(s, posi as usize, strict) {
            Some((_, next)) => posi = next as i64,
            None => return Err(posi),
        }
        n += 1;
    }
    Ok(n)
}

/// `utf8.offset` on a slice: `posi` is the 0-based start (at most `len`); the 0-based
/// position found, `None` when there is no such character, `Err` when `posi` sits on a
/// continuation byte (and `n != 0`).
fn byte_offset(s: &[u8], mut n: i64, mut posi: usize) -> Result<Option<usize>, ()> {
    let len = s.len();
    if n == 0 {
        while posi > 0 && is_cont(byte_at(s, posi)) {
            posi -= 1;
        }
    } else {
        if is_cont(byte_at(s, posi)) {
            return Err(());
        }
        if n < 0 {
            while n < 0 && posi > 0 {
                loop {
                    posi -= 1;
                    if !(posi > 0 && is_cont(byte_at(s, posi))) {
                        break;
                    }
                }
                n += 1;
            }
        } else {
            n -= 1;
            while n > 0 && posi < len {
                loop {
                    posi += 1;
                    if !is_cont(byte_at(s, posi)) {
                        break;
                    }
                }
                n -= 1;
            }
        }
    }
    Ok(if n == 0 { Some(posi) } else { None })
}

// ---------------------------------------------------------------------- natives

/// `utf8.len(s [, i [, j [, lax]]])`
fn utf8_len(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let len = s.len();
    let posi = u_posrelat(st.opt_int(2, 1)?, len);
    let posj = u_posrelat(st.opt_int(3, -1)?, len);
    let lax = st.arg(4).truthy();
    if !(1 <= posi && posi - 1 <= len as i64) {
        return Err(st.arg_error(2, "initial position out of bounds"));
    }
    if posj > len as i64 {
        return Err(st.arg_error(3, "final position out of bounds"));
    }
    match count_chars(s.as_bytes(), posi - 1, posj - 1, !lax) {
        Ok(n) => {
            st.push(Value::int(n));
            Ok(1)
        }
        Err(p) => {
            st.push(Value::NIL);
            st.push(Value::int(p + 1));
            Ok(2)
        }
    }
}

/// `utf8.codepoint(s [, i [, j [, lax]]])`
fn utf8_codepoint(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let len = s.len();
    let posi = u_posrelat(st.opt_int(2, 1)?, len);
    let pose = u_posrelat(st.opt_int(3, posi)?, len);
    let lax = st.arg(4).truthy();
    if posi < 1 {
        return Err(st.arg_error(2, "out of bounds"));
    }
    if pose > len as i64 {
        return Err(st.arg_error(3, "out of bounds"));
    }
    if posi > pose {
        return Ok(0);
    }
    if pose - posi >= i32::MAX as i64 {
        return Err(st.error("string slice too long"));
    }
    let n = (pose - posi + 1) as usize;
    if n > MAX_STACK || !st.thread.get_mut().ensure(n) {
        return Err(st.error("stack overflow (string slice too long)"));
    }
    let bytes = s.as_bytes();
    let end = pose as usize;
    let mut p = posi as usize - 1;
    let mut count = 0;
    while p < end {
        match decode(bytes, p, !lax) {
            Some((code, next)) => {
                st.push(Value::int(code as i64));
                p = next;
                count += 1;
            }
            None => return Err(st.error(MSG_INVALID)),
        }
    }
    Ok(count)
}

/// `utf8.char(...)`
fn utf8_char(st: &mut State) -> LuaResult<usize> {
    let n = st.nargs();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let code = st.check_int(i)? as u64;
        if code > MAX_UTF as u64 {
            return Err(st.arg_error(i, "value out of range"));
        }
        encode(code as u32, &mut out);
    }
    let v = st.string_value_owned(out);
    st.push(v);
    Ok(1)
}

/// `utf8.offset(s, n [, i])`
fn utf8_offset(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let len = s.len();
    let n = st.check_int(2)?;
    let def = if n >= 0 { 1 } else { len as i64 + 1 };
    let posi = u_posrelat(st.opt_int(3, def)?, len);
    if !(1 <= posi && posi - 1 <= len as i64) {
        return Err(st.arg_error(3, "position out of bounds"));
    }
    match byte_offset(s.as_bytes(), n, posi as usize - 1) {
        Ok(Some(p)) => st.push(Value::int(p as i64 + 1)),
        Ok(None) => st.push(Value::NIL),
        Err(()) => return Err(st.error("initial position is a continuation byte")),
    }
    Ok(1)
}

/// The step of `utf8.codes`: `(s, i) -> next position, code point`.
fn iter_aux(st: &mut State, strict: bool) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let bytes = s.as_bytes();
    let len = bytes.len() as u64;
    // lua_tointeger: anything not convertible counts as 0
    let mut n = ferrous_runtime::state::to_integer(st.arg(2)).unwrap_or(0) as u64;
    if n < len {
        while is_cont(byte_at(bytes, n as usize)) {
            n += 1;
        }
    }
    if n >= len {
        return Ok(0); // also handles a negative control value
    }
    match decode(bytes, n as usize, strict) {
        Some((code, next)) if !is_cont(byte_at(bytes, next)) => {
            st.push(Value::int(n as i64 + 1));
            st.push(Value::int(code as i64));
            Ok(2)
        }
        _ => Err(st.error(MSG_INVALID)),
    }
}

fn iter_aux_strict(st: &mut State) -> LuaResult<usize> {
    iter_aux(st, true)
}

fn iter_aux_lax(st: &mut State) -> LuaResult<usize> {
    iter_aux(st, false)
}

/// `utf8.codes(s [, lax])`
fn utf8_codes(st: &mut State) -> LuaResult<usize> {
    let lax = st.arg(2).truthy();
    let s = st.check_str(1)?;
    if is_cont(byte_at(s.as_bytes(), 0)) {
        return Err(st.arg_error(1, MSG_INVALID));
    }
    let f = if lax {
        st.new_native(iter_aux_lax, "for iterator")
    } else {
        st.new_native(iter_aux_strict, "for iterator")
    };
    st.push(f);
    st.push(Value::string(s));
    st.push(Value::int(0));
    Ok(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(x: u32) -> Vec<u8> {
        let mut v = Vec::new();
        encode(x, &mut v);
        v
    }

    #[test]
    fn encode_matches_std_for_unicode() {
        for &c in &[
            0u32, 0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF,
        ] {
            if let Some(ch) = char::from_u32(c) {
                assert_eq!(enc(c), ch.to_string().into_bytes());
            }
        }
        assert_eq!(enc(0x7FFF_FFFF), b"\xFD\xBF\xBF\xBF\xBF\xBF");
        assert_eq!(enc(0x20_0000), b"\xF8\x88\x80\x80\x80");
        assert_eq!(enc(0xD800), b"\xED\xA0\x80");
    }

    #[test]
    fn decode_round_trips() {
        for &c in &[
            0u32,
            0x7F,
            0x80,
            0x7FF,
            0x800,
            0xFFFF,
            0x10000,
            0x10FFFF,
            0x20_0000,
            0x7FFF_FFFF,
        ] {
            let e = enc(c);
            assert_eq!(decode(&e, 0, false), Some((c, e.len())));
        }
        assert_eq!(decode(&enc(0x110000), 0, true), None);
        assert_eq!(decode(&enc(0xD800), 0, true), None);
        assert_eq!(decode(&enc(0xD800), 0, false), Some((0xD800, 3)));
    }

    #[test]
    fn decode_rejects_bad_sequences() {
        assert_eq!(decode(b"\x80", 0, false), None); // lone continuation
        assert_eq!(decode(b"\xC0\x80", 0, false), None); // overlong
        assert_eq!(decode(b"\xE0\x80\x80", 0, false), None); // overlong
        assert_eq!(decode(b"\xC3", 0, false), None); // truncated
        assert_eq!(decode(b"\xFE\x80\x80\x80\x80\x80\x80", 0, false), None);
        assert_eq!(decode(b"\xFF\x80\x80\x80\x80\x80\x80\x80", 0, false), None);
        assert_eq!(decode(b"", 0, true), Some((0, 1)));
    }

    #[test]
    fn offsets() {
        let s = "aé€𐍈b".as_bytes(); // 1 + 2 + 3 + 4 + 1 bytes
        assert_eq!(byte_offset(s, 1, 0), Ok(Some(0)));
        assert_eq!(byte_offset(s, 3, 0), Ok(Some(3)));
        assert_eq!(byte_offset(s, 6, 0), Ok(Some(11)));
        assert_eq!(byte_offset(s, 7, 0), Ok(None));
        assert_eq!(byte_offset(s, -1, 11), Ok(Some(10)));
        assert_eq!(byte_offset(s, 0, 5), Ok(Some(3)));
        assert_eq!(byte_offset(s, 1, 2), Err(()));
        assert_eq!(count_chars(s, 0, 10, true), Ok(5));
        assert_eq!(count_chars(b"a\xFFb", 0, 2, true), Err(1));
    }

    #[test]
    fn relative_positions() {
        assert_eq!(u_posrelat(3, 5), 3);
        assert_eq!(u_posrelat(-1, 5), 5);
        assert_eq!(u_posrelat(-5, 5), 1);
        assert_eq!(u_posrelat(-6, 5), 0);
        assert_eq!(u_posrelat(i64::MIN, 5), 0);
    }
}
