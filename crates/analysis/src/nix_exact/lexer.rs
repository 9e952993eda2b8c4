//! Nix's own tokenizer, rule for rule (`lexer.l`), because rnix's tokenizer draws some token
//! boundaries differently (numbers, comments ended by `\r`, the tokens after a path) and the
//! position of a syntax error is the position of the token Nix choked on.
//!
//! Flex picks the longest match among the rules of the current start condition, the earliest
//! rule on a tie; each state below does the same by hand. Positions follow Nix's bookkeeping too,
//! quirks included: at the end of the input the "token" sits where the last lexeme (whitespace
//! and comments count) started, and the zero-width `PATH_END` token borrows the location of the
//! lexeme before it.
//!
//! The only departure from Nix 2.8 is current Nix's pipe operators `|>` and `<|`.

use crate::base::text::{TextRange, TextSize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Id,
    OrKw,
    If,
    Then,
    Else,
    Assert,
    With,
    Let,
    In,
    Rec,
    Inherit,
    Ellipsis,
    Eq,
    Neq,
    Leq,
    Geq,
    And,
    Or,
    Impl,
    Update,
    Concat,
    PipeInto,
    PipeFrom,
    Int,
    Float,
    DollarCurly,
    LBrace,
    RBrace,
    Quote,
    Str,
    IndOpen,
    IndStr,
    IndClose,
    Path,
    HPath,
    PathEnd,
    SPath,
    Uri,
    /// One of `( ) [ ] ; : . , @ ? = < > + - * / !`.
    Punct(u8),
    /// Any other byte: bison's "invalid token".
    Invalid(u8),
    Eof,
}

