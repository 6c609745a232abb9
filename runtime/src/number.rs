//! Number conversions with PUC Lua's exact behaviour.
//!
//! - [`str_to_number`] is `luaO_str2num`: the conversion used by the lexer, by `tonumber`
//!   and by string-to-number coercion. Decimal integers that overflow become floats, hex
//!   integers wrap modulo 2^64, hex floats take a binary exponent, and the words "inf" and
//!   "nan" are not numerals.
//! - [`fmt_g`] is C's `printf("%.Ng")`, and [`float_to_str`] is Lua's `tostring` for floats
//!   (`%.14g`, plus ".0" when the result would read as an integer).
//!
//! Everything here is pure and allocation-light; no unsafe.

/// A Lua number: integer or float subtype.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// C's `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// Converts a numeral (with optional surrounding whitespace and sign) the way Lua does.
/// Returns `None` unless the whole string is one numeral.
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    if let Some(i) = str_to_int(s) {
        return Some(Number::Int(i));
    }
    str_to_float(s).map(Number::Float)
}

/// Trims C whitespace on both sides.
fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// Splits an optional sign; returns (negative, rest).
fn split_sign(s: &[u8]) -> (bool, &[u8]) {
    match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

fn is_hex_prefix(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X')
}

/// `l_str2int`: decimal integers fail on overflow, hex integers wrap around.
fn str_to_int(s: &[u8]) -> Option<i64> {
    let (neg, s) = split_sign(trim(s));
    let mut a: u64 = 0;
    if is_hex_prefix(s) {
        let digits = &s[2..];
        if digits.is_empty() {
            return None;
        }
        for &c in digits {
            a = a.wrapping_mul(16).wrapping_add(hex_value(c)? as u64);
        }
    } else {
        if s.is_empty() {
            return None;
        }
        // The magnitude may reach 2^63 only when negative.
        let limit: u64 = if neg { 1 << 63 } else { i64::MAX as u64 };
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            a = a.checked_mul(10)?.checked_add((c - b'0') as u64)?;
            if a > limit {
                return None;
            }
        }
    }
    let v = a as i64;
    Some(if neg { v.wrapping_neg() } else { v })
}

