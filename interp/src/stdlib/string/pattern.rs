//! Lua patterns: the backtracking matcher behind `find`, `match`, `gmatch` and `gsub`.
//!
//! This is a plain Rust function over byte slices, independent of the VM, so it can be
//! tested directly. It follows PUC Lua 5.4's matcher exactly, including its error
//! messages and its reads past the end of the pattern and subject: PUC's strings are
//! NUL-terminated, so looking one byte past the end yields 0; [`MatchState::pat`] and
//! [`MatchState::src_at`] reproduce that.
//!
//! Rules for contributors:
//! - Every recursive call goes through [`MatchState::do_match`], which counts depth
//!   (`MAXCCALLS`, 200), so no pattern can exhaust the Rust stack; tail positions loop.
//! - Indices are byte offsets into `src` / `pat`; nothing here allocates per step.

/// Most captures a pattern may have (PUC's LUA_MAXCAPTURES).
pub const MAX_CAPTURES: usize = 32;
/// Maximum recursion depth of the matcher (PUC's MAXCCALLS).
pub const MAX_DEPTH: usize = 200;

const ESC: u8 = b'%';
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// Length of a capture being recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapLen {
    /// Opened, not yet closed.
    Unfinished,
    /// A position capture `()`.
    Position,
    /// A closed capture of this many bytes.
    Len(usize),
}

/// One capture: its start offset in the subject and its length.
#[derive(Clone, Copy, Debug)]
pub struct Capture {
    pub init: usize,
    pub len: CapLen,
}

/// A captured value, ready to become a Lua value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cap<'a> {
    Str(&'a [u8]),
    /// A 1-based position.
    Pos(usize),
}

/// A pattern error message (raised by the caller with position information), boxed so
/// that a match result fits in two registers.
#[derive(Debug)]
#[allow(clippy::box_collection)] // one word rather than three: that is the point
pub struct PatError(Box<String>);

impl PatError {
    pub fn message(self) -> String {
        *self.0
    }
}

impl From<&str> for PatError {
    fn from(m: &str) -> PatError {
        PatError(Box::new(m.to_owned()))
    }
}

impl From<String> for PatError {
    fn from(m: String) -> PatError {
        PatError(Box::new(m))
    }
}

pub type PatResult<T> = Result<T, PatError>;

/// The state of one match attempt.
pub struct MatchState<'a> {
    pub src: &'a [u8],
    pub pat: &'a [u8],
    depth: usize,
    pub level: usize,
    pub capture: [Capture; MAX_CAPTURES],
    /// What a match must start with.
    first: First,
}

/// The pattern's first item when every match must consume a byte there: a single-
/// character class without a suffix that accepts nothing (`*`, `?`, `-`). Positions
/// where it fails are skipped without an attempt; the attempt there would fail on that
/// first item and look no further (so no pattern error is missed).
#[derive(Clone, Copy)]
enum First {
    Unknown,
    /// A literal byte.
    Byte(u8),
    /// The class spanning pattern bytes `0..end`.
    Class(usize),
}

/// C's character classes in the "C" locale.
pub fn is_cntrl(c: u8) -> bool {
    c < 32 || c == 127
}
pub fn is_punct(c: u8) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_alphanumeric()
}
pub fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Whether `c` belongs to class letter `cl` (`%a`, `%A`, ...); any other letter matches
/// itself.
fn match_class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => is_cntrl(c),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => is_punct(c),
        b's' => is_space(c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return cl == c,
    };
    if cl.is_ascii_lowercase() {
        res
    } else {
        !res
    }
}

/// Whether the pattern has no special characters (so `find` may do a plain search).
pub fn no_specials(p: &[u8]) -> bool {
    !p.iter().any(|c| SPECIALS.contains(c))
}

