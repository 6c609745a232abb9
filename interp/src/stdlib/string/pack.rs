//! `string.pack`, `string.unpack` and `string.packsize` (the PACK/UNPACK section of PUC
//! Lua 5.4.8's lstrlib.c).
//!
//! A format string is a sequence of options, read by [`FormatReader`]; each option has a
//! kind ([`KOption`]), a size and an alignment padding computed from the running offset.
//! The sizes are those of PUC Lua on a 64-bit little- or big-endian Unix target: short 2,
//! int 4, long 8, size_t 8, float 4, double 8, lua_Integer 8, maximum alignment 8.
//!
//! Parsing and the byte-level integer codecs are plain Rust (unit-tested below); the
//! natives only move values between the Lua stack and those helpers. Errors are built
//! lazily through [`FmtError`] so the parser does not need the `State`.
#![forbid(unsafe_code)]

use ferrous_runtime::state::MAX_STRING_SIZE;
use ferrous_runtime::{Gc, LuaResult, State, Table, Throw, Value};

/// Largest size, in bytes, of a packed integer.
const MAX_INT_SIZE: i64 = 16;
/// Size of a `lua_Integer`.
const SZINT: usize = 8;
/// PUC's MAXSIZE for this module on 64-bit targets (INT_MAX).
const MAX_SIZE: i64 = i32::MAX as i64;
/// Native maximum alignment (`offsetof(struct cD, u)`).
const NATIVE_ALIGN: i64 = 8;
const NATIVE_LITTLE: bool = cfg!(target_endian = "little");

/// Adds `pack`, `unpack` and `packsize` to the string table.
pub fn register(st: &mut State, string_table: Gc<Table>) {
    st.set_fn(string_table, "pack", str_pack);
    st.set_fn(string_table, "packsize", str_packsize);
    st.set_fn(string_table, "unpack", str_unpack);
}

// ---------------------------------------------------------------------- format parsing

/// The kind of one format option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KOption {
    /// Signed integer.
    Int,
    /// Unsigned integer.
    Uint,
    /// C float.
    Float,
    /// Lua float (`n`).
    Number,
    /// C double.
    Double,
    /// Fixed-length string (`cN`).
    Char,
    /// String preceded by its length (`s[n]`).
    String,
    /// Zero-terminated string.
    Zstr,
    /// One byte of padding (`x`).
    Padding,
    /// Padding up to an alignment (`X op`).
    PaddAlign,
    /// Configuration or spaces.
    Nop,
}

/// A format error, turned into a Lua error by [`FmtError::throw`].
#[derive(Debug, PartialEq, Eq)]
enum FmtError {
    /// `luaL_error` with this message.
    Plain(Vec<u8>),
    /// `luaL_argerror(L, 1, msg)`.
    Arg1(&'static str),
}

impl FmtError {
    fn throw(self, st: &mut State) -> Throw {
        match self {
            FmtError::Plain(msg) => {
                let mut full = st.where_(1).into_bytes();
                full.extend_from_slice(&msg);
                Throw::Error(st.string_value_owned(full))
            }
            FmtError::Arg1(msg) => st.arg_error(1, msg),
        }
    }
}

/// One option read from the format: kind, size and padding before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Details {
    opt: KOption,
    size: usize,
    ntoalign: usize,
}

/// Reads options from a format string (PUC's Header plus the format pointer).
struct FormatReader<'a> {
    fmt: &'a [u8],
    pos: usize,
    little: bool,
    maxalign: i64,
}

