//! The user's settings.
//!
//! Settings arrive in `initializationOptions`, in `workspace/didChangeConfiguration` (pushed by the
//! client) or as the answer to `workspace/configuration` for the section `canopy` (pulled). Each
//! time the whole object replaces the previous one. Its shape, either as is or under a `canopy`
//! key (`{ "canopy": { ... } }`, the way clients that share one settings tree send it):
//!
//! ```json
//! {
//!   "diagnostics": {
//!     "disabled": ["unknown-class", "toplevel-pkgs"],
//!     "unusedAspect": false
//!   },
//!   "codeLens": { "enable": true }
//! }
//! ```
//!
//! - `diagnostics.disabled`: codes of diagnostics never published (`canopy check` prints the code
//!   of each). Default: none.
//! - `diagnostics.unusedAspect`: publish the `unused-aspect` hint (an aspect nothing imports).
//!   Default: off, as for `canopy check`: both take each kind's default from the analysis's
//!   registry (`DiagnosticKind::default_enabled`), and an aspect may be meant for other flakes to
//!   consume. `disabled` wins over it.
//! - `codeLens.enable`: a lens above each aspect definition (`2 files · homeManager, nixos · 1
//!   host`) that shows the aspect's references. Default: on.
//!
//! A malformed value never fails the session: the field falls back to its default and a warning
//! goes to the log.

use std::collections::BTreeSet;

use canopy_analysis::{DiagnosticKind, DiagnosticsConfig};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Kinds never published.
    pub disabled: BTreeSet<DiagnosticKind>,
    /// Publish `unused-aspect` (`None`: as the registry says by default).
    pub unused_aspect: Option<bool>,
    /// Code lenses above aspect definitions.
    pub code_lens: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config { disabled: BTreeSet::new(), unused_aspect: None, code_lens: true }
    }
}

impl Config {
    /// The editor's choices of diagnostics, to lay over canopy.toml's.
    pub fn diagnostics(&self) -> DiagnosticsConfig {
        let mut chosen = DiagnosticsConfig::default();
        if let Some(on) = self.unused_aspect {
            chosen.set_enabled(DiagnosticKind::UnusedAspect, on);
        }
        for kind in &self.disabled {
            chosen.set_enabled(*kind, false);
        }
        chosen
    }

    /// Whether diagnostics of `kind` are published, as far as the editor's settings say.
    #[cfg(test)]
    fn reports(&self, kind: DiagnosticKind) -> bool {
        self.diagnostics().reports(kind)
    }

    /// canopy's part of a settings object: the value under `canopy`, or the object itself when it
    /// holds one of canopy's keys. `None` when the object says nothing about canopy (a client that
    /// pushes an empty or foreign settings object, expecting servers to pull theirs).
    pub fn section(settings: &Value) -> Option<&Value> {
        match settings.get("canopy") {
            Some(section) => Some(section),
            None => (settings.get("diagnostics").is_some() || settings.get("codeLens").is_some()).then_some(settings),
        }
    }

    /// The section a client answered to `workspace/configuration`; `None` when it has none for
    /// canopy (null, or an empty object, which some clients send for an unknown section).
    pub fn pulled(values: Vec<Value>) -> Option<Value> {
        let value = values.into_iter().next()?;
        let empty = value.is_null() || value.as_object().is_some_and(|o| o.is_empty());
        (!empty).then_some(value)
    }

