//! Builds a file's `FileSummary` from its syntax tree.
//!
//! Two walks share one cursor over the tree. The *config* walk follows the top-level module's
//! configuration through attrsets, dotted paths, `let`, lambdas, `mkIf`/`mkMerge`/`//` and folded
//! `genAttrs`/`mapAttrs`, creating a `ConfigNode` per name. Wherever a value is not configuration
//! structure, the *expression* walk takes over: it finds the rooted paths the file reads and notes
//! where a module is being imported (inside `imports`, `includes`, `lib.nixosSystem { modules }`,
//! `home-manager.users.<name>`, ...). Both resolve names through the file's `NameTable`, so
//! `config` means the top-level module's argument and nothing else.

mod budget;
mod config;
mod eval;
mod expr;
mod helpers;
mod lints;
mod module;
mod options;
mod passed;
mod read;
mod reads;

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;

use crate::base::text::{TextRange, TextSize, holds};
use crate::dendritic::contexts::{self};
use crate::nix_exact;
use crate::summary::*;
use crate::syntax::names::{BindingId, NameTable};
use crate::syntax::{self, Parse, SyntaxNode};

/// Summarises one file. `path` is the file's workspace-relative path (it names aspects built from
/// the file name). The config tree is kept whole: the workspace prunes it (`FileSummary::prune`)
/// once it knows which collections the workspace has.
pub(crate) fn summarize(path: &str, text: &str) -> FileSummary {
    // Dropping a deep tree recurses as deep as building it did: on the big stack too.
    // Nix's grammar only where the gate needs it, on this thread, whatever the file's size: a
    // batch of files keeps every core busy, so a big file's grammar on a core of its own
    // (`summarize_keeping_tree`, for an edit, which waits on one file) would only add its work.
    crate::base::stack::with_stack(|| summarize_parse(path, text, &syntax::parse(text)))
}

/// `summarize`, and the tree it read, for a caller that will be asked about the file next: an
/// edit or an opened document, which waits on this file alone. A big file's Nix grammar runs
/// on another core meanwhile, ungated.
pub(crate) fn summarize_keeping_tree(path: &str, text: &str) -> (FileSummary, Parse) {
    crate::base::stack::with_stack(|| {
        if text.len() < CONCURRENT_GRAMMAR_FROM {
            let parse = syntax::parse(text);
            return (summarize_parse(path, text, &parse), parse);
        }
        // Nix's grammar reads the text alone: on another core while rnix parses and the summary
        // is built, which is most of the wait when a big file is opened or edited.
        std::thread::scope(|scope| {
            let grammar = std::thread::Builder::new()
                .stack_size(crate::base::stack::ANALYSIS_STACK)
                .spawn_scoped(scope, || nix_exact::nix_grammar(text, &|| syntax::parse(text).root()));
            let parse = syntax::parse(text);
            // A worker that could not start or did not finish leaves the grammar to this thread.
            let summary = summarize_then_check(path, text, &parse, || grammar.ok()?.join().ok());
            (summary, parse)
        })
    })
}

/// From this size on, an edited text's Nix grammar runs on a thread of its own (see
/// `summarize_keeping_tree`): below it, starting the thread costs more than it saves.
const CONCURRENT_GRAMMAR_FROM: usize = 16 * 1024;

pub(crate) fn summarize_parse(path: &str, text: &str, parse: &Parse) -> FileSummary {
    summarize_then_check(path, text, parse, || None)
}

/// The summary, then its parse-time diagnostics, from Nix's grammar as `grammar` gives it once
/// the summary is built, or run here when it gives none.
fn summarize_then_check(
    path: &str,
    text: &str,
    parse: &Parse,
    grammar: impl FnOnce() -> Option<nix_exact::NixGrammar>,
) -> FileSummary {
    crate::base::stack::with_stack(|| {
        let names = NameTable::build_from_text(&parse.root(), text);
        let mut summary = summarize_structure(path, text, parse, &names);
        let grammar = grammar().unwrap_or_else(|| nix_exact::nix_grammar_where_needed(text, parse, &names));
        // Nix's verdicts first, then the extractor's own (a file it could not read in full).
        let extracted = std::mem::take(&mut summary.diagnostics);
        summary.diagnostics = nix_exact::parse_time_diagnostics_with(text, parse, &names, grammar).into();
        summary.diagnostics.extend(extracted);
        summary
    })
}

