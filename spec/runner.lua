-- The spec DSL: describe / it / expect, loaded before each spec file.
-- The Go driver (spec_test.go) runs every `it` as a subtest.
local tests = {}
local prefix = {}

function describe(name, fn)
  table.insert(prefix, name)
  fn()
  table.remove(prefix)
end

function it(name, fn)
  local full = table.concat(prefix, " ")
  if full ~= "" then full = full .. " " end
  table.insert(tests, { name = full .. name, fn = fn })
end

function _spec_tests() return tests end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" and getmetatable(v) == nil then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = show(x) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

local function deep_equal(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not deep_equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function fail(msg) error(msg, 3) end

function expect(v)
  local e = {}
  function e.to_be(want)
    if v ~= want then fail("expected " .. show(want) .. ", got " .. show(v)) end
  end
  function e.to_equal(want)
    if not deep_equal(v, want) then fail("expected " .. show(want) .. ", got " .. show(v)) end
  end
  function e.to_be_true() if v ~= true then fail("expected true, got " .. show(v)) end end
  function e.to_be_false() if v ~= false then fail("expected false, got " .. show(v)) end end
  function e.to_be_nil() if v ~= nil then fail("expected nil, got " .. show(v)) end end
  function e.to_be_a(typ)
    if type(v) ~= typ then fail("expected a " .. typ .. ", got " .. show(v)) end
  end
  function e.to_contain(x)
    if type(v) == "string" then
      if not string.find(v, x, 1, true) then fail(show(v) .. " does not contain " .. show(x)) end
      return
    end
    for _, y in ipairs(v) do if y == x then return end end
    fail(show(v) .. " does not contain " .. show(x))
  end
  function e.not_to_contain(x)
    if type(v) == "string" then
      if string.find(v, x, 1, true) then fail(show(v) .. " contains " .. show(x)) end
      return
    end
    for _, y in ipairs(v) do if y == x then fail(show(v) .. " contains " .. show(x)) end end
  end
  function e.to_match(pat)
    if type(v) ~= "string" or not string.find(v, pat) then
      fail(show(v) .. " does not match " .. show(pat))
    end
  end
  -- expect(fn).to_fail_with("PermanentError", 550): fn raises an error
  -- object of that class (or a subclass) and, if given, that code. Returns
  -- the error object.
  function e.to_fail_with(class, code)
    local ok, err = pcall(v)
    if ok then fail("expected a " .. class .. " error, but the call succeeded") end
    if type(err) ~= "table" or not err.is then
      fail("expected a " .. class .. " error object, got " .. show(err))
    end
    if not err:is(class) then fail("expected a " .. class .. ", got " .. tostring(err)) end
    if code ~= nil and err.code ~= code then
      fail("expected code " .. show(code) .. ", got " .. show(err.code) .. " in " .. tostring(err))
    end
    return err
  end
  -- expect(fn).to_fail_matching(pattern): fn raises a plain Lua error
  -- (a string) that matches pattern.
  function e.to_fail_matching(pat)
    local ok, err = pcall(v)
    if ok then fail("expected an error matching " .. show(pat) .. ", but the call succeeded") end
    if type(err) ~= "string" then fail("expected a string error, got " .. tostring(err)) end
    if not string.find(err, pat) then fail(show(err) .. " does not match " .. show(pat)) end
    return err
  end
  return e
end

-- sorted copy of an array, for comparing listings in server order
function sorted(t)
  local c = {}
  for i, x in ipairs(t) do c[i] = x end
  table.sort(c)
  return c
end
