//! The `os` library (PUC Lua 5.4.8's loslib.c), without libc.
//!
//! Dates are computed by hand: days-from-civil conversions (Howard Hinnant's algorithms,
//! valid over the whole i64 range used here) and a `strftime` for the "C" locale with
//! every conversion C99 lists. Local time comes from the TZif file named by `TZ` (or
//! `/etc/localtime`); when none can be read, local time is UTC. Limitations: the POSIX TZ
//! rule in a TZif footer is not used (times past the last transition keep its offset),
//! `TZ` given as a bare POSIX rule ("EST5EDT" without a zoneinfo file) falls back to UTC,
//! and `os.time` ignores a date table's `isdst` field.
//!
//! As in C, the fields of a date are `int`s: a year that does not fit makes `os.date`
//! fail with "date result cannot be represented" and `os.time` with "time result cannot
//! be represented".

use super::io::{file_result, flush_all, flush_stdout, os_error};
use ferrous_runtime::table::Table;
use ferrous_runtime::{Gc, LuaResult, State, Value};
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::sync::OnceLock;

// ---------------------------------------------------------------------- calendar

/// Days since 1970-01-01 of a proleptic Gregorian date (`m` in 1..=12).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date `(year, month 1..=12, day 1..=31)` of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// C's `struct tm`, with the year kept whole and the zone attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tm {
    /// Full year (tm_year + 1900).
    pub year: i64,
    /// 0..=11
    pub mon: i64,
    pub mday: i64,
    pub hour: i64,
    pub min: i64,
    pub sec: i64,
    /// 0..=6, Sunday = 0
    pub wday: i64,
    /// 0..=365
    pub yday: i64,
    pub isdst: bool,
    /// Seconds east of UTC.
    pub gmtoff: i64,
    pub zone: String,
}

impl Tm {
    /// Broken-down time of `t + off`; `None` when the year does not fit a C int.
    pub fn from_secs(t: i64, off: i64, isdst: bool, zone: &str) -> Option<Tm> {
        let local = t.checked_add(off)?;
        let days = local.div_euclid(86400);
        let secs = local.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        if y - 1900 > i32::MAX as i64 || y - 1900 < i32::MIN as i64 {
            return None;
        }
        Some(Tm {
            year: y,
            mon: m - 1,
            mday: d,
            hour: secs / 3600,
            min: secs / 60 % 60,
            sec: secs % 60,
            wday: (days + 4).rem_euclid(7),
            yday: days - days_from_civil(y, 1, 1),
            isdst,
            gmtoff: off,
            zone: zone.to_string(),
        })
    }
}

/// `gmtime`.
pub fn gmtime(t: i64) -> Option<Tm> {
    Tm::from_secs(t, 0, false, "GMT")
}

/// `localtime`.
pub fn localtime(t: i64) -> Option<Tm> {
    let ty = local_zone().lookup(t);
    Tm::from_secs(t, ty.off, ty.isdst, &ty.abbr)
}

/// `mktime` on possibly denormalized local fields (each a C int); `None` when the result
/// cannot be represented. Returns the time and the normalized fields.
pub fn mktime(year: i64, mon: i64, mday: i64, hour: i64, min: i64, sec: i64) -> Option<(i64, Tm)> {
    let y = year + mon.div_euclid(12);
    let m = mon.rem_euclid(12);
    let days = days_from_civil(y, m + 1, 1) + mday - 1;
    let local = days * 86400 + hour * 3600 + min * 60 + sec;
    let zone = local_zone();
    let mut t = local - zone.lookup(local).off;
    t = local - zone.lookup(t).off;
    let tm = localtime(t)?;
    Some((t, tm))
}

// ---------------------------------------------------------------------- time zones

/// One local time type of a TZif file.
#[derive(Clone, Debug)]
pub struct TType {
    pub off: i64,
    pub isdst: bool,
    pub abbr: String,
}