impl<'a> FormatReader<'a> {
    /// A reader over `fmt`; like the C code, a zero byte ends the format.
    fn new(fmt: &'a [u8]) -> Self {
        let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
        FormatReader {
            fmt: &fmt[..end],
            pos: 0,
            little: NATIVE_LITTLE,
            maxalign: 1,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.fmt.len()
    }

    fn peek(&self) -> u8 {
        self.fmt.get(self.pos).copied().unwrap_or(0)
    }

    /// An optional decimal numeral (PUC's getnum: stops before it could overflow).
    fn getnum(&mut self, df: i64) -> i64 {
        if !self.peek().is_ascii_digit() {
            return df;
        }
        let mut a: i64 = 0;
        loop {
            a = a * 10 + (self.peek() - b'0') as i64;
            self.pos += 1;
            if !(self.peek().is_ascii_digit() && a <= (MAX_SIZE - 9) / 10) {
                return a;
            }
        }
    }

    /// A numeral that must be a valid integer size.
    fn getnumlimit(&mut self, df: i64) -> Result<usize, FmtError> {
        let sz = self.getnum(df);
        if sz > MAX_INT_SIZE || sz <= 0 {
            return Err(FmtError::Plain(
                format!("integral size ({}) out of limits [1,{}]", sz, MAX_INT_SIZE).into_bytes(),
            ));
        }
        Ok(sz as usize)
    }

    /// Reads and classifies the next option (PUC's getoption).
    fn option(&mut self) -> Result<(KOption, usize), FmtError> {
        let opt = self.peek();
        self.pos += 1;
        Ok(match opt {
            b'b' => (KOption::Int, 1),
            b'B' => (KOption::Uint, 1),
            b'h' => (KOption::Int, 2),
            b'H' => (KOption::Uint, 2),
            b'l' | b'j' => (KOption::Int, 8),
            b'L' | b'J' | b'T' => (KOption::Uint, 8),
            b'f' => (KOption::Float, 4),
            b'n' => (KOption::Number, 8),
            b'd' => (KOption::Double, 8),
            b'i' => (KOption::Int, self.getnumlimit(4)?),
            b'I' => (KOption::Uint, self.getnumlimit(4)?),
            b's' => (KOption::String, self.getnumlimit(8)?),
            b'c' => {
                let n = self.getnum(-1);
                if n == -1 {
                    return Err(FmtError::Plain(
                        b"missing size for format option 'c'".to_vec(),
                    ));
                }
                (KOption::Char, n as usize)
            }
            b'z' => (KOption::Zstr, 0),
            b'x' => (KOption::Padding, 1),
            b'X' => (KOption::PaddAlign, 0),
            b' ' => (KOption::Nop, 0),
            b'<' => {
                self.little = true;
                (KOption::Nop, 0)
            }
            b'>' => {
                self.little = false;
                (KOption::Nop, 0)
            }
            b'=' => {
                self.little = NATIVE_LITTLE;
                (KOption::Nop, 0)
            }
            b'!' => {
                self.maxalign = self.getnumlimit(NATIVE_ALIGN)? as i64;
                (KOption::Nop, 0)
            }
            _ => {
                let mut msg = b"invalid format option '".to_vec();
                msg.push(opt);
                msg.push(b'\'');
                return Err(FmtError::Plain(msg));
            }
        })
    }

    /// The next option with its alignment padding, given the running offset `total`
    /// (PUC's getdetails).
    fn details(&mut self, total: usize) -> Result<Details, FmtError> {
        let (opt, size) = self.option()?;
        let mut align = size as i64;
        if opt == KOption::PaddAlign {
            if self.at_end() {
                return Err(FmtError::Arg1("invalid next option for option 'X'"));
            }
            let (next, nsize) = self.option()?;
            align = nsize as i64;
            if next == KOption::Char || align == 0 {
                return Err(FmtError::Arg1("invalid next option for option 'X'"));
            }
        }
        let ntoalign = if align <= 1 || opt == KOption::Char {
            0
        } else {
            if align > self.maxalign {
                align = self.maxalign;
            }
            if align & (align - 1) != 0 {
                return Err(FmtError::Arg1("format asks for alignment not power of 2"));
            }
            let a = align as usize;
            (a - (total & (a - 1))) & (a - 1)
        };
        Ok(Details {
            opt,
            size,
            ntoalign,
        })
    }
}

// ---------------------------------------------------------------------- integer codecs

/// Appends `n` as a `size`-byte integer; bytes past the eighth repeat the sign.
fn pack_int(out: &mut Vec<u8>, n: u64, little: bool, size: usize, neg: bool) {
    let start = out.len();
    for i in 0..size {
        let b = if i < SZINT {
            (n >> (8 * i)) as u8
        } else if neg {
            0xFF
        } else {
            0
        };
        out.push(b);
    }
    if !little {
        out[start..].reverse();
    }
}

/// Reads a `size`-byte integer; `Err(())` when a wider-than-8-byte value does not fit.
fn unpack_int(data: &[u8], little: bool, size: usize, signed: bool) -> Result<i64, ()> {
    let byte = |i: usize| if little { data[i] } else { data[size - 1 - i] };
    let limit = size.min(SZINT);
    let mut res: u64 = 0;
    for i in (0..limit).rev() {
        res = (res << 8) | byte(i) as u64;
    }
    if size < SZINT {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            res = (res ^ mask).wrapping_sub(mask);
        }
    } else if size > SZINT {
        let mask = if !signed || (res as i64) >= 0 {
            0
        } else {
            0xFF
        };
        if (limit..size).any(|i| byte(i) != mask) {
            return Err(());
        }
    }
    Ok(res as i64)
}

