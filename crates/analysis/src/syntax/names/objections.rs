//! What Nix's parser could object to in a tree rnix built without an error: the name table's walk
//! meets every binding set, lambda, parenthesis and search path, so it notes these on the way
//! (`NameTable::nix_may_object`), and `nix_exact` runs Nix's own grammar only where one was met.
//!
//! Each check errs towards objecting: a name it cannot read the way Nix does counts as a clash.

use std::hash::{Hash, Hasher};

use rnix::SyntaxKind::{self, *};
use rowan::NodeOrToken;
use rustc_hash::{FxHashMap, FxHasher};

use crate::syntax::SyntaxNode;

/// An attribute name as Nix's grammar reads it.
enum Key {
    /// A static name, hashed: equal names hash alike, whichever way they are written.
    Name(u64),
    /// `${e}` with an `e` that is no string: a name Nix's parser never compares.
    Dynamic,
    /// A name read otherwise than plainly, which Nix may read as a static name (`${"a"}`, `"\a"`)
    /// or refuse (`''a''`).
    Unsure,
}

fn hash_name(name: &str) -> u64 {
    let mut hasher = FxHasher::default();
    name.hash(&mut hasher);
    hasher.finish()
}

/// The hash of the path `prefix` followed by `name`.
fn extend(prefix: u64, name: u64) -> u64 {
    let mut hasher = FxHasher::default();
    (prefix, name).hash(&mut hasher);
    hasher.finish()
}

type Green = rowan::GreenNodeData;

fn kind(node: &Green) -> SyntaxKind {
    <rnix::NixLanguage as rowan::Language>::kind_from_raw(node.kind())
}

/// The child nodes of `node`. The check reads the green tree, which costs no allocation: it
/// looks at every binding of every file.
fn child_nodes(node: &Green) -> impl Iterator<Item = &Green> {
    node.children().filter_map(NodeOrToken::into_node)
}

fn key(attr: &Green) -> Key {
    match kind(attr) {
        NODE_IDENT => match attr.children().next() {
            Some(NodeOrToken::Token(token)) => Key::Name(hash_name(token.text())),
            _ => Key::Unsure,
        },
        NODE_STRING => string_key(attr),
        NODE_DYNAMIC => {
            let mut inner = child_nodes(attr).next();
            while let Some(paren) = inner.filter(|n| kind(n) == NODE_PAREN) {
                inner = child_nodes(paren).next();
            }
            match inner {
                // A string or a URI inside is a static name to Nix (`${"a"}`, `${("a")}`).
                Some(inner) if !matches!(kind(inner), NODE_STRING | NODE_LITERAL) => Key::Dynamic,
                _ => Key::Unsure,
            }
        }
        _ => Key::Unsure,
    }
}

/// A `"..."` name with one plain piece of text is that text; an interpolated one is dynamic.
/// Escapes, `\r` (Nix reads `\r\n` as `\n`) and `$` (which can end a piece of Nix's string
/// early) leave it unsure, and so does an indented string, which Nix takes for no name at all.
fn string_key(string: &Green) -> Key {
    let mut text = None;
    for element in string.children() {
        match element {
            NodeOrToken::Node(node) if kind(node) == NODE_INTERPOL => return Key::Dynamic,
            NodeOrToken::Node(_) => return Key::Unsure,
            NodeOrToken::Token(token) => match <rnix::NixLanguage as rowan::Language>::kind_from_raw(token.kind()) {
                TOKEN_STRING_START if token.text() == "\"" => {}
                TOKEN_STRING_END => {}
                TOKEN_STRING_CONTENT if text.is_none() => text = Some(token.text()),
                _ => return Key::Unsure,
            },
        }
    }
    match text {
        None => Key::Name(hash_name("")),
        Some(text) if text.contains(['\\', '\r', '$']) => Key::Unsure,
        Some(text) => Key::Name(hash_name(text)),
    }
}

/// Past this many entries, `set_may_clash`'s scratch table is made anew rather than cleared.
const SCRATCH_KEPT: usize = 256;

