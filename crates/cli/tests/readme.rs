//! The README's table of diagnostics is the registry's (`crates/analysis/src/checks/registry.rs`),
//! row by row: the same codes in the same order, each with its default severity, whether it is on
//! by default, and its one-line summary. docs/server.md names the local and the cross-file kinds
//! as the registry's `reach` column has them.

use canopy_analysis::DiagnosticKind;

/// The rows of the table under `## Diagnostics`: the cells of each line that starts with a code.
fn readme_rows() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README.md");
    let section = readme.split("\n## Diagnostics\n").nth(1).expect("a `## Diagnostics` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    section
        .lines()
        .filter(|line| line.starts_with("| [`"))
        .map(|line| line.trim_matches('|').split(" | ").map(|cell| cell.trim().to_owned()).collect())
        .collect()
}

#[test]
fn the_readme_lists_exactly_the_registry() {
    let rows = readme_rows();
    let codes: Vec<String> = rows.iter().map(|row| row[0].clone()).collect();
    let expected: Vec<String> = DiagnosticKind::ALL.iter().map(|k| format!("[`{0}`](#{0})", k.code())).collect();
    assert_eq!(codes, expected, "the README's codes, in the registry's order");
    for (row, kind) in rows.iter().zip(DiagnosticKind::ALL) {
        assert_eq!(row.len(), 4, "{}: code, severity, default, when: {row:?}", kind.code());
        let severity = row[1].split_whitespace().next().unwrap_or_default();
        assert_eq!(severity, kind.default_severity().as_str(), "{}: severity", kind.code());
        let default = if kind.default_enabled() { "on" } else { "off" };
        assert_eq!(row[2], default, "{}: on by default", kind.code());
        assert_eq!(row[3], kind.summary(), "{}: the summary", kind.code());
    }
}

#[test]
fn every_code_has_a_section() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README.md");
    for kind in DiagnosticKind::ALL {
        let heading = format!("\n### `{}`\n", kind.code());
        assert!(readme.contains(&heading), "README.md has no section {heading:?}");
    }
}

/// The codes written between backticks in docs/server.md from `after` to the next `end`.
fn codes_in_server_docs(after: &str, end: &str) -> Vec<String> {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/server.md")).expect("server.md");
    let from = docs.split(after).nth(1).unwrap_or_else(|| panic!("docs/server.md says {after:?}"));
    let list = from.split(end).next().unwrap_or_default();
    list.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[test]
fn the_server_docs_name_the_local_and_the_cross_file_kinds() {
    let of = |local: bool| -> Vec<String> {
        DiagnosticKind::ALL.iter().filter(|k| k.is_local() == local).map(|k| k.code().to_owned()).collect()
    };
    assert_eq!(codes_in_server_docs("Local kinds: ", "."), of(true), "the local kinds, in the registry's order");
    assert_eq!(codes_in_server_docs("a cross-file kind (", ")"), of(false), "the cross-file kinds");
}
