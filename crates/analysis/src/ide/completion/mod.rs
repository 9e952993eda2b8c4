//! Completion: aspect names after a rooted path to a class (`config.flake.modules.nixos.|`), in
//! `with <collection>; [ | ]` lists and in `includes`; class names where a path expects a class;
//! the workspace's collections on the way to one (`config.flake.|` offers `modules`); local
//! names anywhere else, but never after a dot of a rooted path. Resolving an aspect's item
//! (`resolve`) says where it is defined.
//!
//! It has to work while the user types, where the tree is broken: after a trailing dot rnix's
//! error recovery loses the surrounding list. So the file is summarised again with a placeholder
//! name at the cursor, and the placeholder's place in the summary (a reference or a config node)
//! says what is being completed. Where a name is partly typed the text is the one the workspace
//! holds, and so are the tree and summary completion reads.

use std::borrow::Cow;
use std::cell::OnceCell;

use rnix::SyntaxKind::*;
use rustc_hash::FxHashSet;
use smol_str::SmolStr;

use super::FilePosition;
use super::symbol_at::token_at;
use crate::base::text::{TextRange, TextSize};
use crate::base::{AspectKey, Scope};
use crate::dendritic::classes::KNOWN_CLASSES;
use crate::dendritic::collections::{CollectionSet, PathMatch, RowKind};
use crate::graph::resolve::{PassedDown, Resolved};
use crate::graph::store::Graph;
use crate::summary::extract;
use crate::summary::{FileSummary, Name, NodeId, RefRoot};
use crate::syntax::names::NameTable;
use crate::syntax::{self, render_attr_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    Aspect,
    Class,
    /// A part of a collection's path: `modules` in `config.flake.modules`.
    Collection,
    Local,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionItem {
    /// What the list shows: the name, unquoted.
    pub label: String,
    /// What replaces `replace`: quoted when the name is not an identifier.
    pub insert: String,
    pub replace: TextRange,
    pub kind: CompletionKind,
    /// The classes and file counts of an aspect (`nixos · 3 files`).
    pub detail: Option<String>,
    /// The aspect an item names, for `resolve`.
    pub aspect: Option<AspectKey>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompletionList {
    pub items: Vec<CompletionItem>,
    /// More items matched than the list holds.
    pub incomplete: bool,
}

/// The most items one answer carries; the client asks again as the user types.
const LIMIT: usize = 200;

/// A name no one writes, put where the cursor is when nothing is typed there yet.
const PLACEHOLDER: &str = "__canopy_completion__";

pub(crate) fn complete(ws: &Graph, pos: FilePosition) -> CompletionList {
    complete_with(ws, pos, Outline::KeptWhenCurrent)
}

/// Where completion reads the file's summary from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outline {
    /// The workspace's own, when it is of the text completion reads.
    KeptWhenCurrent,
    /// Always summarised afresh (what the kept one must equal; for tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Fresh,
}

fn complete_with(ws: &Graph, pos: FilePosition, outline: Outline) -> CompletionList {
    if !ws.contains(pos.file) {
        return CompletionList::default();
    }
    let text = ws.text(pos.file);
    // A cursor inside a character (a client's off-by-some) completes at that character's start.
    let mut at = (u32::from(pos.offset) as usize).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let offset = TextSize::from(at as u32);
    let parse = ws.tree(pos.file);
    let Some(typed) = typed_at(&parse, text, offset) else { return CompletionList::default() };
    // Where a name is partly typed the text reads as it is: the file's own tree serves every step.
    let (patched, parse) = match &typed {
        Typed::Nothing => {
            let at = usize::from(offset);
            let patched = format!("{}{PLACEHOLDER}{}", &text[..at], &text[at..]);
            let parse = std::sync::Arc::new(syntax::parse(&patched));
            (Cow::Owned(patched), parse)
        }
        Typed::Name { .. } => (Cow::Borrowed(text), parse),
    };
    let replace = match &typed {
        Typed::Nothing => TextRange::empty(offset),
        Typed::Name { range, .. } => *range,
    };
    let prefix = match &typed {
        Typed::Nothing => "",
        Typed::Name { prefix, .. } => prefix.as_str(),
    };
    crate::base::stack::with_stack(|| {
        let names: OnceCell<NameTable> = OnceCell::new();
        let names = || names.get_or_init(|| NameTable::build(&parse.root()));
        // A partly typed name leaves the text as the workspace read it: its summary serves, and
        // in a module of the graph its resolution too, so completing an aspect's name walks no
        // tree. After a dot the text is patched: it is read afresh.
        let kept = outline == Outline::KeptWhenCurrent && matches!(typed, Typed::Name { .. });
        let summary: Cow<FileSummary> = if kept {
            Cow::Borrowed(ws.summary(pos.file))
        } else {
            Cow::Owned(extract::summarize_structure(ws.path(pos.file), &patched, &parse, names()))
        };
        let at_cursor = |range: TextRange| match &typed {
            Typed::Nothing => range.start() == offset,
            Typed::Name { range: typed, .. } => range == *typed,
        };

        let mut items = Vec::new();
        let rooted = rooted_path_at(&summary, &at_cursor, ws.collections(), ws.passed_down());
        let in_rooted_path = rooted.as_ref().is_some_and(|(_, is_definition)| !is_definition);
        if let Some((path, is_definition)) = rooted {
            // The workspace resolves only the files of its graph.
            let resolved: Cow<Resolved> = if kept && ws.role(pos.file).in_graph() {
                Cow::Borrowed(&ws.data(pos.file).resolved)
            } else {
                Cow::Owned(crate::graph::resolve::resolve(&summary, ws.collections(), ws.passed_down()))
            };
            let typed = TypedFile::read(pos.file, &resolved, prefix);
            items.extend(path_completions(ws, &path, is_definition, &typed, prefix, replace));
            if items.is_empty() {
                items.extend(collection_items(ws, &path, replace));
            }
        }
        let in_rooted = !items.is_empty();
        // After a dot only attribute names fit; in a `with` list both aspects and locals do.
        let after_dot = text[..usize::from(replace.start())].trim_end().ends_with('.');
        let attribute = after_dot && in_rooted_path;
        if !attribute && (!in_rooted || (matches!(typed, Typed::Nothing) && !after_dot)) {
            items.extend(local_completions(names(), offset, replace));
        }
        finish(items, prefix, in_rooted)
    })
}

/// What the user has typed of the name at the cursor.
enum Typed {
    /// Nothing: the cursor follows a dot, a bracket or a space.
    Nothing,
    /// Part of a name: `range` is the whole name (identifier, or string with its quotes).
    Name { range: TextRange, prefix: String },
}

fn typed_at(parse: &syntax::Parse, text: &str, offset: TextSize) -> Option<Typed> {
    crate::base::stack::with_stack(|| {
        let root = parse.root();
        let Some(token) = token_at(&root, offset) else { return Some(Typed::Nothing) };
        let range = token.text_range();
        let touches = range.start() < offset && offset <= range.end();
        match token.kind() {
            TOKEN_IDENT if touches => {
                let prefix = text[TextRange::new(range.start(), offset)].to_string();
                Some(Typed::Name { range, prefix })
            }
            TOKEN_STRING_CONTENT | TOKEN_STRING_END if range.start() <= offset => {
                let string = token.parent().filter(|p| p.kind() == NODE_STRING)?;
                let start = string.text_range().start() + TextSize::from(1);
                let prefix = text.get(usize::from(start)..usize::from(offset)).unwrap_or("").to_string();
                Some(Typed::Name { range: string.text_range(), prefix })
            }
            // Inside a comment or another literal nothing completes.
            TOKEN_COMMENT | TOKEN_STRING_CONTENT | TOKEN_INTEGER | TOKEN_FLOAT | TOKEN_PATH_REL | TOKEN_PATH_ABS
                if range.start() < offset && offset < range.end() =>
            {
                None
            }
            _ => Some(Typed::Nothing),
        }
    })
}

/// The rooted path whose last name is at the cursor, as configuration path segments (for a
/// definition, the config node's path).
fn rooted_path_at(
    summary: &FileSummary,
    at_cursor: &dyn Fn(TextRange) -> bool,
    collections: &CollectionSet,
    passed: &PassedDown,
) -> Option<(Vec<SmolStr>, bool)> {
    for reference in &summary.refs {
        let usable = match &reference.root {
            RefRoot::Config => true,
            RefRoot::PassedDown(argument) => passed.passes(argument),
            RefRoot::Argument => reference.path.first().is_some_and(|n| collections.is_namespace(&n.text)),
            _ => false,
        };
        if !usable {
            continue;
        }
        if let Some(i) = reference.path.iter().position(|n: &Name| at_cursor(n.range)) {
            return Some((reference.path[..=i].iter().map(|n| n.text.clone()).collect(), false));
        }
    }
    let node = summary.nodes.iter().position(|n| at_cursor(n.name.range))?;
    let path = summary.node_path(NodeId(node as u32)).into_iter().map(|n| n.text.clone()).collect();
    Some((path, true))
}

fn path_completions(
    ws: &Graph,
    path: &[SmolStr],
    is_definition: bool,
    typed: &TypedFile,
    prefix: &str,
    replace: TextRange,
) -> Vec<CompletionItem> {
    let Some(m) = ws.collections().match_path(path) else { return Vec::new() };
    let last = path.len() - 1;
    if m.matched != path.len() {
        return Vec::new();
    }
    let aspect_first = ws.collections().aspect_first(m.row);
    if m.aspect.as_ref().is_some_and(|(_, i)| *i == last) && m.kind != RowKind::Host {
        return aspect_items(ws, &m, aspect_first, typed, prefix, replace);
    }
    let class_position =
        m.class_index == Some(last) || (aspect_first && m.aspect.as_ref().is_some_and(|(_, i)| *i + 1 == last));
    if class_position && (m.kind != RowKind::Host || is_definition) {
        return class_items(ws, &m, replace);
    }
    Vec::new()
}

/// The aspects of the scope at the cursor: those the workspace defines, and those the file as
/// typed defines (the workspace may hold an older, broken reading of it).
fn aspect_items(
    ws: &Graph,
    m: &PathMatch,
    aspect_first: bool,
    typed: &TypedFile,
    prefix: &str,
    replace: TextRange,
) -> Vec<CompletionItem> {
    let class = if aspect_first { None } else { m.class.clone() };
    let prefix = prefix.to_lowercase();
    let scope = Scope { collection: SmolStr::new(&m.collection), class: class.clone() };
    let mut keys: Vec<&AspectKey> = ws.defined_in_unordered(&scope).collect();
    keys.extend(typed.defines.iter().map(|(k, _)| k).filter(|k| k.collection == m.collection && k.class == class));
    keys.retain(|k| subsequence(&prefix, &k.name.to_lowercase()));
    keys.sort();
    keys.dedup();
    // Aspects come first in the list, by name, so only these can survive `finish`'s cap: the
    // details, which count files, are worth computing for them alone.
    keys.truncate(LIMIT + 1);
    keys.into_iter()
        .map(|key| {
            let detail = typed
                .classes_of_name(ws, key)
                .iter()
                .map(|(c, n)| format!("{c} · {n} file{}", if *n == 1 { "" } else { "s" }))
                .collect::<Vec<_>>()
                .join(", ");
            CompletionItem {
                label: key.name.to_string(),
                insert: render_attr_name(&key.name),
                replace,
                kind: CompletionKind::Aspect,
                detail: Some(detail),
                aspect: Some(key.clone()),
            }
        })
        .collect()
}

fn class_items(ws: &Graph, m: &PathMatch, replace: TextRange) -> Vec<CompletionItem> {
    let mut counts: Vec<(SmolStr, usize)> = KNOWN_CLASSES.iter().map(|c| (SmolStr::new_static(c), 0)).collect();
    for key in ws.aspect_keys().iter().filter(|k| k.collection == m.collection && ws.is_defined(k)) {
        for (class, _) in ws.classes(key) {
            match counts.iter_mut().find(|(c, _)| *c == class) {
                Some((_, n)) => *n += 1,
                None => counts.push((class, 1)),
            }
        }
    }
    counts
        .into_iter()
        .map(|(class, n)| CompletionItem {
            label: class.to_string(),
            insert: render_attr_name(&class),
            replace,
            kind: CompletionKind::Class,
            detail: Some(format!("class · {n} aspect{}", if n == 1 { "" } else { "s" })),
            aspect: None,
        })
        .collect()
}

/// The next name of every collection the workspace defines aspects in whose path continues the
/// one at the cursor: `modules` and `nixosModules` after `config.flake.`.
fn collection_items(ws: &Graph, path: &[SmolStr], replace: TextRange) -> Vec<CompletionItem> {
    let Some((_, before)) = path.split_last() else { return Vec::new() };
    let mut counts: Vec<(SmolStr, usize)> = Vec::new();
    for (scope, n) in ws.defined_scopes() {
        let segments: Vec<&str> = scope.collection.split('.').collect();
        let continues = segments.len() > before.len() && segments.iter().zip(before).all(|(s, b)| *s == b.as_str());
        if !continues {
            continue;
        }
        let next = SmolStr::new(segments[before.len()]);
        match counts.iter_mut().find(|(name, _)| *name == next) {
            Some((_, total)) => *total += n,
            None => counts.push((next, n)),
        }
    }
    counts
        .into_iter()
        .map(|(name, n)| CompletionItem {
            label: name.to_string(),
            insert: render_attr_name(&name),
            replace,
            kind: CompletionKind::Collection,
            detail: Some(format!("collection · {n} aspect{}", if n == 1 { "" } else { "s" })),
            aspect: None,
        })
        .collect()
}

/// Where an aspect offered by completion is defined, as markdown: its definition sites (the
/// aspect it mirrors included), a few, then how many more. `None` where it is defined nowhere.
pub(crate) fn resolve(ws: &Graph, key: &AspectKey) -> Option<String> {
    const SHOWN: usize = 8;
    let targets = super::goto_definition::aspect_targets(ws, key);
    if targets.is_empty() {
        return None;
    }
    let mut lines = vec![format!("`{key}` is defined in")];
    for t in targets.iter().take(SHOWN) {
        lines.push(format!("- `{}` line {}", ws.path(t.file), ws.line_number(t.file, t.focus_range.start())));
    }
    if targets.len() > SHOWN {
        lines.push(format!("- … and {} more", targets.len() - SHOWN));
    }
    Some(lines.join("\n"))
}

/// Names bound around the cursor, innermost first.
fn local_completions(names: &NameTable, offset: TextSize, replace: TextRange) -> Vec<CompletionItem> {
    let mut visible: Vec<(TextRange, SmolStr)> = names
        .bindings
        .iter()
        .filter(|b| b.scope.text_range().contains(offset) && b.name != PLACEHOLDER)
        .map(|b| (b.scope.text_range(), b.name.clone()))
        .collect();
    visible.sort_by_key(|(scope, _)| std::cmp::Reverse(scope.start()));
    let mut seen = FxHashSet::default();
    visible
        .into_iter()
        .filter(|(_, name)| seen.insert(name.clone()))
        .map(|(_, name)| CompletionItem {
            label: name.to_string(),
            insert: name.to_string(),
            replace,
            kind: CompletionKind::Local,
            detail: None,
            aspect: None,
        })
        .collect()
}

/// The current file as typed, read against the workspace's collections: the workspace may hold
/// an older, broken reading of it (rnix's recovery drops what follows a trailing dot).
struct TypedFile {
    file: crate::base::FileId,
    /// The aspects it defines, and the classes each contributes to here.
    defines: Vec<(AspectKey, Vec<SmolStr>)>,
}

impl TypedFile {
    fn read(file: crate::base::FileId, resolved: &Resolved, prefix: &str) -> TypedFile {
        let mut defines: Vec<(AspectKey, Vec<SmolStr>)> = Vec::new();
        for d in resolved.definitions.iter().filter(|d| d.key.name != PLACEHOLDER) {
            // The name being typed is not a candidate for itself.
            if !prefix.is_empty() && d.key.name == prefix {
                continue;
            }
            let mut classes: Vec<SmolStr> = d.key.class.iter().cloned().collect();
            classes.extend(resolved.contributions.iter().filter(|c| c.key == d.key).map(|c| c.class.clone()));
            defines.push((d.key.clone(), classes));
        }
        TypedFile { file, defines }
    }

    /// Every class `key`'s name contributes to, with its number of files, this file as typed.
    fn classes_of_name(&self, ws: &Graph, key: &AspectKey) -> Vec<(SmolStr, usize)> {
        let mut files = ws.class_files_of_name(key);
        for (_, in_files) in &mut files {
            in_files.retain(|f| *f != self.file);
        }
        let same_name = self.defines.iter().filter(|(k, _)| k.collection == key.collection && k.name == key.name);
        for class in same_name.flat_map(|(_, classes)| classes) {
            crate::graph::queries::add_class_file(&mut files, class, self.file);
        }
        let mut counts: Vec<(SmolStr, usize)> =
            files.into_iter().filter(|(_, f)| !f.is_empty()).map(|(c, f)| (c, f.len())).collect();
        counts.sort();
        counts
    }
}

/// Keeps the items that match what is typed, aspects and classes first, and caps the list.
fn finish(items: Vec<CompletionItem>, prefix: &str, rooted_first: bool) -> CompletionList {
    let prefix = prefix.to_lowercase();
    let mut seen = FxHashSet::default();
    let mut matching: Vec<CompletionItem> = items
        .into_iter()
        .filter(|item| subsequence(&prefix, &item.label.to_lowercase()))
        .filter(|item| seen.insert((item.label.clone(), item.kind)))
        .collect();
    if rooted_first {
        matching.sort_by_key(|item| (item.kind == CompletionKind::Local, item.label.clone()));
    }
    let incomplete = matching.len() > LIMIT;
    matching.truncate(LIMIT);
    CompletionList { items: matching, incomplete }
}

fn subsequence(needle: &str, haystack: &str) -> bool {
    let mut chars = haystack.chars();
    needle.chars().all(|n| chars.any(|h| h == n))
}

#[cfg(test)]
mod tests;
