//! A small emulation of Parsec, the Haskell parser library PostgREST's query grammar is written
//! in, so that pgway accepts the same inputs and reports the same error positions and texts.
//!
//! Parsec's semantics that matter for the texts:
//! - a parser either consumed input or not, and succeeds or fails: four outcomes. `a <|> b` tries
//!   `b` only when `a` failed without consuming; `try` turns a consuming failure into an empty one.
//! - every outcome carries an error (also successes: what was expected where the parser stopped),
//!   and errors met at the same position are merged, the furthest position winning.
//! - `<?>` replaces what an empty outcome expected by a label.
//!
//! The error text is Parsec's `showErrorMessages` with newlines replaced by spaces, as PostgREST
//! does. Characters are shown as Haskell's `show` would (`"x"`, `'x'`, `"\233"`).

/// The text of a message, kept unformatted until an error is shown (most never are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Text {
    Static(&'static str),
    /// `show [c]`, or nothing (the end of the input) for `None`.
    Token(Option<char>),
    /// `show s` of a string.
    Shown(&'static str),
    /// `show c` of a character.
    Char(char),
    Owned(String),
}

impl Text {
    fn render(&self) -> String {
        match self {
            Text::Static(s) => (*s).to_owned(),
            Text::Token(found) => show_token(*found),
            Text::Shown(s) => show_string(s),
            Text::Char(c) => show_char(*c),
            Text::Owned(s) => s.clone(),
        }
    }
}

/// One message of an error, in Parsec's four kinds (their order is the display order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Msg {
    /// What the input had where it failed (nothing: end of input), from a primitive parser.
    SysUnExpect(Text),
    /// What the input had, from `unexpected` (as `notFollowedBy` and `eof` use it).
    UnExpect(Text),
    Expect(Text),
    /// A message of its own (Parsec's `fail`).
    Message(Text),
}

impl Msg {
    fn kind(&self) -> u8 {
        match self {
            Msg::SysUnExpect(_) => 0,
            Msg::UnExpect(_) => 1,
            Msg::Expect(_) => 2,
            Msg::Message(_) => 3,
        }
    }

    fn text(&self) -> String {
        match self {
            Msg::SysUnExpect(t) | Msg::UnExpect(t) | Msg::Expect(t) | Msg::Message(t) => t.render(),
        }
    }
}

/// A parse error: where (a character index) and the messages gathered there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PErr {
    pub at: usize,
    pub msgs: Vec<Msg>,
}

impl PErr {
    pub fn unknown(at: usize) -> PErr {
        PErr {
            at,
            msgs: Vec::new(),
        }
    }

    pub fn new(at: usize, msg: Msg) -> PErr {
        PErr {
            at,
            msgs: vec![msg],
        }
    }

    pub fn is_unknown(&self) -> bool {
        self.msgs.is_empty()
    }

    /// Parsec's `mergeError`: the error with messages, else the furthest, else both.
    pub fn merge(self, other: PErr) -> PErr {
        if other.msgs.is_empty() && !self.msgs.is_empty() {
            return self;
        }
        if self.msgs.is_empty() && !other.msgs.is_empty() {
            return other;
        }
        match self.at.cmp(&other.at) {
            std::cmp::Ordering::Equal => {
                let mut msgs = self.msgs;
                msgs.extend(other.msgs);
                PErr { at: self.at, msgs }
            }
            std::cmp::Ordering::Greater => self,
            std::cmp::Ordering::Less => other,
        }
    }

    /// Parsec's `setExpectErrors err [label]`: every expectation replaced by the label.
    fn expecting(mut self, label: Text) -> PErr {
        self.msgs.retain(|m| !matches!(m, Msg::Expect(_)));
        self.msgs.insert(0, Msg::Expect(label));
        self
    }
}

/// Parsec's bind: what a later step found at the same place adds to what earlier ones expected.
fn merge_bind(acc: PErr, next: PErr) -> PErr {
    if acc.is_unknown() {
        next
    } else {
        acc.merge(next)
    }
}

#[derive(Debug)]
pub(super) struct Ok<T> {
    pub value: T,
    pub next: usize,
    pub consumed: bool,
    pub err: PErr,
}

#[derive(Debug)]
pub(super) struct Fail {
    pub consumed: bool,
    pub err: PErr,
}

pub(super) type Reply<T> = Result<Ok<T>, Fail>;

/// How deep embeds and logic trees may nest: recursion is bounded so that no input can
/// overflow the stack (PostgREST has no limit; no sensible request comes near).
pub(super) const MAX_DEPTH: usize = 64;

