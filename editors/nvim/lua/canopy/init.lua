-- Optional entry point for users who want to set canopy's options from Lua:
--
--   require('canopy').setup({
--     server = { path = 'canopy', args = { 'lsp' } },
--     root_markers = { 'flake.nix', '.git' },
--     diagnostics = { disabled = { 'unknown-class' }, unusedAspect = true },
--     codeLens = { enable = true },
--   })
--
-- It only writes `vim.lsp.config('canopy', ...)` over the defaults of lsp/canopy.lua and enables
-- the config; everything canopy knows stays in the server. Without options, `vim.lsp.enable('canopy')`
-- alone does the same.

local M = {}

---@class canopy.Options
---@field server? { path?: string, args?: string[] } The command: `path` (default `canopy`, looked up on the PATH) run with `args` (default `{ 'lsp' }`).
---@field root_markers? string[] Files or folders that mark a workspace's root, tried in order, each from the file's folder upward (default `{ 'flake.nix', '.git' }`).
---@field diagnostics? { disabled?: string[], unusedAspect?: boolean } canopy's `diagnostics` settings (docs/server.md).
---@field codeLens? { enable?: boolean } canopy's `codeLens` settings (docs/server.md): lenses above aspect definitions.

---@param opts? canopy.Options
function M.setup(opts)
  vim.validate('opts', opts, 'table', true)
  opts = opts or {}
  local server = opts.server or {}
  local path = server.path or 'canopy'
  local args = server.args or { 'lsp' }
  local root_markers = opts.root_markers or { 'flake.nix', '.git' }
  vim.validate('server.path', path, 'string')
  vim.validate('server.args', args, 'table')
  vim.validate('root_markers', root_markers, 'table')
  vim.validate('diagnostics', opts.diagnostics, 'table', true)
  vim.validate('codeLens', opts.codeLens, 'table', true)

  -- The server replaces its settings whole with each object it gets: fill in every default.
  -- Keys this plugin does not know pass through, for settings newer than the plugin.
  local diagnostics =
    vim.tbl_extend('force', { disabled = {}, unusedAspect = false }, opts.diagnostics or {})
  vim.validate('diagnostics.disabled', diagnostics.disabled, 'table')
  vim.validate('diagnostics.unusedAspect', diagnostics.unusedAspect, 'boolean')
  local code_lens = vim.tbl_extend('force', { enable = true }, opts.codeLens or {})
  vim.validate('codeLens.enable', code_lens.enable, 'boolean')
  local settings = { canopy = { diagnostics = diagnostics, codeLens = code_lens } }

  -- lsp/canopy.lua's `before_init` sends `settings.canopy` as the initialization options too.
  vim.lsp.config('canopy', {
    cmd = vim.list_extend({ path }, args),
    root_markers = root_markers,
    settings = settings,
  })

  if vim.fn.executable(path) == 0 then
    vim.notify(
      (
        'canopy: the language server `%s` is not executable or not on the PATH. Install canopy '
        .. '(`cargo install --locked --path crates/cli` in its repository) or set `server.path` '
        .. "in require('canopy').setup()."
      ):format(path),
      vim.log.levels.WARN
    )
  end

  -- Servers already running get the new settings now (a new command or root applies to the
  -- servers started from here on). `client.settings` also answers the server's own pulls.
  for _, client in ipairs(vim.lsp.get_clients({ name = 'canopy' })) do
    client.settings = settings
    client:notify('workspace/didChangeConfiguration', { settings = settings })
  end

  vim.lsp.enable('canopy')
end

return M
