//! The workspace generator: `plan` decides the shape, `render` writes the texts, and this module
//! assembles files and manifest and writes them out.

mod body;
pub mod large;
mod names;
pub mod nix;
mod plan;
mod render;

use std::fs;
use std::io;
use std::path::Path;

use crate::manifest::{self, Keystroke, Manifest, Planted, Probe, Rename, Span};
use crate::rng::Rng;
use plan::Role;
use render::{FileWriter, MarkKind};

/// A generated workspace, in memory.
pub struct Generated {
    /// Workspace-relative paths with `/` separators, and texts; in path order.
    pub files: Vec<(String, String)>,
    pub manifest: Manifest,
}

/// How many probes of each kind the manifest keeps.
const PROBES: usize = 200;

/// Generates a workspace of about `files` files (at least 100), the same for the same seed.
pub fn generate(files: usize, seed: u64) -> Generated {
    let plan = plan::plan(files, seed);
    let mut root = Rng::new(seed ^ 0x5EED_F11E);
    let mut out = Vec::with_capacity(plan.files.len());
    let mut planted = Vec::new();
    let mut keystroke = None;
    let mut rename_sites = 0;
    let mut rename_at: Option<Span> = None;
    let mut definitions: Vec<Probe> = Vec::new();
    let mut references: Vec<Probe> = Vec::new();

    for file in &plan.files {
        let mut writer = FileWriter::new(&plan, root.fork(out.len() as u64));
        let marked = writer.file(&file.kind);
        let (text, marks) = nix::strip_marks(&marked);
        let span = |range: &std::ops::Range<usize>| Span {
            path: file.path.clone(),
            start: range.start,
            end: range.end,
            text: text[range.clone()].to_owned(),
        };
        let mut body = None;
        let mut reference = None;
        for (id, range) in &marks {
            match &writer.marks[*id] {
                MarkKind::Planted { code, name } => {
                    planted.push(Planted { code: (*code).to_owned(), name: name.clone(), at: span(range) })
                }
                MarkKind::KeystrokeBody => body = Some(span(range)),
                MarkKind::KeystrokeRef => reference = Some(span(range)),
                MarkKind::RenameRef => {
                    rename_sites += 1;
                    rename_at.get_or_insert_with(|| span(range));
                }
                MarkKind::Definition(aspect) => {
                    if plan.aspects[*aspect].role == Role::RenameTarget {
                        rename_sites += 1;
                    }
                    if plan.aspects[*aspect].role == Role::Unused {
                        let name = plan.aspects[*aspect].name.clone();
                        planted.push(Planted { code: "unused-aspect".to_owned(), name, at: span(range) });
                    }
                    let collection = render::collection_path(plan.aspects[*aspect].coll);
                    definitions.push(Probe { kind: "definition".to_owned(), collection, at: span(range) });
                }
                MarkKind::Reference(aspect) => {
                    let collection = render::collection_path(plan.aspects[*aspect].coll);
                    references.push(Probe { kind: "reference".to_owned(), collection, at: span(range) });
                }
            }
        }
        if let (Some(body), Some(reference)) = (body, reference) {
            keystroke = Some(Keystroke { path: file.path.clone(), lines: text.lines().count(), body, reference });
        }
        out.push((file.path.clone(), text));
    }

    let rename = rename_at.map(|at| {
        let target = plan.aspects.iter().find(|a| a.role == Role::RenameTarget).expect("a rename target");
        Rename { collection: render::collection_path(target.coll), name: target.name.clone(), sites: rename_sites, at }
    });
    let mut probes = spread(definitions, PROBES);
    probes.extend(spread(references, PROBES));
    planted.sort_by(|a, b| (&a.at.path, a.at.start).cmp(&(&b.at.path, b.at.start)));
    let manifest = Manifest {
        generator: manifest::GENERATOR_VERSION,
        seed,
        requested: files,
        files: out.len(),
        source_bytes: out.iter().map(|(_, t)| t.len() as u64).sum(),
        aspects: plan.aspects.len(),
        hosts: plan.hosts.len() + plan.den_hosts.len(),
        planted,
        keystroke,
        rename,
        probes,
    };
    Generated { files: out, manifest }
}

/// At most `n` items, evenly spread over `items` (so over the whole workspace, not its first
/// folder).
fn spread<T>(items: Vec<T>, n: usize) -> Vec<T> {
    let len = items.len();
    if len <= n {
        return items;
    }
    items.into_iter().enumerate().filter(|(i, _)| i * n / len != (i + 1) * n / len).map(|(_, x)| x).collect()
}

impl Generated {
    /// Writes the workspace and its manifest below `out`, which must be empty, absent, or a
    /// workspace generated before (it is then replaced).
    pub fn write(&self, out: &Path) -> io::Result<()> {
        prepare_dir(out)?;
        for (path, text) in &self.files {
            let target = out.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(target, text)?;
        }
        let manifest = serde_json::to_string_pretty(&self.manifest).map_err(io::Error::other)?;
        fs::write(out.join(manifest::FILE_NAME), manifest + "\n")
    }
}

/// Makes `out` an empty folder, refusing to delete anything the generator did not write.
pub fn prepare_dir(out: &Path) -> io::Result<()> {
    if out.exists() {
        let empty = fs::read_dir(out)?.next().is_none();
        if !empty {
            if !out.join(manifest::FILE_NAME).is_file() {
                return Err(io::Error::other(format!(
                    "{} is not empty and holds no {}: not overwriting it",
                    out.display(),
                    manifest::FILE_NAME
                )));
            }
            fs::remove_dir_all(out)?;
        }
    }
    fs::create_dir_all(out)
}
