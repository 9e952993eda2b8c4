//! The import graph between a crate's files, and its cycles.
//!
//! A path leads to the deepest module of the tree it names (`crate::graph::resolve::Target` to
//! `graph/resolve.rs`; `crate::syntax::parse` to `syntax/parse.rs`, or to `syntax/mod.rs` when
//! `parse` is no module), and through a module's `use` items to where they lead
//! (`crate::Analysis`, re-exported by `lib.rs`, leads to `host.rs`; through a glob `use tree::*`,
//! to the module that defines the name): a re-export passes a name on, it does not make the file
//! that re-exports it a dependency. Test modules name nothing: only what the shipped code imports
//! can make a cycle.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write;
use std::path::PathBuf;

use crate::modules::{ModPath, Tree};

/// How many `use` items a path may pass through; more means the items lead in a circle.
const MAX_HOPS: usize = 16;

/// File → the files it imports, each with the first path (as written) that imports it.
pub type Graph = BTreeMap<PathBuf, BTreeMap<PathBuf, String>>;

/// The edges between the files of a tree, from its shipped (non-test) modules.
pub fn graph(tree: &Tree) -> Graph {
    let mut graph = Graph::new();
    for (module, scope) in tree.scopes.iter().filter(|(_, s)| !s.test) {
        let uses = scope.uses.iter().map(|u| (&u.path, if u.glob { "::*" } else { "" }));
        for (path, glob) in uses.chain(scope.paths.iter().map(|p| (p, ""))) {
            let Some(target) = absolute(tree, module, path, 0).and_then(|abs| file_of(tree, abs, 0)) else {
                continue;
            };
            if target != scope.file {
                let edges = graph.entry(scope.file.clone()).or_default();
                edges.entry(target).or_insert_with(|| path.join("::") + glob);
            }
        }
    }
    graph
}

/// The path from the crate root that `path`, written in `module`, names; `None` for a path that
/// leaves the crate (or names something local that is no module).
fn absolute(tree: &Tree, module: &ModPath, path: &[String], hops: usize) -> Option<ModPath> {
    let (first, rest) = path.split_first()?;
    let mut abs = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.clone(),
        "super" => {
            let up = 1 + rest.iter().take_while(|s| *s == "super").count();
            let base = module.get(..module.len().checked_sub(up)?)?.to_vec();
            return Some(base.into_iter().chain(path[up..].iter().cloned()).collect());
        }
        name => origin(tree, module, name, hops + 1)?,
    };
    abs.extend(rest.iter().cloned());
    Some(abs)
}

/// Where the item `name`, as `module` sees it, is defined: here, or where a `use` item brings it
/// from (by name, or by a glob of a module that has it).
fn origin(tree: &Tree, module: &ModPath, name: &str, hops: usize) -> Option<ModPath> {
    let scope = tree.scopes.get(module)?;
    if hops > MAX_HOPS {
        return None;
    }
    if scope.children.contains(name) || scope.defined.contains(name) {
        return Some(module.iter().cloned().chain([name.to_owned()]).collect());
    }
    // `use rnix;` names a crate, never itself.
    if let Some(import) = scope.import(name).filter(|u| u.path != [name]) {
        return absolute(tree, module, &import.path, hops + 1);
    }
    scope.uses.iter().filter(|u| u.glob).find_map(|glob| {
        let from = absolute(tree, module, &glob.path, hops + 1)?;
        origin(tree, &from, name, hops + 1)
    })
}

/// The file of the deepest module on `abs`, following `use` items past it.
fn file_of(tree: &Tree, abs: ModPath, hops: usize) -> Option<PathBuf> {
    let depth = (0..=abs.len()).rev().find(|&k| tree.scopes.contains_key(&abs[..k]))?;
    let (module, rest) = abs.split_at(depth);
    let module = module.to_vec();
    if let Some((name, rest)) = rest.split_first()
        && hops < MAX_HOPS
        && let Some(mut through) = origin(tree, &module, name, hops + 1)
        && (through.len() != depth + 1 || through[..depth] != module || through[depth] != *name)
    {
        through.extend(rest.iter().cloned());
        return file_of(tree, through, hops + 1);
    }
    Some(tree.scopes[&module].file.clone())
}

/// Every file on a cycle, as cycles: for each edge inside a strongly connected set of files, the
/// shortest way back, each cycle once (starting at its least file), in order.
pub fn cycles(graph: &Graph) -> Vec<Vec<PathBuf>> {
    let mut found = BTreeSet::new();
    for component in components(graph).into_iter().filter(|c| c.len() > 1) {
        for from in &component {
            for to in graph[from].keys().filter(|t| component.contains(*t)) {
                let mut cycle = vec![from.clone()];
                cycle.extend(shortest(graph, &component, to, from));
                cycle.pop();
                let least = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap_or(0);
                cycle.rotate_left(least);
                found.insert(cycle);
            }
        }
    }
    found.into_iter().collect()
}

