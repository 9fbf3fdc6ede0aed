-- host:stat, lstat, host.path queries, walk, stat_cache (API.md "Host methods", "Path", "Stat results", "Stat cache")
local ftputil = require("ftputil")

describe("stat and lstat", function()
  it("give ftputil's stat tables", function()
    local h = connect()
    local st = h:lstat("sample/file.txt")
    expect(st.st_mode).to_be(tonumber("100644", 8))
    expect(st.st_size).to_be(6)
    expect(st.type).to_be("file")
    expect(st.name).to_be("file.txt")
    expect(st._st_name).to_be("file.txt")
    expect(st.mtime_precision).to_be(60)
    expect(st._st_mtime_precision).to_be(60)
    expect(st.st_ino).to_be_nil()
    expect(st.st_atime).to_be_nil()
    expect(st[1]).to_be(st.st_mode)
    expect(st[7]).to_be(6)
    expect(st[9]).to_be(st.st_mtime)
    expect(type(st.st_uid)).to_be("string")
    local old = h:stat("sample/old.txt")
    expect(old.st_mtime).to_be(1425427200) -- 2015-03-04 00:00 UTC: a date without time
    expect(old.mtime_precision).to_be(86400)
    h:close()
  end)

  it("follow links with stat and not with lstat", function()
    local h = connect()
    local l = h:lstat("sample/link")
    expect(l.type).to_be("link")
    expect(l.target).to_be("file.txt")
    expect(l._st_target).to_be("file.txt")
    expect(h:stat("sample/link").type).to_be("file")
    expect(h:stat("sample/dirlink").type).to_be("directory")
    local err = expect(function() h:stat("sample/broken") end).to_fail_with("PermanentError", 550)
    expect(err.message).to_be("550 /sample/missing: no such file or directory")
    expect(h:lstat("sample/broken").type).to_be("link")
    h:close()
  end)

  it("answer for the root directory", function()
    local h = connect()
    expect(h:stat("/").type).to_be("directory")
    expect(h:lstat("/").type).to_be("directory")
    h:close()
  end)

  it("raise PermanentError 550 for a missing path", function()
    local h = connect()
    local err = expect(function() h:stat("sample/nothing") end).to_fail_with("PermanentError", 550)
    expect(err.message).to_be("550 /sample/nothing: no such file or directory")
    expect(err.path).to_be("/sample/nothing")
    expect(function() h:lstat("nothing/deeper") end).to_fail_with("PermanentError", 550)
    h:close()
  end)
end)

describe("host.path queries", function()
  it("follow os.path's rules, like ftputil's matrix", function()
    local h = connect()
    local p = h.path
    local cases = {
      { "/", true, true, false, false },
      { "sample", true, true, false, false },
      { "sample/file.txt", true, false, true, false },
      { "sample/link", true, false, true, true },
      { "sample/broken", true, false, false, true },
      { "sample/dirlink", true, true, false, true },
      { "sample/nothing", false, false, false, false },
      { "/nothing/nothing", false, false, false, false },
      { "", false, false, false, false },
      { ".", true, true, false, false },
    }
    for _, c in ipairs(cases) do
      local got = { p.exists(c[1]), p.isdir(c[1]), p.isfile(c[1]), p.islink(c[1]) }
      expect(table.concat({ c[1], tostring(got[1]), tostring(got[2]), tostring(got[3]), tostring(got[4]) }, " "))
        .to_be(table.concat({ c[1], tostring(c[2]), tostring(c[3]), tostring(c[4]), tostring(c[5]) }, " "))
    end
    expect(p.getsize("sample/link")).to_be(6)
    expect(p.getmtime("sample/old.txt")).to_be(1425427200)
    expect(function() p.getsize("sample/nothing") end).to_fail_with("PermanentError", 550)
    expect(function() p.isdir(7) end).to_fail_matching("bad argument #1 to 'isdir' %(string expected, got number%)")
    h:close()
  end)
end)

