//! The file system at its worst, through the real binary (`canopy check` and `canopy lsp`): link
//! loops, a `result` link into a store outside, tool folders, unreadable and special files, files
//! deleted while the initial scan runs, and 100,000 files. Indexing must finish, find exactly the
//! workspace's files, and say what it passed over. Which files exist is `canopy-vfs`'s to decide
//! (its unit tests hold the rules); here, that both front ends keep to them and report them.

#![cfg(target_os = "linux")]

mod lsp_support;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use lsp_support::{ClientOptions, FLAKE, Lsp};
use serde_json::{Value, json};

/// The reason `canopy-vfs` gives for a listed file gone before it was read.
const VANISHED: &str = "gone or no longer a regular file (changed while canopy was reading)";

fn write(root: &Path, path: &str, text: impl AsRef<[u8]>) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    fs::write(path, text).expect("write file");
}

fn aspect(name: &str) -> String {
    format!("{{\n  flake.modules.nixos.{name} = {{ networking.domain = \"{name}.example\"; }};\n}}\n")
}

/// A host importing `names` from `flake.modules.nixos`.
fn host(name: &str, names: &[&str]) -> String {
    format!(
        "{{ config, inputs, ... }}:\n{{\n  flake.nixosConfigurations.{name} = inputs.nixpkgs.lib.nixosSystem {{\n    \
         modules = with config.flake.modules.nixos; [ {} ];\n  }};\n}}\n",
        names.join(" ")
    )
}

fn mkfifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("C path");
    // SAFETY: a NUL-terminated path that outlives the call.
    let made = unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) };
    assert_eq!(made, 0, "mkfifo {}: {}", path.display(), io::Error::last_os_error());
}

/// Makes file permissions bind the processes this thread starts from now on. Tests run as root in
/// CI, and root reads a `chmod 000` file anyway (`CAP_DAC_OVERRIDE`, `CAP_DAC_READ_SEARCH`): those
/// two capabilities are dropped from this thread's bounding set, which children inherit and which
/// caps what root gets at `execve`. Then checks, with `cat`, that a `chmod 000` file really cannot
/// be read by a child, and fails the test if it can: an unobservable test must not pass.
fn enforce_permissions_on_children(locked_file: &Path) {
    // SAFETY: plain system calls without pointers.
    if unsafe { libc::geteuid() } == 0 {
        // CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (linux/capability.h).
        for capability in [1, 2] {
            // SAFETY: as above.
            let dropped = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, capability as libc::c_ulong, 0, 0, 0) };
            assert_eq!(dropped, 0, "cannot drop capability {capability}: {}", io::Error::last_os_error());
        }
    }
    let cat = Command::new("cat").arg(locked_file).output().expect("run cat");
    assert!(!cat.status.success(), "a chmod 000 file is readable by a child process: the test would observe nothing");
}

/// Longest a `canopy check` run may take here: far above the 100,000-file run's 10-20 s on the
/// test machines, and a bound, so that a run stuck on a FIFO fails instead of hanging CI.
const RUN_LIMIT: Duration = Duration::from_secs(300);

fn canopy(args: &[&str], root: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canopy"));
    command.args(args).arg(root);
    bounded(command, || {})
}

/// Runs `command` (without `CANOPY_LOG`), calling `started` once it runs, and kills it past
/// [`RUN_LIMIT`].
fn bounded(mut command: Command, started: impl FnOnce()) -> Output {
    let child = command.env_remove("CANOPY_LOG").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let child = child.expect("start canopy");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    started();
    match rx.recv_timeout(RUN_LIMIT) {
        Ok(output) => output.expect("run canopy"),
        Err(_) => {
            // SAFETY: a plain system call on the child's id, which is not reaped before it ends.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("canopy did not finish within {RUN_LIMIT:?}");
        }
    }
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!("stdout is one JSON value ({err}); stderr:\n{}", String::from_utf8_lossy(&output.stderr))
    })
}

/// The names in `undefined-aspect` messages ("aspect `x` is not defined ..."), sorted.
fn undefined_aspects<'a>(diagnostics: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut names: Vec<String> = diagnostics
        .into_iter()
        .filter(|d| d["code"] == "undefined-aspect")
        .map(|d| {
            let message = d["message"].as_str().expect("message");
            message.split('`').nth(1).expect("a quoted name").to_owned()
        })
        .collect();
    names.sort();
    names
}

