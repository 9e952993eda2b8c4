//! What canopy never does (README, "What canopy never does"): it never evaluates or executes Nix
//! code from the workspace, never writes files, and never uses the network. A workspace whose
//! files would run commands, write markers, fetch URLs, import `<nixpkgs>`, build derivations and
//! read `/etc` if they were evaluated is analysed by `canopy check` and by `canopy lsp` (index, a
//! rename, a few requests, shutdown), and then:
//!
//! - no file of the workspace changed and no marker appeared, anywhere the files name;
//! - under `strace -f`, the process ran no program but itself, started no process, opened no
//!   network socket, opened nothing for writing, changed nothing on disk by path, and opened
//!   nothing outside the workspace but what any program opens (its libraries, `/proc/self`, the
//!   CPU limits of its cgroup).
//!
//! strace is a prerequisite (`.ci/run` installs it): a machine without it fails these tests with a
//! message saying so, it never skips them.

#![cfg(target_os = "linux")]

mod lsp_support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output, Stdio};

use lsp_support::{ClientOptions, Lsp, position_of};
use serde_json::{Value, json};

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-unstable";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.import-tree.url = "github:vic/import-tree";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
"#;

/// Files that would act on the world if Nix evaluated (or built) them. `@MARKER@` is replaced by
/// a path outside the workspace that must never come to exist.
const BAIT: &[(&str, &str)] = &[
    (
        "modules/exec.nix",
        r#"{
  flake.modules.nixos.exec = {
    environment.etc."pwned".text = builtins.exec [ "sh" "-c" "touch @MARKER@-exec; echo '{ }'" ];
  };
}
"#,
    ),
    (
        "modules/derivation.nix",
        r#"let
  marker = derivation {
    name = "marker";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "touch @MARKER@-derivation; touch $out" ];
  };
in
{
  flake.modules.nixos.derivation = {
    system.activationScripts.marker = "${marker}";
  };
}
"#,
    ),
    (
        "modules/run-command.nix",
        r#"{ inputs, ... }:
let
  pkgs = import inputs.nixpkgs { system = "x86_64-linux"; };
  written = pkgs.runCommand "written" { } ''
    touch ${toString ./.}/MARKER-run-command
    touch @MARKER@-run-command
    echo '{ }' > $out
  '';
in
{
  # Import from derivation: evaluating this builds `written` first.
  flake.modules.nixos.ifd = import written;
}
"#,
    ),
    (
        "modules/fetch.nix",
        r#"{
  flake.modules.nixos.fetched = import (builtins.fetchurl "http://127.0.0.1:9/fetched.nix");
  flake.modules.nixos.tarball = import "${builtins.fetchTarball "https://example.invalid/t.tar.gz"}/default.nix";
  flake.modules.nixos.git = import "${builtins.fetchGit { url = "https://example.invalid/repo.git"; }}/git.nix";
}
"#,
    ),
    (
        "modules/channels.nix",
        r#"let
  pkgs = import <nixpkgs> { };
in
{
  flake.modules.nixos.channels = {
    environment.systemPackages = [ pkgs.hello ];
    networking.hostName = builtins.readFile /etc/hostname;
    users.users.root.hashedPassword = builtins.readFile /etc/shadow;
    imports = [ ../outside.nix /etc/nixos/configuration.nix ];
  };
}
"#,
    ),
    (
        "modules/hosts/gouda.nix",
        r#"{ config, inputs, ... }:
{
  flake.nixosConfigurations.gouda = inputs.nixpkgs.lib.nixosSystem {
    modules = with config.flake.modules.nixos; [ exec derivation ifd fetched tarball git channels ];
  };
}
"#,
    ),
];

/// A workspace of [`BAIT`] in `parent/ws`, with `parent/outside.nix` next to it (imported by a
/// relative path, so that a read of it would show) and the marker prefix in `parent/markers`.
struct Bait {
    parent: tempfile::TempDir,
}

impl Bait {
    fn new() -> Bait {
        let parent = tempfile::Builder::new().prefix("canopy-never-").tempdir().expect("temp dir");
        let bait = Bait { parent };
        fs::create_dir_all(bait.markers()).expect("create folder");
        let marker = bait.markers().join("MARKER");
        let marker = marker.to_str().expect("UTF-8 path");
        write(&bait.root(), "flake.nix", FLAKE);
        for (path, text) in BAIT {
            write(&bait.root(), path, &text.replace("@MARKER@", marker));
        }
        write(bait.parent.path(), "outside.nix", "{ flake.modules.nixos.outside = { }; }\n");
        bait
    }

