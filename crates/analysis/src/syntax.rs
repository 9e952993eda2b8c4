//! Parsing, and the small helpers the rest of the crate uses to read rnix trees.
//!
//! rnix's typed AST asserts on shapes that error recovery can produce, so everything here reads
//! the untyped tree by kind and never panics on what a user typed.

use rnix::SyntaxKind::{self, *};
use rowan::GreenNode;
use smol_str::SmolStr;

pub use rnix::{SyntaxNode, SyntaxToken};

use crate::text::{TextRange, TextSize};

/// A parsed file: a lossless tree (always present, even for broken input) and the parser's errors.
#[derive(Clone)]
pub struct Parse {
    green: GreenNode,
    errors: Vec<rnix::ParseError>,
    refused: Option<Refusal>,
}

impl Parse {
    pub fn root(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    pub fn errors(&self) -> &[rnix::ParseError] {
        &self.errors
    }

    /// Why the file was not given to the parser at all (its tree is then one error token).
    pub fn refused(&self) -> Option<&Refusal> {
        self.refused.as_ref()
    }
}

/// A file canopy does not parse, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// More levels of nesting than Nix's parser holds: Nix rejects the file too.
    TooDeep { at: TextRange },
    /// An expression rnix would take minutes over, although Nix may well accept it; `what` says
    /// which.
    TooLong { at: TextRange, what: String },
}

/// Nesting beyond this is past Nix's parser stack (10,000 entries; every open bracket and every
/// pending prefix operator holds at least one), so refusing it never refuses a file Nix takes.
pub const MAX_NESTING: usize = 10_000;

/// Longest stretch of code without a space given to rnix. rnix's tokenizer scans a run of name
/// characters again from every name in it (`a.a.a...`), and rowan's node cache rehashes whole
/// subtrees, so chains of small nodes (`x*x*x...`, `f(x)(x)...`) cost the square of their length:
/// 20,000 bytes take most of a second.
pub const MAX_RUN: usize = 16 * 1024;

/// Most arguments in one application (`f x x x ...`) given to rnix, for the same node cache.
pub const MAX_ARGUMENTS: usize = 10_000;
/// Stack every analysis of one file is given. rnix parses recursively and some shapes (nested
/// lists, chains of `!`) recurse once per level without a limit, so a pathological file must not
/// meet a small thread stack. The space is reserved, not committed, unless used.
const STACK_RED_ZONE: usize = 32 * 1024 * 1024;
const STACK_SIZE: usize = 256 * 1024 * 1024;

/// Stack for threads that analyse files, so `with_stack` never needs a fresh segment on them.
pub const WORKER_STACK: usize = STACK_SIZE + STACK_RED_ZONE;

/// Runs `f` with enough stack for any file: on the caller's stack when it has room, else on a
/// fresh segment.
pub fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, f)
}

