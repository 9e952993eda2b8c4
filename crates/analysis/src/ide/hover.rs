//! Hover: what an aspect is made of and where it goes; a class's size; where a name is bound.

use std::fmt::Write;

use smol_str::SmolStr;

use super::FilePosition;
use super::symbol_at::{Symbol, symbol_at};
use std::collections::BTreeMap;

use crate::base::text::TextRange;
use crate::base::{AspectKey, HostKey};
use crate::graph::resolve::Owner;
use crate::graph::store::Graph;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    pub range: TextRange,
    pub markdown: String,
}

pub(crate) fn hover(ws: &Graph, pos: FilePosition) -> Option<Hover> {
    let symbol = symbol_at(ws, pos)?;
    let range = symbol.range();
    let markdown = match symbol {
        Symbol::Aspect { key, .. } => aspect(ws, &key),
        Symbol::Class { collection, class, .. } => {
            let count = ws
                .aspect_keys()
                .iter()
                .filter(|k| k.collection == collection && ws.is_defined(k))
                .filter(|k| {
                    k.class.as_deref() == Some(class.as_str()) || ws.classes(k).iter().any(|(c, _)| *c == class)
                })
                .count();
            format!("**class** `{class}` in `{collection}`\n\n{}", plural(count, "aspect"))
        }
        Symbol::Host { key, .. } => host(ws, &key),
        Symbol::Local { name, binding, .. } => {
            let line = ws.line_number(pos.file, binding.start());
            format!("**local** `{name}`, bound at line {line}")
        }
        Symbol::Path { target, .. } => format!("**file** `{}`", ws.path(target)),
    };
    Some(Hover { range, markdown })
}

fn aspect(ws: &Graph, key: &AspectKey) -> String {
    // Paragraphs apart: markdown joins lines that only a single line break separates.
    let mut sections = vec![format!("**aspect** `{}` · `{}`", key.name, key.collection)];
    // Every class it contributes to in its collection, with its number of files.
    let classes: Vec<(SmolStr, Vec<crate::base::FileId>)> =
        if key.class.is_some() { ws.classes_of_name(key) } else { ws.classes(key) };
    if classes.is_empty() {
        if ws.is_defined(key) {
            let files = ws.definitions(key).iter().map(|s| s.file).collect::<std::collections::BTreeSet<_>>().len();
            sections.push(plural(files, "file"));
        } else {
            sections.push("not defined anywhere in the workspace".to_string());
        }
    } else {
        let lines: Vec<String> =
            classes.iter().map(|(class, files)| format!("- `{class}` · {}", plural(files.len(), "file"))).collect();
        sections.push(lines.join("\n"));
    }
    let names = |keys: Vec<String>| keys.join(", ");
    let includes: Vec<String> = ws.includes(key).iter().map(|k| format!("`{}`", k.name)).collect();
    if !includes.is_empty() {
        sections.push(format!("includes {}", names(includes)));
    }
    let included_by: Vec<String> = ws.included_by(key).iter().map(|k| format!("`{}`", k.name)).collect();
    if !included_by.is_empty() {
        sections.push(format!("included by {}", names(included_by)));
    }
    // The hosts of every class of the family: a feature reaches a NixOS host and a darwin one.
    let mut hosts: Vec<SmolStr> =
        ws.family(key).iter().flat_map(|member| ws.hosts_of(member)).map(|h| h.name).collect();
    hosts.sort();
    hosts.dedup();
    let hosts: Vec<String> = hosts.iter().map(|name| format!("`{name}`")).collect();
    if !hosts.is_empty() {
        sections.push(format!("hosts {}", names(hosts)));
    }
    sections.join("\n\n")
}

/// Most aspects a host's hover names per class; the rest are counted.
const HOST_ASPECTS_SHOWN: usize = 12;

/// A host: the aspects it names, then every aspect it ends up with through them, per class.
fn host(ws: &Graph, key: &HostKey) -> String {
    let mut out = format!("**host** `{}` · `{}`", key.name, key.kind);
    if let Some(class) = &key.class {
        let _ = write!(out, " · {class}");
    }
    let owner = Owner::Host(key.clone());
    let mut direct: Vec<AspectKey> = ws.imports_by(&owner).into_iter().map(|(k, _)| k).collect();
    direct.sort();
    direct.dedup();
    if direct.is_empty() {
        return out;
    }
    let _ = write!(out, "\n\nimports {}", capped(&direct.iter().collect::<Vec<_>>()));
    let reached = ws.reachable(&owner);
    let mut by_class: BTreeMap<SmolStr, Vec<&AspectKey>> = BTreeMap::new();
    for (aspect, classes) in &reached {
        // An aspect-first aspect that contributes to no class yet still belongs to the host.
        let none = [SmolStr::new_static("(no class)")];
        let classes = if classes.is_empty() { &none[..] } else { &classes[..] };
        for class in classes {
            by_class.entry(class.clone()).or_default().push(aspect);
        }
    }
    let _ = write!(out, "\n\nends up with {}", plural(reached.len(), "aspect"));
    for (class, aspects) in by_class {
        let _ = write!(out, "\n- `{class}` · {}", capped(&aspects));
    }
    out
}

/// The first `HOST_ASPECTS_SHOWN` names, and how many more there are.
fn capped(aspects: &[&AspectKey]) -> String {
    let mut names: Vec<String> = aspects.iter().take(HOST_ASPECTS_SHOWN).map(|k| format!("`{}`", k.name)).collect();
    if aspects.len() > HOST_ASPECTS_SHOWN {
        names.push(format!("… and {} more", aspects.len() - HOST_ASPECTS_SHOWN));
    }
    names.join(", ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
