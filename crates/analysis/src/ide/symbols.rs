//! The outline of a file, and a fuzzy search over every aspect and host of the workspace.

use smol_str::SmolStr;

use crate::text::TextRange;
use crate::workspace::{FileId, Workspace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Collection,
    Class,
    Aspect,
    Host,
    Option,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSymbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    pub range: TextRange,
    pub selection_range: TextRange,
    pub children: Vec<DocumentSymbol>,
}

/// Aspects the file defines, grouped by collection and class; hosts; declared options.
pub fn document_symbols(ws: &Workspace, file: FileId) -> Vec<DocumentSymbol> {
    if !ws.contains(file) {
        return Vec::new();
    }
    let data = ws.data(file);
    let mut groups: Vec<DocumentSymbol> = Vec::new();
    let mut group = |name: String, kind, range: TextRange| -> usize {
        match groups.iter().position(|g| g.name == name && g.kind == kind) {
            Some(i) => {
                groups[i].range = groups[i].range.cover(range);
                i
            }
            None => {
                groups.push(DocumentSymbol {
                    name,
                    detail: None,
                    kind,
                    range,
                    selection_range: range,
                    children: Vec::new(),
                });
                groups.len() - 1
            }
        }
    };
    let mut entries: Vec<(usize, Option<SmolStr>, DocumentSymbol)> = Vec::new();
    for d in &data.resolved.definitions {
        // Aspect-first collections write the name above the class binding that defines it
        // (`aspects.x = { nixos = ...; }`); LSP wants the name inside the symbol's range.
        let binding = data.summary.node(d.node).binding.cover(d.name.range);
        let i = group(d.key.collection.to_string(), SymbolKind::Collection, binding);
        let aspect = DocumentSymbol {
            name: d.key.name.to_string(),
            detail: Some(d.key.to_string()),
            kind: SymbolKind::Aspect,
            range: binding,
            selection_range: d.name.range,
            children: Vec::new(),
        };
        entries.push((i, d.key.class.clone(), aspect));
    }
    for h in &data.resolved.hosts {
        let binding = data.summary.node(h.node).binding.cover(h.name.range);
        let i = group(h.key.kind.to_string(), SymbolKind::Collection, binding);
        let host = DocumentSymbol {
            name: h.key.name.to_string(),
            detail: h.key.class.as_ref().map(|c| format!("host · {c}")),
            kind: SymbolKind::Host,
            range: binding,
            selection_range: h.name.range,
            children: Vec::new(),
        };
        entries.push((i, None, host));
    }
    for o in &data.summary.options {
        let i = group("options".to_string(), SymbolKind::Collection, o.range);
        let option = DocumentSymbol {
            name: o.path.join("."),
            detail: Some("declares a collection".to_string()),
            kind: SymbolKind::Option,
            range: o.range,
            selection_range: o.range,
            children: Vec::new(),
        };
        entries.push((i, None, option));
    }
    for (i, class, symbol) in entries {
        let parent = &mut groups[i];
        match class {
            Some(class) => {
                let position = parent.children.iter().position(|c| c.kind == SymbolKind::Class && c.name == class);
                let class_group = match position {
                    Some(p) => &mut parent.children[p],
                    None => {
                        parent.children.push(DocumentSymbol {
                            name: class.to_string(),
                            detail: None,
                            kind: SymbolKind::Class,
                            range: symbol.range,
                            selection_range: symbol.selection_range,
                            children: Vec::new(),
                        });
                        parent.children.last_mut().expect("just pushed")
                    }
                };
                class_group.range = class_group.range.cover(symbol.range);
                class_group.children.push(symbol);
            }
            None => parent.children.push(symbol),
        }
    }
    groups
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    /// Where it lives: `flake.modules.nixos`, `den.hosts`.
    pub container: String,
    pub kind: SymbolKind,
    pub file: FileId,
    pub range: TextRange,
}

/// Every aspect and host whose name matches `query` (letters in order, case-insensitive), best
/// matches first, at most `limit`.
pub fn workspace_symbols(ws: &Workspace, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
    let mut found: Vec<(u32, WorkspaceSymbol)> = Vec::new();
    for key in ws.aspect_keys() {
        let Some(score) = fuzzy_score(query, &key.name) else { continue };
        let container = match (&key.class, key.class_in_path) {
            (Some(class), true) => format!("{}.{class}", key.collection),
            _ => key.collection.to_string(),
        };
        for site in ws.definitions(&key) {
            let symbol = WorkspaceSymbol {
                name: key.name.to_string(),
                container: container.clone(),
                kind: SymbolKind::Aspect,
                file: site.file,
                range: site.range,
            };
            found.push((score, symbol));
        }
    }
    for host in ws.hosts() {
        let Some(score) = fuzzy_score(query, &host.key.name) else { continue };
        for site in host.definitions {
            let symbol = WorkspaceSymbol {
                name: host.key.name.to_string(),
                container: host.key.kind.to_string(),
                kind: SymbolKind::Host,
                file: site.file,
                range: site.range,
            };
            found.push((score, symbol));
        }
    }
    found.sort_by(|(a, x), (b, y)| {
        a.cmp(b).then_with(|| x.name.cmp(&y.name)).then_with(|| ws.path(x.file).cmp(ws.path(y.file)))
    });
    found.into_iter().take(limit).map(|(_, s)| s).collect()
}

/// Lower is better; `None` when `query`'s letters do not all appear in order in `name`.
fn fuzzy_score(query: &str, name: &str) -> Option<u32> {
    let name_lower = name.to_lowercase();
    let mut score = 0u32;
    let mut last = None;
    let mut chars = name_lower.char_indices();
    for q in query.to_lowercase().chars().filter(|c| !c.is_whitespace()) {
        let (i, _) = chars.by_ref().find(|(_, c)| *c == q)?;
        // Gaps between matched letters cost; a match at the very start is best.
        score += match last {
            None => i as u32,
            Some(l) => (i - l - 1) as u32,
        };
        last = Some(i);
    }
    if name_lower.starts_with(&query.to_lowercase()) {
        return Some(score);
    }
    Some(score + 100 + name.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::fuzzy_score;

    #[test]
    fn fuzzy_prefers_prefixes_and_tight_matches() {
        assert!(fuzzy_score("desk", "desktop") < fuzzy_score("desk", "my-desktop"));
        assert!(fuzzy_score("dsk", "desktop").is_some());
        assert!(fuzzy_score("xyz", "desktop").is_none());
        assert_eq!(fuzzy_score("", "anything"), Some(0));
    }
}
