//! The outline of a file, and a fuzzy search over every aspect and host of the workspace.

use smol_str::SmolStr;

use crate::base::text::TextRange;
use crate::base::{AspectKey, FileId, HostKey};
use crate::graph::store::Graph;

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
    let mut outline = Outline::default();
    for d in &data.resolved.definitions {
        // Aspect-first collections write the name above the class binding that defines it
        // (`aspects.x = { nixos = ...; }`); LSP wants the name inside the symbol's range.
        let binding = data.summary.node(d.node).binding.cover(d.name.range);
        let aspect = symbol(d.key.name.to_string(), Some(d.key.to_string()), SymbolKind::Aspect, binding, d.name.range);
        outline.add(d.key.collection.to_string(), d.key.class.clone(), aspect);
    }
    for h in &data.resolved.hosts {
        let binding = data.summary.node(h.node).binding.cover(h.name.range);
        let detail = h.key.class.as_ref().map(|c| format!("host · {c}"));
        outline.add(
            h.key.kind.to_string(),
            None,
            symbol(h.key.name.to_string(), detail, SymbolKind::Host, binding, h.name.range),
        );
    }
    for o in &data.summary.options {
        let detail = Some("declares a collection".to_string());
        outline.add(
            "options".to_string(),
            None,
            symbol(o.path.join("."), detail, SymbolKind::Option, o.range, o.range),
        );
    }
    outline.groups
}

fn symbol(
    name: String,
    detail: Option<String>,
    kind: SymbolKind,
    range: TextRange,
    selection: TextRange,
) -> DocumentSymbol {
    DocumentSymbol { name, detail, kind, range, selection_range: selection, children: Vec::new() }
}

/// A file's symbols as they are added: a group per collection (or host kind, or `options`), and
/// inside it a group per class where the collection names one.
#[derive(Default)]
struct Outline {
    groups: Vec<DocumentSymbol>,
}

impl Outline {
    fn add(&mut self, group: String, class: Option<SmolStr>, symbol: DocumentSymbol) {
        // A collection's group is selected by the first binding in it, a class's by its first name.
        let parent = group_of(&mut self.groups, &group, SymbolKind::Collection, &symbol, symbol.range);
        match class {
            Some(class) => {
                let selection = symbol.selection_range;
                group_of(&mut parent.children, &class, SymbolKind::Class, &symbol, selection).children.push(symbol)
            }
            None => parent.children.push(symbol),
        }
    }
}

/// The group named `name` among `symbols`, made to cover `member`; a new one, selecting
/// `selection`, if there is none.
fn group_of<'a>(
    symbols: &'a mut Vec<DocumentSymbol>,
    name: &str,
    kind: SymbolKind,
    member: &DocumentSymbol,
    selection: TextRange,
) -> &'a mut DocumentSymbol {
    let i = match symbols.iter().position(|s| s.kind == kind && s.name == name) {
        Some(i) => i,
        None => {
            symbols.push(symbol(name.to_string(), None, kind, member.range, selection));
            symbols.len() - 1
        }
    };
    let group = &mut symbols[i];
    group.range = group.range.cover(member.range);
    group
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
