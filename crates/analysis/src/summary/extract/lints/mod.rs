//! The module walk: every module of the file (the top-level module, a module function stored in
//! its configuration, an inline module of an `imports` list or of a builder's `modules`), each
//! with its place, read for what `summary/lints.rs` records.
//!
//! A module's definitions are followed through attrsets, dotted paths, its `config` section,
//! `let`, `with`, `//`, `mkMerge` and `mkIf`; a value of any other shape is read only for what
//! it forces (`strict.rs`). Each syntax node is visited once, so the walk costs the file's size.

mod marks;
mod secrets;
mod strict;

use rnix::SyntaxKind::*;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

use self::marks::Marks;
use self::strict::{Force, Spine};
use super::read::{first_attr_name, flatten_apply, function_name, is_flake};
use crate::base::fix::TextEdit;
use crate::base::text::TextRange;
use crate::dendritic::{contexts, flake_parts};
use crate::summary::ConfigNode;
use crate::summary::lints::{Base, Lint, Place};
use crate::syntax::names::NameTable;
use crate::syntax::{self, SyntaxNode, first_child, nth_expr, static_attr, unparen};

/// The lints of a file, `file_name` its name (a `flake.nix` holds its module in `mkFlake`'s
/// call), `nodes` the configuration tree the extractor built of it (`marks.rs`).
pub(super) fn lints(
    file_name: Option<&str>,
    text: &str,
    root: &SyntaxNode,
    names: &NameTable,
    nodes: &[ConfigNode],
) -> Vec<Lint> {
    let marks = Marks::new(text, names, nodes);
    let Some(expr) = nth_expr(root, 0) else { return Vec::new() };
    let top = Place { base: Base::TopLevel, path: Vec::new(), listed: false };
    let mut walk = Walk {
        names,
        out: Vec::new(),
        depth: 0,
        base: Base::TopLevel,
        path: Vec::new(),
        frame: Frame::new(top.clone(), 0),
        marks,
    };
    if file_name == Some("flake.nix") && is_flake(&expr) {
        for module in mk_flake_modules(&expr) {
            walk.module(&module, top.clone());
        }
    } else {
        walk.module(&expr, top);
    }
    let mut out = walk.out;
    // A value walked twice (both sides of `//` at one path) reports once.
    out.sort_by_key(|lint| {
        let range = range_of(lint);
        (range.start(), range.end())
    });
    out.dedup();
    out
}

/// The modules a `flake.nix` gives `mkFlake`.
fn mk_flake_modules(expr: &SyntaxNode) -> Vec<SyntaxNode> {
    let calls = expr.descendants().filter(|n| n.kind() == NODE_APPLY).map(|apply| flatten_apply(&apply));
    calls
        .filter(|(function, args)| function_name(function).as_deref() == Some(flake_parts::MK_FLAKE) && args.len() == 2)
        .map(|(_, args)| args[1].clone())
        .collect()
}

fn range_of(lint: &Lint) -> TextRange {
    match lint {
        Lint::ClosedPattern { pattern, .. } => *pattern,
        Lint::SelfReference { read, .. } | Lint::ImportsReadConfig { read, .. } => *read,
        Lint::PlaintextSecret { value, .. } => *value,
    }
}

/// Arguments every module is called with, whatever the evaluation (nixpkgs `lib/modules.nix`,
/// `evalModules`: `collectModules` is given `{ inherit lib options config specialArgs; ... }`,
/// and `applyModuleArgs` calls a module with all of them, `f (args // extraArgs)`; `config`,
/// `options` and `lib` have been among them in every version).
const ALWAYS_PASSED: &[&str] = &["config", "options", "lib"];

/// How long a configuration path is followed for its definitions.
const MAX_PATH: usize = 64;

/// The module being walked.
struct Frame {
    place: Place,
    /// Where its configuration starts in the walk's path.
    root: usize,
    /// The lambda whose `config` argument is the module's own configuration.
    lambda: Option<TextRange>,
    /// Paths of that `config` that conditions around the walk read (`mkIf c { ... }` makes `c`
    /// part of every definition inside), each with the read and how many conditions hold it.
    conditions: FxHashMap<Vec<SmolStr>, (TextRange, u32)>,
    /// How many conditions or priority wrappers (`mkDefault`) lie around the walk in this
    /// module: a definition there may never be evaluated.
    doubtful: u32,
}

