-- The aspect graph through Neovim's own commands: code lenses (vim.lsp.codelens.refresh, then
-- vim.lsp.codelens.run, whose command lsp/canopy.lua handles) and the call hierarchy
-- (vim.lsp.buf.incoming_calls).

local h = dofile(vim.fs.joinpath(vim.fs.dirname(vim.fs.abspath(arg[0])), 'helpers.lua'))

--- The quickfix list as `path:line` strings, sorted, once its title starts with `prefix`.
local function quickfix(root, prefix)
  local list
  h.wait('a quickfix list titled ' .. prefix, function()
    list = vim.fn.getqflist({ title = 0, items = 0 })
    return vim.startswith(list.title, prefix) and #list.items > 0
  end)
  local found = vim.tbl_map(function(item)
    return ('%s:%d'):format(h.rel(root, vim.api.nvim_buf_get_name(item.bufnr)), item.lnum)
  end, list.items)
  table.sort(found)
  return found
end

h.run('graph', function()
  vim.lsp.enable('canopy')
  local root = h.fixture('flake-modules')
  local desktop = vim.fs.joinpath(root, 'modules', 'desktop', 'desktop.nix')
  local bufnr = h.open(desktop)

  -- One lens per aspect the file defines, resolved when Neovim shows them.
  vim.lsp.codelens.refresh({ bufnr = bufnr })
  local lenses
  h.wait('two resolved code lenses', function()
    lenses = vim.lsp.codelens.get(bufnr)
    return #lenses == 2 and lenses[1].command ~= nil and lenses[2].command ~= nil
  end)
  local titles = vim.tbl_map(function(lens)
    return ('%d %s'):format(lens.range.start.line + 1, lens.command.title)
  end, lenses)
  table.sort(titles)
  h.eq(titles, {
    '3 2 files · homeManager, nixos · 1 host',
    '8 2 files · homeManager, nixos · 1 host',
  }, 'lenses')
  h.ok('code lenses above `desktop`: 2 files · homeManager, nixos · 1 host')

  -- Running the lens puts the references of `desktop` in the quickfix list.
  h.cursor_on('nixos.desktop', 1, 7)
  vim.lsp.codelens.run()
  h.eq(
    quickfix(root, 'canopy: '),
    { 'modules/base/users.nix:11', 'modules/hosts/gouda.nix:6' },
    'references from the lens'
  )
  h.ok('vim.lsp.codelens.run() lists the references of `desktop` in the quickfix list')

  -- Incoming calls of the NixOS `desktop`: the host's aspect imports it, at its `with` list.
  vim.cmd.cclose()
  vim.api.nvim_set_current_buf(bufnr)
  h.cursor_on('nixos.desktop', 1, 7)
  vim.lsp.buf.incoming_calls()
  h.eq(quickfix(root, 'LSP'), { 'modules/hosts/gouda.nix:6' }, 'incoming calls')
  h.ok('vim.lsp.buf.incoming_calls() on `desktop` lists `hosts/gouda` at gouda.nix:6')

  -- :CanopyGraph mermaid: the Mermaid text in a scratch buffer.
  vim.cmd.cclose()
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd('CanopyGraph mermaid')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  h.eq(lines[1], 'flowchart LR', 'the scratch buffer starts a Mermaid flowchart')
  local text = table.concat(lines, '\n')
  h.check(text:find('gouda', 1, true) ~= nil and text:find('desktop', 1, true) ~= nil, 'the graph names gouda and desktop:\n%s', text)
  h.eq(vim.bo.buftype, 'nofile', 'a scratch buffer')
  h.ok(':CanopyGraph mermaid shows the Mermaid text of the graph in a scratch buffer')

  -- :CanopyGraph gouda: the host's page, handed to vim.ui.open.
  vim.cmd.close()
  vim.api.nvim_set_current_buf(bufnr)
  local opened
  vim.ui.open = function(path)
    opened = path
  end
  vim.cmd('CanopyGraph gouda')
  h.check(opened ~= nil and opened:match('%.html$') ~= nil, 'vim.ui.open got an HTML file: %s', tostring(opened))
  local page = h.read(opened)
  h.check(page:find('<!DOCTYPE html>', 1, true) == 1, 'a page')
  h.check(page:find('"name":"gouda"', 1, true) ~= nil, 'the page holds gouda')
  h.check(page:find('"name":"alice"', 1, true) ~= nil, 'and what gouda gets (alice)')
  h.ok(':CanopyGraph gouda writes the HTML page of what gouda gets and opens it with vim.ui.open')
end)
