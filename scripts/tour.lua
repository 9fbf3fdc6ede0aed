-- tour.lua: a first look at ftplua, against a built-in FTP server.
--
-- usage: ftplua scripts/tour.lua [URL]
--
-- Without a URL the tour starts an FTP server inside ftplua, on 127.0.0.1,
-- over a temporary folder holding a few files, and explores it. With a URL
-- (ftp://user:password@host/dir, ftpes:// for explicit TLS) it explores
-- your own server instead, read-only.
local ftputil = require("ftputil")

local url = arg[1]
local server
if not url then
  server = ftputil.local_server{
    files = {
      ["README.txt"] = "Welcome to the ftplua tour.\n",
      ["pub/report 2026.csv"] = "month,visits\nJan,10\nFeb,12\n",
      ["pub/images/logo.png"] = "\137PNG...",
      ["pub/images/photo.jpg"] = "JFIF...",
      ["incoming/"] = "",
    },
  }
  url = server.url
  print("Started a local FTP server on " .. server.host .. ":" .. server.port ..
        " over " .. server.root)
end

-- ftputil.session opens a host, runs the function and always closes it.
ftputil.session(url, function(host)
  print("Connected: " .. tostring(host))
  print("Login directory: " .. host:getcwd())

  -- listdir returns a Lua array of names, in the server's order.
  local names = host:listdir(".")
  table.sort(names)
  print("In " .. host:getcwd() .. ": " .. table.concat(names, ", "))

  -- Navigate like a local file system; host.path works like os.path.
  -- (the first directory that is not empty)
  local first_dir
  for _, name in ipairs(names) do
    if pcall(host.chdir, host, name) then
      if #host:listdir(".") > 0 then first_dir = name; break end
      host:chdir("..")
    end
  end
  if first_dir then
    print("chdir(" .. string.format("%q", first_dir) .. ") -> " .. host:getcwd())
    for _, name in ipairs(host:listdir(".")) do
      print("  " .. host.path.join(host:getcwd(), name))
    end
    host:chdir(host.pardir)
  end
  local root, ext = host.path.splitext("pub/report 2026.csv")
  print("splitext: " .. root .. " | " .. ext)

  -- Failures are error objects: catch them with pcall and look inside.
  local ok, err = pcall(host.listdir, host, "no/such/dir")
  print("listdir of a missing directory: " .. tostring(err))
  print(string.format("  class=%s code=%s is PermanentError: %s", err.class,
    tostring(err.code), tostring(err:is("PermanentError"))))
end)

if server then server:close() end
print("Done. Next: point a script at your own server with ftputil.connect(\"ftp://user@host/\").")