describe("walk", function()
  it("iterates dirpath, dirnames, filenames top-down", function()
    local h = connect()
    local seen = {}
    for dirpath, dirnames, filenames in h:walk("sample") do
      table.insert(seen, dirpath .. " " .. table.concat(sorted(dirnames), ",") .. " " .. #filenames)
    end
    expect(seen).to_equal({ "sample dirlink,olddir,subdir 7", "sample/olddir  0", "sample/subdir  1" })
    h:close()
  end)

  it("prunes when names are removed from dirnames", function()
    local h = connect()
    local seen = {}
    for dirpath, dirnames in h:walk("sample") do
      table.insert(seen, dirpath)
      for i = #dirnames, 1, -1 do
        if dirnames[i] ~= "subdir" then table.remove(dirnames, i) end
      end
    end
    expect(seen).to_equal({ "sample", "sample/subdir" })
    h:close()
  end)

  it("walks bottom-up, follows links when asked, and reports errors to onerror", function()
    local h = connect()
    local order = {}
    for dirpath in h:walk("sample", { topdown = false }) do table.insert(order, dirpath) end
    expect(order[#order]).to_be("sample")
    local n = 0
    for _ in h:walk("sample", { followlinks = true }) do n = n + 1 end
    expect(n).to_be(4)
    local errs = {}
    for _ in h:walk("no-such", { onerror = function(e) table.insert(errs, e) end }) do n = n + 1 end
    expect(#errs).to_be(1)
    expect(errs[1]:is("PermanentError")).to_be_true()
    expect(function() for _ in h:walk("no-such", { onerror = function(e) error("stop: " .. e.class) end }) do end end)
      .to_fail_matching("stop: PermanentError")
    expect(#h:listdir("sample")).to_be(10) -- still usable
    expect(function() h:walk("sample", { depth = 2 }) end).to_fail_matching("unknown option 'depth'")
    h:close()
  end)
end)

describe("stat_cache", function()
  it("answers from one listing and can be cleared, disabled and resized", function()
    local lines = {}
    local h = connect({ debug = function(l) table.insert(lines, l) end })
    local c = h.stat_cache
    expect(c.enabled).to_be_true()
    expect(c:size()).to_be(5000)
    h:listdir("sample")
    expect(c:count()).to_be(10)
    expect(#c).to_be(10)
    local before = #lines
    for _, name in ipairs(h:listdir("sample")) do h:lstat("sample/" .. name) end
    local lists = 0
    for i = before + 1, #lines do if lines[i]:find("^> LIST") then lists = lists + 1 end end
    expect(lists).to_be(1) -- the listdir itself; no stat sent anything
    c:invalidate("sample/file.txt")
    expect(c:count()).to_be(9)
    c:clear()
    expect(c:count()).to_be(0)
    c:disable()
    expect(c.enabled).to_be_false()
    h:lstat("sample/file.txt")
    expect(c:count()).to_be(0)
    c:enable()
    c:resize(3)
    expect(c:size()).to_be(3)
    h:listdir("sample") -- 12 raw lines: the cache grows to hold them
    expect(c:size() >= 11).to_be_true()
    expect(c.max_age).to_be_nil()
    c.max_age = 60
    expect(c.max_age).to_be(60)
    c.max_age = nil
    expect(c.max_age).to_be_nil()
    expect(function() c:resize(0) end).to_fail_matching("bad argument #1 to 'resize'")
    h:close()
  end)
end)

describe("parsers", function()
  it("parse lines from Lua and can be replaced by a Lua parser", function()
    local P = ftputil.parser
    local st = P.unix():parse_line("-rw-r--r--   1 45854    200          4604 Dec 19  2020 index.html")
    expect(st.st_size).to_be(4604)
    expect(st.name).to_be("index.html")
    expect(st.st_uid).to_be("45854")
    expect(P.unix():ignores_line("total 14")).to_be_true()
    expect(function() P.unix():parse_line("garbage") end).to_fail_with("ParserError")
    expect(P.parse_unix_mode("drwxr-xr-x")).to_be(tonumber("40755", 8))
    local ms = P.ms():parse_line("07-17-00  02:08PM             12266720 test.exe")
    expect(ms.st_size).to_be(12266720)
    local t, prec = P.parse_unix_time("Mar", "4", "2015")
    expect(t).to_be(1425427200)
    expect(prec).to_be(86400)
    local h = connect()
    local calls = 0
    h:set_parser({
      ignores_line = function(line) return P.unix():ignores_line(line) end,
      parse_line = function(line, ts)
        calls = calls + 1
        local s = P.unix():parse_line(line, ts)
        s.st_size = 42
        return s
      end,
    })
    expect(h:stat("sample/file.txt").st_size).to_be(42)
    expect(calls > 0).to_be_true()
    h:set_parser({ ignores_line = function() return false end,
                   parse_line = function() error("parser broke") end })
    expect(function() h:listdir("sample") end).to_fail_matching("parser broke")
    h:set_parser(P.unix())
    expect(#h:listdir("sample")).to_be(10) -- the host is still usable
    h:close()
  end)

  it("switch to MLSD with set_parser(ftputil.parser.mlsd()) and back to LIST with another parser", function()
    local sent = {}
    local h = connect{ debug = function(line)
      local verb = line:match("> (%u+)")
      if verb then sent[verb] = (sent[verb] or 0) + 1 end
    end }
    expect(h:stat("sample/file.txt").mtime_precision > 1).to_be_true()
    h:set_parser(ftputil.parser.mlsd())
    sent = {}
    if SERVER.kind == "vsftpd" then -- no MLSD: the server says so
      expect(function() h:listdir("sample") end).to_fail_with("PermanentError", 500)
    else
      -- servers differ on links in MLSD (servers.md): count the rest
      local names = {}
      for _, name in ipairs(h:listdir("sample")) do names[name] = true end
      for _, name in ipairs{".hidden", "café.txt", "file.txt", "old.txt", "olddir", "subdir", "with space.txt"} do
        expect(names[name]).to_be(true)
      end
      expect(h:stat("sample/file.txt").mtime_precision).to_be(1)
      expect(sent.LIST).to_be(nil)
    end
    expect(sent.MLSD).to_be(1)
    h:set_parser(ftputil.parser.unix())
    sent = {}
    expect(#h:listdir("sample")).to_be(10)
    expect(h:stat("sample/file.txt").mtime_precision > 1).to_be_true()
    expect(sent.LIST).to_be(1)
    expect(sent.MLSD).to_be(nil)
    h:close()
  end)
end)