impl Tok {
    /// The name bison gives the token in its messages.
    pub(crate) fn describe(self) -> String {
        let name = match self {
            Tok::Id => "ID",
            Tok::OrKw => "OR_KW",
            Tok::If => "IF",
            Tok::Then => "THEN",
            Tok::Else => "ELSE",
            Tok::Assert => "ASSERT",
            Tok::With => "WITH",
            Tok::Let => "LET",
            Tok::In => "IN",
            Tok::Rec => "REC",
            Tok::Inherit => "INHERIT",
            Tok::Ellipsis => "ELLIPSIS",
            Tok::Eq => "EQ",
            Tok::Neq => "NEQ",
            Tok::Leq => "LEQ",
            Tok::Geq => "GEQ",
            Tok::And => "AND",
            Tok::Or => "OR",
            Tok::Impl => "IMPL",
            Tok::Update => "UPDATE",
            Tok::Concat => "CONCAT",
            Tok::PipeInto => "PIPE_INTO",
            Tok::PipeFrom => "PIPE_FROM",
            Tok::Int => "INT",
            Tok::Float => "FLOAT",
            Tok::DollarCurly => "DOLLAR_CURLY",
            Tok::LBrace => "'{'",
            Tok::RBrace => "'}'",
            Tok::Quote => "'\"'",
            Tok::Str => "STR",
            Tok::IndOpen => "IND_STRING_OPEN",
            Tok::IndStr => "IND_STR",
            Tok::IndClose => "IND_STRING_CLOSE",
            Tok::Path => "PATH",
            Tok::HPath => "HPATH",
            Tok::PathEnd => "PATH_END",
            Tok::SPath => "SPATH",
            Tok::Uri => "URI",
            Tok::Punct(c) => return format!("'{}'", c as char),
            Tok::Invalid(_) => "invalid token",
            Tok::Eof => "end of file",
        };
        name.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    /// Where Nix locates the token: its text for real tokens; see the module docs for `Eof`
    /// and `PathEnd`.
    pub(crate) range: TextRange,
}

/// The errors Nix's lexer throws itself, before the parser sees the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LexError {
    pub(crate) range: TextRange,
    pub(crate) kind: LexErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexErrorKind {
    InvalidInteger,
    InvalidFloat,
    TrailingSlash,
}

impl LexError {
    /// Nix's message, given the text the error is in.
    pub(crate) fn message(&self, text: &str) -> String {
        let token = text.get(usize::from(self.range.start())..usize::from(self.range.end())).unwrap_or("");
        match self.kind {
            LexErrorKind::InvalidInteger => format!("invalid integer '{token}'"),
            LexErrorKind::InvalidFloat => format!("invalid float '{token}'"),
            LexErrorKind::TrailingSlash => "path has a trailing slash".to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// `INITIAL` at the bottom of the stack, `DEFAULT` above it: the same rules.
    Default,
    String,
    IndString,
    InPath,
    InPathSlash,
    PathStart,
}

pub(crate) struct Lexer<'a> {
    text: &'a [u8],
    pos: usize,
    /// Flex's start-condition stack; empty means `INITIAL`.
    stack: Vec<State>,
    /// Nix's `yylloc` and `prev_yylloc`, as byte ranges.
    loc: TextRange,
    prev_loc: TextRange,
    /// The input is exhausted and `Eof` was returned.
    done: bool,
    /// No path starts before this offset: the run of path characters there has no `/` after it.
    no_path_before: std::cell::Cell<usize>,
    /// No URI starts before this offset, likewise.
    no_uri_before: std::cell::Cell<usize>,
    /// No block comment starting here or later is closed.
    unterminated_comment_from: std::cell::Cell<usize>,
    rnix_misreads_from: Option<TextSize>,
}

/// Character classes of the lexer's regular expressions, one bit each, looked up per byte.
const ID: u8 = 1;
const PATH: u8 = 2;
const URI: u8 = 4;
const SCHEME: u8 = 8;
const SPACE: u8 = 16;

const CLASSES: [u8; 256] = {
    const fn one_of(b: u8, set: &[u8]) -> bool {
        let mut i = 0;
        while i < set.len() {
            if set[i] == b {
                return true;
            }
            i += 1;
        }
        false
    }
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let alnum = b.is_ascii_alphanumeric();
        let mut class = 0;
        if alnum || one_of(b, b"_'-") {
            class |= ID;
        }
        if alnum || one_of(b, b"._-+") {
            class |= PATH;
        }
        if alnum || one_of(b, b"%/?:@&=+$,-_.!~*'") {
            class |= URI;
        }
        if alnum || one_of(b, b"+-.") {
            class |= SCHEME;
        }
        if one_of(b, b" \t\r\n") {
            class |= SPACE;
        }
        table[c] = class;
        c += 1;
    }
    table
};

fn is_path_char(c: u8) -> bool {
    CLASSES[c as usize] & PATH != 0
}

fn is_uri_char(c: u8) -> bool {
    CLASSES[c as usize] & URI != 0
}

fn is_scheme_char(c: u8) -> bool {
    CLASSES[c as usize] & SCHEME != 0
}

fn is_id_char(c: u8) -> bool {
    CLASSES[c as usize] & ID != 0
}

/// A keyword beats an identifier of the same length (the keyword rules come first).
fn keyword_or_id(word: &[u8]) -> Rule {
    let keyword = match word {
        b"if" => Tok::If,
        b"then" => Tok::Then,
        b"else" => Tok::Else,
        b"assert" => Tok::Assert,
        b"with" => Tok::With,
        b"let" => Tok::Let,
        b"in" => Tok::In,
        b"rec" => Tok::Rec,
        b"inherit" => Tok::Inherit,
        b"or" => Tok::OrKw,
        _ => return Rule::Id,
    };
    Rule::Keyword(keyword)
}

const OPERATORS: &[(&[u8], Tok)] = &[
    (b"...", Tok::Ellipsis),
    (b"==", Tok::Eq),
    (b"!=", Tok::Neq),
    (b"<=", Tok::Leq),
    (b">=", Tok::Geq),
    (b"&&", Tok::And),
    (b"||", Tok::Or),
    (b"->", Tok::Impl),
    (b"//", Tok::Update),
    (b"++", Tok::Concat),
    (b"|>", Tok::PipeInto),
    (b"<|", Tok::PipeFrom),
];

/// What a rule of the default state does once it wins.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    Keyword(Tok),
    Operator(Tok),
    Id,
    Int,
    Float,
    DollarCurly,
    RBrace,
    LBrace,
    Quote,
    IndOpen,
    PathSegDollar,
    Path,
    HPath,
    SPath,
    Uri,
    Whitespace,
    Comment,
    Any,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Lexer<'a> {
        let start = TextRange::empty(TextSize::from(0));
        Lexer {
            text: text.as_bytes(),
            pos: 0,
            stack: Vec::new(),
            loc: start,
            prev_loc: start,
            done: false,
            no_path_before: std::cell::Cell::new(0),
            no_uri_before: std::cell::Cell::new(0),
            unterminated_comment_from: std::cell::Cell::new(usize::MAX),
            rnix_misreads_from: None,
        }
    }

    /// Where the first number is that rnix's tokenizer splits differently, if any was read.
    pub(crate) fn rnix_misreads_from(&self) -> Option<TextSize> {
        self.rnix_misreads_from
    }

    fn state(&self) -> State {
        self.stack.last().copied().unwrap_or(State::Default)
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.text.get(i).copied()
    }

    fn offset(i: usize) -> TextSize {
        TextSize::from(i as u32)
    }

    /// Nix's `adjustLoc`: the lexeme `[pos, pos + len)` becomes the current location.
    fn advance(&mut self, len: usize) -> TextRange {
        self.prev_loc = self.loc;
        let range = TextRange::new(Self::offset(self.pos), Self::offset(self.pos + len));
        self.loc = range;
        self.pos += len;
        range
    }

    /// Flex's `yyless(0)` followed by `*yylloc = prev_yylloc`.
    fn push_back(&mut self, len: usize) {
        self.pos -= len;
        self.loc = self.prev_loc;
    }

    fn pop(&mut self) {
        self.stack.pop();
    }

    /// The next token, or the error Nix's lexer throws on it.
    pub(crate) fn next_token(&mut self) -> Result<Token, LexError> {
        loop {
            if self.done {
                return Ok(Token { kind: Tok::Eof, range: self.loc });
            }
            return match self.state() {
                State::Default => {
                    let Some(first) = self.at(self.pos) else {
                        return Ok(self.eof());
                    };
                    let (rule, len) = self.longest_default_match(first);
                    match rule {
                        Rule::Whitespace | Rule::Comment => {
                            self.advance(len);
                            continue;
                        }
                        Rule::PathSegDollar => {
                            // Matched `a/${` or `~/${`: read the segment again as a path's start.
                            self.advance(len);
                            self.push_back(len);
                            self.stack.push(State::PathStart);
                            continue;
                        }
                        _ => self.default_token(rule, len, first),
                    }
                }
                State::String => Ok(self.string_rule()),
                State::IndString => Ok(self.ind_string_rule()),
                State::InPath | State::InPathSlash => self.in_path_rule(),
                State::PathStart => Ok(self.path_start_rule()),
            };
        }
    }

    /// At the end of the input every state but the path states ends the token stream.
    fn eof(&mut self) -> Token {
        self.done = true;
        Token { kind: Tok::Eof, range: self.loc }
    }

    fn default_token(&mut self, rule: Rule, len: usize, first: u8) -> Result<Token, LexError> {
        let kind = match rule {
            Rule::Keyword(tok) | Rule::Operator(tok) => tok,
            Rule::Id => Tok::Id,
            Rule::Int => Tok::Int,
            Rule::Float => Tok::Float,
            Rule::DollarCurly | Rule::LBrace => {
                self.stack.push(State::Default);
                if rule == Rule::LBrace { Tok::LBrace } else { Tok::DollarCurly }
            }
            Rule::RBrace => {
                self.pop();
                Tok::RBrace
            }
            Rule::Quote => {
                self.stack.push(State::String);
                Tok::Quote
            }
            Rule::IndOpen => {
                self.stack.push(State::IndString);
                Tok::IndOpen
            }
            Rule::Path | Rule::HPath => {
                let slash = self.text[self.pos + len - 1] == b'/';
                self.stack.push(if slash { State::InPathSlash } else { State::InPath });
                if rule == Rule::Path { Tok::Path } else { Tok::HPath }
            }
            Rule::SPath => Tok::SPath,
            Rule::Uri => Tok::Uri,
            // (Trivia and `PathSegDollar` never get here.)
            Rule::Any | Rule::Whitespace | Rule::Comment | Rule::PathSegDollar => match first {
                b'(' | b')' | b'[' | b']' | b';' | b':' | b'.' | b',' | b'@' | b'?' | b'=' | b'<' | b'>' | b'+'
                | b'-' | b'*' | b'/' | b'!' => Tok::Punct(first),
                _ => Tok::Invalid(first),
            },
        };
        let range = self.advance(len);
        // rnix reads `0.` as a float and a float with an unfinished exponent (`1.5e`) as an error,
        // where Nix reads `0` `.` and `1.5` `e`.
        let next = self.at(self.pos);
        if (kind == Tok::Float && matches!(next, Some(b'e' | b'E')))
            || (kind == Tok::Int && len == 1 && first == b'0' && next == Some(b'.'))
        {
            self.rnix_misreads_from.get_or_insert(range.start());
        }
        let invalid = match kind {
            Tok::Int if self.slice(range).parse::<i64>().is_err() => Some(LexErrorKind::InvalidInteger),
            Tok::Float if !float_in_range(self.slice(range)) => Some(LexErrorKind::InvalidFloat),
            _ => None,
        };
        match invalid {
            Some(kind) => Err(LexError { range, kind }),
            None => Ok(Token { kind, range }),
        }
    }

    fn slice(&self, range: TextRange) -> &str {
        std::str::from_utf8(&self.text[usize::from(range.start())..usize::from(range.end())]).unwrap_or("")
    }

    /// The winning rule of the default state at `self.pos`, by flex's longest-match rule.
    fn longest_default_match(&self, first: u8) -> (Rule, usize) {
        let p = self.pos;
        let rest = &self.text[p..];
        // The common tokens first, decided without trying the other rules.
        match first {
            b' ' | b'\t' | b'\r' | b'\n' => return (Rule::Whitespace, self.match_whitespace(p).unwrap_or(1)),
            b'#' => return (Rule::Comment, self.match_comment(p).unwrap_or(1)),
            b'{' => return (Rule::LBrace, 1),
            b'}' => return (Rule::RBrace, 1),
            b'"' => return (Rule::Quote, 1),
            b'(' | b')' | b'[' | b']' | b';' | b':' | b',' | b'@' | b'?' | b'*' => return (Rule::Any, 1),
            b'=' => {
                return match self.at(p + 1) {
                    Some(b'=') => (Rule::Operator(Tok::Eq), 2),
                    _ => (Rule::Any, 1),
                };
            }
            // The dot of `a.b.c`: inside a run of path characters known to have no `/` after it.
            b'.' if p < self.no_path_before.get() && !matches!(self.at(p + 1), Some(b'.' | b'0'..=b'9')) => {
                return (Rule::Any, 1);
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let len = 1 + self.count_while(p + 1, is_id_char);
                // A path or a URI is longer only when one of their characters follows.
                if !matches!(self.at(p + len), Some(b'/' | b'.' | b'+' | b':')) {
                    return (keyword_or_id(&rest[..len]), len);
                }
            }
            _ => {}
        }
        let mut best = (Rule::Any, 0);
        // Offered in `lexer.l` order; a rule replaces the best only when strictly longer, which
        // is flex's tie-break (so `in` is a keyword but `inx` an identifier).
        let mut offer = |rule: Rule, len: Option<usize>| {
            if let Some(len) = len
                && len > best.1
            {
                best = (rule, len);
            }
        };
        match first {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let len = 1 + self.count_while(p + 1, is_id_char);
                offer(keyword_or_id(&rest[..len]), Some(len));
                self.offer_paths(p, &mut offer);
                self.offer_uri(p, &mut offer);
            }
            b'0'..=b'9' => {
                offer(Rule::Int, self.match_digits(p));
                offer(Rule::Float, self.match_float(p));
                self.offer_paths(p, &mut offer);
            }
            b'.' | b'+' | b'-' => {
                let op = match (first, self.at(p + 1)) {
                    (b'.', Some(b'.')) if self.at(p + 2) == Some(b'.') => Some((Tok::Ellipsis, 3)),
                    (b'+', Some(b'+')) => Some((Tok::Concat, 2)),
                    (b'-', Some(b'>')) => Some((Tok::Impl, 2)),
                    _ => None,
                };
                if let Some((tok, len)) = op {
                    offer(Rule::Operator(tok), Some(len));
                }
                if first == b'.' {
                    offer(Rule::Float, self.match_float(p));
                }
                self.offer_paths(p, &mut offer);
            }
            b'/' => {
                offer(Rule::Operator(Tok::Update), rest.starts_with(b"//").then_some(2));
                offer(Rule::PathSegDollar, self.match_path_seg_dollar(p));
                offer(Rule::Path, self.match_path(p));
                offer(Rule::Comment, self.match_comment(p));
            }
            b'~' => {
                offer(Rule::PathSegDollar, self.match_path_seg_dollar(p));
                offer(Rule::HPath, self.match_hpath(p));
            }
            b'<' | b'=' | b'!' | b'>' | b'&' | b'|' => {
                for (op, tok) in OPERATORS {
                    if rest.starts_with(op) {
                        offer(Rule::Operator(*tok), Some(op.len()));
                    }
                }
                if first == b'<' {
                    offer(Rule::SPath, self.match_spath(p));
                }
            }
            b'$' => offer(Rule::DollarCurly, rest.starts_with(b"${").then_some(2)),
            b'\'' => offer(Rule::IndOpen, self.match_ind_open(p)),
            _ => {}
        }
        offer(Rule::Any, Some(1));
        best
    }

    /// `{URI}`, which needs a `:` after its scheme.
    fn offer_uri(&self, p: usize, offer: &mut impl FnMut(Rule, Option<usize>)) {
        if p < self.no_uri_before.get() {
            return;
        }
        let scheme = self.count_while(p, is_scheme_char);
        if self.at(p + scheme) == Some(b':') {
            offer(Rule::Uri, self.match_uri(p));
        } else {
            self.no_uri_before.set(p + scheme);
        }
    }

    /// `{PATH_SEG}\$\{` and `{PATH}`, which need a `/` after the leading path characters.
    fn offer_paths(&self, p: usize, offer: &mut impl FnMut(Rule, Option<usize>)) {
        // Every start inside a run of path characters ends where the run ends: one scan serves
        // a whole `a.b.c.d` chain.
        if p < self.no_path_before.get() {
            return;
        }
        let head = self.count_while(p, is_path_char);
        if self.at(p + head) == Some(b'/') {
            offer(Rule::PathSegDollar, self.match_path_seg_dollar(p));
            offer(Rule::Path, self.match_path(p));
        } else {
            self.no_path_before.set(p + head);
        }
    }

    fn count_while(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        let rest = self.text.get(from..).unwrap_or_default();
        rest.iter().position(|&c| !pred(c)).unwrap_or(rest.len())
    }

    fn match_digits(&self, p: usize) -> Option<usize> {
        let n = self.count_while(p, |c| c.is_ascii_digit());
        (n > 0).then_some(n)
    }

    /// `(([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+-]?[0-9]+)?`
    fn match_float(&self, p: usize) -> Option<usize> {
        let mantissa = match self.at(p)? {
            b'1'..=b'9' => {
                let int = self.count_while(p, |c| c.is_ascii_digit());
                (self.at(p + int) == Some(b'.'))
                    .then(|| int + 1 + self.count_while(p + int + 1, |c| c.is_ascii_digit()))
            }
            b'0' | b'.' => {
                let zero = usize::from(self.at(p) == Some(b'0'));
                if self.at(p + zero) != Some(b'.') {
                    None
                } else {
                    let frac = self.count_while(p + zero + 1, |c| c.is_ascii_digit());
                    (frac > 0).then_some(zero + 1 + frac)
                }
            }
            _ => None,
        }?;
        let e = p + mantissa;
        if matches!(self.at(e), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.at(e + 1), Some(b'+' | b'-')));
            let digits = self.count_while(e + 1 + sign, |c| c.is_ascii_digit());
            if digits > 0 {
                return Some(mantissa + 1 + sign + digits);
            }
        }
        Some(mantissa)
    }

    /// `''(\ *\n)?`
    fn match_ind_open(&self, p: usize) -> Option<usize> {
        if !self.text[p..].starts_with(b"''") {
            return None;
        }
        let spaces = self.count_while(p + 2, |c| c == b' ');
        Some(if self.at(p + 2 + spaces) == Some(b'\n') { 3 + spaces } else { 2 })
    }

    /// `{PATH_SEG}\$\{` or `{HPATH_START}\$\{`.
    fn match_path_seg_dollar(&self, p: usize) -> Option<usize> {
        let seg = if self.text[p..].starts_with(b"~/") {
            2
        } else {
            let chars = self.count_while(p, is_path_char);
            if self.at(p + chars) != Some(b'/') {
                return None;
            }
            chars + 1
        };
        self.text[p + seg..].starts_with(b"${").then_some(seg + 2)
    }

    /// `(\/{PATH_CHAR}+)+\/?` from `p`, the part every path kind shares.
    fn match_path_tail(&self, p: usize) -> Option<usize> {
        let mut i = p;
        let mut groups = 0;
        while self.at(i) == Some(b'/') {
            let chars = self.count_while(i + 1, is_path_char);
            if chars == 0 {
                break;
            }
            i += 1 + chars;
            groups += 1;
        }
        if groups == 0 {
            return None;
        }
        if self.at(i) == Some(b'/') {
            i += 1;
        }
        Some(i - p)
    }

    /// `{PATH_CHAR}*(\/{PATH_CHAR}+)+\/?`
    fn match_path(&self, p: usize) -> Option<usize> {
        let head = self.count_while(p, is_path_char);
        self.match_path_tail(p + head).map(|tail| head + tail)
    }

    /// `\~(\/{PATH_CHAR}+)+\/?`
    fn match_hpath(&self, p: usize) -> Option<usize> {
        if self.at(p) != Some(b'~') {
            return None;
        }
        self.match_path_tail(p + 1).map(|tail| 1 + tail)
    }

    /// `\<{PATH_CHAR}+(\/{PATH_CHAR}+)*\>`
    fn match_spath(&self, p: usize) -> Option<usize> {
        if self.at(p) != Some(b'<') {
            return None;
        }
        let mut i = p + 1;
        let first = self.count_while(i, is_path_char);
        if first == 0 {
            return None;
        }
        i += first;
        while self.at(i) == Some(b'/') {
            let chars = self.count_while(i + 1, is_path_char);
            if chars == 0 {
                break;
            }
            i += 1 + chars;
        }
        (self.at(i) == Some(b'>')).then_some(i + 1 - p)
    }

    /// `[a-zA-Z][a-zA-Z0-9\+\-\.]*\:[URI chars]+`
    fn match_uri(&self, p: usize) -> Option<usize> {
        if !self.at(p)?.is_ascii_alphabetic() {
            return None;
        }
        let scheme = 1 + self.count_while(p + 1, is_scheme_char);
        if self.at(p + scheme) != Some(b':') {
            return None;
        }
        let rest = self.count_while(p + scheme + 1, is_uri_char);
        (rest > 0).then_some(scheme + 1 + rest)
    }

    fn match_whitespace(&self, p: usize) -> Option<usize> {
        let n = self.count_while(p, |c| CLASSES[c as usize] & SPACE != 0);
        (n > 0).then_some(n)
    }

    /// `\#[^\r\n]*` and `\/\*([^*]|\*+[^*/])*\*+\/` (an unterminated block comment is no match).
    fn match_comment(&self, p: usize) -> Option<usize> {
        match self.at(p)? {
            b'#' => Some(1 + self.count_while(p + 1, |c| c != b'\r' && c != b'\n')),
            b'/' if self.at(p + 1) == Some(b'*') => {
                // Once a comment runs to the end of the input, so would every later one.
                if p >= self.unterminated_comment_from.get() {
                    return None;
                }
                let body = &self.text[p + 2..];
                let end = body.windows(2).position(|w| w == b"*/").map(|i| 2 + i + 2);
                if end.is_none() {
                    self.unterminated_comment_from.set(p);
                }
                end
            }
            _ => None,
        }
    }

    /// The `STRING` state: the text of a `"..."` string.
    fn string_rule(&mut self) -> Token {
        let p = self.pos;
        let Some(first) = self.at(p) else {
            return self.eof();
        };
        if first == b'"' {
            self.pop();
            let range = self.advance(1);
            return Token { kind: Tok::Quote, range };
        }
        if self.text[p..].starts_with(b"${") {
            self.stack.push(State::Default);
            let range = self.advance(2);
            return Token { kind: Tok::DollarCurly, range };
        }
        // `([^\$\"\\]|\$[^\{\"\\]|\\{ANY}|\$\\{ANY})+`, and the same ending in `$` before `"`.
        let mut i = p;
        loop {
            match self.at(i) {
                Some(b'"') | None => break,
                Some(b'\\') => {
                    if self.at(i + 1).is_none() {
                        break;
                    }
                    i += 2;
                }
                Some(b'$') => match self.at(i + 1) {
                    Some(b'{' | b'"') | None => break,
                    Some(b'\\') => {
                        if self.at(i + 2).is_none() {
                            break;
                        }
                        i += 3;
                    }
                    Some(_) => i += 2,
                },
                Some(_) => i += 1,
            }
        }
        let mut len = i - p;
        if self.at(i) == Some(b'$') && self.at(i + 1) == Some(b'"') {
            len += 1;
        }
        if len == 0 {
            // A lone `$`, `\` or `$\` right before the end of the input.
            len = if self.text[p..].starts_with(b"$\\") { 2 } else { 1 };
        }
        let range = self.advance(len);
        Token { kind: Tok::Str, range }
    }

    /// The `IND_STRING` state: the text of a `''...''` string.
    fn ind_string_rule(&mut self) -> Token {
        let p = self.pos;
        if p >= self.text.len() {
            return self.eof();
        }
        let rest = &self.text[p..];
        let (kind, len) = if rest.starts_with(b"''") {
            match self.at(p + 2) {
                Some(b'$') | Some(b'\'') => (Tok::IndStr, 3),
                Some(b'\\') if self.at(p + 3).is_some() => (Tok::IndStr, 3 + utf8_width(self.text, p + 3)),
                _ => {
                    self.pop();
                    (Tok::IndClose, 2)
                }
            }
        } else if rest.starts_with(b"${") {
            self.stack.push(State::Default);
            (Tok::DollarCurly, 2)
        } else {
            // `([^\$\']|\$[^\{\']|\'[^\'\$])+`, else a lone `$` or `'`.
            let mut i = p;
            loop {
                match self.at(i) {
                    None => break,
                    Some(b'$') => match self.at(i + 1) {
                        Some(b'{' | b'\'') | None => break,
                        Some(_) => i += 2,
                    },
                    Some(b'\'') => match self.at(i + 1) {
                        Some(b'\'' | b'$') | None => break,
                        Some(_) => i += 2,
                    },
                    Some(_) => i += 1,
                }
            }
            (Tok::IndStr, (i - p).max(1))
        };
        let range = self.advance(len);
        Token { kind, range }
    }

    /// `PATH_START`: re-reads the first segment of an interpolated path.
    fn path_start_rule(&mut self) -> Token {
        self.pop();
        self.stack.push(State::InPathSlash);
        let p = self.pos;
        let (kind, len) = if self.text[p..].starts_with(b"~/") {
            (Tok::HPath, 2)
        } else {
            (Tok::Path, self.count_while(p, is_path_char) + 1)
        };
        let range = self.advance(len);
        Token { kind, range }
    }

    /// `INPATH` and `INPATH_SLASH`: the parts of a path after its first segment.
    fn in_path_rule(&mut self) -> Result<Token, LexError> {
        let p = self.pos;
        let slash = self.state() == State::InPathSlash;
        if self.text[p..].starts_with(b"${") {
            self.pop();
            self.stack.push(State::InPath);
            self.stack.push(State::Default);
            let range = self.advance(2);
            return Ok(Token { kind: Tok::DollarCurly, range });
        }
        // `{PATH}|{PATH_SEG}|{PATH_CHAR}+`
        let chars = self.count_while(p, is_path_char);
        let seg = (self.at(p + chars) == Some(b'/')).then_some(chars + 1);
        let len = [self.match_path(p), seg, (chars > 0).then_some(chars)].into_iter().flatten().max();
        if let Some(len) = len {
            self.pop();
            let ends_in_slash = self.text[p + len - 1] == b'/';
            self.stack.push(if ends_in_slash { State::InPathSlash } else { State::InPath });
            let range = self.advance(len);
            return Ok(Token { kind: Tok::Str, range });
        }
        if slash {
            let range = match self.at(p) {
                Some(_) => TextRange::at(Self::offset(p), TextSize::from(utf8_width(self.text, p) as u32)),
                None => self.loc,
            };
            return Err(LexError { range, kind: LexErrorKind::TrailingSlash });
        }
        // Any other character ends the path; it is read again in the state below.
        self.pop();
        if self.at(p).is_some() {
            self.advance(1);
            self.push_back(1);
        } else {
            self.loc = self.prev_loc;
        }
        Ok(Token { kind: Tok::PathEnd, range: self.loc })
    }
}

