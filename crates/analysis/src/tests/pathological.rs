//! Files no one writes by hand but someone will open: 100,000 levels of nesting, a 20 MB module,
//! binary garbage, every line-break style. Each is analysed in bounded time on the stack canopy's
//! callers give the analysis, and where canopy cannot analyse a file it says so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::support::{self, on_analysis_stack};
use crate::summary::OpaqueReason;
use crate::summary::extract;
use crate::syntax;
use crate::{
    Analysis, Change, Diagnostic, DiagnosticKind, Encoding, FilePosition, Hover, LineCol, Navigation, Rename, Severity,
    Site, TextRange, TextSize,
};

/// Catches stalls, not slowness: each case here takes well under a second on a quiet machine.
const LIMIT: Duration = Duration::from_secs(10);

const DEPTH: usize = 100_000;

const FLAKE: &str =
    "{ outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules); }\n";

fn timed<R>(what: &str, limit: Duration, f: impl FnOnce() -> R) -> R {
    let started = Instant::now();
    let result = f();
    let elapsed = started.elapsed();
    assert!(elapsed < limit, "{what} took {elapsed:?}");
    result
}

/// A workspace of the flake and one module, with the module's diagnostics, after asking every
/// query in the middle of the module (the answers must merely come back; `robustness.rs` checks
/// them, and offsets everywhere).
fn analyse(module: &str) -> Vec<Diagnostic> {
    ask(module, None, LIMIT).diagnostics
}

/// What the door answers about the module, at one offset.
struct Answers {
    diagnostics: Vec<Diagnostic>,
    hover: Option<Hover>,
    definition: Option<Navigation>,
    references: Option<Vec<Site>>,
    /// Asked only at a given offset: the cases that need no answer skip the cost.
    rename: Option<Result<Rename, String>>,
}

/// Every query on a workspace of the flake and `module`, at offset `at` of the module (its middle
/// when `None`), failing past `limit`.
fn ask(module: &str, at: Option<usize>, limit: Duration) -> Answers {
    let module = module.to_string();
    on_analysis_stack(move || {
        timed("analysing the workspace", limit, || {
            let mut ws = Analysis::new();
            let set =
                vec![("flake.nix".to_string(), Arc::from(FLAKE)), ("modules/x.nix".to_string(), Arc::from(module))];
            ws.apply(Change { set, remove: Vec::new() });
            let file = ws.file_id("modules/x.nix").expect("the module is in the workspace");
            let rename_at = at;
            let at = at.unwrap_or(ws.text(file).len() / 2);
            let pos = FilePosition { file, offset: TextSize::from(at as u32) };
            let _ = ws.symbol_at(pos);
            let _ = ws.completions(pos);
            let _ = ws.document_symbols(file);
            Answers {
                hover: ws.hover(pos),
                definition: ws.goto_definition(pos),
                references: ws.references(pos, true),
                rename: rename_at.map(|_| {
                    let _ = ws.prepare_rename(pos);
                    ws.rename(pos, "sshd")
                }),
                diagnostics: ws.diagnostics(file),
            }
        })
    })
}

fn first_error(diagnostics: &[Diagnostic]) -> &Diagnostic {
    diagnostics.first().unwrap_or_else(|| panic!("no diagnostic"))
}

