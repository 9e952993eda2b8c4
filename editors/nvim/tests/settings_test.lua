-- canopy's settings reach the server from each place a user sets them: `vim.lsp.config`,
-- `require('canopy').setup()` before the server starts (initialization options) and while it
-- runs (workspace/didChangeConfiguration). Checked by what the server then publishes for
-- fixtures/broken, against `canopy check`'s own list.

local h = dofile(vim.fs.joinpath(vim.fs.dirname(vim.fs.abspath(arg[0])), 'helpers.lua'))

h.run('settings', function()
  local root = h.fixture('broken')
  -- `canopy check` leaves `unused-aspect` out (it is off by default): the one the server adds
  -- when asked to.
  local unused = { 'modules/features/unused.nix:3:23: unused-aspect' }
  local function wait_for(without, what, extra)
    local expected = h.expected_diagnostics(root, without, extra)
    h.wait(what, function()
      return vim.deep_equal(h.diagnostics(root), expected)
    end)
    h.eq(h.diagnostics(root), expected, what)
  end

  -- 1. Plain Neovim: a setting given with vim.lsp.config merges over lsp/canopy.lua.
  vim.lsp.config('canopy', { settings = { canopy = { diagnostics = { unusedAspect = true } } } })
  vim.lsp.enable('canopy')
  local bufnr, first = h.open(vim.fs.joinpath(root, 'modules', 'hosts', 'gruyere.nix'))
  h.eq(first.settings.canopy.diagnostics, { disabled = {}, unusedAspect = true }, 'merged settings')
  wait_for({}, 'every diagnostic, unused-aspect included', unused)
  h.ok(
    "vim.lsp.config('canopy', { settings = ... }) turns on unused-aspect: modules/features/unused.nix:3:23"
  )

  -- 2. setup() while the server runs: the new settings replace the old ones whole.
  local canopy = require('canopy')
  canopy.setup({ server = { path = h.bin }, diagnostics = { disabled = { 'unknown-class' } } })
  wait_for(
    { 'unused-aspect', 'unknown-class' },
    'diagnostics without unused-aspect and unknown-class'
  )
  h.eq(
    vim.tbl_map(function(c)
      return c.id
    end, vim.lsp.get_clients({ name = 'canopy' })),
    { first.id },
    'clients after setup()'
  )
  h.eq(
    first.settings,
    {
      canopy = {
        diagnostics = { disabled = { 'unknown-class' }, unusedAspect = false },
        codeLens = { enable = true },
      },
    },
    'client.settings (what a pull answers)'
  )
  h.ok(
    'setup() on a running server pushes its settings: unknown-class and unused-aspect gone, same client'
  )

  -- 3. setup() before the server starts: its settings are the initialization options.
  local sent
  local rtp_before_init = dofile(vim.fs.joinpath(h.plugin, 'lsp', 'canopy.lua')).before_init
  vim.lsp.config('canopy', {
    before_init = function(params, config)
      rtp_before_init(params, config)
      sent = vim.deepcopy(params.initializationOptions)
    end,
  })
  vim.lsp.enable('canopy', false)
  h.wait('the server to stop', function()
    return first:is_stopped()
  end)
  canopy.setup({
    server = { path = h.bin },
    diagnostics = { disabled = { 'syntax-error' }, unusedAspect = true },
  })
  local _, second = h.open(vim.api.nvim_buf_get_name(bufnr))
  h.check(second.id ~= first.id, 'setup() after a stop must start a new client')
  h.eq(second.config.cmd, { h.bin, 'lsp' }, 'command from server.path')
  h.eq(
    sent,
    {
      diagnostics = { disabled = { 'syntax-error' }, unusedAspect = true },
      codeLens = { enable = true },
    },
    'initializationOptions'
  )
  wait_for({ 'syntax-error' }, 'diagnostics without syntax-error', unused)
  h.ok(
    'setup() before start: the server runs from server.path, with the settings as initializationOptions'
  )

  -- 4. A server path that does not exist is reported at once, with the option to change.
  local messages = {}
  vim.notify = function(msg, level)
    table.insert(messages, { msg = msg, level = level })
  end
  canopy.setup({ server = { path = '/nonexistent/canopy' } })
  h.eq(#messages, 1, 'notifications for a missing server')
  h.eq(messages[1].level, vim.log.levels.WARN, 'level of the notification')
  h.check(
    messages[1].msg:find('/nonexistent/canopy', 1, true)
      and messages[1].msg:find('server.path', 1, true),
    'message: %s',
    messages[1].msg
  )
  h.ok('a missing server binary is named in a warning: ' .. messages[1].msg)
end)
