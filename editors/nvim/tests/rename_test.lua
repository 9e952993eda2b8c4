-- Rename across files through vim.lsp.buf.rename: canopy answers a WorkspaceEdit over three
-- files, Neovim applies it to buffers (loading the files not yet open), and writes nothing.

local h = dofile(vim.fs.joinpath(vim.fs.dirname(vim.fs.abspath(arg[0])), 'helpers.lua'))

h.run('rename', function()
  vim.lsp.enable('canopy')
  local root = h.fixture('flake-modules')
  local function path(rel)
    return vim.fs.joinpath(root, rel)
  end
  local gouda = h.open(path('modules/hosts/gouda.nix'))

  -- What each file must read afterwards: the aspect `ssh` renamed in every class, and nothing
  -- else, so `services.openssh` and the option `programs.ssh` keep their names.
  local expected = {
    ['modules/hosts/gouda.nix'] = { { '\n        ssh\n', '\n        secure-shell\n' } },
    ['modules/base/ssh.nix'] = {
      { 'flake.modules.nixos.ssh =', 'flake.modules.nixos.secure-shell =' },
      { 'flake.modules.homeManager.ssh =', 'flake.modules.homeManager.secure-shell =' },
    },
    ['modules/base/users.nix'] = { { '\n      ssh\n', '\n      secure-shell\n' } },
  }
  local originals = {}
  for rel, replacements in pairs(expected) do
    local text = h.read(path(rel))
    originals[rel] = text
    for _, r in ipairs(replacements) do
      local from, to = r[1], r[2]
      local at = text:find(from, 1, true)
      h.check(
        at and not text:find(from, at + 1, true),
        'the fixture changed: `%s` is not once in %s',
        from,
        rel
      )
      text = text:sub(1, at - 1) .. to .. text:sub(at + #from)
    end
    expected[rel] = text
  end

  h.cursor_on('        ssh', 1, 9)
  vim.lsp.buf.rename('secure-shell')
  h.wait('the rename to reach gouda.nix', function()
    return h.text(gouda):find('secure-shell', 1, true)
  end)

  for rel, text in pairs(expected) do
    local bufnr = vim.fn.bufnr(path(rel))
    h.check(bufnr ~= -1, 'the rename did not open %s', rel)
    h.eq(h.text(bufnr), text, 'text of ' .. rel .. ' after the rename')
    h.check(vim.bo[bufnr].modified, '%s is not marked modified', rel)
    h.eq(h.read(path(rel)), originals[rel], rel .. ' on disk (a rename writes no file)')
  end
  h.ok(
    'renaming `ssh` to `secure-shell` edited hosts/gouda.nix, base/ssh.nix (nixos and homeManager) and base/users.nix'
  )

  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local rel = h.rel(root, vim.api.nvim_buf_get_name(bufnr))
    h.check(expected[rel] or not vim.bo[bufnr].modified, 'the rename modified %s too', rel)
  end
  h.ok('no other buffer changed; `services.openssh` and `programs.ssh` kept their names')

  -- The server follows the edited buffers: the new name resolves to its renamed definition.
  -- Neovim sends the changes of a buffer other than the request's own after a 150 ms debounce
  -- (`flags.debounce_text_changes`), so the first answers may predate the edit of ssh.nix.
  vim.api.nvim_set_current_buf(gouda)
  h.cursor_on('secure-shell', 1, 1)
  local client = vim.lsp.get_clients({ bufnr = gouda, name = 'canopy' })[1]
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local targets = {}
  h.wait('`secure-shell` to resolve to a definition', function()
    local response = client:request_sync('textDocument/definition', params, 5000, gouda)
    h.check(
      response and not response.err,
      'definition after the rename failed: %s',
      vim.inspect(response)
    )
    targets = vim.tbl_map(function(loc)
      local uri = loc.targetUri or loc.uri
      local range = loc.targetSelectionRange or loc.range
      return ('%s:%d'):format(h.rel(root, vim.uri_to_fname(uri)), range.start.line + 1)
    end, response.result or {})
    return #targets > 0
  end, 3000)
  h.eq(targets, { 'modules/base/ssh.nix:3' }, 'definition of `secure-shell` after the rename')
  h.ok('after the rename, `secure-shell` in gouda.nix resolves to base/ssh.nix:3')
end)
