use expect_test::{Expect, expect};

use crate::checks::test_support::analysis;
use crate::{Analysis, DiagnosticKind, DiagnosticsConfig, Encoding, Severity};

/// What the user sees of every file under `config`, one diagnostic a line.
fn render(analysis: &Analysis, config: &DiagnosticsConfig) -> String {
    let mut out = Vec::new();
    for file in analysis.files() {
        let text = analysis.text(file);
        for d in analysis.reported(file, config) {
            let pos = analysis.line_index(file).line_col(text, d.range.start(), Encoding::Utf8);
            let fixes: Vec<&str> = d.fixes.iter().map(|f| f.title.as_str()).collect();
            out.push(format!(
                "{}:{}:{} {}[{}] {:?}: {}{}",
                analysis.path(file),
                pos.line + 1,
                pos.col + 1,
                d.severity.as_str(),
                d.kind.code(),
                &text[d.range],
                d.message,
                if fixes.is_empty() { String::new() } else { format!(" (fix: {})", fixes.join("; ")) }
            ));
        }
    }
    out.join("\n")
}

fn check(fixture: &str, expect: Expect) {
    expect.assert_eq(&render(&analysis(fixture), &DiagnosticsConfig::default()));
}

/// Two undefined aspects: one is what each suppression form is tried on, the other must stay.
const HOST: &str = "{ config, ... }:
{
  configurations.nixos.a.module.imports = [ config.flake.modules.nixos.gone ];
  configurations.nixos.b.module.imports = [ config.flake.modules.nixos.lost ];
}
";