impl Frame {
    fn new(place: Place, root: usize) -> Frame {
        Frame { place, root, lambda: None, conditions: FxHashMap::default(), doubtful: 0 }
    }
}

struct Walk<'a> {
    names: &'a NameTable,
    out: Vec<Lint>,
    depth: u32,
    base: Base,
    /// The configuration path walked, from the base's root.
    path: Vec<SmolStr>,
    frame: Frame,
    marks: Marks,
}

impl Walk<'_> {
    /// Whether `node` reads a function's `config` anywhere.
    fn reads_config(&self, node: &SyntaxNode) -> bool {
        self.marks.reads_config(node.text_range())
    }

    /// Whether an entry of an attrset may hold anything the walk finds: its names and value
    /// hold a mark, or a condition around it may read one of its paths.
    fn worth_a_look(&self, entry: &SyntaxNode) -> bool {
        entry.kind() == NODE_ATTRPATH_VALUE
            && (!self.frame.conditions.is_empty() || self.marks.worth_a_look(entry.text_range()))
    }

    fn deeper(&mut self) -> bool {
        if self.depth >= syntax::MAX_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    /// A module at `place`, whose configuration starts at the current path.
    fn module(&mut self, expr: &SyntaxNode, place: Place) {
        let expr = unparen(expr.clone());
        let frame = Frame::new(place, self.path.len());
        let saved = std::mem::replace(&mut self.frame, frame);
        if expr.kind() == NODE_LAMBDA {
            self.closed_pattern(&expr);
            let takes_config = syntax::first_child(&expr, NODE_PATTERN)
                .is_some_and(|p| pattern_names(&p).iter().any(|n| n == "config"));
            self.frame.lambda = takes_config.then(|| expr.text_range());
            if let Some(body) = syntax::expr_children(&expr).last() {
                self.module_root(&body);
            }
        } else {
            self.module_root(&expr);
        }
        self.frame = saved;
    }

    /// A module function's pattern with no `...` that lacks an argument every module is given.
    fn closed_pattern(&mut self, lambda: &SyntaxNode) {
        let Some(pattern) = first_child(lambda, NODE_PATTERN) else { return };
        if pattern.children_with_tokens().any(|e| e.kind() == TOKEN_ELLIPSIS) {
            return;
        }
        let names = pattern_names(&pattern);
        let Some(missing) = ALWAYS_PASSED.iter().find(|n| !names.iter().any(|name| name == *n)) else { return };
        let Some(fix) = ellipsis_edit(&pattern) else { return };
        let place = self.frame.place.clone();
        self.out.push(Lint::ClosedPattern {
            place,
            pattern: pattern.text_range(),
            missing: SmolStr::new(missing),
            fix,
        });
    }

    /// What a module evaluates to, at its root.
    fn module_root(&mut self, expr: &SyntaxNode) {
        if !self.deeper() {
            return;
        }
        let expr = unparen(expr.clone());
        match expr.kind() {
            NODE_ATTR_SET => self.module_body(&expr),
            NODE_LET_IN | NODE_WITH | NODE_ASSERT => {
                if let Some(body) = syntax::expr_children(&expr).last() {
                    self.module_root(&body);
                }
            }
            NODE_BIN_OP if syntax::bin_op(&expr) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&expr) {
                    self.module_root(&side);
                }
            }
            // A function returning a function is no module the module system can call.
            NODE_LAMBDA => {}
            // `lib.mkMerge [ ... ]`, `lib.mkIf c { ... }`: definitions, pushed down to each
            // option (an `imports` inside is an option named so, no import).
            _ => self.config_value(&expr),
        }
        self.depth -= 1;
    }

    /// The attrset of a module: its `imports`, its `config` section, its definitions.
    fn module_body(&mut self, set: &SyntaxNode) {
        let full_form = set
            .children()
            .filter(|e| e.kind() == NODE_ATTRPATH_VALUE)
            .any(|entry| first_attr_name(&entry).is_some_and(|n| n.text == "config" || n.text == "options"));
        for entry in set.children() {
            if !self.worth_a_look(&entry) {
                continue;
            }
            let Some((path, value)) = entry_parts(&entry) else { continue };
            let Some(first) = path.first_child() else { continue };
            let Some(name) = static_attr(&first) else { continue };
            match name.text.as_str() {
                "imports" if first.next_sibling().is_none() => self.imports(&value),
                "options" => {}
                "config" if full_form => self.config_path(path.children().skip(1), &value),
                key if flake_parts::MODULE_SYSTEM_KEYS.contains(&key) => {}
                _ => self.config_path(path.children(), &value),
            }
        }
    }

    /// A module's own `imports`: resolved before its `config` exists, so reading that `config`
    /// there makes evaluation wait on itself (nixpkgs `lib/modules.nix`: "if you get an infinite
    /// recursion here, you probably reference `config` in `imports`").
    fn imports(&mut self, value: &SyntaxNode) {
        if let Some(lambda) = self.frame.lambda
            && self.path.len() == self.frame.root
            && self.reads_config(value)
        {
            for read in strict::reads(value, Spine::Imports, lambda, self.names) {
                self.out.push(Lint::ImportsReadConfig { module: self.frame.place.clone(), read: read.range });
            }
        }
        self.path.push(SmolStr::new_static("imports"));
        self.config_value(value);
        self.path.pop();
    }

    /// `a.b.c = value;` at the current path.
    fn config_path(&mut self, attrs: impl Iterator<Item = SyntaxNode>, value: &SyntaxNode) {
        let depth = self.path.len();
        for (i, attr) in attrs.enumerate() {
            // `a.b.c = x;` defines `a` and `a.b` as `a = { b = { c = x; }; }` does.
            if i > 0 {
                self.conditions_read_here();
            }
            match static_attr(&attr) {
                Some(name) if self.path.len() < MAX_PATH => self.path.push(name.text),
                // A name known only at evaluation: what lies below is at no known place.
                _ => {
                    self.path.truncate(depth);
                    return;
                }
            }
        }
        self.config_value(value);
        self.path.truncate(depth);
    }

    /// A definition at the current path.
    fn config_value(&mut self, value: &SyntaxNode) {
        if !self.deeper() {
            return;
        }
        let value = unparen(value.clone());
        self.conditions_read_here();
        // A string's secret is told by the name above it (`password = lib.mkForce "x"`); anything
        // else, by what it holds.
        let skip = self.frame.conditions.is_empty()
            && !self.marks.worth_a_look(value.text_range())
            && !self.path.last().is_some_and(|key| secrets::names_secret(key));
        match value.kind() {
            _ if skip => {}
            NODE_ATTR_SET => {
                for entry in value.children() {
                    if !self.worth_a_look(&entry) {
                        continue;
                    }
                    if let Some((path, v)) = entry_parts(&entry) {
                        self.config_path(path.children(), &v);
                    }
                }
            }
            NODE_LAMBDA => {
                let place = Place { base: self.base, path: self.path.clone(), listed: false };
                self.module(&value, place);
            }
            NODE_LET_IN | NODE_WITH => {
                if let Some(body) = syntax::expr_children(&value).last() {
                    self.config_value(&body);
                }
            }
            NODE_BIN_OP if syntax::bin_op(&value) == Some(TOKEN_UPDATE) => {
                for side in syntax::expr_children(&value) {
                    self.config_value(&side);
                }
            }
            NODE_IF_ELSE => {
                let mut parts = syntax::expr_children(&value);
                let held = parts.next().map(|condition| self.hold_condition(&condition)).unwrap_or_default();
                self.frame.doubtful += 1;
                for branch in parts {
                    self.config_value(&branch);
                }
                self.frame.doubtful -= 1;
                self.release_conditions(held);
            }
            NODE_APPLY => self.config_apply(&value),
            NODE_LIST if self.path.last().is_some_and(|key| contexts::is_module_list_key(key)) => {
                let joins = self.path.last().is_some_and(|key| key == "imports");
                let owner = self.path.len() - usize::from(joins);
                self.module_list(&value, owner, joins);
            }
            NODE_STRING => {
                self.secret(&value);
                self.self_reference(&value);
            }
            _ => self.self_reference(&value),
        }
        self.depth -= 1;
    }

    fn config_apply(&mut self, value: &SyntaxNode) {
        let (function, args) = flatten_apply(value);
        let name = function_name(&function).unwrap_or_default();
        match (name.as_str(), args.as_slice()) {
            ("mkMerge", [list]) if unparen(list.clone()).kind() == NODE_LIST => {
                for item in syntax::expr_children(&unparen(list.clone())) {
                    self.config_value(&item);
                }
            }
            ("mkIf" | "optionalAttrs", [condition, content]) => {
                let held = self.hold_condition(condition);
                self.frame.doubtful += 1;
                self.config_value(content);
                self.frame.doubtful -= 1;
                self.release_conditions(held);
            }
            // `mkDefault x` loses to any definition of higher priority, and is then never read.
            (name, [.., content]) if contexts::is_transparent_modifier(name) => {
                self.frame.doubtful += 1;
                self.config_value(content);
                self.frame.doubtful -= 1;
            }
            (name, _) if contexts::builder(name).is_some() => {
                for arg in &args {
                    self.builder_argument(arg);
                }
            }
            _ => self.self_reference(value),
        }
    }

    /// `lib.nixosSystem { modules = [ ... ]; }`: modules of an evaluation of their own.
    fn builder_argument(&mut self, arg: &SyntaxNode) {
        let set = unparen(arg.clone());
        if set.kind() != NODE_ATTR_SET {
            return;
        }
        let base = std::mem::replace(&mut self.base, Base::Builder);
        let path = std::mem::take(&mut self.path);
        for entry in set.children().filter(|e| e.kind() == NODE_ATTRPATH_VALUE) {
            let (Some(key), Some(value)) = (first_attr_name(&entry), nth_expr(&entry, 0)) else { continue };
            match key.text.as_str() {
                "modules" => {
                    self.path.push(key.text);
                    self.module_list(&value, 0, false);
                    self.path.clear();
                }
                "module" => self.enter(&value, Place { base: Base::Builder, path: Vec::new(), listed: false }),
                _ => {}
            }
        }
        self.path = path;
        self.base = base;
    }

    /// The modules of a list of modules at the current path (`imports`, a builder's `modules`,
    /// `home-manager.sharedModules`), each starting its configuration at `owner` (a length of
    /// the path). An imported module `joins` the evaluation, and the `config`, of the module that
    /// imports it; any other starts an evaluation of its own.
    fn module_list(&mut self, list: &SyntaxNode, owner: usize, joins: bool) {
        let list = unparen(list.clone());
        if list.kind() != NODE_LIST {
            return;
        }
        let place = Place { base: self.base, path: self.path.clone(), listed: true };
        let tail = self.path.split_off(owner.min(self.path.len()));
        for item in syntax::expr_children(&list) {
            let item = unparen(item);
            if item.kind() == NODE_LAMBDA {
                self.module(&item, place.clone());
            } else if !joins {
                self.enter(&item, place.clone());
            } else if item.kind() == NODE_ATTR_SET {
                // Only the conditions around the list are not the imported module's.
                let conditions = std::mem::take(&mut self.frame.conditions);
                let doubtful = std::mem::take(&mut self.frame.doubtful);
                self.module_root(&item);
                self.frame.conditions = conditions;
                self.frame.doubtful = doubtful;
            }
        }
        self.path.extend(tail);
    }

    /// A module of a nested evaluation at `place`, starting at the current path: a function is a
    /// module of its own; an attrset is one without a `config` of its own.
    fn enter(&mut self, item: &SyntaxNode, place: Place) {
        let item = unparen(item.clone());
        match item.kind() {
            NODE_LAMBDA => self.module(&item, place),
            NODE_ATTR_SET => {
                let frame = Frame::new(place, self.path.len());
                let saved = std::mem::replace(&mut self.frame, frame);
                self.module_root(&item);
                self.frame = saved;
            }
            _ => {}
        }
    }

    /// The definition at the current path, relative to its module: `None` at the module's root,
    /// or where the module has no `config` of its own to read.
    fn definition(&self) -> Option<(TextRange, &[SmolStr])> {
        let lambda = self.frame.lambda?;
        let relative = self.path.get(self.frame.root..)?;
        (!relative.is_empty()).then_some((lambda, relative))
    }

    /// A definition whose value reads, where it is forced, the module's own `config` at its own
    /// path.
    fn self_reference(&mut self, value: &SyntaxNode) {
        if self.frame.doubtful > 0 {
            return;
        }
        let Some((lambda, relative)) = self.definition() else { return };
        if !self.reads_config(value) {
            return;
        }
        let reads = strict::reads(value, Spine::Definition, lambda, self.names);
        let own = reads.iter().find(|read| {
            let certain = match read.force {
                // A condition decides what is defined: only its value, not its names, waits on
                // the definition.
                Force::Value => true,
                Force::Names => !read.in_condition,
                Force::Compared => false,
            };
            certain && read.path.as_deref() == Some(relative)
        });
        if let Some(read) = own {
            let lint = Lint::SelfReference {
                module: self.frame.place.clone(),
                definition: relative.to_vec(),
                read: read.range,
            };
            self.out.push(lint);
        }
    }

    /// Makes `condition`'s reads of the module's own `config` part of every definition below;
    /// returns the paths held, for `release_conditions`. A condition inside another, or inside a
    /// priority wrapper, may never be evaluated: it holds nothing.
    fn hold_condition(&mut self, condition: &SyntaxNode) -> Vec<Vec<SmolStr>> {
        let Some(lambda) = self.frame.lambda.filter(|_| self.frame.doubtful == 0 && self.reads_config(condition))
        else {
            return Vec::new();
        };
        let mut held = Vec::new();
        for read in strict::reads(condition, Spine::Definition, lambda, self.names) {
            let Some(path) = read.path.filter(|p| !p.is_empty() && read.force == Force::Value) else { continue };
            self.frame.conditions.entry(path.clone()).or_insert((read.range, 0)).1 += 1;
            held.push(path);
        }
        held
    }

    fn release_conditions(&mut self, held: Vec<Vec<SmolStr>>) {
        for path in held {
            if let Some((_, count)) = self.frame.conditions.get_mut(&path) {
                *count -= 1;
                if *count == 0 {
                    self.frame.conditions.remove(&path);
                }
            }
        }
    }

    /// A condition around this definition that reads its very path.
    fn conditions_read_here(&mut self) {
        if self.frame.conditions.is_empty() {
            return;
        }
        let Some((_, relative)) = self.definition() else { return };
        if let Some((read, _)) = self.frame.conditions.get(relative) {
            let lint =
                Lint::SelfReference { module: self.frame.place.clone(), definition: relative.to_vec(), read: *read };
            self.out.push(lint);
        }
    }

    /// A string literal under a name that holds a secret.
    fn secret(&mut self, value: &SyntaxNode) {
        let Some(key) = self.path.last().filter(|key| secrets::names_secret(key)) else { return };
        if syntax::plain_string(value).is_some_and(|text| secrets::is_secret_value(&text)) {
            let lint =
                Lint::PlaintextSecret { module: self.frame.place.clone(), key: key.clone(), value: value.text_range() };
            self.out.push(lint);
        }
    }
}

