-- canopy's language server configuration for Neovim 0.11+.
--
-- Neovim finds this file on 'runtimepath' when you call `vim.lsp.enable('canopy')`; anything set
-- with `vim.lsp.config('canopy', { ... })` (or `require('canopy').setup({ ... })`) is merged over
-- it. canopy's behaviour and settings are documented in docs/server.md of the canopy repository.

-- :CanopyGraph [mermaid] [NAME]: the aspect graph (lua/canopy/graph.lua).
vim.api.nvim_create_user_command('CanopyGraph', function(opts)
  require('canopy.graph').run(opts)
end, { nargs = '*', desc = 'canopy: show the aspect graph (HTML page, or `mermaid` in a buffer)' })

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
      -- A lens above each aspect definition (files · classes · hosts). Neovim draws lenses once
      -- asked: `vim.lsp.codelens.refresh({ bufnr = 0 })`, say on BufEnter and InsertLeave.
      codeLens = { enable = true },
    },
  },
  -- The command of canopy's lenses, run by `vim.lsp.codelens.run()`: the aspect's references
  -- (the third argument, LSP locations) in the quickfix list. Client-side, as the server
  -- offers no command of its own (docs/server.md, "Code lens").
  commands = {
    ['canopy.showReferences'] = function(command, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      local locations = (command.arguments or {})[3] or {}
      local encoding = client and client.offset_encoding or 'utf-16'
      local items = vim.lsp.util.locations_to_items(locations, encoding)
      local title = 'canopy: ' .. (command.title or 'references')
      vim.fn.setqflist({}, ' ', { title = title, items = items })
      vim.cmd('botright copen')
    end,
  },
  -- The server reads its first settings from `initializationOptions`. Send it the very object of
  -- `settings.canopy`, so that `settings` is the one place to configure canopy: were
  -- `init_options` set apart, the push above would overwrite it a moment later.
  before_init = function(params, config)
    params.initializationOptions = vim.tbl_get(config, 'settings', 'canopy')
  end,
}
