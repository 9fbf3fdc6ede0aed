-- delete_old.lua: delete remote files older than N days, for example old
-- logs or backups on an upload server.
--
-- usage: ftplua scripts/delete_old.lua [options] URL DAYS REMOTE_DIR
--        ftplua --url URL scripts/delete_old.lua [options] DAYS REMOTE_DIR
--
-- Walks REMOTE_DIR and its subfolders and deletes every file whose
-- modification time is more than DAYS days ago (DAYS may be a fraction).
-- Folders and links are left alone. Try it with --dry-run first: it lists
-- what would be deleted and changes nothing. Each file is printed with its
-- date (UTC) and age; a summary follows.
--
-- Times come from the server's listing. A server that lists in its local
-- time instead of UTC needs --time-shift (the server's time minus UTC in
-- hours; ftputil's set_time_shift).
--
-- URL is ftp://user:password@host:port/ (ftpes:// for explicit TLS,
-- ftps:// for implicit TLS); without a password in it, the password comes
-- from $FTPLUA_PASSWORD or ~/.netrc.
--
-- options:
--   -n, --dry-run        list what would be deleted; delete nothing
--   --match PATTERN      only files whose name matches the Lua pattern, e.g. "%.log$"
--   --time-shift HOURS   the server lists times HOURS ahead of UTC
--   --ca-file FILE       trust the certificates in FILE (a TLS server with its own CA)
--   -h, --help           show this text
--
-- Exit status: 0 done, 1 an FTP error, 2 usage.
local ftputil = require("ftputil")

local usage = [[
usage: ftplua scripts/delete_old.lua [-n] [--match PATTERN] [--time-shift HOURS] [--ca-file FILE] URL DAYS REMOTE_DIR
       ftplua --url URL scripts/delete_old.lua [-n] [--match PATTERN] DAYS REMOTE_DIR
]]

local function die(msg) -- a usage error
  io.stderr:write("delete_old: " .. msg .. "\n" .. usage)
  os.exit(2)
end

local function fail(msg)
  io.stderr:write("delete_old: " .. msg .. "\n")
  os.exit(1)
end

local opts, pos = {}, {}
local i = 1
-- the value of an option given as --name VALUE or --name=VALUE
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
  elseif a == "-n" or a == "--dry-run" then
    opts.dry_run = true
  elseif name == "--match" then
    opts.match = value(a, name)
    if not pcall(string.find, "", opts.match) then die("bad pattern " .. opts.match) end
  elseif name == "--time-shift" then
    opts.time_shift = tonumber(value(a, name)) or die("--time-shift needs a number of hours")
  elseif name == "--ca-file" then
    opts.ca_file = value(a, name)
  elseif a == "--" then
    for j = i + 1, #arg do pos[#pos + 1] = arg[j] end
    break
  elseif a:sub(1, 1) == "-" and not tonumber(a) then
    die("unknown option " .. a)
  else
    pos[#pos + 1] = a
  end
  i = i + 1
end

local h = rawget(_G, "host")
if #pos ~= (h and 2 or 3) then die("wrong number of arguments") end
local url = not h and table.remove(pos, 1)
local days = tonumber(pos[1])
if not days or days < 0 then die("DAYS must be a number of days, 0 or more") end
local remote = pos[2]

local own = not h
if own then h = ftputil.connect{url = url, ca_file = opts.ca_file} end
if opts.time_shift then h:set_time_shift(opts.time_shift * 3600) end
if not h.path.isdir(remote) then
  fail(remote .. " is not a remote folder")
end

local now = os.time()
local cutoff = now - days * 86400
local count, bytes, kept = 0, 0, 0
for dir, dirs, files in h:walk(remote) do
  table.sort(dirs)
  table.sort(files)
  for _, name in ipairs(files) do
    local path = h.path.join(dir, name)
    local st = h:lstat(path)
    if st.type == "file" and (not opts.match or name:find(opts.match)) then
      if st.st_mtime < cutoff then
        local age = math.floor((now - st.st_mtime) / 86400)
        local when = os.date("!%Y-%m-%d", st.st_mtime)
        if opts.dry_run then
          print(string.format("would delete %s (%s, %d days old, %d bytes)", path, when, age, st.st_size))
        else
          h:remove(path)
          print(string.format("deleted %s (%s, %d days old, %d bytes)", path, when, age, st.st_size))
        end
        count, bytes = count + 1, bytes + st.st_size
      else
        kept = kept + 1
      end
    end
  end
end
print(string.format("%s %d files (%d bytes) older than %s days; kept %d",
  opts.dry_run and "would delete" or "deleted", count, bytes, tostring(days), kept))
if own then h:close() end
