//! GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.
//!
//! Escaping follows GitHub's documented one (`@actions/core`'s `escapeData` and
//! `escapeProperty`, which the runner's parser undoes): `%`, `\r` and `\n` in the message;
//! additionally `:` and `,` in properties such as the file name and title, which would otherwise
//! end the property. Every other control character (`output::is_control`: ESC, the rest of C0,
//! DEL, C1, the Unicode line separators) is percent-encoded the same way, byte by byte in UTF-8;
//! the runner leaves those as they are (`%1B`), so they show as text and never reach a terminal.
//! With no raw line break left, each diagnostic is one line, and each line is one command.

use std::fmt::Write as _;
use std::io::{self, Write};

use canopy_analysis::Severity;

use super::Report;
use crate::output::is_control;

pub fn write(out: &mut dyn Write, report: &Report, display_prefix: &str) -> io::Result<()> {
    for d in &report.diagnostics {
        // Hints and information are `notice`s: GitHub has no lower level.
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information | Severity::Hint => "notice",
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&format!("{display_prefix}{}", d.path)),
            d.range.start.line + 1,
            d.range.start.character + 1,
            d.range.end.line + 1,
            d.range.end.character + 1,
            escape_property(&format!("canopy({})", d.code)),
            escape_data(&d.message),
        )?;
    }
    Ok(())
}

fn escape_data(text: &str) -> String {
    percent_encode(text, &['%'])
}

fn escape_property(text: &str) -> String {
    percent_encode(text, &['%', ':', ','])
}

/// `text` with `special` and every control character percent-encoded.
fn percent_encode(text: &str, special: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_control(c) || special.contains(&c) {
            for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape_data, escape_property, write};
    use crate::check::testing;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("100% a:b, c\r\nd"), "100%25 a:b, c%0D%0Ad");
        assert_eq!(escape_property("a%b:c,d\ne"), "a%25b%3Ac%2Cd%0Ae");
        // `%` first, so that the escapes themselves are not escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn control_characters_are_percent_encoded_everywhere() {
        let text = "\x1b[31m\t\0\x7f\u{85}\u{2028}\u{2029}::##[x]";
        assert_eq!(escape_data(text), "%1B[31m%09%00%7F%C2%85%E2%80%A8%E2%80%A9::##[x]");
        assert_eq!(escape_property(text), "%1B[31m%09%00%7F%C2%85%E2%80%A8%E2%80%A9%3A%3A##[x]");
    }

    #[test]
    fn one_annotation_per_diagnostic() {
        let mut out = Vec::new();
        write(&mut out, &testing::report(), "sub dir/").expect("write to memory");
        let text = String::from_utf8(out).expect("UTF-8 output");
        assert_eq!(
            text,
            "\
::error file=sub dir/modules/hosts/gouda.nix,line=4,col=50,endLine=4,endColumn=53,title=canopy(undefined-aspect)::no aspect `flake.modules.nixos.bse`: did you mean `base`?
::notice file=sub dir/modules/hosts/gouda.nix,line=4,col=54,endLine=4,endColumn=61,title=canopy(unused-aspect)::line one%0Aline two, 100%25 odd: %0D
::warning file=sub dir/modules/odd [x]/ça va.nix,line=1,col=3,endLine=1,endColumn=7,title=canopy(toplevel-pkgs)::`pkgs` does not exist at top level, only inside `perSystem`
::warning file=sub dir/modules/odd [x]/ça va.nix,line=3,col=17,endLine=3,endColumn=28,title=canopy(unknown-class)::unknown class `homemanager`: did you mean `homeManager`?
::error file=sub dir/modules/odd [x]/ça va.nix,line=4,col=40,endLine=4,endColumn=44,title=canopy(undefined-variable)::undefined variable `nope`
"
        );
    }
}
