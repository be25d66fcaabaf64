-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- Reply code and text are configurable per result, with %{sender} %{ip} %{domain} %{helo} %{result} %{explanation}.
--conf SPFFailAction save-reject
--conf SPFFailReply 554 5.7.1 %{result}: %{ip} may not send for %{domain} (sender %{sender}, helo %{helo}) %{explanation}
--conf SPFSoftfailAction reject
--conf SPFSoftfailReply 450 4.7.1 Softfail for %{domain}, 100%% sure? no
--conf SpamFolder @DIR@/spam
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<eve@fail-exp.milter.test>", helo = "mx.pass.milter.test" }
  T.check(r == SMFIR_REPLYCODE, "custom reply: refused")
  T.check(mt.eom_check(conn, MT_SMTPREPLY, "554", "5.7.1",
    "fail: 192.0.2.10 may not send for fail-exp.milter.test (sender eve@fail-exp.milter.test, helo mx.pass.milter.test) 192.0.2.10 is not a mail server of fail-exp.milter.test"),
    "custom reply: 554 5.7.1 with every %{} field and the SPF exp= explanation expanded")
  mt.disconnect(conn)

  conn, r = T.mail{ from = "<eve@softfail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "custom 4xx reply: refused at MAIL")
  T.expect("reply", "450 4.7.1 Softfail for softfail.milter.test, 100% sure? no",
    "custom 4xx reply: 450 4.7.1 text as configured")
  mt.disconnect(conn)
end)