#[test]
fn nesting_deeper_than_nix_allows_is_an_error_found_in_bounded_time() {
    let shapes = [
        ("lists", format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH))),
        ("spaced lists", format!("{}{}", "[ ".repeat(DEPTH), " ]".repeat(DEPTH))),
        ("parentheses", format!("{}1{}", "(".repeat(DEPTH), ")".repeat(DEPTH))),
        ("attribute sets", format!("{}1{}", "{ a = ".repeat(DEPTH), "; }".repeat(DEPTH))),
        ("lambdas", format!("{}x", "x: ".repeat(DEPTH))),
        ("lets", format!("{}x", "let x = 1; in ".repeat(DEPTH))),
        ("negations", format!("{}x", "!".repeat(DEPTH))),
        ("minus signs", format!("{}x", "- ".repeat(DEPTH))),
        ("interpolations", format!("{}x{}", "\"${".repeat(DEPTH), "}\"".repeat(DEPTH))),
        ("indented interpolations", format!("{}x{}", "''${".repeat(DEPTH), "}''".repeat(DEPTH))),
        ("ifs", format!("{}1{}", "if true then ".repeat(DEPTH), " else 2".repeat(DEPTH))),
    ];
    for (shape, text) in shapes {
        let diagnostics = analyse(&text);
        let first = first_error(&diagnostics);
        assert_eq!(first.kind, DiagnosticKind::SyntaxError, "{shape}: {first:?}");
        assert_eq!(first.severity, Severity::Error, "{shape}");
        // Nix's own words (the recognizer's) or canopy's, which quote them.
        assert!(first.message.contains("memory exhausted"), "{shape}: {}", first.message);
        // Not at the start: Nix reads the first 10,000 levels.
        assert!(u32::from(first.range.start()) >= 5_000, "{shape}: at {:?}", first.range);
    }
}

#[test]
fn the_guard_names_where_and_why() {
    let lists = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let parse = syntax::parse(&lists);
    match parse.refused() {
        Some(syntax::Refusal::TooDeep { at }) => assert_eq!(u32::from(at.start()), syntax::MAX_NESTING as u32),
        other => panic!("not refused as too deep: {other:?}"),
    }
    // The tree stands for the whole text, so that every offset stays valid.
    assert_eq!(parse.root().text().len(), TextSize::of(lists.as_str()));
    let message = first_error(&analyse(&lists)).message.clone();
    assert!(message.contains("does not analyse this file"), "{message}");
}

#[test]
fn long_chains_nix_accepts_are_analysed_or_refused_with_a_warning() {
    let refused = [
        ("a select without spaces", format!("a{}", ".a".repeat(DEPTH))),
        ("a product without spaces", format!("x{}", "*x".repeat(DEPTH))),
        ("an application", format!("f{}", " x".repeat(DEPTH))),
        ("an application of parenthesised arguments", format!("f{}", " (x)".repeat(DEPTH))),
    ];
    for (shape, text) in refused {
        let diagnostics = analyse(&text);
        let first = first_error(&diagnostics);
        assert_eq!((first.kind, first.severity), (DiagnosticKind::SyntaxError, Severity::Warning), "{shape}");
        assert!(first.message.contains("Nix itself may accept it"), "{shape}: {}", first.message);
        // Nothing else claims to know what the file holds.
        assert_eq!(diagnostics.len(), 1, "{shape}: {diagnostics:?}");
    }
    let analysed = [
        ("a spaced select", format!("a{}", " . a".repeat(DEPTH))),
        ("a sum", format!("x{}", " + x".repeat(20_000))),
        ("a subtraction", format!("x{}", " - x".repeat(20_000))),
        ("a list of 20,000 elements", format!("[{} ]", " x".repeat(20_000))),
        ("inherit of 20,000 names", format!("{{ inherit{}; }}", " x".repeat(20_000))),
    ];
    for (shape, text) in analysed {
        // Dropping a tree 100,000 levels deep recurses that deep: on the analysis stack, as callers do.
        let refused = on_analysis_stack(|| syntax::parse(&text).refused().is_some());
        assert!(!refused, "{shape} was refused");
        let diagnostics = analyse(&text);
        // `x` and `a` are bound nowhere (and `inherit x` repeats): the file was read to its names.
        assert!(
            diagnostics
                .iter()
                .any(|d| matches!(d.kind, DiagnosticKind::UndefinedVariable | DiagnosticKind::DuplicateAttribute)),
            "{shape}: {diagnostics:?}"
        );
    }
}

