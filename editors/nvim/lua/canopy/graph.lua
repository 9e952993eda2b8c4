-- :CanopyGraph: the aspect graph of the current buffer's workspace, drawn by `canopy graph` (the
-- same binary the language server runs), from the files as saved.
--
--   :CanopyGraph               the whole graph as an HTML page, opened with vim.ui.open
--   :CanopyGraph NAME          the host NAME and what it gets (or, if no host has that name, the
--                              aspect NAME and its neighbours)
--   :CanopyGraph mermaid [NAME] the same as Mermaid text in a scratch buffer
--
-- Everything about the graph stays in canopy: this file only finds the binary and the root,
-- runs it and shows what it prints.

local M = {}

local function fail(message)
  vim.notify('canopy: ' .. message, vim.log.levels.ERROR)
end

--- The canopy client of the current buffer: its binary and its root.
local function server()
  local client = vim.lsp.get_clients({ bufnr = 0, name = 'canopy' })[1]
  if not client then
    return nil, 'no canopy language server for this buffer (vim.lsp.enable("canopy"))'
  end
  local cmd = client.config.cmd
  local exe = type(cmd) == 'table' and cmd[1] or 'canopy'
  local root = client.root_dir
  if not root and client.workspace_folders and client.workspace_folders[1] then
    root = vim.uri_to_fname(client.workspace_folders[1].uri)
  end
  if not root then
    return nil, 'this buffer belongs to no workspace folder'
  end
  return { exe = exe, root = root }
end

---@param opts { fargs: string[] }
function M.run(opts)
  local found, why = server()
  if not found then
    return fail(why)
  end
  local args = vim.deepcopy(opts.fargs or {})
  local format = 'html'
  if args[1] == 'mermaid' then
    format = 'mermaid'
    table.remove(args, 1)
  end
  local name = args[1]
  local function graph(extra)
    local cmd = vim.list_extend({ found.exe, 'graph', found.root, '--format', format }, extra)
    return vim.system(cmd, { text = true }):wait()
  end
  local result
  if name then
    result = graph({ '--host', name })
    if result.code ~= 0 then
      result = graph({ '--aspect', name })
      if result.code ~= 0 then
        return fail(('no host or aspect named `%s`'):format(name))
      end
    end
  else
    result = graph({})
  end
  if result.code ~= 0 then
    return fail(vim.trim(result.stderr or 'canopy graph failed'))
  end
  if format == 'mermaid' then
    vim.cmd('botright new')
    local buf = vim.api.nvim_get_current_buf()
    vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(vim.trim(result.stdout), '\n'))
    vim.bo[buf].buftype = 'nofile'
    vim.bo[buf].bufhidden = 'wipe'
    vim.bo[buf].filetype = 'mermaid'
    vim.api.nvim_buf_set_name(buf, 'canopy://graph' .. (name and ('/' .. name) or '') .. '.mmd')
    return
  end
  local path = vim.fn.tempname() .. '.html'
  local file = assert(io.open(path, 'w'))
  file:write(result.stdout)
  file:close()
  vim.notify('canopy: aspect graph written to ' .. path, vim.log.levels.INFO)
  vim.ui.open(path)
end

return M
