//! `path:line:column: severity[code]: message`, then a summary line.
//!
//! Lines and columns are 1-based, columns in UTF-16 code units (LSP's and most editors' unit), so
//! that `path:line:column` opens at the right place from a terminal. Paths start from the current
//! folder. Paths and messages are escaped (`output::escape`): one line per diagnostic, whatever
//! the repository's file names and quoted names hold.

use std::io::{self, Write};

use canopy_analysis::Severity;

use super::{Entry, FlakeSummary, Report};
use crate::output::{count, escape};

pub fn write(out: &mut dyn Write, report: &Report, display_prefix: &str) -> io::Result<()> {
    for d in &report.diagnostics {
        writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            escape(&format!("{display_prefix}{}", d.path)),
            d.range.start.line + 1,
            d.range.start.character + 1,
            d.severity.as_str(),
            d.code,
            escape(&d.message),
        )?;
    }
    if !report.diagnostics.is_empty() {
        writeln!(out)?;
    }
    // One summary per flake when the folder holds several (dendritic.md §8.1); a folder that only
    // holds flakes below it has nothing of its own to count.
    let shown: Vec<&FlakeSummary> = report.flakes.iter().filter(|f| f.files > 0).collect();
    if shown.len() <= 1 {
        let skipped = report.skipped.len();
        return writeln!(out, "{}", summary(report.diagnostics.iter(), report.files, report.reported, skipped));
    }
    for flake in shown {
        let own = report.diagnostics.iter().filter(|d| flake_of(report, &d.path) == Some(&flake.prefix));
        let skipped = report.skipped.iter().filter(|s| flake_of(report, &s.path) == Some(&flake.prefix)).count();
        let folder = crate::analyse::folder(display_prefix, &flake.prefix);
        writeln!(out, "{}: {}", escape(&folder), summary(own, flake.files, flake.reported, skipped))?;
    }
    Ok(())
}

/// The prefix of the innermost flake holding `path`.
fn flake_of<'a>(report: &'a Report, path: &str) -> Option<&'a String> {
    report.flakes.iter().map(|f| &f.prefix).filter(|prefix| path.starts_with(prefix.as_str())).max_by_key(|p| p.len())
}

/// `2 errors, 1 warning, 0 hints in 12 files (1 skipped)`. Errors, warnings and hints always
/// appear, so the line reads the same from run to run; information only when there is some (no
/// kind produces it by default). `in 1 of 12 files` when only some of the files read are
/// reported (files named on the command line, files `canopy.toml` excludes).
fn summary<'a>(
    diagnostics: impl Iterator<Item = &'a Entry> + Clone,
    files: usize,
    reported: usize,
    skipped: usize,
) -> String {
    let of = |severity| diagnostics.clone().filter(|d| d.severity == severity).count();
    let mut parts =
        vec![count(of(Severity::Error), "error", "errors"), count(of(Severity::Warning), "warning", "warnings")];
    let information = of(Severity::Information);
    if information > 0 {
        parts.push(count(information, "information", "information"));
    }
    parts.push(count(of(Severity::Hint), "hint", "hints"));
    let files = match reported < files {
        true => format!("{reported} of {}", count(files, "file", "files")),
        false => count(files, "file", "files"),
    };
    let mut line = format!("{} in {files}", parts.join(", "));
    if skipped > 0 {
        line.push_str(&format!(" ({skipped} skipped)"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::write;
    use crate::check::testing;

    fn render(prefix: &str) -> String {
        let mut out = Vec::new();
        write(&mut out, &testing::report(), prefix).expect("write to memory");
        String::from_utf8(out).expect("UTF-8 output")
    }

    #[test]
    fn one_line_per_diagnostic_sorted_then_a_summary() {
        assert_eq!(
            render(""),
            "\
modules/hosts/gouda.nix:4:50: error[undefined-aspect]: no aspect `flake.modules.nixos.bse`: did you mean `base`?
modules/hosts/gouda.nix:4:54: information[unused-aspect]: line one\\nline two, 100% odd: \\r
modules/odd [x]/ça va.nix:1:3: warning[toplevel-pkgs]: `pkgs` does not exist at top level, only inside `perSystem`
modules/odd [x]/ça va.nix:3:17: warning[unknown-class]: unknown class `homemanager`: did you mean `homeManager`?
modules/odd [x]/ça va.nix:4:40: error[undefined-variable]: undefined variable `nope`

2 errors, 2 warnings, 1 information, 0 hints in 12 files (1 skipped)
"
        );
    }

    #[test]
    fn paths_start_from_the_current_folder() {
        let text = render("fixtures/broken/");
        assert!(text.starts_with("fixtures/broken/modules/hosts/gouda.nix:4:50: "));
    }

    /// The output of the test report without diagnostics or skipped files, its file counts set.
    fn clean(files: usize, reported: usize) -> String {
        let mut report = testing::report();
        report.diagnostics.clear();
        report.skipped.clear();
        (report.files, report.reported) = (files, reported);
        let mut out = Vec::new();
        write(&mut out, &report, "").expect("write to memory");
        String::from_utf8(out).expect("UTF-8 output")
    }

    #[test]
    fn a_clean_report_is_just_the_summary() {
        assert_eq!(clean(1, 1), "0 errors, 0 warnings, 0 hints in 1 file\n");
    }

    #[test]
    fn a_report_of_some_files_says_how_many_of_those_read() {
        assert_eq!(clean(12, 1), "0 errors, 0 warnings, 0 hints in 1 of 12 files\n");
    }
}
