//! Integer/float arithmetic of Ferrous against a Rust model of Lua 5.4's semantics.
//!
//! For random operands (biased towards the edges: 0, -0.0, ±1, the integer limits,
//! 2^53±1, 2^63 as a float, infinities, NaN, subnormals and huge floats) every operator is
//! evaluated in Ferrous and compared with [`Model`], written from the reference manual and
//! PUC's `lvm.c`/`lobject.c`/`lmathlib.c`:
//!
//! * `+ - *` wrap on integers and convert to float when either operand is a float; `/` and
//!   `^` always work on floats;
//! * `//` and `%` floor (`%` takes the divisor's sign); integer division by zero raises
//!   "attempt to divide by zero" (`//`) or "attempt to perform 'n%%0'" (`%`);
//! * bitwise operators convert floats with an exact integer value (else "number has no
//!   integer representation"); shifts by 64 or more give 0, negative shifts go the other
//!   way, `>>` is logical;
//! * `<`, `<=`, `==` between an integer and a float compare the exact mathematical values;
//! * `math.tointeger`, `math.floor`, `math.ceil`, `math.abs`, `tostring` (`%.14g`, with
//!   `.0` added to integral floats), `string.format("%.17g")` and the `tonumber` round trip.
//!
//! Two paths are checked: operands passed as arguments of a precompiled function (the
//! interpreter's arithmetic), and operands written as `<const>` literals in a fresh chunk
//! (`%q`-style hex floats, so the compiler's constant folding is exercised).
//!
//! When Ferrous and the model disagree, the failure message also shows PUC Lua's answer
//! (via `mlua`) to say which one is wrong. Errors are compared by kind (which of the three
//! messages above), since the message also names the variable involved.
//!
//! `PROPTEST_CASES` changes the number of cases (default 256 per property).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cmp::Ordering;

// =====================================================================================
// The model
// =====================================================================================

/// A Lua number.
#[derive(Clone, Copy, Debug)]
enum N {
    I(i64),
    F(f64),
}