/// The input, as characters (Haskell's `Char` is a code point, as Rust's `char`).
pub(super) struct Src {
    chars: Vec<char>,
    depth: std::cell::Cell<usize>,
}

/// One level of nesting, left when dropped.
pub(super) struct Nested<'a>(&'a Src);

impl Drop for Nested<'_> {
    fn drop(&mut self) {
        self.0.depth.set(self.0.depth.get().saturating_sub(1));
    }
}

impl Src {
    pub fn new(input: &str) -> Src {
        Src {
            chars: input.chars().collect(),
            depth: std::cell::Cell::new(0),
        }
    }

    /// Enters one more level of nesting at `at`: a consuming failure past [`MAX_DEPTH`].
    pub fn nest(&self, at: usize) -> Result<Nested<'_>, Fail> {
        let depth = self.depth.get() + 1;
        if depth > MAX_DEPTH {
            let message = format!("nesting deeper than {MAX_DEPTH} levels");
            return Err(Fail {
                consumed: true,
                err: PErr::new(at, Msg::Message(Text::Owned(message))),
            });
        }
        self.depth.set(depth);
        Ok(Nested(self))
    }

    pub fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// Parsec's source position of character `i`: tabs move to the next multiple of 8, plus one.
    pub fn line_column(&self, i: usize) -> (usize, usize) {
        let (mut line, mut column) = (1, 1);
        for &c in self.chars.iter().take(i) {
            match c {
                '\n' => {
                    line += 1;
                    column = 1;
                }
                '\t' => column = column + 8 - ((column - 1) % 8),
                _ => column += 1,
            }
        }
        (line, column)
    }
}

/// Success without consuming, with no error: Parsec's `return`.
pub(super) fn pure<T>(value: T, at: usize) -> Reply<T> {
    Ok(Ok {
        value,
        next: at,
        consumed: false,
        err: PErr::unknown(at),
    })
}

/// Empty failure with no message: Parsec's `mzero` (and a failed `guard`).
pub(super) fn zero<T>(at: usize) -> Reply<T> {
    Err(Fail {
        consumed: false,
        err: PErr::unknown(at),
    })
}

/// The steps of a `do` block: consumption and errors carried from step to step.
pub(super) struct Seq {
    pub at: usize,
    consumed: bool,
    err: PErr,
}

impl Seq {
    pub fn new(at: usize) -> Seq {
        Seq {
            at,
            consumed: false,
            err: PErr::unknown(at),
        }
    }

    pub fn step<T>(&mut self, reply: Reply<T>) -> Result<T, Fail> {
        match reply {
            Ok(ok) => {
                if ok.consumed {
                    self.consumed = true;
                    self.err = ok.err;
                } else {
                    let acc = std::mem::replace(&mut self.err, PErr::unknown(0));
                    self.err = merge_bind(acc, ok.err);
                }
                self.at = ok.next;
                Ok(ok.value)
            }
            Err(fail) if fail.consumed => Err(fail),
            Err(fail) => {
                let acc = std::mem::replace(&mut self.err, PErr::unknown(0));
                Err(Fail {
                    consumed: self.consumed,
                    err: merge_bind(acc, fail.err),
                })
            }
        }
    }

    /// `mzero` as the next step (a failed `guard`).
    pub fn zero<T>(self) -> Reply<T> {
        Err(Fail {
            consumed: self.consumed,
            err: merge_bind(self.err, PErr::unknown(self.at)),
        })
    }

    pub fn done<T>(self, value: T) -> Reply<T> {
        Ok(Ok {
            value,
            next: self.at,
            consumed: self.consumed,
            err: self.err,
        })
    }
}

/// `a <|> b`: `b` only when `a` failed without consuming; errors at the same place merge.
pub(super) fn or<T>(first: Reply<T>, second: impl FnOnce() -> Reply<T>) -> Reply<T> {
    match first {
        Err(Fail {
            consumed: false,
            err,
        }) => match second() {
            Ok(ok) if !ok.consumed => Ok(Ok {
                err: err.merge(ok.err),
                ..ok
            }),
            Err(Fail {
                consumed: false,
                err: second_err,
            }) => Err(Fail {
                consumed: false,
                err: err.merge(second_err),
            }),
            consumed => consumed,
        },
        other => other,
    }
}

/// `try p`: a failure after consuming becomes an empty failure (at the same error position).
pub(super) fn attempt<T>(reply: Reply<T>) -> Reply<T> {
    reply.map_err(|fail| Fail {
        consumed: false,
        err: fail.err,
    })
}