/// Appends the bytes of a float in the requested byte order.
fn push_float_bytes(out: &mut Vec<u8>, le: &[u8], little: bool) {
    if little {
        out.extend_from_slice(le);
    } else {
        out.extend(le.iter().rev());
    }
}

/// `size` bytes of `data` in little-endian order.
fn read_le<const N: usize>(data: &[u8], little: bool) -> [u8; N] {
    let mut b = [0u8; N];
    b.copy_from_slice(&data[..N]);
    if !little {
        b.reverse();
    }
    b
}

// ---------------------------------------------------------------------- natives

/// The error for a value missing from `pack`'s arguments. PUC's `str_pack` pushes a nil
/// just above its arguments before checking them, so the first missing one reads as
/// nil rather than "no value".
fn missing_arg(st: &mut State, arg: usize, opt: KOption) -> Throw {
    let expected = match opt {
        KOption::Char | KOption::String | KOption::Zstr => "string",
        _ => "number",
    };
    st.arg_error(arg, &format!("{} expected, got nil", expected))
}

/// `string.pack(fmt, v1, v2, ...)`
fn str_pack(st: &mut State) -> LuaResult<usize> {
    let fmt_s = st.check_str(1)?;
    let mut rd = FormatReader::new(fmt_s.as_bytes());
    let mut arg = 1usize;
    let mut out: Vec<u8> = Vec::new();
    let mut total: usize = 0;
    while !rd.at_end() {
        let d = rd.details(total).map_err(|e| e.throw(st))?;
        let size = d.size;
        total = total.saturating_add(d.ntoalign + size);
        out.resize(out.len() + d.ntoalign, 0);
        arg += 1;
        if arg > st.nargs()
            && !matches!(d.opt, KOption::Padding | KOption::PaddAlign | KOption::Nop)
        {
            return Err(missing_arg(st, arg, d.opt));
        }
        match d.opt {
            KOption::Int => {
                let n = st.check_int(arg)?;
                if size < SZINT {
                    let lim = 1i64 << (size * 8 - 1);
                    if !(-lim <= n && n < lim) {
                        return Err(st.arg_error(arg, "integer overflow"));
                    }
                }
                pack_int(&mut out, n as u64, rd.little, size, n < 0);
            }
            KOption::Uint => {
                let n = st.check_int(arg)?;
                if size < SZINT && (n as u64) >= (1u64 << (size * 8)) {
                    return Err(st.arg_error(arg, "unsigned overflow"));
                }
                pack_int(&mut out, n as u64, rd.little, size, false);
            }
            KOption::Float => {
                let f = st.check_f64(arg)? as f32;
                push_float_bytes(&mut out, &f.to_le_bytes(), rd.little);
            }
            KOption::Number | KOption::Double => {
                let f = st.check_f64(arg)?;
                push_float_bytes(&mut out, &f.to_le_bytes(), rd.little);
            }
            KOption::Char => {
                let s = st.check_str(arg)?;
                let len = s.len();
                if len > size {
                    return Err(st.arg_error(arg, "string longer than given size"));
                }
                if out.len() + size >= MAX_STRING_SIZE {
                    return Err(st.error("resulting string too large"));
                }
                out.extend_from_slice(s.as_bytes());
                out.resize(out.len() + (size - len), 0);
            }
            KOption::String => {
                let s = st.check_str(arg)?;
                let len = s.len();
                if !(size >= SZINT || (len as u64) < (1u64 << (size * 8))) {
                    return Err(st.arg_error(arg, "string length does not fit in given size"));
                }
                pack_int(&mut out, len as u64, rd.little, size, false);
                out.extend_from_slice(s.as_bytes());
                total = total.saturating_add(len);
            }
            KOption::Zstr => {
                let s = st.check_str(arg)?;
                if s.as_bytes().contains(&0) {
                    return Err(st.arg_error(arg, "string contains zeros"));
                }
                out.extend_from_slice(s.as_bytes());
                out.push(0);
                total = total.saturating_add(s.len() + 1);
            }
            KOption::Padding => {
                out.push(0);
                arg -= 1;
            }
            KOption::PaddAlign | KOption::Nop => arg -= 1,
        }
        if out.len() >= MAX_STRING_SIZE {
            return Err(st.error("resulting string too large"));
        }
    }
    let v = st.string_value_owned(out);
    st.push(v);
    Ok(1)
}

