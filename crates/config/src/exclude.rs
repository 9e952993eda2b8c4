//! `exclude`: glob patterns of the files nothing is reported in.
//!
//! Patterns are relative to the folder holding `canopy.toml` and matched against paths with `/`
//! separators. `*` stays within one folder and `**` crosses any number of them (globset with
//! `literal_separator`, as in `.gitignore`); a pattern that matches a folder matches everything
//! below it, so `templates` leaves out the whole folder.

use std::ops::Range;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

#[derive(Debug, Clone, Default)]
pub struct Exclude {
    /// `None` when there are no patterns.
    set: Option<GlobSet>,
}

impl Exclude {
    /// The patterns, each with where it is written, for the error of one that is malformed.
    pub(crate) fn new<'a>(
        patterns: impl IntoIterator<Item = (&'a str, Range<usize>)>,
    ) -> Result<Exclude, (Range<usize>, String)> {
        let mut builder = GlobSetBuilder::new();
        let mut any = false;
        for (pattern, span) in patterns {
            let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
            if trimmed.is_empty() || trimmed.starts_with('/') {
                return Err((span, format!("`{pattern}`: give a path relative to the folder of canopy.toml")));
            }
            let glob = GlobBuilder::new(trimmed)
                .literal_separator(true)
                .build()
                .map_err(|err| (span, format!("`{pattern}` is no glob pattern: {}", err.kind())))?;
            builder.add(glob);
            any = true;
        }
        let set = builder.build().map_err(|err| (0..0, err.to_string()))?;
        Ok(Exclude { set: any.then_some(set) })
    }

    /// Whether nothing is reported in the file at `path` (relative to the folder of canopy.toml).
    pub fn excludes(&self, path: &str) -> bool {
        let Some(set) = &self.set else { return false };
        // The file, then each folder above it.
        let mut candidate = path;
        loop {
            if set.is_match(candidate) {
                return true;
            }
            match candidate.rfind('/') {
                Some(slash) => candidate = &candidate[..slash],
                None => return false,
            }
        }
    }
}