    /// Canonical, as canopy sees it and as strace prints it.
    fn root(&self) -> PathBuf {
        self.parent.path().canonicalize().expect("temp dir").join("ws")
    }

    fn markers(&self) -> PathBuf {
        self.parent.path().canonicalize().expect("temp dir").join("markers")
    }

    /// Every entry below the parent folder (workspace, markers, `outside.nix`), with its kind,
    /// contents and modification time.
    fn snapshot(&self) -> BTreeMap<PathBuf, (String, Vec<u8>, Option<std::time::SystemTime>)> {
        let mut out = BTreeMap::new();
        let mut stack = vec![self.parent.path().to_path_buf()];
        while let Some(folder) = stack.pop() {
            for entry in fs::read_dir(&folder).expect("read folder") {
                let entry = entry.expect("entry");
                let meta = fs::symlink_metadata(entry.path()).expect("metadata");
                let contents = if meta.is_file() { fs::read(entry.path()).expect("read") } else { Vec::new() };
                if meta.is_dir() {
                    stack.push(entry.path());
                }
                out.insert(entry.path(), (format!("{:?}", meta.file_type()), contents, meta.modified().ok()));
            }
        }
        out
    }
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
    fs::write(path, text).expect("write file");
}

/// `strace` itself, or a failure that says how to get it.
fn strace() -> Command {
    let found = Command::new("strace").arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status();
    match found {
        Ok(status) if status.success() => {}
        _ => panic!(
            "strace is required by these tests and was not found or does not run: install it \
             (`apt-get install strace`; `.ci/run` does) and allow ptrace"
        ),
    }
    Command::new("strace")
}

/// `canopy args` under `strace -f`, logging to `log`: every syscall that names a file, touches
/// the network or starts a process or thread, with whole strings.
fn traced(log: &Path, args: &[&str]) -> Command {
    traced_program(log, Path::new(env!("CARGO_BIN_EXE_canopy")), args)
}

fn traced_program(log: &Path, program: &Path, args: &[&str]) -> Command {
    let mut command = strace();
    // Cargo points the loader at its own folders for tests; canopy needs none of them, and the
    // loader's search through them would read as reads outside the workspace.
    command.env_remove("LD_LIBRARY_PATH");
    command
        .args(["-f", "-qq", "-s", "4096", "-e", "trace=%file,%network,%process", "-o"])
        .arg(log)
        .arg("--")
        .arg(program)
        .args(args);
    command
}

/// One traced call: its name and the text of its arguments (from its first line, when a call was
/// interrupted by another thread's).
#[derive(Debug)]
struct Call {
    name: String,
    args: String,
    line: String,
}

fn calls(log: &Path) -> Vec<Call> {
    let text = fs::read_to_string(log).expect("read strace log");
    assert!(text.contains("execve("), "the strace log is empty or unreadable:\n{text}");
    let mut out = Vec::new();
    for line in text.lines() {
        // `PID  name(args) = result`, or `PID  <... name resumed>...`, or a signal or exit note.
        let rest = line.split_once(char::is_whitespace).map_or(line, |(_, rest)| rest).trim_start();
        let Some(open) = rest.find('(') else { continue };
        let name = &rest[..open];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        out.push(Call { name: name.to_owned(), args: rest[open + 1..].to_owned(), line: line.to_owned() });
    }
    out
}

