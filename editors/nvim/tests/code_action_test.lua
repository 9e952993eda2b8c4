-- Quick fixes through Neovim's own `vim.lsp.buf.code_action` (what `gra` runs): on the misspelt
-- aspect of fixtures/broken, the preferred fix rewrites the name in the buffer and the
-- undefined-aspect diagnostic goes; nothing is written to disk.

local h = dofile(vim.fs.joinpath(vim.fs.dirname(vim.fs.abspath(arg[0])), 'helpers.lua'))

h.run('code_action', function()
  vim.lsp.enable('canopy')
  local root = h.fixture('broken')
  local file = vim.fs.joinpath(root, 'modules', 'hosts', 'gruyere.nix')
  local gruyere = h.open(file)
  local on_disk = h.read(file)

  local function typos()
    return vim.tbl_filter(function(d)
      return d.code == 'undefined-aspect' and d.message:find('`deskotp`', 1, true)
    end, vim.diagnostic.get(gruyere))
  end
  h.wait('the undefined-aspect diagnostic on deskotp', function()
    return #typos() == 1
  end)

  h.cursor_on('deskotp', 1, 3)
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.isPreferred == true
    end,
  })
  h.wait('the preferred fix to rewrite the name', function()
    return h.text(gruyere):find('\n      desktop\n', 1, true) ~= nil
  end)
  h.check(not h.text(gruyere):find('deskotp', 1, true), 'deskotp is still in the buffer')
  h.ok('the preferred quick fix replaced `deskotp` with `desktop` in the buffer')

  h.wait('undefined-aspect on deskotp to clear', function()
    return #typos() == 0
  end)
  h.eq(h.read(file), on_disk, 'gruyere.nix on disk (a quick fix writes no file)')
  h.ok('the diagnostic cleared, and the file on disk is unchanged')
end)
