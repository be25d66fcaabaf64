-- SPDX-License-Identifier: BSD-2-Clause
--plan 10
-- SPF identity header-from: the From: domain is checked at end of message and reported as header.from.
--conf SPFIdentity header-from
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  -- MAIL FROM would fail, but the header From: passes: header-from decides.
  local conn, r = T.message{ from = "<bounce@fail.milter.test>",
    headers = { { "From", "\"Alice (sales)\" <alice@Pass.Milter.Test>" }, { "Subject", "hi" } } }
  T.check(r == SMFIR_CONTINUE, "header-from pass: accepted although MAIL FROM's domain fails")
  local ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("spf=pass header.from=pass.milter.test", 1, true) ~= nil,
    "header-from: A-R says spf=pass header.from=pass.milter.test", tostring(ar))
  T.check(ar:find("smtp.mailfrom", 1, true) == nil, "header-from: never reported as smtp.mailfrom", ar)
  T.expect("identity", "header-from", "header-from: decision identity=header-from")
  T.expect("domain", "pass.milter.test", "header-from: decision domain=pass.milter.test")
  local rs = T.header(conn, "Received-SPF")
  T.check(rs ~= nil and rs:find("identity=header-from;", 1, true) ~= nil,
    "header-from: Received-SPF says identity=header-from", tostring(rs))
  mt.disconnect(conn)

  -- The reverse: MAIL FROM passes, From: fails -> rejected at end of data.
  conn, r = T.mail{ from = "<bounce@pass.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "header-from: MAIL is never refused (the From: is not known yet)")
  mt.disconnect(conn)
  conn, r = T.message{ from = "<bounce@pass.milter.test>",
    headers = { { "From", "mallory@fail.milter.test" } } }
  T.check(r == SMFIR_REPLYCODE, "header-from fail with SPFFailAction reject: refused at end of data")
  T.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.23",
    "SPF fail: 192.0.2.10 is not allowed to send mail for fail.milter.test"),
    "header-from fail: reply 550 5.7.23 names the From: domain")
  T.expect("action", "reject", "header-from fail: decision action=reject")
  mt.disconnect(conn)
end)