/// The first string argument, if the call has one.
fn first_string(args: &str) -> Option<String> {
    let start = args.find('"')? + 1;
    let mut out = String::new();
    let mut chars = args[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
}

/// `path` made absolute against `cwd` and without `.` or `..`, lexically.
fn normalise(path: &str, cwd: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What any program opens outside its inputs: the dynamic loader's cache and libraries, its own
/// `/proc` entries (the stack guard reads `/proc/self/maps`), the CPU limits that Rust's
/// `available_parallelism` reads from the cgroup file system, and the kernel's memory settings and
/// NUMA nodes that the allocator (mimalloc) asks about when it starts.
const SYSTEM_READS: &[&str] = &[
    "/etc/ld.so.cache",
    "/etc/ld.so.preload",
    "/lib/",
    "/lib64/",
    "/usr/lib/",
    "/usr/lib64/",
    "/proc/self/",
    "/proc/thread-self/",
    "/sys/fs/cgroup/",
    "/sys/devices/system/cpu/",
    "/proc/sys/vm/overcommit_memory",
    "/sys/kernel/mm/transparent_hugepage/",
    "/sys/devices/system/node/",
];

/// Calls that change the file system by path, whatever their arguments.
const WRITES_BY_PATH: &[&str] = &[
    "creat",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "rmdir",
    "unlink",
    "unlinkat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "truncate",
    "chmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "lchown",
    "fchownat",
    "utime",
    "utimes",
    "utimensat",
    "futimesat",
    "setxattr",
    "lsetxattr",
    "removexattr",
    "lremovexattr",
    "mount",
    "umount2",
    "chroot",
    "pivot_root",
    "swapon",
    "acct",
];

/// Everything in the trace of one canopy process that breaks the rules, one line each.
fn violations(log: &Path, root: &Path, cwd: &Path) -> Vec<String> {
    let binary = Path::new(env!("CARGO_BIN_EXE_canopy")).canonicalize().expect("canopy binary");
    let mut bad = Vec::new();
    let mut execs = 0;
    let mut workspace_reads = 0;
    for call in calls(log) {
        let name = call.name.as_str();
        let path = first_string(&call.args);
        let inside = |p: &Path| p.starts_with(root);
        match name {
            "execve" | "execveat" => {
                execs += 1;
                let program = path.as_deref().map(|p| normalise(p, cwd));
                if execs > 1 || program.as_deref().and_then(|p| p.canonicalize().ok()).as_ref() != Some(&binary) {
                    bad.push(format!("ran a program: {}", call.line));
                }
            }
            // Threads share the process (`CLONE_THREAD`); anything else is a new process.
            "clone" | "clone3" if call.args.contains("CLONE_THREAD") => {}
            "clone" | "clone3" | "fork" | "vfork" => bad.push(format!("started a process: {}", call.line)),
            "socket" | "socketpair" | "connect" | "bind" | "sendto" | "sendmsg" | "sendmmsg" | "listen" | "accept"
            | "accept4" => {
                if ["AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"].iter().any(|f| call.args.contains(f))
                    || name != "socketpair" && !call.args.contains("AF_UNIX")
                {
                    bad.push(format!("used the network: {}", call.line));
                }
            }
            "open" | "openat" | "openat2" => {
                let flags = call.args.split(", ").find(|a| a.contains("O_")).unwrap_or_default();
                if ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE"]
                    .iter()
                    .any(|f| flags.contains(f))
                {
                    bad.push(format!("opened for writing: {}", call.line));
                }
                match path.as_deref() {
                    // Relative to a descriptor of the walk's (`openat(fd, "")` and the like).
                    Some(p) if !p.starts_with('/') && !call.args.starts_with("AT_FDCWD") => {}
                    Some(p) => {
                        let p = normalise(p, cwd);
                        let system = SYSTEM_READS.iter().any(|s| p.to_str().is_some_and(|p| p.starts_with(s)));
                        workspace_reads += usize::from(inside(&p) && p.extension().is_some_and(|e| e == "nix"));
                        if !inside(&p) && !system && p != binary {
                            bad.push(format!("read outside the workspace: {}", call.line));
                        }
                    }
                    None => bad.push(format!("opened a path the trace does not show: {}", call.line)),
                }
            }
            _ if WRITES_BY_PATH.contains(&name) => bad.push(format!("changed the file system: {}", call.line)),
            // Metadata by path (stat, readlink, access, ...): inside the workspace, on the way to
            // it (resolving the root), or in the system's own places.
            _ => {
                let Some(p) = path.filter(|p| !p.is_empty()) else { continue };
                if name == "getcwd" || !call.args.starts_with("AT_FDCWD") && !call.args.starts_with('"') {
                    continue;
                }
                let p = normalise(&p, cwd);
                let system = SYSTEM_READS.iter().any(|s| p.to_str().is_some_and(|p| p.starts_with(s)));
                if !inside(&p) && !root.starts_with(&p) && !system && p != binary {
                    bad.push(format!("looked outside the workspace: {}", call.line));
                }
            }
        }
    }
    if execs == 0 {
        bad.push("the trace shows no execve of canopy: it traced nothing".to_owned());
    }
    // The files are read on threads of their own: a trace without them missed those threads.
    if workspace_reads == 0 {
        bad.push("the trace shows no read of a workspace file: it missed the threads that read".to_owned());
    }
    bad
}

fn assert_untouched(bait: &Bait, before: &BTreeMap<PathBuf, (String, Vec<u8>, Option<std::time::SystemTime>)>) {
    let after = bait.snapshot();
    let changed: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(changed.is_empty(), "files changed, appeared or vanished: {changed:?}");
    let markers = fs::read_dir(bait.markers()).expect("read markers").count();
    assert_eq!(markers, 0, "a marker appeared in {}", bait.markers().display());
}

fn run(command: &mut Command) -> Output {
    command.env_remove("CANOPY_LOG").output().expect("run canopy under strace")
}

#[test]
fn check_evaluates_nothing_writes_nothing_and_stays_offline() {
    let bait = Bait::new();
    let root = bait.root();
    let before = bait.snapshot();
    let logs = tempfile::tempdir().expect("temp dir");
    let log = logs.path().join("check.strace");
    let output = run(traced(&log, &["check", "--format", "json"]).arg(&root).current_dir(&root));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The analysis ran to the end: a JSON report naming the bait files (errors expected, for the
    // aspects the bait imports wrongly or never defines).
    assert!(matches!(output.status.code(), Some(0 | 1)), "{:?}\n{stderr}", output.status);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["files"], BAIT.len() + 1, "{report}");
    assert_untouched(&bait, &before);
    let bad = violations(&log, &root, &root);
    assert!(bad.is_empty(), "canopy check broke its promises:\n{}", bad.join("\n"));
}

#[test]
fn the_server_evaluates_nothing_writes_nothing_and_stays_offline() {
    let bait = Bait::new();
    let root = bait.root();
    let before = bait.snapshot();
    let logs = tempfile::tempdir().expect("temp dir");
    let log = logs.path().join("lsp.strace");
    let mut command = traced(&log, &["lsp"]);
    command.current_dir(&root);
    let mut lsp = Lsp::spawn_command(command, ClientOptions::folder(&root));
    lsp.initialize();
    lsp.wait_for("indexing to end", |m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end");

    // A rename comes back as an edit for the client to apply, and the disk stays as it was.
    let host = root.join("modules/hosts/gouda.nix");
    let text = lsp.open(&host);
    let uri = lsp_support::file_uri(&host);
    let at =
        |needle: &str| json!({ "textDocument": { "uri": uri }, "position": position_of(&text, needle, 0, 1, false) });
    let mut params = at("exec");
    params["newName"] = json!("executed");
    let edit = lsp.result("textDocument/rename", params);
    let changes = edit["documentChanges"].as_array().map_or(0, Vec::len);
    assert!(changes >= 2, "rename gave no edit to the definition and the host: {edit}");
    let hover = lsp.result("textDocument/hover", at("channels"));
    assert!(hover.to_string().contains("channels"), "{hover}");
    let definition = lsp.result("textDocument/definition", at("fetched"));
    assert!(definition.to_string().contains("fetch.nix"), "{definition}");
    let symbols = lsp.result("workspace/symbol", json!({ "query": "ifd" }));
    assert!(symbols.to_string().contains("run-command.nix"), "{symbols}");
    lsp.result("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }));
    assert!(lsp.shutdown().success());

    assert_untouched(&bait, &before);
    let bad = violations(&log, &root, &root);
    assert!(bad.is_empty(), "canopy lsp broke its promises:\n{}", bad.join("\n"));
}

/// The checks above are only as good as the trace reading: a program that does each forbidden
/// thing is caught at each.
#[test]
fn the_trace_reading_catches_each_broken_promise() {
    let bait = Bait::new();
    let root = bait.root();
    let logs = tempfile::tempdir().expect("temp dir");
    let log = logs.path().join("bash.strace");
    let outside = bait.parent.path().canonicalize().expect("parent").join("outside.nix");
    let script = format!(
        "cat {} >/dev/null; : > {}/written; mkdir {}/made; exec 3<>/dev/tcp/127.0.0.1/9",
        outside.display(),
        bait.markers().display(),
        bait.markers().display()
    );
    let bash = Path::new("/bin/bash");
    let output = traced_program(&log, bash, &["-c", &script]).current_dir(&root).output().expect("run bash");
    assert!(!output.status.success(), "the connection to port 9 should have been refused");
    let bad = violations(&log, &root, &root);
    for kind in [
        "ran a program: ",
        "started a process: ",
        "read outside the workspace: ",
        "opened for writing: ",
        "changed the file system: ",
        "used the network: ",
    ] {
        assert!(bad.iter().any(|b| b.starts_with(kind)), "no `{kind}` in:\n{}", bad.join("\n"));
    }
}