/// `l_str2d`: decimal floats through a correctly rounded parser, hex floats through
/// [`hex_to_float`]. Rejects anything containing 'n' or 'N' ("inf", "nan").
fn str_to_float(s: &[u8]) -> Option<f64> {
    if s.iter().any(|&c| c == b'n' || c == b'N') {
        return None;
    }
    let t = trim(s);
    let (neg, body) = split_sign(t);
    if is_hex_prefix(body) {
        let v = hex_to_float(&body[2..])?;
        return Some(if neg { -v } else { v });
    }
    // Validate the decimal grammar: digits [. digits] [e [sign] digits], at least one
    // mantissa digit.
    let mut i = 0;
    let mut ndig = 0;
    while i < body.len() && body[i].is_ascii_digit() {
        i += 1;
        ndig += 1;
    }
    if i < body.len() && body[i] == b'.' {
        i += 1;
        while i < body.len() && body[i].is_ascii_digit() {
            i += 1;
            ndig += 1;
        }
    }
    if ndig == 0 {
        return None;
    }
    if i < body.len() && (body[i] == b'e' || body[i] == b'E') {
        i += 1;
        if i < body.len() && (body[i] == b'+' || body[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < body.len() && body[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != body.len() {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    let v: f64 = text.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Parses the part of a hex float after "0x": `hexdigits [. hexdigits] [p [sign] digits]`,
/// correctly rounded to nearest-even like glibc's `strtod`.
fn hex_to_float(s: &[u8]) -> Option<f64> {
    let mut mant: u64 = 0;
    let mut exp: i64 = 0; // value = mant * 2^exp (before the 'p' part)
    let mut sticky = false;
    let mut any_digit = false;
    let mut seen_dot = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' {
            if seen_dot {
                return None;
            }
            seen_dot = true;
        } else if let Some(d) = hex_value(c) {
            any_digit = true;
            if mant >> 60 == 0 {
                mant = mant * 16 + d as u64;
                if seen_dot {
                    exp -= 4;
                }
            } else {
                // No room: drop the digit but remember it for rounding.
                sticky |= d != 0;
                if !seen_dot {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if i < s.len() && (s[i] == b'p' || s[i] == b'P') {
        i += 1;
        let (eneg, rest) = split_sign(&s[i..]);
        if rest.is_empty() {
            return None;
        }
        let mut e: i64 = 0;
        for &c in rest {
            if !c.is_ascii_digit() {
                return None;
            }
            e = (e * 10 + (c - b'0') as i64).min(1 << 20);
        }
        exp += if eneg { -e } else { e };
    } else if i != s.len() {
        return None;
    }
    Some(make_float(mant, exp, sticky))
}

/// Rounds `mant * 2^exp` (plus a sticky bit below `mant`) to the nearest double.
fn make_float(mant: u64, exp: i64, sticky: bool) -> f64 {
    if mant == 0 {
        return 0.0;
    }
    let bitlen = 64 - mant.leading_zeros() as i64;
    let top = exp + bitlen - 1; // exponent of the leading bit
    if top > 1023 {
        return f64::INFINITY;
    }
    // Bits of precision available at this magnitude (fewer for subnormals).
    let keep = if top >= -1022 { 53 } else { 53 - (-1022 - top) };
    if keep <= 0 {
        // Below half of the smallest subnormal, or exactly rounding to it.
        if keep == 0 {
            let half = mant == 1u64 << (bitlen - 1) && !sticky;
            return if half { 0.0 } else { f64::from_bits(1) };
        }
        return 0.0;
    }
    let shift = (bitlen - keep).max(0);
    let mut m = mant;
    let mut e = exp;
    if shift > 0 {
        let rem = mant & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        m = mant >> shift;
        e += shift;
        let round_up = rem > half || (rem == half && (sticky || m & 1 == 1));
        if round_up {
            m += 1;
        }
    }
    // m has at most 54 bits, so the conversion is exact; scale in exact steps.
    let mut v = m as f64;
    while e > 0 {
        let step = e.min(1000);
        v *= 2f64.powi(step as i32);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        v /= 2f64.powi(step as i32);
        e += step;
    }
    v
}

/// C's `printf("%.<precision>g", f)`.
pub fn fmt_g(f: f64, precision: usize) -> String {
    let neg = f.is_sign_negative();
    let sign = if neg { "-" } else { "" };
    if f.is_nan() {
        return format!("{sign}nan");
    }
    if f.is_infinite() {
        return format!("{sign}inf");
    }
    let p = precision.max(1);
    let a = f.abs();
    let e_form = format!("{:.*e}", p - 1, a);
    let epos = e_form.find('e').unwrap_or(e_form.len());
    let x: i64 = e_form[epos + 1..].parse().unwrap_or(0);
    if x >= -4 && x < p as i64 {
        let fixed = format!("{:.*}", (p as i64 - 1 - x) as usize, a);
        format!("{sign}{}", strip_zeros(&fixed))
    } else {
        let mant = strip_zeros(&e_form[..epos]);
        let esign = if x < 0 { '-' } else { '+' };
        format!("{sign}{mant}e{esign}{:02}", x.abs())
    }
}

/// Removes trailing zeros after a decimal point, and the point itself if nothing follows.
fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// Lua's `tostring` for a float: `%.14g`, with ".0" added when it looks like an integer.
pub fn float_to_str(f: f64) -> String {
    let mut s = fmt_g(f, 14);
    if s.bytes().all(|c| c == b'-' || c.is_ascii_digit()) {
        s.push_str(".0");
    }
    s
}

// Lua 5.4's arithmetic where it differs from the machine's: floor division, modulo
// with the divisor's sign, shifts that give 0 past the word. The interpreter, the IR's
// constant folding and JIT helpers all use these.

/// Integer modulo (`b` nonzero).
#[inline]
pub fn lua_imod(a: i64, b: i64) -> i64 {
    let m = a.wrapping_rem(b);
    if m != 0 && (m ^ b) < 0 {
        m + b
    } else {
        m
    }
}

/// Integer floor division (`b` nonzero).
#[inline]
pub fn lua_idiv(a: i64, b: i64) -> i64 {
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && (a ^ b) < 0 {
        q - 1
    } else {
        q
    }
}

/// Float modulo: `fmod`, moved to the sign of `b`.
#[inline]
pub fn lua_fmod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if if m > 0.0 { b < 0.0 } else { m < 0.0 && b > 0.0 } {
        m + b
    } else {
        m
    }
}

/// Shift left by `y`, right (logical) for negative `y`.
#[inline]
pub fn shift_left(x: i64, y: i64) -> i64 {
    if y <= -64 || y >= 64 {
        0
    } else if y >= 0 {
        ((x as u64) << y) as i64
    } else {
        ((x as u64) >> (-y)) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(s: &str) -> Option<Number> {
        str_to_number(s.as_bytes())
    }

    #[test]
    fn integers() {
        assert_eq!(n("10"), Some(Number::Int(10)));
        assert_eq!(n("  -10  "), Some(Number::Int(-10)));
        assert_eq!(n("+7"), Some(Number::Int(7)));
        assert_eq!(n("9223372036854775807"), Some(Number::Int(i64::MAX)));
        assert_eq!(n("-9223372036854775808"), Some(Number::Int(i64::MIN)));
        assert_eq!(
            n("9223372036854775808"),
            Some(Number::Float(9223372036854775808.0))
        );
        assert_eq!(n("0x10"), Some(Number::Int(16)));
        assert_eq!(n("0xffffffffffffffff"), Some(Number::Int(-1)));
        assert_eq!(n("0x1ffffffffffffffff"), Some(Number::Int(-1)));
        assert_eq!(n("-0x1"), Some(Number::Int(-1)));
        assert_eq!(n("0x"), None);
        assert_eq!(n(""), None);
        assert_eq!(n("  "), None);
        assert_eq!(n("- 1"), None);
        assert_eq!(n("1 2"), None);
        assert_eq!(n("1\0"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(n("1.5"), Some(Number::Float(1.5)));
        assert_eq!(n(".5"), Some(Number::Float(0.5)));
        assert_eq!(n("5."), Some(Number::Float(5.0)));
        assert_eq!(n("1e2"), Some(Number::Float(100.0)));
        assert_eq!(n("1E-2"), Some(Number::Float(0.01)));
        assert_eq!(n(" -2.5e+1\n"), Some(Number::Float(-25.0)));
        assert_eq!(n("0x1p4"), Some(Number::Float(16.0)));
        assert_eq!(n("0x.8"), Some(Number::Float(0.5)));
        assert_eq!(n("0x1.8p1"), Some(Number::Float(3.0)));
        assert_eq!(n("0XA.8P-1"), Some(Number::Float(5.25)));
        assert_eq!(n("0x1P+3"), Some(Number::Float(8.0)));
        assert_eq!(n("-0x1p-1"), Some(Number::Float(-0.5)));
        assert_eq!(n("0x1p-1074"), Some(Number::Float(f64::from_bits(1))));
        assert_eq!(n("0x1p-1075"), Some(Number::Float(0.0)));
        assert_eq!(n("0x1p1024"), Some(Number::Float(f64::INFINITY)));
        assert_eq!(
            n("0x1.fffffffffffff8p0"),
            Some(Number::Float(2.0)) // ties to even
        );
        assert_eq!(n("1e500"), Some(Number::Float(f64::INFINITY)));
        assert_eq!(n("inf"), None);
        assert_eq!(n("nan"), None);
        assert_eq!(n("infinity"), None);
        assert_eq!(n("1e"), None);
        assert_eq!(n("1e+"), None);
        assert_eq!(n("."), None);
        assert_eq!(n("0x.p1"), None);
        assert_eq!(n("0x1p"), None);
        assert_eq!(n("1.2.3"), None);
        assert_eq!(n("0x1.2.3"), None);
        assert_eq!(n("3x"), None);
    }

    #[test]
    fn format_g() {
        assert_eq!(fmt_g(0.1, 14), "0.1");
        assert_eq!(fmt_g(100.0, 14), "100");
        assert_eq!(fmt_g(1e15, 14), "1e+15");
        assert_eq!(fmt_g(1e14, 14), "1e+14");
        assert_eq!(fmt_g(12345678901234.0, 14), "12345678901234");
        assert_eq!(fmt_g(123456789012345.0, 14), "1.2345678901234e+14");
        assert_eq!(fmt_g(0.0001, 14), "0.0001");
        assert_eq!(fmt_g(0.00001, 14), "1e-05");
        assert_eq!(fmt_g(-0.0, 14), "-0");
        assert_eq!(fmt_g(5.55555, 3), "5.56");
        assert_eq!(fmt_g(2.5, 0), "2");
        assert_eq!(fmt_g(1e300, 17), "1.0000000000000001e+300");
        assert_eq!(fmt_g(f64::INFINITY, 14), "inf");
        assert_eq!(fmt_g(f64::NEG_INFINITY, 14), "-inf");
        assert_eq!(fmt_g(f64::NAN, 14), "nan");
        assert_eq!(fmt_g(-f64::NAN, 14), "-nan");
        assert_eq!(fmt_g(9.99999999999999e14, 14), "1e+15");
    }

    #[test]
    fn tostring() {
        assert_eq!(float_to_str(1.0), "1.0");
        assert_eq!(float_to_str(-1.0), "-1.0");
        assert_eq!(float_to_str(-0.0), "-0.0");
        assert_eq!(float_to_str(0.5), "0.5");
        assert_eq!(float_to_str(1e100), "1e+100");
        assert_eq!(float_to_str(2f64.powi(63)), "9.2233720368548e+18");
        assert_eq!(float_to_str(f64::INFINITY), "inf");
        assert_eq!(float_to_str(1.2345678901234567), "1.2345678901235");
    }

    proptest! {
        #[test]
        fn int_round_trip(i in any::<i64>()) {
            prop_assert_eq!(str_to_number(i.to_string().as_bytes()), Some(Number::Int(i)));
        }

        #[test]
        fn float_round_trip(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            prop_assume!(f.is_finite());
            // %.17g always round-trips a double.
            let s = fmt_g(f, 17);
            let back = match str_to_number(s.as_bytes()) {
                Some(Number::Float(x)) => x,
                Some(Number::Int(i)) => i as f64,
                None => panic!("unparsable {s}"),
            };
            prop_assert_eq!(back.to_bits() & !(1 << 63), f.to_bits() & !(1 << 63));
        }

        #[test]
        fn hex_float_round_trip(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            prop_assume!(f.is_finite() && f != 0.0);
            let (m, e) = {
                let b = f.abs().to_bits();
                let exp = ((b >> 52) & 0x7ff) as i64;
                let frac = b & ((1 << 52) - 1);
                if exp == 0 { (frac, -1074) } else { (frac | 1 << 52, exp - 1075) }
            };
            let s = format!("{}0x{:x}p{}", if f < 0.0 { "-" } else { "" }, m, e);
            prop_assert_eq!(str_to_number(s.as_bytes()), Some(Number::Float(f)));
        }
    }
}
