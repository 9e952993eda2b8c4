//! Parsing, and the small helpers the rest of the crate uses to read rnix trees.
//!
//! rnix's typed AST asserts on shapes that error recovery can produce, so everything here reads
//! the untyped tree by kind and never panics on what a user typed.

use rnix::SyntaxKind::*;
use rowan::GreenNode;

pub(crate) use rnix::{SyntaxNode, SyntaxToken};

use crate::base::text::TextRange;

/// A parsed file: a lossless tree (always present, even for broken input) and the parser's errors.
#[derive(Clone)]
pub(crate) struct Parse {
    green: GreenNode,
    errors: Vec<rnix::ParseError>,
    refused: Option<Refusal>,
}

impl Parse {
    pub(crate) fn root(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    pub(crate) fn errors(&self) -> &[rnix::ParseError] {
        &self.errors
    }

    /// Why the file was not given to the parser at all (its tree is then one error token).
    pub(crate) fn refused(&self) -> Option<&Refusal> {
        self.refused.as_ref()
    }
}

/// A file canopy does not parse, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// More levels of nesting than Nix's parser holds: Nix rejects the file too.
    TooDeep { at: TextRange },
    /// An expression rnix would take minutes over, although Nix may well accept it; `what` says
    /// which.
    TooLong { at: TextRange, what: String },
}

/// Nesting beyond this is past Nix's parser stack (10,000 entries; every open bracket and every
/// pending prefix operator holds at least one), so refusing it never refuses a file Nix takes.
pub(crate) const MAX_NESTING: usize = 10_000;

/// Longest stretch of code without a space given to rnix. rnix's tokenizer scans a run of name
/// characters again from every name in it (`a.a.a...`), and rowan's node cache rehashes whole
/// subtrees, so chains of small nodes (`x*x*x...`, `f(x)(x)...`) cost the square of their length:
/// 20,000 bytes take most of a second.
pub(crate) const MAX_RUN: usize = 16 * 1024;

/// Most arguments in one application (`f x x x ...`) given to rnix, for the same node cache.
pub(crate) const MAX_ARGUMENTS: usize = 10_000;

pub(crate) fn parse(text: &str) -> Parse {
    let relined = relined(text);
    let text = relined.as_deref().unwrap_or(text);
    // rnix's parse time grows with the square of some nestings (lists, `!`, `-`) and of long
    // runs like `a.a.a...`: 100,000 levels would stall the server for minutes. One linear scan
    // finds them first.
    // Every limit takes more bytes than this to reach: most files need no scan.
    let could_stall = text.len() > MAX_NESTING.min(MAX_RUN).min(MAX_ARGUMENTS);
    if could_stall && let Some(refusal) = hazard(text) {
        return Parse { green: refused_tree(text), errors: Vec::new(), refused: Some(refusal) };
    }
    crate::base::stack::with_stack(|| {
        let parse = rnix::Root::parse(text);
        Parse { green: parse.syntax().green().to_owned(), errors: parse.errors().to_vec(), refused: None }
    })
}

/// A lossless tree that reads nothing: the whole text as one error token, so that offsets and
/// lookups stay valid everywhere.
fn refused_tree(text: &str) -> GreenNode {
    let mut builder = rowan::GreenNodeBuilder::new();
    builder.start_node(rowan::SyntaxKind(NODE_ROOT as u16));
    builder.start_node(rowan::SyntaxKind(NODE_ERROR as u16));
    builder.token(rowan::SyntaxKind(TOKEN_ERROR as u16), text);
    builder.finish_node();
    builder.finish_node();
    builder.finish()
}

/// An open bracket or interpolation, for the scan.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `[`: juxtaposed values are elements, not arguments.
    List { operands: usize },
    /// `(`, `{`, `${` in code. `operands` is the enclosing level's count, resumed at the close.
    Group { operands: usize },
    /// `${` inside a string of this kind (`true`: an indented string).
    Interpolation { operands: usize, indented: bool },
}

const KEYWORDS: &[&[u8]] = &[b"if", b"then", b"else", b"let", b"in", b"with", b"assert", b"rec", b"or", b"inherit"];

