//! `canopy check` and `canopy aspects` on a repository whose file names and quoted Nix names hold
//! control characters and GitHub workflow-command syntax (issue 16). A repository may come from
//! anyone (a pull request); its text must never end a line, move the terminal's cursor, start an
//! escape sequence, or make GitHub Actions run a workflow command. Every diagnostic is one line in
//! `human` and `github` output, every aspect and host one line in `aspects`, every note one line
//! on stderr; no raw control character reaches stdout or stderr.

#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// File names below `modules/` that each hold one syntax error, and how human output shows them.
const FILES: &[(&str, &str)] = &[
    // A newline then a workflow command: the line GitHub Actions would have run.
    ("x\n::error file=evil.nix::pwned.nix", r"x\n::error file=evil.nix::pwned.nix"),
    ("cr\roverwrite.nix", r"cr\roverwrite.nix"),
    ("esc\x1b[2J\x1b[31mred.nix", r"esc\x1b[2J\x1b[31mred.nix"),
    ("tab\tdel\x7fnel\u{85}.nix", r"tab\tdel\x7fnel\x85.nix"),
    ("line\u{2028}para\u{2029}.nix", r"line\u{2028}para\u{2029}.nix"),
    // GitHub's older command syntax runs wherever it stands in a line.
    ("##[warning]old.nix", r"#\x23[warning]old.nix"),
];

/// A file at the root, with a syntax error too: run from the root, its path starts the human
/// line, where `::` makes a workflow command.
const ROOT_FILE: &str = "::warning::root.nix";

/// Aspects with a newline, an escape sequence and a DEL in their quoted names, each referenced
/// with a typo so that a diagnostic names both, and a host whose name is a workflow command.
const ASPECTS: &str = "{\n  flake.modules.nixos.\"a\\nb\" = { };\n  flake.modules.nixos.\"esc\x1b[31mred\" = { };\n  flake.modules.nixos.\"del\x7f\" = { };\n}\n";
const HOST: &str = "{ config, ... }:\n{\n  configurations.nixos.\"::error::host\".module.imports = with config.flake.modules; [\n    nixos.\"a\\nc\"\n    nixos.\"esc\x1b[31mrex\"\n    nixos.\"del\x7fx\"\n  ];\n}\n";

/// A flake whose import-tree root is the repository's root, so that a file there is a module
/// and its path starts the lines of its diagnostics.
const FLAKE: &str = r#"{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.import-tree.url = "github:vic/import-tree";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./.);
}
"#;

/// The repository, in a folder whose own name holds a newline; returns (parent, root's name).
fn repo() -> (tempfile::TempDir, &'static str) {
    let parent = tempfile::Builder::new().prefix("canopy-hostile-").tempdir().expect("temp dir");
    let name = "re\npo";
    let root = parent.path().join(name);
    let write = |path: &str, text: &[u8]| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("a parent")).expect("create folder");
        fs::write(path, text).expect("write file");
    };
    write("flake.nix", FLAKE.as_bytes());
    write("modules/flake-parts.nix", b"{ inputs, ... }: { imports = [ inputs.flake-parts.flakeModules.modules ]; }\n");
    write("modules/aspects.nix", ASPECTS.as_bytes());
    write("modules/host.nix", HOST.as_bytes());
    for (file, _) in FILES {
        write(&format!("modules/{file}"), b"{ a = 1 }\n");
    }
    write(ROOT_FILE, b"{ a = 1 }\n");
    // What the notes on stderr name: a link (skipped) and a file that is not UTF-8 (read anyway).
    std::os::unix::fs::symlink("host.nix", root.join("modules/link\n::error::x.nix")).expect("symlink");
    write("modules/latin1\x1b[2J.nix", b"{ # caf\xe9\n}\n");
    (parent, name)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `canopy <args> <path>`, run from `cwd`.
