//! Rename an aspect across the workspace, or a local name within its scope.
//!
//! An aspect is a name that contributes to one or more classes of a collection, so renaming
//! `flake.modules.nixos.ssh` renames `ssh` in every class of `flake.modules`: every definition
//! site and every static reference, whatever its form. Where a name is spelled is decided by how
//! the summary read it: a plain or quoted key is replaced in place (quoted when the new name is not
//! an identifier), a name folded from a `let` string replaces that string, a bare name in a `with`
//! list that cannot stay bare becomes a full select, and `inherit (e) x;` becomes `x = e.<new>;`
//! so the inherited local name stays valid.

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;

use super::FilePosition;
use super::symbol_at::{Symbol, symbol_at};
pub(crate) use crate::base::fix::{FileEdit, TextEdit};
use crate::base::text::TextRange;
use crate::base::{AspectKey, FileId, Site};
use crate::graph::resolve::Target;
use crate::graph::store::Graph;
use crate::summary::{Name, NameOrigin, RefForm};
use crate::syntax::names::{BindingKind, BindingValue, NameTable, Resolution};
use crate::syntax::{SyntaxNode, first_child, is_plain_identifier, nth_expr, render_attr_name, trimmed_range};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub edits: Vec<FileEdit>,
    /// What the edit cannot follow (dynamic references, names built from a file's name), for the
    /// user to review.
    pub notes: Vec<String>,
    /// Where the aspect was renamed, when that is more than one class of its family: the classes
    /// (`nixos`, `homeManager`), with their collections where the family spans several
    /// (``nixos (`flake.nixosModules`)``). For the message that says so.
    pub classes: Vec<String>,
}

impl Rename {
    /// What to tell the user besides applying the edit: where a renamed aspect was renamed when
    /// that is several classes, then the notes. Empty when there is nothing to say.
    pub fn messages(&self) -> Vec<String> {
        let mut messages = Vec::new();
        if !self.classes.is_empty() {
            messages.push(format!("renamed in {} classes: {}", self.classes.len(), self.classes.join(", ")));
        }
        messages.extend(self.notes.iter().cloned());
        messages
    }
}

/// The range a rename at `pos` replaces and the current name, or why nothing can be renamed.
pub(crate) fn prepare_rename(ws: &Graph, pos: FilePosition) -> Result<(TextRange, String), String> {
    match symbol_at(ws, pos) {
        Some(Symbol::Aspect { key, range, .. }) => {
            if let Some(name) = name_at(ws, pos.file, range)
                && matches!(name.origin, NameOrigin::FileName | NameOrigin::Implicit)
            {
                return Err(format!(
                    "`{}` is not written here (it comes from {}); rename it at its source",
                    key.name,
                    origin_source(&name)
                ));
            }
            unwritten_name(ws, &ws.family(&key))?;
            Ok((range, key.name.to_string()))
        }
        Some(Symbol::Local { name, range, binding }) => {
            local_binding(ws, pos.file, binding)?;
            Ok((range, name.to_string()))
        }
        Some(Symbol::Class { .. }) => Err("classes cannot be renamed".to_string()),
        Some(Symbol::Host { .. }) | Some(Symbol::Path { .. }) | None => Err("nothing to rename here".to_string()),
    }
}

pub(crate) fn rename(ws: &Graph, pos: FilePosition, new_name: &str) -> Result<Rename, String> {
    if new_name.is_empty() {
        return Err("the new name is empty".to_string());
    }
    match symbol_at(ws, pos) {
        Some(Symbol::Aspect { key, .. }) => rename_aspect(ws, &key, new_name),
        Some(Symbol::Local { binding, .. }) => rename_local(ws, pos.file, binding, new_name),
        _ => Err("nothing to rename here".to_string()),
    }
}

/// The definition or reference name at `range` in `file`.
fn name_at(ws: &Graph, file: FileId, range: TextRange) -> Option<Name> {
    let resolved = &ws.data(file).resolved;
    let defined = resolved.definitions.iter().map(|d| &d.name);
    let referenced = resolved.refs.iter().filter_map(|r| match &r.target {
        Target::Aspect { name, .. } => Some(name),
        _ => None,
    });
    defined.chain(referenced).find(|n| n.range == range || literal_of(n) == Some(range)).cloned()
}

