//! `canopy check --fix` and `--diff`: the safe fixes of the diagnostics, applied to the files or
//! printed as a unified diff. The one place canopy writes files.

use std::path::Path;
use std::sync::Arc;

use canopy_analysis::{Analysis, DiagnosticsConfig, FileId, Fix, TextEdit};

use crate::error::CliError;
use crate::output;

/// One file's text before and after its safe fixes, with what they do.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// Relative to the workspace.
    pub path: String,
    pub before: String,
    pub after: String,
    pub titles: Vec<String>,
}

/// Each file's safe fixes applied, one per diagnostic (its first safe one); a fix whose edits
/// overlap one already taken waits for the next run.
pub fn safe_fixes(analysis: &Analysis, reported: &dyn Fn(FileId) -> bool, config: &DiagnosticsConfig) -> Vec<Fixed> {
    let mut out = Vec::new();
    for file in analysis.files().into_iter().filter(|file| reported(*file)) {
        let mut taken: Vec<TextEdit> = Vec::new();
        let mut titles = Vec::new();
        let mut seen: Vec<Arc<Fix>> = Vec::new();
        for diagnostic in analysis.reported(file, config) {
            let Some(fix) =
                diagnostic.fixes.into_iter().find(|f| f.safe && f.creates.is_empty() && f.renames.is_empty())
            else {
                continue;
            };
            if seen.contains(&fix) {
                continue;
            }
            // Safe fixes edit the file they are reported in only.
            let Some(edits) = (fix.edits.len() == 1 && fix.edits[0].file == file).then(|| fix.edits[0].edits.clone())
            else {
                continue;
            };
            let overlaps = |e: &TextEdit| {
                taken.iter().any(|t| {
                    e.range.start() < t.range.end() && t.range.start() < e.range.end()
                        || e.range.start() == t.range.start()
                })
            };
            if edits.iter().any(overlaps) {
                continue;
            }
            taken.extend(edits);
            titles.push(fix.title.clone());
            seen.push(fix);
        }
        if taken.is_empty() {
            continue;
        }
        taken.sort_by_key(|e| (e.range.start(), e.range.end()));
        let before = analysis.text(file).to_owned();
        let mut after = before.clone();
        for edit in taken.iter().rev() {
            let range = std::ops::Range::<usize>::from(edit.range);
            if after.get(range.clone()).is_none() {
                return Vec::new();
            }
            after.replace_range(range, &edit.new_text);
        }
        out.push(Fixed { path: analysis.path(file).to_owned(), before, after, titles });
    }
    out
}

/// Writes each file's fixed text (`write`) or prints the diff, refusing a file whose bytes on
/// disk are no longer the text that was analysed. Returns how many files were refused.
pub fn apply(root: &Path, fixed: &[Fixed], write: bool) -> Result<usize, CliError> {
    let mut refused = 0;
    for file in fixed {
        let path = root.join(&file.path);
        let now = std::fs::read(&path).unwrap_or_default();
        if now != file.before.as_bytes() {
            output::note(&format!("{}: changed since it was read; left as it is", file.path));
            refused += 1;
            continue;
        }
        if write {
            std::fs::write(&path, &file.after).map_err(|e| CliError::Write(format!("{}: {e}", file.path)))?;
        }
        output::to_stdout(|out| {
            if write {
                for title in &file.titles {
                    writeln!(out, "fixed {}: {title}", file.path)?;
                }
                Ok(())
            } else {
                let diff = similar::TextDiff::from_lines(&file.before, &file.after);
                let a = format!("a/{}", file.path);
                let b = format!("b/{}", file.path);
                write!(out, "{}", diff.unified_diff().context_radius(3).header(&a, &b))
            }
        })?;
    }
    Ok(refused)
}
