//! The code's shape, checked over the whole repository (this crate depends on every other one):
//!
//! - no file of the analysis or of the server imports, directly or through others, a file that
//!   imports it back (`imports`), so that each crate reads bottom-up;
//! - no source file is over 800 lines (tests aside);
//! - the analysis's `lib.rs` is its door only: module declarations and `pub use` re-exports.
//!
//! Each check lists every offender in one failure, so that one run shows all there is to do. The
//! checker's own tests (in `modules` and `imports`) run it on small inline crates, so that a
//! reading that finds nothing cannot pass for a clean repository.

// The checker, beside this file (a test target's root looks for modules beside it otherwise).
#[path = "architecture/imports.rs"]
mod imports;
#[path = "architecture/modules.rs"]
mod modules;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};

use modules::Tree;

/// Longest a source file may be; past it, a file holds more than one thing to understand.
const MAX_LINES: usize = 800;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file below `dir`, by path relative to it, with its text.
fn rust_files(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(dir.join(&folder)).unwrap_or_else(|err| panic!("{}: {err}", folder.display()));
        for entry in entries {
            let entry = entry.expect("a folder entry");
            let path = folder.join(entry.file_name());
            if entry.file_type().expect("a file type").is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(entry.path()).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
                files.insert(path, text);
            }
        }
    }
    files
}

/// Fails with every import cycle between the files of the crate whose sources are in `src`.
fn assert_no_import_cycle(src: &str) {
    let files = rust_files(&repository().join(src));
    let tree = Tree::read(&files, Path::new("lib.rs")).unwrap_or_else(|err| panic!("{src}/{err}"));
    let graph = imports::graph(&tree);
    // A reading that found no import at all is broken, not clean.
    assert!(!graph.is_empty(), "{src}: no imports found between {} files", files.len());
    let cycles = imports::cycles(&graph);
    assert!(
        cycles.is_empty(),
        "{src}: {} import cycles, each a chain of files in which every file imports the next (with \
         the path that imports it below):\n{}",
        cycles.len(),
        imports::describe(&graph, &cycles)
    );
}

#[test]
fn the_server_files_import_no_cycle() {
    assert_no_import_cycle("crates/server/src");
}

#[test]
fn the_analysis_files_import_no_cycle() {
    assert_no_import_cycle("crates/analysis/src");
}

/// The files of test modules in every source folder below `crates/`, from each crate root's
/// module tree (by their declarations: `#[cfg(test)] mod x;`), relative to the repository.
fn test_modules(repository: &Path) -> BTreeSet<PathBuf> {
    let all = rust_files(&repository.join("crates"));
    let sources: BTreeSet<&Path> = all.keys().filter_map(|f| f.parent()).filter(|d| d.ends_with("src")).collect();
    let mut tests = BTreeSet::new();
    for src in sources {
        let files = rust_files(&repository.join("crates").join(src));
        for root in ["lib.rs", "main.rs"] {
            let tree = Tree::read(&files, Path::new(root)).unwrap_or_else(|err| panic!("{}/{err}", src.display()));
            tests.extend(tree.test_files().into_iter().map(|f| Path::new("crates").join(src).join(f)));
        }
    }
    tests
}

#[test]
fn no_source_file_is_over_800_lines() {
    let repository = repository();
    let tests = test_modules(&repository);
    let mut long: Vec<String> = rust_files(&repository.join("crates"))
        .into_iter()
        .map(|(path, text)| (Path::new("crates").join(path), text.lines().count()))
        .filter(|(path, lines)| *lines > MAX_LINES && !modules::is_test_file(path) && !tests.contains(path))
        .map(|(path, lines)| format!("  {}: {lines} lines", path.display()))
        .collect();
    long.sort();
    assert!(long.is_empty(), "{} source files over {MAX_LINES} lines:\n{}", long.len(), long.join("\n"));
}

