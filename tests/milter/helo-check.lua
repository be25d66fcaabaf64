-- SPDX-License-Identifier: BSD-2-Clause
--plan 7
-- SPFCheckHelo yes: the HELO name is checked on its own too (smtp.helo); a HELO fail takes SPFFailAction.
--conf SPFCheckHelo yes
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<alice@pass.milter.test>", helo = "mx.pass.milter.test" }
  T.check(r == SMFIR_CONTINUE, "HELO check pass: accepted")
  local ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("spf=pass smtp.mailfrom=alice@pass.milter.test", 1, true) ~= nil
    and ar:find("spf=pass smtp.helo=mx.pass.milter.test", 1, true) ~= nil,
    "HELO check: A-R carries both smtp.mailfrom and smtp.helo results", tostring(ar))
  T.expect("helo_spf", "pass", "HELO check: decision helo_spf=pass")
  T.check(T.header(conn, "Received-SPF", 1) ~= nil, "HELO check: a second Received-SPF for the HELO identity")
  mt.disconnect(conn)

  conn, r = T.mail{ from = "<alice@pass.milter.test>", helo = "mx.fail.milter.test" }
  T.check(r == SMFIR_REPLYCODE, "HELO fail with SPFFailAction reject: refused at MAIL although MAIL FROM passes")
  T.expect("helo_spf", "fail", "HELO fail: decision helo_spf=fail")
  T.expect("spf", "pass", "HELO fail: decision spf=pass (the MAIL FROM result)")
  mt.disconnect(conn)
end)
