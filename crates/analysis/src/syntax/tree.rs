//! Reading rnix's untyped tree by kind: rnix's typed AST asserts on shapes that error recovery can
//! produce, so these helpers read the untyped tree and never panic on what a user typed.

use rnix::SyntaxKind::{self, *};
use smol_str::SmolStr;

use crate::base::text::TextRange;
use rnix::{SyntaxNode, SyntaxToken};
use rowan::ast::SyntaxNodePtr;

// The lookups below find a child in the green tree and make a red node of that child alone:
// going through rowan's red children makes (allocates and frees) one for every child and token
// passed on the way, and the summary's walks ask these questions of nearly every node (an
// attrset is asked for `rec` among all its entries). About a tenth of what the walks after the
// parse cost went there (issue 21).

fn kind_of(raw: rowan::SyntaxKind) -> SyntaxKind {
    <rnix::NixLanguage as rowan::Language>::kind_from_raw(raw)
}

/// The first child of `node` in the green tree (a node or a token, `pick` says), with its range.
fn green_child(
    node: &SyntaxNode,
    mut pick: impl FnMut(rowan::NodeOrToken<SyntaxKind, SyntaxKind>) -> bool,
) -> Option<TextRange> {
    let mut at = node.text_range().start();
    for child in node.green().children() {
        let len = child.text_len();
        let kind = match child {
            rowan::NodeOrToken::Node(n) => rowan::NodeOrToken::Node(kind_of(n.kind())),
            rowan::NodeOrToken::Token(t) => rowan::NodeOrToken::Token(kind_of(t.kind())),
        };
        if pick(kind) {
            return Some(TextRange::at(at, len));
        }
        at += len;
    }
    None
}

/// The red child of `node` at `range`, of `kind`. An empty range may be shared by neighbours;
/// then, or if rowan's search lands elsewhere, `walk` finds it going through the children.
fn red_child(
    node: &SyntaxNode,
    range: TextRange,
    kind: SyntaxKind,
    walk: impl FnOnce() -> Option<SyntaxNode>,
) -> Option<SyntaxNode> {
    if !range.is_empty()
        && let Some(child) = node.child_or_token_at_range(range).and_then(|c| c.into_node())
        && child.kind() == kind
        && child.text_range() == range
    {
        return Some(child);
    }
    walk()
}