/// The summary without its parse-time diagnostics, from a parse and name table the caller keeps
/// (completion reads a patched text this way, and needs no diagnostics of it).
pub(crate) fn summarize_structure(path: &str, text: &str, parse: &Parse, names: &NameTable) -> FileSummary {
    crate::base::stack::with_stack(|| {
        let root = parse.root();
        let mut summary = FileSummary::default();
        let mut extractor = Extractor::new(path, text, names, root.clone(), &mut summary);
        extractor.file(&root);
        // Both spellings have `pecialArgs`; nearly every file has neither.
        if holds(text, "pecialArgs") {
            extractor.passed_down(&root);
        }
        extractor.finish();
        let file_name = path.rsplit('/').next();
        summary.lints = lints::lints(file_name, text, &root, names, &summary.nodes).into();
        // Nearly every file names no import-tree at all: no need to walk it looking for calls.
        if holds(text, "import-tree") {
            summary.import_tree = crate::dendritic::import_tree::calls::find_calls(&root, names).into();
        }
        // Nearly every file has no suppression comment, and each one says `canopy:`.
        if holds(text, "canopy:") {
            summary.suppressions = crate::checks::suppressions::find(&root, text).into();
        }
        // Every relative path literal starts with `./` or `../`.
        if holds(text, "./") {
            summary.files_read = reads::read_paths(&root).into();
        }
        summary
    })
}

/// How deep the config tree is followed before the rest is read as plain expressions: deep enough
/// for every collection and host path with a nested evaluation below it.
const MAX_CONFIG_DEPTH: usize = 12;

/// How many aliases (`let` bindings) a path or constant is followed through.
const FUEL: u32 = 16;

/// The longest string a constant folds to. Interpolating a folded string several times over, a
/// few levels deep, makes strings of any length from a few lines; no name is that long.
const MAX_FOLDED_LEN: usize = 4096;

/// What a top-level binding means as the start of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RootBinding {
    /// `config`
    Config,
    /// `self`: the flake's outputs, that is `config.flake`.
    SelfOutputs,
    /// `inputs`: `inputs.self` is `self`; any other input is external.
    Inputs,
    /// An attrset of every module argument (`args@{ ... }` or `args:`).
    ModuleArgs,
    /// A path into the configuration (`den` is `config.den`; flake-aspects' `aspects` is
    /// `config.flake.aspects`).
    ConfigPath(&'static [&'static str]),
    /// Any other top-level argument: maybe a den namespace.
    Argument,
    /// `config` of a lower-level module (the argument `binding`): not the flake's.
    ShadowedConfig { binding: BindingId },
    /// `inputs` or `self` of a lower-level module: the flake's, if the workspace passes them
    /// down (`RefRoot::PassedDown`).
    PassedDown(&'static str),
}

/// A value of the expression evaluator: a path from a root.
#[derive(Debug, Clone)]
struct PathValue {
    root: RefRoot,
    path: Vec<Name>,
    dynamic_tail: bool,
    certain: bool,
    form: RefForm,
    /// For a path from a lower-level module's `config`, that argument: the options its module
    /// declares itself are no shadowed read (`Extractor::own_options`).
    lower_config: Option<BindingId>,
}

/// The options a lower-level module declares itself, by first name: the names its own `config`
/// has whatever the workspace's other modules declare (dendritic.md §8.4).
#[derive(Debug, Clone, Default)]
struct OwnOptions {
    names: Vec<SmolStr>,
    /// Some declaration's first name is not known statically (`options.${x}`, `options = f x`):
    /// it may be any name.
    any: bool,
}

impl OwnOptions {
    fn declares(&self, first: &str) -> bool {
        self.any || self.names.iter().any(|n| n == first)
    }
}

/// A folded string, and where its text comes from.
type Folded = (SmolStr, NameOrigin);

/// A set literal's fields by name: the value of each field written plainly once, `None` for any
/// other (`Extractor::field`).
type Fields = FxHashMap<SmolStr, Option<SyntaxNode>>;

