//! Hover: what an aspect is made of and where it goes; a class's size; where a name is bound.

use std::fmt::Write;

use super::{FilePosition, Symbol, symbol_at};
use crate::text::{Encoding, TextRange};
use crate::workspace::{AspectKey, Workspace};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    pub range: TextRange,
    pub markdown: String,
}

pub fn hover(ws: &Workspace, pos: FilePosition) -> Option<Hover> {
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
        Symbol::Host { key, .. } => {
            let mut out = format!("**host** `{}` · `{}`", key.name, key.kind);
            if let Some(class) = &key.class {
                let _ = write!(out, " · {class}");
            }
            let aspects: Vec<String> = ws
                .hosts()
                .into_iter()
                .filter(|h| h.key == key)
                .flat_map(|h| h.aspects)
                .map(|k| format!("`{k}`"))
                .collect();
            if !aspects.is_empty() {
                let _ = write!(out, "\n\nimports {}", aspects.join(", "));
            }
            out
        }
        Symbol::Local { name, binding, .. } => {
            let text = ws.text(pos.file);
            let line = ws.line_index(pos.file).line_col(text, binding.start(), Encoding::Utf8).line + 1;
            format!("**local** `{name}`, bound at line {line}")
        }
        Symbol::Path { target, .. } => format!("**file** `{}`", ws.path(target)),
    };
    Some(Hover { range, markdown })
}

fn aspect(ws: &Workspace, key: &AspectKey) -> String {
    let mut out = format!("**aspect** `{}` · `{}`", key.name, key.collection);
    // Every class the name contributes to in its collection, with its number of files.
    let mut classes: Vec<(String, usize)> = Vec::new();
    if key.class.is_some() {
        for other in ws.aspect_keys().iter().filter(|k| k.collection == key.collection && k.name == key.name) {
            for (class, files) in ws.classes(other) {
                classes.push((class.to_string(), files.len()));
            }
        }
    } else {
        classes.extend(ws.classes(key).into_iter().map(|(c, files)| (c.to_string(), files.len())));
    }
    classes.sort();
    classes.dedup();
    out.push_str("\n\n");
    if classes.is_empty() && !ws.is_defined(key) {
        out.push_str("not defined anywhere in the workspace");
    } else if classes.is_empty() {
        let files = ws.definitions(key).iter().map(|s| s.file).collect::<std::collections::BTreeSet<_>>().len();
        let _ = write!(out, "{}", plural(files, "file"));
    }
    for (class, files) in &classes {
        let _ = writeln!(out, "- `{class}` · {}", plural(*files, "file"));
    }
    let list = |keys: Vec<String>| keys.join(", ");
    let includes: Vec<String> = ws.includes(key).iter().map(|k| format!("`{}`", k.name)).collect();
    if !includes.is_empty() {
        let _ = write!(out, "\nincludes {}", list(includes));
    }
    let included_by: Vec<String> = ws.included_by(key).iter().map(|k| format!("`{}`", k.name)).collect();
    if !included_by.is_empty() {
        let _ = write!(out, "\nincluded by {}", list(included_by));
    }
    let hosts: Vec<String> = ws.hosts_of(key).iter().map(|h| format!("`{}`", h.name)).collect();
    if !hosts.is_empty() {
        let _ = write!(out, "\nhosts {}", list(hosts));
    }
    out.trim_end().to_string()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}