#[test]
fn the_guard_leaves_what_nix_takes_to_the_parser() {
    let below = [
        ("500 nested parentheses", format!("{}x{}", "( ".repeat(500), " )".repeat(500))),
        ("2,000 negations", format!("{}x", "!".repeat(2_000))),
        ("an application of 5,000 arguments", format!("f{}", " x".repeat(5_000))),
        (
            "brackets in strings and comments",
            format!("{{ a = \"{0}\"; b = ''{0}''; /* {0} */ c = x; }} # {0}", "[({ $ {".repeat(20_000)),
        ),
        (
            "escaped interpolations",
            format!("{{ a = \"{}\"; b = ''{}''; c = x; }}", "\\${".repeat(20_000), "''${".repeat(20_000)),
        ),
        ("a long string", format!("{{ a = \"{}\"; c = x; }}", "A".repeat(1_000_000))),
        ("a long comment line", format!("# {}\nx", "a.a".repeat(DEPTH))),
    ];
    for (shape, text) in below {
        let refused = on_analysis_stack(|| syntax::parse(&text).refused().is_some());
        assert!(!refused, "{shape} was refused");
        let diagnostics = analyse(&text);
        assert!(
            diagnostics.iter().any(|d| d.kind == DiagnosticKind::UndefinedVariable),
            "{shape}: the file was not read to its names: {diagnostics:?}"
        );
    }
}

#[test]
fn nesting_past_what_the_parser_follows_is_a_warning_not_silence() {
    // Nix takes these (its parser holds 10,000 levels); rnix stops at 512.
    let shapes = [
        ("9,000 nested parentheses", format!("{}x{}", "( ".repeat(9_000), " )".repeat(9_000))),
        ("2,000 nested attribute sets", format!("{}1{}", "{ a = ".repeat(2_000), "; }".repeat(2_000))),
        ("5,000 negations", format!("{}x", "!".repeat(5_000))),
    ];
    for (shape, text) in shapes {
        let diagnostics = analyse(&text);
        let first = first_error(&diagnostics);
        assert_eq!(
            (first.kind, first.severity),
            (DiagnosticKind::SyntaxError, Severity::Warning),
            "{shape}: {first:?}"
        );
        assert!(first.message.contains("nested too deeply for canopy"), "{shape}: {}", first.message);
    }
}

/// Peak resident memory of this process, from Linux's `/proc` (nextest runs each test alone).
/// The extractor reads a `let` or `rec` binding named as a configuration value as that value's
/// configuration. A binding met inside its own value must not make that reading endless (it
/// branched at every turn, so it ran for hours).
#[test]
fn a_binding_folded_into_itself_is_read_in_bounded_time() {
    // Nix rejects this file (`b` is defined twice), and so does canopy, at the same place.
    let diagnostics = analyse("{ flake = rec { b.c = { a = b; }; b = b; }; }\n");
    let error = first_error(&diagnostics);
    let found = (error.kind, &*error.message);
    assert_eq!(found, (DiagnosticKind::DuplicateAttribute, "attribute 'b' already defined at 1:17"));
}

fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb / 1024)
}

/// The realistic 20 MB Nix file is generated: a package set like nixpkgs' `hackage-packages.nix`.
#[test]
fn a_20_mb_generated_file_is_analysed_in_bounded_time_and_memory() {
    let mut text = String::from("{ lib, callPackage, ... }:\n{\n  flake.generated = self: {\n");
    let mut packages = 0;
    while text.len() < 20 * 1024 * 1024 {
        let (i, dep) = (packages, packages % 97);
        text.push_str(&format!(
            "  \"package-{i}\" = callPackage ({{ mkDerivation, base, lib, package-{dep} }}: mkDerivation {{\n    \
             pname = \"package-{i}\";\n    version = \"1.0.{i}\";\n    \
             sha256 = \"0f4q1h5k8y9z2x3c4v5b6n7m8l9k0j1h2g3f4d5s6a7p8o9i0u{i}\";\n    \
             libraryHaskellDepends = [ base package-{dep} ];\n    \
             description = \"Package number ${{toString {i}}}\";\n    license = lib.licenses.bsd3;\n  }}) {{ }};\n"
        ));
        packages += 1;
    }
    // A mistake in the last line: found only if the file is read to its end.
    text.push_str("  last = notBoundAnywhere;\n  };\n}\n");
    let len = text.len();
    let started = Instant::now();
    let diagnostics = on_analysis_stack(move || {
        let mut ws = Analysis::new();
        let set =
            vec![("flake.nix".to_string(), Arc::from(FLAKE)), ("modules/generated.nix".to_string(), Arc::from(text))];
        ws.apply(Change { set, remove: Vec::new() });
        let file = ws.file_id("modules/generated.nix").expect("in the workspace");
        let mut diagnostics = ws.diagnostics(file);
        diagnostics.retain(|d| d.severity != Severity::Hint);
        diagnostics
    });
    let elapsed = started.elapsed();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(&*diagnostics[0].message, "undefined variable 'notBoundAnywhere'");
    assert!(usize::from(diagnostics[0].range.start()) > len - 100);
    // About 7 s in a debug build.
    assert!(elapsed < Duration::from_secs(120), "20 MB took {elapsed:?}");
    if let Some(mb) = peak_rss_mb() {
        assert!(mb < 4096, "20 MB of text took {mb} MB of memory");
        eprintln!("20 MB file: {packages} packages, {elapsed:?}, peak {mb} MB");
    }
}

