//! Nix's own tokenizer, rule for rule (`lexer.l`), because rnix's tokenizer draws some token
//! boundaries differently (numbers, comments ended by `\r`, the tokens after a path) and the
//! position of a syntax error is the position of the token Nix choked on.
//!
//! Flex picks the longest match among the rules of the current start condition, the earliest
//! rule on a tie; each state does the same by hand (`code` for the default state, `strings` for
//! those inside strings and paths). Positions follow Nix's bookkeeping too, quirks included: at
//! the end of the input the "token" sits where the last lexeme (whitespace and comments count)
//! started, and the zero-width `PATH_END` token borrows the location of the lexeme before it.
//!
//! The only departure from Nix 2.8 is current Nix's pipe operators `|>` and `<|`.

mod code;
mod strings;

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

/// The operators of more than one character, by their text.
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
