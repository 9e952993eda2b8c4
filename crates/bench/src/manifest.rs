//! What the generator knows about a workspace it wrote, saved beside it as `.canopy-bench.json`:
//! the diagnostics it planted, and places the benchmark edits and queries.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The manifest's file name inside a generated workspace.
pub const FILE_NAME: &str = ".canopy-bench.json";

/// Bumped whenever the generator's output for a seed changes, so cached workspaces are rebuilt.
pub const GENERATOR_VERSION: u32 = 3;

/// A byte range in a file, with the text it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub path: String,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A diagnostic the generator planted on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planted {
    pub code: String,
    /// The name the diagnostic is reported on (a misspelt reference, an unused aspect).
    pub name: String,
    pub at: Span,
}

/// The 2,000-line module the keystroke measurement edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keystroke {
    pub path: String,
    pub lines: usize,
    /// Inside a string: typing here changes no fact of the graph.
    pub body: Span,
    /// An aspect's name in a `with` list: typing here makes it undefined.
    pub reference: Span,
}

/// The aspect the rename measurement renames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rename {
    pub collection: String,
    pub name: String,
    /// Definitions plus references.
    pub sites: usize,
    /// One reference, where the rename is asked.
    pub at: Span,
}

/// A place to ask navigation requests at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// `definition` or `reference`.
    pub kind: String,
    pub collection: String,
    pub at: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub generator: u32,
    pub seed: u64,
    /// `--files` as asked.
    pub requested: usize,
    /// `.nix` files written.
    pub files: usize,
    pub source_bytes: u64,
    pub aspects: usize,
    pub hosts: usize,
    pub planted: Vec<Planted>,
    pub keystroke: Option<Keystroke>,
    pub rename: Option<Rename>,
    pub probes: Vec<Probe>,
}

impl Manifest {
    pub fn read(workspace: &Path) -> Result<Manifest, String> {
        let path = workspace.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{} is not a manifest: {e}", path.display()))
    }
}
