//! Each space's `canopy.toml`: found, read and kept current, for `canopy-config` to parse.
//!
//! A space reads the file at its root, or, for a flake below a workspace folder that has none of
//! its own, the nearest one above it within the folder, as `canopy check` does. The file is read
//! again whenever an event names it (or a folder above it), and a change re-publishes the space's
//! diagnostics. A malformed file is shown to the user with its line, and canopy's defaults apply
//! until it is fixed: the session never stops over it.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use canopy_config::{FILE_NAME, ProjectConfig};
use tower_lsp::lsp_types::MessageType;

use crate::space::{Project, Space};
use crate::state::State;

/// Whether an event at `path` may concern a `canopy.toml`: the file itself, or a folder that may
/// hold one (created, deleted or moved whole).
pub fn concerns(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == FILE_NAME) || path.extension().is_none()
}

/// Reads `space`'s configuration again. Returns whether it changed.
pub fn reload(state: &State, space: &Space) -> bool {
    let Some(root) = space.root() else { return false };
    let outermost = state
        .folders()
        .iter()
        .filter_map(|folder| folder.root().map(Path::to_path_buf))
        .filter(|folder| root.starts_with(folder))
        .min_by_key(|folder| folder.components().count());
    let stop = outermost.as_deref().unwrap_or(root);
    let source = root
        .ancestors()
        .take_while(|dir| dir.starts_with(stop))
        .map(|dir| dir.join(FILE_NAME))
        .find_map(|path| fs::read_to_string(&path).ok().map(|text| (path, text)));
    if space.project_source_is(source.as_ref()) {
        return false;
    }
    let config = match &source {
        None => ProjectConfig::default(),
        Some((path, text)) => match ProjectConfig::parse(text) {
            Ok(config) => config,
            Err(err) => {
                let message = format!("{}:{err} (canopy's defaults apply until it is fixed)", path.display());
                tracing::error!("{message}");
                state.outbox.show(MessageType::ERROR, format!("canopy: {message}"));
                ProjectConfig::default()
            }
        },
    };
    tracing::info!(
        "{}: configuration {}",
        space.name(),
        source.as_ref().map_or("none".into(), |(p, _)| p.display().to_string())
    );
    space.set_project(Project { source, config: Arc::new(config) });
    true
}
