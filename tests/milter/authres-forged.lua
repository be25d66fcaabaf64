-- SPDX-License-Identifier: BSD-2-Clause
--plan 10
-- Incoming Authentication-Results carrying our authserv-id are removed (by per-name index), however many and however quoted; foreign ones stay.
--conf AuthservID mx.test
dofile(libdir .. "/lib.lua")
T.run(function()
  -- The indexes the daemon's one log line for qid lists as removed.
  local function removed(qid)
    local f = io.open(errlog, "r")
    local n, idx = nil, {}
    for line in f:lines() do
      local c, list = line:match(qid .. ": removed (%d+) forged Authentication%-Results claiming our authserv%-id [^:]*:(.*)$")
      if c then
        n = tonumber(c)
        for i in list:gmatch("#(%d+)") do idx[#idx + 1] = tonumber(i) end
      end
    end
    f:close()
    return n or 0, idx
  end
  local conn, r = T.message{ from = "<alice@pass.milter.test>", qid = "FORGED1", headers = {
    { "Authentication-Results", " mx.test; spf=pass smtp.mailfrom=ceo@bank.example" },
    { "From", "alice@pass.milter.test" },
    { "Authentication-Results", " other.example; spf=fail smtp.mailfrom=x@y.example" },
    { "Authentication-Results", " (forged) MX.TEST;\n\tdkim=pass header.d=bank.example" },
    { "Authentication-Results", " mx.test.evil.example; spf=pass" },
    { "Authentication-Results", " \"mx.test\"; dkim=pass header.d=bank.example" },
    { "Authentication-Results", " (c1 (nested)) \"MX.\\test\" 1; spf=pass" },
    { "Authentication-Results", " \"mx.test.evil.example\"; spf=pass" },
  } }
  T.check(r == SMFIR_CONTINUE, "forged A-R: message accepted")
  T.check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"), "forged A-R with our authserv-id removed")
  T.check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"), "our own A-R inserted")
  local n, idx = removed("FORGED1")
  table.sort(idx)
  T.check(n == 4 and table.concat(idx, ",") == "1,3,5,6",
    "removed exactly #1, #3 (any case, after a comment), #5 (\"mx.test\" quoted), #6 (quoted with an escape, after nested comments); foreign #2, #4, #7 kept",
    "removed " .. n .. ": " .. table.concat(idx, ","))
  mt.disconnect(conn)

  -- More than any fixed table: every one goes.
  for _, count in ipairs({ 65, 200 }) do
    local hdrs = { { "From", "alice@pass.milter.test" } }
    for i = 1, count do
      hdrs[#hdrs + 1] = { "Authentication-Results", string.format(" mx.test; dkim=pass header.d=bank%d.example", i) }
    end
    hdrs[#hdrs + 1] = { "Authentication-Results", " other.example; spf=pass" }
    local qid = "FORGED" .. count
    conn, r = T.message{ from = "<alice@pass.milter.test>", qid = qid, headers = hdrs }
    T.check(r == SMFIR_CONTINUE, count .. " forged A-R: message accepted")
    T.check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"), count .. " forged A-R: deletions sent to the MTA")
    n = removed(qid)
    T.check(n == count, count .. " forged A-R with our authserv-id: all " .. count .. " removed", "removed " .. n)
    mt.disconnect(conn)
  end
end)
