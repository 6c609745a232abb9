//! `string.format`: C's printf conversions reimplemented in Rust, with PUC Lua 5.4's
//! validation of conversion specifications and its `%q` literal syntax.
//!
//! The pure formatting routines ([`Spec`], [`fmt_int`], [`fmt_float`], [`quote_string`],
//! ...) work on plain Rust values and are unit-tested below; [`str_format`] is the
//! native that reads Lua arguments and drives them.
//!
//! Floating-point output must match glibc's byte for byte: `%e`/`%f` use Rust's exact
//! decimal conversion (correctly rounded, ties to even, like glibc in the default
//! rounding mode), `%g` is derived from `%e` as C specifies, and `%a` prints the binary
//! fraction directly (glibc's style: normal numbers as `0x1.xxxp+e`, subnormals as
//! `0x0.xxxp-1022`).

use ferrous_runtime::state::MAX_STRING_SIZE;
use ferrous_runtime::value::{TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_LIGHTUD, TAG_NIL, TAG_STRING};
use ferrous_runtime::{LuaResult, State, Value};

use crate::vm::api;

/// Longest conversion specification PUC accepts (MAX_FORMAT - 10 in lstrlib.c).
const MAX_SPEC: usize = 22;

/// Flags accepted per conversion (PUC's L_FMTFLAGS*).
const FLAGS_F: &[u8] = b"-+#0 ";
const FLAGS_X: &[u8] = b"-#0";
const FLAGS_I: &[u8] = b"-+0 ";
const FLAGS_U: &[u8] = b"-0";
const FLAGS_C: &[u8] = b"-";

/// A parsed conversion specification (`%-+ #0<width>.<precision><conv>`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Spec {
    pub minus: bool,
    pub plus: bool,
    pub space: bool,
    pub hash: bool,
    pub zero: bool,
    pub width: usize,
    pub precision: Option<usize>,
    pub conv: u8,
}

impl Spec {
    /// Parses a specification already validated by [`check_spec`] (`form` starts with
    /// '%' and ends with the conversion letter).
    pub fn parse(form: &[u8]) -> Spec {
        let mut sp = Spec {
            conv: *form.last().unwrap_or(&0),
            ..Spec::default()
        };
        let body = &form[1..form.len().saturating_sub(1).max(1)];
        let mut i = 0;
        while i < body.len() {
            match body[i] {
                b'-' => sp.minus = true,
                b'+' => sp.plus = true,
                b' ' => sp.space = true,
                b'#' => sp.hash = true,
                b'0' => sp.zero = true,
                _ => break,
            }
            i += 1;
        }
        while i < body.len() && body[i].is_ascii_digit() {
            sp.width = sp.width * 10 + (body[i] - b'0') as usize;
            i += 1;
        }
        if i < body.len() && body[i] == b'.' {
            i += 1;
            let mut p = 0;
            while i < body.len() && body[i].is_ascii_digit() {
                p = p * 10 + (body[i] - b'0') as usize;
                i += 1;
            }
            sp.precision = Some(p);
        }
        sp
    }
}

/// PUC's `checkformat`: flags from `flags`, then a width of at most two digits (not
/// starting with '0'), then (if `precision`) '.' and at most two digits, then the
/// conversion letter. Returns false when the specification is invalid.
pub fn check_spec(form: &[u8], flags: &[u8], precision: bool) -> bool {
    let at = |i: usize| form.get(i).copied().unwrap_or(0);
    let mut i = 1;
    while flags.contains(&at(i)) && at(i) != 0 {
        i += 1;
    }
    let two_digits = |mut i: usize| {
        if at(i).is_ascii_digit() {
            i += 1;
            if at(i).is_ascii_digit() {
                i += 1;
            }
        }
        i
    };
    if at(i) != b'0' {
        i = two_digits(i);
        if at(i) == b'.' && precision {
            i = two_digits(i + 1);
        }
    }
    at(i).is_ascii_alphabetic() && i + 1 == form.len()
}

/// Appends `body` with the sign/prefix `prefix`, padded to the spec's width: spaces on
/// the left (or right with '-'), or zeros between prefix and body when `zero_ok`.
fn pad(out: &mut Vec<u8>, sp: &Spec, prefix: &[u8], body: &[u8], zero_ok: bool) {
    let len = prefix.len() + body.len();
    let fill = sp.width.saturating_sub(len);
    if sp.minus {
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
        out.resize(out.len() + fill, b' ');
    } else if sp.zero && zero_ok {
        out.extend_from_slice(prefix);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(prefix);
        out.extend_from_slice(body);
    }
}