/// A workspace holding every hazard at once. The host imports an aspect from each place that must
/// stay out of the workspace, so that each one left out shows as an `undefined-aspect` (and one
/// wrongly read would silence it).
struct Hostile {
    dir: tempfile::TempDir,
    _store: tempfile::TempDir,
}

impl Hostile {
    fn new() -> Hostile {
        let store = tempfile::tempdir().expect("temp dir");
        write(store.path(), "abc-source/modules/from-store.nix", aspect("fromStore"));
        let dir = tempfile::Builder::new().prefix("canopy-fs-").tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "flake.nix", FLAKE);
        write(root, "modules/alpha.nix", aspect("alpha"));
        write(root, "modules/deep/beta.nix", aspect("beta"));
        write(
            root,
            "modules/hosts/brie.nix",
            host("brie", &["alpha", "beta", "fromStore", "fromGit", "fromNodeModules", "secret", "fromLink"]),
        );
        // Loops: a folder linked to its parent and to the root, file links pointing at each other,
        // folder links pointing at each other, a link to itself.
        symlink("..", root.join("modules/deep/up")).expect("symlink");
        symlink(root, root.join("modules/root")).expect("symlink");
        symlink("b.nix", root.join("modules/a.nix")).expect("symlink");
        symlink("a.nix", root.join("modules/b.nix")).expect("symlink");
        symlink("d2", root.join("modules/d1")).expect("symlink");
        symlink("d1", root.join("modules/d2")).expect("symlink");
        symlink("self.nix", root.join("modules/self.nix")).expect("symlink");
        // `nix build`'s `result`, into a store outside the workspace; and a module linked from
        // there, the way some set-ups share files.
        symlink(store.path().join("abc-source"), root.join("result")).expect("symlink");
        symlink(store.path().join("abc-source/modules/from-store.nix"), root.join("modules/from-link.nix"))
            .expect("symlink");
        write(root, ".git/hooks/from-git.nix", aspect("fromGit"));
        write(root, "modules/node_modules/pkg/from-node-modules.nix", aspect("fromNodeModules"));
        // Unreadable, a FIFO (which would block a reader forever), and a link to nothing.
        write(root, "modules/secret.nix", aspect("secret"));
        fs::set_permissions(root.join("modules/secret.nix"), fs::Permissions::from_mode(0o000)).expect("chmod");
        mkfifo(&root.join("modules/fifo.nix"));
        symlink(root.join("modules/missing.nix"), root.join("modules/dangling.nix")).expect("symlink");
        enforce_permissions_on_children(&root.join("modules/secret.nix"));
        Hostile { dir, _store: store }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }
}

const HOSTILE_FILES: usize = 4;
const HOSTILE_UNDEFINED: [&str; 4] = ["fromGit", "fromLink", "fromNodeModules", "fromStore"];

fn hostile_skipped() -> Vec<(String, String)> {
    let link = "symbolic link (canopy does not follow links)";
    [
        ("modules/a.nix", link),
        ("modules/b.nix", link),
        ("modules/dangling.nix", link),
        ("modules/fifo.nix", "not a regular file (a FIFO, socket or device)"),
        ("modules/from-link.nix", link),
        ("modules/secret.nix", "Permission denied"),
        ("modules/self.nix", link),
    ]
    .iter()
    .map(|(path, reason)| (path.to_string(), reason.to_string()))
    .collect()
}

#[test]
fn check_finishes_on_a_hostile_tree_and_says_what_it_skipped() {
    let ws = Hostile::new();
    let run = canopy(&["check", "--format", "json"], ws.root());
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(1), "errors expected (the undefined aspects); stderr:\n{stderr}");
    let value = json_of(&run);
    assert_eq!(value["files"], HOSTILE_FILES, "{value}");
    let skipped: Vec<(String, String)> = value["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| (s["path"].as_str().expect("path").to_owned(), s["reason"].as_str().expect("reason").to_owned()))
        .collect();
    assert_eq!(skipped, hostile_skipped());
    // `secret` was unreadable, so it is undefined too: the file must not have been read somehow.
    let mut expected: Vec<&str> = HOSTILE_UNDEFINED.to_vec();
    expected.push("secret");
    expected.sort();
    assert_eq!(undefined_aspects(value["diagnostics"].as_array().expect("diagnostics")), expected);
    // Each skipped file gets a line on stderr, whatever the format.
    for (path, reason) in hostile_skipped() {
        let line = format!("canopy: skipped {}/{path}: {reason}\n", ws.root().display());
        assert!(stderr.contains(&line), "no `{line}` in stderr:\n{stderr}");
    }

    let human = canopy(&["check"], ws.root());
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(stdout.ends_with(" in 4 files (7 skipped)\n"), "{stdout}");
}