pub fn parse(text: &str) -> Parse {
    // Nix ends lines at `\r` too; rnix ends comments only at `\n`. Same length, same offsets.
    let normalized;
    let text = if has_lone_cr(text) {
        normalized = lone_cr_to_lf(text);
        normalized.as_str()
    } else {
        text
    };
    // rnix's parse time grows with the square of some nestings (lists, `!`, `-`) and of long
    // runs like `a.a.a...`: 100,000 levels would stall the server for minutes. One linear scan
    // finds them first.
    // Every limit takes more bytes than this to reach: most files need no scan.
    let could_stall = text.len() > MAX_NESTING.min(MAX_RUN).min(MAX_ARGUMENTS);
    if could_stall && let Some(refusal) = hazard(text) {
        return Parse { green: refused_tree(text), errors: Vec::new(), refused: Some(refusal) };
    }
    with_stack(|| {
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

fn has_lone_cr(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr_cr(bytes).any(|i| bytes.get(i + 1) != Some(&b'\n'))
}

fn memchr_cr(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\r').map(|(i, _)| i)
}

fn lone_cr_to_lf(text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for i in 0..bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            bytes[i] = b'\n';
        }
    }
    // Only ASCII bytes changed, so the text is still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Deepest recursion the analysis walkers follow. Nix's own parser gives up long before
/// (its stack holds 10,000 entries); past this depth canopy stops looking and says so.
pub const MAX_DEPTH: u32 = 3000;

// ---- reading the tree -------------------------------------------------------------------------

pub fn first_child(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxNode> {
    node.children().find(|c| c.kind() == kind)
}

pub fn first_token(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    node.children_with_tokens().filter_map(|e| e.into_token()).find(|t| t.kind() == kind)
}

/// Child nodes that are expressions (everything but attrpaths, patterns and such).
pub fn expr_children(node: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> {
    node.children().filter(|c| is_expr(c.kind()))
}

pub fn nth_expr(node: &SyntaxNode, n: usize) -> Option<SyntaxNode> {
    expr_children(node).nth(n)
}

pub fn is_expr(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        NODE_APPLY
            | NODE_ASSERT
            | NODE_ATTR_SET
            | NODE_BIN_OP
            | NODE_CUR_POS
            | NODE_ERROR
            | NODE_HAS_ATTR
            | NODE_IDENT
            | NODE_IF_ELSE
            | NODE_LAMBDA
            | NODE_LEGACY_LET
            | NODE_LET_IN
            | NODE_LIST
            | NODE_LITERAL
            | NODE_PAREN
            | NODE_PATH_ABS
            | NODE_PATH_HOME
            | NODE_PATH_REL
            | NODE_PATH_SEARCH
            | NODE_ROOT
            | NODE_SELECT
            | NODE_STRING
            | NODE_UNARY_OP
            | NODE_WITH
    )
}

/// Strips parentheses.
pub fn unparen(mut node: SyntaxNode) -> SyntaxNode {
    while node.kind() == NODE_PAREN {
        match nth_expr(&node, 0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// The name of a `NODE_IDENT`.
pub fn ident_text(node: &SyntaxNode) -> Option<SmolStr> {
    if node.kind() != NODE_IDENT {
        return None;
    }
    node.first_token().map(|t| SmolStr::new(t.text()))
}

/// The binary operator token of a `NODE_BIN_OP`.
pub fn bin_op(node: &SyntaxNode) -> Option<SyntaxKind> {
    node.children_with_tokens()
        .filter_map(|e| e.into_token())
        .map(|t| t.kind())
        .find(|k| !k.is_trivia() && *k != TOKEN_ERROR)
}

/// How an attribute name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameForm {
    /// A plain identifier: `ssh`.
    Ident,
    /// A string without interpolation: `"hosts/gouda"`, or `${"x"}`.
    Quoted,
}

/// A statically known attribute name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StaticName {
    pub text: SmolStr,
    pub range: TextRange,
    pub form: NameForm,
}

/// An element of an attrpath (`NODE_IDENT`, `NODE_STRING` or `NODE_DYNAMIC`) as a static name, when
/// it is one without evaluation.
pub fn static_attr(node: &SyntaxNode) -> Option<StaticName> {
    match node.kind() {
        NODE_IDENT => Some(StaticName { text: ident_text(node)?, range: node.text_range(), form: NameForm::Ident }),
        NODE_STRING => Some(StaticName {
            text: SmolStr::new(plain_string(node)?),
            range: node.text_range(),
            form: NameForm::Quoted,
        }),
        NODE_DYNAMIC => {
            // `${"x"}` is as static as `"x"` to Nix's parser.
            let inner = unparen(nth_expr(node, 0)?);
            if inner.kind() == NODE_STRING {
                Some(StaticName {
                    text: SmolStr::new(plain_string(&inner)?),
                    range: node.text_range(),
                    form: NameForm::Quoted,
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The content of a string literal with no interpolation, escapes decoded.
pub fn plain_string(node: &SyntaxNode) -> Option<String> {
    if node.kind() != NODE_STRING {
        return None;
    }
    let mut tokens = node.children_with_tokens();
    let start = tokens.next()?.into_token()?;
    let indented = start.text() == "''";
    let mut out = String::new();
    for element in tokens {
        let token = element.into_token()?;
        match token.kind() {
            TOKEN_STRING_CONTENT => {
                if indented {
                    unescape_indented(token.text(), &mut out)
                } else {
                    unescape_plain(token.text(), &mut out)
                }
            }
            TOKEN_STRING_END => break,
            _ => return None,
        }
    }
    if indented {
        out = strip_indentation(&out);
    }
    Some(out)
}

fn unescape_plain(raw: &str, out: &mut String) {
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
}

fn unescape_indented(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(i) = rest.find("''") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('\'') {
            out.push_str("''");
            rest = r;
        } else if let Some(r) = after.strip_prefix('\\') {
            let mut chars = r.chars();
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(c) => out.push(c),
                None => {}
            }
            rest = chars.as_str();
        } else {
            out.push_str("''");
            rest = after;
        }
    }
    out.push_str(rest);
}

fn strip_indentation(s: &str) -> String {
    let s = match s.find('\n') {
        Some(i) if s[..i].chars().all(|c| c == ' ') => &s[i + 1..],
        _ => s,
    };
    let indent = s
        .split('\n')
        .filter(|l| !l.chars().all(|c| c == ' '))
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = s.split('\n').map(|l| if l.len() >= indent { &l[indent..] } else { "" }).collect();
    lines.join("\n")
}

/// `true` when `name` can be written bare in an attrpath (otherwise it must be quoted).
pub fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !is_keyword(name)
}

pub fn is_keyword(name: &str) -> bool {
    matches!(name, "assert" | "else" | "if" | "in" | "inherit" | "let" | "rec" | "then" | "with")
}

/// An attribute name as it must be written in Nix source.
pub fn render_attr_name(name: &str) -> String {
    if is_plain_identifier(name) || name == "or" {
        name.to_string()
    } else {
        let mut out = String::from("\"");
        for c in name.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '$' => out.push_str("\\$"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
}

/// The range of a node without its leading and trailing trivia.
pub fn trimmed_range(node: &SyntaxNode) -> TextRange {
    let start = node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .find(|t| !t.kind().is_trivia())
        .map(|t| t.text_range().start());
    let end = node
        .last_token()
        .and_then(|last| {
            std::iter::successors(Some(last), |t| t.prev_token())
                .find(|t| !t.kind().is_trivia())
                .map(|t| t.text_range().end())
        })
        .filter(|&e| e >= node.text_range().start());
    match (start, end) {
        (Some(s), Some(e)) if s <= e => TextRange::new(s, e),
        _ => TextRange::empty(node.text_range().start()),
    }
}

pub fn empty_at(offset: TextSize) -> TextRange {
    TextRange::empty(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_attr(src: &str) -> Option<StaticName> {
        let parse = parse(src);
        let path = parse.root().descendants().find(|n| n.kind() == NODE_ATTRPATH)?;
        static_attr(&path.children().next()?)
    }

    #[test]
    fn static_names() {
        assert_eq!(first_attr("{ ssh = 1; }").unwrap().text, "ssh");
        let quoted = first_attr(r#"{ "hosts/gouda" = 1; }"#).unwrap();
        assert_eq!((quoted.text.as_str(), quoted.form), ("hosts/gouda", NameForm::Quoted));
        assert_eq!(first_attr(r#"{ ${"x"} = 1; }"#).unwrap().text, "x");
        assert_eq!(first_attr(r#"{ "a\"b\${" = 1; }"#).unwrap().text, "a\"b${");
        assert!(first_attr(r#"{ "${x}" = 1; }"#).is_none());
        assert!(first_attr(r#"{ ${x} = 1; }"#).is_none());
    }

    #[test]
    fn indented_strings() {
        let parse = parse("''\n  a\n    b\n''");
        let s = parse.root().descendants().find(|n| n.kind() == NODE_STRING).unwrap();
        assert_eq!(plain_string(&s).unwrap(), "a\n  b\n");
    }

    #[test]
    fn rendering_names() {
        assert_eq!(render_attr_name("kde-base"), "kde-base");
        assert_eq!(render_attr_name("hosts/x13"), "\"hosts/x13\"");
        assert_eq!(render_attr_name("let"), "\"let\"");
        assert_eq!(render_attr_name("9p"), "\"9p\"");
    }
}