/// One observed result: a value or the kind of error raised.
#[derive(Clone, Debug)]
enum R {
    Int(i64),
    Flt(f64),
    Bool(bool),
    Str(String),
    Nil,
    Err(ErrKind),
    /// A result the model does not predict (NaN printing): anything is accepted.
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrKind {
    DivZero,
    ModZero,
    NoInt,
    Other,
}

impl PartialEq for R {
    fn eq(&self, o: &R) -> bool {
        match (self, o) {
            (R::Any, _) | (_, R::Any) => true,
            (R::Int(a), R::Int(b)) => a == b,
            // Same bits (so -0.0 differs from 0.0), any NaN equal to any NaN.
            (R::Flt(a), R::Flt(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            (R::Bool(a), R::Bool(b)) => a == b,
            (R::Str(a), R::Str(b)) => a == b,
            (R::Nil, R::Nil) => true,
            (R::Err(a), R::Err(b)) => a == b,
            _ => false,
        }
    }
}

fn classify(msg: &str) -> ErrKind {
    if msg.contains("attempt to divide by zero") {
        ErrKind::DivZero
    } else if msg.contains("attempt to perform 'n%0'") {
        ErrKind::ModZero
    } else if msg.contains("has no integer representation") {
        ErrKind::NoInt
    } else {
        ErrKind::Other
    }
}

const TWO63: f64 = 9_223_372_036_854_775_808.0;

fn tof(n: N) -> f64 {
    match n {
        N::I(i) => i as f64,
        N::F(f) => f,
    }
}

/// Float to integer when the value is integral and in range (`luaV_flttointns`, F2Ieq).
fn f2i(f: f64) -> Option<i64> {
    if f.floor() == f && (-TWO63..TWO63).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

fn toint(n: N) -> Result<i64, ErrKind> {
    match n {
        N::I(i) => Ok(i),
        N::F(f) => f2i(f).ok_or(ErrKind::NoInt),
    }
}

fn num(r: Result<N, ErrKind>) -> R {
    match r {
        Ok(N::I(i)) => R::Int(i),
        Ok(N::F(f)) => R::Flt(f),
        Err(e) => R::Err(e),
    }
}

fn shift_left(x: i64, y: i64) -> i64 {
    if y < 0 {
        if y <= -64 {
            0
        } else {
            ((x as u64) >> (-y)) as i64
        }
    } else if y >= 64 {
        0
    } else {
        ((x as u64) << y) as i64
    }
}

fn fmod_lua(a: f64, b: f64) -> f64 {
    let m = a % b;
    if (m > 0.0 && b < 0.0) || (m < 0.0 && b != m && b > 0.0) {
        m + b
    } else {
        m
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    IDiv,
    Mod,
    Pow,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Lt,
    Le,
    Eq,
    Gt,
    Ge,
    Ne,
}

const BINS: [(Bin, &str); 18] = [
    (Bin::Add, "+"),
    (Bin::Sub, "-"),
    (Bin::Mul, "*"),
    (Bin::Div, "/"),
    (Bin::IDiv, "//"),
    (Bin::Mod, "%"),
    (Bin::Pow, "^"),
    (Bin::BAnd, "&"),
    (Bin::BOr, "|"),
    (Bin::BXor, "~"),
    (Bin::Shl, "<<"),
    (Bin::Shr, ">>"),
    (Bin::Lt, "<"),
    (Bin::Le, "<="),
    (Bin::Eq, "=="),
    (Bin::Gt, ">"),
    (Bin::Ge, ">="),
    (Bin::Ne, "~="),
];

/// Exact comparison of an integer with a float (None: the float is NaN).
fn cmp_int_float(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= TWO63 {
        return Some(Ordering::Less);
    }
    if f < -TWO63 {
        return Some(Ordering::Greater);
    }
    // |f| <= 2^63: floor and ceil are exact in i128.
    let i = i as i128;
    let (fl, ce) = (f.floor() as i128, f.ceil() as i128);
    Some(if i < fl {
        Ordering::Less
    } else if i > ce {
        Ordering::Greater
    } else if fl == ce {
        Ordering::Equal // i == f
    } else if i == fl {
        Ordering::Less // f is not integral and lies in (fl, ce)
    } else {
        Ordering::Greater
    })
}

fn compare(a: N, b: N) -> Option<Ordering> {
    match (a, b) {
        (N::I(x), N::I(y)) => Some(x.cmp(&y)),
        (N::F(x), N::F(y)) => x.partial_cmp(&y),
        (N::I(x), N::F(y)) => cmp_int_float(x, y),
        (N::F(x), N::I(y)) => cmp_int_float(y, x).map(Ordering::reverse),
    }
}

fn model_bin(op: Bin, a: N, b: N) -> R {
    use Bin::*;
    let arith = |fi: fn(i64, i64) -> Result<i64, ErrKind>, ff: fn(f64, f64) -> f64| -> R {
        num(match (a, b) {
            (N::I(x), N::I(y)) => fi(x, y).map(N::I),
            _ => Ok(N::F(ff(tof(a), tof(b)))),
        })
    };
    let bitwise = |f: fn(i64, i64) -> i64| -> R {
        num(toint(a).and_then(|x| toint(b).map(|y| N::I(f(x, y)))))
    };
    let c = compare(a, b);
    match op {
        Add => arith(|x, y| Ok(x.wrapping_add(y)), |x, y| x + y),
        Sub => arith(|x, y| Ok(x.wrapping_sub(y)), |x, y| x - y),
        Mul => arith(|x, y| Ok(x.wrapping_mul(y)), |x, y| x * y),
        Div => R::Flt(tof(a) / tof(b)),
        Pow => R::Flt(tof(a).powf(tof(b))),
        IDiv => arith(
            |x, y| {
                if y == 0 {
                    Err(ErrKind::DivZero)
                } else if y == -1 {
                    Ok(x.wrapping_neg())
                } else {
                    let q = x / y;
                    Ok(if x % y != 0 && (x ^ y) < 0 { q - 1 } else { q })
                }
            },
            |x, y| (x / y).floor(),
        ),
        Mod => arith(
            |x, y| {
                if y == 0 {
                    Err(ErrKind::ModZero)
                } else if y == -1 {
                    Ok(0)
                } else {
                    let r = x % y;
                    Ok(if r != 0 && (r ^ y) < 0 { r + y } else { r })
                }
            },
            fmod_lua,
        ),
        BAnd => bitwise(|x, y| x & y),
        BOr => bitwise(|x, y| x | y),
        BXor => bitwise(|x, y| x ^ y),
        Shl => bitwise(shift_left),
        Shr => bitwise(|x, y| shift_left(x, y.wrapping_neg())),
        Lt => R::Bool(c == Some(Ordering::Less)),
        Le => R::Bool(matches!(c, Some(Ordering::Less | Ordering::Equal))),
        Eq => R::Bool(c == Some(Ordering::Equal)),
        Gt => R::Bool(c == Some(Ordering::Greater)),
        Ge => R::Bool(matches!(c, Some(Ordering::Greater | Ordering::Equal))),
        Ne => R::Bool(c != Some(Ordering::Equal)),
    }
}

/// C's `%.{prec}g`.
fn fmt_g(x: f64, prec: usize) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf" } else { "inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let e = format!("{:.*e}", prec - 1, x);
    let (mant, exp) = e.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s.to_string()
        }
    };
    if exp < -4 || exp >= prec as i32 {
        format!(
            "{}e{}{:02}",
            trim(mant),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    } else {
        trim(&format!("{:.*}", (prec as i32 - 1 - exp) as usize, x))
    }
}

fn model_tostring(n: N) -> R {
    match n {
        N::I(i) => R::Str(i.to_string()),
        N::F(f) if f.is_nan() => R::Any,
        N::F(f) => {
            let mut s = fmt_g(f, 14);
            if s.bytes().all(|c| c == b'-' || c.is_ascii_digit()) {
                s.push_str(".0");
            }
            R::Str(s)
        }
    }
}

/// The unary operations, as Lua expressions over `a`.
const UNARY: [&str; 10] = [
    "-a",
    "~a",
    "math.tointeger(a)",
    "math.floor(a)",
    "math.ceil(a)",
    "math.abs(a)",
    "tostring(a)",
    "string.format('%.17g', a)",
    "tonumber(string.format('%.17g', a)) == a",
    "math.type(tonumber(tostring(a))) .. ':' .. tostring(tonumber(tostring(a)) == a)",
];

fn model_unary(k: usize, a: N) -> R {
    let floor_ceil = |g: fn(f64) -> f64| match a {
        N::I(i) => R::Int(i),
        N::F(f) => {
            let r = g(f);
            match f2i(r) {
                Some(i) => R::Int(i),
                None => R::Flt(r),
            }
        }
    };
    match k {
        0 => num(Ok(match a {
            N::I(i) => N::I(i.wrapping_neg()),
            N::F(f) => N::F(-f),
        })),
        1 => num(toint(a).map(|i| N::I(!i))),
        2 => match a {
            N::I(i) => R::Int(i),
            N::F(f) => f2i(f).map_or(R::Nil, R::Int),
        },
        3 => floor_ceil(f64::floor),
        4 => floor_ceil(f64::ceil),
        5 => match a {
            N::I(i) => R::Int(i.wrapping_abs()),
            N::F(f) => R::Flt(f.abs()),
        },
        6 => model_tostring(a),
        7 => match a {
            N::F(f) if f.is_nan() => R::Any,
            _ => R::Str(fmt_g(tof(a), 17)),
        },
        8 => match a {
            // tonumber("inf") is nil, so infinities do not round trip.
            N::F(f) if !f.is_finite() => R::Bool(false),
            // The integer converts to a float (%.17g is exact for it), compared exactly.
            N::I(i) => R::Bool(cmp_int_float(i, i as f64) == Some(Ordering::Equal)),
            N::F(_) => R::Bool(true),
        },
        9 => match a {
            N::I(_) => R::Str("integer:true".into()),
            // "1e+15" reads back as a float; 14 digits lose precision: equal only when
            // the value printed exactly.
            N::F(f) if !f.is_finite() => R::Err(ErrKind::Other),
            N::F(f) => {
                let s = fmt_g(f, 14);
                let back: f64 = s.parse().unwrap();
                let eq = back.to_bits() == f.to_bits() || (back == 0.0 && f == 0.0);
                R::Str(format!("float:{eq}"))
            }
        },
        _ => unreachable!(),
    }
}

// =====================================================================================
// Operands
// =====================================================================================

fn int_operand() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => -3i64..=3,
        2 => prop_oneof![
            Just(63i64), Just(64), Just(65), Just(-63), Just(-64), Just(-65), Just(7), Just(10), Just(-10),
        ],
        3 => prop_oneof![
            Just(i64::MIN), Just(i64::MAX), Just(i64::MIN + 1), Just(i64::MAX - 1),
            Just(1i64 << 53), Just((1i64 << 53) + 1), Just(-(1i64 << 53) - 1), Just((1i64 << 53) - 1),
            Just(1i64 << 31), Just(1i64 << 32), Just(-(1i64 << 62)),
        ],
        2 => -1000i64..1000,
        2 => any::<i64>(),
    ]
}

fn float_operand() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => prop_oneof![
            Just(0.0f64), Just(-0.0), Just(1.0), Just(-1.0), Just(0.5), Just(-0.5), Just(1.5),
            Just(2.5), Just(-2.5), Just(3.0), Just(64.0), Just(-64.0), Just(0.1), Just(-7.25),
        ],
        3 => prop_oneof![
            Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(f64::NAN),
            Just(9007199254740992.0), Just(9007199254740994.0), Just(-9007199254740992.0),
            Just(TWO63), Just(-TWO63), Just(18446744073709551616.0), Just(9.223372036854775e18),
            Just(1e308), Just(-1e308), Just(f64::MAX), Just(5e-324), Just(f64::MIN_POSITIVE), Just(1e-300),
            Just(1e15), Just(1e16), Just(123456789012345.6),
        ],
        2 => (-1000i32..1000).prop_map(|i| f64::from(i) / 4.0),
        2 => any::<i64>().prop_map(|i| i as f64),
        3 => any::<f64>(),
    ]
}

