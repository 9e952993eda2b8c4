use canopy_analysis::{DiagnosticKind, Severity};
use expect_test::{Expect, expect};

use crate::ProjectConfig;

fn error(text: &str, expect: Expect) {
    match ProjectConfig::parse(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(err) => expect.assert_eq(&err.to_string()),
    }
}

#[test]
fn a_full_file() {
    let config = ProjectConfig::parse(
        r#"
classes = ["wsl", "microvm"]
exclude = ["templates", "vendor/**/*.nix", "./scratch/"]

[diagnostics]
disabled = ["toplevel-pkgs"]
enabled = ["unused-aspect"]
severity = { unknown-class = "error", "undefined-aspect" = "hint" }
"#,
    )
    .expect("a valid file");
    let d = &config.diagnostics;
    assert!(!d.reports(DiagnosticKind::ToplevelPkgs));
    assert!(d.reports(DiagnosticKind::UnusedAspect));
    assert!(d.reports(DiagnosticKind::UndefinedAspect));
    let unknown = canopy_analysis::Diagnostic::new(DiagnosticKind::UnknownClass, Default::default(), "");
    assert_eq!(d.severity_of(&unknown), Severity::Error);
    assert_eq!(config.classes, ["wsl", "microvm"]);
    for excluded in ["templates/x.nix", "templates/a/b.nix", "vendor/a/b/c.nix", "vendor/c.nix", "scratch/y.nix"] {
        assert!(config.exclude.excludes(excluded), "{excluded}");
    }
    for kept in ["modules/templates.nix", "modules/templates/x.nix", "vendor/readme.md", "scratchpad.nix"] {
        assert!(!config.exclude.excludes(kept), "{kept}");
    }
}

#[test]
fn an_empty_file_changes_nothing() {
    let config = ProjectConfig::parse("# nothing yet\n").expect("valid");
    assert_eq!(config.diagnostics, Default::default());
    assert!(config.classes.is_empty());
    assert!(!config.exclude.excludes("modules/a.nix"));
}

#[test]
fn malformed_files_name_the_line() {
    error(
        "[diagnostics]\ndisabled = [\"undefined-aspects\"]\n",
        expect!["2:13: unknown code `undefined-aspects`; did you mean `undefined-aspect`?"],
    );
    error(
        "[diagnostics]\ndisabled = [\"frobnicate\"]\n",
        expect!["2:13: unknown code `frobnicate` (`canopy check` prints each diagnostic's code)"],
    );
    error(
        "[diagnostics]\nseverity = { unknown-class = \"fatal\" }\n",
        expect!["2:30: unknown severity `fatal`: expected `error`, `warning`, `information`, `hint`"],
    );
    error(
        "[diagnostics]\ndisabeld = []\n",
        expect!["2:1: unknown field `disabeld`, expected one of `disabled`, `enabled`, `severity`"],
    );
    error("classes = \"wsl\"\n", expect!["1:11: invalid type: string \"wsl\", expected a sequence"]);
    error("classes = [\"wsl\"\n", expect!["1:17: unclosed array, expected `]`"]);
    error("exclude = [\"/etc/**\"]\n", expect!["1:12: `/etc/**`: give a path relative to the folder of canopy.toml"]);
    error("exclude = [\"a/[b\"]\n", expect!["1:12: `a/[b` is no glob pattern: unclosed character class; missing ']'"]);
    error(
        "[diagnostics]\ndisabled = [\"unused-aspect\"]\nenabled = [\"unused-aspect\"]\n",
        expect!["3:12: `unused-aspect` is both enabled and disabled"],
    );
    error("classes = [\"two words\"]\n", expect!["1:12: `two words` is no class name"]);
}
