-- `:checkhealth canopy`: whether Neovim can start the server, and with which command.

local M = {}

function M.check()
  vim.health.start('canopy')
  if vim.fn.has('nvim-0.11') == 0 then
    vim.health.error('Neovim 0.11 or newer is needed (vim.lsp.config and vim.lsp.enable)')
    return
  end

  local config = vim.lsp.config.canopy
  if not config then
    vim.health.error('no `canopy` configuration: is the plugin (editors/nvim) on the runtimepath?')
    return
  end

  local cmd = config.cmd
  if type(cmd) ~= 'table' then
    vim.health.info('`cmd` is a function: not checked')
  else
    local exe = vim.fn.exepath(cmd[1])
    if exe == '' then
      -- Neovim itself only writes this to its LSP log when it cannot start the server.
      vim.health.error(('`%s` is not executable or not on the PATH'):format(cmd[1]), {
        'install canopy: `cargo install --locked --path crates/cli` in its repository',
        "or give its path: require('canopy').setup({ server = { path = '/path/to/canopy' } })",
      })
    else
      local ok, result = pcall(function()
        return vim.system({ exe, '--version' }, { text = true }):wait(5000)
      end)
      local version = ok and result.code == 0 and vim.trim(result.stdout) or 'version unknown'
      vim.health.ok(
        ('server: %s (%s), started as `%s`'):format(exe, version, table.concat(cmd, ' '))
      )
    end
  end

  if vim.lsp.is_enabled('canopy') then
    vim.health.ok('enabled for filetypes: ' .. table.concat(config.filetypes or {}, ', '))
  else
    vim.health.warn("not enabled: call vim.lsp.enable('canopy') or require('canopy').setup()")
  end
  for _, client in ipairs(vim.lsp.get_clients({ name = 'canopy' })) do
    vim.health.info(('running: client %d, root %s'):format(client.id, client.root_dir or '(none)'))
  end
end

return M
