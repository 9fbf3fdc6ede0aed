-- pull_tree.lua: copy a remote tree to a local folder, downloading only
-- what is new or changed (host:download_if_newer).
--
-- usage: ftplua scripts/pull_tree.lua [options] URL REMOTE_DIR LOCAL_DIR
--        ftplua --url URL scripts/pull_tree.lua [options] REMOTE_DIR LOCAL_DIR
--
-- Every file under REMOTE_DIR is downloaded to the same place under
-- LOCAL_DIR when it is missing there or the remote file is newer
-- (ftputil's rule: the local copy is replaced unless it is newer than the
-- remote file). Folders are made as needed; nothing is deleted on either
-- side. Links to files are downloaded as files; links to folders are not
-- followed; broken links are skipped. One line per downloaded file, then
-- a summary.
--
-- URL is ftp://user:password@host:port/ (ftpes:// for explicit TLS,
-- ftps:// for implicit TLS); without a password in it, the password comes
-- from $FTPLUA_PASSWORD or ~/.netrc.
--
-- options:
--   --ca-file FILE   trust the certificates in FILE (a TLS server with its own CA)
--   -h, --help       show this text
--
-- Exit status: 0 done, 1 an FTP or file error, 2 usage.
local ftputil = require("ftputil")

local usage = [[
usage: ftplua scripts/pull_tree.lua [--ca-file FILE] URL REMOTE_DIR LOCAL_DIR
       ftplua --url URL scripts/pull_tree.lua REMOTE_DIR LOCAL_DIR
]]

local function die(msg) -- a usage error
  io.stderr:write("pull_tree: " .. msg .. "\n" .. usage)
  os.exit(2)
end

local function fail(msg)
  io.stderr:write("pull_tree: " .. msg .. "\n")
  os.exit(1)
end

local opts, pos = {}, {}
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

-- the host: ftplua --url gives one as the global host, else the first argument
local h = rawget(_G, "host")
if #pos ~= (h and 2 or 3) then die("wrong number of arguments") end
local own = not h
if own then h = ftputil.connect{url = table.remove(pos, 1), ca_file = opts.ca_file} end
local remote, localdir = h.path.normpath(pos[1]), pos[2]
local fs = ftputil.localfs

if not h.path.isdir(remote) then
  fail(remote .. " is not a remote folder")
end

-- rel("/pub/a/b", "/pub") == "a/b"
local function rel(path, top)
  if path == top then return "" end
  if top:sub(-1) == "/" then return path:sub(#top + 1) end
  return path:sub(#top + 2)
end

local downloaded, current, skipped = 0, 0, 0
fs.makedirs(localdir, {exist_ok = true})
for dir, dirs, files in h:walk(remote) do
  table.sort(dirs) -- the walk goes down in this order
  table.sort(files)
  local sub = rel(dir, remote)
  local ldir = sub == "" and localdir or localdir .. "/" .. sub
  fs.makedirs(ldir, {exist_ok = true})
  for _, name in ipairs(files) do
    local rpath = h.path.join(dir, name)
    local shown = sub == "" and name or sub .. "/" .. name
    if not h.path.isfile(rpath) then
      print("skipped    " .. shown .. " (not a file)")
      skipped = skipped + 1
    elseif h:download_if_newer(rpath, ldir .. "/" .. name) then
      print("downloaded " .. shown)
      downloaded = downloaded + 1
    else
      current = current + 1
    end
  end
end
print(string.format("%d downloaded, %d up to date, %d skipped", downloaded, current, skipped))
if own then h:close() end
