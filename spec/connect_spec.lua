-- ftputil.connect, ftputil.FTPHost, ftputil.session (API.md "Connecting")
local ftputil = require("ftputil")

local function url_opts()
  -- URL plus what a URL cannot say (the CA of our test servers)
  if SERVER.tls then return { url = SERVER.url, ca_file = SERVER.ca_file } end
  return SERVER.url
end

describe("connect", function()
  it("opens a host from an option table in the login directory", function()
    local h = connect()
    expect(h:getcwd()).to_be("/")
    expect(h.closed).to_be_false()
    h:close()
    expect(h.closed).to_be_true()
    h:close() -- idempotent
  end)

  it("opens a host from a URL", function()
    local h = ftputil.connect(url_opts())
    expect(h:getcwd()).to_be("/")
    expect(sorted(h:listdir("sample"))).to_contain("file.txt")
    h:close()
  end)

  it("changes to the directory a URL names", function()
    local o = url_opts()
    if type(o) == "table" then o.url = o.url .. "sample/subdir" else o = o .. "sample/subdir" end
    local h = ftputil.connect(o)
    expect(h:getcwd()).to_be("/sample/subdir")
    expect(h:listdir(".")).to_equal({ "inner.txt" })
    h:close()
  end)

  it("takes ftputil's positional FTPHost(server, user, password, opts)", function()
    local o = { port = SERVER.port, timeout = 20 }
    if SERVER.tls then o.tls = "explicit"; o.ca_file = SERVER.ca_file end
    local h = ftputil.FTPHost(SERVER.host, SERVER.user, SERVER.password, o)
    expect(h:getcwd()).to_be("/")
    h:close()
  end)

  it("shows user, host, port and state in tostring, never the password", function()
    local h = connect()
    local s = tostring(h)
    expect(s).to_be(string.format("FTPHost(%s@%s:%d, open)", SERVER.user, SERVER.host, SERVER.port))
    h:close()
    expect(tostring(h)).to_be(string.format("FTPHost(%s@%s:%d, closed)", SERVER.user, SERVER.host, SERVER.port))
  end)

  it("works in active mode (passive=false)", function()
    local h = connect({ passive = false })
    expect(sorted(h:listdir("sample"))).to_equal({ ".hidden", "broken", "café.txt", "dirlink",
      "file.txt", "link", "old.txt", "olddir", "subdir", "with space.txt" })
    h:close()
  end)

  it("hands the dialogue to a debug function with the password masked", function()
    local lines = {}
    local h = connect({ debug = function(line) table.insert(lines, line) end })
    h:listdir("sample")
    h:close()
    local all = table.concat(lines, "\n")
    expect(all).to_contain("> USER " .. SERVER.user)
    expect(all).to_contain("> PASS ****")
    for _, l in ipairs(lines) do
      if l:find("^> PASS") then expect(l).to_be("> PASS ****") end
    end
    expect(all).to_contain("> CWD /sample")
    expect(all).to_match("\n< 2%d%d ")
  end)
end)

describe("connect failures", function()
  it("raises PermanentError 530 for a wrong password and never shows it", function()
    local lines = {}
    local err = expect(function()
      connect({ password = "Wr0ng-s3cret", debug = function(l) table.insert(lines, l) end })
    end).to_fail_with("PermanentError", 530)
    expect(table.concat(lines, "\n")).to_contain("> PASS ****")
    expect(table.concat(lines, "\n")).not_to_contain("Wr0ng-s3cret")
    expect(err.class).to_be("PermanentError")
    expect(tostring(err)).not_to_contain("Wr0ng-s3cret")
    expect(err.message).not_to_contain("Wr0ng-s3cret")
    expect(err.command or "").not_to_contain("Wr0ng-s3cret")
  end)

  it("raises FTPOSError without a code for a refused connection", function()
    local err = expect(function()
      ftputil.connect("ftp://u:s3cret-pw@127.0.0.1:1/")
    end).to_fail_with("FTPOSError")
    expect(err.code).to_be_nil()
    expect(err.class).to_be("FTPOSError")
    expect(tostring(err)).to_contain("refused")
    expect(tostring(err)).not_to_contain("s3cret-pw")
  end)

  it("refuses bad arguments naming them", function()
    expect(function() ftputil.connect(42) end)
      .to_fail_matching("bad argument #1 to 'connect' %(URL string or option table expected, got number%)")
    expect(function() ftputil.connect({ host = "x", bogus = 1 }) end)
      .to_fail_matching("bad argument #1 to 'connect' %(unknown option 'bogus'%)")
    expect(function() ftputil.connect({ port = 21 }) end)
      .to_fail_matching("option 'host' is required")
    expect(function() ftputil.connect({ host = "x", port = "21" }) end)
      .to_fail_matching("option 'port': number expected, got string")
    expect(function() ftputil.connect({ host = "x", tls = "sometimes" }) end)
      .to_fail_matching("option 'tls'")
    local e = expect(function() ftputil.connect("http://u:s3cret@h/") end)
      .to_fail_matching("scheme must be ftp, ftps or ftpes")
    expect(e).not_to_contain("s3cret")
  end)

  if SERVER.tls then
    it("verifies the certificate: without the CA it fails", function()
      local o = { host = SERVER.host, port = SERVER.port, user = SERVER.user,
                  password = SERVER.password, tls = "explicit", timeout = 20 }
      local err = expect(function() ftputil.connect(o) end).to_fail_with("FTPOSError")
      expect(err.message).to_match("certificate")
      o.tls_verify = false
      local h = ftputil.connect(o)
      expect(h:getcwd()).to_be("/")
      h:close()
    end)
  end
end)

describe("session", function()
  it("calls fn with an open host, closes it and returns fn's results", function()
    local keep
    local a, b = ftputil.session(url_opts(), function(h)
      keep = h
      return h:getcwd(), #h:listdir("sample")
    end)
    expect(a).to_be("/")
    expect(b).to_be(10)
    expect(keep.closed).to_be_true()
  end)

  it("closes the host and re-raises when fn fails", function()
    local keep
    local err = expect(function()
      ftputil.session(url_opts(), function(h)
        keep = h
        h:chdir("no-such-dir")
      end)
    end).to_fail_with("PermanentError", 550)
    expect(keep.closed).to_be_true()
    expect(err.path).to_be("/no-such-dir")
  end)
end)
