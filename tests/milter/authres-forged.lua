-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- Incoming Authentication-Results carrying our authserv-id are removed (by per-name index); foreign ones stay.
--conf AuthservID mx.test
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<alice@pass.milter.test>", qid = "FORGED1", headers = {
    { "Authentication-Results", " mx.test; spf=pass smtp.mailfrom=ceo@bank.example" },
    { "From", "alice@pass.milter.test" },
    { "Authentication-Results", " other.example; spf=fail smtp.mailfrom=x@y.example" },
    { "Authentication-Results", " (forged) MX.TEST;\n\tdkim=pass header.d=bank.example" },
    { "Authentication-Results", " mx.test.evil.example; spf=pass" },
  } }
  T.check(r == SMFIR_CONTINUE, "forged A-R: message accepted")
  T.check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"), "forged A-R with our authserv-id removed")
  T.check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"), "our own A-R inserted")
  -- Which ones: the daemon logs each removal with its per-name index.
  local f = io.open(errlog, "r")
  local idx = {}
  for line in f:lines() do
    local n = line:match("FORGED1: removed Authentication%-Results #(%d+)")
    if n then idx[#idx + 1] = tonumber(n) end
  end
  f:close()
  table.sort(idx)
  T.check(#idx == 2 and idx[1] == 1 and idx[2] == 3,
    "removed exactly #1 and #3 (ours, any case, after a comment); foreign #2 and look-alike #4 kept",
    "removed: " .. table.concat(idx, ","))
  mt.disconnect(conn)
end)