pub(crate) fn first_child(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxNode> {
    let range = green_child(node, |c| c == rowan::NodeOrToken::Node(kind))?;
    red_child(node, range, kind, || node.children().find(|c| c.kind() == kind))
}

pub(crate) fn first_token(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    let range = green_child(node, |c| c == rowan::NodeOrToken::Token(kind))?;
    node.child_or_token_at_range(range)
        .and_then(|c| c.into_token())
        .filter(|t| t.kind() == kind && t.text_range() == range)
        .or_else(|| node.children_with_tokens().filter_map(|e| e.into_token()).find(|t| t.kind() == kind))
}

/// Whether `node` has a child token of `kind`.
pub(crate) fn has_token(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    green_child(node, |c| c == rowan::NodeOrToken::Token(kind)).is_some()
}

/// The names of an attrpath: few enough in nearly every binding to stay off the heap, which
/// every binding of every file would otherwise visit once.
pub(crate) type Attrs = smallvec::SmallVec<[SyntaxNode; 4]>;

/// The names of the attrpath of `entry`, an `x.y.z = v;` binding.
pub(crate) fn attrpath_of(entry: &SyntaxNode) -> Option<Attrs> {
    Some(first_child(entry, NODE_ATTRPATH)?.children().collect())
}

/// Child nodes that are expressions (everything but attrpaths, patterns and such).
pub(crate) fn expr_children(node: &SyntaxNode) -> impl Iterator<Item = SyntaxNode> {
    node.children().filter(|c| is_expr(c.kind()))
}

pub(crate) fn nth_expr(node: &SyntaxNode, n: usize) -> Option<SyntaxNode> {
    let mut left = n;
    let mut kind = NODE_ERROR;
    let range = green_child(node, |c| match c {
        rowan::NodeOrToken::Node(k) if is_expr(k) => {
            kind = k;
            let found = left == 0;
            left = left.saturating_sub(1);
            found
        }
        _ => false,
    })?;
    red_child(node, range, kind, || expr_children(node).nth(n))
}

pub(crate) fn is_expr(kind: SyntaxKind) -> bool {
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

/// The node `ptr` points to, found from a node near it rather than from the root: up to the first
/// node that covers it, then down as `SyntaxNodePtr::try_to_node` goes from the root. The root's way
/// costs the target's depth each time, which makes following aliases and `with`s in a deeply
/// nested file quadratic; this way costs the distance between the two. `None` when `near`'s tree
/// holds no such node.
pub(crate) fn node_near(near: &SyntaxNode, ptr: &SyntaxNodePtr<rnix::NixLanguage>) -> Option<SyntaxNode> {
    let range = ptr.text_range();
    if range.is_empty() {
        // An empty range may sit between two children: only the root's way picks the same one.
        return ptr.try_to_node(&near.ancestors().last()?);
    }
    let mut top = near.ancestors().find(|a| a.text_range().contains_range(range))?;
    // From the outermost node of that range on, the way down is the one from the root.
    while let Some(parent) = top.parent().filter(|p| p.text_range() == top.text_range()) {
        top = parent;
    }
    std::iter::successors(Some(top), |node| node.child_or_token_at_range(range)?.into_node())
        .find(|node| node.text_range() == range && node.kind() == ptr.kind())
}

/// Strips parentheses.
pub(crate) fn unparen(mut node: SyntaxNode) -> SyntaxNode {
    while node.kind() == NODE_PAREN {
        match nth_expr(&node, 0) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// The name of a `NODE_IDENT`.
pub(crate) fn ident_text(node: &SyntaxNode) -> Option<SmolStr> {
    if node.kind() != NODE_IDENT {
        return None;
    }
    // Read from the green tree: a red token would be allocated and freed for every name read.
    node.green().children().find_map(rowan::NodeOrToken::into_token).map(|t| SmolStr::new(t.text()))
}

/// The binary operator token of a `NODE_BIN_OP`.
pub(crate) fn bin_op(node: &SyntaxNode) -> Option<SyntaxKind> {
    node.green()
        .children()
        .filter_map(rowan::NodeOrToken::into_token)
        .map(|t| kind_of(t.kind()))
        .find(|k| !k.is_trivia() && *k != TOKEN_ERROR)
}

/// How an attribute name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NameForm {
    /// A plain identifier: `ssh`.
    Ident,
    /// A string without interpolation: `"hosts/gouda"`, or `${"x"}`.
    Quoted,
}

/// A statically known attribute name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StaticName {
    pub(crate) text: SmolStr,
    pub(crate) range: TextRange,
    pub(crate) form: NameForm,
}

/// An element of an attrpath (`NODE_IDENT`, `NODE_STRING` or `NODE_DYNAMIC`) as a static name, when
/// it is one without evaluation.
pub(crate) fn static_attr(node: &SyntaxNode) -> Option<StaticName> {
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
pub(crate) fn plain_string(node: &SyntaxNode) -> Option<String> {
    if node.kind() != NODE_STRING {
        return None;
    }
    // Read from the green tree: red tokens would be allocated and freed for every string read.
    let green = node.green();
    let mut tokens = green.children();
    let start = tokens.next()?.into_token()?;
    let indented = start.text() == "''";
    let mut out = String::new();
    for element in tokens {
        let token = element.into_token()?;
        match <rnix::NixLanguage as rowan::Language>::kind_from_raw(token.kind()) {
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
pub(crate) fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !is_keyword(name)
}

pub(crate) fn is_keyword(name: &str) -> bool {
    matches!(name, "assert" | "else" | "if" | "in" | "inherit" | "let" | "rec" | "then" | "with")
}

/// An attribute name as it must be written in Nix source.
pub(crate) fn render_attr_name(name: &str) -> String {
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
pub(crate) fn trimmed_range(node: &SyntaxNode) -> TextRange {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

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