/// A deterministic stream of bytes (xorshift), for garbage.
fn garbage(len: usize, seed: u64) -> Vec<u8> {
    let mut random = support::Xorshift(seed);
    (0..len).map(|_| (random.next() >> 24) as u8).collect()
}

#[test]
fn binary_garbage_gets_a_syntax_error_not_silence() {
    for seed in 1..=4u64 {
        let bytes = garbage(1 << 18, seed);
        assert!(bytes.contains(&0), "garbage without a NUL");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let diagnostics = analyse(&text);
        assert!(
            diagnostics.iter().any(|d| d.kind == DiagnosticKind::SyntaxError && d.severity == Severity::Error),
            "seed {seed}: {:?}",
            diagnostics.first()
        );
    }
    // Valid UTF-8 with a NUL in the middle of a module: Nix stops reading there.
    let diagnostics = analyse("{ flake.modules.nixos.a = { };\0 }\n");
    assert!(diagnostics.iter().any(|d| d.kind == DiagnosticKind::SyntaxError), "{diagnostics:?}");
    on_analysis_stack(|| timed("summarising garbage", LIMIT, || extract::summarize("x.nix", "\0\0\0\u{1}\u{7f}")));
}

/// `path:line:col` of every diagnostic, 0-based, with the text it covers.
fn positions(ws: &Analysis, path: &str) -> Vec<(u32, u32, String, String)> {
    let file = ws.file_id(path).expect("in the workspace");
    let text = ws.text(file);
    let index = ws.line_index(file);
    ws.diagnostics(file)
        .iter()
        .filter(|d| d.kind != DiagnosticKind::UnusedAspect)
        .map(|d| {
            let LineCol { line, col } = index.line_col(text, d.range.start(), Encoding::Utf16);
            (line, col, d.kind.code().to_string(), text[d.range].to_string())
        })
        .collect()
}

#[test]
fn every_line_break_style_keeps_positions_right() {
    for newline in ["\n", "\r\n", "\r"] {
        let host = [
            "{ config, ... }:",
            "{",
            "  # a comment that ends at the line break",
            "  flake.nixosConfigurations.gouda = config.flake.lib.mkHost {",
            "    modules = with config.flake.modules.nixos; [ ssh deskotp ];",
            "  };",
            "  x = y;",
            "}",
            "",
        ]
        .join(newline);
        let ssh = ["{", "  flake.modules.nixos.ssh = { };", "  flake.modules.nixos.desktop = { };", "}"].join(newline);
        let set = vec![
            ("flake.nix".to_string(), Arc::from(FLAKE)),
            ("modules/gouda.nix".to_string(), Arc::from(host)),
            ("modules/ssh.nix".to_string(), Arc::from(ssh)),
        ];
        let found = on_analysis_stack(move || {
            let mut ws = Analysis::new();
            ws.apply(Change { set, remove: Vec::new() });
            positions(&ws, "modules/gouda.nix")
        });
        let expected = [
            (4, 53, "undefined-aspect".to_string(), "deskotp".to_string()),
            (6, 6, "undefined-variable".to_string(), "y".to_string()),
        ];
        for want in &expected {
            assert!(found.contains(want), "{newline:?}: {want:?} not in {found:?}");
        }
    }
}

