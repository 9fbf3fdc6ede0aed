-- push_tree.lua: copy a local folder to a remote tree, uploading only
-- what is new or changed (host:upload_if_newer).
--
-- usage: ftplua scripts/push_tree.lua [options] URL LOCAL_DIR REMOTE_DIR
--        ftplua --url URL scripts/push_tree.lua [options] LOCAL_DIR REMOTE_DIR
--
-- Every file under LOCAL_DIR is uploaded to the same place under
-- REMOTE_DIR when it is missing there or the local file is newer
-- (ftputil's rule: the remote copy is replaced unless it is newer than the
-- local file). Remote folders are made as needed; nothing is deleted on
-- either side. Links to local files are uploaded as files; links to
-- folders are not followed. One line per uploaded file, then a summary.
--
-- URL is ftp://user:password@host:port/ (ftpes:// for explicit TLS,
-- ftps:// for implicit TLS); without a password in it, the password comes
-- from $FTPLUA_PASSWORD or ~/.netrc.
--
-- options:
--   --ca-file FILE     trust the certificates in FILE (a TLS server with its own CA)
--   --exclude PATTERN  skip files and folders whose name matches the Lua
--                      pattern (may be given more than once), e.g. "%.tmp$"
--   -h, --help         show this text
--
-- Exit status: 0 done, 1 an FTP or file error, 2 usage.
local ftputil = require("ftputil")

local usage = [[
usage: ftplua scripts/push_tree.lua [--ca-file FILE] [--exclude PATTERN] URL LOCAL_DIR REMOTE_DIR
       ftplua --url URL scripts/push_tree.lua [--exclude PATTERN] LOCAL_DIR REMOTE_DIR
]]

local function die(msg) -- a usage error
  io.stderr:write("push_tree: " .. msg .. "\n" .. usage)
  os.exit(2)
end

local function fail(msg)
  io.stderr:write("push_tree: " .. msg .. "\n")
  os.exit(1)
end

local opts, pos, excludes = {}, {}, {}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then
    io.write(usage)
    os.exit(0)
  elseif a == "--ca-file" then
    i = i + 1
    opts.ca_file = arg[i] or die("--ca-file needs a file")
  elseif a:match("^%-%-ca%-file=") then
    opts.ca_file = a:sub(#"--ca-file=" + 1)
  elseif a == "--exclude" then
    i = i + 1
    excludes[#excludes + 1] = arg[i] or die("--exclude needs a pattern")
  elseif a:match("^%-%-exclude=") then
    excludes[#excludes + 1] = a:sub(#"--exclude=" + 1)
  elseif a == "--" then
    for j = i + 1, #arg do pos[#pos + 1] = arg[j] end
    break
  elseif a:sub(1, 1) == "-" then
    die("unknown option " .. a)
  else
    pos[#pos + 1] = a
  end
  i = i + 1
end
for _, p in ipairs(excludes) do
  if not pcall(string.find, "", p) then die("bad pattern " .. p) end
end

local function excluded(name)
  for _, p in ipairs(excludes) do
    if name:find(p) then return true end
  end
  return false
end

-- the host: ftplua --url gives one as the global host, else the first argument
local h = rawget(_G, "host")
if #pos ~= (h and 2 or 3) then die("wrong number of arguments") end
local own = not h
if own then h = ftputil.connect{url = table.remove(pos, 1), ca_file = opts.ca_file} end
local localdir, remote = pos[1], pos[2]
local fs = ftputil.localfs

if not fs.isdir(localdir) then
  fail(localdir .. " is not a local folder")
end

local function rel(path, top)
  if path == top then return "" end
  if top:sub(-1) == "/" then return path:sub(#top + 1) end
  return path:sub(#top + 2)
end

local uploaded, current, made = 0, 0, 0
local function makedir(path)
  if not h.path.isdir(path) then
    h:makedirs(path, {exist_ok = true})
    made = made + 1
  end
end
makedir(remote)
for dir, dirs, files in fs.walk(localdir) do
  for k = #dirs, 1, -1 do -- prune excluded folders
    if excluded(dirs[k]) then table.remove(dirs, k) end
  end
  local sub = rel(dir, localdir)
  local rdir = sub == "" and remote or h.path.join(remote, sub)
  makedir(rdir)
  for _, name in ipairs(files) do
    local lpath = dir .. "/" .. name
    local shown = sub == "" and name or sub .. "/" .. name
    if not excluded(name) and fs.isfile(lpath) then
      if h:upload_if_newer(lpath, h.path.join(rdir, name)) then
        print("uploaded " .. shown)
        uploaded = uploaded + 1
      else
        current = current + 1
      end
    end
  end
end
print(string.format("%d uploaded, %d up to date, %d folders made", uploaded, current, made))
if own then h:close() end
