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
    let mut scan = Scan {
        bytes: text.as_bytes(),
        i: 0,
        frames: Vec::new(),
        string: None,
        prefixes: 0,
        dense: 0,
        dense_start: 0,
        operands: 0,
        operands_start: 0,
        name_start: None,
        inheriting: false,
    };
    while scan.i < scan.bytes.len() {
        let step = match scan.string {
            Some(indented) => scan.in_string(indented),
            None => scan.in_code(),
        };
        if let Err(refusal) = step {
            return Some(refusal);
        }
    }
    None
}

/// Where `hazard`'s scan is.
struct Scan<'t> {
    bytes: &'t [u8],
    i: usize,
    frames: Vec<Frame>,
    /// `Some(indented)` while inside a string.
    string: Option<bool>,
    /// Prefix operators (`!`, unary `-`) pending since the last operand: each is a level.
    prefixes: usize,
    /// Bytes of code since the last space or comment (a string counts as its quotes).
    dense: usize,
    dense_start: usize,
    /// Operands juxtaposed at this level outside lists (an application's function and arguments).
    operands: usize,
    operands_start: usize,
    /// Start of the name being read, if any.
    name_start: Option<usize>,
    /// Inside `inherit ...;`, where names are juxtaposed without being applied.
    inheriting: bool,
}

fn byte_range(start: usize, end: usize) -> TextRange {
    TextRange::new((start as u32).into(), (end as u32).into())
}

