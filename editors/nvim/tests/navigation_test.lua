-- Go to definition across files and hover, through Neovim's own commands: vim.lsp.buf.definition
-- (what CTRL-] reaches through 'tagfunc') and vim.lsp.buf.hover (the default `K`).

local h = dofile(vim.fs.joinpath(vim.fs.dirname(vim.fs.abspath(arg[0])), 'helpers.lua'))

h.run('navigation', function()
  vim.lsp.enable('canopy')
  local root = h.fixture('flake-modules')
  local gouda = vim.fs.joinpath(root, 'modules', 'hosts', 'gouda.nix')
  local bufnr = h.open(gouda)

  -- `ssh` in the host's `with` list is defined once for nixos, in modules/base/ssh.nix: the
  -- window jumps there, onto the name in `flake.modules.nixos.ssh`.
  h.cursor_on('        ssh', 1, 9)
  vim.lsp.buf.definition()
  local ssh = vim.fs.joinpath(root, 'modules', 'base', 'ssh.nix')
  h.wait('the jump to ssh.nix', function()
    return vim.api.nvim_buf_get_name(0) == ssh
  end)
  local row, col = unpack(vim.api.nvim_win_get_cursor(0))
  local line = vim.api.nvim_get_current_line()
  h.eq({ row, line:sub(col + 1, col + 3) }, { 3, 'ssh' }, 'cursor after the jump (line, word)')
  h.check(
    line:find('flake.modules.nixos.ssh', 1, true),
    'the jump landed on `%s`, not on the nixos definition',
    line
  )
  h.ok(
    'definition of `ssh` jumps from hosts/gouda.nix to base/ssh.nix:3, on `flake.modules.nixos.ssh`'
  )

  -- `desktop` (nixos) is defined in two files: Neovim lists both.
  vim.api.nvim_set_current_buf(bufnr)
  h.cursor_on('        desktop', 1, 9)
  local items
  vim.lsp.buf.definition({
    on_list = function(list)
      items = list.items
    end,
  })
  h.wait('the definitions of `desktop`', function()
    return items ~= nil
  end)
  local found = vim.tbl_map(function(item)
    return ('%s:%d'):format(h.rel(root, item.filename), item.lnum)
  end, items)
  table.sort(found)
  h.eq(
    found,
    { 'modules/desktop/desktop.nix:3', 'modules/desktop/fonts.nix:3' },
    'definitions of desktop'
  )
  h.ok('definition of `desktop` lists desktop/desktop.nix:3 and desktop/fonts.nix:3')

  -- Hover opens a floating window with the aspect's classes and how many files define each.
  vim.lsp.buf.hover()
  local float
  h.wait('the hover window', function()
    for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        float = win
        return true
      end
    end
  end)
  local shown = h.text(vim.api.nvim_win_get_buf(float))
  for _, expected in ipairs({
    '**aspect** `desktop`',
    '- `nixos` · 2 files',
    '- `homeManager` · 1 file',
    'hosts `gouda`',
  }) do
    h.check(shown:find(expected, 1, true), 'the hover window lacks %q:\n%s', expected, shown)
  end
  h.ok('hover on `desktop` shows "`nixos` · 2 files" and "`homeManager` · 1 file"')

  -- The flake's module outputs are one family: `portable`, defined in four of them, is one
  -- feature in four classes, and the hover lists the four.
  local broken = h.fixture('broken')
  h.open(vim.fs.joinpath(broken, 'modules', 'features', 'portable.nix'))
  vim.api.nvim_command('fclose!')
  h.cursor_on('nixosModules.portable', 1, 14)
  vim.lsp.buf.hover()
  local family
  h.wait('the hover window on `portable`', function()
    for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        local text = h.text(vim.api.nvim_win_get_buf(win))
        if text:find('`portable`', 1, true) then
          family = text
          return true
        end
      end
    end
  end)
  for _, class in ipairs({ 'darwin', 'homeManager', 'nixOnDroid', 'nixos' }) do
    local expected = ('- `%s` · 1 file'):format(class)
    h.check(family:find(expected, 1, true), 'the hover window lacks %q:\n%s', expected, family)
  end
  h.ok('hover on `portable` lists its four classes: darwin, homeManager, nixOnDroid, nixos')
end)
