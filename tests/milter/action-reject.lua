-- SPDX-License-Identifier: BSD-2-Clause
--plan 11
-- Action reject: refused at MAIL time (no data transferred) with the RFC 7372 default replies.
--conf SPFFailAction reject
--conf SPFTemperrorAction reject
--conf SPFPermerrorAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local c0 = T.connect()
  T.check(not mt.test_option(c0, SMFIP_NR_MAIL), "with a reject action the MTA waits for the MAIL reply (no SMFIP_NR_MAIL)")
  mt.disconnect(c0)
  local conn, r = T.mail{ from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "fail + reject: refused at MAIL FROM")
  T.expect("action", "reject", "fail + reject: decision action=reject")
  T.expect("reason", "spf", "fail + reject: decision reason=spf")
  T.expect("reply", "550 5.7.23 SPF fail: 192.0.2.10 is not allowed to send mail for fail.milter.test",
    "fail + reject: reply 550 5.7.23 (RFC 7372)")
  mt.disconnect(conn)

  conn, r = T.mail{ from = "<x@temperror.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "temperror + reject: refused at MAIL FROM")
  T.expect("spf", "temperror", "temperror domain: decision spf=temperror")
  local rep = T.field(T.decision(), "reply")
  T.check(rep:sub(1, 10) == "451 4.7.24", "temperror + reject: temporary reply 451 4.7.24", rep)
  mt.disconnect(conn)

  conn, r = T.mail{ from = "<x@permerror.milter.test>" }
  T.expect("spf", "permerror", "permerror domain: decision spf=permerror")
  rep = T.field(T.decision(), "reply")
  T.check(r == SMFIR_REPLYCODE and rep:sub(1, 10) == "550 5.7.24", "permerror + reject: reply 550 5.7.24", rep)
  mt.disconnect(conn)

  conn, r = T.message{ from = "<x@pass.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "pass is never refused")
  mt.disconnect(conn)
end)
