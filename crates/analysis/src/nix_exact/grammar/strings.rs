//! Strings: `"..."` and `''...''`, and the value of one that is a static attribute name, as Nix
//! computes it.

use std::borrow::Cow;

use crate::nix_exact::attrsets::Name;
use crate::nix_exact::lexer::{Tok, Token};

use super::{PResult, Parser, Shape};

/// What the parts of a string make of it as an attribute name.
enum Text {
    Empty,
    Piece(Token),
    /// Interpolated, or several pieces of text: not a static name.
    Dynamic,
}

impl<'a> Parser<'a, '_> {
    /// `"..."`: static when it is one piece of text or empty.
    pub(super) fn string(&mut self) -> PResult<Shape<'a>> {
        Ok(match self.string_parts(Tok::Str, Tok::Quote, &[Tok::Quote])? {
            Text::Empty => Shape::Name(Cow::Borrowed("")),
            Text::Piece(piece) => Shape::Name(unescape(self.text_of(piece.range))),
            Text::Dynamic => Shape::Other,
        })
    }

    /// `''...''`: static when it has at most one piece of text.
    pub(super) fn indented_string(&mut self) -> PResult<Shape<'a>> {
        let expected = [Tok::IndStr, Tok::DollarCurly, Tok::IndClose];
        Ok(match self.string_parts(Tok::IndStr, Tok::IndClose, &expected)? {
            Text::Empty => Shape::Name(Cow::Borrowed("")),
            Text::Piece(piece) => Shape::Name(Cow::Owned(indented_piece(self.text_of(piece.range)))),
            Text::Dynamic => Shape::Other,
        })
    }

    /// A string from its opening token to `close`: pieces of text (`piece` tokens) and
    /// interpolations. `expected` is what bison names when something else comes.
    fn string_parts(&mut self, piece: Tok, close: Tok, expected: &[Tok]) -> PResult<Text> {
        self.bump()?;
        let mut text = Text::Empty;
        loop {
            let token = self.peek()?;
            match token.kind {
                Tok::DollarCurly => {
                    self.interpolation()?;
                    text = Text::Dynamic;
                }
                kind if kind == close => {
                    self.bump()?;
                    return Ok(text);
                }
                // `string_parts` allows a lone STR, or STRs after an interpolation.
                Tok::Str if matches!(text, Text::Piece(_)) => {
                    return Err(self.unexpected(token, &[Tok::Quote, Tok::DollarCurly]));
                }
                kind if kind == piece => {
                    self.bump()?;
                    text = match text {
                        Text::Empty => Text::Piece(token),
                        _ => Text::Dynamic,
                    };
                }
                _ => return Err(self.unexpected(token, expected)),
            }
        }
    }
}

/// The value of a `"..."` piece, as Nix's `unescapeStr` computes it.
fn unescape(raw: &str) -> Name<'_> {
    if !raw.contains(['\\', '\r']) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '\r' => {
                out.push('\n');
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The value of an indented string made of one piece, as Nix's `stripIndentation` computes it.
fn indented_piece(raw: &str) -> String {
    // The escapes of indented strings are pieces of their own: a lone piece is either one of
    // them or plain text whose indentation is stripped.
    match raw {
        "''$" | "$" => return "$".to_string(),
        "'''" => return "''".to_string(),
        "'" => return "'".to_string(),
        _ => {}
    }
    if let Some(escaped) = raw.strip_prefix("''\\") {
        return unescape(&format!("\\{escaped}")).into_owned();
    }
    let mut min_indent = usize::MAX;
    let mut at_line_start = true;
    let mut indent = 0;
    for c in raw.chars() {
        if at_line_start {
            match c {
                ' ' => indent += 1,
                '\n' => indent = 0,
                _ => {
                    at_line_start = false;
                    min_indent = min_indent.min(indent);
                }
            }
        } else if c == '\n' {
            at_line_start = true;
            indent = 0;
        }
    }
    let mut out = String::with_capacity(raw.len());
    let mut at_line_start = true;
    let mut dropped = 0;
    for c in raw.chars() {
        if at_line_start {
            match c {
                ' ' => {
                    if dropped >= min_indent {
                        out.push(c);
                    }
                    dropped += 1;
                }
                '\n' => {
                    dropped = 0;
                    out.push(c);
                }
                _ => {
                    at_line_start = false;
                    dropped = 0;
                    out.push(c);
                }
            }
        } else {
            out.push(c);
            if c == '\n' {
                at_line_start = true;
            }
        }
    }
    // A last line of spaces only is dropped.
    if let Some(p) = out.rfind('\n')
        && out[p + 1..].chars().all(|c| c == ' ')
    {
        out.truncate(p + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_names() {
        assert_eq!(unescape(r"a\nb\$"), "a\nb$");
        assert_eq!(unescape("a\r\nb"), "a\nb");
        assert_eq!(indented_piece("  a\n    b\n  "), "a\n  b\n");
        assert_eq!(indented_piece("''\\t"), "\t");
    }
}