fn operand() -> impl Strategy<Value = N> {
    prop_oneof![int_operand().prop_map(N::I), float_operand().prop_map(N::F)]
}

/// The operand as a Lua literal expression (hex floats as `%q` writes them).
fn literal(n: N) -> String {
    match n {
        N::I(i64::MIN) => "math.mininteger".into(),
        N::I(i) => format!("{i}"),
        N::F(f) if f.is_nan() => "(0/0)".into(),
        N::F(f) if f.is_infinite() => if f > 0.0 { "1e9999" } else { "-1e9999" }.into(),
        N::F(f) => {
            let bits = f.to_bits();
            let sign = if bits >> 63 == 1 { "-" } else { "" };
            let exp = ((bits >> 52) & 0x7ff) as i32;
            let frac = bits & ((1u64 << 52) - 1);
            if exp == 0 {
                format!("{sign}0x0.{frac:013x}p-1022")
            } else {
                format!("{sign}0x1.{frac:013x}p{}", exp - 1023)
            }
        }
    }
}

// =====================================================================================
// Running
// =====================================================================================

/// Lua source of a function body evaluating every binary operator on `a` and `b`, then
/// every unary operation on `a`, each under pcall; it returns `{ok1, v1, ok2, v2, ...}, n`.
fn ops_source() -> String {
    let mut s = String::from("local R, n = {}, 0\nlocal function P(f) local ok, v = pcall(f) R[n + 1] = ok R[n + 2] = v n = n + 2 end\n");
    for (_, tok) in BINS {
        s.push_str(&format!("P(function() return a {tok} b end)\n"));
    }
    for u in UNARY {
        s.push_str(&format!("P(function() return {u} end)\n"));
    }
    s.push_str("return R, n\n");
    s
}