#[test]
fn the_server_indexes_a_hostile_tree_and_logs_what_it_skipped() {
    let ws = Hostile::new();
    let root = ws.root().canonicalize().expect("root");
    let mut lsp = Lsp::start(ClientOptions::folder(&root));
    let end = lsp
        .received("$/progress")
        .into_iter()
        .find(|m| m["params"]["value"]["kind"] == "end")
        .unwrap_or_else(|| lsp.fail("no end of progress"));
    assert_eq!(end["params"]["value"]["message"], "4 files, 7 skipped (see the log)", "{end}");

    let host = root.join("modules/hosts/brie.nix");
    let diagnostics = lsp.wait_for_diagnostics(&host, "the host's diagnostics", |d| !d.is_empty());
    let mut expected: Vec<&str> = HOSTILE_UNDEFINED.to_vec();
    expected.push("secret");
    expected.sort();
    assert_eq!(undefined_aspects(&diagnostics), expected);
    for name in ["alpha", "beta"] {
        let symbols = lsp.result("workspace/symbol", json!({ "query": name }));
        let names: Vec<&str> = symbols.as_array().expect("symbols").iter().filter_map(|s| s["name"].as_str()).collect();
        assert!(names.contains(&name), "{name}: {symbols}");
    }

    // One line in the client's log per skipped file, and the summary.
    let logs: Vec<String> = lsp
        .received("window/logMessage")
        .iter()
        .filter_map(|m| m["params"]["message"].as_str().map(str::to_owned))
        .collect();
    for (path, reason) in hostile_skipped() {
        let line = format!("skipped {path} in {}: {reason}", root.display());
        assert!(logs.contains(&line), "no `{line}` in the log:\n{}", logs.join("\n"));
    }
    let summary =
        format!("indexed 4 files, 7 skipped (see the log) in {}", root.file_name().expect("name").to_string_lossy());
    assert!(logs.contains(&summary), "no `{summary}` in the log:\n{}", logs.join("\n"));
    assert!(lsp.shutdown().success());
}

/// A workspace of `count` aspect files, of which every third stays while a thread deletes the
/// others as fast as it can, starting when the returned barrier is passed. A host imports the
/// aspects that stay: each one missed would be an `undefined-aspect`.
struct Racing {
    dir: tempfile::TempDir,
    kept: Vec<String>,
    doomed: Vec<String>,
}

impl Racing {
    fn new(count: usize) -> Racing {
        let dir = tempfile::Builder::new().prefix("canopy-race-").tempdir().expect("temp dir");
        let root = dir.path();
        write(root, "flake.nix", FLAKE);
        let mut kept = Vec::new();
        let mut doomed = Vec::new();
        for i in 0..count {
            let name = format!("a{i:05}");
            write(root, &format!("modules/g{:02}/{name}.nix", i % 20), aspect(&name));
            if i % 3 == 0 { kept.push(name) } else { doomed.push(name) }
        }
        // One misspelt import, so that the host has a diagnostic to publish (the server sends
        // none for a file that never had any), and a missed kept aspect would add to it.
        let mut names: Vec<&str> = kept.iter().map(String::as_str).collect();
        names.push("misspelt");
        write(root, "modules/hosts/race.nix", host("race", &names));
        Racing { dir, kept, doomed }
    }

    fn path_of(&self, name: &str) -> String {
        let i: usize = name[1..].parse().expect("number");
        format!("modules/g{:02}/{name}.nix", i % 20)
    }

