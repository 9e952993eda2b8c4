//! What is under the cursor.

use rnix::SyntaxKind::*;
use smol_str::SmolStr;

use super::FilePosition;
use crate::base::text::{TextRange, TextSize};
use crate::base::{AspectKey, FileId, HostKey};
use crate::graph::resolve::Target;
use crate::graph::store::Graph;
use crate::summary::NameOrigin;
use crate::syntax::names::{NameTable, Resolution};
use crate::syntax::{SyntaxNode, SyntaxToken};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbol {
    /// An aspect's name, where it is defined or referenced.
    Aspect { key: AspectKey, range: TextRange, definition: bool },
    /// A class name: `nixos` in `flake.modules.nixos.ssh` or `den.aspects.x.nixos`.
    Class { collection: SmolStr, class: SmolStr, range: TextRange },
    /// A host's name where it is defined.
    Host { key: HostKey, range: TextRange },
    /// A local name, at its binding or at a use. `binding` is the name at the binding site.
    Local { name: SmolStr, binding: TextRange, range: TextRange },
    /// A path literal naming a file of the workspace.
    Path { target: FileId, range: TextRange },
}

impl Symbol {
    pub fn range(&self) -> TextRange {
        match self {
            Symbol::Aspect { range, .. }
            | Symbol::Class { range, .. }
            | Symbol::Host { range, .. }
            | Symbol::Local { range, .. }
            | Symbol::Path { range, .. } => *range,
        }
    }
}

pub(crate) fn symbol_at(ws: &Graph, pos: FilePosition) -> Option<Symbol> {
    if !ws.contains(pos.file) {
        return None;
    }
    graph_symbol(ws, pos).or_else(|| syntax_symbol(ws, pos))
}

/// Aspects, classes and hosts: read from the file's resolved contribution, no parsing needed.
fn graph_symbol(ws: &Graph, pos: FilePosition) -> Option<Symbol> {
    let resolved = &ws.data(pos.file).resolved;
    let at = |range: TextRange| range.contains_inclusive(pos.offset);
    for d in &resolved.definitions {
        let literal = match d.name.origin {
            NameOrigin::Constant { literal } | NameOrigin::Listed { literal } => Some(literal),
            _ => None,
        };
        if at(d.name.range) || literal.is_some_and(at) {
            let range = if at(d.name.range) { d.name.range } else { literal.unwrap_or(d.name.range) };
            return Some(Symbol::Aspect { key: d.key.clone(), range, definition: true });
        }
    }
    for r in &resolved.refs {
        if let Target::Aspect { key, name, .. } = &r.target
            && at(name.range)
        {
            return Some(Symbol::Aspect { key: key.clone(), range: name.range, definition: false });
        }
    }
    for h in &resolved.hosts {
        if at(h.name.range) {
            return Some(Symbol::Host { key: h.key.clone(), range: h.name.range });
        }
    }
    for c in &resolved.contributions {
        if at(c.range) {
            return Some(Symbol::Class {
                collection: c.key.collection.clone(),
                class: c.class.clone(),
                range: c.range,
            });
        }
    }
    resolved.classes.iter().find(|c| at(c.range)).map(|c| Symbol::Class {
        collection: c.collection.clone(),
        class: c.class.clone(),
        range: c.range,
    })
}

/// Local names and path literals: these need the file's tree.
fn syntax_symbol(ws: &Graph, pos: FilePosition) -> Option<Symbol> {
    let parse = ws.tree(pos.file);
    crate::base::stack::with_stack(|| {
        let root = parse.root();
        let token = token_at(&root, pos.offset)?;
        match token.kind() {
            TOKEN_IDENT => {
                let names = NameTable::build(&root);
                local_at(&names, token.text_range())
            }
            TOKEN_PATH_REL => {
                let target = crate::graph::paths::relative_path(ws.path(pos.file), token.text())?;
                let file = ws.file_id(&target).or_else(|| ws.file_id(&format!("{target}/default.nix")))?;
                Some(Symbol::Path { target: file, range: token.text_range() })
            }
            _ => None,
        }
    })
}

/// The token a cursor at `offset` designates: the one it is in, or the name it just ended.
pub(crate) fn token_at(root: &SyntaxNode, offset: TextSize) -> Option<SyntaxToken> {
    let pick = |t: &SyntaxToken| matches!(t.kind(), TOKEN_IDENT | TOKEN_PATH_REL | TOKEN_STRING_CONTENT);
    // A cursor past the end (a stale position from a client) designates nothing; rowan panics.
    if !root.text_range().contains_inclusive(offset) {
        return None;
    }
    match root.token_at_offset(offset) {
        rowan::TokenAtOffset::None => None,
        rowan::TokenAtOffset::Single(t) => Some(t),
        rowan::TokenAtOffset::Between(left, right) => Some(if pick(&right) || !pick(&left) { right } else { left }),
    }
}

fn local_at(names: &NameTable, range: TextRange) -> Option<Symbol> {
    if let Some(id) = names.binding_at(range) {
        let b = names.binding(id);
        return Some(Symbol::Local { name: b.name.clone(), binding: b.range, range });
    }
    let u = names.use_at(range.start()).filter(|u| u.range == range)?;
    match u.resolution {
        Resolution::Local(id) => {
            let b = names.binding(id);
            Some(Symbol::Local { name: b.name.clone(), binding: b.range, range })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn path_literals_resolve_against_the_file_folder() {
        use crate::graph::paths::relative_path as path_target;
        assert_eq!(path_target("modules/a/b.nix", "./c.nix").as_deref(), Some("modules/a/c.nix"));
        assert_eq!(path_target("modules/a/b.nix", "../_lib/x.nix").as_deref(), Some("modules/_lib/x.nix"));
        assert_eq!(path_target("flake.nix", "./modules").as_deref(), Some("modules"));
        assert_eq!(path_target("flake.nix", "../x").as_deref(), None);
    }
}
