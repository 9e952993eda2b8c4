# canopy for Kakoune, with kakoune-lsp 18 or newer (the `lsp_servers` option). Add to your kakrc
# after `evaluate-commands %sh{kak-lsp}`.
#
# kakoune-lsp's own hook for Nix (group lsp-filetype-nix) starts nixd (nil before 21.0); this one
# replaces it with the same server plus canopy, which complements it: keep the [nixd] table (or
# write [nil]) to keep a general Nix language server.
remove-hooks global lsp-filetype-nix
hook -group lsp-filetype-nix global BufSetOption filetype=nix %{
    set-option buffer lsp_servers %{
        [nixd]
        root_globs = ["flake.nix", "shell.nix", ".git", ".hg"]

        [canopy]
        args = ["lsp"]
        # The nearest flake.nix is the root canopy analyses, else the repository.
        root_globs = ["flake.nix", ".git"]
        # Sent as initializationOptions and workspace/didChangeConfiguration, and answered when
        # canopy asks for its `canopy` section (docs/server.md, "Settings").
        settings_section = "canopy"
        [canopy.settings.canopy]
        diagnostics.disabled = []
        diagnostics.unusedAspect = false
    }
}
