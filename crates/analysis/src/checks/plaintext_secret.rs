//! `plaintext-secret`: a string literal that reads as a secret (by its attribute's name:
//! `password`, `POSTGRES_PASSWORD`, `apiKey`, `token`, `clientSecret`, `privateKey`) written into
//! a module's configuration. Everything a configuration holds is built into the Nix store, which
//! every user of the machine can read; so is the flake's source. Names that say where a secret is
//! (`passwordFile`, `tokenPath`, `passwordCommand`) or hold a hash (`hashedPassword`) are what a
//! configuration should hold, and values that point to a secret (`/run/secrets/db`,
//! `$__file{...}`, `@PLACEHOLDER@`) are no secret. A warning: Nix evaluates it fine.

use super::cx::Cx;
use super::module_place;
use crate::summary::lints::Lint;

pub(super) fn check(cx: &mut Cx) {
    let collections = cx.graph.collections();
    for lint in module_place::certain(collections, &cx.file.summary.lints) {
        let Lint::PlaintextSecret { key, value, .. } = lint else { continue };
        let message = format!(
            "`{key}` is set to a string literal that reads as a secret: whatever a configuration holds ends up in \
             the Nix store, readable by every user of the machine; keep the secret in a file outside the store \
             (agenix, sops-nix) and point the option's `*File` counterpart at it (`passwordFile`, \
             `environmentFile`, ...)"
        );
        cx.report(*value, message);
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use crate::base::diagnostics::DiagnosticKind;
    use crate::checks::test_support;

    fn check(fixture: &str, expect: Expect) {
        test_support::check(DiagnosticKind::PlaintextSecret, fixture, expect);
    }

    #[track_caller]
    fn check_silent(fixture: &str) {
        test_support::check_silent(DiagnosticKind::PlaintextSecret, fixture);
    }

    // ---- where it fires ------------------------------------------------------------------------

    #[test]
    fn secrets_written_as_strings() {
        check(
            r#"
#- /modules/db.nix
{ lib, ... }: {
  flake.modules.nixos.db = {
    virtualisation.oci-containers.containers.db.environment.POSTGRES_PASSWORD = "secret";
    services.grafana.settings.security = { admin_password = lib.mkForce "admin"; };
  };
  flake.modules.homeManager.dev = { pkgs, ... }: {
    programs.foo.settings."apiKey" = ''abc123'';
  };
}
"#,
            expect![[r#"
                modules/db.nix:3:81 warning[plaintext-secret] "\"secret\"": `POSTGRES_PASSWORD` is set to a string literal that reads as a secret: whatever a configuration holds ends up in the Nix store, readable by every user of the machine; keep the secret in a file outside the store (agenix, sops-nix) and point the option's `*File` counterpart at it (`passwordFile`, `environmentFile`, ...)
                modules/db.nix:4:73 warning[plaintext-secret] "\"admin\"": `admin_password` is set to a string literal that reads as a secret: whatever a configuration holds ends up in the Nix store, readable by every user of the machine; keep the secret in a file outside the store (agenix, sops-nix) and point the option's `*File` counterpart at it (`passwordFile`, `environmentFile`, ...)
                modules/db.nix:7:38 warning[plaintext-secret] "''abc123''": `apiKey` is set to a string literal that reads as a secret: whatever a configuration holds ends up in the Nix store, readable by every user of the machine; keep the secret in a file outside the store (agenix, sops-nix) and point the option's `*File` counterpart at it (`passwordFile`, `environmentFile`, ...)"#]],
        );
    }

    // ---- near misses ---------------------------------------------------------------------------

    #[test]
    fn pointers_to_secrets_and_hashes() {
        check_silent(
            r#"
#- /modules/db.nix
{ config, ... }: {
  flake.modules.nixos.db = { config, ... }: {
    services.db.passwordFile = "/run/secrets/db";
    users.users.bob.hashedPassword = "$6$salt$hash";
    services.db.password = config.sops.placeholder.db;
    services.db.token = "${config.sops.placeholder.token}";
    services.grafana.settings.security.admin_password = "$__file{/run/secrets/grafana}";
    services.db.apiKey = "";
    services.db.secretKeyFile = "/run/secrets/key";
  };
}
"#,
        );
    }

    /// Words about secrets that are no secret written into a configuration: a comment, an
    /// option's documentation, a `let` binding, an argument of a function.
    #[test]
    fn text_that_is_no_configuration() {
        check_silent(
            r#"
#- /modules/db.nix
{ lib, pkgs, ... }:
let
  password = "not-configuration";
in
{
  # password = "hunter2";
  options.services.db.password = lib.mkOption {
    description = "password = \"hunter2\"";
    example = { password = "hunter2"; };
    default = "hunter2";
  };
  flake.modules.nixos.db = {
    services.db.description = "the password is token";
    environment.etc.x.source = pkgs.writeText "x" (builtins.toJSON { token = "abc"; });
  };
  flake.lib.mkUser = { name }: { password = "changeme"; };
}
"#,
        );
    }
}