/// Context of the expression walk.
#[derive(Debug, Clone)]
struct Ctx {
    /// The deepest config node whose value holds the expression.
    owner: Option<NodeId>,
    /// The module the expression sits in.
    module: Anchor,
    /// The expression is a module being imported into `module`'s evaluation.
    position: bool,
    /// Attribute names walked inside the current module, for nested evaluations.
    keys: Vec<SmolStr>,
}

impl Ctx {
    fn value(&self) -> Ctx {
        Ctx { position: false, ..self.clone() }
    }

    fn under_key(&self, key: &str) -> Ctx {
        let mut keys = self.keys.clone();
        keys.push(SmolStr::new(key));
        if keys.len() > 4 {
            keys.remove(0);
        }
        let mut ctx = Ctx { position: false, keys, ..self.clone() };
        if let Some(class) = contexts::nested_class(&ctx.keys) {
            ctx.module = Anchor::Class(SmolStr::new_static(class));
            ctx.position = true;
            // A module of its own starts here: its `imports` are at its root.
            ctx.keys.clear();
        } else if ctx.keys.len() == 1 && (contexts::is_module_list_key(key) || contexts::is_module_value_key(key)) {
            // Only a module's own `imports` import into it (dendritic.md §8.4): `hm.imports`
            // defines the option `hm`, which may be anything (an alias of a user's home-manager
            // configuration, often).
            ctx.position = true;
        }
        ctx
    }

    fn new_module(&self, module: Anchor) -> Ctx {
        Ctx { module, position: true, keys: Vec::new(), owner: self.owner }
    }
}

struct Extractor<'a> {
    file_name: Option<&'a str>,
    dir_name: Option<&'a str>,
    /// The text the tree was parsed from (same offsets).
    text: &'a str,
    names: &'a NameTable,
    /// The tree's root, where node pointers are resolved.
    root: SyntaxNode,
    out: &'a mut FileSummary,
    roots: FxHashMap<BindingId, RootBinding>,
    /// Lambdas whose arguments are the top-level module's own.
    module_lambdas: FxHashSet<TextRange>,
    depth: u32,
    /// Depth of each config node, by id.
    depths: Vec<u16>,
    /// Nodes already in `out.opaque`, by node.
    opaque_marked: Vec<bool>,
    /// By node: created where a definition may not apply (`mkIf`, `optionalAttrs`, `if`).
    conditional_marks: Vec<bool>,
    /// How many conditions the walk is inside.
    conditions: u32,
    /// Bindings being folded into configuration, innermost last: one met again inside its own
    /// value (`rec { b.c = { a = b; }; b = b; }`) is not followed, or the fold would not end.
    folding: Vec<BindingId>,
    budget: budget::Budget,
    /// What each `with`'s namespace, or failing it the first enclosing one's, evaluates to, by
    /// where the `with` starts and the fuel left (`Extractor::with_namespace`).
    withs: RefCell<BTreeMap<(TextSize, u32), Option<PathValue>>>,
    /// What each `let` binding folds to as a string, by binding and the fuel left.
    folded: RefCell<FxHashMap<(BindingId, u32), Option<Folded>>>,
    /// The fields of each set literal a constant was read from, by the set's range
    /// (`Extractor::field`).
    fields: RefCell<FxHashMap<TextRange, Option<Fields>>>,
    /// The name table's bindings by scope, and those some name reads (`Extractor::bindings_of`).
    scopes: OnceCell<FxHashMap<TextRange, Vec<BindingId>>>,
    read: OnceCell<FxHashSet<BindingId>>,
    /// What each lower-level module declares itself, by the `config` argument it binds.
    own_options: RefCell<FxHashMap<BindingId, OwnOptions>>,
    /// `let` bindings already read as helpers (`helpers.rs`).
    local_helpers: FxHashSet<BindingId>,
}

