-- SPDX-License-Identifier: BSD-2-Clause
--plan 8
-- SPF identity mailfrom with MAIL FROM <>: the HELO name is checked instead.
--conf SPFIdentity mailfrom
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<>", helo = "mx.pass.milter.test" }
  T.check(r == SMFIR_CONTINUE, "null sender, good HELO: message accepted")
  local ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("spf=pass smtp.helo=mx.pass.milter.test", 1, true) ~= nil,
    "null sender: A-R reports spf=pass smtp.helo=mx.pass.milter.test", tostring(ar))
  T.check(ar:find("smtp.mailfrom", 1, true) == nil, "null sender: A-R has no smtp.mailfrom", ar)
  T.expect("identity", "helo", "null sender: decision identity=helo")
  T.expect("domain", "mx.pass.milter.test", "null sender: decision domain is the HELO name")
  T.expect("mailfrom", "<>", "null sender: decision mailfrom=<>")
  local rs = T.header(conn, "Received-SPF")
  T.check(rs ~= nil and rs:find("identity=helo;", 1, true) ~= nil and rs:find("envelope-from=\"<>\"", 1, true) ~= nil,
    "null sender: Received-SPF says identity=helo, envelope-from=\"<>\"", tostring(rs))
  mt.disconnect(conn)

  conn, r = T.message{ from = "<>", helo = "mx.fail.milter.test" }
  T.expect("spf", "fail", "null sender, HELO with -all: decision spf=fail")
  mt.disconnect(conn)
end)
