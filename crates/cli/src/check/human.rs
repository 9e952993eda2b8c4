//! `path:line:column: severity[code]: message`, then a summary line.
//!
//! Lines and columns are 1-based, columns in UTF-16 code units (LSP's and most editors' unit), so
//! that `path:line:column` opens at the right place from a terminal. Paths start from the current
//! folder. Paths and messages are escaped (`output::escape`): one line per diagnostic, whatever
//! the repository's file names and quoted names hold.

use std::io::{self, Write};

use canopy_analysis::Severity;

use super::Report;
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
    writeln!(out, "{}", summary(report))
}

/// `2 errors, 1 warning, 0 hints in 12 files (1 skipped)`. Errors, warnings and hints always
/// appear, so the line reads the same from run to run; information only when there is some (no
/// kind produces it by default).
fn summary(report: &Report) -> String {
    let of = |severity| report.diagnostics.iter().filter(|d| d.severity == severity).count();
    let mut parts =
        vec![count(of(Severity::Error), "error", "errors"), count(of(Severity::Warning), "warning", "warnings")];
    let information = of(Severity::Information);
    if information > 0 {
        parts.push(count(information, "information", "information"));
    }
    parts.push(count(of(Severity::Hint), "hint", "hints"));
    let mut line = format!("{} in {}", parts.join(", "), count(report.files, "file", "files"));
    if !report.skipped.is_empty() {
        line.push_str(&format!(" ({} skipped)", report.skipped.len()));
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

    #[test]
    fn a_clean_report_is_just_the_summary() {
        let mut report = testing::report();
        report.diagnostics.clear();
        report.skipped.clear();
        report.files = 1;
        let mut out = Vec::new();
        write(&mut out, &report, "").expect("write to memory");
        assert_eq!(String::from_utf8_lossy(&out), "0 errors, 0 warnings, 0 hints in 1 file\n");
    }
}
