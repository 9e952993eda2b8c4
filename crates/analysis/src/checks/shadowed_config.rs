//! `shadowed-config`: `config.flake...` read inside a lower-level module whose own arguments
//! rebind `config`, so it reads the NixOS (or home-manager, ...) configuration instead.

use super::Cx;
use crate::diagnostics::{Diagnostic, DiagnosticKind};

pub(super) fn check(cx: &mut Cx) {
    for read in &cx.data.resolved.shadowed {
        let message = format!(
            "`config` here is this module's own argument, not the flake's configuration: \
             `config.{}` does not exist in it; bind the value in a `let` outside the module \
             (for example `let flakeConfig = config; in`) and read it from there",
            read.root
        );
        cx.out.push(Diagnostic::new(DiagnosticKind::ShadowedConfig, read.range, message));
    }
}
