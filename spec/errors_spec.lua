-- error objects and classes (API.md "Errors")
local ftputil = require("ftputil")
local E = ftputil.error

describe("error classes", function()
  it("are ftputil 5.0.4's hierarchy", function()
    local parents = {
      InternalError = "FTPError", RootDirError = "InternalError",
      InaccessibleLoginDirError = "InternalError", TimeShiftError = "InternalError",
      ParserError = "InternalError", CacheMissError = "InternalError",
      NoEncodingError = "InternalError", KeepAliveError = "InternalError",
      FTPOSError = "FTPError", TemporaryError = "FTPOSError", PermanentError = "FTPOSError",
      CommandNotImplementedError = "PermanentError", RecursiveLinksError = "PermanentError",
      SyncError = "PermanentError", FTPIOError = "FTPError",
    }
    expect(E.FTPError.name).to_be("FTPError")
    expect(E.FTPError.parent).to_be_nil()
    for name, parent in pairs(parents) do
      expect(E[name].name).to_be(name)
      expect(E[name].parent).to_be(parent)
      expect(tostring(E[name])).to_be(name)
    end
  end)
end)

describe("an error object", function()
  it("carries class, code, message, command and path", function()
    local h = connect()
    local ok, err = pcall(h.chdir, h, "no-such-dir")
    expect(ok).to_be_false()
    expect(err.class).to_be("PermanentError")
    expect(err.code).to_be(550)
    expect(err.message).to_match("^550 ")
    expect(err.command).to_be("CWD /no-such-dir")
    expect(err.path).to_be("/no-such-dir")
    expect(tostring(err)).to_match("^PermanentError: 550 ")
    expect(tostring(err)).to_contain("/no-such-dir")
    h:close()
  end)

  it("of a refused transfer names the transfer command", function()
    local h = connect()
    local dir = scratch()
    local err = expect(function() h:download("sample/missing.txt", tempdir() .. "/x") end).to_fail_with("FTPIOError", 550)
    expect(err.command).to_be("RETR missing.txt")
    expect(err.path).to_be("/sample/missing.txt")
    err = expect(function() h:open("sample/no-such-dir/x.txt", "w") end).to_fail_with("FTPIOError", 550)
    expect(err.command).to_be("CWD /sample/no-such-dir")
    expect(err.path).to_be("/sample/no-such-dir")
    h:close()
  end)

  it("answers is() for its class and the classes above it", function()
    local h = connect()
    local _, err = pcall(h.listdir, h, "no-such-dir")
    expect(err:is("PermanentError")).to_be_true()
    expect(err:is("FTPOSError")).to_be_true()
    expect(err:is("FTPError")).to_be_true()
    expect(err:is("OSError")).to_be_true()
    expect(err:is(E.PermanentError)).to_be_true()
    expect(err:is("TemporaryError")).to_be_false()
    expect(err:is("CommandNotImplementedError")).to_be_false()
    expect(err:is("InternalError")).to_be_false()
    expect(err:is("FTPIOError")).to_be_false()
    expect(E.PermanentError:is(err)).to_be_true()
    expect(E.FTPOSError:is(err)).to_be_true()
    expect(E.InternalError:is(err)).to_be_false()
    expect(E.FTPError:is("not an error")).to_be_false()
    expect(E.FTPError:is(nil)).to_be_false()
    h:close()
  end)

  it("treats FTPIOError as an OSError but not an FTPOSError", function()
    local h = connect()
    local _, err = pcall(h.listdir, h, "")
    expect(err.class).to_be("FTPIOError")
    expect(err:is("OSError")).to_be_true()
    expect(err:is("FTPOSError")).to_be_false()
    expect(err.code).to_be_nil()
    h:close()
  end)

  it("refuses a bad class argument", function()
    local h = connect()
    local _, err = pcall(h.listdir, h, "")
    expect(function() err:is(42) end).to_fail_matching("bad argument #1 to 'is'")
    h:close()
  end)
end)