/// An `a.b = value;` entry's path and value, in one pass over its children.
fn entry_parts(entry: &SyntaxNode) -> Option<(SyntaxNode, SyntaxNode)> {
    let mut children = entry.children();
    let path = children.next().filter(|p| p.kind() == NODE_ATTRPATH)?;
    let value = children.find(|c| syntax::is_expr(c.kind()))?;
    Some((path, value))
}

/// The names a pattern binds.
fn pattern_names(pattern: &SyntaxNode) -> Vec<SmolStr> {
    pattern
        .children()
        .filter(|c| c.kind() == NODE_PAT_ENTRY)
        .filter_map(|e| first_child(&e, NODE_IDENT).and_then(|i| syntax::ident_text(&i)))
        .collect()
}

/// The edit that adds `...` to a pattern: after its last entry (`{ pkgs }` to `{ pkgs, ... }`,
/// `{ pkgs, }` to `{ pkgs, ... }`), or in place of an empty one (`{ }` to `{ ... }`).
fn ellipsis_edit(pattern: &SyntaxNode) -> Option<TextEdit> {
    let significant = pattern.children_with_tokens().filter(|e| !e.kind().is_trivia());
    let inside: Vec<_> = significant
        .skip_while(|e| e.kind() != TOKEN_L_BRACE)
        .skip(1)
        .take_while(|e| e.kind() != TOKEN_R_BRACE)
        .collect();
    let open = pattern.children_with_tokens().find(|e| e.kind() == TOKEN_L_BRACE)?;
    let close = pattern.children_with_tokens().find(|e| e.kind() == TOKEN_R_BRACE)?;
    let edit = match inside.last() {
        None => TextEdit {
            range: TextRange::new(open.text_range().start(), close.text_range().end()),
            new_text: "{ ... }".into(),
        },
        Some(comma) if comma.kind() == TOKEN_COMMA => {
            TextEdit { range: TextRange::empty(comma.text_range().end()), new_text: " ...".into() }
        }
        Some(entry) => TextEdit { range: TextRange::empty(entry.text_range().end()), new_text: ", ...".into() },
    };
    Some(edit)
}