    /// Starts deleting the doomed files once `go` is passed; the handle says how many it deleted.
    fn deleter(&self, go: Arc<Barrier>) -> std::thread::JoinHandle<usize> {
        let root = self.dir.path().to_path_buf();
        let paths: Vec<String> = self.doomed.iter().rev().map(|n| self.path_of(n)).collect();
        std::thread::spawn(move || {
            go.wait();
            paths.iter().filter(|p| fs::remove_file(root.join(p)).is_ok()).count()
        })
    }
}

const RACING_FILES: usize = 6000;

#[test]
fn check_finishes_while_files_are_deleted_under_it_and_reports_those_it_missed() {
    let ws = Racing::new(RACING_FILES);
    let go = Arc::new(Barrier::new(2));
    let deleter = ws.deleter(go.clone());
    let mut command = Command::new(env!("CARGO_BIN_EXE_canopy"));
    command.args(["check", "--format", "json"]).arg(ws.dir.path());
    let run = bounded(command, || {
        go.wait();
    });
    let deleted = deleter.join().expect("deleter");
    assert_eq!(deleted, ws.doomed.len());

    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "stderr:\n{stderr}");
    let value = json_of(&run);
    // Every kept aspect was read (the host's imports all resolve); what was deleted was read in
    // time, reported as gone, or never listed; nothing is counted twice.
    assert_eq!(undefined_aspects(value["diagnostics"].as_array().expect("diagnostics")), ["misspelt"]);
    let files = value["files"].as_u64().expect("files") as usize;
    let skipped = value["skipped"].as_array().expect("skipped");
    let doomed: BTreeSet<String> = ws.doomed.iter().map(|n| ws.path_of(n)).collect();
    for entry in skipped {
        assert_eq!(entry["reason"], VANISHED, "{entry}");
        assert!(doomed.contains(entry["path"].as_str().expect("path")), "{entry}");
    }
    let fixed = ws.kept.len() + 2;
    assert!(
        files >= fixed && files + skipped.len() <= fixed + ws.doomed.len(),
        "{files} files, {} skipped",
        skipped.len()
    );
    eprintln!("racing check: {files} files read, {} reported gone, of {} deleted", skipped.len(), deleted);
}

