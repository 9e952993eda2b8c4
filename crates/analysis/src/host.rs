//! The door: `Analysis`, the one type through which callers (the language server, the command
//! line, benchmarks, fuzzers) reach canopy's analysis.
//!
//! Callers hand it workspace-relative paths and texts (`apply`) and ask questions. Every answer
//! is plain data: file ids, byte ranges, names. Nothing behind the door is visible to callers,
//! so the inside can be rearranged without touching them.
//!
//! Every call may recurse as deep as the files are nested: run it on a thread with
//! `ANALYSIS_STACK` bytes of stack (`run_on_analysis_stack` starts one).

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use thin_vec::ThinVec;

use crate::base::diagnostics::{Diagnostic, DiagnosticKind, DiagnosticsConfig, Finding, Severity};
use crate::base::fix::{Fix, Related, RelatedAt};
use crate::base::parallel;
use crate::base::text::{LineIndex, TextRange};
use crate::base::{AspectKey, Change, FileId, FileRole, NotDendritic, Site};
use crate::checks::suppressions::Unused;
use crate::checks::{self, registry};
use crate::graph;
use crate::graph::queries::{AspectInfo, HostInfo};
use crate::graph::store::Graph;
use crate::graph::table::Checks;
use crate::ide::call_hierarchy::{self, Call, CallItem, GraphNode};
use crate::ide::code_lens::{self, AspectLens, LensSummary};
use crate::ide::completion::{self, CompletionList};
use crate::ide::graph::{self as graph_view, AspectGraph, GraphQuery};
use crate::ide::hover::{self, Hover};
use crate::ide::references::{self, Highlight};
use crate::ide::rename::{self, Rename};
use crate::ide::symbol_at::{self, Symbol};
use crate::ide::symbols::{self, DocumentSymbol, WorkspaceSymbol};
use crate::ide::{FilePosition, Navigation, goto_definition};
use crate::summary::FileSummary;

/// One repository's analysis: its files, the aspect graph they make, and every diagnostic.
///
/// Updating a file re-reads that file only, and re-checks only the files whose checks read
/// something the update changed (the graph says which: `graph/table.rs`).
pub struct Analysis {
    graph: Graph,
    /// Each file's cross-file findings, by file id, kept current by `apply`.
    checked: Vec<ThinVec<Finding>>,
    /// Files whose diagnostics may have changed since `take_changed` was last called.
    changed: FxHashSet<FileId>,
    /// Set between `begin_bulk` and `end_bulk`: the files whose checks wait for the end.
    bulk: Option<FxHashMap<FileId, Checks>>,
    /// Checks beside the registry's, for tests of how the graph keeps diagnostics fresh.
    #[cfg(test)]
    extra_checks: Vec<checks::ExtraCheck>,
}

impl Default for Analysis {
    fn default() -> Analysis {
        Analysis::new()
    }
}

/// A change whose new texts are already read (`Analysis::prepare`): applying it is quick, so a
/// caller can prepare outside any lock and apply under it.
pub struct PreparedChange(graph::PreparedChange);