/// `%d %i %u %o %x %X` of an integer (`u o x X` see it as unsigned).
pub fn fmt_int(out: &mut Vec<u8>, sp: &Spec, n: i64) {
    let signed = matches!(sp.conv, b'd' | b'i');
    let mag: u64 = if signed { n.unsigned_abs() } else { n as u64 };
    let mut digits = match sp.conv {
        b'o' => format!("{mag:o}"),
        b'x' => format!("{mag:x}"),
        b'X' => format!("{mag:X}"),
        _ => mag.to_string(),
    }
    .into_bytes();
    if let Some(p) = sp.precision {
        if p == 0 && mag == 0 {
            digits.clear();
        }
        if digits.len() < p {
            let mut z = vec![b'0'; p - digits.len()];
            z.extend_from_slice(&digits);
            digits = z;
        }
    }
    let mut prefix: &[u8] = b"";
    if signed {
        if n < 0 {
            prefix = b"-";
        } else if sp.plus {
            prefix = b"+";
        } else if sp.space {
            prefix = b" ";
        }
    } else if sp.hash {
        match sp.conv {
            b'o' if digits.first() != Some(&b'0') => digits.insert(0, b'0'),
            b'x' if mag != 0 => prefix = b"0x",
            b'X' if mag != 0 => prefix = b"0X",
            _ => {}
        }
    }
    pad(out, sp, prefix, &digits, sp.precision.is_none());
}

/// `%e` body of a non-negative finite float: `d.ddde+XX`.
fn exp_form(a: f64, prec: usize, hash: bool, upper: bool) -> (Vec<u8>, i32) {
    let s = format!("{:.*e}", prec, a);
    let (mant, exp) = s.split_once('e').unwrap();
    let x: i32 = exp.parse().unwrap();
    let mut body = mant.as_bytes().to_vec();
    if hash && prec == 0 {
        body.push(b'.');
    }
    body.push(if upper { b'E' } else { b'e' });
    body.push(if x < 0 { b'-' } else { b'+' });
    let ax = x.unsigned_abs();
    if ax < 10 {
        body.push(b'0');
    }
    body.extend_from_slice(ax.to_string().as_bytes());
    (body, x)
}

/// Removes trailing zeros of the fraction (and a bare point) in a `%g` body.
fn strip_fraction_zeros(body: &mut Vec<u8>) {
    let epos = body
        .iter()
        .position(|&c| c == b'e' || c == b'E')
        .unwrap_or(body.len());
    let (mant, exp) = body.split_at(epos);
    if !mant.contains(&b'.') {
        return;
    }
    let mut end = mant.len();
    while end > 0 && mant[end - 1] == b'0' {
        end -= 1;
    }
    if end > 0 && mant[end - 1] == b'.' {
        end -= 1;
    }
    let mut r = mant[..end].to_vec();
    r.extend_from_slice(exp);
    *body = r;
}

/// `%a` body of a non-negative finite float (without sign): glibc's hexadecimal form.
fn hex_form(a: f64, prec: Option<usize>, hash: bool, upper: bool) -> Vec<u8> {
    let bits = a.to_bits();
    let bexp = ((bits >> 52) & 0x7ff) as i32;
    let mut frac = bits & ((1u64 << 52) - 1);
    let (mut lead, exp) = match (bexp, frac) {
        (0, 0) => (0u64, 0),
        (0, _) => (0, -1022),
        _ => (1, bexp - 1023),
    };
    let ndig = match prec {
        None => {
            // shortest exact: drop trailing zero nibbles
            let mut n = 13;
            while n > 0 && frac & 0xf == 0 {
                frac >>= 4;
                n -= 1;
            }
            n
        }
        Some(p) if p < 13 => {
            let shift = 4 * (13 - p) as u32;
            let keep = frac >> shift;
            let rem = frac & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let mut k = keep;
            if rem > half || (rem == half && (keep & 1 == 1 || (p == 0 && lead & 1 == 1))) {
                k += 1;
            }
            if p == 0 {
                lead += k;
                frac = 0;
            } else if k >> (4 * p) != 0 {
                lead += 1;
                frac = k & ((1u64 << (4 * p)) - 1);
            } else {
                frac = k;
            }
            p
        }
        Some(p) => p,
    };
    let mut digits = if ndig == 0 {
        String::new()
    } else if ndig <= 13 {
        format!("{:0width$x}", frac, width = ndig)
    } else {
        format!("{:013x}{}", frac, "0".repeat(ndig - 13))
    };
    if ndig == 0 {
        digits.clear();
    }
    let mut s = format!("{lead}");
    if !digits.is_empty() || hash {
        s.push('.');
        s.push_str(&digits);
    }
    s.push_str(&format!("p{:+}", exp));
    if upper {
        s = s.to_ascii_uppercase();
    }
    s.into_bytes()
}