/// The shortest path from `from` to `to` within `within`, both ends included.
fn shortest(graph: &Graph, within: &BTreeSet<PathBuf>, from: &PathBuf, to: &PathBuf) -> Vec<PathBuf> {
    let mut previous: BTreeMap<&PathBuf, &PathBuf> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            break;
        }
        for next in graph.get(at).into_iter().flat_map(BTreeMap::keys).filter(|n| within.contains(*n)) {
            if next != from && !previous.contains_key(next) {
                previous.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    let mut path = vec![to.clone()];
    let mut at = to;
    while at != from {
        at = previous[at];
        path.push(at.clone());
    }
    path.reverse();
    path
}

/// The strongly connected components (Tarjan's algorithm; the graphs are small enough to recurse).
fn components(graph: &Graph) -> Vec<BTreeSet<PathBuf>> {
    let mut tarjan =
        Tarjan { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for node in graph.keys() {
        if !tarjan.index.contains_key(node) {
            tarjan.visit(node);
        }
    }
    tarjan.found
}

struct Tarjan<'a> {
    graph: &'a Graph,
    index: BTreeMap<&'a PathBuf, usize>,
    low: BTreeMap<&'a PathBuf, usize>,
    stack: Vec<&'a PathBuf>,
    found: Vec<BTreeSet<PathBuf>>,
}

impl<'a> Tarjan<'a> {
    fn visit(&mut self, node: &'a PathBuf) {
        let index = self.index.len();
        self.index.insert(node, index);
        self.low.insert(node, index);
        self.stack.push(node);
        for next in self.graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            if !self.index.contains_key(next) {
                self.visit(next);
                self.low.insert(node, self.low[node].min(self.low[next]));
            } else if self.stack.contains(&next) {
                self.low.insert(node, self.low[node].min(self.index[next]));
            }
        }
        if self.low[node] == index {
            let mut component = BTreeSet::new();
            while let Some(member) = self.stack.pop() {
                component.insert(member.clone());
                if member == node {
                    break;
                }
            }
            self.found.push(component);
        }
    }
}