impl PreparedChange {
    /// Drops the files `keep` refuses, set or removed: a caller that prepared texts some time ago
    /// keeps only those nothing newer has replaced since.
    pub fn retain(&mut self, keep: impl FnMut(&str) -> bool) {
        self.0.retain(keep);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Analysis {
    pub fn new() -> Analysis {
        Analysis {
            graph: Graph::default(),
            checked: Vec::new(),
            changed: FxHashSet::default(),
            bulk: None,
            #[cfg(test)]
            extra_checks: Vec::new(),
        }
    }

    /// Reads a change's new texts, on every core. Needs no analysis: callers do it outside their
    /// locks.
    pub fn prepare(change: Change) -> PreparedChange {
        PreparedChange(graph::prepare(change))
    }

    /// Reads the files of a prepared edit or opened document against the analysis as it is now,
    /// which is most of what applying them costs, so that `apply_prepared` need not: a caller
    /// that applies under a write lock does this under a read lock first. Whatever changes in
    /// between, `apply_prepared` notices and reads again; a batch of more than a few files is left
    /// to it. The change must be applied to this analysis: what it checks is that none other was
    /// applied in between.
    pub fn resolve_ahead(&self, change: &mut PreparedChange) {
        self.graph.resolve_ahead(&mut change.0);
    }

    /// Applies a batch of changes.
    pub fn apply(&mut self, change: Change) {
        self.apply_prepared(Analysis::prepare(change));
    }

    pub fn apply_prepared(&mut self, change: PreparedChange) {
        let applied = self.graph.apply(change.0);
        for file in applied.removed {
            if let Some(findings) = self.checked.get_mut(file.0 as usize) {
                *findings = ThinVec::new();
            }
            self.changed.insert(file);
        }
        self.check_again(applied.dirty);
    }

    /// Runs again the checks `dirty` names, now or, in a bulk load, at its end.
    fn check_again(&mut self, dirty: FxHashMap<FileId, Checks>) {
        match self.bulk.as_mut() {
            Some(waiting) => {
                for (file, again) in dirty {
                    *waiting.entry(file).or_default() |= again;
                }
            }
            None => self.recheck(dirty),
        }
    }

    /// Runs the checks of `dirty` files (those each needs again), on every core, and records
    /// what they read.
    fn recheck(&mut self, dirty: FxHashMap<FileId, Checks>) {
        let mut live: Vec<(FileId, Checks)> =
            dirty.into_iter().filter(|(file, _)| self.graph.contains(*file)).collect();
        // In file order, as everything after reads them: each file's findings are then made next
        // to the previous file's, and dropping the old ones, recording reads and reporting walk
        // memory in order. In the hash map's order, each of them missed the caches once per file
        // when an aspect 100,000 files import went (3.0 -> 1.8 µs per file, issue 21).
        live.sort_unstable_by_key(|(file, _)| *file);
        let (graph, extra) = (&self.graph, self.extra_checks());
        let memo = checks::Memo::default();
        let results = parallel::map(&live, |&(file, again)| checks::check(graph, file, extra, &memo, again));
        let mut reads = Vec::with_capacity(live.len());
        let mut old = Vec::with_capacity(live.len());
        for (&(file, again), (findings, file_reads)) in live.iter().zip(results) {
            let at = file.0 as usize;
            if self.checked.len() <= at {
                self.checked.resize_with(at + 1, ThinVec::new);
            }
            let was = std::mem::take(&mut self.checked[at]);
            self.checked[at] = match again {
                Checks::ALL => {
                    old.push(was);
                    findings.into()
                }
                // The other checks' findings stand, in the checks' order as always.
                again => {
                    let mut merged: Vec<Finding> = was.into_iter().filter(|f| !again.has(f.check)).collect();
                    merged.extend(findings);
                    merged.sort_by_key(|f| f.check);
                    merged.into()
                }
            };
            reads.push((file, again, file_reads));
        }
        parallel::drop_alongside(old, || self.graph.set_reads(reads));
        self.changed.extend(live.into_iter().map(|(file, _)| file));
    }

    #[cfg(not(test))]
    fn extra_checks(&self) -> &[checks::ExtraCheck] {
        &[]
    }

    #[cfg(test)]
    fn extra_checks(&self) -> &[checks::ExtraCheck] {
        &self.extra_checks
    }

    /// An analysis that also runs `check`, reporting as `kind`, on every file.
    #[cfg(test)]
    pub(crate) fn with_check(kind: DiagnosticKind, check: fn(&mut checks::Cx)) -> Analysis {
        Analysis { extra_checks: vec![(kind, check)], ..Analysis::new() }
    }

    /// Starts loading in batches: until `end_bulk`, each batch updates the graph (queries answer
    /// from what is known so far) but cross-file diagnostics wait, so loading n files in batches
    /// checks each file once.
    pub fn begin_bulk(&mut self) {
        self.bulk.get_or_insert_with(FxHashMap::default);
    }

    /// Ends a bulk load with the checks it put off.
    pub fn end_bulk(&mut self) {
        if let Some(waiting) = self.bulk.take() {
            self.recheck(waiting);
        }
    }

    /// Between `begin_bulk` and `end_bulk`: the workspace is still being loaded, and only
    /// `reported_local` says what is true of it.
    pub fn loading(&self) -> bool {
        self.bulk.is_some()
    }

    /// Files whose diagnostics may have changed since the last call (removed files included).
    pub fn take_changed(&mut self) -> Vec<FileId> {
        let mut changed: Vec<FileId> = self.changed.drain().collect();
        changed.sort();
        changed
    }

    // ---- files ---------------------------------------------------------------------------------

    /// Every file, in path order.
    pub fn files(&self) -> Vec<FileId> {
        self.graph.files()
    }

    pub fn file_id(&self, path: &str) -> Option<FileId> {
        self.graph.file_id(path)
    }

    /// Is `file` still part of the analysis?
    pub fn contains(&self, file: FileId) -> bool {
        self.graph.contains(file)
    }

    /// The path of a live file. Panics on a removed one: callers check `contains` (or use
    /// `try_path`) for ids they kept across changes.
    pub fn path(&self, file: FileId) -> &str {
        self.graph.path(file)
    }

    /// The path of a file, `None` once it is removed.
    pub fn try_path(&self, file: FileId) -> Option<&str> {
        self.graph.try_path(file)
    }

    pub fn text(&self, file: FileId) -> &str {
        self.graph.text(file)
    }

    /// Lines of a file's text, for converting offsets to positions.
    pub fn line_index(&self, file: FileId) -> &LineIndex {
        self.graph.line_index(file)
    }

    /// How the analysis treats a file.
    pub fn role(&self, file: FileId) -> FileRole {
        self.graph.role(file)
    }

    /// Workspace-relative import-tree roots in use.
    pub fn roots(&self) -> Vec<String> {
        self.graph.roots()
    }

    /// Why the workspace holds no dendritic flake, if it holds none: its files then get only what
    /// Nix reports while parsing them.
    pub fn not_dendritic(&self) -> Option<NotDendritic> {
        self.graph.not_dendritic()
    }

    /// Folders (workspace-relative, with a trailing `/`) that hold flakes of their own: the
    /// workspace leaves them out, and a caller analyses each as a workspace of its own.
    pub fn nested_flakes(&self) -> &[String] {
        self.graph.nested_flakes()
    }

    // ---- diagnostics and the roster ------------------------------------------------------------

    /// Every diagnostic of a file, sorted by position.
    pub fn diagnostics(&self, file: FileId) -> Vec<Diagnostic> {
        let checked = self.checked.get(file.0 as usize).into_iter().flatten();
        self.gather(file, checked)
    }

    /// The findings made while `file` was read that its role has, and `checked`, as callers see
    /// them, sorted by position.
    fn gather<'a>(&self, file: FileId, checked: impl Iterator<Item = &'a Finding>) -> Vec<Diagnostic> {
        let role = self.graph.role(file);
        let read = self.graph.summary(file).diagnostics.iter().filter(|f| registry::row(f.kind).roles.contains(&role));
        let mut all: Vec<Diagnostic> = read.map(|f| self.with_fixes(file, f)).collect();
        all.extend(checked.map(|f| self.with_fixes(file, f)));
        all.sort_by_key(|d| (d.range.start(), d.range.end(), d.kind));
        all.dedup();
        all
    }

    /// The diagnostics of `file` the user sees: the kinds `config` has on, at the severity it
    /// gives them, less those a suppression comment covers, with an `unused-suppression` hint for
    /// each suppression that covers nothing (when that kind is on).
    pub fn reported(&self, file: FileId, config: &DiagnosticsConfig) -> Vec<Diagnostic> {
        self.as_configured(file, self.diagnostics(file), config, Unused::All)
    }

    /// `reported` for the kinds whose verdict reads the file alone (the registry's `Reach`):
    /// what Nix reports parsing it and the checks of its own modules, never a finding about what
    /// other files define (`undefined-aspect`), and an unused suppression only where it names
    /// such kinds alone. For a caller still loading the workspace (between `begin_bulk` and
    /// `end_bulk`, when the cross-file checks wait): it runs the file's local checks now, so it
    /// answers in the middle of a load, and what it answers stays true once the load ends, but
    /// for the rare file whose role another file decides (a module imported by path from a file
    /// not read yet gets its checks then).
    pub fn reported_local(&self, file: FileId, config: &DiagnosticsConfig) -> Vec<Diagnostic> {
        let (checked, _) = checks::check_local(&self.graph, file);
        let shown = self.gather(file, checked.iter());
        self.as_configured(file, shown, config, Unused::OfLocalKinds)
    }

    /// `parse_diagnostics` as the user sees them: under `config` and the file's suppressions,
    /// as `reported`.
    pub fn reported_parse(&self, file: FileId, config: &DiagnosticsConfig) -> Vec<Diagnostic> {
        self.as_configured(file, self.parse_diagnostics(file), config, Unused::All)
    }

    fn as_configured(
        &self,
        file: FileId,
        mut shown: Vec<Diagnostic>,
        config: &DiagnosticsConfig,
        unused: Unused,
    ) -> Vec<Diagnostic> {
        shown.retain(|d| config.reports(d.kind));
        let suppressions = &self.graph.summary(file).suppressions;
        // Nearly every file has no suppression comment, and then no need of its line index: made
        // for every file of a workspace, the indexes were megabytes the server kept for nothing.
        if !suppressions.is_empty() {
            let unused = if config.reports(DiagnosticKind::UnusedSuppression) { unused } else { Unused::Hidden };
            checks::suppressions::apply(file, self.graph.line_index(file), suppressions, &mut shown, unused);
        }
        for d in &mut shown {
            d.severity = config.severity_of(d);
        }
        shown
    }

    /// Whether a file, by its path alone, may decide what the other files are to the flake: a
    /// `flake.nix` names the import-tree roots (which files are top-level modules, which are
    /// ignored) and makes its folder a flake of its own. A caller loading a workspace in batches
    /// reads these first, so that what `reported_local` says of the files that follow is judged
    /// by the flake's structure from the start, not by a guess that `modules/` is a root.
    pub fn decides_structure(path: &str) -> bool {
        path.rsplit('/').next() == Some("flake.nix")
    }

    /// A fix that suppresses `diagnostic` (one `reported` gave for `file`) with a comment on the
    /// line above it; `None` for an `unused-suppression` hint or where no comment can go.
    pub fn suppression(&self, file: FileId, diagnostic: &Diagnostic) -> Option<Fix> {
        if diagnostic.kind == DiagnosticKind::UnusedSuppression {
            return None;
        }
        let tree = self.graph.tree(file);
        checks::suppressions::suppress(file, &tree.root(), self.graph.text(file), diagnostic)
    }

    /// The aspect graph, or the part of it `query` asks for, laid out; an error names a focus
    /// (host or aspect) that matches nothing.
    pub fn aspect_graph(&self, query: &GraphQuery) -> Result<AspectGraph, String> {
        graph_view::aspect_graph(&self.graph, query)
    }

    /// Classes the user says exist, beside those canopy knows (canopy.toml's `classes`): module
    /// systems of their own, which `unknown-class` then never reports. Re-checks every file when
    /// they change.
    pub fn set_user_classes(&mut self, classes: impl IntoIterator<Item = String>) {
        let classes: FxHashSet<smol_str::SmolStr> = classes.into_iter().map(Into::into).collect();
        if self.graph.set_user_classes(classes) {
            let all = self.graph.files().into_iter().map(|file| (file, Checks::ALL)).collect();
            self.check_again(all);
        }
    }

    /// The fixes of the diagnostics of `file` whose range meets `range`, each diagnostic's
    /// preferred one first.
    pub fn fixes(&self, file: FileId, range: TextRange) -> Vec<Arc<Fix>> {
        let meets = |d: &Diagnostic| d.range.start() <= range.end() && range.start() <= d.range.end();
        let mut out: Vec<Arc<Fix>> = Vec::new();
        for fix in self.diagnostics(file).into_iter().filter(meets).flat_map(|d| d.fixes) {
            if !out.contains(&fix) {
                out.push(fix);
            }
        }
        out
    }

    /// A finding as callers see it: its severity from the registry unless lowered, its fixes
    /// (made now for the kinds found while parsing) and its related places, found now.
    fn with_fixes(&self, file: FileId, finding: &Finding) -> Diagnostic {
        let mut diagnostic = finding.to_diagnostic();
        if let registry::Run::Parse(Some(fixes)) = registry::row(finding.kind).run {
            diagnostic.fixes = fixes(&self.graph, file, finding).into_iter().map(Arc::new).collect();
        }
        for related in finding.all_related() {
            match related {
                RelatedAt::Here(range, message) => {
                    diagnostic.related.push(Related { site: Site { file, range: *range }, message: message.clone() });
                }
                RelatedAt::Definitions(key, message) => {
                    let sites = self.graph.definitions(key);
                    diagnostic.related.extend(sites.into_iter().map(|site| Related { site, message: message.clone() }));
                }
            }
        }
        diagnostic
    }

    /// The diagnostics Nix itself would report parsing the file (syntax, undefined names,
    /// duplicate attributes), whatever the file's role: for files canopy sees alone.
    pub fn parse_diagnostics(&self, file: FileId) -> Vec<Diagnostic> {
        self.graph.summary(file).diagnostics.iter().map(Finding::to_diagnostic).collect()
    }

    /// Every aspect that is defined or referenced, sorted by key.
    pub fn aspects(&self) -> Vec<AspectInfo> {
        self.graph.aspects()
    }

    /// How many aspects are defined or referenced.
    pub fn aspect_count(&self) -> usize {
        self.graph.aspect_count()
    }

    /// Every host, sorted by key.
    pub fn hosts(&self) -> Vec<HostInfo> {
        self.graph.hosts()
    }

    // ---- what the editor asks ------------------------------------------------------------------

    /// What is under the cursor.
    pub fn symbol_at(&self, pos: FilePosition) -> Option<Symbol> {
        symbol_at::symbol_at(&self.graph, pos)
    }

    pub fn goto_definition(&self, pos: FilePosition) -> Option<Navigation> {
        goto_definition::goto_definition(&self.graph, pos)
    }

    pub fn references(&self, pos: FilePosition, include_declaration: bool) -> Option<Vec<Site>> {
        references::references(&self.graph, pos, include_declaration)
    }

    pub fn document_highlight(&self, pos: FilePosition) -> Vec<Highlight> {
        references::document_highlight(&self.graph, pos)
    }

    pub fn hover(&self, pos: FilePosition) -> Option<Hover> {
        hover::hover(&self.graph, pos)
    }

    /// The aspect or host under the cursor, as the item of a call hierarchy.
    pub fn prepare_call_hierarchy(&self, pos: FilePosition) -> Option<CallItem> {
        call_hierarchy::prepare(&self.graph, pos)
    }

    /// The aspects and hosts that import or include `node`.
    pub fn incoming_calls(&self, node: &GraphNode) -> Vec<Call> {
        call_hierarchy::incoming(&self.graph, node)
    }

    /// What `node` imports or includes.
    pub fn outgoing_calls(&self, node: &GraphNode) -> Vec<Call> {
        call_hierarchy::outgoing(&self.graph, node)
    }

    /// Where the code lenses of a file go: one per aspect it defines.
    pub fn code_lenses(&self, file: FileId) -> Vec<AspectLens> {
        code_lens::code_lenses(&self.graph, file)
    }

    /// What an aspect's code lens says; `None` once nothing defines it.
    pub fn resolve_code_lens(&self, key: &AspectKey) -> Option<LensSummary> {
        code_lens::resolve(&self.graph, key)
    }

    pub fn completions(&self, pos: FilePosition) -> CompletionList {
        completion::complete(&self.graph, pos)
    }

    /// Where an aspect a completion item offers is defined, as markdown (`completionItem/resolve`).
    pub fn resolve_completion(&self, key: &AspectKey) -> Option<String> {
        completion::resolve(&self.graph, key)
    }

    /// The name a rename at `pos` would replace, and its text; an explanation when there is none.
    pub fn prepare_rename(&self, pos: FilePosition) -> Result<(TextRange, String), String> {
        rename::prepare_rename(&self.graph, pos)
    }

    pub fn rename(&self, pos: FilePosition, new_name: &str) -> Result<Rename, String> {
        rename::rename(&self.graph, pos, new_name)
    }

    pub fn document_symbols(&self, file: FileId) -> Vec<DocumentSymbol> {
        symbols::document_symbols(&self.graph, file)
    }

    pub fn workspace_symbols(&self, query: &str, limit: usize) -> Vec<WorkspaceSymbol> {
        symbols::workspace_symbols(&self.graph, query, limit)
    }

    /// The graph behind the door, for the crate's own tests.
    #[cfg(test)]
    pub(crate) fn graph(&self) -> &Graph {
        &self.graph
    }

    // ---- one file alone ------------------------------------------------------------------------

    /// What one file contributes, read from its text alone: the per-file step of every update,
    /// for benchmarks and fuzzers.
    pub fn summarize(path: &str, text: &str) -> Summary {
        Summary(crate::summary::extract::summarize(path, text))
    }

    /// The diagnostics Nix itself reports parsing `text` (syntax errors, undefined variables,
    /// attributes defined twice), the one Nix reports first at the front.
    pub fn nix_diagnostics(text: &str) -> Vec<Diagnostic> {
        Analysis::summarize("file.nix", text).0.diagnostics.iter().map(Finding::to_diagnostic).collect()
    }
}

/// What one file contributes (see `Analysis::summarize`). Opaque but for what fuzzers check.
pub struct Summary(FileSummary);

impl Summary {
    /// The diagnostics the file decides alone.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        self.0.diagnostics.iter().map(Finding::to_diagnostic).collect()
    }

