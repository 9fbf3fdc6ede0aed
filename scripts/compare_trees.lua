-- compare_trees.lua: check that a local folder and a remote tree match:
-- the same names, the same sizes, and times that agree.
--
-- usage: ftplua scripts/compare_trees.lua [options] URL LOCAL_DIR REMOTE_DIR
--        ftplua --url URL scripts/compare_trees.lua [options] LOCAL_DIR REMOTE_DIR
--
-- Lists both trees and prints one line per difference, paths relative to
-- the two folders, sorted:
--
--   only local:  PATH                 a file or folder missing remotely
--   only remote: PATH                 a file or folder missing locally
--   type:        PATH (local file, remote folder)
--   size:        PATH (local N, remote M bytes)
--   time:        PATH (local ..., remote ...)
--
-- then "match: N files, M folders" or "differ: K differences".
--
-- FTP cannot set a file's time, so a copy is as new as the transfer that
-- made it, and what "times agree" means depends on which side is the copy:
--   --times up      the remote tree is a copy of the local one (after
--                   push_tree): no remote file may be older than its local
--                   file, as upload_if_newer sees it
--   --times down    the local tree is a copy of the remote one (after
--                   pull_tree): no local file may be older than its remote file
--   --times equal   both sides keep the original times (the default): they
--                   must agree within the precision of the listing
--   --times ignore  names and sizes only
-- Links are followed to files; links to folders are not followed (on
-- either side), and names that are neither files nor folders (a broken
-- link) are left out.
--
-- URL is ftp://user:password@host:port/ (ftpes:// for explicit TLS,
-- ftps:// for implicit TLS); without a password in it, the password comes
-- from $FTPLUA_PASSWORD or ~/.netrc.
--
-- options:
--   --times MODE     up, down, equal (default) or ignore; see above
--   --ca-file FILE   trust the certificates in FILE (a TLS server with its own CA)
--   -h, --help       show this text
--
-- Exit status: 0 the trees match, 3 they differ, 1 an FTP or file error,
-- 2 usage.
local ftputil = require("ftputil")

local usage = [[
usage: ftplua scripts/compare_trees.lua [--times up|down|equal|ignore] [--ca-file FILE] URL LOCAL_DIR REMOTE_DIR
       ftplua --url URL scripts/compare_trees.lua [--times MODE] LOCAL_DIR REMOTE_DIR
]]

local function die(msg) -- a usage error
  io.stderr:write("compare_trees: " .. msg .. "\n" .. usage)
  os.exit(2)
end

local function fail(msg)
  io.stderr:write("compare_trees: " .. msg .. "\n")
  os.exit(1)
end

local opts, pos = {times = "equal"}, {}
local i = 1
local function value(a, name)
  if a == name then
    i = i + 1
    return arg[i] or die(name .. " needs a value")
  end
  return a:sub(#name + 2)
end
while i <= #arg do
  local a = arg[i]
  local name = a:match("^(%-%-[%w-]+)=") or a
  if a == "-h" or a == "--help" then
    io.write(usage)
    os.exit(0)
  elseif name == "--times" then
    opts.times = value(a, name)
    if not ({up = true, down = true, equal = true, ignore = true})[opts.times] then
      die("--times must be up, down, equal or ignore")
    end
  elseif name == "--ca-file" then
    opts.ca_file = value(a, name)
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
if #pos ~= (h and 2 or 3) then die("wrong number of arguments") end
local own = not h
if own then h = ftputil.connect{url = table.remove(pos, 1), ca_file = opts.ca_file} end
local localdir, remote = pos[1], h.path.normpath(pos[2])
local fs = ftputil.localfs
if not fs.isdir(localdir) then fail(localdir .. " is not a local folder") end
if not h.path.isdir(remote) then fail(remote .. " is not a remote folder") end

local function rel(path, top)
  if path == top then return "" end
  if top:sub(-1) == "/" then return path:sub(#top + 1) end
  return path:sub(#top + 2)
end

-- scan(walk, join, stat) → {relpath = {type=, size=, mtime=, precision=}}
local function scan(walk, top, join, stat)
  local entries = {}
  for dir, _, files in walk(top) do
    local sub = rel(dir, top)
    if sub ~= "" then entries[sub] = {type = "folder"} end
    for _, name in ipairs(files) do
      local ok, st = pcall(stat, join(dir, name))
      if ok and (st.type == "file" or st.type == "directory") then
        entries[sub == "" and name or sub .. "/" .. name] = {
          type = st.type == "file" and "file" or "folder",
          size = st.st_size, mtime = st.st_mtime, precision = st.mtime_precision or 1,
        }
      end
    end
  end
  return entries
end

local here = scan(fs.walk, localdir, function(d, n) return d .. "/" .. n end, fs.stat)
local there = scan(function(top) return h:walk(top) end, remote, h.path.join,
  function(p) return h:stat(p) end)

local function when(t, precision)
  if precision >= 86400 then return os.date("!%Y-%m-%d", t) end
  if precision >= 60 then return os.date("!%Y-%m-%d %H:%M", t) end
  return os.date("!%Y-%m-%d %H:%M:%S", t)
end

-- times agree? l and r are the local and remote entries of a file; a
-- listed time is cut to its precision: the file's time lies within
-- [r.mtime, r.mtime + r.precision)
local function times_agree(l, r)
  if opts.times == "up" then -- the remote copy may be as new as the local file
    return l.mtime <= r.mtime + r.precision
  elseif opts.times == "down" then -- the local copy is not older than the listed time
    return l.mtime + 1 >= r.mtime
  elseif opts.times == "equal" then
    return l.mtime + 1 >= r.mtime and l.mtime <= r.mtime + r.precision
  end
  return true
end

local paths, seen = {}, {}
for p in pairs(here) do paths[#paths + 1] = p; seen[p] = true end
for p in pairs(there) do if not seen[p] then paths[#paths + 1] = p end end
table.sort(paths)

local differences, files, folders = 0, 0, 0
local function differ(kind, path, detail)
  differences = differences + 1
  print(string.format("%-12s %s%s", kind .. ":", path, detail and " (" .. detail .. ")" or ""))
end
for _, p in ipairs(paths) do
  local l, r = here[p], there[p]
  if not r then
    differ("only local", p)
  elseif not l then
    differ("only remote", p)
  elseif l.type ~= r.type then
    differ("type", p, "local " .. l.type .. ", remote " .. r.type)
  elseif l.type == "folder" then
    folders = folders + 1
  elseif l.size ~= r.size then
    differ("size", p, string.format("local %d, remote %d bytes", l.size, r.size))
  elseif not times_agree(l, r) then
    differ("time", p, "local " .. when(l.mtime, 1) .. ", remote " .. when(r.mtime, r.precision))
  else
    files = files + 1
  end
end
if own then h:close() end
if differences > 0 then
  print(string.format("differ: %d difference%s", differences, differences == 1 and "" or "s"))
  os.exit(3)
end
print(string.format("match: %d files, %d folders", files, folders))