/// The model's results for every operation. With `consts`, `a` and `b` are `<const>`
/// locals: PUC compiles `x - k` for a small integer constant `k` as `x + (-k)` (ADDI),
/// which differs from a subtraction only for `-0.0 - 0` (`+0.0` instead of `-0.0`).
/// (`-0.0` is never a compile-time constant: PUC does not fold zero results, so `a`
/// stays a runtime value there.)
fn model_all(a: N, b: N, consts: bool) -> Vec<R> {
    let mut v: Vec<R> = BINS
        .iter()
        .map(|(op, _)| match (op, a, b) {
            (Bin::Sub, N::F(x), N::I(0)) if consts => R::Flt(x + 0.0),
            _ => model_bin(*op, a, b),
        })
        .collect();
    v.extend((0..UNARY.len()).map(|k| model_unary(k, a)));
    v
}

fn labels() -> Vec<String> {
    let mut v: Vec<String> = BINS.iter().map(|(_, t)| format!("a {t} b")).collect();
    v.extend(UNARY.iter().map(|u| u.to_string()));
    v
}

fn from_ferrous((t, n): (ferrous::Table, i64)) -> Vec<R> {
    let vals: Vec<ferrous::Value> = (1..=n).map(|i| t.raw_get(i).unwrap()).collect();
    vals.chunks(2)
        .map(|p| match (&p[0], &p[1]) {
            (ferrous::Value::Boolean(true), v) => match v {
                ferrous::Value::Integer(i) => R::Int(*i),
                ferrous::Value::Number(f) => R::Flt(*f),
                ferrous::Value::Boolean(b) => R::Bool(*b),
                ferrous::Value::String(s) => R::Str(s.to_string_lossy()),
                ferrous::Value::Nil => R::Nil,
                other => R::Str(format!("<{}>", other.type_name())),
            },
            (_, ferrous::Value::String(s)) => R::Err(classify(&s.to_string_lossy())),
            _ => R::Err(ErrKind::Other),
        })
        .collect()
}