/// `p <?> label`.
pub(super) fn label<T>(reply: Reply<T>, label: &'static str) -> Reply<T> {
    label_text(reply, Text::Static(label))
}

fn label_text<T>(reply: Reply<T>, label: Text) -> Reply<T> {
    match reply {
        Ok(ok) if !ok.consumed && !ok.err.is_unknown() => Ok(Ok {
            err: ok.err.expecting(label),
            ..ok
        }),
        Err(Fail {
            consumed: false,
            err,
        }) => Err(Fail {
            consumed: false,
            err: err.expecting(label),
        }),
        other => other,
    }
}

/// `lookAhead p`: succeed where `p` succeeds, consuming nothing.
pub(super) fn look_ahead<T>(reply: Reply<T>, at: usize) -> Reply<T> {
    reply.map(|ok| Ok {
        value: ok.value,
        next: at,
        consumed: false,
        err: PErr::unknown(at),
    })
}

/// A parser that adds nothing to error messages when it fails without consuming (for pgway's
/// extensions of PostgREST's grammar, so PostgREST's messages stay the same).
pub(super) fn silent<T>(reply: Reply<T>, at: usize) -> Reply<T> {
    match reply {
        Err(Fail {
            consumed: false, ..
        }) => zero(at),
        other => other,
    }
}

/// `fmap`.
pub(super) fn map<T, U>(reply: Reply<T>, f: impl FnOnce(T) -> U) -> Reply<U> {
    reply.map(|ok| Ok {
        value: f(ok.value),
        next: ok.next,
        consumed: ok.consumed,
        err: ok.err,
    })
}

/// `satisfy`: one character.
pub(super) fn satisfy(src: &Src, at: usize, test: impl Fn(char) -> bool) -> Reply<char> {
    match src.at(at) {
        Some(c) if test(c) => Ok(Ok {
            value: c,
            next: at + 1,
            consumed: true,
            err: PErr::unknown(at + 1),
        }),
        found => Err(Fail {
            consumed: false,
            err: PErr::new(at, Msg::SysUnExpect(Text::Token(found))),
        }),
    }
}

/// `char c`.
pub(super) fn char(src: &Src, at: usize, c: char) -> Reply<char> {
    label_text(satisfy(src, at, |x| x == c), Text::Token(Some(c)))
}

/// `anyChar`.
pub(super) fn any_char(src: &Src, at: usize) -> Reply<char> {
    satisfy(src, at, |_| true)
}

/// `oneOf`.
pub(super) fn one_of(src: &Src, at: usize, set: &str) -> Reply<char> {
    satisfy(src, at, |c| set.contains(c))
}

/// `noneOf`.
pub(super) fn none_of(src: &Src, at: usize, set: &str) -> Reply<char> {
    satisfy(src, at, |c| !set.contains(c))
}

/// `letter`: Haskell's `isAlpha` (approximated by Unicode's Alphabetic property).
pub(super) fn letter(src: &Src, at: usize) -> Reply<char> {
    label(satisfy(src, at, char::is_alphabetic), "letter")
}

/// `digit`: ASCII digits.
pub(super) fn digit(src: &Src, at: usize) -> Reply<char> {
    label(satisfy(src, at, |c| c.is_ascii_digit()), "digit")
}