#[test]
fn the_server_finishes_indexing_while_files_are_deleted_under_it() {
    let ws = Racing::new(RACING_FILES);
    let root = ws.dir.path().canonicalize().expect("root");
    let go = Arc::new(Barrier::new(2));
    let deleter = ws.deleter(go.clone());
    let mut lsp = Lsp::spawn(ClientOptions::folder(&root));
    lsp.initialize();
    go.wait();
    let end = lsp.wait_for("indexing to end", |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");
    assert_eq!(deleter.join().expect("deleter"), ws.doomed.len());

    // The summary adds up: files read plus files reported gone is at most what could be listed.
    let message = end["params"]["value"]["message"].as_str().expect("message").to_owned();
    let numbers: Vec<usize> = message.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
    let (read, skipped) = match numbers[..] {
        [read] => (read, 0),
        [read, skipped] => (read, skipped),
        _ => lsp.fail(&format!("unexpected summary `{message}`")),
    };
    let fixed = ws.kept.len() + 2;
    assert!(read >= fixed && read + skipped <= fixed + ws.doomed.len(), "{message}");
    let gone = lsp
        .received("window/logMessage")
        .iter()
        .filter(|m| m["params"]["message"].as_str().is_some_and(|t| t.ends_with(VANISHED)))
        .count();
    assert_eq!(gone, skipped, "one log line for each file reported gone");

    let host = root.join("modules/hosts/race.nix");
    let diagnostics = lsp.wait_for_diagnostics(&host, "the host's diagnostics", |d| !d.is_empty());
    assert_eq!(undefined_aspects(&diagnostics), ["misspelt"]);
    // The server stays usable: a kept aspect is found.
    let symbols = lsp.result("workspace/symbol", json!({ "query": ws.kept[1] }));
    assert!(symbols.to_string().contains(&ws.kept[1]), "{symbols}");
    eprintln!("racing server: {message}");
    assert!(lsp.shutdown().success());
}

/// Files in the big workspace: 100 folders of 1,000 aspect files, plus `flake.nix` and a host.
const BIG_FOLDERS: usize = 100;
const BIG_PER_FOLDER: usize = 1000;

#[test]
fn a_hundred_thousand_files_index_completely_in_check_and_in_the_server() {
    // In memory where Linux offers it: creating and removing 100,000 files on the test machines'
    // disk (ext4 mounted with `discard`, shared with other jobs) took 5 to 40 s each way, and
    // what is measured here is canopy, which reads both kinds the same.
    let shm = Path::new("/dev/shm");
    let builder = tempfile::Builder::new().prefix("canopy-big-").clone();
    let dir = if shm.is_dir() { builder.tempdir_in(shm) } else { builder.tempdir() }.expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    let started = Instant::now();
    write(&root, "flake.nix", FLAKE);
    for folder in 0..BIG_FOLDERS {
        fs::create_dir_all(root.join(format!("modules/g{folder:03}"))).expect("create folder");
        for i in 0..BIG_PER_FOLDER {
            let name = format!("a{:06}", folder * BIG_PER_FOLDER + i);
            fs::write(root.join(format!("modules/g{folder:03}/{name}.nix")), aspect(&name)).expect("write file");
        }
    }
    // The host imports the first and last aspects, one misspelt name, and consumes the rest
    // wholesale, so that none is reported unused: exactly one diagnostic is planted.
    let last = format!("a{:06}", BIG_FOLDERS * BIG_PER_FOLDER - 1);
    write(
        &root,
        "modules/hosts/big.nix",
        format!(
            "{{ config, inputs, lib, ... }}:\n{{\n  flake.nixosConfigurations.big = inputs.nixpkgs.lib.nixosSystem {{\n    \
             modules = lib.attrValues config.flake.modules.nixos ++ (with config.flake.modules.nixos; [ a000000 {last} \
             a1000000 ]);\n  }};\n}}\n"
        ),
    );
    let files = BIG_FOLDERS * BIG_PER_FOLDER + 2;
    let generated = started.elapsed();

    let started = Instant::now();
    let run = canopy(&["check", "--format", "json"], &root);
    let checked = started.elapsed();
    let value = json_of(&run);
    assert_eq!(value["files"], files);
    // The misspelt name counts as an aspect too: one that is referenced and never defined.
    assert_eq!(value["aspects"], BIG_FOLDERS * BIG_PER_FOLDER + 1);
    assert_eq!(value["skipped"], json!([]));
    let diagnostics = value["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["path"], "modules/hosts/big.nix");
    assert_eq!(undefined_aspects(diagnostics), ["a1000000"]);

    let started = Instant::now();
    let mut lsp = Lsp::spawn(ClientOptions::folder(&root));
    lsp.initialize();
    // Each progress message within the helper's timeout, not the whole run: on a loaded machine
    // indexing 100,000 files may take longer than any one answer should.
    let mut reports = 0;
    let end = loop {
        let progress = lsp.wait_for("indexing progress", |m| m["method"] == "$/progress");
        match progress["params"]["value"]["kind"].as_str() {
            Some("end") => break progress,
            Some("report") => reports += 1,
            _ => {}
        }
    };
    let indexed = started.elapsed();
    assert_eq!(end["params"]["value"]["message"], format!("{files} files"), "{end}");
    assert!(reports >= 20, "{reports} progress reports");
    let host = root.join("modules/hosts/big.nix");
    let published = lsp.wait_for_diagnostics(&host, "the host's diagnostics", |d| !d.is_empty());
    assert_eq!(undefined_aspects(&published), ["a1000000"]);
    let published_at = started.elapsed();
    for name in ["a000000", "a054321", last.as_str()] {
        let symbols = lsp.result("workspace/symbol", json!({ "query": name }));
        assert!(symbols.to_string().contains(&format!("\"{name}\"")), "{name}: {symbols}");
    }
    let queried_at = started.elapsed();
    assert!(lsp.shutdown().success());
    // Timing belongs to the benchmarks; printed for the record (`--nocapture` shows it).
    eprintln!(
        "{files} files: generated in {generated:?}, `canopy check` in {checked:?}; server: indexed in {indexed:?}, \
         diagnostics at {published_at:?}, 3 symbol queries done at {queried_at:?}, shut down at {:?}",
        started.elapsed()
    );
    let started = Instant::now();
    dir.close().expect("remove the workspace");
    eprintln!("removed in {:?}", started.elapsed());
}