/// `%e %E %f %F %g %G %a %A` of a float.
pub fn fmt_float(out: &mut Vec<u8>, sp: &Spec, f: f64) {
    let upper = sp.conv.is_ascii_uppercase();
    let mut prefix: Vec<u8> = Vec::new();
    if f.is_sign_negative() {
        prefix.push(b'-');
    } else if sp.plus {
        prefix.push(b'+');
    } else if sp.space {
        prefix.push(b' ');
    }
    if !f.is_finite() {
        let body: &[u8] = match (f.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        pad(out, sp, &prefix, body, false);
        return;
    }
    let a = f.abs();
    let body = match sp.conv.to_ascii_lowercase() {
        b'e' => exp_form(a, sp.precision.unwrap_or(6), sp.hash, upper).0,
        b'f' => {
            let mut b = format!("{:.*}", sp.precision.unwrap_or(6), a).into_bytes();
            if sp.hash && sp.precision == Some(0) {
                b.push(b'.');
            }
            b
        }
        b'g' => {
            let p = match sp.precision {
                None => 6,
                Some(0) => 1,
                Some(p) => p,
            };
            let (ebody, x) = exp_form(a, p - 1, sp.hash, upper);
            // glibc picks the style from the unrounded exponent: when rounding carries
            // a value with `p` integer digits into `p + 1`, it prints "1.e+XX".
            let x0: i32 = format!("{a:e}").split_once('e').unwrap().1.parse().unwrap();
            let mut b = if sp.hash && x as i64 == p as i64 && x0 as i64 == p as i64 - 1 {
                exp_form(a, 0, true, upper).0
            } else if (x as i64) < p as i64 && x >= -4 {
                let mut b = format!("{:.*}", (p as i64 - 1 - x as i64) as usize, a).into_bytes();
                if sp.hash && !b.contains(&b'.') {
                    b.push(b'.');
                }
                b
            } else {
                ebody
            };
            if !sp.hash {
                strip_fraction_zeros(&mut b);
            }
            b
        }
        _ => {
            prefix.extend_from_slice(if upper { b"0X" } else { b"0x" });
            hex_form(a, sp.precision, sp.hash, upper)
        }
    };
    pad(out, sp, &prefix, &body, true);
}

/// `%q` of a string: a Lua string literal (PUC's `addquoted`).
pub fn quote_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for (i, &c) in s.iter().enumerate() {
        if c == b'"' || c == b'\\' || c == b'\n' {
            out.push(b'\\');
            out.push(c);
        } else if c < 32 || c == 127 {
            let next_digit = s.get(i + 1).is_some_and(|d| d.is_ascii_digit());
            if next_digit {
                out.extend_from_slice(format!("\\{c:03}").as_bytes());
            } else {
                out.extend_from_slice(format!("\\{c}").as_bytes());
            }
        } else {
            out.push(c);
        }
    }
    out.push(b'"');
}

/// `%q` of a float: hexadecimal, with the special values written as expressions.
pub fn quote_float(out: &mut Vec<u8>, f: f64) {
    if f == f64::INFINITY {
        out.extend_from_slice(b"1e9999");
    } else if f == f64::NEG_INFINITY {
        out.extend_from_slice(b"-1e9999");
    } else if f.is_nan() {
        out.extend_from_slice(b"(0/0)");
    } else {
        fmt_float(
            out,
            &Spec {
                conv: b'a',
                ..Spec::default()
            },
            f,
        );
    }
}

/// `%q` of an integer (mininteger in hex, since `-9223372036854775808` reads as a float).
pub fn quote_int(out: &mut Vec<u8>, n: i64) {
    if n == i64::MIN {
        out.extend_from_slice(format!("0x{:x}", n).as_bytes());
    } else {
        out.extend_from_slice(n.to_string().as_bytes());
    }
}