/// `string s`: consumes as soon as its first character matches; the error is at its start and
/// names the first character that differs.
pub(super) fn string(src: &Src, at: usize, s: &'static str) -> Reply<&'static str> {
    let expect = || Msg::Expect(Text::Shown(s));
    for (n, want) in s.chars().enumerate() {
        match src.at(at + n) {
            Some(c) if c == want => {}
            found => {
                let mut err = PErr::new(at, Msg::SysUnExpect(Text::Token(found)));
                err.msgs.push(expect());
                return Err(Fail {
                    consumed: n > 0,
                    err,
                });
            }
        }
    }
    let next = at + s.chars().count();
    Ok(Ok {
        value: s,
        next,
        consumed: next > at,
        err: PErr::unknown(next),
    })
}

/// `eof` (`notFollowedBy anyToken <?> "end of input"`; `anyToken` does not advance the position).
pub(super) fn eof(src: &Src, at: usize) -> Reply<()> {
    let end = || Msg::Expect(Text::Static("end of input"));
    match src.at(at) {
        None => Ok(Ok {
            value: (),
            next: at,
            consumed: false,
            err: PErr {
                at,
                msgs: vec![end(), Msg::SysUnExpect(Text::Token(None))],
            },
        }),
        Some(c) => Err(Fail {
            consumed: false,
            err: PErr {
                at,
                msgs: vec![end(), Msg::UnExpect(Text::Char(c))],
            },
        }),
    }
}

/// `notFollowedBy p` for a one-character parser `p`.
pub(super) fn not_followed_by(reply: Reply<char>, at: usize) -> Reply<()> {
    match reply {
        Ok(ok) => {
            let err = merge_bind(
                ok.err,
                PErr::new(ok.next, Msg::UnExpect(Text::Char(ok.value))),
            );
            Err(Fail {
                consumed: false,
                err,
            })
        }
        Err(fail) => Ok(Ok {
            value: (),
            next: at,
            consumed: false,
            err: fail.err,
        }),
    }
}

/// `many p` (`p` must consume when it succeeds).
pub(super) fn many<T>(src: &Src, at: usize, p: impl Fn(&Src, usize) -> Reply<T>) -> Reply<Vec<T>> {
    let mut items = Vec::new();
    let mut next = at;
    loop {
        match p(src, next) {
            Ok(ok) if ok.consumed => {
                items.push(ok.value);
                next = ok.next;
            }
            // Parsec rejects `many` of a parser that succeeds empty; stop rather than loop.
            Ok(ok) => {
                return Ok(Ok {
                    value: items,
                    next,
                    consumed: next > at,
                    err: ok.err,
                });
            }
            Err(fail) if fail.consumed => return Err(fail),
            Err(fail) => {
                return Ok(Ok {
                    value: items,
                    next,
                    consumed: next > at,
                    err: fail.err,
                });
            }
        }
    }
}

/// `many1 p`.
pub(super) fn many1<T>(src: &Src, at: usize, p: impl Fn(&Src, usize) -> Reply<T>) -> Reply<Vec<T>> {
    let mut seq = Seq::new(at);
    let first = seq.step(p(src, seq.at))?;
    let mut rest = seq.step(many(src, seq.at, &p))?;
    rest.insert(0, first);
    seq.done(rest)
}

/// `sepBy1 p sep`.
pub(super) fn sep_by1<T, S>(
    src: &Src,
    at: usize,
    p: impl Fn(&Src, usize) -> Reply<T>,
    sep: impl Fn(&Src, usize) -> Reply<S>,
) -> Reply<Vec<T>> {
    let mut seq = Seq::new(at);
    let first = seq.step(p(src, seq.at))?;
    let mut rest = seq.step(many(src, seq.at, |src, at| {
        let mut seq = Seq::new(at);
        seq.step(sep(src, seq.at))?;
        let item = seq.step(p(src, seq.at))?;
        seq.done(item)
    }))?;
    rest.insert(0, first);
    seq.done(rest)
}

/// `sepBy p sep`.
pub(super) fn sep_by<T, S>(
    src: &Src,
    at: usize,
    p: impl Fn(&Src, usize) -> Reply<T>,
    sep: impl Fn(&Src, usize) -> Reply<S>,
) -> Reply<Vec<T>> {
    or(sep_by1(src, at, p, sep), || pure(Vec::new(), at))
}

/// `optionMaybe p`.
pub(super) fn option_maybe<T>(reply: Reply<T>, at: usize) -> Reply<Option<T>> {
    or(map(reply, Some), || pure(None, at))
}

/// What a failed parse reports: position and Parsec's message text on one line.
pub(super) fn describe(err: &PErr) -> String {
    if err.msgs.is_empty() {
        return "unknown parse error".to_owned();
    }
    let mut msgs = err.msgs.clone();
    msgs.sort_by_key(Msg::kind);
    let of_kind = |kind: u8| -> Vec<String> {
        msgs.iter()
            .filter(|m| m.kind() == kind)
            .map(Msg::text)
            .collect()
    };
    let (sys, unexpected, expected, other) = (of_kind(0), of_kind(1), of_kind(2), of_kind(3));
    let show_sys = match sys.first() {
        _ if !unexpected.is_empty() => String::new(),
        None => String::new(),
        Some(first) if first.is_empty() => "unexpected end of input".to_owned(),
        Some(first) => format!("unexpected {first}"),
    };
    let parts = [
        show_sys,
        show_many("unexpected", &unexpected),
        show_many("expecting", &expected),
        show_many("", &other),
    ];
    let parts: Vec<String> = clean(parts.iter().map(String::as_str));
    let text: String = parts.iter().map(|p| format!("\n{p}")).collect();
    text.replace('\n', " ")
        .trim_matches(is_haskell_space)
        .to_owned()
}

/// `nub . filter (not . null)`.
fn clean<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !item.is_empty() && !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

fn show_many(prefix: &str, msgs: &[String]) -> String {
    let items = clean(msgs.iter().map(String::as_str));
    let listed = match items.as_slice() {
        [] => return String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    if prefix.is_empty() {
        listed
    } else {
        format!("{prefix} {listed}")
    }
}

/// Haskell's `isSpace` (what `Data.Text.strip` strips).
pub(super) fn is_haskell_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'..='\r' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{202f}'
            | '\u{205f}' | '\u{3000}'
    )
}

