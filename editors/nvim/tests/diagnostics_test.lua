-- Diagnostics: with the default settings, Neovim shows exactly what `canopy check` reports for
-- fixtures/broken (its canopy-check.txt) less the `unused-aspect` hint, which the server keeps
-- off by default; fixing a typo in the buffer clears its diagnostic without saving.

local h = dofile(vim.fs.joinpath(vim.fs.dirname(vim.fs.abspath(arg[0])), 'helpers.lua'))

h.run('diagnostics', function()
  vim.lsp.enable('canopy')
  local root = h.fixture('broken')
  local gruyere = h.open(vim.fs.joinpath(root, 'modules', 'hosts', 'gruyere.nix'))

  local expected = h.expected_diagnostics(root, { 'unused-aspect' })
  h.check(#expected >= 10, 'fixtures/broken/canopy-check.txt lists only %d diagnostics', #expected)
  -- Files publish one by one: wait for the full set, then compare it exactly.
  h.wait(('%d diagnostics'):format(#expected), function()
    return #h.diagnostics(root) >= #expected
  end)
  h.eq(h.diagnostics(root), expected, 'diagnostics shown by Neovim')
  h.ok(
    ('the %d diagnostics of `canopy check`, in every file of the workspace, opened or not'):format(
      #expected
    )
  )

  -- The undefined aspect in the open file, as Neovim stores it.
  local typo = vim.tbl_filter(function(d)
    return d.code == 'undefined-aspect'
  end, vim.diagnostic.get(gruyere))
  h.eq(#typo, 1, 'undefined-aspect diagnostics in gruyere.nix')
  typo = typo[1]
  h.eq(
    { typo.lnum, typo.col, typo.end_col, typo.severity, typo.source },
    { 6, 6, 13, vim.diagnostic.severity.ERROR, 'canopy' },
    'the undefined-aspect diagnostic'
  )
  h.check(
    typo.message:find('`deskotp`', 1, true) and typo.message:find('`desktop`', 1, true),
    'message: %s',
    typo.message
  )
  h.ok('gruyere.nix:7:7 error[undefined-aspect] from source canopy: ' .. typo.message)

  -- Fix the typo in the buffer only: the diagnostic goes, the others of the file stay.
  vim.api.nvim_buf_set_text(gruyere, 6, 6, 6, 13, { 'desktop' })
  -- The server replaces a file's set in one notification: once the typo's diagnostic is gone,
  -- the rest of the file's set is final.
  h.wait('undefined-aspect to clear after the edit', function()
    return #vim.tbl_filter(function(d)
      return d.code == 'undefined-aspect'
    end, vim.diagnostic.get(gruyere)) == 0
  end)
  h.eq(
    h.diagnostics(root),
    vim.tbl_filter(function(d)
      return not d:find('undefined-aspect', 1, true)
    end, expected),
    'diagnostics after fixing the typo'
  )
  h.ok('fixing `deskotp` in the unsaved buffer cleared undefined-aspect and nothing else')
end)