fn canopy(cwd: &Path, args: &[&str], path: &str) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .env_remove("CANOPY_LOG")
        .args(args)
        .arg(path)
        .current_dir(cwd)
        .output()
        .expect("run canopy");
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    // JSON is `serde_json`'s to escape, as JSON says (it leaves DEL, C1 and U+2028 as they are);
    // everything else canopy prints is text for people, and so is stderr.
    let mut printed = vec![("stderr", &run.stderr)];
    if !args.contains(&"json") {
        printed.push(("stdout", &run.stdout));
    }
    for (stream, text) in printed {
        let raw = text.chars().find(|&c| c != '\n' && (c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')));
        assert!(raw.is_none(), "{args:?}: a raw {raw:?} on {stream}:\n{text}");
    }
    run
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|err| panic!("stdout is one JSON value ({err}):\n{}", run.stdout))
}

/// No line that GitHub Actions' runner would take for a workflow command: one that starts with
/// `::` once white space is trimmed, or holds the older syntax's `##[` anywhere.
fn assert_no_workflow_command(text: &str) {
    for line in text.lines() {
        assert!(!line.trim_start().starts_with("::") && !line.contains("##["), "a workflow command: {line}\n{text}");
    }
}

/// `(path, message)` of each diagnostic of the JSON output, in order.
fn diagnostics(json: &Value) -> Vec<(String, String)> {
    let list = json["diagnostics"].as_array().expect("diagnostics");
    list.iter()
        .map(|d| (d["path"].as_str().expect("path").to_owned(), d["message"].as_str().expect("message").to_owned()))
        .collect()
}

#[test]
fn check_human_prints_one_line_per_diagnostic() {
    let (parent, name) = repo();
    let root = parent.path().join(name);
    let expected = diagnostics(&json(&canopy(&root, &["check", "--format", "json"], ".")));
    // Every file with a control character in its name has its syntax error; the aspects their
    // `undefined-aspect`s.
    assert_eq!(expected.len(), FILES.len() + 1 + 3, "{expected:?}");

    for (cwd, path, prefix) in [(root.as_path(), ".", ""), (parent.path(), name, r"re\npo/")] {
        let run = canopy(cwd, &["check"], path);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), expected.len() + 2, "one line per diagnostic, a blank, the summary:\n{}", run.stdout);
        assert!(lines[expected.len() + 1].starts_with(&format!("{} errors", expected.len())), "{}", run.stdout);
        let root_file = if prefix.is_empty() { r"\x3a:warning::root.nix" } else { ROOT_FILE };
        let files = FILES.iter().map(|(f, s)| (format!("modules/{f}"), format!("modules/{s}")));
        for (file, shown) in files.chain([(ROOT_FILE.to_owned(), root_file.to_owned())]) {
            assert_eq!(expected.iter().filter(|(p, _)| *p == file).count(), 1, "{file:?}: {expected:?}");
            let shown = format!("{prefix}{shown}:1:9: error[syntax-error]: unexpected '}}', expecting ';'");
            assert_eq!(lines.iter().filter(|l| **l == shown).count(), 1, "{shown}\n{}", run.stdout);
        }
        let named =
            r#": error[undefined-aspect]: aspect `a\nc` is not defined in `flake.modules.nixos`; did you mean `a\nb`?"#;
        assert!(lines.iter().any(|l| l.ends_with(named)), "{}", run.stdout);
        assert!(lines.iter().any(|l| l.contains(r"aspect `esc\x1b[31mrex`")), "{}", run.stdout);
        assert_no_workflow_command(&run.stdout);
        assert_no_workflow_command(&run.stderr);
    }
}

/// A workflow command as GitHub Actions' runner reads it.
struct WorkflowCommand {
    name: String,
    /// Split at `,` and at the first `=`, then unescaped.
    properties: Vec<(String, String)>,
    /// Unescaped.
    data: String,
}

/// `line` read as GitHub Actions' runner reads it; `None` for a line that is no command.
fn workflow_command(line: &str) -> Option<WorkflowCommand> {
    let rest = line.trim_start().strip_prefix("::")?;
    let (info, data) = rest.split_once("::")?;
    let (name, properties) = info.split_once(' ').unwrap_or((info, ""));
    let unescape_data = |s: &str| s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%");
    let unescape_property = |s: &str| {
        s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
    };
    let properties = properties
        .trim()
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), unescape_property(v))).unwrap_or_default())
        .collect();
    Some(WorkflowCommand { name: name.to_owned(), properties, data: unescape_data(data) })
}