    /// Reads a settings section. Returns the config and one warning per value it had to ignore.
    pub fn from_json(section: &Value) -> (Config, Vec<String>) {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        if section.is_null() {
            return (config, warnings);
        }
        let Some(section) = section.as_object() else {
            warnings.push(format!("settings: expected an object, got `{section}`"));
            return (config, warnings);
        };
        read_code_lens(section, &mut config, &mut warnings);
        let Some(diagnostics) = section.get("diagnostics") else { return (config, warnings) };
        let Some(diagnostics) = diagnostics.as_object() else {
            warnings.push(format!("settings: `diagnostics` must be an object, got `{diagnostics}`"));
            return (config, warnings);
        };
        match diagnostics.get("disabled") {
            None | Some(Value::Null) => {}
            Some(Value::Array(codes)) => {
                for code in codes {
                    match code.as_str().map(canopy_config::parse_code) {
                        Some(Ok(kind)) => {
                            config.disabled.insert(kind);
                        }
                        Some(Err(message)) => warnings.push(format!("settings: `diagnostics.disabled`: {message}")),
                        None => warnings.push(format!("settings: `diagnostics.disabled`: {code} is no code")),
                    }
                }
            }
            Some(other) => {
                warnings.push(format!("settings: `diagnostics.disabled` must be a list of codes, got `{other}`"));
            }
        }
        match diagnostics.get("unusedAspect") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(on)) => config.unused_aspect = Some(*on),
            Some(other) => {
                warnings.push(format!("settings: `diagnostics.unusedAspect` must be true or false, got `{other}`"));
            }
        }
        (config, warnings)
    }
}

/// `codeLens.enable`.
fn read_code_lens(section: &serde_json::Map<String, Value>, config: &mut Config, warnings: &mut Vec<String>) {
    match section.get("codeLens") {
        None | Some(Value::Null) => {}
        Some(Value::Object(lens)) => match lens.get("enable") {
            None | Some(Value::Null) => {}
            Some(Value::Bool(on)) => config.code_lens = *on,
            Some(other) => warnings.push(format!("settings: `codeLens.enable` must be true or false, got `{other}`")),
        },
        Some(other) => warnings.push(format!("settings: `codeLens` must be an object, got `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unused_aspect_is_off_by_default_and_disabled_wins() {
        let config = Config::default();
        assert!(!config.reports(DiagnosticKind::UnusedAspect));
        assert!(config.reports(DiagnosticKind::UndefinedAspect));

        let section =
            json!({ "diagnostics": { "disabled": ["unused-aspect", "unknown-class"], "unusedAspect": true } });
        let (config, warnings) = Config::from_json(&section);
        assert!(warnings.is_empty());
        assert!(!config.reports(DiagnosticKind::UnusedAspect));
        assert!(!config.reports(DiagnosticKind::UnknownClass));
        assert!(config.reports(DiagnosticKind::UndefinedAspect));
    }

    #[test]
    fn bad_values_fall_back_with_a_warning() {
        let section = json!({ "diagnostics": { "disabled": ["no-such-code", 3], "unusedAspect": "yes" } });
        let (config, warnings) = Config::from_json(&section);
        assert_eq!(config, Config::default());
        assert_eq!(warnings.len(), 3);
        let (config, warnings) = Config::from_json(&json!([1]));
        assert_eq!(config, Config::default());
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn the_section_may_be_nested_under_canopy() {
        let nested = json!({ "canopy": { "diagnostics": { "unusedAspect": true } }, "nil": {} });
        let (config, _) = Config::from_json(Config::section(&nested).expect("a section"));
        assert_eq!(config.unused_aspect, Some(true));
        let flat = json!({ "diagnostics": { "unusedAspect": true } });
        assert!(Config::section(&flat).is_some());
        assert!(Config::section(&json!({ "nil": {} })).is_none());
        assert!(Config::section(&json!(null)).is_none());
    }

    #[test]
    fn code_lenses_are_on_unless_turned_off() {
        assert!(Config::default().code_lens);
        let (config, warnings) =
            Config::from_json(Config::section(&json!({ "codeLens": { "enable": false } })).expect("a section"));
        assert!(warnings.is_empty());
        assert!(!config.code_lens);
        assert_eq!(config.disabled, Config::default().disabled);
        let (config, warnings) =
            Config::from_json(&json!({ "codeLens": { "enable": "no" }, "diagnostics": { "unusedAspect": true } }));
        assert!(config.code_lens);
        assert_eq!(config.unused_aspect, Some(true));
        assert_eq!(warnings.len(), 1);
        let (config, warnings) = Config::from_json(&json!({ "codeLens": false }));
        assert!(config.code_lens);
        assert_eq!(warnings.len(), 1);
    }
}
