-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- SPF identity header-from without a From: header falls back to MAIL FROM (reported as smtp.mailfrom).
--conf SPFIdentity header-from
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<carol@pass.milter.test>",
    headers = { { "To", "x@dest.example" }, { "Subject", "no from" } } }
  T.check(r == SMFIR_CONTINUE, "no From: message accepted")
  local ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("spf=pass smtp.mailfrom=carol@pass.milter.test", 1, true) ~= nil,
    "no From: falls back to MAIL FROM, A-R says smtp.mailfrom", tostring(ar))
  T.expect("identity", "mailfrom", "no From: decision identity=mailfrom")
  mt.disconnect(conn)

  -- Only a missing From: falls back; one without an address is bad-from (from-unusable.lua).
  conn, r = T.message{ from = "<carol@pass.milter.test>", headers = { { "From", "undisclosed-recipients:;" } } }
  T.expect("reason", "bad-from", "From: without an address does not fall back to MAIL FROM (reason=bad-from)")
  mt.disconnect(conn)
end)
