-- SPDX-License-Identifier: BSD-2-Clause
--plan 7
-- Received-SPF and Authentication-Results are inserted at the top of the header (index 0), with our authserv-id.
--conf AuthservID mx.test
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<alice@pass.milter.test>", helo = "mx.pass.milter.test" }
  T.check(r == SMFIR_CONTINUE, "headers: accepted")
  local ar = T.header(conn, "Authentication-Results")
  local rs = T.header(conn, "Received-SPF")
  T.check(ar ~= nil and mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results", ar, 0),
    "Authentication-Results inserted at index 0 (top)", tostring(ar))
  T.check(rs ~= nil and mt.eom_check(conn, MT_HDRINSERT, "Received-SPF", rs, 0),
    "Received-SPF inserted at index 0 (top)", tostring(rs))
  T.check(not mt.eom_check(conn, MT_HDRADD), "nothing appended at the bottom")
  T.check(ar:sub(1, 10) == " mx.test; ", "A-R starts with the configured authserv-id mx.test", ar)
  T.check(ar:find("dkim=none", 1, true) ~= nil, "A-R carries the DKIM result (dkim=none for an unsigned message)", ar)
  T.check(rs:find("^ pass %(") ~= nil and rs:find("client-ip=192.0.2.10;", 1, true) ~= nil
    and rs:find("envelope-from=alice@pass.milter.test;", 1, true) ~= nil
    and rs:find("helo=mx.pass.milter.test;", 1, true) ~= nil
    and rs:find("identity=mailfrom;", 1, true) ~= nil,
    "Received-SPF: pass (comment) client-ip= envelope-from= helo= identity= (RFC 7208 9.1)", rs)
  mt.disconnect(conn)
end)