/// Plain substring search (`lmemfind`).
pub fn find_plain(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > hay.len() {
        return None;
    }
    let first = needle[0];
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        match hay[i..=last_start].iter().position(|&c| c == first) {
            None => return None,
            Some(off) => {
                i += off;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

impl<'a> MatchState<'a> {
    pub fn new(src: &'a [u8], pat: &'a [u8]) -> MatchState<'a> {
        MatchState {
            src,
            pat,
            depth: MAX_DEPTH,
            level: 0,
            capture: [Capture {
                init: 0,
                len: CapLen::Unfinished,
            }; MAX_CAPTURES],
            first: First::Unknown,
        }
        .with_first()
    }

    fn with_first(mut self) -> Self {
        let p0 = self.pat(0);
        let p1 = self.pat(1);
        let special = match p0 {
            b'(' | b')' => true,
            b'$' => self.pat.len() == 1,
            ESC => matches!(p1, b'b' | b'f') || p1.is_ascii_digit(),
            _ => self.pat.is_empty(),
        };
        if special {
            return self;
        }
        let Ok(end) = self.class_end(0) else {
            return self;
        };
        if matches!(self.pat(end), b'*' | b'?' | b'-') {
            return self;
        }
        self.first = match p0 {
            b'.' | b'[' => First::Class(end),
            ESC if p1.is_ascii_alphanumeric() => First::Class(end),
            ESC => First::Byte(p1),
            _ => First::Byte(p0),
        };
        self
    }

    /// The first position from `s` on where a match may start (`s` itself when the
    /// pattern's start says nothing), or None when none can.
    pub fn next_start(&self, s: usize) -> Option<usize> {
        if s > self.src.len() {
            return None;
        }
        match self.first {
            First::Unknown => Some(s),
            First::Byte(b) => self.src[s..].iter().position(|&c| c == b).map(|i| s + i),
            First::Class(end) => (s..self.src.len()).find(|&i| self.single_match(i, 0, end)),
        }
    }

    /// Resets the captures before a new attempt.
    pub fn reprep(&mut self) {
        self.level = 0;
        debug_assert_eq!(self.depth, MAX_DEPTH);
    }

    /// Pattern byte at `i`, 0 past the end (PUC's terminating NUL).
    #[inline]
    fn pat(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }
    /// Subject byte at `i`, 0 past the end.
    #[inline]
    fn src_at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn check_capture(&self, l: u8) -> PatResult<usize> {
        let l = l as i32 - b'1' as i32;
        if l < 0 || l as usize >= self.level || self.capture[l as usize].len == CapLen::Unfinished {
            return Err(PatError::from(format!("invalid capture index %{}", l + 1)));
        }
        Ok(l as usize)
    }

    fn capture_to_close(&self) -> PatResult<usize> {
        (0..self.level)
            .rev()
            .find(|&l| self.capture[l].len == CapLen::Unfinished)
            .ok_or_else(|| "invalid pattern capture".into())
    }

    /// End of the single-character class starting at `p`.
    fn class_end(&self, mut p: usize) -> PatResult<usize> {
        let c = self.pat(p);
        p += 1;
        match c {
            ESC => {
                if p >= self.pat.len() {
                    return Err("malformed pattern (ends with '%')".into());
                }
                Ok(p + 1)
            }
            b'[' => {
                if self.pat(p) == b'^' {
                    p += 1;
                }
                loop {
                    // look for a ']'
                    if p >= self.pat.len() {
                        return Err("malformed pattern (missing ']')".into());
                    }
                    let c = self.pat(p);
                    p += 1;
                    if c == ESC && p < self.pat.len() {
                        p += 1; // skip escapes (e.g. '%]')
                    }
                    if self.pat(p) == b']' {
                        break;
                    }
                }
                Ok(p + 1)
            }
            _ => Ok(p),
        }
    }

    /// Whether `c` is in the set `[...]` spanning `p` (at '[') to `ec` (at ']').
    fn match_bracket_class(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let mut sig = true;
        if self.pat(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            let pc = self.pat(p);
            if pc == ESC {
                p += 1;
                if match_class(c, self.pat(p)) {
                    return sig;
                }
            } else if self.pat(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if pc <= c && c <= self.pat(p) {
                    return sig;
                }
            } else if pc == c {
                return sig;
            }
        }
        !sig
    }

    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        if s >= self.src.len() {
            return false;
        }
        let c = self.src[s];
        match self.pat(p) {
            b'.' => true,
            ESC => match_class(c, self.pat(p + 1)),
            b'[' => self.match_bracket_class(c, p, ep - 1),
            pc => pc == c,
        }
    }

    fn match_balance(&self, s: usize, p: usize) -> PatResult<Option<usize>> {
        if p + 1 >= self.pat.len() {
            return Err("malformed pattern (missing arguments to '%b')".into());
        }
        if self.src_at(s) != self.pat(p) {
            return Ok(None);
        }
        let b = self.pat(p);
        let e = self.pat(p + 1);
        let mut cont = 1;
        let mut s = s + 1;
        while s < self.src.len() {
            let c = self.src[s];
            if c == e {
                cont -= 1;
                if cont == 0 {
                    return Ok(Some(s + 1));
                }
            } else if c == b {
                cont += 1;
            }
            s += 1;
        }
        Ok(None)
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> PatResult<Option<usize>> {
        let mut i = 0;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        // try with the maximum repetitions first, then back off
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> PatResult<Option<usize>> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            } else if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: CapLen) -> PatResult<Option<usize>> {
        let level = self.level;
        if level >= MAX_CAPTURES {
            return Err("too many captures".into());
        }
        self.capture[level] = Capture { init: s, len: what };
        self.level = level + 1;
        let res = self.do_match(s, p)?;
        if res.is_none() {
            self.level -= 1;
        }
        Ok(res)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> PatResult<Option<usize>> {
        let l = self.capture_to_close()?;
        self.capture[l].len = CapLen::Len(s - self.capture[l].init);
        let res = self.do_match(s, p)?;
        if res.is_none() {
            self.capture[l].len = CapLen::Unfinished;
        }
        Ok(res)
    }

    fn match_capture(&self, s: usize, l: u8) -> PatResult<Option<usize>> {
        let l = self.check_capture(l)?;
        let init = self.capture[l].init;
        // A position capture has no text: PUC compares (size_t)-2 bytes, which never fits.
        let CapLen::Len(len) = self.capture[l].len else {
            return Ok(None);
        };
        if self.src.len() - s >= len && self.src[init..init + len] == self.src[s..s + len] {
            Ok(Some(s + len))
        } else {
            Ok(None)
        }
    }

    /// Matches pattern position `p` against subject position `s`; returns the end of the
    /// match.
    pub fn do_match(&mut self, s: usize, p: usize) -> PatResult<Option<usize>> {
        if self.depth == 0 {
            return Err("pattern too complex".into());
        }
        self.depth -= 1;
        let r = self.match_body(s, p);
        self.depth += 1;
        r
    }

    fn match_body(&mut self, mut s: usize, mut p: usize) -> PatResult<Option<usize>> {
        loop {
            if p == self.pat.len() {
                return Ok(Some(s));
            }
            match self.pat[p] {
                b'(' => {
                    return if self.pat(p + 1) == b')' {
                        self.start_capture(s, p + 2, CapLen::Position)
                    } else {
                        self.start_capture(s, p + 1, CapLen::Unfinished)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok(if s == self.src.len() { Some(s) } else { None });
                }
                ESC if self.pat(p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(ns) => {
                        s = ns;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                ESC if self.pat(p + 1) == b'f' => {
                    p += 2;
                    if self.pat(p) != b'[' {
                        return Err("missing '[' after '%f' in pattern".into());
                    }
                    let ep = self.class_end(p)?;
                    let prev = if s == 0 { 0 } else { self.src[s - 1] };
                    let cur = self.src_at(s);
                    if !self.match_bracket_class(prev, p, ep - 1)
                        && self.match_bracket_class(cur, p, ep - 1)
                    {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                ESC if self.pat(p + 1).is_ascii_digit() => {
                    match self.match_capture(s, self.pat(p + 1))? {
                        Some(ns) => {
                            s = ns;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {
                    // a single-character class plus an optional suffix
                    let ep = self.class_end(p)?;
                    let suffix = self.pat(ep);
                    if !self.single_match(s, p, ep) {
                        if suffix == b'*' || suffix == b'?' || suffix == b'-' {
                            p = ep + 1; // accept empty
                            continue;
                        }
                        return Ok(None);
                    }
                    match suffix {
                        b'?' => {
                            if let Some(r) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(r));
                            }
                            p = ep + 1;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                        }
                    }
                }
            }
        }
    }

    /// Capture `i` of a successful match of `s..e`. With no captures, capture 0 is the
    /// whole match.
    pub fn get_capture(&self, i: usize, s: usize, e: usize) -> PatResult<Cap<'a>> {
        if i >= self.level {
            if i != 0 {
                return Err(PatError::from(format!("invalid capture index %{}", i + 1)));
            }
            return Ok(Cap::Str(&self.src[s..e]));
        }
        let c = self.capture[i];
        match c.len {
            CapLen::Unfinished => Err("unfinished capture".into()),
            CapLen::Position => Ok(Cap::Pos(c.init + 1)),
            CapLen::Len(l) => Ok(Cap::Str(&self.src[c.init..c.init + l])),
        }
    }

    /// Number of values a match yields: its captures, or the whole match when there
    /// are none (`whole` false means the caller does not want the whole match, as in
    /// `find`).
    pub fn ncaptures(&self, whole: bool) -> usize {
        if self.level == 0 && whole {
            1
        } else {
            self.level
        }
    }
}

/// One search like `string.find`/`string.match` from byte offset `init`: returns the
/// match's start, its end, and the state holding its captures.
pub fn search<'a>(
    src: &'a [u8],
    pat: &'a [u8],
    init: usize,
) -> PatResult<Option<(usize, usize, MatchState<'a>)>> {
    let (anchor, p) = match pat.first() {
        Some(b'^') => (true, &pat[1..]),
        _ => (false, pat),
    };
    let mut ms = MatchState::new(src, p);
    let mut s1 = init;
    loop {
        if !anchor {
            match ms.next_start(s1) {
                Some(s) => s1 = s,
                None => return Ok(None),
            }
        }
        ms.reprep();
        if let Some(e) = ms.do_match(s1, 0)? {
            return Ok(Some((s1, e, ms)));
        }
        s1 += 1;
        if anchor || s1 > src.len() {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `string.match(s, p)` as strings (positions printed as numbers).
    fn m(s: &str, p: &str) -> Result<Option<Vec<String>>, String> {
        let r = search(s.as_bytes(), p.as_bytes(), 0).map_err(PatError::message)?;
        Ok(r.map(|(st, e, ms)| {
            (0..ms.ncaptures(true))
                .map(|i| match ms.get_capture(i, st, e).unwrap() {
                    Cap::Str(b) => String::from_utf8_lossy(b).into_owned(),
                    Cap::Pos(n) => n.to_string(),
                })
                .collect()
        }))
    }
    fn m1(s: &str, p: &str) -> Option<String> {
        m(s, p).unwrap().map(|v| v[0].clone())
    }
    fn f(s: &str, p: &str) -> Option<(usize, usize)> {
        search(s.as_bytes(), p.as_bytes(), 0)
            .unwrap()
            .map(|(a, b, _)| (a + 1, b))
    }

    #[test]
    fn basics() {
        assert_eq!(f("", ""), Some((1, 0)));
        assert_eq!(f("alo", ""), Some((1, 0)));
        assert_eq!(f("a\0o a\0o a\0o", "a\0o"), Some((1, 3)));
        assert_eq!(f("alo123alo", "12"), Some((4, 5)));
        assert_eq!(f("alo123alo", "^12"), None);
        assert_eq!(m1("aaab", ".*b").as_deref(), Some("aaab"));
        assert_eq!(m1("aaa", ".*a").as_deref(), Some("aaa"));
        assert_eq!(m1("b", ".*b").as_deref(), Some("b"));
        assert_eq!(m1("aaab", ".+b").as_deref(), Some("aaab"));
        assert_eq!(m1("b", ".+b"), None);
        assert_eq!(m1("aaab", ".?b").as_deref(), Some("ab"));
        assert_eq!(m1("alo xo", ".o$").as_deref(), Some("xo"));
        assert_eq!(m1(" \n isto é assim", "%S%S*").as_deref(), Some("isto"));
        assert_eq!(m1(" \n isto é assim", "%S*$").as_deref(), Some("assim"));
        assert_eq!(m1(" \n isto é assim", "[a-z]*$").as_deref(), Some("assim"));
        assert_eq!(m1("um caracter ? extra", "[^%sa-z]").as_deref(), Some("?"));
        assert_eq!(m1("", "a?").as_deref(), Some(""));
        assert_eq!(m1("á", "á?").as_deref(), Some("á"));
        assert_eq!(m1("abc", "a-b").as_deref(), Some("ab"));
        assert_eq!(m1("0alo alo", "%x*").as_deref(), Some("0a"));
        assert_eq!(m1("alo alo", "%C+").as_deref(), Some("alo alo"));
        assert_eq!(m1("(álo)", "%(á").as_deref(), Some("(á"));
        assert_eq!(m1("a$b", "a$b").as_deref(), Some("a$b"));
    }

    #[test]
    fn captures() {
        assert_eq!(
            m("hello world", "(h)(e)(l)").unwrap().unwrap(),
            vec!["h", "e", "l"]
        );
        assert_eq!(m("  hello", "()ll()").unwrap().unwrap(), vec!["5", "7"]);
        assert_eq!(m("xuxx", "(x)(u)%1%1").unwrap().unwrap(), vec!["x", "u"]);
        assert_eq!(m1("abc = '0123'", "(['\"])(.-)%1").as_deref(), Some("'"));
        assert_eq!(m1("THE (quick) fox", "%b()").as_deref(), Some("(quick)"));
        assert_eq!(m1("THE (quick) fox", "%f[%a]%a+").as_deref(), Some("THE"));
        assert_eq!(m1("THE (quick) fox", "%f[%l]%a+").as_deref(), Some("quick"));
        assert_eq!(m1("aaa", "%f[%z]").as_deref(), Some(""));
        assert_eq!(f("a", "%f[%z]"), Some((2, 1)));
        assert_eq!(f("abc", "%f[%z]"), Some((4, 3)));
    }

    /// Searches that skip to where the pattern's first item can match (checked against
    /// PUC Lua 5.4, including which pattern errors it reaches).
    #[test]
    fn skipping_to_the_first_item() {
        assert_eq!(m1("hello [world] x", "%[(%a+)%]").as_deref(), Some("world"));
        assert_eq!(f("abc$d", "$d"), Some((4, 5)));
        assert_eq!(f("aXb", "[A-Z]"), Some((2, 2)));
        assert_eq!(f("a\0b", "\0"), Some((2, 2)));
        assert_eq!(m1("  key = val", "%a+").as_deref(), Some("key"));
        assert_eq!(f("xyz", "q+"), None);
        // A first item that may match nothing is no filter.
        assert_eq!(f("xyz", "q*"), Some((1, 0)));
        assert_eq!(f("xyz", "q?y"), Some((2, 2)));
        // Positions skipped are those where the attempt fails on the first item, before
        // reaching an error further on.
        assert_eq!(m("xyz", "a(").unwrap(), None);
        assert_eq!(m("xyz", "a%").unwrap(), None);
        // (Where it can match, the capture left open fails later, in get_capture.)
        assert_eq!(f("xaz", "a("), Some((2, 2)));
        assert_eq!(
            m("xyz", "[a").unwrap_err(),
            "malformed pattern (missing ']')"
        );
    }

    #[test]
    fn errors() {
        let e = |p: &str| m("alo", p).unwrap_err();
        assert_eq!(e("%"), "malformed pattern (ends with '%')");
        assert_eq!(e("[a"), "malformed pattern (missing ']')");
        assert_eq!(e("[]"), "malformed pattern (missing ']')");
        assert_eq!(e("[^]"), "malformed pattern (missing ']')");
        assert_eq!(e("[a%]"), "malformed pattern (missing ']')");
        assert_eq!(e("%f"), "missing '[' after '%f' in pattern");
        assert_eq!(e("(a%1)"), "invalid capture index %1");
        assert_eq!(e("%1"), "invalid capture index %1");
        assert_eq!(e("a)"), "invalid pattern capture");
        assert_eq!(e("%b"), "malformed pattern (missing arguments to '%b')");
        assert_eq!(m("a", &"(".repeat(33)).unwrap_err(), "too many captures");
        let s = "a".repeat(300);
        assert_eq!(m(&s, &".?".repeat(300)).unwrap_err(), "pattern too complex");
        let (st, e2, ms) = search(b"alo", b"(a", 0).unwrap().unwrap();
        assert_eq!(
            ms.get_capture(0, st, e2).unwrap_err().message(),
            "unfinished capture"
        );
    }

    #[test]
    fn plain() {
        assert_eq!(find_plain(b"abcabc", b"ca"), Some(2));
        assert_eq!(find_plain(b"abc", b""), Some(0));
        assert_eq!(find_plain(b"abc", b"abcd"), None);
        assert_eq!(find_plain(b"aab", b"ab"), Some(1));
        assert!(no_specials(b"abc"));
        assert!(!no_specials(b"a.c"));
    }
}
