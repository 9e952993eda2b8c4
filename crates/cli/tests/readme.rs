//! The README's table of diagnostics is the registry's (`crates/analysis/src/checks/registry.rs`),
//! row by row: the same codes in the same order, each with its default severity, whether it is on
//! by default, and its one-line summary.

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
