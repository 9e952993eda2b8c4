//! The outline of a file, and a fuzzy search over every aspect and host of the workspace.

use smol_str::SmolStr;

use crate::base::text::TextRange;
use crate::base::{AspectKey, FileId, HostKey};
use crate::graph::Graph;

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
pub(crate) fn document_symbols(ws: &Graph, file: FileId) -> Vec<DocumentSymbol> {
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
pub(crate) fn workspace_symbols(ws: &Graph, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
    enum Found<'a> {
        Aspect(&'a AspectKey),
        Host(&'a HostKey),
    }
    let query: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    let aspects = ws.defined_keys().map(|k| (&k.name, Found::Aspect(k)));
    let hosts = ws.host_keys().map(|k| (&k.name, Found::Host(k)));
    let mut candidates: Vec<(u32, &SmolStr, Found)> =
        aspects.chain(hosts).filter_map(|(name, found)| Some((fuzzy_score(&query, name)?, name, found))).collect();
    candidates.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    // Sites are gathered only for the best names; equally good ones are ordered by path.
    let mut out: Vec<WorkspaceSymbol> = Vec::new();
    for group in candidates.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if out.len() >= limit {
            break;
        }
        let mut symbols: Vec<WorkspaceSymbol> = Vec::new();
        for (_, name, found) in group {
            let (container, kind, sites) = match found {
                Found::Aspect(key) => {
                    let container = match (&key.class, key.class_in_path) {
                        (Some(class), true) => format!("{}.{class}", key.collection),
                        _ => key.collection.to_string(),
                    };
                    (container, SymbolKind::Aspect, ws.definitions(key))
                }
                Found::Host(key) => (key.kind.to_string(), SymbolKind::Host, ws.host_definitions(key)),
            };
            symbols.extend(sites.into_iter().map(|site| WorkspaceSymbol {
                name: name.to_string(),
                container: container.clone(),
                kind,
                file: site.file,
                range: site.range,
            }));
        }
        symbols.sort_by(|x, y| ws.path(x.file).cmp(ws.path(y.file)));
        out.extend(symbols);
    }
    out.truncate(limit);
    out
}

/// Lower is better; `None` when `query`'s letters (lowercased) do not all appear in order in
/// `name`.
fn fuzzy_score(query: &[char], name: &str) -> Option<u32> {
    // Every name is scored on every query: ASCII names, nearly all of them, skip Unicode's case
    // tables.
    if name.is_ascii() {
        score_positions(query, name.bytes().map(|b| char::from(b.to_ascii_lowercase())), name.len())
    } else {
        score_positions(query, name.chars().flat_map(char::to_lowercase), name.len())
    }
}

fn score_positions(query: &[char], lower: impl Iterator<Item = char>, len: usize) -> Option<u32> {
    let mut lower = lower.enumerate();
    let mut score = 0u32;
    let mut last = None;
    for q in query {
        let (i, _) = lower.by_ref().find(|(_, c)| c == q)?;
        // Gaps between matched letters cost; a match at the very start is best.
        score += match last {
            None => i as u32,
            Some(l) => (i - l - 1) as u32,
        };
        last = Some(i);
    }
    let prefix = last.is_none_or(|l| l + 1 == query.len());
    if prefix {
        return Some(score);
    }
    Some(score + 100 + len as u32)
}

#[cfg(test)]
mod tests {
    fn fuzzy_score(query: &str, name: &str) -> Option<u32> {
        super::fuzzy_score(&query.chars().flat_map(char::to_lowercase).collect::<Vec<_>>(), name)
    }

    #[test]
    fn fuzzy_prefers_prefixes_and_tight_matches() {
        assert!(fuzzy_score("desk", "desktop") < fuzzy_score("desk", "my-desktop"));
        assert!(fuzzy_score("dsk", "desktop").is_some());
        assert!(fuzzy_score("xyz", "desktop").is_none());
        assert_eq!(fuzzy_score("", "anything"), Some(0));
        assert_eq!(fuzzy_score("DESK", "desktop"), Some(0));
        assert!(fuzzy_score("dsk", "desktop") > fuzzy_score("des", "desktop"));
    }

    #[test]
    fn ascii_names_score_as_the_unicode_path_would() {
        let unicode = |query: &str, name: &str| {
            let query: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
            super::score_positions(&query, name.chars().flat_map(char::to_lowercase), name.len())
        };
        for name in ["desktop", "My-Desktop", "SSH", "a", ""] {
            for query in ["", "d", "DESK", "dsk", "mdt", "ssh", "x"] {
                assert_eq!(fuzzy_score(query, name), unicode(query, name), "{query:?} in {name:?}");
            }
        }
        assert_eq!(fuzzy_score("écr", "Écran"), Some(0));
        assert!(fuzzy_score("ran", "Écran").is_some());
    }
}
