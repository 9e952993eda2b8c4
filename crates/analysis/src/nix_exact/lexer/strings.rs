//! The states of Nix's lexer inside strings, indented strings and paths: the text between
//! interpolations, and where each ends.

use crate::base::text::{TextRange, TextSize};

use super::code::is_path_char;
use super::{LexError, LexErrorKind, Lexer, State, Tok, Token};

impl Lexer<'_> {
    /// The `STRING` state: the text of a `"..."` string.
    pub(super) fn string_rule(&mut self) -> Token {
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
    pub(super) fn ind_string_rule(&mut self) -> Token {
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
    pub(super) fn path_start_rule(&mut self) -> Token {
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
    pub(super) fn in_path_rule(&mut self) -> Result<Token, LexError> {
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
