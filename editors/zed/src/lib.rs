//! Starts canopy's language server for Zed's Nix buffers.
//!
//! Zed runs only the language servers that an extension registers (`extension.toml`,
//! `[language_servers.canopy]`); this one does not download anything: it starts the `canopy`
//! the user installed, found on the worktree's PATH (the shell environment Zed loads for the
//! project, so a `direnv`/`nix develop` PATH counts), or the path set in Zed's settings under
//! `lsp.canopy.binary.path`.

use zed_extension_api::{self as zed, serde_json, settings::LspSettings, LanguageServerId, Result};

/// The language server's id in `extension.toml`, and its key under `lsp` in Zed's settings.
const SERVER: &str = "canopy";

struct Canopy;

impl zed::Extension for Canopy {
    fn new() -> Self {
        Canopy
    }

    fn language_server_command(
        &mut self,
        _language_server_id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let binary = LspSettings::for_worktree(SERVER, worktree).ok().and_then(|settings| settings.binary);
        let args =
            binary.as_ref().and_then(|binary| binary.arguments.clone()).unwrap_or_else(|| vec!["lsp".to_owned()]);
        let command = binary.and_then(|binary| binary.path).or_else(|| worktree.which("canopy")).ok_or_else(|| {
            "canopy is not on the PATH: install it (`cargo install --locked --path crates/cli` \
                 in canopy's repository) or set `lsp.canopy.binary.path` in Zed's settings"
                .to_owned()
        })?;
        Ok(zed::Command { command, args, env: worktree.shell_env() })
    }

    /// canopy's settings, from `lsp.canopy.settings` in Zed's settings, under a `canopy` key:
    /// Zed pushes this object with `workspace/didChangeConfiguration` and answers the server's
    /// `workspace/configuration` request for the section `canopy` from it.
    fn language_server_workspace_configuration(
        &mut self,
        _language_server_id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<serde_json::Value>> {
        let settings = LspSettings::for_worktree(SERVER, worktree)
            .ok()
            .and_then(|settings| settings.settings)
            .unwrap_or_else(|| serde_json::json!({}));
        Ok(Some(serde_json::json!({ SERVER: settings })))
    }
}

zed::register_extension!(Canopy);