/// `string.packsize(fmt)`
fn str_packsize(st: &mut State) -> LuaResult<usize> {
    let fmt_s = st.check_str(1)?;
    let mut rd = FormatReader::new(fmt_s.as_bytes());
    let mut total: i64 = 0;
    while !rd.at_end() {
        let d = rd.details(total as usize).map_err(|e| e.throw(st))?;
        if d.opt == KOption::String || d.opt == KOption::Zstr {
            return Err(st.arg_error(1, "variable-length format"));
        }
        let size = (d.size + d.ntoalign) as i64;
        if total > MAX_SIZE - size {
            return Err(st.arg_error(1, "format result too large"));
        }
        total += size;
    }
    st.push(Value::int(total));
    Ok(1)
}

/// `string.unpack(fmt, s [, pos])`
fn str_unpack(st: &mut State) -> LuaResult<usize> {
    let fmt_s = st.check_str(1)?;
    let data_s = st.check_str(2)?;
    let data = data_s.as_bytes();
    let ld = data.len();
    let ipos = st.opt_int(3, 1)?;
    // posrelatI, then 0-based
    let start = if ipos > 0 {
        ipos as u64
    } else if ipos == 0 || ipos.unsigned_abs() > ld as u64 {
        1
    } else {
        (ld as i64 + ipos + 1) as u64
    };
    let pos = start - 1;
    if pos > ld as u64 {
        return Err(st.arg_error(3, "initial position out of string"));
    }
    let mut pos = pos as usize;
    let mut rd = FormatReader::new(fmt_s.as_bytes());
    let mut n = 0usize;
    while !rd.at_end() {
        let d = rd.details(pos).map_err(|e| e.throw(st))?;
        let size = d.size;
        if (d.ntoalign as u64 + size as u64) > (ld - pos) as u64 {
            return Err(st.arg_error(2, "data string too short"));
        }
        pos += d.ntoalign;
        if !st.thread.get_mut().ensure(2) {
            return Err(st.error("stack overflow (too many results)"));
        }
        let little = rd.little;
        let here = &data[pos..];
        match d.opt {
            KOption::Int | KOption::Uint => {
                match unpack_int(here, little, size, d.opt == KOption::Int) {
                    Ok(v) => st.push(Value::int(v)),
                    Err(()) => {
                        return Err(st.error(format!(
                            "{}-byte integer does not fit into Lua Integer",
                            size
                        )))
                    }
                }
            }
            KOption::Float => {
                let f = f32::from_le_bytes(read_le::<4>(here, little));
                st.push(Value::float(f as f64));
            }
            KOption::Number | KOption::Double => {
                let f = f64::from_le_bytes(read_le::<8>(here, little));
                st.push(Value::float(f));
            }
            KOption::Char => st.push_str(&here[..size]),
            KOption::String => {
                let len = match unpack_int(here, little, size, false) {
                    Ok(v) => v as u64,
                    Err(()) => {
                        return Err(st.error(format!(
                            "{}-byte integer does not fit into Lua Integer",
                            size
                        )))
                    }
                };
                if len > (ld - pos - size) as u64 {
                    return Err(st.arg_error(2, "data string too short"));
                }
                let len = len as usize;
                st.push_str(&here[size..size + len]);
                pos += len;
            }
            KOption::Zstr => {
                let len = here.iter().position(|&c| c == 0).unwrap_or(here.len());
                if pos + len >= ld {
                    return Err(st.arg_error(2, "unfinished string for format 'z'"));
                }
                st.push_str(&here[..len]);
                pos += len + 1;
            }
            KOption::PaddAlign | KOption::Padding | KOption::Nop => n = n.wrapping_sub(1),
        }
        n = n.wrapping_add(1);
        pos += size;
    }
    st.push(Value::int(pos as i64 + 1));
    Ok(n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(fmt: &[u8]) -> Result<Vec<Details>, FmtError> {
        let mut rd = FormatReader::new(fmt);
        let mut total = 0;
        let mut v = Vec::new();
        while !rd.at_end() {
            let d = rd.details(total)?;
            total += d.ntoalign + d.size;
            v.push(d);
        }
        Ok(v)
    }

    #[test]
    fn sizes_and_alignment() {
        let sz: usize = all(b"!8 b Xh i4 i8 c1 Xi8")
            .unwrap()
            .iter()
            .map(|d| d.ntoalign + d.size)
            .sum();
        assert_eq!(sz, 24);
        let sz: usize = all(b" b b Xd b Xb x")
            .unwrap()
            .iter()
            .map(|d| d.ntoalign + d.size)
            .sum();
        assert_eq!(sz, 4);
        assert_eq!(
            all(b"!16 xXi16")
                .unwrap()
                .iter()
                .map(|d| d.ntoalign + d.size)
                .sum::<usize>(),
            16
        );
    }

    #[test]
    fn format_errors() {
        assert_eq!(
            all(b"i0"),
            Err(FmtError::Plain(
                b"integral size (0) out of limits [1,16]".to_vec()
            ))
        );
        assert_eq!(
            all(b"i3r"),
            Err(FmtError::Plain(b"invalid format option 'r'".to_vec()))
        );
        assert_eq!(
            all(b"!4i3"),
            Err(FmtError::Arg1("format asks for alignment not power of 2"))
        );
        assert_eq!(
            all(b"X"),
            Err(FmtError::Arg1("invalid next option for option 'X'"))
        );
        assert_eq!(
            all(b"Xc1"),
            Err(FmtError::Arg1("invalid next option for option 'X'"))
        );
        assert!(matches!(all(b"c1000000000000"), Err(FmtError::Plain(_))));
        // a zero byte ends the format
        assert_eq!(all(b"b\0garbage").unwrap().len(), 1);
    }

    #[test]
    fn integers() {
        let mut v = Vec::new();
        pack_int(&mut v, (-2i64) as u64, true, 12, true);
        assert_eq!(
            v,
            [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(unpack_int(&v, true, 12, true), Ok(-2));
        assert_eq!(unpack_int(&v, true, 12, false), Err(()));
        let mut v = Vec::new();
        pack_int(&mut v, 0x0102, false, 3, false);
        assert_eq!(v, [0, 1, 2]);
        assert_eq!(unpack_int(&v, false, 3, true), Ok(0x0102));
        assert_eq!(unpack_int(&[0xF0, 0xFF], true, 2, true), Ok(-16));
        assert_eq!(unpack_int(&[0xF0, 0xFF], true, 2, false), Ok(0xFFF0));
    }
}