/// Splits the conversion specification starting after a '%' at `fmt[i..]` (PUC's
/// `getformat`): returns the form (`%` plus flags, digits, '.', and the conversion
/// byte, absent at the end of the format) and the index after it.
fn get_form(fmt: &[u8], i: usize) -> Result<(Vec<u8>, usize), ()> {
    let span = fmt[i..]
        .iter()
        .take_while(|c| b"-+#0 123456789.".contains(c))
        .count();
    let len = span + 1;
    if len >= MAX_SPEC {
        return Err(());
    }
    let mut form = vec![b'%'];
    let end = (i + len).min(fmt.len());
    form.extend_from_slice(&fmt[i..end]);
    Ok((form, i + len))
}

fn form_str(form: &[u8]) -> String {
    // PUC prints the form with %s: it stops at a NUL byte.
    let end = form.iter().position(|&c| c == 0).unwrap_or(form.len());
    String::from_utf8_lossy(&form[..end]).into_owned()
}

/// `string.format(fmt, ...)`.
pub fn str_format(st: &mut State) -> LuaResult<usize> {
    let top = st.nargs();
    let fs = st.check_str(1)?;
    let fmt = fs.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(fmt.len() + 16);
    let mut arg = 1;
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        arg += 1;
        if arg > top {
            return Err(st.arg_error(arg, "no value"));
        }
        let (form, next) = match get_form(fmt, i) {
            Ok(x) => x,
            Err(()) => return Err(st.error("invalid format (too long)")),
        };
        i = next;
        let conv = if form.len() >= 2 && next <= fmt.len() {
            *form.last().unwrap()
        } else {
            0
        };
        let bad_spec = |st: &mut State, form: &[u8]| {
            st.error(format!(
                "invalid conversion specification: '{}'",
                form_str(form)
            ))
        };
        match conv {
            b'c' => {
                if !check_spec(&form, FLAGS_C, false) {
                    return Err(bad_spec(st, &form));
                }
                let n = st.check_int(arg)?;
                pad(&mut out, &Spec::parse(&form), b"", &[n as u8], false);
            }
            b'd' | b'i' | b'u' | b'o' | b'x' | b'X' => {
                let n = st.check_int(arg)?;
                let flags = match conv {
                    b'd' | b'i' => FLAGS_I,
                    b'u' => FLAGS_U,
                    _ => FLAGS_X,
                };
                if !check_spec(&form, flags, true) {
                    return Err(bad_spec(st, &form));
                }
                fmt_int(&mut out, &Spec::parse(&form), n);
            }
            b'a' | b'A' | b'e' | b'E' | b'f' | b'g' | b'G' => {
                if matches!(conv, b'a' | b'A') && !check_spec(&form, FLAGS_F, true) {
                    return Err(bad_spec(st, &form));
                }
                let n = st.check_f64(arg)?;
                if !check_spec(&form, FLAGS_F, true) {
                    return Err(bad_spec(st, &form));
                }
                fmt_float(&mut out, &Spec::parse(&form), n);
            }
            b'p' => {
                if !check_spec(&form, FLAGS_C, false) {
                    return Err(bad_spec(st, &form));
                }
                let v = st.arg(arg);
                let addr = match v.tag() {
                    TAG_NIL | TAG_BOOL | TAG_INT | TAG_FLOAT => 0,
                    TAG_LIGHTUD => v.payload() as usize,
                    _ => v.object_addr(),
                };
                let body = if addr == 0 {
                    "(null)".to_string()
                } else {
                    format!("{addr:#x}")
                };
                pad(&mut out, &Spec::parse(&form), b"", body.as_bytes(), false);
            }
            b'q' => {
                if form.len() > 2 {
                    return Err(st.error("specifier '%q' cannot have modifiers"));
                }
                add_literal(st, &mut out, arg)?;
            }
            b's' => {
                let v = st.arg(arg);
                let s = api::tostring(st, v)?;
                // keep the converted string reachable while we read it
                st.set_arg(arg, Value::string(s));
                let bytes = s.as_bytes();
                if form.len() == 2 {
                    out.extend_from_slice(bytes);
                } else {
                    if bytes.contains(&0) {
                        return Err(st.arg_error(arg, "string contains zeros"));
                    }
                    if !check_spec(&form, FLAGS_C, true) {
                        return Err(bad_spec(st, &form));
                    }
                    let sp = Spec::parse(&form);
                    if sp.precision.is_none() && bytes.len() >= 100 {
                        out.extend_from_slice(bytes);
                    } else {
                        let n = sp.precision.map_or(bytes.len(), |p| p.min(bytes.len()));
                        pad(&mut out, &sp, b"", &bytes[..n], false);
                    }
                }
            }
            _ => {
                return Err(st.error(format!(
                    "invalid conversion '{}' to 'format'",
                    form_str(&form)
                )))
            }
        }
        if out.len() >= MAX_STRING_SIZE {
            return Err(st.error("resulting string too large"));
        }
    }
    let v = st.string_value_owned(out);
    st.push(v);
    Ok(1)
}