fn literal_of(name: &Name) -> Option<TextRange> {
    match name.origin {
        NameOrigin::Constant { literal } | NameOrigin::Listed { literal } => Some(literal),
        _ => None,
    }
}

fn origin_source(name: &Name) -> &'static str {
    match name.origin {
        NameOrigin::FileName => "the file's name",
        _ => "an expression canopy does not rewrite",
    }
}

fn rename_aspect(ws: &Graph, key: &AspectKey, new_name: &str) -> Result<Rename, String> {
    if new_name == key.name {
        return Ok(Rename { edits: Vec::new(), notes: Vec::new(), classes: Vec::new() });
    }
    let keys = ws.family(key);
    unwritten_name(ws, &keys)?;
    for k in &keys {
        let target = AspectKey { name: new_name.into(), ..k.clone() };
        if ws.is_defined(&target) {
            return Err(format!("`{target}` already exists: renaming `{k}` would merge the two aspects"));
        }
    }
    let mut edits = Edits::default();
    let mut notes = Vec::new();
    let mut parsed: FxHashMap<FileId, (SyntaxNode, NameTable)> = FxHashMap::default();
    for k in &keys {
        for site in ws.definitions(k) {
            let Some(name) = name_at(ws, site.file, site.range) else { continue };
            name_edit(ws, site.file, &name, new_name, &mut edits, &mut notes);
        }
        for site in ws.references(k) {
            let data = ws.data(site.file);
            let Some(reference) = data.resolved.refs.iter().find_map(|r| match &r.target {
                Target::Aspect { key: rk, name, .. } if rk == k && name.range == site.range => {
                    Some((&data.summary.refs[r.index], name))
                }
                _ => None,
            }) else {
                continue;
            };
            let (reference, name) = reference;
            let needs_tree =
                matches!(reference.form, RefForm::Inherit | RefForm::With) && name.origin != NameOrigin::Quoted;
            if needs_tree && (reference.form == RefForm::Inherit || !is_plain_identifier(new_name)) {
                let (root, names) = parsed.entry(site.file).or_insert_with(|| parse(ws, site.file));
                match reference.form {
                    RefForm::Inherit => {
                        inherit_edit(ws.text(site.file), root, name.range, new_name, site.file, &mut edits)
                    }
                    _ => with_edit(ws.text(site.file), root, names, name.range, new_name, site.file, &mut edits),
                }
            } else {
                name_edit(ws, site.file, name, new_name, &mut edits, &mut notes);
            }
        }
    }
    notes.extend(dynamic_notes(ws, key));
    notes.extend(constant_notes(ws, &keys, new_name, &mut parsed));
    for (host, _) in
        ws.hosts().iter().flat_map(|h| h.aspects.iter().map(move |a| (h, a))).filter(|(_, a)| keys.contains(a))
    {
        if host.key.kind == "den.hosts" {
            notes.push(format!("den host `{}` gets `{}` by name; rename the host as well", host.key.name, key.name));
        }
    }
    notes.sort();
    notes.dedup();
    Ok(Rename { edits: edits.finish()?, notes, classes: places(&keys) })
}

/// The classes, or collections, a family's keys stand in, when more than one.
fn places(keys: &[AspectKey]) -> Vec<String> {
    let one_collection = keys.iter().all(|k| k.collection == keys[0].collection);
    let mut places: Vec<String> = keys
        .iter()
        .map(|k| match (&k.class, one_collection) {
            (Some(class), true) => class.to_string(),
            (Some(class), false) => format!("{class} (`{}`)", k.collection),
            (None, _) => k.collection.to_string(),
        })
        .collect();
    places.sort();
    places.dedup();
    if places.len() > 1 { places } else { Vec::new() }
}

/// Refuses a rename that could not edit every definition and static reference: one left with the
/// old name (taken from a file's name, say) would leave the others undefined.
fn unwritten_name(ws: &Graph, keys: &[AspectKey]) -> Result<(), String> {
    for (k, site, name) in written_names(ws, keys) {
        if matches!(name.origin, NameOrigin::FileName | NameOrigin::Implicit) {
            return Err(format!(
                "`{}` at {}:{} comes from {}, which a rename cannot change; rename it there first",
                k.name,
                ws.path(site.file),
                ws.line_number(site.file, site.range.start()),
                origin_source(&name)
            ));
        }
    }
    Ok(())
}