/// The first place where rnix would stall or nest past Nix's limit (see `Refusal`), in one linear
/// pass that reads strings and comments as Nix does (what they hold neither nests nor runs). An
/// approximation of Nix's lexer that errs towards counting less, so that no realistic file is
/// refused.
fn hazard(text: &str) -> Option<Refusal> {
    let bytes = text.as_bytes();
    let range = |start: usize, end: usize| TextRange::new((start as u32).into(), (end as u32).into());
    let mut frames: Vec<Frame> = Vec::new();
    // `Some(indented)` while inside a string.
    let mut string: Option<bool> = None;
    // Prefix operators (`!`, unary `-`) pending since the last operand: each is a level.
    let mut prefixes = 0usize;
    // Bytes of code since the last space or comment (a string counts as its quotes).
    let mut dense = 0usize;
    let mut dense_start = 0usize;
    // Operands juxtaposed at this level outside lists (an application's function and arguments).
    let mut operands = 0usize;
    let mut operands_start = 0usize;
    // Start of the name being read, if any.
    let mut name_start: Option<usize> = None;
    // Inside `inherit ...;`, where names are juxtaposed without being applied.
    let mut inheriting = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(indented) = string {
            match (b, bytes.get(i + 1)) {
                (b'\\', _) if !indented => i += 2,
                (b'\'', Some(b'\'')) if indented => match bytes.get(i + 2) {
                    Some(b'$') | Some(b'\'') => i += 3,
                    Some(b'\\') => i += 4,
                    _ => {
                        string = None;
                        i += 2;
                    }
                },
                (b'"', _) if !indented => {
                    string = None;
                    i += 1;
                }
                (b'$', Some(b'{')) => {
                    frames.push(Frame::Interpolation { operands, indented });
                    operands = 0;
                    string = None;
                    i += 2;
                    if frames.len() > MAX_NESTING {
                        return Some(Refusal::TooDeep { at: range(i - 2, i) });
                    }
                }
                _ => i += 1,
            }
            continue;
        }
        let starts_name = b.is_ascii_alphanumeric() || b == b'_';
        let continues_name = name_start.is_some() && (starts_name || matches!(b, b'.' | b'+' | b'-' | b'\''));
        // A name (or number, or select) ends: it was one operand, or a keyword.
        if let Some(start) = name_start
            && !continues_name
        {
            name_start = None;
            let name = &bytes[start..i];
            if KEYWORDS.contains(&name) {
                operands = 0;
                inheriting = name == b"inherit";
            } else {
                operands += 1;
            }
        }
        if operands > MAX_ARGUMENTS && !inheriting && !matches!(frames.last(), Some(Frame::List { .. })) {
            let what = format!("a function applied to more than {MAX_ARGUMENTS} arguments");
            return Some(Refusal::TooLong { at: range(operands_start, operands_start + 1), what });
        }
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                dense = 0;
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                dense = 0;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
                dense = 0;
                continue;
            }
            _ => {}
        }
        if dense == 0 {
            dense_start = i;
        }
        dense += 1;
        if dense > MAX_RUN {
            let what = format!("more than {MAX_RUN} bytes of code without a space");
            return Some(Refusal::TooLong { at: range(dense_start, dense_start + 1), what });
        }
        if continues_name {
            i += 1;
            continue;
        }
        if starts_name {
            name_start = Some(i);
            if operands == 0 {
                operands_start = i;
            }
            prefixes = 0;
            i += 1;
            continue;
        }
        // `-` after an operand is subtraction; `!=` and `->` are infix.
        let prefix = match b {
            b'!' => bytes.get(i + 1) != Some(&b'='),
            b'-' => operands == 0 && bytes.get(i + 1) != Some(&b'>'),
            _ => false,
        };
        if prefix {
            prefixes += 1;
            i += 1;
            if frames.len() + prefixes > MAX_NESTING {
                return Some(Refusal::TooDeep { at: range(i - 1, i) });
            }
            continue;
        }
        prefixes = 0;
        let mut opens = None;
        match b {
            b'[' => opens = Some(Frame::List { operands }),
            b'(' | b'{' => opens = Some(Frame::Group { operands }),
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                opens = Some(Frame::Group { operands });
                i += 1;
            }
            b')' | b']' | b'}' => match frames.pop() {
                Some(Frame::Interpolation { operands: outer, indented }) => {
                    operands = outer;
                    string = Some(indented);
                }
                Some(Frame::List { operands: outer }) | Some(Frame::Group { operands: outer }) => {
                    // The bracketed group is one operand of the level around it.
                    operands = outer + 1;
                }
                None => operands = 0,
            },
            b'"' => {
                operands += 1;
                string = Some(false);
            }
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => {
                operands += 1;
                string = Some(true);
                i += 1;
            }
            b';' => {
                inheriting = false;
                operands = 0;
            }
            _ => operands = 0,
        }
        if let Some(frame) = opens {
            if operands == 0 {
                operands_start = i;
            }
            frames.push(frame);
            operands = 0;
            if frames.len() > MAX_NESTING {
                return Some(Refusal::TooDeep { at: range(i, i + 1) });
            }
        }
        i += 1;
    }
    None
}

/// `text` with each `\r` that is not part of `\r\n` turned into `\n`, if it has any: Nix ends
/// lines (so `#` comments) at a lone `\r` too, rnix only at `\n`. Same length, same offsets.
fn relined(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut lone = (0..bytes.len()).filter(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')).peekable();
    lone.peek()?;
    let mut relined = bytes.to_vec();
    for i in lone {
        relined[i] = b'\n';
    }
    // Only ASCII bytes changed, so the text is still UTF-8.
    String::from_utf8(relined).ok()
}

/// Deepest recursion the analysis walkers follow. Nix's own parser gives up long before
/// (its stack holds 10,000 entries); past this depth canopy stops looking and says so.
pub(crate) const MAX_DEPTH: u32 = 3000;
