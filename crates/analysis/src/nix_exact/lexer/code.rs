//! The default state of Nix's lexer (`INITIAL` and `DEFAULT`), the rules for code: the rule that
//! wins at a position by flex's longest match, found by hand, with the scans that keep a chain
//! of names or numbers linear.

use std::cell::Cell;

use super::{Lexer, OPERATORS, Rule, Tok};

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

pub(super) fn is_path_char(c: u8) -> bool {
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

impl Lexer<'_> {
    /// The winning rule of the default state at `self.pos`, by flex's longest-match rule.
    pub(super) fn longest_default_match(&self, first: u8) -> (Rule, usize) {
        self.common_token(first).unwrap_or_else(|| self.longest_of_all_rules(first))
    }

    /// The common tokens, decided without trying the other rules.
    fn common_token(&self, first: u8) -> Option<(Rule, usize)> {
        let p = self.pos;
        Some(match first {
            b' ' | b'\t' | b'\r' | b'\n' => (Rule::Whitespace, self.match_whitespace(p).unwrap_or(1)),
            b'#' => (Rule::Comment, self.match_comment(p).unwrap_or(1)),
            b'{' => (Rule::LBrace, 1),
            b'}' => (Rule::RBrace, 1),
            b'"' => (Rule::Quote, 1),
            b'(' | b')' | b'[' | b']' | b';' | b':' | b',' | b'@' | b'?' | b'*' => (Rule::Any, 1),
            b'=' => match self.at(p + 1) {
                Some(b'=') => (Rule::Operator(Tok::Eq), 2),
                _ => (Rule::Any, 1),
            },
            // The dot of `a.b.c`: inside a run of path characters known to have no `/` after it.
            b'.' if p < self.no_path_before.get() && !matches!(self.at(p + 1), Some(b'.' | b'0'..=b'9')) => {
                (Rule::Any, 1)
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let len = 1 + self.count_while(p + 1, is_id_char);
                // A path or a URI is longer only when one of their characters follows.
                if matches!(self.at(p + len), Some(b'/' | b'.' | b'+' | b':')) {
                    return None;
                }
                (keyword_or_id(&self.text[p..p + len]), len)
            }
            _ => return None,
        })
    }

    /// Every rule that can match at `self.pos`, the longest winning.
    fn longest_of_all_rules(&self, first: u8) -> (Rule, usize) {
        let p = self.pos;
        let rest = &self.text[p..];
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
        if self.run_ends_in(p, &self.no_uri_before, is_scheme_char, b':') {
            offer(Rule::Uri, self.match_uri(p));
        }
    }

    /// `{PATH_SEG}\$\{` and `{PATH}`, which need a `/` after the leading path characters.
    fn offer_paths(&self, p: usize, offer: &mut impl FnMut(Rule, Option<usize>)) {
        if self.run_ends_in(p, &self.no_path_before, is_path_char, b'/') {
            offer(Rule::PathSegDollar, self.match_path_seg_dollar(p));
            offer(Rule::Path, self.match_path(p));
        }
    }

    /// Whether the run of `class` characters from `p` is followed by `end`. Every start inside a
    /// run ends where the run ends, so `none_before` keeps the end of a run that is not: one scan
    /// serves a whole `a.b.c.d` chain.
    fn run_ends_in(&self, p: usize, none_before: &Cell<usize>, class: fn(u8) -> bool, end: u8) -> bool {
        if p < none_before.get() {
            return false;
        }
        let run = self.count_while(p, class);
        let ends = self.at(p + run) == Some(end);
        if !ends {
            none_before.set(p + run);
        }
        ends
    }

    pub(super) fn count_while(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
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
    pub(super) fn match_path(&self, p: usize) -> Option<usize> {
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
}