/// Every definition and static reference of `keys`, with its name as the summary read it.
fn written_names<'a>(ws: &'a Graph, keys: &'a [AspectKey]) -> impl Iterator<Item = (&'a AspectKey, Site, Name)> {
    keys.iter().flat_map(move |k| {
        let sites = ws.definitions(k).into_iter().chain(ws.references(k));
        sites.filter_map(move |site| Some((k, site, name_at(ws, site.file, site.range)?)))
    })
}

/// Replaces one written name.
fn name_edit(ws: &Graph, file: FileId, name: &Name, new_name: &str, edits: &mut Edits, notes: &mut Vec<String>) {
    match name.origin {
        NameOrigin::Ident | NameOrigin::Quoted => edits.push(file, name.range, render_attr_name(new_name)),
        NameOrigin::Constant { literal } | NameOrigin::Listed { literal } => {
            edits.push(file, literal, string_literal(new_name));
        }
        NameOrigin::FileName | NameOrigin::Implicit => {
            let line = ws.line_number(file, name.range.start());
            notes.push(format!(
                "{}:{line}: `{}` comes from {} and was not renamed",
                ws.path(file),
                name.text,
                origin_source(name)
            ));
        }
    }
}

fn string_literal(name: &str) -> String {
    let quoted = render_attr_name(name);
    if quoted.starts_with('"') { quoted } else { format!("\"{name}\"") }
}

/// `inherit (e) a b;` → `inherit (e) b; a = e.<new>;`, keeping the local or attribute name `a`.
fn inherit_edit(text: &str, root: &SyntaxNode, attr: TextRange, new_name: &str, file: FileId, edits: &mut Edits) {
    let Some(inherit) =
        root.descendants().filter(|n| n.kind() == NODE_INHERIT).find(|n| n.children().any(|c| c.text_range() == attr))
    else {
        return;
    };
    let Some(from) = first_child(&inherit, NODE_INHERIT_FROM).and_then(|f| nth_expr(&f, 0)) else { return };
    let from_text = &text[trimmed_range(&from)];
    let attrs: Vec<SyntaxNode> = inherit.children().filter(|c| c.kind() != NODE_INHERIT_FROM).collect();
    let local = &text[attr];
    let binding = format!("{local} = {from_text}.{};", render_attr_name(new_name));
    let whole = trimmed_range(&inherit);
    if attrs.len() == 1 {
        edits.push(file, whole, binding);
    } else {
        // Drop the name (and the space before it), and bind it anew after the inherit.
        let start = attrs
            .iter()
            .position(|a| a.text_range() == attr)
            .and_then(|i| i.checked_sub(1).map(|p| attrs[p].text_range().end()))
            .unwrap_or(attr.start());
        let end = if start == attr.start() {
            attrs.iter().find(|a| a.text_range().start() > attr.start()).map_or(attr.end(), |a| a.text_range().start())
        } else {
            attr.end()
        };
        edits.push(file, TextRange::new(start, end), String::new());
        edits.push(file, TextRange::empty(whole.end()), format!(" {binding}"));
    }
}

/// A bare name in a `with` list whose new name is not an identifier: write the full select.
fn with_edit(
    text: &str,
    root: &SyntaxNode,
    names: &NameTable,
    range: TextRange,
    new_name: &str,
    file: FileId,
    edits: &mut Edits,
) {
    let namespace = match names.resolution_at(range.start()) {
        Some(Resolution::With(id)) => names.with_scope(id).node.try_to_node(root).and_then(|w| nth_expr(&w, 0)),
        _ => None,
    };
    let Some(namespace) = namespace else { return };
    let ns = &text[trimmed_range(&namespace)];
    let needs_parens = !matches!(namespace.kind(), NODE_IDENT | NODE_SELECT);
    let base = if needs_parens { format!("({ns})") } else { ns.to_string() };
    edits.push(file, range, format!("{base}.{}", render_attr_name(new_name)));
}

