//! Each flake's `canopy.toml`, found and read for `canopy-config` to parse.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Arc;

use canopy_config::{FILE_NAME, ProjectConfig};

use crate::error::CliError;

/// The configuration of the flake in `folder`: its own `canopy.toml`, or `inherited` (the flake
/// above it, or the defaults) when it has none.
///
/// `shown` is the folder as printed (`display_prefix` and the flake's prefix), so that the error
/// of a malformed file opens from the current folder: `modules/canopy.toml:3:5: ...`.
pub fn for_flake(folder: &Path, shown: &str, inherited: &Arc<ProjectConfig>) -> Result<Arc<ProjectConfig>, CliError> {
    let path = folder.join(FILE_NAME);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(inherited.clone()),
        Err(err) => {
            let reason = canopy_vfs::io_reason(&err);
            return Err(CliError::Config(format!("cannot read {shown}{FILE_NAME}: {reason}")));
        }
    };
    ProjectConfig::parse(&text).map(Arc::new).map_err(|err| CliError::Config(format!("{shown}{FILE_NAME}:{err}")))
}