/// The local time zone: transition times and the type in force after each.
#[derive(Clone, Debug)]
pub struct Zone {
    trans: Vec<i64>,
    idx: Vec<u8>,
    types: Vec<TType>,
}

impl Zone {
    fn utc() -> Zone {
        Zone {
            trans: vec![],
            idx: vec![],
            types: vec![TType {
                off: 0,
                isdst: false,
                abbr: "UTC".into(),
            }],
        }
    }

    /// The time type in force at `t`.
    pub fn lookup(&self, t: i64) -> &TType {
        let n = self.trans.partition_point(|&x| x <= t);
        if n == 0 {
            return self
                .types
                .iter()
                .find(|ty| !ty.isdst)
                .unwrap_or(&self.types[0]);
        }
        let i = self.idx[n - 1] as usize;
        self.types.get(i).unwrap_or(&self.types[0])
    }

    /// Parses a TZif file (version 1, or the 64-bit data of versions 2 and later).
    pub fn parse(d: &[u8]) -> Option<Zone> {
        fn be(d: &[u8], pos: usize, n: usize) -> Option<i64> {
            let b = d.get(pos..pos + n)?;
            let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
            for &c in b {
                v = (v << 8) | c as i64;
            }
            Some(v)
        }
        fn counts(d: &[u8], pos: usize) -> Option<[usize; 6]> {
            if d.get(pos..pos + 4)? != b"TZif" {
                return None;
            }
            let mut c = [0usize; 6];
            for (k, slot) in c.iter_mut().enumerate() {
                *slot = be(d, pos + 20 + 4 * k, 4)? as usize;
            }
            Some(c)
        }
        let c = counts(d, 0)?;
        let (mut pos, c, tsize) = if d[4] >= b'2' {
            let [isut, isstd, leap, timecnt, typecnt, charcnt] = c;
            let v1 = timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
            let p = 44 + v1;
            (p + 44, counts(d, p)?, 8)
        } else {
            (44, c, 4)
        };
        let [_, _, _, timecnt, typecnt, charcnt] = c;
        let mut trans = Vec::with_capacity(timecnt);
        for k in 0..timecnt {
            trans.push(be(d, pos + k * tsize, tsize)?);
        }
        pos += timecnt * tsize;
        let idx = d.get(pos..pos + timecnt)?.to_vec();
        pos += timecnt;
        let tpos = pos;
        let chars = d.get(tpos + typecnt * 6..tpos + typecnt * 6 + charcnt)?;
        let mut types = Vec::with_capacity(typecnt);
        for k in 0..typecnt {
            let p = tpos + k * 6;
            let off = be(d, p, 4)?;
            let isdst = *d.get(p + 4)? != 0;
            let ai = *d.get(p + 5)? as usize;
            let abbr = chars.get(ai..).unwrap_or(b"");
            let end = abbr.iter().position(|&b| b == 0).unwrap_or(abbr.len());
            types.push(TType {
                off,
                isdst,
                abbr: String::from_utf8_lossy(&abbr[..end]).into_owned(),
            });
        }
        if types.is_empty() {
            return None;
        }
        Some(Zone { trans, idx, types })
    }
}

fn load_zone() -> Zone {
    let path = match std::env::var_os("TZ") {
        None => "/etc/localtime".to_string(),
        Some(v) => {
            let s = v.to_string_lossy().into_owned();
            let s = s.strip_prefix(':').unwrap_or(&s).to_string();
            if s.is_empty() || s == "UTC" || s == "UTC0" || s == "GMT" {
                return Zone::utc();
            }
            if s.starts_with('/') {
                s
            } else {
                format!("/usr/share/zoneinfo/{s}")
            }
        }
    };
    std::fs::read(path)
        .ok()
        .and_then(|d| Zone::parse(&d))
        .unwrap_or_else(Zone::utc)
}

fn local_zone() -> &'static Zone {
    static ZONE: OnceLock<Zone> = OnceLock::new();
    ZONE.get_or_init(load_zone)
}

// ---------------------------------------------------------------------- strftime

