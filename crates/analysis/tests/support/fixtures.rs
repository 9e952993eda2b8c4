//! The fixture repositories and a seeded random stream, shared by the analysis's integration
//! tests (`tests/`) and its tests inside the crate (`src/tests/`), which include this file by
//! path. It names nothing of canopy's.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Fixtures with no aspect to find, read whole as one workspace: the broken one, a plain flake,
/// which is not dendritic, and the folders whose flakes lie below them (each is a workspace of its
/// own, which the command line and the server analyse apart).
pub const WITHOUT_ASPECTS: &[&str] = &["broken", "flake-in-example", "plain-flake", "two-flakes"];

/// One fixture repository: its name and its `.nix` files (workspace-relative path, text), in
/// path order, as `canopy check` would load them.
pub struct Repository {
    pub name: String,
    pub files: Vec<(String, String)>,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Every fixture repository under `fixtures/`.
pub fn repositories() -> Vec<Repository> {
    let mut repos: Vec<Repository> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ is readable")
        .map(|entry| entry.expect("a fixture entry").path())
        .filter(|path| path.is_dir())
        .map(|root| {
            let mut files = Vec::new();
            collect(&root, &root, &mut files);
            files.sort();
            Repository { name: root.file_name().expect("a name").to_string_lossy().into_owned(), files }
        })
        .collect();
    repos.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(repos.len() >= 5, "the fixtures are missing: {} found", repos.len());
    repos
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("a fixture folder is readable") {
        let path = entry.expect("a fixture entry").path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            let relative = path.strip_prefix(root).expect("below the root");
            let relative = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            out.push((relative, std::fs::read_to_string(&path).expect("a fixture file is UTF-8")));
        }
    }
}

/// A seeded stream of numbers (xorshift): the same garbage and the same random programs on
/// every run.
pub struct Xorshift(pub u64);

impl Xorshift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}
