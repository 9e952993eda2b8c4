//! One JSON object, the contract for tools: paths relative to the root with `/` separators,
//! LSP ranges (0-based, UTF-16 columns).

use std::io::{self, Write};

use serde::Serialize;

use super::Report;
use crate::location::Range;

#[derive(Serialize)]
struct Output<'a> {
    root: String,
    files: usize,
    aspects: usize,
    diagnostics: Vec<Diagnostic<'a>>,
    /// Not in the original contract: files canopy found but could not read. Tools that only know
    /// the contract's keys can ignore it.
    skipped: Vec<Skipped<'a>>,
    /// Also added later: the folder's own workspace, then every flake below it, each analysed on
    /// its own (`files` and `aspects` above are their sums).
    flakes: Vec<Flake<'a>>,
    /// Added later too: how many of `files` had their diagnostics reported (fewer when the
    /// command line names files, or `canopy.toml` excludes some).
    reported: usize,
}

#[derive(Serialize)]
struct Flake<'a> {
    /// Relative to the root, ending in `/`; empty for the root.
    path: &'a str,
    files: usize,
    reported: usize,
    aspects: usize,
    dendritic: bool,
    /// Why it is no dendritic flake, when it is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
}

/// A file canopy found but could not analyse. The shape is part of the JSON contract, so it is
/// spelled here rather than derived from `canopy_vfs::Skipped`.
#[derive(Serialize)]
struct Skipped<'a> {
    path: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    path: &'a str,
    range: Range,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
}

pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let output = Output {
        root: report.root.to_string_lossy().into_owned(),
        files: report.files,
        aspects: report.aspects,
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| Diagnostic {
                path: &d.path,
                range: d.range,
                severity: d.severity.as_str(),
                code: d.code,
                message: &d.message,
            })
            .collect(),
        skipped: report.skipped.iter().map(|s| Skipped { path: &s.path, reason: &s.reason }).collect(),
        flakes: report
            .flakes
            .iter()
            .map(|f| Flake {
                path: &f.prefix,
                files: f.files,
                reported: f.reported,
                aspects: f.aspects,
                dendritic: f.not_dendritic.is_none(),
                note: f.not_dendritic.map(|n| n.explanation()),
            })
            .collect(),
        reported: report.reported,
    };
    serde_json::to_writer_pretty(&mut *out, &output)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::write;
    use crate::check::testing;

    #[test]
    fn follows_the_contract() {
        let mut out = Vec::new();
        write(&mut out, &testing::report()).expect("write to memory");
        let value: Value = serde_json::from_slice(&out).expect("one JSON value");
        assert_eq!(value["root"], "/home/me/repo");
        assert_eq!(value["files"], 12);
        assert_eq!(value["aspects"], 4);
        assert_eq!(
            value["diagnostics"][0],
            json!({
                "path": "modules/hosts/gouda.nix",
                "range": {
                    "start": { "line": 3, "character": 49 },
                    "end": { "line": 3, "character": 52 }
                },
                "severity": "error",
                "code": "undefined-aspect",
                "message": "no aspect `flake.modules.nixos.bse`: did you mean `base`?"
            })
        );
        // UTF-16 columns: `🌲` before `nope` is two code units (and four bytes) wide.
        assert_eq!(value["diagnostics"][4]["path"], "modules/odd [x]/ça va.nix");
        assert_eq!(
            value["diagnostics"][4]["range"],
            json!({ "start": { "line": 3, "character": 39 }, "end": { "line": 3, "character": 43 } })
        );
        assert_eq!(value["diagnostics"][1]["severity"], "information");
        assert_eq!(
            value["skipped"],
            json!([{ "path": "modules/bad.nix", "reason": "not valid UTF-8 (first bad byte at offset 7)" }])
        );
    }
}
