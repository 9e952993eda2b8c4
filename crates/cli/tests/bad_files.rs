//! `canopy check` on repositories holding files no one meant to write: text that is not UTF-8,
//! binary garbage named `.nix`, nesting Nix itself cannot parse, every line-break style. The run
//! always finishes, says what it passed over and why, and analyses every other file.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const FLAKE: &str = r#"{
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
"#;

const BASE: &str = "{ flake.modules.nixos.base = { services.openssh.enable = true; }; }\n";

const HOST: &str = "{ config, inputs, ... }:\n{\n  flake.nixosConfigurations.gouda = inputs.nixpkgs.lib.nixosSystem {\n    modules = [ config.flake.modules.nixos.base ];\n  };\n}\n";

/// A correct repository (one aspect, one host using it) plus `extra` files.
fn repo(extra: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::Builder::new().prefix("canopy-bad-files-").tempdir().expect("temp dir");
    let files: [(&str, &[u8]); 3] = [
        ("flake.nix", FLAKE.as_bytes()),
        ("modules/base.nix", BASE.as_bytes()),
        ("modules/gouda.nix", HOST.as_bytes()),
    ];
    for (path, bytes) in files.iter().chain(extra) {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
        fs::write(path, bytes).expect("write file");
    }
    dir
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Longest a run may take before `timeout` ends it (status 124): each takes seconds at most, and
/// a run that stalls must fail, not hold CI.
const LIMIT: Duration = Duration::from_secs(60);

fn check(root: &Path, format: &str) -> Run {
    check_within(root, format, LIMIT)
}

/// `check`, ended by `timeout` at `limit`.
fn check_within(root: &Path, format: &str, limit: Duration) -> Run {
    let started = Instant::now();
    let output = Command::new("timeout")
        .arg(limit.as_secs().to_string())
        .arg(env!("CARGO_BIN_EXE_canopy"))
        .env_remove("CANOPY_LOG")
        .args(["check", "--format", format])
        .arg(root)
        .current_dir(root)
        .output()
        .expect("run canopy");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        took: started.elapsed(),
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|err| panic!("stdout is one JSON value ({err}):\n{}", run.stdout))
}

/// Deterministic garbage (xorshift) with NULs and bytes that are not UTF-8.
fn garbage(len: usize) -> Vec<u8> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