impl<'a> Extractor<'a> {
    fn new(
        path: &'a str,
        text: &'a str,
        names: &'a NameTable,
        root: SyntaxNode,
        out: &'a mut FileSummary,
    ) -> Extractor<'a> {
        let mut parts = path.rsplit('/');
        let file_name = parts.next().filter(|n| !n.is_empty());
        let dir_name = parts.next();
        Extractor {
            file_name,
            dir_name,
            text,
            names,
            out,
            roots: FxHashMap::default(),
            module_lambdas: FxHashSet::default(),
            depth: 0,
            depths: Vec::new(),
            opaque_marked: Vec::new(),
            conditional_marks: Vec::new(),
            conditions: 0,
            folding: Vec::new(),
            budget: budget::Budget::new(usize::from(root.text_range().len())),
            withs: RefCell::default(),
            folded: RefCell::default(),
            fields: RefCell::default(),
            scopes: OnceCell::new(),
            read: OnceCell::new(),
            own_options: RefCell::default(),
            local_helpers: FxHashSet::default(),
            root,
        }
    }

    /// `flake.<x>` definitions, each certain unless it or something below it was written under a
    /// condition, or its value could not be read.
    fn flake_outputs(&self) -> Vec<(Name, bool)> {
        let nodes = &self.out.nodes;
        let mut uncertain = self.conditional_marks.clone();
        uncertain.resize(nodes.len(), false);
        for (id, _) in &self.out.opaque {
            uncertain[id.0 as usize] = true;
        }
        // Children come after their parents: one backwards pass carries doubts upwards.
        for i in (0..nodes.len()).rev() {
            if let Some(parent) = nodes[i].parent
                && uncertain[i]
            {
                uncertain[parent.0 as usize] = true;
            }
        }
        let is_flake = |id: NodeId| {
            let node = &nodes[id.0 as usize];
            node.parent.is_none() && node.name.text == "flake"
        };
        nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.parent.is_some_and(is_flake))
            .map(|(i, n)| {
                let flake_doubtful = n.parent.is_some_and(|p| self.conditional_marks.get(p.0 as usize) == Some(&true));
                (n.name.clone(), !uncertain[i] && !flake_doubtful)
            })
            .collect()
    }

    fn finish(&mut self) {
        if let Some(warning) = self.budget.warning() {
            let tops: Vec<NodeId> =
                (0..self.out.nodes.len() as u32).map(NodeId).filter(|&id| self.out.node(id).parent.is_none()).collect();
            for id in tops {
                self.mark_opaque(Some(id), warning.range, OpaqueReason::Unread);
            }
            self.out.diagnostics.push(warning);
        }
        if let Some(module) = self.out.module.as_mut() {
            module.keys = self.out.nodes.iter().filter(|n| n.parent.is_none()).map(|n| n.name.clone()).collect();
        }
        self.out.outputs = self.flake_outputs().into();
        // `transposition.<x>` makes `x` a per-system option and a flake output that merges.
        let transposed = self.out.nodes.iter().filter(|n| {
            n.parent.is_some_and(|p| {
                let parent = self.out.node(p);
                parent.parent.is_none() && parent.name.text == "transposition"
            })
        });
        let transposed: Vec<SmolStr> = transposed.map(|n| n.name.text.clone()).collect();
        self.out.declared_outputs.extend(transposed);
        // Sets, gathered as lists with repeats.
        for names in [
            &mut self.out.declared,
            &mut self.out.declared_outputs,
            &mut self.out.option_helpers,
            &mut self.out.passes_down,
        ] {
            names.sort_unstable();
            names.dedup();
        }
        // The same expression can be reached twice (a folded `let` value is also walked where it
        // is bound); keep one record per place, the one that knows most.
        let refs = &mut self.out.refs;
        // A known anchor knows more than `Unknown` (a `let` value's, walked where it is bound),
        // which knows more than none.
        let anchor_rank = |anchor: &Option<Anchor>| match anchor {
            Some(Anchor::Unknown) => 1,
            Some(_) => 0,
            None => 2,
        };
        refs.sort_by_key(|r| (r.range.start(), r.range.end(), anchor_rank(&r.anchor), r.owner.is_none()));
        refs.dedup_by(|later, earlier| later.range == earlier.range && later.path == earlier.path);
        // Summaries live as long as the workspace, one per file: growth slack would be a third of
        // the memory they take.
        self.out.opaque.sort_by_key(|(n, _)| *n);
        self.out.nodes.shrink_to_fit();
        self.out.refs.shrink_to_fit();
        for reference in &mut self.out.refs {
            reference.path.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests;
