//! The diagnostics Nix itself reports while parsing a file, at the positions Nix reports them:
//! `syntax-error`, `undefined-variable`, `duplicate-attribute`.
//!
//! Stub: the real checks land next.

use crate::diagnostics::Diagnostic;
use crate::names::NameTable;
use crate::syntax::Parse;

/// Every parse-time diagnostic of one file, the one Nix would report first at the front.
pub fn parse_time_diagnostics(_text: &str, _parse: &Parse, _names: &NameTable) -> Vec<Diagnostic> {
    Vec::new()
}