    /// Every range the summary holds, each with what it is: they must all lie inside the text.
    pub fn ranges(&self) -> Vec<(&'static str, TextRange)> {
        let summary = &self.0;
        let mut out: Vec<(&'static str, TextRange)> = Vec::new();
        out.extend(summary.diagnostics.iter().map(|d| ("diagnostic", d.range)));
        for reference in &summary.refs {
            out.push(("reference", reference.range));
            out.extend(reference.path.iter().map(|name| ("reference name", name.range)));
        }
        for node in &summary.nodes {
            out.push(("config node name", node.name.range));
            out.push(("config node binding", node.binding));
        }
        out
    }
}

impl Finding {
    /// The finding as callers see it, with its severity from the registry unless lowered.
    fn to_diagnostic(&self) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(self.kind, self.range, self.message.clone());
        diagnostic.fixes = self.all_fixes().cloned().collect();
        match self.lowered {
            Some(severity) => diagnostic.with_severity(severity),
            None => diagnostic,
        }
    }
}

impl Diagnostic {
    /// A diagnostic of `kind` at its usual severity (the registry's).
    pub fn new(kind: DiagnosticKind, range: TextRange, message: impl Into<Arc<str>>) -> Diagnostic {
        Diagnostic {
            kind,
            range,
            message: message.into(),
            severity: kind.default_severity(),
            fixes: Vec::new(),
            related: Vec::new(),
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }
}

pub use crate::base::stack::ANALYSIS_STACK;

/// Runs `f` on a thread of its own named `name`, with the analysis's stack, and waits for it.
/// The outer `Err` says that no thread could start; the inner one carries a panic of `f`.
pub fn run_on_analysis_stack<R: Send>(
    name: &str,
    f: impl FnOnce() -> R + Send,
) -> std::io::Result<std::thread::Result<R>> {
    std::thread::scope(|scope| {
        let thread =
            std::thread::Builder::new().name(name.to_owned()).stack_size(ANALYSIS_STACK).spawn_scoped(scope, f)?;
        Ok(thread.join())
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_change_applied_is_a_change_prepared_then_applied() {
        let change = || Change { set: vec![("a.nix".to_owned(), Arc::from("{ a = 1; a = 2; }"))], remove: Vec::new() };
        let mut direct = Analysis::new();
        direct.apply(change());
        let mut prepared = Analysis::new();
        prepared.apply_prepared(Analysis::prepare(change()));
        let file = |a: &Analysis| a.file_id("a.nix").expect("the file");
        assert_eq!(direct.parse_diagnostics(file(&direct)), prepared.parse_diagnostics(file(&prepared)));
        assert_eq!(Analysis::nix_diagnostics("{ a = 1; a = 2; }"), direct.parse_diagnostics(file(&direct)));
    }

    #[test]
    fn a_prepared_change_keeps_only_the_files_retained() {
        let mut analysis = Analysis::new();
        analysis.apply(Change { set: vec![("gone.nix".to_owned(), Arc::from("{ }"))], remove: Vec::new() });
        let set = ["a.nix", "b.nix"].map(|p| (p.to_owned(), Arc::from("{ }")));
        let mut prepared = Analysis::prepare(Change { set: set.to_vec(), remove: vec!["gone.nix".to_owned()] });
        prepared.retain(|path| path == "b.nix");
        assert!(!prepared.is_empty());
        analysis.apply_prepared(prepared);
        assert_eq!(analysis.file_id("a.nix"), None);
        assert!(analysis.file_id("b.nix").is_some() && analysis.file_id("gone.nix").is_some());
        let mut nothing = Analysis::prepare(Change { set: set.to_vec(), remove: Vec::new() });
        nothing.retain(|_| false);
        assert!(nothing.is_empty());
    }
}
