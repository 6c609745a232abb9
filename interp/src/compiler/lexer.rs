//! The scanner: bytes in, tokens out, with PUC Lua's error messages.
//!
//! Strings and names are interned into a [`Strings`] table and travel as [`StrId`]s, so a
//! token is `Copy`. The lexer keeps one token of lookahead (the parser needs it only to tell
//! `{ name = ...}` from `{ name }`). Errors are complete messages,
//! `chunkid:line: message near 'token'`, built from the text of the offending token the
//! way `llex.c` builds them (a string token shows its processed contents in quotes).

use super::chunk_id;
use ferrous_runtime::number::{str_to_number, Number};
use std::collections::HashMap;

/// An interned string (a name or a string literal) of the chunk being compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StrId(pub u32);

/// The string table of one compilation.
#[derive(Default)]
pub struct Strings {
    list: Vec<Vec<u8>>,
    map: HashMap<Vec<u8>, StrId>,
}

impl Strings {
    pub fn intern(&mut self, s: &[u8]) -> StrId {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = StrId(self.list.len() as u32);
        self.list.push(s.to_vec());
        self.map.insert(s.to_vec(), id);
        id
    }
    pub fn get(&self, id: StrId) -> &[u8] {
        &self.list[id.0 as usize]
    }
}

/// A token. Single-character symbols are `Char`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tok {
    And,
    Break,
    Do,
    Else,
    Elseif,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    IDiv,
    Concat,
    Dots,
    Eq,
    Ge,
    Le,
    Ne,
    Shl,
    Shr,
    DbColon,
    Eos,
    Flt(f64),
    Int(i64),
    Name(StrId),
    Str(StrId),
    Char(u8),
}

const RESERVED: &[(&str, Tok)] = &[
    ("and", Tok::And),
    ("break", Tok::Break),
    ("do", Tok::Do),
    ("else", Tok::Else),
    ("elseif", Tok::Elseif),
    ("end", Tok::End),
    ("false", Tok::False),
    ("for", Tok::For),
    ("function", Tok::Function),
    ("goto", Tok::Goto),
    ("if", Tok::If),
    ("in", Tok::In),
    ("local", Tok::Local),
    ("nil", Tok::Nil),
    ("not", Tok::Not),
    ("or", Tok::Or),
    ("repeat", Tok::Repeat),
    ("return", Tok::Return),
    ("then", Tok::Then),
    ("true", Tok::True),
    ("until", Tok::Until),
    ("while", Tok::While),
];

impl Tok {
    /// The token as PUC's `luaX_token2str` shows it in messages.
    pub fn describe(self) -> String {
        let fixed = match self {
            Tok::IDiv => "//",
            Tok::Concat => "..",
            Tok::Dots => "...",
            Tok::Eq => "==",
            Tok::Ge => ">=",
            Tok::Le => "<=",
            Tok::Ne => "~=",
            Tok::Shl => "<<",
            Tok::Shr => ">>",
            Tok::DbColon => "::",
            Tok::Eos => return "<eof>".into(),
            Tok::Flt(_) => return "<number>".into(),
            Tok::Int(_) => return "<integer>".into(),
            Tok::Name(_) => return "<name>".into(),
            Tok::Str(_) => return "<string>".into(),
            Tok::Char(c) => {
                return if (0x20..0x7f).contains(&c) {
                    format!("'{}'", c as char)
                } else {
                    format!("'<\\{c}>'")
                }
            }
            t => RESERVED
                .iter()
                .find(|(_, r)| *r == t)
                .map(|(s, _)| *s)
                .unwrap_or("?"),
        };
        format!("'{fixed}'")
    }
}

/// A token with the source text that `near` shows for it.
#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub tok: Tok,
    /// Byte range of the token's text in the source (for names and numerals), or of the
    /// whole literal (strings).
    pub start: usize,
    pub end: usize,
}

pub struct Lexer<'s> {
    src: &'s [u8],
    pos: usize,
    /// Current line (where the scanner is).
    pub line: u32,
    /// Line of the last token consumed (for line info of emitted code).
    pub lastline: u32,
    /// The current token.
    pub t: Token,
    ahead: Option<Token>,
    pub strings: Strings,
    chunk: String,
    /// Scratch buffer for string literals.
    buf: Vec<u8>,
}

fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Encodes `x` (up to 2^31) in the extended UTF-8 that Lua 5.4 accepts.
fn utf8_encode(mut x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tail = Vec::with_capacity(6);
    let mut mfb: u32 = 0x3f; // largest value that fits in the first byte
    loop {
        tail.push(0x80 | (x & 0x3f) as u8);
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    out.push(((!mfb << 1) | x) as u8);
    out.extend(tail.iter().rev());
}

impl<'s> Lexer<'s> {
    pub fn new(src: &'s [u8], chunkname: &[u8]) -> Lexer<'s> {
        let mut pos = 0;
        if chunkname.first() == Some(&b'@') {
            // A file: skip a UTF-8 BOM and a first line starting with '#' (as
            // luaL_loadfile does), keeping the newline so line numbers stay right.
            if src.starts_with(b"\xEF\xBB\xBF") {
                pos = 3;
            }
            if src.get(pos) == Some(&b'#') {
                while pos < src.len() && src[pos] != b'\n' && src[pos] != b'\r' {
                    pos += 1;
                }
            }
        }
        Lexer {
            src,
            pos,
            line: 1,
            lastline: 1,
            t: Token {
                tok: Tok::Eos,
                start: 0,
                end: 0,
            },
            ahead: None,
            strings: Strings::default(),
            chunk: chunk_id(chunkname),
            buf: Vec::new(),
        }
    }

    fn cur(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek(&self, k: usize) -> Option<u8> {
        self.src.get(self.pos + k).copied()
    }

    // ---------------------------------------------------------------- errors

    /// `chunkid:line: msg`
    pub fn plain_error(&self, msg: &str) -> String {
        format!("{}:{}: {}", self.chunk, self.line, msg)
    }

    /// The text `near` shows for a token.
    pub fn token_text(&self, t: &Token) -> String {
        match t.tok {
            Tok::Name(_) | Tok::Flt(_) | Tok::Int(_) => {
                format!("'{}'", String::from_utf8_lossy(&self.src[t.start..t.end]))
            }
            Tok::Str(id) => {
                let raw = &self.src[t.start..t.end];
                if raw.first() == Some(&b'[') {
                    format!("'{}'", String::from_utf8_lossy(raw))
                } else {
                    let q = raw[0] as char;
                    format!(
                        "{}{q}{}{q}'",
                        '\'',
                        String::from_utf8_lossy(self.strings.get(id))
                    )
                }
            }
            tok => tok.describe(),
        }
    }

    /// A syntax error at the current token: `chunkid:line: msg near 'tok'`.
    pub fn syntax_error(&self, msg: &str) -> String {
        format!(
            "{} near {}",
            self.plain_error(msg),
            self.token_text(&self.t)
        )
    }

    /// A lexical error whose `near` text is the raw source from `start` to the scan point.
    fn lex_error_raw(&self, msg: &str, start: usize) -> String {
        let end = self.pos.min(self.src.len());
        format!(
            "{} near '{}'",
            self.plain_error(msg),
            String::from_utf8_lossy(&self.src[start..end])
        )
    }

    fn lex_error_eof(&self, msg: &str) -> String {
        format!("{} near <eof>", self.plain_error(msg))
    }

    /// An error inside a short string: `near` shows the literal read so far.
    fn string_error(&mut self, msg: &str, delim: u8, raw_from: usize) -> String {
        // PUC shows the processed prefix plus the raw characters of the bad escape.
        let mut text = vec![delim];
        text.extend_from_slice(&self.buf);
        let end = self.pos.min(self.src.len());
        text.extend_from_slice(&self.src[raw_from..end]);
        format!(
            "{} near '{}'",
            self.plain_error(msg),
            String::from_utf8_lossy(&text)
        )
    }

    // ---------------------------------------------------------------- driving

    /// Advances to the next token.
    pub fn advance(&mut self) -> Result<(), String> {
        self.lastline = self.line;
        self.t = match self.ahead.take() {
            Some(t) => t,
            None => self.scan()?,
        };
        Ok(())
    }

    /// Peeks at the token after the current one.
    pub fn lookahead(&mut self) -> Result<Tok, String> {
        if self.ahead.is_none() {
            let t = self.scan()?;
            self.ahead = Some(t);
        }
        Ok(self.ahead.map(|t| t.tok).unwrap_or(Tok::Eos))
    }

    fn newline(&mut self) -> Result<(), String> {
        let old = self.cur();
        self.pos += 1;
        let c = self.cur();
        if (c == Some(b'\n') || c == Some(b'\r')) && c != old {
            self.pos += 1; // \n\r or \r\n counts once
        }
        self.line += 1;
        if self.line >= i32::MAX as u32 {
            return Err(self.lex_error_eof("chunk has too many lines"));
        }
        Ok(())
    }

    fn at_newline(&self) -> bool {
        matches!(self.cur(), Some(b'\n') | Some(b'\r'))
    }

    fn scan(&mut self) -> Result<Token, String> {
        loop {
            let start = self.pos;
            let Some(c) = self.cur() else {
                return Ok(Token {
                    tok: Tok::Eos,
                    start,
                    end: start,
                });
            };
            let tok = match c {
                b'\n' | b'\r' => {
                    self.newline()?;
                    continue;
                }
                b' ' | b'\t' | b'\x0b' | b'\x0c' => {
                    self.pos += 1;
                    continue;
                }
                b'-' => {
                    if self.peek(1) != Some(b'-') {
                        self.pos += 1;
                        Tok::Char(b'-')
                    } else {
                        self.pos += 2;
                        self.comment()?;
                        continue;
                    }
                }
                b'[' => {
                    let sep = self.skip_sep();
                    if sep >= 2 {
                        let id = self.long_string(sep, true, start)?;
                        Tok::Str(id)
                    } else if sep == 0 {
                        return Err(self.lex_error_raw("invalid long string delimiter", start));
                    } else {
                        Tok::Char(b'[')
                    }
                }
                b'=' => self.two(b'=', Tok::Eq, Tok::Char(b'=')),
                b'<' => {
                    if self.peek(1) == Some(b'<') {
                        self.pos += 2;
                        Tok::Shl
                    } else {
                        self.two(b'=', Tok::Le, Tok::Char(b'<'))
                    }
                }
                b'>' => {
                    if self.peek(1) == Some(b'>') {
                        self.pos += 2;
                        Tok::Shr
                    } else {
                        self.two(b'=', Tok::Ge, Tok::Char(b'>'))
                    }
                }
                b'/' => self.two(b'/', Tok::IDiv, Tok::Char(b'/')),
                b'~' => self.two(b'=', Tok::Ne, Tok::Char(b'~')),
                b':' => self.two(b':', Tok::DbColon, Tok::Char(b':')),
                b'"' | b'\'' => Tok::Str(self.short_string(c)?),
                b'.' => {
                    if self.peek(1) == Some(b'.') {
                        if self.peek(2) == Some(b'.') {
                            self.pos += 3;
                            Tok::Dots
                        } else {
                            self.pos += 2;
                            Tok::Concat
                        }
                    } else if self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
                        self.numeral()?
                    } else {
                        self.pos += 1;
                        Tok::Char(b'.')
                    }
                }
                b'0'..=b'9' => self.numeral()?,
                c if is_alpha(c) => {
                    while self.cur().is_some_and(is_alnum) {
                        self.pos += 1;
                    }
                    let word = &self.src[start..self.pos];
                    match RESERVED.iter().find(|(s, _)| s.as_bytes() == word) {
                        Some((_, t)) => *t,
                        None => Tok::Name(self.strings.intern(word)),
                    }
                }
                c => {
                    self.pos += 1;
                    Tok::Char(c)
                }
            };
            return Ok(Token {
                tok,
                start,
                end: self.pos,
            });
        }
    }

    /// A one- or two-character token: `first` then maybe `second`.
    fn two(&mut self, second: u8, both: Tok, single: Tok) -> Tok {
        if self.peek(1) == Some(second) {
            self.pos += 2;
            both
        } else {
            self.pos += 1;
            single
        }
    }

    /// After `--`: a long comment or the rest of the line.
    fn comment(&mut self) -> Result<(), String> {
        if self.cur() == Some(b'[') {
            let save = self.pos;
            let sep = self.skip_sep();
            if sep >= 2 {
                self.long_string(sep, false, save)?;
                return Ok(());
            }
        }
        while self.cur().is_some() && !self.at_newline() {
            self.pos += 1;
        }
        Ok(())
    }

    /// At `[` or `]`: reads `[=*[`. Returns the number of '=' plus 2 when well formed, 1
    /// for a lone bracket, 0 for `[=` without the second bracket. Leaves the position on
    /// the last bracket (or on the first non-'=' character).
    fn skip_sep(&mut self) -> usize {
        let s = self.src[self.pos];
        self.pos += 1;
        let mut count = 0;
        while self.cur() == Some(b'=') {
            self.pos += 1;
            count += 1;
        }
        if self.cur() == Some(s) {
            count + 2
        } else if count == 0 {
            1
        } else {
            0
        }
    }

    /// Reads a long string or comment body; the position is on the second `[`.
    fn long_string(&mut self, sep: usize, keep: bool, start: usize) -> Result<StrId, String> {
        let first_line = self.line;
        self.pos += 1; // second '['
        if self.at_newline() {
            self.newline()?;
        }
        self.buf.clear();
        loop {
            match self.cur() {
                None => {
                    let what = if keep { "string" } else { "comment" };
                    let msg = format!("unfinished long {what} (starting at line {first_line})");
                    return Err(self.lex_error_eof(&msg));
                }
                Some(b']') => {
                    let at = self.pos;
                    if self.skip_sep() == sep {
                        self.pos += 1;
                        break;
                    }
                    if keep {
                        self.buf.extend_from_slice(&self.src[at..self.pos]);
                    }
                }
                Some(b'\n') | Some(b'\r') => {
                    self.newline()?;
                    if keep {
                        self.buf.push(b'\n');
                    }
                }
                Some(c) => {
                    if keep {
                        self.buf.push(c);
                    }
                    self.pos += 1;
                }
            }
        }
        let _ = start;
        Ok(if keep {
            self.strings.intern(&std::mem::take(&mut self.buf))
        } else {
            StrId(0)
        })
    }

    /// Reads a quoted string with escapes; the position is on the opening quote.
    fn short_string(&mut self, delim: u8) -> Result<StrId, String> {
        self.pos += 1;
        self.buf.clear();
        loop {
            let Some(c) = self.cur() else {
                return Err(self.lex_error_eof("unfinished string"));
            };
            if c == delim {
                self.pos += 1;
                break;
            }
            match c {
                b'\n' | b'\r' => {
                    let here = self.pos;
                    return Err(self.string_error("unfinished string", delim, here));
                }
                b'\\' => self.escape(delim)?,
                _ => {
                    self.buf.push(c);
                    self.pos += 1;
                }
            }
        }
        let s = std::mem::take(&mut self.buf);
        Ok(self.strings.intern(&s))
    }

    /// Processes one escape sequence; the position is on the backslash.
    fn escape(&mut self, delim: u8) -> Result<(), String> {
        let bs = self.pos;
        self.pos += 1;
        let Some(c) = self.cur() else {
            return Ok(()); // "unfinished string" comes next
        };
        let simple = match c {
            b'a' => Some(7),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(11),
            b'\\' | b'"' | b'\'' => Some(c),
            _ => None,
        };
        if let Some(v) = simple {
            self.pos += 1;
            self.buf.push(v);
            return Ok(());
        }
        match c {
            b'\n' | b'\r' => {
                self.newline()?;
                self.buf.push(b'\n');
            }
            b'x' => {
                self.pos += 1;
                let mut r = 0u32;
                for _ in 0..2 {
                    match self.cur().and_then(|d| (d as char).to_digit(16)) {
                        Some(d) => {
                            r = r * 16 + d;
                            self.pos += 1;
                        }
                        None => {
                            return Err(self.esc_error("hexadecimal digit expected", delim, bs))
                        }
                    }
                }
                self.buf.push(r as u8);
            }
            b'u' => {
                self.pos += 1;
                if self.cur() != Some(b'{') {
                    return Err(self.esc_error("missing '{'", delim, bs));
                }
                self.pos += 1;
                let mut r: u32 = match self.cur().and_then(|d| (d as char).to_digit(16)) {
                    Some(d) => d,
                    None => return Err(self.esc_error("hexadecimal digit expected", delim, bs)),
                };
                self.pos += 1;
                while let Some(d) = self.cur().and_then(|d| (d as char).to_digit(16)) {
                    if r > (0x7FFF_FFFF >> 4) {
                        return Err(self.esc_error("UTF-8 value too large", delim, bs));
                    }
                    r = (r << 4) + d;
                    self.pos += 1;
                }
                if self.cur() != Some(b'}') {
                    return Err(self.esc_error("missing '}'", delim, bs));
                }
                self.pos += 1;
                utf8_encode(r, &mut self.buf);
            }
            b'z' => {
                self.pos += 1;
                while let Some(s) = self.cur() {
                    if s == b'\n' || s == b'\r' {
                        self.newline()?;
                    } else if matches!(s, b' ' | b'\t' | b'\x0b' | b'\x0c') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
            }
            b'0'..=b'9' => {
                let mut r = 0u32;
                let mut i = 0;
                while i < 3 && self.cur().is_some_and(|d| d.is_ascii_digit()) {
                    r = r * 10 + (self.src[self.pos] - b'0') as u32;
                    self.pos += 1;
                    i += 1;
                }
                if r > 255 {
                    return Err(self.esc_error("decimal escape too large", delim, bs));
                }
                self.buf.push(r as u8);
            }
            _ => return Err(self.esc_error("invalid escape sequence", delim, bs)),
        }
        Ok(())
    }

    /// An escape error: like PUC, the message shows the escape read so far plus the
    /// offending character.
    fn esc_error(&mut self, msg: &str, delim: u8, bs: usize) -> String {
        if self.cur().is_some() {
            self.pos += 1;
        }
        self.string_error(msg, delim, bs)
    }

    /// Reads a numeral with PUC's greedy rule, then converts it with `str_to_number`.
    fn numeral(&mut self) -> Result<Tok, String> {
        let start = self.pos;
        let mut expo = (b'e', b'E');
        if self.cur() == Some(b'0') && matches!(self.peek(1), Some(b'x') | Some(b'X')) {
            self.pos += 2;
            expo = (b'p', b'P');
        }
        loop {
            match self.cur() {
                Some(c) if c == expo.0 || c == expo.1 => {
                    self.pos += 1;
                    if matches!(self.cur(), Some(b'+') | Some(b'-')) {
                        self.pos += 1;
                    }
                }
                Some(c) if c.is_ascii_hexdigit() || c == b'.' => self.pos += 1,
                _ => break,
            }
        }
        if self.cur().is_some_and(is_alpha) {
            self.pos += 1; // a numeral touching a letter is malformed
        }
        match str_to_number(&self.src[start..self.pos]) {
            Some(Number::Int(i)) => Ok(Tok::Int(i)),
            Some(Number::Float(f)) => Ok(Tok::Flt(f)),
            None => Err(self.lex_error_raw("malformed number", start)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Result<Vec<Tok>, String> {
        let mut lx = Lexer::new(src.as_bytes(), b"=t");
        let mut out = vec![];
        loop {
            lx.advance()?;
            if lx.t.tok == Tok::Eos {
                return Ok(out);
            }
            out.push(lx.t.tok);
        }
    }

    fn string_of(src: &str) -> Vec<u8> {
        let mut lx = Lexer::new(src.as_bytes(), b"=t");
        lx.advance().unwrap();
        match lx.t.tok {
            Tok::Str(id) => lx.strings.get(id).to_vec(),
            t => panic!("not a string: {t:?}"),
        }
    }

    #[test]
    fn symbols_and_numbers() {
        let t = toks("a // b .. ... == ~= <= >= << >> :: 3 0x10 1e2 .5 0x.8p1").unwrap();
        assert!(matches!(t[0], Tok::Name(_)));
        assert_eq!(t[1], Tok::IDiv);
        assert_eq!(
            &t[3..12],
            &[
                Tok::Concat,
                Tok::Dots,
                Tok::Eq,
                Tok::Ne,
                Tok::Le,
                Tok::Ge,
                Tok::Shl,
                Tok::Shr,
                Tok::DbColon
            ]
        );
        assert_eq!(
            &t[12..],
            &[
                Tok::Int(3),
                Tok::Int(16),
                Tok::Flt(100.0),
                Tok::Flt(0.5),
                Tok::Flt(1.0)
            ]
        );
        assert_eq!(
            toks("9223372036854775808").unwrap(),
            vec![Tok::Flt(9223372036854775808.0)]
        );
        assert_eq!(toks("0xffffffffffffffffff").unwrap(), vec![Tok::Int(-1)]);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(string_of(r#""a\tb\n\\\"\'""#), b"a\tb\n\\\"'");
        assert_eq!(
            string_of(
                r#""\65\066\x41\z   
             x""#
            ),
            b"ABAx"
        );
        assert_eq!(
            string_of(r#""\u{48}\u{7FF}\u{FFFF}\u{7FFFFFFF}""#),
            b"H\xDF\xBF\xEF\xBF\xBF\xFD\xBF\xBF\xBF\xBF\xBF"
        );
        assert_eq!(string_of("[==[\nab]]c]=]d]==]"), b"ab]]c]=]d");
        assert_eq!(string_of("[[\r\nx\n\ry\r\n]]"), b"x\ny\n");
        assert_eq!(string_of("'a\\\r\nb'"), b"a\nb");
    }

    #[test]
    fn line_counting() {
        let mut lx = Lexer::new(b"a\r\nb\n\rc\rd\ne --[[\n\n]] f", b"=t");
        let mut lines = vec![];
        loop {
            lx.advance().unwrap();
            if lx.t.tok == Tok::Eos {
                break;
            }
            lines.push(lx.line);
        }
        assert_eq!(lines, vec![1, 2, 3, 4, 5, 7]);
    }

    #[test]
    fn errors() {
        let e = |s: &str| toks(s).unwrap_err();
        assert_eq!(e("x = '\\q'"), "t:1: invalid escape sequence near ''\\q'");
        assert_eq!(
            e("x = 'ab\\300'"),
            "t:1: decimal escape too large near ''ab\\300''"
        );
        assert_eq!(
            e("x = '\\u{80000000}'"),
            "t:1: UTF-8 value too large near ''\\u{80000000'"
        );
        assert_eq!(e("x = 'abc"), "t:1: unfinished string near <eof>");
        assert_eq!(e("x = 'abc\ny'"), "t:1: unfinished string near ''abc'");
        assert_eq!(
            e("x = [[abc"),
            "t:1: unfinished long string (starting at line 1) near <eof>"
        );
        assert_eq!(
            e("--[[abc\n"),
            "t:2: unfinished long comment (starting at line 1) near <eof>"
        );
        assert_eq!(e("x = 3x"), "t:1: malformed number near '3x'");
        assert_eq!(e("x = 0x"), "t:1: malformed number near '0x'");
        assert_eq!(e("x = 1e"), "t:1: malformed number near '1e'");
        assert_eq!(e("x = [=x"), "t:1: invalid long string delimiter near '[='");
        assert_eq!(
            e("x = '\\xZZ'"),
            "t:1: hexadecimal digit expected near ''\\xZ'"
        );
    }

    #[test]
    fn shebang_only_for_files() {
        let mut lx = Lexer::new(b"#!/usr/bin/lua\nx", b"@f.lua");
        lx.advance().unwrap();
        assert!(matches!(lx.t.tok, Tok::Name(_)));
        assert_eq!(lx.line, 2);
    }
}
