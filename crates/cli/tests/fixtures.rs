//! Every fixture repository, checked end to end by the real binary against the results written
//! beside it: `canopy-check.txt` (human output), `canopy-check.json` (the JSON contract, `root`
//! left out), `canopy-aspects.json` (the roster) and `canopy-graph.json` (the aspect graph). Nothing more and nothing less may appear.
//!
//! After an intended change, `UPDATE_EXPECT=1 cargo test -p canopy --test fixtures` rewrites the
//! expected files; review the diff like any other change.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use canopy_analysis::DiagnosticKind;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every fixture folder, by name.
fn all() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(fixtures())
        .expect("the fixtures folder")
        .map(|e| e.expect("a fixture entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Runs `canopy <args> .` inside `dir`, so that paths print relative to the fixture.
fn canopy(dir: &Path, args: &[&str]) -> (String, i32) {
    let output =
        Command::new(env!("CARGO_BIN_EXE_canopy")).args(args).arg(".").current_dir(dir).output().expect("run canopy");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    (stdout, output.status.code().unwrap_or(-1))
}

/// Compares with the expected file, or rewrites it under `UPDATE_EXPECT=1`.
fn expect_file(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(path, actual).expect("write the expected file");
        return;
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        failures.push(format!("{} differs:\n--- expected\n{expected}\n--- actual\n{actual}", path.display()));
    }
}

fn pretty(mut json: Value) -> String {
    if let Some(object) = json.as_object_mut() {
        object.remove("root");
    }
    serde_json::to_string_pretty(&json).expect("JSON") + "\n"
}

#[test]
fn every_fixture_gives_exactly_its_expected_results() {
    let mut failures = Vec::new();
    let dirs = all();
    assert!(dirs.len() >= 9, "the fixtures are missing: {dirs:?}");
    for dir in &dirs {
        let (human, code) = canopy(dir, &["check"]);
        expect_file(&dir.join("canopy-check.txt"), &human, &mut failures);
        let (json, json_code) = canopy(dir, &["check", "--format", "json"]);
        let json: Value = serde_json::from_str(&json).expect("check --format json prints JSON");
        expect_file(&dir.join("canopy-check.json"), &pretty(json.clone()), &mut failures);
        let (roster, _) = canopy(dir, &["aspects", "--format", "json"]);
        let roster: Value = serde_json::from_str(&roster).expect("aspects --format json prints JSON");
        expect_file(&dir.join("canopy-aspects.json"), &pretty(roster), &mut failures);
        let (graph, graph_code) = canopy(dir, &["graph", "--format", "json"]);
        assert_eq!(graph_code, 0, "{}: canopy graph", dir.display());
        let graph: Value = serde_json::from_str(&graph).expect("graph --format json prints JSON");
        expect_file(&dir.join("canopy-graph.json"), &pretty(graph), &mut failures);

        // The exit code follows the diagnostics: 1 exactly when one is an error.
        let errors =
            json["diagnostics"].as_array().map_or(0, |d| d.iter().filter(|d| d["severity"] == "error").count());
        assert_eq!(code, i32::from(errors > 0), "{}: exit code", dir.display());
        assert_eq!(code, json_code, "{}: human and JSON runs agree", dir.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every code `canopy check` reports by default (the registry's choice): `unused-aspect` is off.
#[test]
fn the_broken_fixture_reports_every_code() {
    let (json, code) = canopy(&fixtures().join("broken"), &["check", "--format", "json"]);
    assert_eq!(code, 1);
    let json: Value = serde_json::from_str(&json).expect("JSON");
    let codes: BTreeSet<&str> =
        json["diagnostics"].as_array().expect("diagnostics").iter().filter_map(|d| d["code"].as_str()).collect();
    let all: BTreeSet<&str> = [
        "syntax-error",
        "undefined-variable",
        "duplicate-attribute",
        "undefined-aspect",
        "unknown-class",
        "wrong-class-import",
        "shadowed-config",
        "toplevel-pkgs",
        "not-a-flake-module",
        "unmergeable-flake-output",
        "missing-ellipsis",
        "imports-read-config",
        "self-referential-definition",
        "module-attribute-access",
        "plaintext-secret",
        "ignored-file",
        "unused-suppression",
    ]
    .into();
    assert_eq!(codes, all);
    let on_by_default: BTreeSet<&str> =
        DiagnosticKind::ALL.iter().filter(|k| k.default_enabled()).map(|k| k.code()).collect();
    assert_eq!(codes, on_by_default);
}

#[test]
fn check_json_follows_the_contract() {
    let dir = fixtures().join("broken");
    let (json, _) = canopy(&dir, &["check", "--format", "json"]);
    let json: Value = serde_json::from_str(&json).expect("JSON");
    let root = json["root"].as_str().expect("root is a string");
    assert_eq!(Path::new(root), fs::canonicalize(&dir).expect("canonical fixture path"));
    assert_eq!(json["files"], 21);
    assert!(json["aspects"].as_u64().is_some_and(|n| n > 0));
    for d in json["diagnostics"].as_array().expect("diagnostics is an array") {
        let path = d["path"].as_str().expect("path");
        assert!(!path.starts_with('/') && !path.contains('\\'), "{path} is relative with `/`");
        assert!(dir.join(path).is_file(), "{path} exists");
        for end in ["start", "end"] {
            assert!(d["range"][end]["line"].is_u64() && d["range"][end]["character"].is_u64(), "{d}");
        }
        assert!(["error", "warning", "information", "hint"].contains(&d["severity"].as_str().expect("severity")));
        assert!(d["code"].is_string() && d["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}