#[test]
fn without_suppressions_both_are_reported() {
    check(
        &format!("#- /modules/hosts.nix\n{HOST}"),
        expect![[r#"
            modules/hosts.nix:3:72 error[undefined-aspect] "gone": aspect `gone` is not defined in `flake.modules.nixos` (fix: Create aspect `gone` in `modules/gone.nix`)
            modules/hosts.nix:4:72 error[undefined-aspect] "lost": aspect `lost` is not defined in `flake.modules.nixos` (fix: Create aspect `lost` in `modules/lost.nix`)"#]],
    );
}

#[test]
fn at_the_end_of_the_line() {
    let text = HOST.replace("gone ];", "gone ]; # canopy: ignore[undefined-aspect]");
    check(
        &format!("#- /modules/hosts.nix\n{text}"),
        expect![[
            r#"modules/hosts.nix:4:72 error[undefined-aspect] "lost": aspect `lost` is not defined in `flake.modules.nixos` (fix: Create aspect `lost` in `modules/lost.nix`)"#
        ]],
    );
}

#[test]
fn alone_on_the_line_above() {
    let text = HOST.replace(
        "  configurations.nixos.b",
        "  # canopy: ignore[undefined-aspect] -- lost is defined by a flake we import\n  configurations.nixos.b",
    );
    check(
        &format!("#- /modules/hosts.nix\n{text}"),
        expect![[
            r#"modules/hosts.nix:3:72 error[undefined-aspect] "gone": aspect `gone` is not defined in `flake.modules.nixos` (fix: Create aspect `gone` in `modules/gone.nix`)"#
        ]],
    );
}

#[test]
fn stacked_comments_above_a_line_all_apply_to_it() {
    let text = HOST.replace(
        "  configurations.nixos.b",
        "  # canopy: ignore[undefined-aspect]\n  # canopy: ignore[unknown-class]\n  configurations.nixos.b",
    );
    // The first suppresses; the second names a kind that is not there, and says so.
    check(
        &format!("#- /modules/hosts.nix\n{text}"),
        expect![[r#"
            modules/hosts.nix:3:72 error[undefined-aspect] "gone": aspect `gone` is not defined in `flake.modules.nixos` (fix: Create aspect `gone` in `modules/gone.nix`)
            modules/hosts.nix:5:20 hint[unused-suppression] "unknown-class": unused suppression: no `unknown-class` here to suppress (fix: Remove the suppression comment)"#]],
    );
}

#[test]
fn ignore_without_codes_suppresses_every_code_on_its_line() {
    let text = HOST.replace("gone ];", "gone ]; # canopy: ignore");
    check(
        &format!("#- /modules/hosts.nix\n{text}"),
        expect![[
            r#"modules/hosts.nix:4:72 error[undefined-aspect] "lost": aspect `lost` is not defined in `flake.modules.nixos` (fix: Create aspect `lost` in `modules/lost.nix`)"#
        ]],
    );
}

#[test]
fn ignore_file_in_the_leading_comments() {
    let text = format!("# Hosts of the lab.\n# canopy: ignore-file[undefined-aspect]\n{HOST}");
    check(&format!("#- /modules/hosts.nix\n{text}"), expect![[""]]);
}

#[test]
fn ignore_file_after_code_suppresses_nothing_and_says_why() {
    let text =
        HOST.replace("{ config, ... }:\n{\n", "{ config, ... }:\n{\n  # canopy: ignore-file[undefined-aspect]\n");
    check(
        &format!("#- /modules/hosts.nix\n{text}"),
        expect![[r#"
            modules/hosts.nix:3:5 hint[unused-suppression] "canopy: ignore-file[undefined-aspect]": this suppression suppresses nothing: `ignore-file` works only among the file's leading comments (fix: Remove the suppression comment)
            modules/hosts.nix:4:72 error[undefined-aspect] "gone": aspect `gone` is not defined in `flake.modules.nixos` (fix: Create aspect `gone` in `modules/gone.nix`)
            modules/hosts.nix:5:72 error[undefined-aspect] "lost": aspect `lost` is not defined in `flake.modules.nixos` (fix: Create aspect `lost` in `modules/lost.nix`)"#]],
    );
}

#[test]
fn unused_and_unreadable_suppressions_are_hints() {
    let fixture = "#- /modules/clean.nix
# canopy: ignore-file[unused-aspect]
{
  flake.modules.nixos.base = { }; # canopy: ignore[undefined-aspect, no-such-code]
  # canopy: ignore
  flake.modules.nixos.other = { }; # canopy: ignor[undefined-aspect]
  flake.modules.nixos.third = { }; # canopy: ignore[undefined-aspect
  x = \"# canopy: ignore[undefined-aspect] in a string is no comment\";
}
";
    check(
        fixture,
        expect![[r#"
            modules/clean.nix:1:23 hint[unused-suppression] "unused-aspect": unused suppression: no `unused-aspect` here to suppress (fix: Remove the suppression comment)
            modules/clean.nix:3:52 hint[unused-suppression] "undefined-aspect": unused suppression: no `undefined-aspect` here to suppress (fix: Remove the suppression comment)
            modules/clean.nix:3:70 hint[unused-suppression] "no-such-code": unused suppression: `no-such-code` is no code of canopy's (fix: Remove the suppression comment)
            modules/clean.nix:4:5 hint[unused-suppression] "canopy: ignore": unused suppression: no diagnostic here to suppress (fix: Remove the suppression comment)
            modules/clean.nix:5:38 hint[unused-suppression] "canopy: ignor[undefined-aspect]": this suppression suppresses nothing: expected `ignore[code]` or `ignore-file[code]` after `canopy:` (fix: Remove the suppression comment)
            modules/clean.nix:6:38 hint[unused-suppression] "canopy: ignore[undefined-aspect": this suppression suppresses nothing: the list of codes has no closing `]` (fix: Remove the suppression comment)"#]],
    );
}

#[test]
fn a_partly_used_suppression_reports_only_the_unused_code() {
    let text = HOST.replace("gone ];", "gone ]; # canopy: ignore[unknown-class, undefined-aspect]");
    check(
        &format!("#- /modules/hosts.nix\n{text}"),
        expect![[r#"
            modules/hosts.nix:3:97 hint[unused-suppression] "unknown-class": unused suppression: no `unknown-class` here to suppress
            modules/hosts.nix:4:72 error[undefined-aspect] "lost": aspect `lost` is not defined in `flake.modules.nixos` (fix: Create aspect `lost` in `modules/lost.nix`)"#]],
    );
}

#[test]
fn a_suppression_of_a_kind_the_user_turned_off_suppresses_nothing() {
    let text = HOST.replace("gone ];", "gone ]; # canopy: ignore[undefined-aspect]");
    let analysis = analysis(&format!("#- /modules/hosts.nix\n{text}"));
    let mut config = DiagnosticsConfig::default();
    config.set_enabled(DiagnosticKind::UndefinedAspect, false);
    expect![[r#"modules/hosts.nix:3:97 hint[unused-suppression] "undefined-aspect": unused suppression: no `undefined-aspect` here to suppress (fix: Remove the suppression comment)"#]]
        .assert_eq(&render(&analysis, &config));
    config.set_enabled(DiagnosticKind::UnusedSuppression, false);
    assert_eq!(render(&analysis, &config), "");
}

#[test]
fn removing_an_unused_suppression_leaves_the_code_as_it_was() {
    let fixture = "#- /modules/clean.nix\n{\n  # canopy: ignore[undefined-aspect]\n  flake.modules.nixos.base = { }; # canopy: ignore\n}\n";
    let analysis = analysis(fixture);
    let file = analysis.file_id("modules/clean.nix").expect("the file");
    let mut text = analysis.text(file).to_owned();
    let mut fixes: Vec<_> = analysis
        .reported(file, &DiagnosticsConfig::default())
        .into_iter()
        .flat_map(|d| d.fixes)
        .flat_map(|f| f.edits.clone())
        .flat_map(|e| e.edits)
        .collect();
    fixes.sort_by_key(|e| std::cmp::Reverse(e.range.start()));
    for edit in fixes {
        text.replace_range(std::ops::Range::<usize>::from(edit.range), &edit.new_text);
    }
    assert_eq!(text, "{\n  flake.modules.nixos.base = { };\n}\n");
}

#[test]
fn severity_overrides_apply_and_never_raise_what_canopy_lowered() {
    let analysis = analysis(&format!("#- /modules/hosts.nix\n{HOST}"));
    let file = analysis.file_id("modules/hosts.nix").expect("the file");
    let mut config = DiagnosticsConfig::default();
    config.set_severity(DiagnosticKind::UndefinedAspect, Severity::Warning);
    let shown = analysis.reported(file, &config);
    assert_eq!(shown.len(), 2);
    assert!(shown.iter().all(|d| d.severity == Severity::Warning));

    // A finding canopy lowered to a warning stays one under an override to `error`.
    let mut lowered = shown[0].clone();
    config.set_severity(DiagnosticKind::UndefinedAspect, Severity::Error);
    assert_eq!(config.severity_of(&lowered), Severity::Warning);
    lowered.severity = Severity::Error;
    assert_eq!(config.severity_of(&lowered), Severity::Error);
    config.set_severity(DiagnosticKind::UndefinedAspect, Severity::Hint);
    assert_eq!(config.severity_of(&lowered), Severity::Hint);
}

#[test]
fn layers_override_in_order_and_select_replaces_the_defaults() {
    let mut file = DiagnosticsConfig::default();
    file.set_enabled(DiagnosticKind::UnusedAspect, true);
    file.set_enabled(DiagnosticKind::UnknownClass, false);
    let mut flags = DiagnosticsConfig::default();
    flags.set_enabled(DiagnosticKind::UnknownClass, true);
    let both = file.clone().then(&flags);
    assert!(both.reports(DiagnosticKind::UnusedAspect));
    assert!(both.reports(DiagnosticKind::UnknownClass));
    assert!(!file.reports(DiagnosticKind::UnknownClass));

    let mut selected = DiagnosticsConfig::default();
    selected.select_only(&[DiagnosticKind::UnusedAspect].into_iter().collect());
    assert!(selected.reports(DiagnosticKind::UnusedAspect));
    assert!(!selected.reports(DiagnosticKind::SyntaxError));
}

#[test]
fn many_suppressions_and_diagnostics_cost_their_sum() {
    // 20,000 lines each with an undefined aspect and its suppression: all suppressed, none left.
    let n = 20_000;
    let mut text = String::from("{ config, ... }:\n{\n");
    for i in 0..n {
        text.push_str(&format!(
            "  configurations.nixos.h{i}.module.imports = [ config.flake.modules.nixos.x{i} ]; # canopy: ignore[undefined-aspect]\n"
        ));
    }
    text.push_str("}\n");
    let analysis = analysis(&format!("#- /modules/hosts.nix\n{text}"));
    let file = analysis.file_id("modules/hosts.nix").expect("the file");
    assert_eq!(analysis.diagnostics(file).len(), n);
    assert_eq!(analysis.reported(file, &DiagnosticsConfig::default()), Vec::new());
}

#[test]
fn user_classes_are_known() {
    let fixture = "#- /modules/wsl.nix\n{\n  flake.modules.wsl2.base = { };\n}\n";
    let mut analysis = analysis(fixture);
    let unknown = |a: &Analysis| {
        a.files().into_iter().flat_map(|f| a.diagnostics(f)).filter(|d| d.kind == DiagnosticKind::UnknownClass).count()
    };
    assert_eq!(unknown(&analysis), 1);
    analysis.set_user_classes(["wsl2".to_owned()]);
    assert_eq!(unknown(&analysis), 0);
    analysis.set_user_classes([]);
    assert_eq!(unknown(&analysis), 1);
}

#[test]
fn the_suppress_fix_silences_the_diagnostic_and_is_used() {
    let fixture = format!("#- /modules/hosts.nix\n{HOST}");
    let analysis = analysis(&fixture);
    let file = analysis.file_id("modules/hosts.nix").expect("the file");
    let config = DiagnosticsConfig::default();
    let first = analysis.reported(file, &config).into_iter().next().expect("a diagnostic");
    let fix = analysis.suppression(file, &first).expect("a suppression fix");
    assert_eq!(fix.title, "Suppress `undefined-aspect` on this line");
    let mut text = analysis.text(file).to_owned();
    for edit in fix.edits.iter().flat_map(|e| e.edits.iter()).rev() {
        text.replace_range(std::ops::Range::<usize>::from(edit.range), &edit.new_text);
    }
    assert!(text.contains("\n  # canopy: ignore[undefined-aspect]\n  configurations.nixos.a"), "{text}");
    let fixed = crate::checks::test_support::analysis(&format!("#- /modules/hosts.nix\n{text}"));
    let file = fixed.file_id("modules/hosts.nix").expect("the file");
    let left: Vec<String> =
        fixed.reported(file, &config).iter().map(|d| fixed.text(file)[d.range].to_owned()).collect();
    assert_eq!(left, ["lost"], "only the other one is left, and the comment is used");
}

#[test]
fn no_suppress_fix_where_the_line_starts_inside_a_string() {
    let fixture = "#- /modules/doc.nix
{ config, ... }:
{
  x = ''
    ${toString config.flake.modules.nixos.gone}
  '';
}
";
    let analysis = analysis(fixture);
    let file = analysis.file_id("modules/doc.nix").expect("the file");
    let found = analysis.reported(file, &DiagnosticsConfig::default());
    let gone = found.iter().find(|d| d.kind == DiagnosticKind::UndefinedAspect).expect("undefined `gone`");
    assert_eq!(analysis.suppression(file, gone), None);
}

/// Reporting a file's diagnostics makes its line index only where a suppression needs lines: a
/// server reports every file of a workspace, and kept an index of each (5 MiB of 98 at 10,000
/// files) though it positions nothing in most.
#[test]
fn reporting_makes_a_line_index_only_for_suppressions() {
    let ws = analysis(&format!(
        "#- /modules/host.nix\n{HOST}#- /modules/quiet.nix\n{{ flake.modules.nixos.quiet = {{ }}; }}\n#- /modules/marked.nix\n# canopy: ignore[undefined-aspect]\n{{ flake.modules.nixos.marked = {{ }}; }}\n"
    ));
    let config = DiagnosticsConfig::default();
    for file in ws.files() {
        let reported = ws.reported(file, &config);
        let indexed = ws.graph().has_line_index(file);
        let path = ws.path(file);
        match path {
            "modules/marked.nix" => assert!(indexed, "{path}: its suppression is read by line"),
            _ => assert!(!indexed, "{path}: {} diagnostics and no suppression, and an index", reported.len()),
        }
    }
    assert!(!ws.reported(ws.file_id("modules/host.nix").expect("host"), &config).is_empty());
}