#[test]
fn a_file_without_a_final_newline_reads_to_its_last_byte() {
    let text = "{ flake.modules.nixos.ssh = { }; x = y; }";
    let set = vec![("flake.nix".to_string(), Arc::from(FLAKE)), ("modules/ssh.nix".to_string(), Arc::from(text))];
    on_analysis_stack(move || {
        let mut ws = Analysis::new();
        ws.apply(Change { set, remove: Vec::new() });
        assert_eq!(ws.aspects().len(), 1);
        assert_eq!(positions(&ws, "modules/ssh.nix"), [(0, 37, "undefined-variable".to_string(), "y".to_string())]);
        // A module cut off mid-expression: the error sits at the end, inside the text.
        let cut = "{ flake.modules.nixos.ssh = { ";
        ws.apply(Change { set: vec![("modules/ssh.nix".to_string(), Arc::from(cut))], remove: Vec::new() });
        let file = ws.file_id("modules/ssh.nix").expect("in the workspace");
        let diagnostics = ws.diagnostics(file);
        let error = diagnostics.iter().find(|d| d.kind == DiagnosticKind::SyntaxError).expect("a syntax error");
        assert!(usize::from(error.range.end()) <= cut.len() && usize::from(error.range.start()) >= cut.len() - 1);
        let end = FilePosition { file, offset: TextSize::of(cut) };
        let _ = ws.completions(end);
    });
}

/// `with lib; with types; with strings; ...`, `n` deep and the names repeating (issue 16): each
/// namespace is a name that the `with`s outside it may hold.
fn nested_withs(n: usize) -> String {
    const NAMES: [&str; 5] = ["lib", "types", "strings", "attrsets", "lists"];
    (0..n).map(|i| format!("with {}; ", NAMES[i % NAMES.len()])).collect()
}

/// Reading a name under nested `with`s evaluated every enclosing namespace, each a name under the
/// `with`s outside it that did the same: twice the time per level (24 took 6 s, 30 never ended).
/// rnix reads 509 levels.
const WITH_DEPTHS: [usize; 5] = [24, 30, 500, 1_000, 10_000];

/// Each of these takes milliseconds (under 0.5 s in a debug build); before, 24 levels took 6 s.
const WITH_LIMIT: Duration = Duration::from_secs(3);

/// The one diagnostic a file of `n` nested `with`s gets for its depth, if any: canopy's warning
/// where rnix stops reading, Nix's error where canopy's copy of Nix's grammar runs out of stack
/// (past 9,997 levels, where Nix's own does past 3,326: see reliability.md's known limits).
fn depth_diagnostic(n: usize) -> Option<(DiagnosticKind, Severity, &'static str)> {
    match n {
        0..=509 => None,
        510..=9_997 => Some((DiagnosticKind::SyntaxError, Severity::Warning, "nested too deeply for canopy")),
        _ => Some((DiagnosticKind::SyntaxError, Severity::Error, "memory exhausted")),
    }
}

fn assert_depth_diagnostic(n: usize, diagnostics: &[Diagnostic]) {
    let found: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::SyntaxError)
        .map(|d| (d.kind, d.severity, &*d.message))
        .collect();
    match depth_diagnostic(n) {
        None => assert!(found.is_empty(), "{n}: {found:?}"),
        Some((kind, severity, words)) => {
            assert!(
                matches!(found[..], [(k, s, m)] if (k, s) == (kind, severity) && m.contains(words)),
                "{n}: {found:?}"
            )
        }
    }
}

#[test]
fn nested_withs_are_read_in_bounded_time() {
    for n in WITH_DEPTHS {
        let text = format!("{{ lib, ... }}: {}{{ x = lists; }}\n", nested_withs(n));
        let answers = ask(&text, None, WITH_LIMIT);
        assert_depth_diagnostic(n, &answers.diagnostics);
        // Any name may come from a `with`: nothing else to say.
        assert!(answers.diagnostics.len() <= 1, "{n}: {:?}", answers.diagnostics);
    }
}