#[test]
fn check_github_prints_one_command_per_diagnostic_that_reads_back_exactly() {
    let (parent, name) = repo();
    let root = parent.path().join(name);
    let expected = diagnostics(&json(&canopy(&root, &["check", "--format", "json"], ".")));
    let run = canopy(parent.path(), &["check", "--format", "github"], name);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), expected.len(), "one line per diagnostic:\n{}", run.stdout);
    for (line, (path, message)) in lines.iter().zip(&expected) {
        let WorkflowCommand { name: command, properties, data } =
            workflow_command(line).unwrap_or_else(|| panic!("not a command: {line}"));
        assert_eq!(command, "error", "{line}");
        let keys: Vec<&str> = properties.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["file", "line", "col", "endLine", "endColumn", "title"], "{line}");
        // What the runner decodes comes back exactly; the other control characters stay
        // percent-encoded, as text.
        let readable = |text: &str| {
            text.chars()
                .map(|c| match c {
                    '\x1b' => "%1B".to_owned(),
                    '\t' => "%09".to_owned(),
                    '\x7f' => "%7F".to_owned(),
                    '\u{85}' => "%C2%85".to_owned(),
                    '\u{2028}' => "%E2%80%A8".to_owned(),
                    '\u{2029}' => "%E2%80%A9".to_owned(),
                    c => c.to_string(),
                })
                .collect::<String>()
        };
        assert_eq!(properties[0].1, readable(&format!("{name}/{path}")), "{line}");
        assert_eq!(data, readable(message), "{line}");
    }
    assert!(run.stdout.contains("file=re%0Apo/modules/x%0A%3A%3Aerror file=evil.nix%3A%3Apwned.nix,line=1,"));
}

#[test]
fn aspects_human_prints_one_line_per_aspect_and_host() {
    let (parent, name) = repo();
    let root = parent.path().join(name);
    let roster = json(&canopy(&root, &["aspects", "--format", "json"], "."));
    let aspects = roster["aspects"].as_array().expect("aspects").len();
    let hosts = roster["hosts"].as_array().expect("hosts").len();
    assert_eq!((aspects, hosts), (6, 1), "{roster}");

    let run = canopy(&root, &["aspects"], ".");
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), aspects + hosts + 1, "one line per aspect and host, the summary:\n{}", run.stdout);
    for shown in [
        r#"flake.modules.nixos."a\nb" "#,
        r#"flake.modules.nixos."esc\x1b[31mred" "#,
        r#"flake.modules.nixos."del\x7f" "#,
    ] {
        assert_eq!(lines.iter().filter(|l| l.starts_with(shown)).count(), 1, "{shown}\n{}", run.stdout);
    }
    assert!(
        lines.iter().any(|l| l.starts_with(r"\x3a:error::host (configurations, nixos)  1 definition")),
        "{}",
        run.stdout
    );
    assert_no_workflow_command(&run.stdout);
}

#[test]
fn notes_on_stderr_are_one_line_each() {
    let (parent, name) = repo();
    let run = canopy(parent.path(), &["check", "--format", "json"], name);
    let notes: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(notes.len(), 2, "{}", run.stderr);
    assert!(notes[0].starts_with(r"canopy: skipped re\npo/modules/link\n::error::x.nix: "), "{}", run.stderr);
    assert!(notes[1].starts_with(r"canopy: read re\npo/modules/latin1\x1b[2J.nix anyway: "), "{}", run.stderr);
    assert_no_workflow_command(&run.stderr);
    // The folder's own name, from the command line, is escaped in the error that names it too.
    let missing = canopy(parent.path(), &["check"], "no\nsuch\x1b[0m");
    assert_eq!(missing.code, Some(2));
    assert_eq!(missing.stderr.lines().count(), 1, "{}", missing.stderr);
    assert!(missing.stderr.contains(r"`no\nsuch\x1b[0m`"), "{}", missing.stderr);
}
