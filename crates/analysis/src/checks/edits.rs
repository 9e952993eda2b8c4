//! Text edits the checks' fixes are made of, read from a file's syntax tree: an argument added
//! to or dropped from a function's pattern, the module value a place lies in.

use rnix::SyntaxKind::*;

use crate::base::fix::TextEdit;
use crate::base::text::{TextRange, TextSize};
use crate::syntax::{SyntaxNode, first_child, unparen};

/// The file's outermost expression (below the root node, parentheses dropped).
pub(super) fn top_expr(root: &SyntaxNode) -> Option<SyntaxNode> {
    root.children().next().map(unparen)
}

/// The innermost node that covers `range` exactly or around it.
pub(super) fn covering(root: &SyntaxNode, range: TextRange) -> Option<SyntaxNode> {
    let start = root.token_at_offset(range.start()).right_biased()?;
    start.parent_ancestors().find(|n| n.text_range().contains_range(range))
}

/// The names a lambda's `{ ... }` pattern binds, and whether it has `...`; `None` for a lambda
/// of one argument (`x: ...`) and anything else.
pub(super) fn pattern_names(lambda: &SyntaxNode) -> Option<(Vec<String>, bool)> {
    if lambda.kind() != NODE_LAMBDA {
        return None;
    }
    let pattern = first_child(lambda, NODE_PATTERN)?;
    let names = pattern
        .children()
        .filter(|c| c.kind() == NODE_PAT_ENTRY)
        .filter_map(|e| first_child(&e, NODE_IDENT).map(|i| i.text().to_string()))
        .collect();
    let ellipsis = pattern.children_with_tokens().any(|e| e.kind() == TOKEN_ELLIPSIS);
    Some((names, ellipsis))
}

/// Adds `name` in front of a lambda's pattern: `{ pkgs, ... }:` from `{ ... }:`.
pub(super) fn add_to_pattern(lambda: &SyntaxNode, name: &str) -> Option<TextEdit> {
    let pattern = first_child(lambda, NODE_PATTERN)?;
    let open = pattern.children_with_tokens().find(|e| e.kind() == TOKEN_L_BRACE)?;
    let first = pattern.children_with_tokens().find(|e| matches!(e.kind(), NODE_PAT_ENTRY | TOKEN_ELLIPSIS));
    Some(match first {
        Some(first) => TextEdit { range: TextRange::empty(first.text_range().start()), new_text: format!("{name}, ") },
        None => TextEdit { range: TextRange::empty(open.text_range().end()), new_text: format!(" {name}") },
    })
}

/// Drops `name` from a lambda's pattern with the comma that goes with it.
pub(super) fn remove_from_pattern(lambda: &SyntaxNode, name: &str) -> Option<TextEdit> {
    let pattern = first_child(lambda, NODE_PATTERN)?;
    let entry = pattern
        .children()
        .filter(|c| c.kind() == NODE_PAT_ENTRY)
        .find(|e| first_child(e, NODE_IDENT).is_some_and(|i| i.text() == name))?;
    let range = entry.text_range();
    // `a, ` goes with the comma after it and the space up to the next entry; the last entry
    // takes the comma before it.
    let mut next = entry.next_sibling_or_token();
    while next.as_ref().is_some_and(|e| e.kind() == TOKEN_WHITESPACE) {
        next = next.and_then(|e| e.next_sibling_or_token());
    }
    if let Some(comma) = next.filter(|e| e.kind() == TOKEN_COMMA) {
        let mut end = comma.text_range().end();
        let mut after = comma.next_sibling_or_token();
        while let Some(space) = after.filter(|e| e.kind() == TOKEN_WHITESPACE) {
            end = space.text_range().end();
            after = space.next_sibling_or_token();
        }
        return Some(TextEdit { range: TextRange::new(range.start(), end), new_text: String::new() });
    }
    let mut prev = entry.prev_sibling_or_token();
    while prev.as_ref().is_some_and(|e| e.kind() == TOKEN_WHITESPACE) {
        prev = prev.and_then(|e| e.prev_sibling_or_token());
    }
    let start = prev.filter(|e| e.kind() == TOKEN_COMMA).map_or(range.start(), |c| c.text_range().start());
    Some(TextEdit { range: TextRange::new(start, range.end()), new_text: String::new() })
}

/// `text` indented by `by` on every line but the first, empty lines left empty.
pub(super) fn indent(text: &str, by: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.trim().is_empty() {
                out.push_str(by);
            }
        }
        out.push_str(line);
    }
    out
}

/// An insertion at `at`.
pub(super) fn insert(at: TextSize, text: impl Into<String>) -> TextEdit {
    TextEdit { range: TextRange::empty(at), new_text: text.into() }
}

/// A replacement of `range`.
pub(super) fn replace(range: TextRange, text: impl Into<String>) -> TextEdit {
    TextEdit { range, new_text: text.into() }
}