fn from_puc((t, n): (mlua::Table, i64)) -> Vec<R> {
    let vals: Vec<mlua::Value> = (1..=n).map(|i| t.raw_get(i).unwrap()).collect();
    vals.chunks(2)
        .map(|p| match (&p[0], &p[1]) {
            (mlua::Value::Boolean(true), v) => match v {
                mlua::Value::Integer(i) => R::Int(*i),
                mlua::Value::Number(f) => R::Flt(*f),
                mlua::Value::Boolean(b) => R::Bool(*b),
                mlua::Value::String(s) => R::Str(s.to_string_lossy().to_string()),
                mlua::Value::Nil => R::Nil,
                other => R::Str(format!("<{}>", other.type_name())),
            },
            (_, mlua::Value::String(s)) => R::Err(classify(&s.to_string_lossy())),
            _ => R::Err(ErrKind::Other),
        })
        .collect()
}

/// Runs `ops` on (a, b) as arguments of a compiled function.
struct Runner {
    // The states are only held so that they live as long as their functions.
    _ferrous: ferrous::Lua,
    ferrous_f: ferrous::Function,
    _puc: mlua::Lua,
    puc_f: mlua::Function,
}

impl Runner {
    fn new() -> Runner {
        let src = format!("local a, b = ...\n{}", ops_source());
        let ferrous = ferrous::Lua::new();
        let ferrous_f = ferrous.load(&src).set_name("=ops").into_function().unwrap();
        let puc = mlua::Lua::new();
        let puc_f = puc.load(&src).set_name("=ops").into_function().unwrap();
        Runner {
            _ferrous: ferrous,
            ferrous_f,
            _puc: puc,
            puc_f,
        }
    }

    fn ferrous_args(&self, a: N, b: N) -> Vec<R> {
        let conv = |n: N| match n {
            N::I(i) => ferrous::Value::Integer(i),
            N::F(f) => ferrous::Value::Number(f),
        };
        from_ferrous(self.ferrous_f.call((conv(a), conv(b))).unwrap())
    }

    fn puc_args(&self, a: N, b: N) -> Vec<R> {
        let conv = |n: N| match n {
            N::I(i) => mlua::Value::Integer(i),
            N::F(f) => mlua::Value::Number(f),
        };
        from_puc(self.puc_f.call((conv(a), conv(b))).unwrap())
    }
}

fn const_source(a: N, b: N) -> String {
    format!(
        "local a <const> = {}\nlocal b <const> = {}\n{}",
        literal(a),
        literal(b),
        ops_source()
    )
}

