//! Attribute paths and bindings, each fed to the model of Nix's attrsets as soon as its `;` is
//! read, as Nix's grammar action runs.

use std::borrow::Cow;

use crate::base::text::{TextRange, TextSize};
use crate::nix_exact::attrsets::{self, Name, PathAttr};
use crate::nix_exact::lexer::Tok;
use crate::syntax::attrsets::{Built, SetId};

use super::{Finding, PResult, Parser, Shape};

fn starts_attr(tok: Tok) -> bool {
    matches!(tok, Tok::Id | Tok::OrKw | Tok::Quote | Tok::DollarCurly)
}

impl<'a> Parser<'a, '_> {
    /// One attribute of a path: `a`, `or`, `"a"` or `${e}`.
    fn attr(&mut self) -> PResult<PathAttr<'a>> {
        let token = self.peek()?;
        match token.kind {
            Tok::Id | Tok::OrKw => {
                self.bump()?;
                Ok(PathAttr { name: Some(Cow::Borrowed(self.text_of(token.range))), range: token.range })
            }
            Tok::Quote => {
                let shape = self.string()?;
                Ok(self.path_attr(token.range.start(), shape))
            }
            Tok::DollarCurly => {
                let shape = self.interpolation()?;
                Ok(self.path_attr(token.range.start(), shape))
            }
            _ => Err(self.unexpected(token, &[Tok::Id, Tok::OrKw, Tok::DollarCurly, Tok::Quote])),
        }
    }

    fn path_attr(&self, start: TextSize, shape: Shape<'a>) -> PathAttr<'a> {
        let end = self.last_end;
        let name = match shape {
            Shape::Name(name) => Some(name),
            _ => None,
        };
        PathAttr { name, range: TextRange::new(start, end.max(start)) }
    }

    /// An attribute path after `.` or `?` in an expression.
    pub(super) fn attrpath_in_expr(&mut self) -> PResult<()> {
        self.attr()?;
        while self.peek_kind()? == Tok::Punct(b'.') {
            self.bump()?;
            self.attr()?;
        }
        Ok(())
    }

    /// `binds`: bindings and inherits until something else.
    pub(super) fn binds(&mut self, set: SetId) -> PResult<()> {
        loop {
            let kind = self.peek_kind()?;
            if kind == Tok::Inherit {
                self.inherit(set)?;
            } else if starts_attr(kind) {
                self.binding(set, None)?;
            } else {
                return Ok(());
            }
        }
    }

    /// `attrpath = expr;`, checked as soon as the `;` is read.
    pub(super) fn binding(&mut self, set: SetId, first: Option<PathAttr<'a>>) -> PResult<()> {
        // The paths of the bindings being read share one stack: a value's own bindings are
        // pushed above this one and popped before it is used.
        let start = self.paths.len();
        let first = match first {
            Some(first) => first,
            None => self.attr()?,
        };
        self.paths.push(first);
        while self.peek_kind()? == Tok::Punct(b'.') {
            self.bump()?;
            let attr = self.attr()?;
            self.paths.push(attr);
        }
        self.expect_punct(b'=')?;
        let mark = self.sets.mark();
        let value = self.expr()?;
        self.expect_punct(b';')?;
        let value = match value {
            Shape::Attrs(id) => Some(id),
            _ => {
                // Only a literal attrset value can be merged into or walked into later.
                self.sets.forget_since(mark);
                None
            }
        };
        let added = self.sets.add_attr(set, &self.paths[start..], value, None, &mut Built);
        let duplicates = attrsets::of_binding(&self.paths[start..], added, &mut *self.order);
        self.paths.truncate(start);
        self.findings.extend(duplicates.into_iter().map(Finding::Duplicate));
        Ok(())
    }

    /// `inherit a b;` or `inherit (e) a b;`.
    fn inherit(&mut self, set: SetId) -> PResult<()> {
        self.bump()?;
        let from = self.peek_kind()? == Tok::Punct(b'(');
        if from {
            self.bump()?;
            self.expr()?;
            self.expect_punct(b')')?;
        }
        let mut names: Vec<(Name<'a>, TextRange)> = Vec::new();
        loop {
            let token = self.peek()?;
            match token.kind {
                Tok::Punct(b';') => {
                    self.bump()?;
                    break;
                }
                kind if starts_attr(kind) => {
                    let attr = self.attr()?;
                    match attr.name {
                        Some(name) => names.push((name, attr.range)),
                        // Raised as soon as the name is read, before the `;`.
                        None => self.action_error(attr.range, "dynamic attributes not allowed in inherit"),
                    }
                }
                _ => return Err(self.unexpected(token, &[])),
            }
        }
        for (name, range) in names {
            if let Some(existing) = self.sets.inherit(set, &name, range, from) {
                self.findings.push(Finding::Duplicate(attrsets::of_inherit(&name, range, existing)));
            }
        }
        Ok(())
    }
}
