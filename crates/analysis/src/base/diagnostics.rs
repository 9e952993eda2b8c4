//! Diagnostic kinds: the one place that gives each kind its stable code and default severity.

use crate::base::text::TextRange;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident;)*) => {
        /// What a diagnostic is about. Each kind has a stable code, documented in the README.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum DiagnosticKind {
            $($(#[$doc])* $variant,)*
        }

        impl DiagnosticKind {
            pub const ALL: &'static [DiagnosticKind] = &[$(DiagnosticKind::$variant,)*];

            pub fn code(self) -> &'static str {
                match self {
                    $(DiagnosticKind::$variant => $code,)*
                }
            }

            /// The usual severity; a few kinds lower it case by case (see `Diagnostic::severity`).
            pub fn default_severity(self) -> Severity {
                match self {
                    $(DiagnosticKind::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

kinds! {
    /// The parser's errors, where Nix reports them.
    SyntaxError = "syntax-error", Error;
    /// A name bound nowhere and not under any `with`.
    UndefinedVariable = "undefined-variable", Error;
    /// An attribute path defined twice where Nix rejects it.
    DuplicateAttribute = "duplicate-attribute", Error;
    /// A static reference to an aspect nobody defines.
    UndefinedAspect = "undefined-aspect", Error;
    /// A class that is neither known nor used consistently.
    UnknownClass = "unknown-class", Warning;
    /// A module of one class listed where another class is evaluated.
    WrongClassImport = "wrong-class-import", Error;
    /// A top-level-only path read inside a lower-level module that rebinds `config`.
    ShadowedConfig = "shadowed-config", Warning;
    /// A top-level module asks for an argument that only exists inside `perSystem`.
    ToplevelPkgs = "toplevel-pkgs", Warning;
    /// A plain NixOS or home-manager module under an import-tree root.
    NotAFlakeModule = "not-a-flake-module", Error;
    /// A file import-tree ignores that defines aspects.
    IgnoredFile = "ignored-file", Hint;
    /// An aspect nothing reaches.
    UnusedAspect = "unused-aspect", Hint;
}

impl DiagnosticKind {
    pub fn from_code(code: &str) -> Option<DiagnosticKind> {
        DiagnosticKind::ALL.iter().copied().find(|k| k.code() == code)
    }
}

/// One finding in one file. `range` is a byte range of that file's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    pub range: TextRange,
    pub message: String,
    pub severity: Severity,
}

impl Diagnostic {
    pub fn new(kind: DiagnosticKind, range: TextRange, message: impl Into<String>) -> Diagnostic {
        Diagnostic { kind, range, message: message.into(), severity: kind.default_severity() }
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidates close enough to `name` to suggest, closest first.
pub(crate) fn near_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let length = name.chars().count();
    let limit = match length {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    let lower = name.to_lowercase();
    let mut found: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter(|c| *c != name)
        // The distance is at least the difference in length: skip the quadratic work.
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .filter_map(|c| {
            let d = edit_distance(&lower, &c.to_lowercase());
            (d <= limit).then_some((d, c))
        })
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        for kind in DiagnosticKind::ALL {
            assert_eq!(DiagnosticKind::from_code(kind.code()), Some(*kind));
        }
    }

    #[test]
    fn near_names_prefers_the_closest() {
        assert_eq!(near_names("deskotp", ["desktop", "base", "desk"]), vec!["desktop"]);
        assert_eq!(near_names("homemanager", ["homeManager", "nixos"]), vec!["homeManager"]);
        assert!(near_names("ssh", ["nixos"]).is_empty());
    }
}
