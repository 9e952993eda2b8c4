-- canopy's language server configuration for Neovim 0.11+.
--
-- Neovim finds this file on 'runtimepath' when you call `vim.lsp.enable('canopy')`; anything set
-- with `vim.lsp.config('canopy', { ... })` (or `require('canopy').setup({ ... })`) is merged over
-- it. canopy's behaviour and settings are documented in docs/server.md of the canopy repository.

---@type vim.lsp.Config
return {
  cmd = { 'canopy', 'lsp' },
  filetypes = { 'nix' },
  -- A dendritic repository's root is the folder of its flake; `.git` is the fallback for files
  -- with no flake.nix above them. The server analyses every `.nix` file below the root.
  root_markers = { 'flake.nix', '.git' },
  -- Neovim pushes `settings` with workspace/didChangeConfiguration right after the server starts
  -- and answers the server's workspace/configuration requests (section `canopy`) from it. Each
  -- object the server receives replaces the previous one whole, so this one carries every key.
  settings = {
    canopy = {
      diagnostics = {
        -- Codes of diagnostics never shown, e.g. { 'unknown-class' } (`canopy check` prints them).
        disabled = {},
        -- Show the `unused-aspect` hint (off: an aspect may exist for other flakes to use).
        unusedAspect = false,
      },
    },
  },
  -- The server reads its first settings from `initializationOptions`. Send it the very object of
  -- `settings.canopy`, so that `settings` is the one place to configure canopy: were
  -- `init_options` set apart, the push above would overwrite it a moment later.
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_get(config, 'settings', 'canopy')
  end,
}