/// References that name the aspect's class through an expression (`.${name}`): they may mean it.
fn dynamic_notes(ws: &Graph, key: &AspectKey) -> Vec<String> {
    let mut notes = Vec::new();
    for file in ws.files() {
        let data = ws.data(file);
        for r in &data.resolved.refs {
            let reference = &data.summary.refs[r.index];
            let Target::Scope(scope) = &r.target else { continue };
            if !reference.dynamic_tail || scope.collection != key.collection {
                continue;
            }
            if scope.class.is_some() && key.class.is_some() && scope.class != key.class {
                continue;
            }
            let text = ws.text(file);
            let line = ws.line_number(file, reference.range.start());
            notes.push(format!(
                "{}:{line}: `{}` may name `{}` at evaluation time and was not renamed",
                ws.path(file),
                &text[reference.range],
                key.name
            ));
        }
    }
    notes
}

fn parse(ws: &Graph, file: FileId) -> (SyntaxNode, NameTable) {
    let parse = ws.tree(file);
    crate::base::stack::with_stack(|| {
        let root = parse.root();
        let names = NameTable::build(&root);
        (root, names)
    })
}

/// A name folded from a `let` string is renamed by rewriting that string, which every other
/// reader of the `let` name sees too (`description = "${user}'s desktop"`): each such reader is
/// named, for the user to review.
fn constant_notes(
    ws: &Graph,
    keys: &[AspectKey],
    new_name: &str,
    parsed: &mut FxHashMap<FileId, (SyntaxNode, NameTable)>,
) -> Vec<String> {
    // For each rewritten string: the sites whose name it spells.
    let mut constants: FxHashMap<(FileId, TextRange), Vec<TextRange>> = FxHashMap::default();
    for (_, site, name) in written_names(ws, keys) {
        if let NameOrigin::Constant { literal } = name.origin {
            constants.entry((site.file, literal)).or_default().push(name.range);
        }
    }
    let mut notes = Vec::new();
    for ((file, literal), sites) in constants {
        let (root, names) = parsed.entry(file).or_insert_with(|| parse(ws, file));
        // The innermost binding whose value holds the string.
        let holder = names
            .bindings
            .iter()
            .enumerate()
            .filter_map(|(i, b)| match &b.value {
                BindingValue::Expr(value) if value.text_range().contains_range(literal) => {
                    Some((i, value.text_range()))
                }
                _ => None,
            })
            .min_by_key(|(_, value)| value.len());
        let Some((id, _)) = holder else { continue };
        let id = crate::syntax::names::BindingId(id as u32);
        for (reader, range) in readers(root, names, id, literal) {
            if sites.iter().any(|s| s.contains_range(range)) {
                continue;
            }
            notes.push(format!(
                "{}:{}: `{}` holds the aspect's name and is read here too, which now reads `{new_name}`",
                ws.path(file),
                ws.line_number(file, range.start()),
                names.binding(reader).name
            ));
        }
    }
    notes
}

/// The names that read the string at `literal` through `holder`, and where. When the string is
/// one field of the set `holder` is bound to (`info = { name = "box"; system = ...; }`), a use
/// that selects another field (`info.system`) reads something else, and `inherit (info) name;`
/// reads it through the inherited `name`; any other use may read the whole set.
fn readers(
    root: &SyntaxNode,
    names: &NameTable,
    holder: crate::syntax::names::BindingId,
    literal: TextRange,
) -> Vec<(crate::syntax::names::BindingId, TextRange)> {
    let Some(field) = holder_field(root, names, holder, literal) else {
        return names.uses_of(holder).map(|u| (holder, u.range)).collect();
    };
    let mut out = Vec::new();
    for u in names.uses_of(holder) {
        let ident = match root.covering_element(u.range) {
            rowan::NodeOrToken::Node(node) => Some(node),
            rowan::NodeOrToken::Token(token) => token.parent(),
        };
        let parent = ident.as_ref().filter(|i| i.kind() == NODE_IDENT).and_then(|i| i.parent());
        match parent {
            Some(select) if select.kind() == NODE_SELECT && nth_expr(&select, 0) == ident => {
                let first = first_child(&select, NODE_ATTRPATH).and_then(|p| p.children().next());
                match first.as_ref().and_then(crate::syntax::static_attr) {
                    Some(name) if name.text != field => {}
                    _ => out.push((holder, u.range)),
                }
            }
            Some(from) if from.kind() == NODE_INHERIT_FROM => {
                let attrs = from.parent().into_iter().flat_map(|inherit| inherit.children());
                for attr in attrs.filter(|a| crate::syntax::static_attr(a).is_some_and(|n| n.text == field)) {
                    if let Some(inherited) = names.binding_at(attr.text_range()) {
                        out.extend(names.uses_of(inherited).map(|u| (inherited, u.range)));
                    }
                }
            }
            _ => out.push((holder, u.range)),
        }
    }
    out
}