/// The same `with`s around a module's imports, where the extractor evaluates every name: the
/// aspects are read through them to the innermost list, and every query there answers.
#[test]
fn aspects_under_nested_withs_are_resolved_in_bounded_time() {
    for n in WITH_DEPTHS {
        let module = format!(
            "{{ config, lib, ... }}:\n{{\n  flake.modules.nixos.ssh = {{ }};\n  flake.modules.nixos.gouda.imports =\n    \
             with config.flake.modules.nixos; {}\n    [ ssh config.flake.modules.nixos.ssh config.flake.modules.nixos.deskotp ];\n}}\n",
            nested_withs(n - 1)
        );
        let definition = TextRange::at(TextSize::from(module.find("ssh").expect("defined") as u32), TextSize::from(3));
        let at = module.rfind("nixos.ssh").expect("referenced") + "nixos.".len();
        let answers = ask(&module, Some(at), WITH_LIMIT);
        assert_depth_diagnostic(n, &answers.diagnostics);
        let undefined: Vec<_> = answers
            .diagnostics
            .iter()
            .filter(|d| d.kind == DiagnosticKind::UndefinedAspect)
            .map(|d| &module[d.range])
            .collect();
        if depth_diagnostic(n).is_some() {
            // The list lies deeper than canopy reads: nothing is claimed about it.
            assert!(undefined.is_empty(), "{n}: {undefined:?}");
            continue;
        }
        assert_eq!(undefined, ["deskotp"], "{n}");
        assert!(answers.hover.is_some(), "{n}: no hover");
        let targets = answers.definition.map(|d| d.targets).unwrap_or_default();
        assert!(targets.iter().any(|t| t.focus_range == definition), "{n}: {targets:?}");
        let references = answers.references.unwrap_or_default();
        assert!(references.iter().any(|r| usize::from(r.range.start()) == at), "{n}: {references:?}");
        let edits: Vec<TextRange> = answers
            .rename
            .and_then(Result::ok)
            .expect("renamed")
            .edits
            .iter()
            .flat_map(|f| f.edits.iter().map(|e| e.range))
            .collect();
        assert!(edits.contains(&definition) && edits.iter().any(|e| usize::from(e.start()) == at), "{n}: {edits:?}");
    }
}

/// `a1` to `a{levels}`, each naming the one before: `value("a0")` is `a1`'s value.
fn folded_levels(levels: usize, value: impl Fn(&str) -> String) -> String {
    (1..=levels).map(|i| format!("  a{i} = {};\n", value(&format!("a{}", i - 1)))).collect()
}

/// Strings the extractor folds, each interpolating the one before ten times (`"${a5}${a5}..."`):
/// six levels were a million folds (1.4 s in a release build; seven, 11 s). Each binding now folds
/// once per fuel, well within the file's work budget.
#[test]
fn folds_of_folds_are_read_in_bounded_time() {
    let strings = folded_levels(6, |before| format!("\"{}\"", format!("${{{before}}}").repeat(10)));
    let module = format!(
        "{{ config, ... }}:\nlet\n  a0 = \"\";\n{strings}in\n{{\n  flake.modules.nixos.\"ssh${{a6}}\" = {{ }};\n  \
         flake.modules.nixos.gouda.imports = [ config.flake.modules.nixos.ssh config.flake.modules.nixos.deskotp ];\n}}\n"
    );
    let diagnostics = ask(&module, None, WITH_LIMIT).diagnostics;
    // `"ssh${a6}"` folds to `ssh` all the same, and `deskotp` is an error: nothing ran out.
    let found: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Hint)
        .map(|d| (d.kind, d.severity, &module[d.range]))
        .collect();
    assert_eq!(found, [(DiagnosticKind::UndefinedAspect, Severity::Error, "deskotp")]);
}