/// Width of the UTF-8 character starting at `i` (1 for a stray byte).
fn utf8_width(text: &[u8], i: usize) -> usize {
    match text.get(i) {
        Some(b) if *b >= 0xF0 => 4,
        Some(b) if *b >= 0xE0 => 3,
        Some(b) if *b >= 0xC0 => 2,
        _ => 1,
    }
    .min(text.len().saturating_sub(i))
    .max(1)
}

/// `strtod` without `ERANGE`: Nix rejects floats that overflow, and ones that underflow to a
/// subnormal or to zero while not being zero.
fn float_in_range(text: &str) -> bool {
    let Ok(value) = text.parse::<f64>() else { return false };
    if value.is_infinite() {
        return false;
    }
    let mantissa_is_zero = text.split(['e', 'E']).next().is_some_and(|m| m.bytes().all(|c| c == b'0' || c == b'.'));
    mantissa_is_zero || value.is_normal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check(src: &str, expect: Expect) {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            match lexer.next_token() {
                Ok(token) => {
                    let r = token.range;
                    let text = &src[usize::from(r.start())..usize::from(r.end())];
                    out.push(format!(
                        "{:?}@{}{}",
                        token.kind,
                        u32::from(r.start()),
                        if text.is_empty() { String::new() } else { format!(" {text:?}") }
                    ));
                    if token.kind == Tok::Eof {
                        break;
                    }
                }
                Err(e) => {
                    out.push(format!("error@{}: {}", u32::from(e.range.start()), e.message(src)));
                    break;
                }
            }
        }
        expect.assert_eq(&out.join("\n"));
    }

    #[test]
    fn paths_beat_identifiers_and_numbers() {
        check(
            "a/b 1/2 x.y/z a/ b",
            expect![[r#"
                Path@0 "a/b"
                PathEnd@0 "a/b"
                Path@4 "1/2"
                PathEnd@4 "1/2"
                Path@8 "x.y/z"
                PathEnd@8 "x.y/z"
                Id@14 "a"
                Punct(47)@15 "/"
                Id@17 "b"
                Eof@17 "b""#]],
        );
    }

    #[test]
    fn uris_floats_and_keywords() {
        check(
            "x:y http://a.b/c 1. .5 01.5 1e5 iff or-x or",
            expect![[r#"
                Uri@0 "x:y"
                Uri@4 "http://a.b/c"
                Float@17 "1."
                Float@20 ".5"
                Int@23 "01"
                Float@25 ".5"
                Int@28 "1"
                Id@29 "e5"
                Id@32 "iff"
                Id@36 "or-x"
                OrKw@41 "or"
                Eof@41 "or""#]],
        );
    }

    #[test]
    fn interpolated_paths() {
        check(
            "./a/${x}b ~/${y} a/${z}",
            expect![[r#"
                Path@0 "./a/"
                DollarCurly@4 "${"
                Id@6 "x"
                RBrace@7 "}"
                Str@8 "b"
                PathEnd@8 "b"
                HPath@10 "~/"
                DollarCurly@12 "${"
                Id@14 "y"
                RBrace@15 "}"
                PathEnd@15 "}"
                Path@17 "a/"
                DollarCurly@19 "${"
                Id@21 "z"
                RBrace@22 "}"
                PathEnd@21 "z"
                Eof@21 "z""#]],
        );
    }

    #[test]
    fn strings_end_in_dollar_and_escapes() {
        check(
            r#""a$" "$${x}" "\${" "x${y}""#,
            expect![[r#"
                Quote@0 "\""
                Str@1 "a$"
                Quote@3 "\""
                Quote@5 "\""
                Str@6 "$${x}"
                Quote@11 "\""
                Quote@13 "\""
                Str@14 "\\${"
                Quote@17 "\""
                Quote@19 "\""
                Str@20 "x"
                DollarCurly@21 "${"
                Id@23 "y"
                RBrace@24 "}"
                Quote@25 "\""
                Eof@25 "\"""#]],
        );
    }

    #[test]
    fn indented_strings() {
        check(
            "''\n  a''$ '''b ''\\n${c}'' 'x",
            expect![[r#"
                IndOpen@0 "''\n"
                IndStr@3 "  a"
                IndStr@6 "''$"
                IndStr@9 " "
                IndStr@10 "'''"
                IndStr@13 "b "
                IndStr@15 "''\\n"
                DollarCurly@19 "${"
                Id@21 "c"
                RBrace@22 "}"
                IndClose@23 "''"
                Invalid(39)@26 "'"
                Id@27 "x"
                Eof@27 "x""#]],
        );
    }

    #[test]
    fn end_of_input_sits_on_the_last_lexeme() {
        check(
            "1 + # c",
            expect![[r##"
                Int@0 "1"
                Punct(43)@2 "+"
                Eof@4 "# c""##]],
        );
    }

    #[test]
    fn lexer_errors() {
        check("9223372036854775808", expect![[r#"error@0: invalid integer '9223372036854775808'"#]]);
        check("1.8e308", expect![[r#"error@0: invalid float '1.8e308'"#]]);
        check(
            "./a/ ",
            expect![[r#"
            Path@0 "./a/"
            error@4: path has a trailing slash"#]],
        );
        check(
            "./a/",
            expect![[r#"
            Path@0 "./a/"
            error@0: path has a trailing slash"#]],
        );
    }
}