/// The cycles as chains of files, each edge with the path that makes it.
pub fn describe(graph: &Graph, cycles: &[Vec<PathBuf>]) -> String {
    let mut out = String::new();
    for cycle in cycles {
        let chain: Vec<String> = cycle.iter().chain(cycle.first()).map(|f| f.display().to_string()).collect();
        let _ = writeln!(out, "  {}", chain.join(" → "));
        for (from, to) in cycle.iter().zip(cycle.iter().cycle().skip(1)) {
            let _ = writeln!(out, "      {}: {}", from.display(), graph[from][to]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The tree of an inline crate: (path, text) per file, rooted at `lib.rs`.
    fn tree(files: &[(&str, &str)]) -> Tree {
        let files = files.iter().map(|(path, text)| (PathBuf::from(path), (*text).to_owned())).collect();
        Tree::read(&files, Path::new("lib.rs")).expect("an inline crate reads")
    }

    /// The edges of an inline crate, as `from -> to` lines.
    fn edges(files: &[(&str, &str)]) -> Vec<String> {
        let graph = graph(&tree(files));
        let mut edges = Vec::new();
        for (from, targets) in &graph {
            for to in targets.keys() {
                edges.push(format!("{} -> {}", from.display(), to.display()));
            }
        }
        edges
    }

    #[test]
    fn use_groups_visibilities_and_paths_in_code_are_edges() {
        let user = r"
            use crate::{
                a::{b, c::Thing as Other},
                d,
            };
            pub(crate) use super::graph;
            fn f() -> crate::graph::resolve::Target {
                graph::resolve::Target
            }
            mod inner {
                use super::f;
            }
        ";
        let found = edges(&[
            ("lib.rs", "mod a; mod d; mod graph; mod user;"),
            ("a.rs", "pub mod b; pub mod c;"),
            ("a/b.rs", ""),
            ("a/c.rs", "pub struct Thing;"),
            ("d.rs", ""),
            ("graph/mod.rs", "pub mod resolve;"),
            ("graph/resolve.rs", "pub struct Target;"),
            ("user.rs", user),
        ]);
        let expected = [
            "user.rs -> a/b.rs",
            "user.rs -> a/c.rs",
            "user.rs -> d.rs",
            "user.rs -> graph/mod.rs",
            "user.rs -> graph/resolve.rs",
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn a_path_leads_to_the_deepest_module_file() {
        let user = ("user.rs", "fn f() { crate::syntax::parse::file(); crate::syntax::tree::Node::new(); }");
        let with_file = edges(&[
            ("lib.rs", "mod syntax; mod user;"),
            ("syntax/mod.rs", "pub mod parse; pub mod tree;"),
            ("syntax/parse.rs", ""),
            ("syntax/tree.rs", ""),
            user,
        ]);
        assert_eq!(with_file, ["user.rs -> syntax/parse.rs", "user.rs -> syntax/tree.rs"]);
        let without = edges(&[
            ("lib.rs", "mod syntax; mod user;"),
            ("syntax/mod.rs", "pub mod parse; pub fn tree() {}"),
            ("syntax/parse.rs", ""),
            user,
        ]);
        assert_eq!(without, ["user.rs -> syntax/mod.rs", "user.rs -> syntax/parse.rs"]);
    }

    #[test]
    fn a_re_export_leads_to_where_the_name_lives() {
        let found = edges(&[
            (
                "lib.rs",
                "mod base; mod host; mod user; pub use host::Analysis; pub use crate::base::{self as b, FileId};",
            ),
            ("host.rs", "pub struct Analysis;"),
            ("base.rs", "pub struct FileId;"),
            ("user.rs", "use crate::Analysis; fn f(_: crate::FileId, _: crate::b::FileId) {}"),
        ]);
        assert_eq!(found, ["lib.rs -> base.rs", "lib.rs -> host.rs", "user.rs -> base.rs", "user.rs -> host.rs"]);
    }

    #[test]
    fn a_glob_re_export_leads_to_the_module_that_has_the_name() {
        let found = edges(&[
            ("lib.rs", "mod syntax; mod user;"),
            ("syntax/mod.rs", "mod tree; pub use tree::*; pub fn parse() {}"),
            ("syntax/tree.rs", "pub struct Node;"),
            ("user.rs", "use crate::syntax::Node; fn f() { crate::syntax::parse(); }"),
        ]);
        assert_eq!(found, ["syntax/mod.rs -> syntax/tree.rs", "user.rs -> syntax/mod.rs", "user.rs -> syntax/tree.rs"]);
    }

    #[test]
    fn tests_strings_comments_and_declarations_name_nothing() {
        let user = r##"
            //! Uses crate::x::Y.
            /// See [`crate::x`].
            fn f() -> &'static str {
                // crate::x::y()
                /* super::x */
                let _ = 'c';
                r#"crate::x::Y"#
            }
            macro_rules! m { () => { $crate::x::f() } }
            #[cfg(test)]
            use crate::x;
            #[cfg(test)]
            pub(crate) fn helper() { crate::x::f() }
            #[cfg(all(test, unix))]
            mod unix { use super::super::x; }
            #[cfg(test)]
            mod tests { use crate::x::f; }
        "##;
        let found = edges(&[
            ("lib.rs", "mod user; mod x; mod tests; mod user_tests;"),
            ("x.rs", "pub fn f() {}"),
            ("user.rs", user),
            ("tests.rs", "use crate::x;"),
            ("user_tests.rs", "use crate::user;"),
        ]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_cycle_is_found_and_shown_as_a_chain_of_files() {
        let tree = tree(&[
            ("lib.rs", "mod a; mod b; mod c; mod d;"),
            ("a.rs", "use crate::b::B;"),
            ("b.rs", "pub struct B(crate::c::C);"),
            ("c.rs", "pub struct C; fn f() { super::a::g() }"),
            ("d.rs", "use crate::a;"),
        ]);
        let graph = graph(&tree);
        let cycles = cycles(&graph);
        assert_eq!(cycles, [["a.rs", "b.rs", "c.rs"].map(PathBuf::from)]);
        let shown = describe(&graph, &cycles);
        assert_eq!(
            shown,
            "  a.rs → b.rs → c.rs → a.rs\n      a.rs: crate::b::B\n      b.rs: crate::c::C\n      c.rs: super::a::g\n"
        );
    }

    #[test]
    fn every_cycle_of_a_tangle_is_listed_once() {
        let tree = tree(&[
            ("lib.rs", "mod a; mod b; mod c;"),
            ("a.rs", "use crate::{b, c};"),
            ("b.rs", "use crate::a;"),
            ("c.rs", "use crate::a;"),
        ]);
        let cycles = cycles(&graph(&tree));
        assert_eq!(cycles, [["a.rs", "b.rs"].map(PathBuf::from), ["a.rs", "c.rs"].map(PathBuf::from)]);
    }

    #[test]
    fn layers_have_no_cycle() {
        let tree = tree(&[
            ("lib.rs", "mod a; mod b; mod c; pub use a::A;"),
            ("a.rs", "use crate::{b, c}; pub struct A;"),
            ("b.rs", "use crate::c::C;"),
            ("c.rs", "pub struct C;"),
        ]);
        let graph = graph(&tree);
        assert_eq!(graph.values().map(BTreeMap::len).sum::<usize>(), 4);
        assert!(cycles(&graph).is_empty());
    }
}