/// Whether Nix's parser could report something of the entries of the binding set `set` (an
/// attrset, a `let`, a legacy `let`): a dynamic name in an `inherit` or first in a `let`, or a
/// name defined twice. Nix merges, walks into or rejects a binding only when an earlier one has
/// a path that is a prefix of its path or equal to it (or the reverse): with no such pair each
/// path makes sets of its own and each literal value keeps its own bindings, checked when the
/// walk reaches it. Dynamic names never clash in Nix's parser, and a path is compared only up to
/// its first one. `counts` and `complete` are scratch space.
pub(super) fn set_may_clash(
    set: &SyntaxNode,
    let_in: bool,
    counts: &mut FxHashMap<u64, u32>,
    complete: &mut Vec<u64>,
) -> bool {
    // Clearing a hash table costs its capacity, not its length: after one big set (a file
    // declaring 100,000 collections), clearing it for each small set after was quadratic.
    if counts.capacity() > SCRATCH_KEPT {
        *counts = FxHashMap::default();
    } else {
        counts.clear();
    }
    complete.clear();
    let green = set.green();
    for entry in child_nodes(green) {
        match kind(entry) {
            NODE_ATTRPATH_VALUE => {
                let Some(path) = child_nodes(entry).find(|n| kind(n) == NODE_ATTRPATH) else { return true };
                let mut prefix = 0;
                let mut names = 0;
                let mut dynamic = false;
                for attr in child_nodes(path) {
                    match key(attr) {
                        Key::Name(name) => {
                            prefix = extend(prefix, name);
                            *counts.entry(prefix).or_insert(0) += 1;
                            names += 1;
                        }
                        Key::Dynamic if names == 0 && let_in => return true,
                        Key::Dynamic => {
                            dynamic = true;
                            break;
                        }
                        Key::Unsure => return true,
                    }
                }
                if !dynamic {
                    if names == 0 {
                        return true;
                    }
                    complete.push(prefix);
                }
            }
            NODE_INHERIT => {
                for attr in child_nodes(entry).filter(|n| kind(n) != NODE_INHERIT_FROM) {
                    let Key::Name(name) = key(attr) else { return true };
                    let path = extend(0, name);
                    *counts.entry(path).or_insert(0) += 1;
                    complete.push(path);
                }
            }
            NODE_ERROR => return true,
            // The body of a `let`.
            _ => {}
        }
    }
    // A complete path some other entry also starts with (or ends at).
    complete.iter().any(|path| counts.get(path).is_some_and(|&n| n > 1))
}

/// Whether a lambda under a node of this kind is where Nix's grammar takes a function: an `expr`,
/// not an operand. rnix reads a lambda wherever a value can start (`f x: x`, `[ x: x ]`,
/// `a + { b }: b`).
pub(super) fn takes_a_function(parent: Option<SyntaxKind>) -> bool {
    matches!(
        parent,
        Some(
            NODE_ROOT
                | NODE_PAREN
                | NODE_LAMBDA
                | NODE_ATTRPATH_VALUE
                | NODE_DYNAMIC
                | NODE_INTERPOL
                | NODE_IF_ELSE
                | NODE_ASSERT
                | NODE_WITH
                | NODE_LET_IN
                | NODE_PAT_ENTRY
                | NODE_INHERIT_FROM
        )
    )
}

/// Whether a parenthesis is closed by `)`: rnix takes whatever token ends the expression inside
/// for its close (`(a ]`).
pub(super) fn closed_paren(paren: &SyntaxNode) -> bool {
    paren.last_token().is_some_and(|t| t.kind() == TOKEN_R_PAREN)
}

/// Whether a search path is one to Nix's lexer too, `<` PATH_CHAR+ (`/` PATH_CHAR+)* `>`: rnix
/// also takes `</a>`, `<a//b>` and `<a/>`.
pub(super) fn nix_search_path(node: &SyntaxNode) -> bool {
    let Some(token) = node.first_token() else { return false };
    let Some(inner) = token.text().strip_prefix('<').and_then(|t| t.strip_suffix('>')) else { return false };
    inner.split('/').all(|segment| {
        !segment.is_empty()
            && segment.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+'))
    })
}

/// Whether an attribute of a selection's path is an indented string, which rnix takes and Nix
/// does not (`a.''b''`).
pub(super) fn indented_string_attr(attr: &SyntaxNode) -> bool {
    attr.kind() == NODE_STRING && attr.first_token().is_some_and(|t| t.text() == "''")
}
