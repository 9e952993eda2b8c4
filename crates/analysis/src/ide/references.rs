//! Find references and document highlights.

use super::FilePosition;
use super::symbol_at::{Symbol, symbol_at};
use crate::base::Site;
use crate::base::text::TextRange;
use crate::graph::store::Graph;
use crate::syntax::names::{NameTable, Resolution};

/// Every static reference to the aspect (or local name) under the cursor, and its definition
/// sites when `include_declaration` is set; an aspect's in every class of its family.
pub(crate) fn references(ws: &Graph, pos: FilePosition, include_declaration: bool) -> Option<Vec<Site>> {
    let mut sites: Vec<Site> = match symbol_at(ws, pos)? {
        // The aspect in every class of its family (`ssh` in `nixos` and `homeManager`).
        Symbol::Aspect { key, .. } => ws
            .family(&key)
            .iter()
            .flat_map(|member| {
                let definitions = if include_declaration { ws.definitions(member) } else { Vec::new() };
                ws.references(member).into_iter().chain(definitions)
            })
            .collect(),
        Symbol::Local { binding, .. } => {
            let mut ranges = local_uses(ws, pos, binding);
            if include_declaration {
                ranges.push(binding);
            }
            ranges.into_iter().map(|range| Site { file: pos.file, range }).collect()
        }
        _ => return None,
    };
    sites.sort_by(|a, b| (ws.path(a.file), a.range.start()).cmp(&(ws.path(b.file), b.range.start())));
    sites.dedup();
    Some(sites)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HighlightKind {
    /// Where the name is defined or bound.
    Write,
    /// Where it is used.
    Read,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Highlight {
    pub range: TextRange,
    pub kind: HighlightKind,
}

/// The places in the current file that name what is under the cursor.
pub(crate) fn document_highlight(ws: &Graph, pos: FilePosition) -> Vec<Highlight> {
    let mut out: Vec<Highlight> = match symbol_at(ws, pos) {
        Some(Symbol::Aspect { key, .. }) => {
            let here = |sites: Vec<Site>, kind| {
                sites.into_iter().filter(|s| s.file == pos.file).map(move |s| Highlight { range: s.range, kind })
            };
            ws.family(&key)
                .iter()
                .flat_map(|member| {
                    here(ws.definitions(member), HighlightKind::Write)
                        .chain(here(ws.references(member), HighlightKind::Read))
                })
                .collect()
        }
        Some(Symbol::Local { binding, .. }) => {
            std::iter::once(Highlight { range: binding, kind: HighlightKind::Write })
                .chain(
                    local_uses(ws, pos, binding)
                        .into_iter()
                        .map(|range| Highlight { range, kind: HighlightKind::Read }),
                )
                .collect()
        }
        _ => Vec::new(),
    };
    out.sort_by_key(|h| h.range.start());
    out.dedup();
    out
}

/// Uses of the local binding whose name sits at `binding`.
fn local_uses(ws: &Graph, pos: FilePosition, binding: TextRange) -> Vec<TextRange> {
    let parse = ws.tree(pos.file);
    crate::base::stack::with_stack(|| {
        let names = NameTable::build(&parse.root());
        let Some(id) = names.binding_at(binding) else { return Vec::new() };
        names
            .uses
            .iter()
            .filter(|u| u.resolution == Resolution::Local(id) && u.range != binding)
            .map(|u| u.range)
            .collect()
    })
}
