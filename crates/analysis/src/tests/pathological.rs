//! Files no one writes by hand but someone will open: 100,000 levels of nesting, a 20 MB module,
//! binary garbage, every line-break style. Each is analysed in bounded time on the stack canopy's
//! callers give the analysis, and where canopy cannot analyse a file it says so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::support::{self, on_analysis_stack};
use crate::summary::extract;
use crate::syntax;
use crate::{Analysis, Change, Diagnostic, DiagnosticKind, Encoding, FilePosition, LineCol, Severity, TextSize};

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
    let module = module.to_string();
    on_analysis_stack(move || {
        timed("analysing the workspace", LIMIT, || {
            let mut ws = Analysis::new();
            let set =
                vec![("flake.nix".to_string(), Arc::from(FLAKE)), ("modules/x.nix".to_string(), Arc::from(module))];
            ws.apply(Change { set, remove: Vec::new() });
            let file = ws.file_id("modules/x.nix").expect("the module is in the workspace");
            let len = ws.text(file).len() as u32;
            let pos = FilePosition { file, offset: TextSize::from(len / 2) };
            let _ = ws.symbol_at(pos);
            let _ = ws.hover(pos);
            let _ = ws.completions(pos);
            let _ = ws.goto_definition(pos);
            let _ = ws.references(pos, true);
            let _ = ws.document_symbols(file);
            ws.diagnostics(file)
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
    let found = (error.kind, error.message.as_str());
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
    assert_eq!(diagnostics[0].message, "undefined variable 'notBoundAnywhere'");
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