/// The field of the set literal `holder` is bound to whose value holds `literal`, if it is one.
fn holder_field(
    root: &SyntaxNode,
    names: &NameTable,
    holder: crate::syntax::names::BindingId,
    literal: TextRange,
) -> Option<smol_str::SmolStr> {
    let BindingValue::Expr(value) = &names.binding(holder).value else { return None };
    let set = crate::syntax::unparen(value.try_to_node(root)?);
    if set.kind() != NODE_ATTR_SET {
        return None;
    }
    let entry = set
        .children()
        .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
        .find(|e| nth_expr(e, 0).is_some_and(|v| v.text_range().contains_range(literal)))?;
    let first = first_child(&entry, NODE_ATTRPATH)?.children().next()?;
    Some(crate::syntax::static_attr(&first)?.text)
}

/// The local binding at `binding`, if it can be renamed.
fn local_binding(ws: &Graph, file: FileId, binding: TextRange) -> Result<(), String> {
    let (_, names) = parse(ws, file);
    let id = names.binding_at(binding).ok_or("nothing to rename here")?;
    match names.binding(id).value {
        // `inherit x;` binds and reads the same token: renaming one renames the other.
        BindingValue::Inherit { .. } => Err("a name bound by `inherit` is renamed where it comes from".to_string()),
        _ => Ok(()),
    }
}

fn rename_local(ws: &Graph, file: FileId, binding: TextRange, new_name: &str) -> Result<Rename, String> {
    if !is_plain_identifier(new_name) {
        return Err(format!("`{new_name}` is not a valid Nix identifier"));
    }
    local_binding(ws, file, binding)?;
    let (_, names) = parse(ws, file);
    let id = names.binding_at(binding).ok_or("nothing to rename here")?;
    let b = names.binding(id);
    if names.bindings.iter().any(|other| other.scope == b.scope && other.name == new_name) {
        return Err(format!("`{new_name}` is already bound in this scope"));
    }
    let mut edits = Edits::default();
    edits.push(file, b.range, new_name.to_string());
    for u in names.uses_of(id) {
        edits.push(file, u.range, new_name.to_string());
    }
    // A formal of the module's lambda renamed: `{ config, ... }` keeps working only if callers
    // pass the new name, which the module system does not. Say so.
    let mut notes = Vec::new();
    if b.kind == BindingKind::Formal {
        notes.push(format!("`{}` is a function argument: callers must now pass `{new_name}`", b.name));
    }
    Ok(Rename { edits: edits.finish()?, notes, classes: Vec::new() })
}

#[derive(Default)]
struct Edits {
    by_file: FxHashMap<FileId, Vec<TextEdit>>,
}

impl Edits {
    fn push(&mut self, file: FileId, range: TextRange, new_text: String) {
        self.by_file.entry(file).or_default().push(TextEdit { range, new_text });
    }

    /// Sorted, deduplicated edits per file; overlapping edits are a bug, never sent.
    fn finish(self) -> Result<Vec<FileEdit>, String> {
        let mut out = Vec::new();
        for (file, mut edits) in self.by_file {
            edits.sort_by_key(|e| (e.range.start(), e.range.end()));
            edits.dedup();
            for pair in edits.windows(2) {
                if pair[0].range.end() > pair[1].range.start()
                    || (pair[0].range == pair[1].range && pair[0].new_text != pair[1].new_text)
                {
                    return Err(
                        "this rename would produce overlapping edits; rename the definitions one at a time".to_string()
                    );
                }
            }
            out.push(FileEdit { file, edits });
        }
        out.sort_by_key(|f| f.file);
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
