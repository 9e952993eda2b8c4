//! A recognizer for Nix's grammar (`parser.y`) over Nix's own tokens, to find the errors Nix's
//! parser raises, at the positions and in the order it raises them.
//!
//! rnix recovers from errors and accepts a slightly different language, so its first error is
//! often not Nix's. This recognizer follows the bison grammar production by production and stops
//! at the first token no Nix program can continue with, which is where Nix's LR parser stops.
//! Along the way it runs the checks Nix runs in the grammar's actions (duplicate attributes,
//! dynamic attributes in `let` and `inherit`, duplicate formals), at the moment the action would
//! run:
//! - a binding is checked as soon as its `;` is read, before the next token is lexed;
//! - a `let` or a lambda is checked once its body is complete, that is once the token after it
//!   is known not to continue it; a lexer error on that token comes first, a plain syntax error
//!   does not (bison reduces before it notices), except that a broken chain of non-associative
//!   operators is refused before anything is reduced.
//!
//! Nothing here builds a tree: the recognizer keeps only what the checks need.

mod bindings;
mod functions;
mod strings;

use std::borrow::Cow;

use crate::base::text::{TextRange, TextSize};
use crate::syntax::attrsets::SetId;

use super::attrsets::{AttrSets, Duplicate, Name, PathAttr};
use super::lexer::{Lexer, Tok, Token};

/// What the grammar found: the errors in the order Nix raises them.
pub(crate) struct Findings {
    pub(crate) errors: Vec<Finding>,
    /// The first number rnix reads differently from Nix (`0.x`, `1.5e`): its tree is wrong from
    /// there on.
    pub(crate) rnix_misreads_from: Option<TextSize>,
}

#[derive(Debug, Clone)]
pub(crate) enum Finding {
    /// A syntax error (or an error of Nix's lexer); nothing after it is checked.
    Syntax {
        range: TextRange,
        message: String,
    },
    /// An error raised by a grammar action (`dynamic attributes not allowed in let`, ...).
    Action {
        range: TextRange,
        message: String,
    },
    Duplicate(Duplicate),
}

/// How deep the recognizer nests before it gives up like Nix, whose parser stack holds 10,000
/// entries. Each level here holds at least one entry there, so this never refuses a file Nix
/// takes.
const MAX_NESTING: u32 = 10_000;

pub(crate) fn check(text: &str, order: &mut dyn FnMut(&str, &str) -> std::cmp::Ordering) -> Findings {
    let mut parser = Parser {
        text,
        lexer: Lexer::new(text),
        peeked: None,
        findings: Vec::new(),
        sets: AttrSets::default(),
        paths: Vec::new(),
        depth: 0,
        last_end: TextSize::from(0),
        order,
    };
    let _ = parser.start();
    Findings { errors: parser.findings, rnix_misreads_from: parser.lexer.rnix_misreads_from() }
}

/// The recognizer stopped at a syntax error, already recorded.
struct Stop;

type PResult<T> = Result<T, Stop>;

/// What the grammar's actions need to know about an expression.
#[derive(Debug, Clone)]
enum Shape<'a> {
    /// A literal attrset (possibly in parentheses).
    Attrs(SetId),
    /// A string with no interpolation, usable as a static attribute name.
    Name(Name<'a>),
    Other,
}

/// Binary operators of `expr_op`: precedence (higher binds tighter) and associativity.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    None,
}

const PREC_NOT: u8 = 7;
const PREC_NEGATE: u8 = 12;

fn binary(tok: Tok) -> Option<(u8, Assoc)> {
    Some(match tok {
        Tok::Impl => (1, Assoc::Right),
        Tok::Or => (2, Assoc::Left),
        Tok::And => (3, Assoc::Left),
        Tok::Eq | Tok::Neq => (4, Assoc::None),
        Tok::Punct(b'<' | b'>') | Tok::Leq | Tok::Geq => (5, Assoc::None),
        Tok::Update => (6, Assoc::Right),
        Tok::Punct(b'+' | b'-') => (8, Assoc::Left),
        Tok::Punct(b'*' | b'/') => (9, Assoc::Left),
        Tok::Concat => (10, Assoc::Right),
        // Declared `%nonassoc`, but its right side is an attribute path, never an `expr_op`, so
        // bison meets no conflict to refuse: `a ? b ? c` is `(a ? b) ? c`.
        Tok::Punct(b'?') => (11, Assoc::Left),
        _ => return None,
    })
}