/// Conversions accepted by `os.date` (C99): single letters, then the two-letter ones.
const OPTIONS1: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const OPTIONS2: &[&[u8]] = &[
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

/// Length of the valid conversion at the start of `conv`, or `None`.
fn check_option(conv: &[u8]) -> Option<usize> {
    if !conv.is_empty() && OPTIONS1.contains(&conv[0]) {
        return Some(1);
    }
    if conv.len() >= 2 && OPTIONS2.iter().any(|o| o[..] == conv[..2]) {
        return Some(2);
    }
    None
}

const WDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// glibc's `iso_week_days`: days since the Monday starting the ISO year's first week.
fn iso_week_days(yday: i64, wday: i64) -> i64 {
    const BIG: i64 = (366 / 7 + 2) * 7;
    yday - (yday - wday + 4 + BIG) % 7 + 4 - 1
}

/// ISO 8601 week-based year and week number.
fn iso_week(tm: &Tm) -> (i64, i64) {
    let mut year = tm.year;
    let mut days = iso_week_days(tm.yday, tm.wday);
    if days < 0 {
        year -= 1;
        days = iso_week_days(tm.yday + 365 + is_leap(year) as i64, tm.wday);
    } else {
        let d = iso_week_days(tm.yday - (365 + is_leap(year) as i64), tm.wday);
        if d >= 0 {
            year += 1;
            days = d;
        }
    }
    (year, days / 7 + 1)
}

/// One conversion (`spec` without the `%`, modifiers `E`/`O` included) in the C locale.
pub fn strftime_one(out: &mut Vec<u8>, spec: &[u8], tm: &Tm) {
    use std::io::Write;
    let c = *spec.last().unwrap();
    let hour12 = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 };
    let _ = match c {
        b'a' => write!(out, "{}", &WDAYS[tm.wday as usize][..3]),
        b'A' => write!(out, "{}", WDAYS[tm.wday as usize]),
        b'b' | b'h' => write!(out, "{}", &MONTHS[tm.mon as usize][..3]),
        b'B' => write!(out, "{}", MONTHS[tm.mon as usize]),
        b'c' => {
            strftime(out, b"%a %b %e %H:%M:%S %Y", tm);
            Ok(())
        }
        b'C' => write!(out, "{:02}", tm.year.div_euclid(100)),
        b'd' => write!(out, "{:02}", tm.mday),
        b'D' | b'x' => {
            strftime(out, b"%m/%d/%y", tm);
            Ok(())
        }
        b'e' => write!(out, "{:2}", tm.mday),
        b'F' => {
            strftime(out, b"%Y-%m-%d", tm);
            Ok(())
        }
        b'g' => write!(out, "{:02}", iso_week(tm).0.rem_euclid(100)),
        b'G' => write!(out, "{}", iso_week(tm).0),
        b'H' => write!(out, "{:02}", tm.hour),
        b'I' => write!(out, "{:02}", hour12),
        b'j' => write!(out, "{:03}", tm.yday + 1),
        b'm' => write!(out, "{:02}", tm.mon + 1),
        b'M' => write!(out, "{:02}", tm.min),
        b'n' => {
            out.push(b'\n');
            Ok(())
        }
        b'p' => write!(out, "{}", if tm.hour < 12 { "AM" } else { "PM" }),
        b'r' => {
            strftime(out, b"%I:%M:%S %p", tm);
            Ok(())
        }
        b'R' => {
            strftime(out, b"%H:%M", tm);
            Ok(())
        }
        b'S' => write!(out, "{:02}", tm.sec),
        b't' => write!(out, "\t"),
        b'T' | b'X' => {
            strftime(out, b"%H:%M:%S", tm);
            Ok(())
        }
        b'u' => write!(out, "{}", if tm.wday == 0 { 7 } else { tm.wday }),
        b'U' => write!(out, "{:02}", (tm.yday + 7 - tm.wday) / 7),
        b'V' => write!(out, "{:02}", iso_week(tm).1),
        b'w' => write!(out, "{}", tm.wday),
        b'W' => write!(out, "{:02}", (tm.yday + 7 - (tm.wday + 6) % 7) / 7),
        b'y' => write!(out, "{:02}", tm.year.rem_euclid(100)),
        b'Y' => write!(out, "{}", tm.year),
        b'z' => {
            let a = tm.gmtoff.abs() / 60;
            write!(
                out,
                "{}{:02}{:02}",
                if tm.gmtoff < 0 { '-' } else { '+' },
                a / 60,
                a % 60
            )
        }
        b'Z' => write!(out, "{}", tm.zone),
        b'%' => write!(out, "%"),
        _ => Ok(()),
    };
}

