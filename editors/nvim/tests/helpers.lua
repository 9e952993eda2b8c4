-- Shared by the headless tests. Each test is a script run by a real Neovim 0.11:
--
--   CANOPY_BIN=target/debug/canopy nvim --headless -u NONE -l editors/nvim/tests/<name>_test.lua
--
-- (editors/nvim/test.sh runs them all). A test prints one `ok` line per check; the first failed
-- expectation prints `FAIL` with the reason and exits with status 1, so a test cannot pass
-- silently. A missing canopy binary is a failure too, never a skip.

local M = {}

local this_file = debug.getinfo(1, 'S').source:sub(2)
M.plugin = vim.fs.dirname(vim.fs.dirname(vim.fs.abspath(this_file))) -- editors/nvim
M.repo = vim.fs.dirname(vim.fs.dirname(M.plugin))

local temp_dirs = {} ---@type string[]

local function cleanup()
  for _, dir in ipairs(temp_dirs) do
    vim.fn.delete(dir, 'rf')
  end
end

--- Ends the test with status 1, showing why and the end of Neovim's LSP log.
---@param msg string
function M.fail(msg)
  io.stderr:write(('FAIL: %s: %s\n'):format(M.name or '?', msg))
  local log = vim.lsp.log.get_filename()
  if vim.uv.fs_stat(log) then
    local lines = vim.fn.readfile(log)
    local tail = vim.list_slice(lines, math.max(1, #lines - 30))
    if #tail > 0 then
      io.stderr:write(('--- last lines of %s:\n%s\n'):format(log, table.concat(tail, '\n')))
    end
  end
  cleanup()
  -- :cquit rather than os.exit: Neovim then removes its own temporary folder too.
  vim.cmd('cquit 1')
end

---@param cond any
---@param fmt string
function M.check(cond, fmt, ...)
  if not cond then
    M.fail(fmt:format(...))
  end
end

---@param actual any
---@param expected any
---@param what string
function M.eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    M.fail(
      ('%s:\n  expected %s\n  got      %s'):format(what, vim.inspect(expected), vim.inspect(actual))
    )
  end
end

--- Records a passed check.
---@param what string
function M.ok(what)
  io.stdout:write(('ok - %s: %s\n'):format(M.name, what))
end

--- Waits until `cond()` holds, or fails naming what it waited for.
---@param what string
---@param cond fun(): any
---@param ms? integer
function M.wait(what, cond, ms)
  ms = ms or 10000
  if not vim.wait(ms, cond, 20) then
    M.fail(('timed out after %d ms waiting for %s'):format(ms, what))
  end
end

--- The canopy binary under test: $CANOPY_BIN, else `canopy` on the PATH. It is put first on
--- the PATH, so that the default command of lsp/canopy.lua (`canopy lsp`) starts this one.
---@return string
function M.canopy()
  local bin = vim.env.CANOPY_BIN
  if bin and bin ~= '' then
    bin = vim.fs.abspath(bin)
    M.check(
      vim.fn.executable(bin) == 1,
      'CANOPY_BIN=%s is not an executable file (build it with `cargo build -p canopy`)',
      bin
    )
    M.check(
      vim.fs.basename(bin) == 'canopy',
      'CANOPY_BIN must name a file called `canopy`, got %s',
      bin
    )
    vim.env.PATH = vim.fs.dirname(bin) .. ':' .. vim.env.PATH
  else
    bin = vim.fn.exepath('canopy')
    M.check(
      bin ~= '',
      'no canopy binary: set CANOPY_BIN or put `canopy` on the PATH (editors/nvim/test.sh does)'
    )
  end
  return bin
end

--- Starts a test: Neovim 0.11 or newer, this plugin on 'runtimepath', filetype detection on
--- (`-u NONE` leaves it off), and an error anywhere in `body` fails the test.
---@param name string
---@param body fun()
function M.run(name, body)
  M.name = name
  M.check(
    vim.fn.has('nvim-0.11') == 1,
    'Neovim 0.11 or newer is needed, this is %s',
    tostring(vim.version())
  )
  vim.opt.runtimepath:prepend(M.plugin)
  vim.cmd('filetype on')
  vim.o.swapfile = false
  M.bin = M.canopy()
  M.track_progress()
  local exit_codes = {} ---@type table<integer, integer>
  vim.lsp.config('*', {
    on_exit = function(code, _, client_id)
      exit_codes[client_id] = code
    end,
  })
  local ok, err = xpcall(body, debug.traceback)
  if not ok then
    M.fail('error: ' .. tostring(err))
  end
  -- Stop the servers (shutdown, then exit): each must end with status 0.
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop()
  end
  M.wait('the servers to exit', function()
    return #vim.lsp.get_clients() == 0
  end)
  for id, code in pairs(exit_codes) do
    M.check(
      code == 0,
      'server of client %d exited with status %d (0 expected after shutdown and exit)',
      id,
      code
    )
  end
  cleanup()
  io.stdout:write(('passed: %s\n'):format(name))
  vim.cmd('qall!')
end

--- A copy of fixtures/<name> in a temporary folder: the tests never touch the repository.
---@param name string
---@return string root
function M.fixture(name)
  local src = vim.fs.joinpath(M.repo, 'fixtures', name)
  M.check(vim.uv.fs_stat(src), 'no fixture %s', src)
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  table.insert(temp_dirs, dir)
  local result = vim.system({ 'cp', '-R', src, dir }):wait()
  M.check(result.code == 0, 'copying %s failed: %s', src, result.stderr or '')
  -- Resolve symbolic links in the temporary path (macOS /tmp), as Neovim does for buffer names.
  return vim.uv.fs_realpath(vim.fs.joinpath(dir, name)) --[[@as string]]
end

--- Folders whose indexing finished, by client id, from canopy's work-done progress.
local indexed = {} ---@type table<integer, integer>

function M.track_progress()
  vim.api.nvim_create_autocmd('LspProgress', {
    pattern = 'end',
    callback = function(args)
      local id = args.data.client_id
      indexed[id] = (indexed[id] or 0) + 1
    end,
  })
end

--- Opens `path`, waits for canopy to attach to it and to finish indexing its folder.
---@param path string
---@return integer bufnr, vim.lsp.Client client
function M.open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  M.eq(vim.bo[bufnr].filetype, 'nix', 'filetype of ' .. path)
  local client
  M.wait('canopy to attach to ' .. path, function()
    client = vim.lsp.get_clients({ bufnr = bufnr, name = 'canopy' })[1]
    return client and client.initialized
  end)
  M.wait('canopy to index ' .. (client.root_dir or path), function()
    return (indexed[client.id] or 0) > 0
  end)
  return bufnr, client
end

--- The text of a buffer.
---@param bufnr integer
---@return string
function M.text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n') .. '\n'
end

--- Reads a file.
---@param path string
---@return string
function M.read(path)
  return table.concat(vim.fn.readfile(path), '\n') .. '\n'
end

--- Puts the cursor on the `nth` occurrence (default 1) of `needle` in the current buffer,
--- `offset` bytes into it (default 1: inside the word, not on its edge).
---@param needle string
---@param nth? integer
---@param offset? integer
function M.cursor_on(needle, nth, offset)
  nth = nth or 1
  local seen = 0
  for lnum, line in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local init = 1
    while true do
      local col = line:find(needle, init, true)
      if not col then
        break
      end
      seen = seen + 1
      if seen == nth then
        vim.api.nvim_win_set_cursor(0, { lnum, col - 1 + (offset or 1) })
        return
      end
      init = col + 1
    end
  end
  M.fail(
    ('`%s` occurs %d times in %s, wanted occurrence %d'):format(
      needle,
      seen,
      vim.api.nvim_buf_get_name(0),
      nth
    )
  )
end

--- A path relative to `root`, with `/`.
---@param root string
---@param path string
---@return string
function M.rel(root, path)
  return vim.fs.relpath(root, path) or path
end

--- canopy's diagnostics across all buffers, as sorted `path:line:col: code` strings (1-based
--- lines and columns, paths relative to `root`), the form of the fixtures' canopy-check.txt.
---@param root string
---@return string[]
function M.diagnostics(root)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get()) do
    if d.source == 'canopy' then
      local path = M.rel(root, vim.api.nvim_buf_get_name(d.bufnr))
      table.insert(out, ('%s:%d:%d: %s'):format(path, d.lnum + 1, d.col + 1, d.code))
    end
  end
  table.sort(out)
  return out
end

--- The diagnostics `canopy check` reports for a fixture (its canopy-check.txt), in the form of
--- `M.diagnostics`, less the codes in `without`, with `extra` (diagnostics off by default, which
--- `canopy check` leaves out).
---@param root string the fixture's copy
---@param without? string[]
---@param extra? string[]
---@return string[]
function M.expected_diagnostics(root, without, extra)
  local out = vim.list_extend({}, extra or {})
  for _, line in ipairs(vim.fn.readfile(vim.fs.joinpath(root, 'canopy-check.txt'))) do
    local where, code = line:match('^(.-:%d+:%d+): %a+%[([%w-]+)%]')
    if where and not vim.tbl_contains(without or {}, code) then
      table.insert(out, ('%s: %s'):format(where, code))
    end
  end
  table.sort(out)
  return out
end

return M
