//! Functions: a pattern's formals, Nix's checks of them, and the `{` that starts either a pattern
//! or an attrset.

use std::borrow::Cow;

use crate::base::text::{TextRange, TextSize};
use crate::nix_exact::attrsets::PathAttr;
use crate::nix_exact::lexer::{Tok, Token};

use super::{Formal, PResult, Parser, Shape};

impl<'a> Parser<'a, '_> {
    /// `{` where an expression starts: a pattern (`{ a, b }: ...`) or an attrset. Bison forks
    /// here and drops the reading that fails; the first two tokens always settle it.
    pub(super) fn brace_at_function_level(&mut self, brace: Token) -> PResult<Shape<'a>> {
        self.bump()?;
        let token = self.peek()?;
        match token.kind {
            Tok::RBrace => {
                self.bump()?;
                match self.peek_kind()? {
                    Tok::Punct(b':' | b'@') => self.lambda_after_formals(brace, Vec::new()),
                    _ => {
                        let set = self.sets.new_set(false);
                        self.expr_if_rest(Shape::Attrs(set))
                    }
                }
            }
            Tok::Ellipsis => {
                let formals = self.formals(None)?;
                self.expect(Tok::RBrace)?;
                self.lambda_after_formals(brace, formals)
            }
            Tok::Id => {
                self.bump()?;
                let next = self.peek()?;
                match next.kind {
                    Tok::Punct(b',' | b'?') | Tok::RBrace => {
                        let formals = self.formals(Some(token))?;
                        self.expect(Tok::RBrace)?;
                        self.lambda_after_formals(brace, formals)
                    }
                    Tok::Punct(b'.' | b'=') => {
                        let set = self.sets.new_set(false);
                        let first =
                            PathAttr { name: Some(Cow::Borrowed(self.text_of(token.range))), range: token.range };
                        self.binding(set, Some(first))?;
                        self.binds(set)?;
                        self.expect(Tok::RBrace)?;
                        self.expr_if_rest(Shape::Attrs(set))
                    }
                    _ => Err(self.unexpected(next, &[])),
                }
            }
            _ => {
                let set = self.sets.new_set(false);
                self.binds(set)?;
                self.expect(Tok::RBrace)?;
                self.expr_if_rest(Shape::Attrs(set))
            }
        }
    }

    /// After `{ formals }`: `: body` or `@ name : body`.
    fn lambda_after_formals(&mut self, brace: Token, formals: Vec<Formal<'a>>) -> PResult<Shape<'a>> {
        let token = self.peek()?;
        let argument = match token.kind {
            Tok::Punct(b':') => None,
            Tok::Punct(b'@') => {
                self.bump()?;
                let name = self.expect(Tok::Id)?;
                Some(Formal { name: self.text_of(name.range), range: name.range })
            }
            _ => return Err(self.unexpected(token, &[Tok::Punct(b':'), Tok::Punct(b'@')])),
        };
        self.expect_punct(b':')?;
        self.expr()?;
        self.check_formals(brace.range.start(), &formals, argument);
        Ok(Shape::Other)
    }

    /// `formals`, up to (not including) the closing brace. `first` is a formal's name already read.
    pub(super) fn formals(&mut self, first: Option<Token>) -> PResult<Vec<Formal<'a>>> {
        let mut formals = Vec::new();
        let mut pending = first;
        loop {
            let name = match pending.take() {
                Some(name) => name,
                None => match self.peek_kind()? {
                    Tok::Id => self.bump()?,
                    Tok::Ellipsis => {
                        self.bump()?;
                        return Ok(formals);
                    }
                    _ => return Ok(formals),
                },
            };
            if self.peek_kind()? == Tok::Punct(b'?') {
                self.bump()?;
                self.expr()?;
            }
            formals.push(Formal { name: self.text_of(name.range), range: name.range });
            if self.peek_kind()? != Tok::Punct(b',') {
                return Ok(formals);
            }
            self.bump()?;
        }
    }

    /// Nix's `toFormals`: of the duplicated names, the first in symbol order is reported, at its
    /// second occurrence; then an `@` name that is also a formal, at the lambda.
    pub(super) fn check_formals(&mut self, lambda: TextSize, formals: &[Formal<'a>], argument: Option<Formal<'a>>) {
        let mut seen: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
        let mut repeats: Vec<&Formal<'a>> = Vec::new();
        for formal in formals {
            let count = seen.entry(formal.name).or_insert(0);
            *count += 1;
            if *count == 2 {
                repeats.push(formal);
            }
        }
        if repeats.len() > 1 {
            let order = &mut self.order;
            repeats.sort_by(|a, b| order(a.name, b.name).then(a.range.start().cmp(&b.range.start())));
        }
        for formal in repeats {
            self.action_error(formal.range, format!("duplicate formal function argument '{}'", formal.name));
        }
        if let Some(argument) = argument
            && seen.contains_key(argument.name)
        {
            let range = TextRange::new(lambda, argument.range.end());
            self.action_error(range, format!("duplicate formal function argument '{}'", argument.name));
        }
    }
}