/// Sets the extractor folds, each holding the one before ten times (`{ x0 = a6; ... x9 = a6; }`):
/// seven levels were ten million config nodes (33 s in a release build). The file runs out of its
/// work budget (`summary/extract/budget.rs`): a warning where it did, and what was read before it
/// still counts. Without the budget this test times out.
#[test]
fn a_file_past_its_work_budget_gets_a_warning_and_keeps_what_was_read() {
    let sets = folded_levels(7, |before| {
        format!("{{ {}}}", (0..10).map(|j| format!("x{j} = {before}; ")).collect::<String>())
    });
    let module = format!(
        "{{ config, ... }}:\nlet\n  a0 = {{ }};\n{sets}in\n{{\n  flake.modules.nixos.ssh = {{ }};\n  \
         flake.modules.nixos.gouda.imports = [ config.flake.modules.nixos.ssh config.flake.modules.nixos.deskotp ];\n  \
         flake.copies = a7;\n  flake.modules.nixos.late = {{ }};\n}}\n"
    );
    let summary =
        on_analysis_stack(|| timed("summarising", WITH_LIMIT, || extract::summarize("modules/x.nix", &module)));
    // The node budget (10,000 for a small file), and the copy under way when it ran out.
    assert!((10_000..10_020).contains(&summary.nodes.len()), "{} nodes", summary.nodes.len());
    let ssh = module.find("ssh").expect("defined");
    let answers = ask(&module, Some(module.rfind("nixos.ssh").expect("read") + "nixos.".len()), WITH_LIMIT);
    let found: Vec<_> = answers
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Hint)
        .map(|d| (d.kind, d.severity, usize::from(d.range.start())))
        .collect();
    let deskotp = module.find("deskotp").expect("referenced");
    // Where it ran out: deep in the copies of `a7`, inside the `let`.
    let copies = module.find("a1 =").expect("bound")..module.find("in\n").expect("a let");
    let at = found.first().map_or(0, |f| f.2);
    assert!(copies.contains(&at), "{found:?}");
    assert_eq!(
        found,
        [
            (DiagnosticKind::SyntaxError, Severity::Warning, at),
            // What the file did not read may define anything in `flake`: no longer an error.
            (DiagnosticKind::UndefinedAspect, Severity::Warning, deskotp),
        ]
    );
    let warning = &answers.diagnostics.iter().find(|d| d.kind == DiagnosticKind::SyntaxError).expect("warned").message;
    assert!(warning.contains("too much work for canopy") && warning.contains("does not analyse the rest"), "{warning}");
    // `ssh`, defined before, is still defined and found; `late`, after, is not read.
    let targets = answers.definition.map(|d| d.targets).unwrap_or_default();
    assert!(targets.iter().any(|t| usize::from(t.focus_range.start()) == ssh), "{targets:?}");
    let texts: Vec<&str> = summary.nodes.iter().map(|n| n.name.text.as_str()).collect();
    assert!(texts.contains(&"ssh") && !texts.contains(&"late"), "{:?}", &texts[..8]);
    let opaque: Vec<_> = summary.opaque.iter().map(|(n, o)| (summary.node(*n).name.text.as_str(), o.reason)).collect();
    assert!(opaque.contains(&("flake", OpaqueReason::Unread)), "{opaque:?}");
}

/// 20,000 inline modules in one `imports` list, a 1 MB file: each module's arguments were found by
/// reading every binding of the file, and whether each is used by reading every name (5.1 s in a
/// release build, four times as long for twice as many; now 0.8 s for `canopy check`, all of it).
#[test]
fn many_inline_modules_are_read_in_bounded_time() {
    let modules: String =
        (0..20_000).map(|i| format!("  ({{ config, lib, ... }}: {{ x{i} = config.a; }})\n")).collect();
    let module = format!("{{\n  imports = [\n{modules}  ];\n}}\n");
    let summary = on_analysis_stack(|| timed("summarising", LIMIT, || extract::summarize("modules/x.nix", &module)));
    assert!(summary.diagnostics.is_empty(), "{:?}", summary.diagnostics);
    assert_eq!(summary.nodes.len(), 20_000);
    let args = summary.module.map(|m| m.args).unwrap_or_default();
    // `config` is read in each module, `lib` in none.
    assert_eq!(args.len(), 40_000);
    assert!(args.iter().all(|a| a.used == (a.name == "config")), "{:?}", &args[..4]);
}
