-- host:sync_plan, host:apply, ftputil.Syncer (API.md "Beyond ftputil")
local ftputil = require("ftputil")

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function ops(plan)
  local out = {}
  for _, a in ipairs(plan) do table.insert(out, a.op .. " " .. a.path) end
  return out
end

describe("sync_plan and apply", function()
  it("say which times decided a download, and ask the exact time where the listing leaves it open", function()
    local h = connect()
    local d = scratch()
    fixture(d .. "/f.txt", "F")
    -- the remote time three days back, at hh:mm:30, so that the listing's
    -- minute leaves the comparisons below open (not decided by it alone)
    local back = 3 * 86400 + (os.time() - 3 * 86400 - 30) % 60
    age(d .. "/f.txt", back)
    local dst = tempdir() .. "/copy"
    ftputil.localfs.makedirs(dst)
    h:download(d .. "/f.txt", dst .. "/f.txt")
    -- the copy a week older: newer by the listing alone
    age(dst .. "/f.txt", 10 * 86400)
    local plan = h:sync_plan{ src = d, dst = dst, direction = "down" }
    expect(ops(plan)).to_equal({ "download f.txt" })
    expect(plan[1].reason).to_match("^source newer: %d+%-%d+%-%d+ %d+:%d+:%d+Z vs %d+%-%d+%-%d+ %d+:%d+:%d+Z %(precision %d+ s%)$")
    -- the copy 20 s newer, within the listing's precision: the exact
    -- remote time (MDTM) says the copy is up to date
    age(dst .. "/f.txt", back - 20)
    expect(#h:sync_plan{ src = d, dst = dst, direction = "down" }).to_be(0)
    -- the copy half a second older: within 1 s of the exact time, which
    -- the reason shows (ftputil's rule: in doubt, transfer)
    age(dst .. "/f.txt", back + 0.5)
    plan = h:sync_plan{ src = d, dst = dst, direction = "down" }
    expect(ops(plan)).to_equal({ "download f.txt" })
    local r = plan[1].reason
    expect(r:match("^source newer: .+ %(precision 1 s%)$") ~= nil or
           r:match("^source may be newer: .+, within the precision of 1 s$") ~= nil).to_be_true()
    h:close()
  end)

  it("plan a download as data, dry-run it, filter it, run it", function()
    local h = connect()
    local d = scratch()
    fixture(d .. "/a.txt", "A")
    h:mkdir(d .. "/sub")
    fixture(d .. "/sub/b.txt", "BB")
    fixture(d .. "/sub/skip.log", "L")
    age(d .. "/a.txt", 30)
    age(d .. "/sub/b.txt", 30)
    local dst = tempdir() .. "/copy"
    local plan = h:sync_plan{ src = d, dst = dst, direction = "down", exclude = "*.log" }
    expect(ops(plan)).to_equal({ "mkdir .", "mkdir sub", "download a.txt", "download sub/b.txt" })
    expect(plan[3].size).to_be(1)
    expect(plan[3].reason).to_be("missing in the target")
    expect(plan[3].src).to_be(d .. "/a.txt")
    expect(plan[3].remote).to_be_false()
    local sum = h:apply(plan, { dry_run = true })
    expect(sum.downloads).to_be(2)
    expect(sum.dry_run).to_be_true()
    expect(slurp(dst .. "/a.txt")).to_be_nil()
    -- a script may drop actions: here, sub/b.txt
    table.remove(plan, 4)
    sum = h:apply(plan, { parallel = 2 })
    expect(sum.downloads).to_be(1)
    expect(sum.mkdirs).to_be(2)
    expect(sum.bytes).to_be(1)
    expect(slurp(dst .. "/a.txt")).to_be("A")
    expect(slurp(dst .. "/sub/b.txt")).to_be_nil()
    h.stat_cache:clear()
    expect(ops(h:sync_plan{ src = d, dst = dst, direction = "down", exclude = { "*.log" } }))
      .to_equal({ "download sub/b.txt" })
    h:close()
  end)

  it("plan an upload with deletions, refused over max_delete", function()
    local h = connect()
    local d = scratch()
    local src = tempdir()
    local f = assert(io.open(src .. "/new.txt", "wb")); f:write("N"); f:close()
    age(src .. "/new.txt", 30)
    fixture(d .. "/stale1.txt", "1")
    fixture(d .. "/stale2.txt", "2")
    local plan = h:sync_plan{ src = src, dst = d, direction = "up", delete = true }
    expect(ops(plan)).to_equal({ "upload new.txt", "delete stale1.txt", "delete stale2.txt" })
    expect(plan[1].remote).to_be_true()
    local err = expect(function() h:apply(plan, { max_delete = 1 }) end).to_fail_with("SyncError")
    expect(err.message).to_be("the plan deletes 2 entries, more than max_delete 1")
    expect(h.path.exists(d .. "/stale1.txt")).to_be_true()
    local sum = h:apply(plan, { max_delete = 2 })
    expect(sum.uploads).to_be(1)
    expect(sum.deletes).to_be(2)
    expect(h:listdir(d)).to_equal({ "new.txt" })
    expect(function() h:sync_plan{ src = src, dst = d } end)
      .to_fail_matching("option 'direction' must be \"down\" or \"up\"")
    expect(function() h:apply(plan, { parallel = 0 }) end).to_fail_matching("option 'parallel'")
    h:close()
  end)
end)

describe("Syncer", function()
  it("copies a remote tree to the local file system, as ftputil.sync does", function()
    local h = connect()
    local dst = tempdir() .. "/tree"
    local s = ftputil.Syncer(h, ftputil.LocalHost())
    s:sync("/sample/subdir", dst)
    expect(slurp(dst .. "/inner.txt")).to_be("inner\n")
    expect(function() ftputil.Syncer(h, h) end).to_fail_matching("one side must be a host")
    h:close()
  end)
end)