impl Scan<'_> {
    /// One step inside a string: an escape, its end, an interpolation, or a byte of its text.
    fn in_string(&mut self, indented: bool) -> Result<(), Refusal> {
        let i = self.i;
        match (self.bytes[i], self.bytes.get(i + 1)) {
            (b'\\', _) if !indented => self.i += 2,
            (b'\'', Some(b'\'')) if indented => match self.bytes.get(i + 2) {
                Some(b'$') | Some(b'\'') => self.i += 3,
                Some(b'\\') => self.i += 4,
                _ => {
                    self.string = None;
                    self.i += 2;
                }
            },
            (b'"', _) if !indented => {
                self.string = None;
                self.i += 1;
            }
            (b'$', Some(b'{')) => {
                self.frames.push(Frame::Interpolation { operands: self.operands, indented });
                self.operands = 0;
                self.string = None;
                self.i += 2;
                if self.frames.len() > MAX_NESTING {
                    return Err(Refusal::TooDeep { at: byte_range(i, i + 2) });
                }
            }
            _ => self.i += 1,
        }
        Ok(())
    }

    /// One step in code: trivia, a byte of a name, a prefix operator, or punctuation.
    fn in_code(&mut self) -> Result<(), Refusal> {
        let i = self.i;
        let b = self.bytes[i];
        let starts_name = b.is_ascii_alphanumeric() || b == b'_';
        let continues_name = self.name_start.is_some() && (starts_name || matches!(b, b'.' | b'+' | b'-' | b'\''));
        if !continues_name {
            self.end_name();
        }
        if self.operands > MAX_ARGUMENTS && !self.inheriting && !matches!(self.frames.last(), Some(Frame::List { .. }))
        {
            let what = format!("a function applied to more than {MAX_ARGUMENTS} arguments");
            return Err(Refusal::TooLong { at: byte_range(self.operands_start, self.operands_start + 1), what });
        }
        if self.skip_trivia(b) {
            self.dense = 0;
            return Ok(());
        }
        if self.dense == 0 {
            self.dense_start = i;
        }
        self.dense += 1;
        if self.dense > MAX_RUN {
            let what = format!("more than {MAX_RUN} bytes of code without a space");
            return Err(Refusal::TooLong { at: byte_range(self.dense_start, self.dense_start + 1), what });
        }
        if continues_name {
            self.i += 1;
            return Ok(());
        }
        if starts_name {
            self.name_start = Some(i);
            if self.operands == 0 {
                self.operands_start = i;
            }
            self.prefixes = 0;
            self.i += 1;
            return Ok(());
        }
        // `-` after an operand is subtraction; `!=` and `->` are infix.
        let prefix = match b {
            b'!' => self.bytes.get(i + 1) != Some(&b'='),
            b'-' => self.operands == 0 && self.bytes.get(i + 1) != Some(&b'>'),
            _ => false,
        };
        if prefix {
            self.prefixes += 1;
            self.i += 1;
            if self.frames.len() + self.prefixes > MAX_NESTING {
                return Err(Refusal::TooDeep { at: byte_range(i, i + 1) });
            }
            return Ok(());
        }
        self.prefixes = 0;
        self.punctuation(b)
    }

    /// A name (or number, or select) ends: it was one operand, or a keyword.
    fn end_name(&mut self) {
        let Some(start) = self.name_start.take() else { return };
        let name = &self.bytes[start..self.i];
        if KEYWORDS.contains(&name) {
            self.operands = 0;
            self.inheriting = name == b"inherit";
        } else {
            self.operands += 1;
        }
    }

    /// Skips whitespace or a comment starting with `b`, if that is what comes.
    fn skip_trivia(&mut self, b: u8) -> bool {
        let bytes = self.bytes;
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
            b'#' => {
                while self.i < bytes.len() && bytes[self.i] != b'\n' && bytes[self.i] != b'\r' {
                    self.i += 1;
                }
            }
            b'/' if bytes.get(self.i + 1) == Some(&b'*') => {
                self.i += 2;
                while self.i < bytes.len() && !(bytes[self.i] == b'*' && bytes.get(self.i + 1) == Some(&b'/')) {
                    self.i += 1;
                }
                self.i += 2;
            }
            _ => return false,
        }
        true
    }

    /// Brackets open and close levels, quotes open strings, `;` ends a binding.
    fn punctuation(&mut self, b: u8) -> Result<(), Refusal> {
        let operands = self.operands;
        let mut opens = None;
        match b {
            b'[' => opens = Some(Frame::List { operands }),
            b'(' | b'{' => opens = Some(Frame::Group { operands }),
            b'$' if self.bytes.get(self.i + 1) == Some(&b'{') => {
                opens = Some(Frame::Group { operands });
                self.i += 1;
            }
            b')' | b']' | b'}' => match self.frames.pop() {
                Some(Frame::Interpolation { operands: outer, indented }) => {
                    self.operands = outer;
                    self.string = Some(indented);
                }
                Some(Frame::List { operands: outer }) | Some(Frame::Group { operands: outer }) => {
                    // The bracketed group is one operand of the level around it.
                    self.operands = outer + 1;
                }
                None => self.operands = 0,
            },
            b'"' => {
                self.operands += 1;
                self.string = Some(false);
            }
            b'\'' if self.bytes.get(self.i + 1) == Some(&b'\'') => {
                self.operands += 1;
                self.string = Some(true);
                self.i += 1;
            }
            b';' => {
                self.inheriting = false;
                self.operands = 0;
            }
            _ => self.operands = 0,
        }
        if let Some(frame) = opens {
            if operands == 0 {
                self.operands_start = self.i;
            }
            self.frames.push(frame);
            self.operands = 0;
            if self.frames.len() > MAX_NESTING {
                return Err(Refusal::TooDeep { at: byte_range(self.i, self.i + 1) });
            }
        }
        self.i += 1;
        Ok(())
    }
}

/// `text` with each `\r` that is not part of `\r\n` turned into `\n`, if it has any: Nix ends
/// lines (so `#` comments) at a lone `\r` too, rnix only at `\n`. Same length, same offsets.
fn relined(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // Nearly every file has no `\r` at all: one memchr says so at a fraction of the cost of the
    // byte-by-byte look at each one's neighbour below, which was most of a parse's overhead.
    memchr::memchr(b'\r', bytes)?;
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
