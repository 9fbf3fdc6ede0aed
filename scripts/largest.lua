-- largest.lua: report the largest files of a remote tree, where the space
-- goes.
--
-- usage: ftplua scripts/largest.lua [options] URL [REMOTE_DIR]
--        ftplua --url URL scripts/largest.lua [options] [REMOTE_DIR]
--
-- Walks REMOTE_DIR (default: the login folder) and prints its N largest
-- files, largest first (equal sizes by path), with their sizes in bytes,
-- then the number and total size of all files in the tree. Links are not
-- counted and not followed. Reads only: nothing is changed.
--
-- URL is ftp://user:password@host:port/ (ftpes:// for explicit TLS,
-- ftps:// for implicit TLS); without a password in it, the password comes
-- from $FTPLUA_PASSWORD or ~/.netrc.
--
-- options:
--   -n N             how many files to show (default 10)
--   --ca-file FILE   trust the certificates in FILE (a TLS server with its own CA)
--   -h, --help       show this text
--
-- Exit status: 0 done, 1 an FTP error, 2 usage.
local ftputil = require("ftputil")

local usage = [[
usage: ftplua scripts/largest.lua [-n N] [--ca-file FILE] URL [REMOTE_DIR]
       ftplua --url URL scripts/largest.lua [-n N] [REMOTE_DIR]
]]

local function die(msg) -- a usage error
  io.stderr:write("largest: " .. msg .. "\n" .. usage)
  os.exit(2)
end

local function fail(msg)
  io.stderr:write("largest: " .. msg .. "\n")
  os.exit(1)
end

local opts, pos = {count = 10}, {}
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-h" or a == "--help" then
    io.write(usage)
    os.exit(0)
  elseif a == "-n" then
    i = i + 1
    opts.count = tonumber(arg[i])
    if not opts.count or opts.count < 1 or opts.count % 1 ~= 0 then die("-n needs a whole number, 1 or more") end
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

local h = rawget(_G, "host")
local want = h and 0 or 1
if #pos < want or #pos > want + 1 then die("wrong number of arguments") end
local own = not h
if own then h = ftputil.connect{url = table.remove(pos, 1), ca_file = opts.ca_file} end
local top = pos[1] or h:getcwd()
if not h.path.isdir(top) then
  fail(top .. " is not a remote folder")
end

local found, total = {}, 0
for dir, _, files in h:walk(top) do
  for _, name in ipairs(files) do
    local path = h.path.join(dir, name)
    local st = h:lstat(path) -- from the walk's listing: no further command
    if st.type == "file" then
      found[#found + 1] = {path = path, size = st.st_size}
      total = total + st.st_size
    end
  end
end
table.sort(found, function(a, b)
  if a.size ~= b.size then return a.size > b.size end
  return a.path < b.path
end)

local shown = math.min(opts.count, #found)
local width = shown > 0 and #string.format("%d", found[1].size) or 1
for k = 1, shown do
  print(string.format("%" .. width .. "d  %s", found[k].size, found[k].path))
end
print(string.format("%d files, %d bytes in %s", #found, total, top))
if own then h:close() end