fn ferrous_const(a: N, b: N) -> Vec<R> {
    let lua = ferrous::Lua::new();
    from_ferrous(
        lua.load(const_source(a, b))
            .set_name("=ops")
            .call(())
            .unwrap(),
    )
}

fn puc_const(a: N, b: N) -> Vec<R> {
    let lua = mlua::Lua::new();
    from_puc(
        lua.load(const_source(a, b))
            .set_name("=ops")
            .call(())
            .unwrap(),
    )
}

/// Compares Ferrous with the model; on a mismatch, says what PUC answers.
fn check(a: N, b: N, consts: bool, ours: &[R], puc: impl FnOnce() -> Vec<R>) -> Result<(), String> {
    let model = model_all(a, b, consts);
    assert_eq!(ours.len(), model.len(), "result count");
    let labels = labels();
    let mut puc_cache: Option<Vec<R>> = None;
    let mut puc = Some(puc);
    let mut report = String::new();
    for (k, (o, m)) in ours.iter().zip(&model).enumerate() {
        if o != m {
            let p = puc_cache.get_or_insert_with(|| (puc.take().unwrap())());
            let verdict = if p[k] == *m {
                "FERROUS BUG (PUC agrees with the model)"
            } else if p[k] == *o {
                "MODEL BUG (PUC agrees with Ferrous)"
            } else {
                "all three differ"
            };
            report.push_str(&format!(
                "a = {}, b = {}: {}: ferrous {:?}, model {:?}, puc {:?}: {verdict}\n",
                literal(a),
                literal(b),
                labels[k],
                o,
                m,
                p[k]
            ));
        }
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

fn config() -> Config {
    // `Config::default()` reads `PROPTEST_CASES` (default 256).
    Config {
        failure_persistence: None,
        // ChaCha (the default) is slow to generate with in a debug build.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..Config::default()
    }
}

// =====================================================================================
// Properties
// =====================================================================================

#[test]
fn arith_args_match_model() {
    let r = Runner::new();
    let mut runner = TestRunner::new(config());
    runner
        .run(&(operand(), operand()), |(a, b)| {
            let ours = r.ferrous_args(a, b);
            check(a, b, false, &ours, || r.puc_args(a, b)).map_err(TestCaseError::fail)
        })
        .unwrap();
}

#[test]
fn arith_constants_match_model() {
    let mut runner = TestRunner::new(config());
    runner
        .run(&(operand(), operand()), |(a, b)| {
            let ours = ferrous_const(a, b);
            check(a, b, true, &ours, || puc_const(a, b)).map_err(TestCaseError::fail)
        })
        .unwrap();
}

/// The model itself against PUC on the edge values (all pairs), so that a wrong model
/// cannot hide behind a Ferrous that is wrong the same way.
#[test]
fn model_matches_puc_on_edges() {
    let r = Runner::new();
    let edges = [
        N::I(0),
        N::I(1),
        N::I(-1),
        N::I(i64::MIN),
        N::I(i64::MAX),
        N::I(64),
        N::I(-64),
        N::I((1 << 53) + 1),
        N::F(0.0),
        N::F(-0.0),
        N::F(1.0),
        N::F(-1.5),
        N::F(f64::INFINITY),
        N::F(f64::NEG_INFINITY),
        N::F(f64::NAN),
        N::F(TWO63),
        N::F(-TWO63),
        N::F(9007199254740992.0),
        N::F(5e-324),
        N::F(1e308),
        N::F(0.1),
    ];
    let mut report = String::new();
    for &a in &edges {
        for &b in &edges {
            for consts in [false, true] {
                let model = model_all(a, b, consts);
                let puc = if consts {
                    puc_const(a, b)
                } else {
                    r.puc_args(a, b)
                };
                for (k, (m, p)) in model.iter().zip(&puc).enumerate() {
                    if m != p {
                        report.push_str(&format!(
                            "a = {}, b = {} (consts: {consts}): {}: model {m:?}, puc {p:?}\n",
                            literal(a),
                            literal(b),
                            labels()[k]
                        ));
                    }
                }
            }
        }
    }
    assert!(report.is_empty(), "{report}");
}