/// How a primitive parser shows the character it did not expect: `show [c]`, or `""` at the end.
fn show_token(found: Option<char>) -> String {
    found
        .map(|c| show_string(&c.to_string()))
        .unwrap_or_default()
}

/// Haskell's `show` of a `String`.
pub(super) fn show_string(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::from("\"");
    for (i, &c) in chars.iter().enumerate() {
        if c == '"' {
            out.push_str("\\\"");
        } else {
            show_lit_char(c, chars.get(i + 1).copied(), &mut out);
        }
    }
    out.push('"');
    out
}

/// Haskell's `show` of a `Char`.
pub(super) fn show_char(c: char) -> String {
    if c == '\'' {
        return "'\\''".to_owned();
    }
    let mut out = String::from("'");
    show_lit_char(c, None, &mut out);
    out.push('\'');
    out
}

/// Haskell's `showLitChar`; `next` is the character that follows (for the `\&` separator).
fn show_lit_char(c: char, next: Option<char>, out: &mut String) {
    const ASCII: [&str; 33] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "a", "b", "t", "n", "v", "f", "r", "SO",
        "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
        "FS", "GS", "RS", "US", "SP",
    ];
    match c {
        '\u{7f}' => out.push_str("\\DEL"),
        '\\' => out.push_str("\\\\"),
        c if c > '\u{7f}' => {
            out.push('\\');
            out.push_str(&(c as u32).to_string());
            if next.is_some_and(|n| n.is_ascii_digit()) {
                out.push_str("\\&");
            }
        }
        c if c >= ' ' => out.push(c),
        c => {
            out.push('\\');
            out.push_str(ASCII[c as usize]);
            if c == '\u{e}' && next == Some('H') {
                out.push_str("\\&");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_like_haskell() {
        assert_eq!(show_string("a"), "\"a\"");
        assert_eq!(show_string("\""), "\"\\\"\"");
        assert_eq!(show_string("\\"), "\"\\\\\"");
        assert_eq!(show_string("é"), "\"\\233\"");
        assert_eq!(show_string("é1"), "\"\\233\\&1\"");
        assert_eq!(show_string("\n\t\u{1}\u{7f}"), "\"\\n\\t\\SOH\\DEL\"");
        assert_eq!(show_string("\u{e}H"), "\"\\SO\\&H\"");
        assert_eq!(show_char('x'), "'x'");
        assert_eq!(show_char('\''), "'\\''");
        assert_eq!(show_char('"'), "'\"'");
        assert_eq!(show_char('ü'), "'\\252'");
    }

    #[test]
    fn positions_count_tabs_and_lines() {
        let src = Src::new("a\tb\ncd");
        assert_eq!(src.line_column(0), (1, 1));
        assert_eq!(src.line_column(2), (1, 9));
        assert_eq!(src.line_column(3), (1, 10));
        assert_eq!(src.line_column(5), (2, 2));
    }

    #[test]
    fn renders_messages_like_parsec() {
        let err = PErr {
            at: 0,
            msgs: vec![
                Msg::Expect(Text::Static("\"not\"")),
                Msg::SysUnExpect(Text::Static("\"o\"")),
                Msg::SysUnExpect(Text::Static("\"n\"")),
                Msg::Expect(Text::Static("operator (eq, gt, ...)")),
                Msg::Expect(Text::Static("\"not\"")),
            ],
        };
        assert_eq!(
            describe(&err),
            "unexpected \"o\" expecting \"not\" or operator (eq, gt, ...)"
        );
        let err = PErr {
            at: 0,
            msgs: vec![
                Msg::SysUnExpect(Text::Static("\"c\"")),
                Msg::UnExpect(Text::Static("'c'")),
                Msg::Expect(Text::Static("a")),
                Msg::Expect(Text::Static("b")),
                Msg::Expect(Text::Static("c")),
            ],
        };
        assert_eq!(describe(&err), "unexpected 'c' expecting a, b or c");
        assert_eq!(describe(&PErr::unknown(0)), "unknown parse error");
    }
}