/// `%q` of argument `arg`.
fn add_literal(st: &mut State, out: &mut Vec<u8>, arg: usize) -> LuaResult<()> {
    let v = st.arg(arg);
    match v.tag() {
        TAG_STRING => quote_string(out, v.as_string().unwrap().as_bytes()),
        TAG_INT => quote_int(out, v.as_int_unchecked()),
        // an integral float prints in hex too ("0x1p+0"), so it reads back as a float
        TAG_FLOAT => quote_float(out, v.as_float_unchecked()),
        TAG_NIL => out.extend_from_slice(b"nil"),
        TAG_BOOL => out.extend_from_slice(if v.truthy() { b"true" } else { b"false" }),
        _ => return Err(st.arg_error(arg, "value has no literal form")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(form: &str) -> Spec {
        Spec::parse(form.as_bytes())
    }
    fn fi(form: &str, n: i64) -> String {
        let mut o = Vec::new();
        fmt_int(&mut o, &spec(form), n);
        String::from_utf8(o).unwrap()
    }
    fn ff(form: &str, f: f64) -> String {
        let mut o = Vec::new();
        fmt_float(&mut o, &spec(form), f);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn integers() {
        assert_eq!(fi("%d", 10), "10");
        assert_eq!(fi("%010d", 23), "0000000023");
        assert_eq!(fi("%+08d", 31501), "+0031501");
        assert_eq!(fi("%+08d", -30927), "-0030927");
        assert_eq!(fi("%x", -1), "ffffffffffffffff");
        assert_eq!(fi("%08X", 0xFFFFFFFF), "FFFFFFFF");
        assert_eq!(fi("%u", -1), "18446744073709551615");
        assert_eq!(fi("%o", 0xABCD), "125715");
        assert_eq!(fi("%#12o", 10), "         012");
        assert_eq!(fi("%#10x", 100), "      0x64");
        assert_eq!(fi("%#-17X", 100), "0X64             ");
        assert_eq!(fi("%013i", -100), "-000000000100");
        assert_eq!(fi("%2.5d", -100), "-00100");
        assert_eq!(fi("%.u", 0), "");
        assert_eq!(fi("%#x", 0), "0");
        assert_eq!(fi("%#.0o", 0), "0");
        assert_eq!(fi("%+.3d", 5), "+005");
        assert_eq!(fi("% d", 5), " 5");
        assert_eq!(fi("%d", i64::MIN), "-9223372036854775808");
        assert_eq!(fi("%05.2d", 1), "   01");
    }

    #[test]
    fn floats() {
        assert_eq!(ff("%f", 10.3), "10.300000");
        assert_eq!(ff("%+#014.0f", 100.0), "+000000000100.");
        assert_eq!(ff("%+.3G", 1.5), "+1.5");
        assert_eq!(ff("% 1.0E", 100.0), " 1E+02");
        assert_eq!(ff("% .1g", 1024.0), " 1e+03");
        assert_eq!(ff("%.0e", 12345.0), "1e+04");
        assert_eq!(ff("%#.0e", 5.0), "5.e+00");
        assert_eq!(ff("%#g", 1.0), "1.00000");
        assert_eq!(ff("%g", 1e-5), "1e-05");
        assert_eq!(ff("%g", 123456789.0), "1.23457e+08");
        assert_eq!(ff("%.3g", 0.0001234), "0.000123");
        assert_eq!(ff("%010.2f", -3.25), "-000003.25");
        assert_eq!(ff("%-+8.1e", 2.5), "+2.5e+00");
        assert_eq!(ff("%e", 1e300), "1.000000e+300");
        assert_eq!(ff("%g", 100000.0), "100000");
        assert_eq!(ff("%g", 1e6), "1e+06");
        assert_eq!(ff("%g", 0.0), "0");
        assert_eq!(ff("%g", -0.0), "-0");
        assert_eq!(ff("%.14g", 0.1), "0.1");
        assert_eq!(ff("%5.1f", -f64::NAN), " -nan");
        assert_eq!(ff("%08.3f", f64::NEG_INFINITY), "    -inf");
        assert_eq!(ff("%010g", f64::INFINITY), "       inf");
        assert_eq!(ff("%E", f64::INFINITY), "INF");
        assert_eq!(ff("%.1f", 0.25), "0.2");
        assert_eq!(ff("%#g", 999999.5), "1.e+06");
        assert_eq!(ff("%#.3g", 99.95), "100.");
        assert_eq!(ff("%#.3g", 999.5), "1.e+03");
        assert_eq!(ff("%#.3g", 0.9995), "1.00");
        assert_eq!(ff("%.0f", 0.5), "0");
        assert_eq!(ff("%.0f", 1.5), "2");
        assert_eq!(ff("%.99f", -1e308).len(), 1 + 309 + 1 + 99);
    }

    #[test]
    fn hex_floats() {
        assert_eq!(ff("%.1a", 1.96875), "0x2.0p+0");
        assert_eq!(ff("%.0a", 1.5), "0x2p+0");
        assert_eq!(ff("%#.0a", 1.0), "0x1.p+0");
        assert_eq!(ff("%.2a", 1.0), "0x1.00p+0");
        assert_eq!(ff("%010a", 1.0), "0x00001p+0");
        assert_eq!(ff("%A", 255.5), "0X1.FFP+7");
        assert_eq!(ff("%.3a", f64::from_bits(1)), "0x0.000p-1022");
        assert_eq!(ff("%a", f64::from_bits(1)), "0x0.0000000000001p-1022");
        assert_eq!(ff("%a", -0.0), "-0x0p+0");
        assert_eq!(ff("%a", 0.1), "0x1.999999999999ap-4");
        assert_eq!(ff("%5.1a", 3.0), "0x1.8p+1");
        assert_eq!(ff("%-+20.3A", -1e300), "-0X1.7E4P+996       ");
        assert_eq!(ff("%a", 1.0), "0x1p+0");
        assert_eq!(ff("%.20a", 1.0), "0x1.00000000000000000000p+0");
    }

    #[test]
    fn quoting() {
        let mut o = Vec::new();
        quote_string(&mut o, b"a\n\x001\r\0x\x7f\x80\"\\");
        assert_eq!(o, b"\"a\\\n\\0001\\13\\0x\\127\x80\\\"\\\\\"".to_vec());
        let q = |f: f64| {
            let mut o = Vec::new();
            quote_float(&mut o, f);
            String::from_utf8(o).unwrap()
        };
        assert_eq!(q(1.0), "0x1p+0");
        assert_eq!(q(f64::INFINITY), "1e9999");
        assert_eq!(q(f64::NEG_INFINITY), "-1e9999");
        assert_eq!(q(f64::NAN), "(0/0)");
        let mut o = Vec::new();
        quote_int(&mut o, i64::MIN);
        assert_eq!(o, b"0x8000000000000000");
    }

    #[test]
    fn spec_checks() {
        assert!(check_spec(b"%10.3d", FLAGS_I, true));
        assert!(!check_spec(b"%100.3d", FLAGS_I, true));
        assert!(!check_spec(b"%1.100d", FLAGS_I, true));
        assert!(!check_spec(b"%010c", FLAGS_C, false));
        assert!(!check_spec(b"%.10c", FLAGS_C, false));
        assert!(!check_spec(b"%0.34s", FLAGS_C, true));
        assert!(!check_spec(b"%#i", FLAGS_I, true));
        assert!(!check_spec(b"%3.1p", FLAGS_C, false));
        assert!(!check_spec(b"%0.s", FLAGS_C, true));
        assert!(check_spec(b"%.s", FLAGS_C, true));
        assert!(check_spec(b"%-16c", FLAGS_C, false));
        assert_eq!(get_form(b"10.3q", 0).unwrap().0, b"%10.3q");
        assert!(get_form("0".repeat(30).as_bytes(), 0).is_err());
    }
}