/// The items of a crate root that are neither a module declaration (`mod x;`) nor a `pub use`
/// re-export, each as its first tokens; attributes, comments and `#[cfg(test)]` items aside.
fn not_declarations(text: &str) -> Result<Vec<String>, String> {
    let tokens = modules::lex(text)?;
    let mut found = Vec::new();
    let mut test = false;
    let mut i = 0;
    while i < tokens.len() {
        if let Some(attribute) = modules::attribute(&tokens, i) {
            test |= !attribute.inner && modules::is_cfg_test(&attribute.body);
            i = attribute.end;
            continue;
        }
        let public = modules::visibility(&tokens, i);
        let at = public.unwrap_or(i).min(tokens.len() - 1);
        let end = modules::item_end(&tokens, at);
        let keyword = tokens[at].to_string();
        let declaration = keyword == "mod" && modules::is_punct(tokens.get(at + 2), ';');
        let reexport = keyword == "use" && public.is_some();
        if !(test || declaration || reexport) {
            found.push(excerpt(&tokens[i..end]));
        }
        test = false;
        i = end;
    }
    Ok(found)
}

/// An item's first 60 characters, as tokens print.
fn excerpt(tokens: &[TokenTree]) -> String {
    let text = tokens.iter().cloned().collect::<TokenStream>().to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[test]
fn the_analysis_lib_rs_only_declares_and_reexports() {
    let path = repository().join("crates/analysis/src/lib.rs");
    let text = fs::read_to_string(&path).expect("the analysis's lib.rs");
    let found = not_declarations(&text).unwrap_or_else(|err| panic!("lib.rs: {err}"));
    assert!(
        found.is_empty(),
        "crates/analysis/src/lib.rs holds {} items that are neither `mod x;` nor `pub use`:\n  {}",
        found.len(),
        found.join("\n  ")
    );
}

#[test]
fn a_crate_root_with_anything_but_declarations_is_refused() {
    let root = r#"
        //! The door.
        #![deny(unreachable_pub)]
        mod base;
        pub(crate) mod graph;
        #[cfg(test)]
        mod tests;
        #[cfg(test)]
        fn helper() {}
        pub use crate::base::{Change, FileId};
        use std::sync::Arc;
        pub fn analyse() {}
        mod inline { }
        pub const LIMIT: usize = 3;
    "#;
    let found = not_declarations(root).expect("lexes");
    assert_eq!(
        found,
        ["use std :: sync :: Arc ;", "pub fn analyse () { }", "mod inline { }", "pub const LIMIT : usize = 3 ;"]
    );
}

#[test]
fn test_only_files_are_known_by_name_folder_or_declaration() {
    for test in ["tests.rs", "graph/tests.rs", "checks_tests.rs", "tests/support/mod.rs", "crates/cli/tests/cli.rs"] {
        assert!(modules::is_test_file(Path::new(test)), "{test}");
    }
    for source in ["lib.rs", "graph/mod.rs", "testsuite.rs", "latest.rs"] {
        assert!(!modules::is_test_file(Path::new(source)), "{source}");
    }
    let files: BTreeMap<PathBuf, String> = [
        ("lib.rs", "mod a; #[cfg(test)] mod fixtures; #[cfg(test)] mod b { mod c; }"),
        ("a.rs", "pub fn f() {}\n#[cfg(test)]\nmod tests { }"),
        ("fixtures.rs", "mod deep;"),
        ("fixtures/deep.rs", ""),
        ("b/c.rs", ""),
    ]
    .into_iter()
    .map(|(path, text)| (PathBuf::from(path), text.to_owned()))
    .collect();
    let tree = Tree::read(&files, Path::new("lib.rs")).expect("reads");
    let tests: Vec<&Path> = tree.test_files().into_iter().collect();
    // `lib.rs` holds a test module, inline: it is no test file for that.
    assert_eq!(tests, [Path::new("b/c.rs"), Path::new("fixtures/deep.rs"), Path::new("fixtures.rs")]);
}
