//! `canopy.toml`: the one configuration the command line and the language server both read, at
//! the root of a flake.
//!
//! ```toml
//! classes = ["wsl"]                # module systems canopy does not know, taken as classes
//! exclude = ["templates", "vendor/**/*.nix"]   # nothing is reported in these files
//!
//! [diagnostics]
//! disabled = ["toplevel-pkgs"]     # never reported
//! enabled = ["unused-aspect"]      # kinds that are off by default, turned on
//! severity = { unknown-class = "error" }
//! ```
//!
//! This crate turns the file's text into plain settings and says exactly where a malformed file
//! is wrong. It reads no file and knows nothing of LSP or the command line: its callers find the
//! file, read it, and layer their own settings (editor settings, command-line flags) on top, in
//! the order `docs/configuration.md` gives.

mod exclude;

use std::collections::BTreeMap;
use std::fmt;

use canopy_analysis::{DiagnosticKind, DiagnosticsConfig, Severity};
use serde::Deserialize;
use toml::Spanned;

pub use crate::exclude::Exclude;

/// The file's name, at the root of a flake.
pub const FILE_NAME: &str = "canopy.toml";

/// What a `canopy.toml` says.
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    pub diagnostics: DiagnosticsConfig,
    /// Classes of module systems canopy does not know: `unknown-class` never reports them.
    pub classes: Vec<String>,
    /// Files nothing is reported in. They are still read: what they define counts, since Nix
    /// reads them.
    pub exclude: Exclude,
}

/// Where and why a `canopy.toml` is malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    classes: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    diagnostics: Diagnostics,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Diagnostics {
    #[serde(default)]
    disabled: Vec<Spanned<String>>,
    #[serde(default)]
    enabled: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

impl ProjectConfig {
    /// Reads a `canopy.toml`'s text.
    pub fn parse(text: &str) -> Result<ProjectConfig, ConfigError> {
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_column(text, span.start);
            ConfigError { line, column, message }
        };
        let file: File = toml::from_str(text).map_err(|err| {
            let message = err.message().trim_end().to_owned();
            at(err.span().unwrap_or(0..0), message)
        })?;
        let kind = |code: &Spanned<String>| parse_code(code.get_ref()).map_err(|message| at(code.span(), message));
        let mut config = ProjectConfig::default();
        for code in &file.diagnostics.disabled {
            config.diagnostics.set_enabled(kind(code)?, false);
        }
        for code in &file.diagnostics.enabled {
            let kind = kind(code)?;
            if file.diagnostics.disabled.iter().any(|d| d.get_ref() == code.get_ref()) {
                return Err(at(code.span(), format!("`{}` is both enabled and disabled", code.get_ref())));
            }
            config.diagnostics.set_enabled(kind, true);
        }
        for (code, level) in &file.diagnostics.severity {
            let severity = parse_severity(level.get_ref()).map_err(|message| at(level.span(), message))?;
            config.diagnostics.set_severity(kind(code)?, severity);
        }
        for class in &file.classes {
            let name = class.get_ref();
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(at(class.span(), format!("`{name}` is no class name")));
            }
            config.classes.push(name.clone());
        }
        let patterns = file.exclude.iter().map(|p| (p.get_ref().as_str(), p.span()));
        config.exclude = Exclude::new(patterns).map_err(|(span, message)| at(span, message))?;
        Ok(config)
    }
}

/// A diagnostic's code, as `canopy.toml`, the command line's flags and the editor's settings name
/// it; the error says which code was meant, when one is near.
pub fn parse_code(code: &str) -> Result<DiagnosticKind, String> {
    DiagnosticKind::from_code(code).ok_or_else(|| unknown_code(code))
}

/// A severity's name: `error`, `warning`, `information` or `hint`.
pub fn parse_severity(name: &str) -> Result<Severity, String> {
    Severity::from_name(name).ok_or_else(|| format!("unknown severity `{name}`: expected {}", severities()))
}

/// "unknown code `x`", with the nearest codes canopy has.
fn unknown_code(code: &str) -> String {
    let near = DiagnosticKind::ALL
        .iter()
        .map(|k| (strsim::levenshtein(code, k.code()), k.code()))
        .filter(|(distance, known)| *distance <= known.len() / 3)
        .min();
    match near {
        Some((_, known)) => format!("unknown code `{code}`; did you mean `{known}`?"),
        None => format!("unknown code `{code}` (`canopy check` prints each diagnostic's code)"),
    }
}

fn severities() -> String {
    Severity::ALL.iter().map(|s| format!("`{}`", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let offset = (0..=offset).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests;