/// `strftime` over a format whose conversions are all valid (used for the composite
/// conversions); invalid ones are copied.
pub fn strftime(out: &mut Vec<u8>, fmt: &[u8], tm: &Tm) {
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        match check_option(&fmt[i + 1..]) {
            Some(n) => {
                strftime_one(out, &fmt[i + 1..i + 1 + n], tm);
                i += 1 + n;
            }
            None => {
                out.push(b'%');
                i += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------- the library

fn now() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

fn set_int_field(st: &mut State, t: Gc<Table>, k: &str, v: i64) {
    st.set_field(t, k, Value::int(v));
}

/// PUC's `setallfields`.
fn set_all_fields(st: &mut State, t: Gc<Table>, tm: &Tm) {
    set_int_field(st, t, "year", tm.year);
    set_int_field(st, t, "month", tm.mon + 1);
    set_int_field(st, t, "day", tm.mday);
    set_int_field(st, t, "hour", tm.hour);
    set_int_field(st, t, "min", tm.min);
    set_int_field(st, t, "sec", tm.sec);
    set_int_field(st, t, "yday", tm.yday + 1);
    set_int_field(st, t, "wday", tm.wday + 1);
    st.set_field(t, "isdst", Value::bool(tm.isdst));
}

fn os_date(st: &mut State) -> LuaResult<usize> {
    let fmt = match st.opt_str(1)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"%c".to_vec(),
    };
    let t = if st.is_none_or_nil(2) {
        now()
    } else {
        st.check_int(2)?
    };
    let (utc, s) = match fmt.first() {
        Some(b'!') => (true, &fmt[1..]),
        _ => (false, &fmt[..]),
    };
    let tm = if utc { gmtime(t) } else { localtime(t) };
    let Some(tm) = tm else {
        return Err(st.error("date result cannot be represented in this installation"));
    };
    if s == b"*t" {
        let t = st.new_table(0, 9);
        set_all_fields(st, t, &tm);
        st.push(Value::table(t));
        return Ok(1);
    }
    let mut out = Vec::with_capacity(s.len() + 16);
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'%' {
            out.push(s[i]);
            i += 1;
            continue;
        }
        i += 1;
        match check_option(&s[i..]) {
            Some(n) => {
                strftime_one(&mut out, &s[i..i + n], &tm);
                i += n;
            }
            None => {
                let rest = &s[i..];
                let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                let msg = format!(
                    "invalid conversion specifier '%{}'",
                    String::from_utf8_lossy(&rest[..end])
                );
                return Err(st.arg_error(1, &msg));
            }
        }
    }
    let v = st.string_value_owned(out);
    st.push(v);
    Ok(1)
}

/// PUC's `getfield` for the date table at argument 1: an int field with an optional
/// default (`None`: required), minus `delta`.
fn get_field(
    st: &mut State,
    t: Gc<Table>,
    key: &str,
    d: Option<i64>,
    delta: i64,
) -> LuaResult<i64> {
    let v = st.get_field(t, key);
    let res = match v.as_int().or_else(|| ferrous_runtime::state::to_integer(v)) {
        Some(r) => r,
        None => {
            if !v.is_nil() {
                return Err(st.error(format!("field '{key}' is not an integer")));
            }
            match d {
                Some(d) => return Ok(d),
                None => return Err(st.error(format!("field '{key}' missing in date table"))),
            }
        }
    };
    let ok = if res >= 0 {
        res - delta <= i32::MAX as i64
    } else {
        i32::MIN as i64 + delta <= res
    };
    if !ok {
        return Err(st.error(format!("field '{key}' is out-of-bound")));
    }
    Ok(res - delta)
}

fn os_time(st: &mut State) -> LuaResult<usize> {
    if st.is_none_or_nil(1) {
        st.push(Value::int(now()));
        return Ok(1);
    }
    let t = st.check_table(1)?;
    let year = get_field(st, t, "year", None, 1900)?;
    let mon = get_field(st, t, "month", None, 1)?;
    let day = get_field(st, t, "day", None, 0)?;
    let hour = get_field(st, t, "hour", Some(12), 0)?;
    let min = get_field(st, t, "min", Some(0), 0)?;
    let sec = get_field(st, t, "sec", Some(0), 0)?;
    match mktime(year + 1900, mon, day, hour, min, sec) {
        Some((secs, tm)) => {
            set_all_fields(st, t, &tm);
            st.push(Value::int(secs));
            Ok(1)
        }
        None => Err(st.error("time result cannot be represented in this installation")),
    }
}

fn os_difftime(st: &mut State) -> LuaResult<usize> {
    let t1 = st.check_int(1)?;
    let t2 = st.check_int(2)?;
    st.push(Value::float(t1 as f64 - t2 as f64));
    Ok(1)
}

/// Processor time used by the running thread, in seconds (C's `clock()` without libc).
///
/// The kernel's per-thread runtime (`/proc/thread-self/schedstat`, in nanoseconds) only
/// advances at scheduler ticks (every few milliseconds) for a running thread, so between
/// two ticks the wall time elapsed since the last advance is added, capped at one tick.
/// The result never decreases.
pub fn cpu_clock() -> f64 {
    use std::cell::Cell;
    use std::time::{Duration, Instant};
    const TICK: Duration = Duration::from_millis(4);
    thread_local! {
        static LAST: Cell<(u64, Option<Instant>, f64)> = const { Cell::new((0, None, 0.0)) };
    }
    static START: OnceLock<Instant> = OnceLock::new();
    let read = |p: &str| -> Option<u64> {
        std::fs::read_to_string(p)
            .ok()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let Some(ns) = read("/proc/thread-self/schedstat").or_else(|| read("/proc/self/schedstat"))
    else {
        return START.get_or_init(Instant::now).elapsed().as_secs_f64();
    };
    LAST.with(|c| {
        let (mut prev, mut at, last) = c.get();
        if ns != prev || at.is_none() {
            prev = ns;
            at = Some(Instant::now());
        }
        let extra = at.map(|a| a.elapsed().min(TICK)).unwrap_or_default();
        let v = (ns as f64 / 1e9 + extra.as_secs_f64()).max(last);
        c.set((prev, at, v));
        v
    })
}

fn os_clock(st: &mut State) -> LuaResult<usize> {
    st.push(Value::float(cpu_clock()));
    Ok(1)
}

fn os_getenv(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?;
    match std::env::var_os(OsStr::from_bytes(name.as_bytes())) {
        Some(v) => {
            let v = st.string_value_owned(v.into_vec());
            st.push(v);
        }
        None => st.push(Value::NIL),
    }
    Ok(1)
}

fn os_exit(st: &mut State) -> LuaResult<usize> {
    let v = st.arg(1);
    let status = match v.as_bool() {
        Some(b) => {
            if b {
                0
            } else {
                1
            }
        }
        None => st.opt_int(1, 0)? as i32,
    };
    if st.arg(2).truthy() {
        crate::vm::api::shut_down(st);
    }
    flush_all();
    std::process::exit(status)
}

fn os_remove(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?;
    let path = std::path::Path::new(OsStr::from_bytes(name.as_bytes()));
    let r = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir(path),
        _ => std::fs::remove_file(path),
    };
    Ok(file_result(st, r, Some(name.as_bytes())))
}

fn os_rename(st: &mut State) -> LuaResult<usize> {
    let from = st.check_str(1)?;
    let to = st.check_str(2)?;
    let r = std::fs::rename(
        OsStr::from_bytes(from.as_bytes()),
        OsStr::from_bytes(to.as_bytes()),
    );
    Ok(file_result(st, r, None))
}

fn os_tmpname(st: &mut State) -> LuaResult<usize> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for _ in 0..100 {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let mut x = (d.as_nanos() as u64)
            ^ (std::process::id() as u64).rotate_left(32)
            ^ COUNTER
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut name = b"/tmp/lua_".to_vec();
        for _ in 0..6 {
            name.push(CHARS[(x % CHARS.len() as u64) as usize]);
            x /= CHARS.len() as u64;
        }
        let path = OsStr::from_bytes(&name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => {
                let v = st.string_value_owned(name);
                st.push(v);
                return Ok(1);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => break,
        }
    }
    Err(st.error("unable to generate a unique filename"))
}

fn os_execute(st: &mut State) -> LuaResult<usize> {
    let Some(cmd) = st.opt_str(1)? else {
        st.push(Value::TRUE); // there is a shell
        return Ok(1);
    };
    flush_stdout();
    let status = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(OsStr::from_bytes(cmd.as_bytes()))
        .status();
    match status {
        Err(e) => {
            let (msg, code) = os_error(&e);
            st.push(Value::NIL);
            st.push_str(msg.as_bytes());
            st.push(Value::int(code));
            Ok(3)
        }
        Ok(s) => Ok(super::io::push_exec_status(st, s)),
    }
}

fn os_setlocale(st: &mut State) -> LuaResult<usize> {
    const CATS: [&str; 6] = ["all", "collate", "ctype", "monetary", "numeric", "time"];
    let l = st.opt_str(1)?;
    let cat = match st.opt_str(2)? {
        None => "all".to_string(),
        Some(s) => s.to_str_lossy().into_owned(),
    };
    if !CATS.contains(&cat.as_str()) {
        let msg = format!("invalid option '{cat}'");
        return Err(st.arg_error(2, &msg));
    }
    thread_local! {
        static CURRENT: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(b"C".to_vec());
    }
    // Only the "C" locale exists (its UTF-8 variant behaves the same for Lua).
    let accept = |name: &[u8]| -> Option<Vec<u8>> {
        match name {
            b"C" | b"POSIX" => Some(b"C".to_vec()),
            b"C.UTF-8" | b"C.utf8" => Some(name.to_vec()),
            _ => None,
        }
    };
    let result = match l.map(|s| s.as_bytes().to_vec()) {
        None => Some(CURRENT.with(|c| c.borrow().clone())),
        Some(s) if s.is_empty() => {
            let env = ["LC_ALL", "LANG"]
                .iter()
                .find_map(|k| std::env::var_os(k).filter(|v| !v.is_empty()))
                .map(|v| v.into_vec())
                .unwrap_or_else(|| b"C".to_vec());
            accept(&env)
        }
        Some(s) => accept(&s),
    };
    match result {
        Some(name) => {
            CURRENT.with(|c| *c.borrow_mut() = name.clone());
            let v = st.string_value_owned(name);
            st.push(v);
        }
        None => st.push(Value::NIL),
    }
    Ok(1)
}

pub fn open(st: &mut State) {
    let t = st.new_table(0, 12);
    st.set_fn(t, "clock", os_clock);
    st.set_fn(t, "date", os_date);
    st.set_fn(t, "difftime", os_difftime);
    st.set_fn(t, "execute", os_execute);
    st.set_fn(t, "exit", os_exit);
    st.set_fn(t, "getenv", os_getenv);
    st.set_fn(t, "remove", os_remove);
    st.set_fn(t, "rename", os_rename);
    st.set_fn(t, "setlocale", os_setlocale);
    st.set_fn(t, "time", os_time);
    st.set_fn(t, "tmpname", os_tmpname);
    st.set_field(st.globals, "os", Value::table(t));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(f: &str, t: i64) -> String {
        let tm = gmtime(t).unwrap();
        let mut out = Vec::new();
        strftime(&mut out, f.as_bytes(), &tm);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn civil_round_trip() {
        for d in [
            -800_000i64,
            -719_468,
            -1,
            0,
            1,
            59,
            365,
            11_016,
            2_932_896,
            1_000_000_000,
        ] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    /// Expected strings from `lua5.4 -e 'print(os.date("!...", t))'`.
    #[test]
    fn strftime_matches_c() {
        assert_eq!(fmt("%c", 0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(
            fmt("%Y-%m-%d %H:%M:%S %j %a %A %b %B %p %I", 1_000_000_000),
            "2001-09-09 01:46:40 252 Sun Sunday Sep September AM 01"
        );
        assert_eq!(
            fmt("%D %e %F %R %T %r %u %w %y %C %z %Z %%", 1_700_000_000),
            "11/14/23 14 2023-11-14 22:13 22:13:20 10:13:20 PM 2 2 23 20 +0000 GMT %"
        );
        // ISO weeks at year boundaries
        assert_eq!(fmt("%G %g %V %U %W", 1_104_537_600), "2004 04 53 00 00"); // 2005-01-01 (Sat)
        assert_eq!(fmt("%G %g %V %U %W", 1_230_768_000), "2009 09 01 00 00"); // 2009-01-01 (Thu)
        assert_eq!(fmt("%G %V", 1_230_681_600), "2009 01"); // 2008-12-31 (Wed)
        assert_eq!(
            fmt("%Ec|%EY|%Od|%OH", 0),
            "Thu Jan  1 00:00:00 1970|1970|01|00"
        );
    }

    #[test]
    fn mktime_normalizes() {
        // Only meaningful in UTC (the test machine's zone); skip otherwise.
        if local_zone().lookup(0).off != 0 || !local_zone().trans.is_empty() {
            return;
        }
        let (t, tm) = mktime(2000, 12, 1, 12, 0, 0).unwrap(); // month 13
        assert_eq!((tm.year, tm.mon, tm.mday), (2001, 0, 1));
        assert_eq!(t, 978_350_400);
        let (t, _) = mktime(1970, 0, 0, 0, 0, i32::MAX as i64).unwrap();
        assert_eq!(t, i32::MAX as i64 - 86400);
        assert!(mktime(i32::MAX as i64 + 1900, 11, 31, 23, 59, 59).is_some());
        assert!(mktime(i32::MAX as i64 + 1900, 11, 31, 23, 59, 60).is_none());
    }

    /// Expected strings from `TZ=America/New_York lua5.4 -e 'print(os.date("%c %Z %z", t))'`.
    #[test]
    fn tzif_zone() {
        let Ok(d) = std::fs::read("/usr/share/zoneinfo/America/New_York") else {
            return;
        };
        let z = Zone::parse(&d).unwrap();
        let f = |t: i64| {
            let ty = z.lookup(t);
            let tm = Tm::from_secs(t, ty.off, ty.isdst, &ty.abbr).unwrap();
            let mut out = Vec::new();
            strftime(&mut out, b"%c %Z %z", &tm);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(f(0), "Wed Dec 31 19:00:00 1969 EST -0500");
        assert_eq!(f(1_700_000_000), "Tue Nov 14 17:13:20 2023 EST -0500");
        assert_eq!(f(1_690_000_000), "Sat Jul 22 00:26:40 2023 EDT -0400");
        assert_eq!(f(-2_000_000_000), "Thu Aug 16 15:26:40 1906 EST -0500");
    }

    #[test]
    fn options() {
        assert_eq!(check_option(b"Ez"), None);
        assert_eq!(check_option(b"Ec"), Some(2));
        assert_eq!(check_option(b"E"), None);
        assert_eq!(check_option(b"%"), Some(1));
        assert_eq!(check_option(b""), None);
    }
}
