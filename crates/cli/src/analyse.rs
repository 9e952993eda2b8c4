//! Running the analysis: load the files, build the analysis, ask it questions, on one thread
//! with the analysis's stack.
//!
//! Nix nests without bound (generated files, long `//` chains, deep attrsets), and the parser and
//! the analysis recurse over the tree, as does dropping it. The main thread's 8 MB stack is not
//! enough for that, so everything that touches the analysis, its construction and its drop
//! included, runs on this thread; only plain data comes back.

use std::sync::Arc;
use std::time::Instant;

use canopy_analysis::{Analysis, Change, NotDendritic, run_on_analysis_stack};
use canopy_config::ProjectConfig;
use canopy_vfs::Skipped;

use crate::error::CliError;
use crate::load::{self, Root};
use crate::output;
use crate::progress::Progress;
use crate::settings;

/// What a query returned for each flake, and what loading the workspace left out.
#[derive(Debug)]
pub struct Analysed<T> {
    /// The folder given first, then each flake found below it, in path order.
    pub flakes: Vec<Flake<T>>,
    /// Files handed to the analysis.
    pub files: usize,
    pub skipped: Vec<Skipped>,
    /// Files analysed although not UTF-8: (path, what was replaced).
    pub repaired: Vec<(String, String)>,
}

/// One workspace of the folder: the folder itself, or a flake below it (dendritic.md §8.1: each
/// flake is analysed on its own, never mixed with another).
#[derive(Debug)]
pub struct Flake<T> {
    /// Its folder relative to the root, ending in `/`; empty for the root itself.
    pub prefix: String,
    /// Its own files, those of the flakes below it left out.
    pub files: usize,
    /// Why it is no dendritic flake, if it is none.
    pub not_dendritic: Option<NotDendritic>,
    pub result: T,
}

impl<T> Analysed<T> {
    /// Says on stderr what loading passed over or read with repairs, and which folders hold no
    /// dendritic flake, with paths that open from the current folder.
    pub fn note_loading(&self, display_prefix: &str) {
        for file in &self.skipped {
            output::note(&format!("skipped {display_prefix}{}: {}", file.path, file.reason));
        }
        for (path, repaired) in &self.repaired {
            output::note(&format!("read {display_prefix}{path} anyway: {repaired}"));
        }
        for flake in &self.flakes {
            // A folder that only holds flakes below it needs no word of its own.
            if let Some(why) = flake.not_dendritic.filter(|_| flake.files > 0) {
                output::note(&format!("{}: {}", folder(display_prefix, &flake.prefix), why.explanation()));
            }
        }
    }
}

/// A flake's folder as printed: `example/`, or `./` for the current folder.
pub fn folder(display_prefix: &str, prefix: &str) -> String {
    let folder = format!("{display_prefix}{prefix}");
    if folder.is_empty() { "./".to_owned() } else { folder }
}

/// Loads the workspace at `root` and runs `query` on each flake in it: the root's, and every flake
/// below that the root's leaves out (`Analysis::nested_flakes`), each on its own analysis with
/// paths relative to its folder (`prefix`, the second argument of `query`), and with its
/// `canopy.toml` (`settings::for_flake`).
pub fn analyse<T: Send>(
    root: &Root,
    progress: &Progress,
    query: impl Fn(&Analysis, &str, &ProjectConfig, &Progress) -> T + Send + Sync,
) -> Result<Analysed<T>, CliError> {
    let joined = run_on_analysis_stack("canopy-analysis", || -> Result<Analysed<T>, CliError> {
        let started = Instant::now();
        let loaded = load::load(&root.path, progress);
        let files = loaded.files.len();
        tracing::debug!(files, skipped = loaded.skipped.len(), elapsed = ?started.elapsed(), "loaded");
        progress.analysing(files);
        let mut flakes = Vec::new();
        let defaults = Arc::new(ProjectConfig::default());
        let mut pending = vec![(String::new(), loaded.files, defaults)];
        while let Some((prefix, set, inherited)) = pending.pop() {
            let shown = format!("{}{prefix}", root.display_prefix);
            let config = settings::for_flake(&root.path.join(&prefix), &shown, &inherited)?;
            let mut analysis = Analysis::new();
            // Before the files, so that their checks run once, with the classes.
            analysis.set_user_classes(config.classes.iter().cloned());
            let all = set.len();
            analysis.apply(Change { set: set.clone(), remove: Vec::new() });
            tracing::debug!(prefix, elapsed = ?started.elapsed(), "analysis built");
            let nested = split(&set, analysis.nested_flakes());
            let own = all - nested.iter().map(|(_, files)| files.len()).sum::<usize>();
            let result = query(&analysis, &prefix, &config, progress);
            flakes.push(Flake { prefix: prefix.clone(), files: own, not_dendritic: analysis.not_dendritic(), result });
            pending
                .extend(nested.into_iter().map(|(folder, files)| (format!("{prefix}{folder}"), files, config.clone())));
        }
        flakes.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        tracing::debug!(elapsed = ?started.elapsed(), flakes = flakes.len(), "queried");
        Ok(Analysed { flakes, files, skipped: loaded.skipped, repaired: loaded.repaired })
    })
    .map_err(|err| {
        let reason = canopy_vfs::io_reason(&err);
        CliError::Analysis(format!("cannot start the analysis thread: {reason}"))
    })?;
    // The panic message is already on stderr (the default hook printed it).
    joined.map_err(|_| CliError::Analysis("internal error (a bug in canopy; please report it)".to_owned()))?
}

/// Files as `Change::set` takes them: workspace path and text.
type Files = Vec<(String, Arc<str>)>;

/// The files below each of `folders`, with paths relative to it.
fn split(files: &[(String, Arc<str>)], folders: &[String]) -> Vec<(String, Files)> {
    folders
        .iter()
        .map(|folder| {
            let below = files
                .iter()
                .filter_map(|(path, text)| Some((path.strip_prefix(folder.as_str())?.to_owned(), text.clone())))
                .collect();
            (folder.clone(), below)
        })
        .collect()
}