/// Nix reads bytes, so text that is not UTF-8 is still a module (a Latin-1 comment, a string in
/// some legacy encoding). canopy reads each invalid byte as U+001A, one byte for one: what the
/// file defines counts, positions after the byte stay exact, and outside strings and comments
/// the byte is the syntax error Nix reports there. A line on stderr says which files.
#[test]
fn text_that_is_not_utf8_is_read_as_nix_reads_it_with_a_word() {
    let binary = garbage(64 * 1024);
    assert!(binary.contains(&0) && String::from_utf8(binary.clone()).is_err());
    let latin1: &[u8] = b"{ config, ... }: { # caf\xe9
  flake.modules.nixos.base.imports = [ /* cr\xe8me */ config.flake.modules.nixos.crepe ];
  flake.modules.nixos.crepe = { environment.etc.x.text = \"cr\xeape\"; };
  x = \"\xe9\" 1 \xff;
}
";
    let dir = repo(&[("modules/latin1.nix", latin1), ("modules/binary.nix", &binary)]);

    let run = check(dir.path(), "json");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["files"], 5, "every file is analysed");
    assert_eq!(report["skipped"], serde_json::json!([]));
    let diagnostics = report["diagnostics"].as_array().expect("a list");
    let in_file = |path: &str| -> Vec<String> {
        let at =
            |d: &Value| format!("{}:{} {}", d["range"]["start"]["line"], d["range"]["start"]["character"], d["code"]);
        diagnostics.iter().filter(|d| d["path"] == path).map(at).collect()
    };
    // `crepe` is defined and its use found (nothing undefined, nothing unused); the byte outside
    // any string is the syntax error Nix reports, at the column Nix gives (13, 1-based).
    assert_eq!(in_file("modules/latin1.nix"), [r#"3:12 "syntax-error""#], "{}", run.stdout);
    assert!(in_file("modules/binary.nix").iter().all(|d| d.ends_with(r#""syntax-error""#)), "{}", run.stdout);
    assert!(!in_file("modules/binary.nix").is_empty());
    assert!(run.stderr.contains("read modules/binary.nix anyway: not valid UTF-8: read with "), "{}", run.stderr);
    let note = "read modules/latin1.nix anyway: not valid UTF-8: read with 5 bytes as U+001A, the first on line 1\n";
    assert!(run.stderr.contains(note), "{}", run.stderr);
}

/// A binary file that happens to be UTF-8 (NULs and control characters are) is Nix that does not
/// parse: a syntax error, with the other files' results intact.
#[test]
fn binary_text_that_is_utf8_gets_a_syntax_error() {
    let bytes: Vec<u8> = garbage(64 * 1024).into_iter().map(|b| b & 0x7f).collect();
    let dir = repo(&[("modules/blob.nix", &bytes)]);
    let run = check(dir.path(), "json");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["files"], 4);
    let diagnostics = report["diagnostics"].as_array().expect("a list");
    assert!(!diagnostics.is_empty());
    assert!(diagnostics.iter().all(|d| d["path"] == "modules/blob.nix"), "{diagnostics:?}");
    assert!(diagnostics.iter().any(|d| d["code"] == "syntax-error" && d["severity"] == "error"));
}

#[test]
fn nesting_nix_cannot_parse_is_an_error_in_bounded_time() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let chain = format!("{{ x = a{}; }}", ".a".repeat(100_000));
    let dir = repo(&[("modules/deep.nix", deep.as_bytes()), ("modules/chain.nix", chain.as_bytes())]);
    let run = check(dir.path(), "json");
    assert!(run.took < LIMIT, "took {:?}", run.took);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = json(&run);
    let diagnostics = report["diagnostics"].as_array().expect("a list");
    let of = |path: &str| diagnostics.iter().filter(move |d| d["path"] == path).collect::<Vec<_>>();
    let deep = of("modules/deep.nix");
    assert_eq!(deep.len(), 1, "{deep:?}");
    assert_eq!((&deep[0]["code"], &deep[0]["severity"]), (&Value::from("syntax-error"), &Value::from("error")));
    assert!(deep[0]["message"].as_str().is_some_and(|m| m.contains("memory exhausted")), "{deep:?}");
    // Nix may take the long chain; canopy cannot read it in reasonable time and says so.
    let chain = of("modules/chain.nix");
    assert_eq!(chain.len(), 1, "{chain:?}");
    assert_eq!(chain[0]["severity"], "warning");
    assert!(chain[0]["message"].as_str().is_some_and(|m| m.contains("does not analyse this file")));
}

/// `with lib; with types; with strings; ...` (issue 16): reading a name through nested `with`s took
/// longer with every level (in a release build 24 took 1.2 s, 30 took 38 s, 1,000 never ended),
/// when no namespace but the outermost holds the name (`lib.nix`). Each depth now takes a fraction
/// of a second, the start of the binary included; the bound leaves a debug build on a busy machine
/// room and still fails the old way at 24. `withs.nix` reads aspects through the same `with`s.
#[test]
fn nested_withs_are_checked_in_bounded_time() {
    let names = ["lib", "types", "strings", "attrsets", "lists"];
    let withs = |n: usize| -> String { names.iter().cycle().take(n).map(|name| format!("with {name}; ")).collect() };
    for n in [24, 30, 1_000, 10_000] {
        let lib = format!("{{ lib, ... }}: {}{{ x = lists; }}\n", withs(n));
        let aspects = format!(
            "{{ config, lib, ... }}:\n{{\n  flake.modules.nixos.gouda.imports =\n    with config.flake.modules.nixos; \
             {}\n    [ base config.flake.modules.nixos.base config.flake.modules.nixos.deskotp ];\n}}\n",
            withs(n - 1)
        );
        let dir = repo(&[("modules/lib.nix", lib.as_bytes()), ("modules/withs.nix", aspects.as_bytes())]);
        let run = check_within(dir.path(), "json", Duration::from_secs(10));
        assert_ne!(run.code, Some(124), "{n} levels: stalled");
        assert!(run.took < Duration::from_secs(3), "{n} levels took {:?}", run.took);
        let report = json(&run);
        let found: Vec<String> = report["diagnostics"]
            .as_array()
            .expect("a list")
            .iter()
            .filter(|d| d["severity"] != "hint")
            .map(|d| {
                let message = d["message"].as_str().unwrap_or_default();
                let gist = ["memory exhausted", "nested too deeply for canopy", "deskotp"]
                    .into_iter()
                    .find(|words| message.contains(words))
                    .unwrap_or(message);
                format!("{} {} {} {gist}", d["path"], d["code"], d["severity"])
            })
            .collect();
        // The depth rules of `crates/analysis/src/tests/pathological.rs`: rnix reads 509 levels,
        // canopy's copy of Nix's grammar 9,997; what lies deeper is not claimed to be wrong.
        let (expected, code) = match n {
            0..=509 => (vec![r#""modules/withs.nix" "undefined-aspect" "error" deskotp"#.to_string()], 1),
            510..=9_997 => {
                let warning = r#""syntax-error" "warning" nested too deeply for canopy"#;
                (vec![format!(r#""modules/lib.nix" {warning}"#), format!(r#""modules/withs.nix" {warning}"#)], 0)
            }
            _ => {
                let error = r#""syntax-error" "error" memory exhausted"#;
                (vec![format!(r#""modules/lib.nix" {error}"#), format!(r#""modules/withs.nix" {error}"#)], 1)
            }
        };
        assert_eq!(found, expected, "{n} levels: {}", run.stdout);
        assert_eq!(run.code, Some(code), "{n} levels: {}", run.stderr);
    }
}

/// Lines and columns (1-based, UTF-16) are the same whatever ends the lines, and in a file that
/// does not end with one.
#[test]
fn every_line_break_style_reports_the_same_positions() {
    let files: [(&str, &[u8]); 4] = [
        ("modules/lf.nix", b"{\n  # note\n  x = y;\n}\n"),
        ("modules/crlf.nix", b"{\r\n  # note\r\n  x = y;\r\n}\r\n"),
        ("modules/cr.nix", b"{\r  # note\r  x = y;\r}\r"),
        ("modules/no-newline.nix", b"{\n  # note\n  x = y;\n}"),
    ];
    let dir = repo(&files);
    let run = check(dir.path(), "human");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    for (path, _) in files {
        let line = format!("{path}:3:7: error[undefined-variable]: undefined variable 'y'");
        assert!(run.stdout.lines().any(|l| l == line), "{line} missing from:\n{}", run.stdout);
    }
}
