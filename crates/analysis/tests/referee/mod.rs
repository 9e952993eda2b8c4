//! Inputs and expectations of the Nix referee (`tests/nix_referee.rs`).

pub mod corpus;
pub mod known;

/// What a parser says about one file: fine, or its first error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// The diagnostic code (`syntax-error`, `undefined-variable`, `duplicate-attribute`) and the
    /// 1-based line and byte column.
    Error {
        kind: &'static str,
        line: u32,
        col: u32,
    },
}

impl Verdict {
    pub const fn error(kind: &'static str, line: u32, col: u32) -> Verdict {
        Verdict::Error { kind, line, col }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Ok => write!(f, "ok"),
            Verdict::Error { kind, line, col } => write!(f, "{kind} at {line}:{col}"),
        }
    }
}

/// One input: a name to report it by and its text.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub text: String,
}

impl Input {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Input {
        Input { name: name.into(), text: text.into() }
    }
}
