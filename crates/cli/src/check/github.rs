//! GitHub Actions workflow commands: each diagnostic becomes an annotation on the pull request.
//!
//! Escaping follows `@actions/core` (`escapeData`, `escapeProperty`): `%`, `\r` and `\n` in the
//! message; additionally `:` and `,` in properties such as the file name and title, which would
//! otherwise end the property.

use std::io::{self, Write};

use canopy_analysis::Severity;

use super::Report;

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
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
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
