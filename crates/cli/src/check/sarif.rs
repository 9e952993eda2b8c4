//! SARIF 2.1.0 (OASIS), the format GitHub code scanning and other dashboards read: one run, a
//! rule per diagnostic kind with its summary and the README section that explains it, and a
//! result per diagnostic with its location and, where canopy has one that only edits files, its
//! fixes.
//!
//! Locations are relative to the root (`uriBaseId` `ROOT`, which `originalUriBaseIds` resolves
//! to the analysed folder), so that a report made in CI lines up with the repository's files.
//! Columns count UTF-16 code units, as the run's `columnKind` says and LSP counts.

use std::io::{self, Write};

use canopy_analysis::{DiagnosticKind, Severity};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use super::{Entry, Report};
use crate::location::Range;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// What a URI path keeps as it is: RFC 3986's unreserved characters and the separator.
const PATH: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let rules: Vec<Value> = DiagnosticKind::ALL.iter().map(|kind| rule(*kind)).collect();
    let results: Vec<Value> = report.diagnostics.iter().map(result).collect();
    let root = report.root.to_string_lossy();
    let root_uri = format!("file://{}/", utf8_percent_encode(root.trim_end_matches('/'), PATH));
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "canopy",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "originalUriBaseIds": { "ROOT": { "uri": root_uri } },
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

fn rule(kind: DiagnosticKind) -> Value {
    let summary = sentence(kind.summary());
    json!({
        "id": kind.code(),
        // SARIF's "friendly name": the code in Pascal case.
        "name": kind.code().split('-').map(capitalised).collect::<String>(),
        "shortDescription": { "text": summary },
        "helpUri": kind.docs_url(),
        "help": {
            "text": format!("{summary} See {}", kind.docs_url()),
            "markdown": format!("{summary} [What it means and how to fix it]({}).", kind.docs_url()),
        },
        "defaultConfiguration": {
            "level": level(kind.default_severity()),
            "enabled": kind.default_enabled(),
        },
    })
}

fn result(entry: &Entry) -> Value {
    let mut result = json!({
        "ruleId": entry.code,
        "ruleIndex": DiagnosticKind::from_code(entry.code).map(|k| k as usize),
        "level": level(entry.severity),
        "message": { "text": &*entry.message },
        "locations": [{ "physicalLocation": {
            "artifactLocation": artifact(&entry.path),
            "region": region(entry.range),
        }}],
    });
    if !entry.fixes.is_empty() {
        let fixes: Vec<Value> = entry
            .fixes
            .iter()
            .map(|fix| {
                // One change per file, its replacements in order.
                let mut changes: Vec<(&str, Vec<Value>)> = Vec::new();
                for (path, range, text) in &fix.edits {
                    let replacement = json!({ "deletedRegion": region(*range), "insertedContent": { "text": text } });
                    match changes.last_mut() {
                        Some((last, replacements)) if *last == path.as_str() => replacements.push(replacement),
                        _ => changes.push((path, vec![replacement])),
                    }
                }
                let changes: Vec<Value> = changes
                    .into_iter()
                    .map(|(path, replacements)| json!({ "artifactLocation": artifact(path), "replacements": replacements }))
                    .collect();
                json!({ "description": { "text": fix.title }, "artifactChanges": changes })
            })
            .collect();
        result["fixes"] = Value::Array(fixes);
    }
    result
}

fn artifact(path: &str) -> Value {
    json!({ "uri": utf8_percent_encode(path, PATH).to_string(), "uriBaseId": "ROOT" })
}

/// SARIF counts lines and columns from 1; an empty range is an insertion point there.
fn region(range: Range) -> Value {
    json!({
        "startLine": range.start.line + 1,
        "startColumn": range.start.character + 1,
        "endLine": range.end.line + 1,
        "endColumn": range.end.character + 1,
    })
}

/// SARIF has three levels for a finding; information and hints are both `note`.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

/// The registry's summary as a sentence: capitalised, with a full stop.
fn sentence(summary: &str) -> String {
    format!("{}.", capitalised(summary))
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{first}{}", chars.as_str())
}
