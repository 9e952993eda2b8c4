-- `vim.lsp.enable('canopy')` alone, with the plugin on 'runtimepath': Neovim 0.11 finds
-- lsp/canopy.lua, starts `canopy lsp` from the PATH, and roots it at the flake (or at `.git`).

local h = dofile(vim.fs.joinpath(vim.fs.dirname(vim.fs.abspath(arg[0])), 'helpers.lua'))

h.run('discovery', function()
  local files = vim.api.nvim_get_runtime_file('lsp/canopy.lua', true)
  h.eq(
    files,
    { vim.fs.joinpath(h.plugin, 'lsp', 'canopy.lua') },
    'lsp/canopy.lua on the runtimepath'
  )

  local config = vim.lsp.config.canopy
  h.check(config, 'vim.lsp.config.canopy is nil: lsp/canopy.lua was not found')
  h.eq(config.cmd, { 'canopy', 'lsp' }, 'cmd')
  h.eq(config.filetypes, { 'nix' }, 'filetypes')
  h.eq(config.root_markers, { 'flake.nix', '.git' }, 'root_markers')
  h.eq(
    config.settings,
    {
      canopy = {
        diagnostics = { disabled = {}, unusedAspect = false },
        codeLens = { enable = true },
      },
    },
    'settings'
  )
  -- The initialization options are the `canopy` section of the settings, as sent on the wire.
  local params = {}
  config.before_init(params, config)
  h.eq(params.initializationOptions, config.settings.canopy, 'initializationOptions')
  -- An empty Lua table must go out as a JSON list: the server rejects `"disabled": {}`.
  h.eq(
    vim.json.encode(params.initializationOptions.diagnostics.disabled),
    '[]',
    'JSON of `disabled`'
  )
  h.ok('vim.lsp.config.canopy comes from lsp/canopy.lua')

  vim.lsp.enable('canopy')
  local root = h.fixture('flake-modules')
  -- A file two folders below the flake: the root is found by walking up to flake.nix.
  local bufnr, client = h.open(vim.fs.joinpath(root, 'modules', 'base', 'ssh.nix'))
  h.eq(client.name, 'canopy', 'client name')
  h.eq(client.config.root_dir, root, 'root_dir')
  h.eq(client.workspace_folders and client.workspace_folders[1].name, root, 'workspace folder')
  h.eq(client.server_info and client.server_info.name, 'canopy', 'serverInfo.name')
  h.eq(client.config.cmd, { 'canopy', 'lsp' }, 'started command')
  h.ok(
    ('vim.lsp.enable attached `canopy lsp` (%s) rooted at the flake'):format(
      vim.fn.exepath('canopy')
    )
  )

  -- Neovim asks for UTF-8 positions first; the server agrees (docs/server.md).
  h.eq(client.offset_encoding, 'utf-8', 'position encoding')
  h.ok('positions in utf-8')

  -- Another file of the same flake reuses the client.
  local other = h.open(vim.fs.joinpath(root, 'modules', 'hosts', 'gouda.nix'))
  h.eq(
    vim.tbl_map(function(c)
      return c.id
    end, vim.lsp.get_clients({ bufnr = other, name = 'canopy' })),
    { client.id },
    'client of a second file'
  )
  h.ok('a second file of the flake shares the client')
  h.check(vim.lsp.buf_is_attached(bufnr, client.id), 'first buffer detached')

  -- Without a flake.nix, the root is the folder holding `.git`.
  local bare = h.fixture('flake-modules')
  os.remove(vim.fs.joinpath(bare, 'flake.nix'))
  vim.fn.mkdir(vim.fs.joinpath(bare, '.git'), 'p')
  local _, git_client = h.open(vim.fs.joinpath(bare, 'modules', 'base', 'nix.nix'))
  h.check(git_client.id ~= client.id, 'a second workspace must get its own client')
  h.eq(git_client.config.root_dir, bare, 'root_dir without flake.nix')
  h.ok('without flake.nix, the root is the folder with .git')

  -- :checkhealth canopy finds the server.
  vim.cmd('silent checkhealth canopy')
  local report = h.text(0)
  h.check(
    report:find('OK server: ' .. vim.fn.exepath('canopy'), 1, true),
    'checkhealth does not show the server:\n%s',
    report
  )
  h.check(
    report:find('OK enabled', 1, true),
    'checkhealth does not say canopy is enabled:\n%s',
    report
  )
  h.check(not report:find('ERROR', 1, true), 'checkhealth reports an error:\n%s', report)
  h.ok(':checkhealth canopy finds the server')
end)
