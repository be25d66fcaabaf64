-- SPDX-License-Identifier: BSD-2-Clause
-- milter-lib.lua - helpers for the spam-folder miltertest scripts (tests/milter/spam-*.lua): count the
-- copies in the spam folder and the lines of the spam log.
--
-- Globals: those of lib.lua, plus optionally spamdir (the SpamFolder) and
-- spamlog; by default they are "spam" and "spam.log" beside declog, which is
-- where the scripts' "--conf ... @DIR@/spam" lines put them.
S = {}

local function dir_of(p) return p:match("^(.*)/[^/]*$") or "." end

function S.folder() return spamdir or (dir_of(declog) .. "/spam") end
function S.logfile() return spamlog or (dir_of(declog) .. "/spam.log") end

-- Number of files in SpamFolder/new (0 when it does not exist).
function S.copies()
  local p = io.popen("ls -1 '" .. S.folder() .. "/new' 2>/dev/null | wc -l")
  local n = tonumber(p:read("*a")) or -1
  p:close()
  return n
end

-- The newest copy's path, or nil.
function S.newest()
  local p = io.popen("ls -1t '" .. S.folder() .. "/new' 2>/dev/null | head -1")
  local name = p:read("*l")
  p:close()
  if name == nil or name == "" then return nil end
  return S.folder() .. "/new/" .. name
end

function S.read(path)
  local f = io.open(path, "rb")
  if f == nil then return "" end
  local s = f:read("*a")
  f:close()
  return s
end

-- Lines in the spam log, and the last one.
function S.loglines()
  local n, last = 0, ""
  local f = io.open(S.logfile(), "r")
  if f == nil then return 0, "" end
  for line in f:lines() do n = n + 1; last = line end
  f:close()
  return n, last
end
