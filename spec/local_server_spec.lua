-- ftputil.local_server (API.md "Local server"); runs the same whatever SERVER is
local ftputil = require("ftputil")

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

describe("local_server", function()
  it("serves a local folder on loopback", function()
    local dir = tempdir()
    write(dir .. "/a.txt", "A")
    os.execute("mkdir '" .. dir .. "/sub'")
    local srv = ftputil.local_server{ root = dir, user = "u", password = "p" }
    expect(srv.host).to_be("127.0.0.1")
    expect(srv.port).to_be_a("number")
    expect(srv.user).to_be("u")
    expect(srv.password).to_be("p")
    expect(srv.url).to_be("ftp://u:p@127.0.0.1:" .. srv.port .. "/")
    local h = ftputil.connect(srv.url)
    expect(sorted(h:listdir("/"))).to_equal({ "a.txt", "sub" })
    h:close()
    local h2 = srv:connect()
    expect(h2:listdir("sub")).to_equal({})
    h2:close()
    srv:close()
    expect(function() ftputil.connect({ host = "127.0.0.1", port = srv.port, user = "u",
      password = "p", timeout = 5 }) end).to_fail_with("FTPOSError")
  end)

  it("serves over explicit TLS with its own certificate", function()
    local dir = tempdir()
    write(dir .. "/t.txt", "T")
    local srv = ftputil.local_server{ root = dir, tls = true }
    expect(srv.url).to_match("^ftpes://")
    expect(srv.ca_file).to_be_a("string")
    local h = ftputil.connect({ url = srv.url, ca_file = srv.ca_file })
    expect(h:listdir("/")).to_equal({ "t.txt" })
    h:close()
    expect(function() ftputil.connect(srv.url) end).to_fail_with("FTPOSError")
    srv:close()
  end)

  it("makes a temporary root holding the given files when no root is given", function()
    local srv = ftputil.local_server{ files = { ["a.txt"] = "A", ["d/e/f.txt"] = "F", ["empty/"] = "" } }
    local root = srv.root
    expect(root).to_be_a("string")
    local h = srv:connect()
    expect(sorted(h:listdir("/"))).to_equal({ "a.txt", "d", "empty" })
    expect(h:listdir("/d/e")).to_equal({ "f.txt" })
    h:close()
    local f = assert(io.open(root .. "/d/e/f.txt", "rb"))
    expect(f:read("*a")).to_be("F")
    f:close()
    srv:close()
    expect(io.open(root .. "/a.txt", "rb")).to_be_nil() -- removed with the server
  end)

  it("refuses a wrong password and bad options", function()
    local srv = ftputil.local_server{ root = tempdir() }
    expect(function() ftputil.connect({ host = srv.host, port = srv.port, user = srv.user,
      password = "wrong" }) end).to_fail_with("PermanentError", 530)
    expect(function() ftputil.local_server{ root = tempdir(), colour = "red" } end)
      .to_fail_matching("bad argument #1 to 'local_server' %(unknown option 'colour'%)")
    expect(function() ftputil.local_server{ files = { ["../x"] = "" } } end).to_fail_with("FTPOSError")
    expect(function() ftputil.local_server{ root = "/no/such/folder" } end).to_fail_with("FTPOSError")
    srv:close()
  end)
end)