/// Tokens that start an `expr_select` (an argument, a list element).
fn starts_select(tok: Tok) -> bool {
    matches!(
        tok,
        Tok::Id
            | Tok::Int
            | Tok::Float
            | Tok::Quote
            | Tok::IndOpen
            | Tok::Path
            | Tok::HPath
            | Tok::SPath
            | Tok::Uri
            | Tok::Let
            | Tok::Rec
            | Tok::LBrace
            | Tok::Punct(b'(' | b'[')
    )
}

struct Parser<'a, 'o> {
    text: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token>,
    findings: Vec<Finding>,
    sets: AttrSets<'a>,
    /// The attribute paths of the bindings being read, innermost last.
    paths: Vec<PathAttr<'a>>,
    depth: u32,
    /// The end of the last token consumed.
    last_end: TextSize,
    order: &'o mut dyn FnMut(&str, &str) -> std::cmp::Ordering,
}

impl<'a> Parser<'a, '_> {
    // ---- tokens ---------------------------------------------------------------------------

    fn peek(&mut self) -> PResult<Token> {
        if let Some(token) = self.peeked {
            return Ok(token);
        }
        match self.lexer.next_token() {
            Ok(token) => {
                self.peeked = Some(token);
                Ok(token)
            }
            Err(error) => {
                self.findings.push(Finding::Syntax { range: error.range, message: error.message(self.text) });
                Err(Stop)
            }
        }
    }

    fn peek_kind(&mut self) -> PResult<Tok> {
        self.peek().map(|t| t.kind)
    }

    fn bump(&mut self) -> PResult<Token> {
        let token = self.peek()?;
        self.peeked = None;
        self.last_end = token.range.end();
        Ok(token)
    }

    fn text_of(&self, range: TextRange) -> &'a str {
        self.text.get(usize::from(range.start())..usize::from(range.end())).unwrap_or("")
    }

    fn expect(&mut self, kind: Tok) -> PResult<Token> {
        let token = self.peek()?;
        if token.kind == kind { self.bump() } else { Err(self.unexpected(token, &[kind])) }
    }

    fn expect_punct(&mut self, c: u8) -> PResult<Token> {
        self.expect(Tok::Punct(c))
    }

    /// Records the syntax error on `token`, bison-style.
    fn unexpected(&mut self, token: Token, expected: &[Tok]) -> Stop {
        let mut message = format!("unexpected {}", token.kind.describe());
        // Like bison, name the alternatives only when there are few.
        if !expected.is_empty() && expected.len() <= 4 {
            let names: Vec<String> = expected.iter().map(|t| t.describe()).collect();
            message.push_str(&format!(", expecting {}", names.join(" or ")));
        }
        let mut range = token.range;
        if let Tok::Invalid(_) = token.kind {
            range = char_range(self.text, range.start());
        }
        self.findings.push(Finding::Syntax { range, message });
        Stop
    }

    fn action_error(&mut self, range: TextRange, message: impl Into<String>) {
        self.findings.push(Finding::Action { range, message: message.into() });
    }

    // ---- expressions ----------------------------------------------------------------------

    fn start(&mut self) -> PResult<()> {
        self.expr()?;
        let token = self.peek()?;
        if token.kind != Tok::Eof {
            return Err(self.unexpected(token, &[Tok::Eof]));
        }
        Ok(())
    }

    /// `expr: expr_function`
    fn expr(&mut self) -> PResult<Shape<'a>> {
        if self.depth >= MAX_NESTING {
            let token = self.peek()?;
            self.findings.push(Finding::Syntax { range: token.range, message: "memory exhausted".to_string() });
            return Err(Stop);
        }
        self.depth += 1;
        let result = stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.expr_function());
        self.depth -= 1;
        result
    }

    fn expr_function(&mut self) -> PResult<Shape<'a>> {
        let token = self.peek()?;
        match token.kind {
            Tok::Id => {
                self.bump()?;
                match self.peek_kind()? {
                    Tok::Punct(b':') => {
                        self.bump()?;
                        self.expr()?;
                        Ok(Shape::Other)
                    }
                    Tok::Punct(b'@') => {
                        self.bump()?;
                        self.expect(Tok::LBrace)?;
                        let formals = self.formals(None)?;
                        self.expect(Tok::RBrace)?;
                        self.expect_punct(b':')?;
                        self.expr()?;
                        let argument = Formal { name: self.text_of(token.range), range: token.range };
                        self.check_formals(token.range.start(), &formals, Some(argument));
                        Ok(Shape::Other)
                    }
                    _ => self.expr_if_rest(Shape::Other),
                }
            }
            Tok::LBrace => self.brace_at_function_level(token),
            Tok::Assert | Tok::With => {
                self.bump()?;
                self.expr()?;
                self.expect_punct(b';')?;
                self.expr()?;
                Ok(Shape::Other)
            }
            Tok::Let => {
                self.bump()?;
                if self.peek_kind()? == Tok::LBrace {
                    let simple = self.legacy_let()?;
                    return self.expr_if_rest(simple);
                }
                let set = self.sets.new_set(true);
                self.binds(set)?;
                self.expect(Tok::In)?;
                self.expr()?;
                if self.sets.has_dynamic(set) {
                    self.action_error(token.range, "dynamic attributes not allowed in let");
                }
                Ok(Shape::Other)
            }
            _ => self.expr_if(),
        }
    }

    /// `expr_if`: `if` or an operator expression (with current Nix's pipes).
    fn expr_if(&mut self) -> PResult<Shape<'a>> {
        if self.peek_kind()? == Tok::If {
            self.bump()?;
            self.expr()?;
            self.expect(Tok::Then)?;
            self.expr()?;
            self.expect(Tok::Else)?;
            self.expr()?;
            return Ok(Shape::Other);
        }
        let first = self.op_expr(1, None)?;
        self.pipes(first)
    }

    /// The rest of an `expr_if` whose first `expr_simple` is already read.
    fn expr_if_rest(&mut self, simple: Shape<'a>) -> PResult<Shape<'a>> {
        let first = self.op_expr(1, Some(simple))?;
        self.pipes(first)
    }

    /// Current Nix: `a |> f |> g` and `f <| g <| a`, looser than every operator and not to be
    /// mixed without parentheses.
    fn pipes(&mut self, first: Shape<'a>) -> PResult<Shape<'a>> {
        let kind = self.peek_kind()?;
        if !matches!(kind, Tok::PipeInto | Tok::PipeFrom) {
            return Ok(first);
        }
        while self.peek_kind()? == kind {
            self.bump()?;
            self.op_expr(1, None)?;
        }
        Ok(Shape::Other)
    }

    /// `expr_op` by precedence climbing; `first` is an `expr_simple` already read.
    fn op_expr(&mut self, min: u8, first: Option<Shape<'a>>) -> PResult<Shape<'a>> {
        let mut lhs = match first {
            Some(simple) => self.app(Some(simple))?,
            None => match self.peek_kind()? {
                Tok::Punct(b'!') => {
                    self.bump()?;
                    self.op_expr(PREC_NOT + 1, None)?;
                    Shape::Other
                }
                Tok::Punct(b'-') => {
                    self.bump()?;
                    self.op_expr(PREC_NEGATE + 1, None)?;
                    Shape::Other
                }
                _ => self.app(None)?,
            },
        };
        let mut last_non_assoc = None;
        loop {
            let token = self.peek()?;
            let Some((prec, assoc)) = binary(token.kind) else { break };
            if prec < min {
                break;
            }
            if assoc == Assoc::None && last_non_assoc == Some(prec) {
                return Err(self.unexpected(token, &[]));
            }
            self.bump()?;
            if token.kind == Tok::Punct(b'?') {
                self.attrpath_in_expr()?;
            } else {
                let next = if assoc == Assoc::Right { prec } else { prec + 1 };
                self.op_expr(next, None)?;
            }
            last_non_assoc = (assoc == Assoc::None).then_some(prec);
            lhs = Shape::Other;
        }
        Ok(lhs)
    }

    /// `expr_app`: one or more `expr_select`.
    fn app(&mut self, first: Option<Shape<'a>>) -> PResult<Shape<'a>> {
        let mut shape = self.select(first)?;
        while starts_select(self.peek_kind()?) {
            self.select(None)?;
            shape = Shape::Other;
        }
        Ok(shape)
    }

    /// `expr_select`: `e`, `e.path`, `e.path or default`, or the legacy `e or`.
    fn select(&mut self, first: Option<Shape<'a>>) -> PResult<Shape<'a>> {
        let simple = match first {
            Some(simple) => simple,
            None => self.simple()?,
        };
        match self.peek_kind()? {
            Tok::Punct(b'.') => {
                self.bump()?;
                self.attrpath_in_expr()?;
                if self.peek_kind()? == Tok::OrKw {
                    self.bump()?;
                    self.select(None)?;
                }
                Ok(Shape::Other)
            }
            Tok::OrKw => {
                self.bump()?;
                Ok(Shape::Other)
            }
            _ => Ok(simple),
        }
    }

    /// `expr_simple`
    fn simple(&mut self) -> PResult<Shape<'a>> {
        let token = self.peek()?;
        match token.kind {
            Tok::Id | Tok::Int | Tok::Float | Tok::SPath => {
                self.bump()?;
                Ok(Shape::Other)
            }
            Tok::Uri => {
                // A URI is a plain string to Nix: `${http://x}` is a static attribute name.
                self.bump()?;
                Ok(Shape::Name(Cow::Borrowed(self.text_of(token.range))))
            }
            Tok::Quote => self.string(),
            Tok::IndOpen => self.indented_string(),
            Tok::Path | Tok::HPath => {
                self.bump()?;
                loop {
                    let part = self.peek()?;
                    match part.kind {
                        Tok::Str => {
                            self.bump()?;
                        }
                        Tok::DollarCurly => {
                            self.interpolation()?;
                        }
                        Tok::PathEnd => {
                            self.bump()?;
                            return Ok(Shape::Other);
                        }
                        _ => return Err(self.unexpected(part, &[Tok::PathEnd])),
                    }
                }
            }
            Tok::Punct(b'(') => {
                self.bump()?;
                let inner = self.expr()?;
                self.expect_punct(b')')?;
                Ok(inner)
            }
            Tok::Let => {
                self.bump()?;
                self.legacy_let()
            }
            Tok::Rec => {
                self.bump()?;
                self.expect(Tok::LBrace)?;
                let set = self.sets.new_set(true);
                self.binds(set)?;
                self.expect(Tok::RBrace)?;
                Ok(Shape::Attrs(set))
            }
            Tok::LBrace => {
                self.bump()?;
                let set = self.sets.new_set(false);
                self.binds(set)?;
                self.expect(Tok::RBrace)?;
                Ok(Shape::Attrs(set))
            }
            Tok::Punct(b'[') => {
                self.bump()?;
                while starts_select(self.peek_kind()?) {
                    self.select(None)?;
                }
                self.expect_punct(b']')?;
                Ok(Shape::Other)
            }
            _ => Err(self.unexpected(token, &[])),
        }
    }

    /// `let { ... }` after `let`: a recursive set whose `body` is the value.
    fn legacy_let(&mut self) -> PResult<Shape<'a>> {
        self.expect(Tok::LBrace)?;
        let set = self.sets.new_set(true);
        self.binds(set)?;
        self.expect(Tok::RBrace)?;
        Ok(Shape::Other)
    }

    /// `${ expr }`
    fn interpolation(&mut self) -> PResult<Shape<'a>> {
        self.bump()?;
        let inner = self.expr()?;
        self.expect(Tok::RBrace)?;
        Ok(inner)
    }
}

/// The range of the character starting at `start` (a stray byte as Nix's lexer sees it).
fn char_range(text: &str, start: TextSize) -> TextRange {
    let len = text.get(usize::from(start)..).and_then(|rest| rest.chars().next()).map_or(1, char::len_utf8);
    TextRange::at(start, TextSize::from(len as u32))
}

/// A formal argument as read: its name and where it is.
struct Formal<'a> {
    name: &'a str,
    pub(crate) range: TextRange,
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{Expect, expect};

    fn check_src(src: &str, expect: Expect) {
        let findings = check(src, &mut |a: &str, b: &str| a.cmp(b));
        let rendered: Vec<String> = findings
            .errors
            .iter()
            .map(|f| match f {
                Finding::Syntax { range, message } => format!("syntax@{}: {message}", u32::from(range.start())),
                Finding::Action { range, message } => format!("action@{}: {message}", u32::from(range.start())),
                Finding::Duplicate(d) => format!("duplicate@{}: {}", u32::from(d.range.start()), d.path),
            })
            .collect();
        expect.assert_eq(&rendered.join("\n"));
    }

    #[test]
    fn valid_programs() {
        for src in [
            "{ a, b ? 1, ... }@args: a",
            "x: y: x.${y} or null",
            "let { body = 1; }",
            "f let { body = 1; }",
            "[ a.b or c (d) ]",
            "a or b",
            "a |> f |> g",
            "f <| g <| a",
            "-a ? b",
            "!a.b or c",
            "a < b == c < d",
            "{ }: { }",
            "{ ... }: 1",
            "{ a, }: a",
            "./a/${x}b ~/${y} <nixpkgs> http://x",
            "''\n  ${a}''$ '''\n''",
            r#"{ "a" = 1; ${"b"} = 2; c.${x} = 3; or = 4; }"#,
            "with a; assert b; if c then d else e",
            "rec { inherit a; inherit (b) c \"d\"; }",
        ] {
            let findings = check(src, &mut |a: &str, b: &str| a.cmp(b));
            assert!(findings.errors.is_empty(), "{src}: {:?}", findings.errors);
        }
    }

    #[test]
    fn errors_sit_on_the_token_nix_refuses() {
        check_src("{ a = 1 }", expect!["syntax@8: unexpected '}', expecting ';'"]);
        check_src("1 +", expect!["syntax@2: unexpected end of file"]);
        check_src("a < b < c", expect!["syntax@6: unexpected '<'"]);
        check_src("a ? b ? c", expect![""]);
        check_src("[ -1 ]", expect!["syntax@2: unexpected '-', expecting ']'"]);
        check_src("f let a = 1; in a", expect!["syntax@6: unexpected ID, expecting '{'"]);
        check_src("{ a b }", expect!["syntax@4: unexpected ID"]);
        check_src("{ ..., a }: 1", expect!["syntax@5: unexpected ',', expecting '}'"]);
        check_src("a |> b <| c", expect!["syntax@7: unexpected PIPE_FROM, expecting end of file"]);
    }

    #[test]
    fn actions_fire_when_bison_reduces() {
        check_src(
            "let ${a} = 1; in 1 )",
            expect![[r#"
            action@0: dynamic attributes not allowed in let
            syntax@19: unexpected ')', expecting end of file"#]],
        );
        check_src("let ${a} = 1; in 1 +", expect!["syntax@19: unexpected end of file"]);
        check_src("let ${a} = 1; in a < b < c", expect!["syntax@23: unexpected '<'"]);
        check_src(
            "let ${a} = 1; in 1 99999999999999999999",
            expect!["syntax@19: invalid integer '99999999999999999999'"],
        );
        check_src("let a.${x} = 1; in a", expect![""]);
        check_src(
            "{ inherit ${a} ] }",
            expect![[r#"
            action@10: dynamic attributes not allowed in inherit
            syntax@15: unexpected ']'"#]],
        );
        check_src(
            "{ a = 1; a = 2; } 99999999999999999999",
            expect![[r#"
            duplicate@9: a
            syntax@18: invalid integer '99999999999999999999'"#]],
        );
    }

    #[test]
    fn formals() {
        check_src("{ a, a }: 1", expect!["action@5: duplicate formal function argument 'a'"]);
        check_src("{ a, a }: 1 +", expect!["syntax@12: unexpected end of file"]);
        check_src(
            "{ b, a, b, a }: 1",
            expect![[r#"
            action@11: duplicate formal function argument 'a'
            action@8: duplicate formal function argument 'b'"#]],
        );
        check_src("{ a }@a: 1", expect!["action@0: duplicate formal function argument 'a'"]);
        check_src("a@{ a }: 1", expect!["action@0: duplicate formal function argument 'a'"]);
    }

    #[test]
    fn pathological_inputs_stay_cheap() {
        let deep = format!("{}1{}", "(".repeat(20_000), ")".repeat(20_000));
        let findings = check(&deep, &mut |a: &str, b: &str| a.cmp(b));
        assert!(matches!(&findings.errors[..], [Finding::Syntax { message, .. }] if message == "memory exhausted"));
        let open_comments = "1 /* ".repeat(50_000);
        let start = std::time::Instant::now();
        check(&open_comments, &mut |a: &str, b: &str| a.cmp(b));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
