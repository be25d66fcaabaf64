-- SPDX-License-Identifier: BSD-2-Clause
--plan 7
-- When SPF and DKIM both ask for actions, the strongest wins (reject-type > quarantine > accept).
--conf SPFSoftfailAction quarantine
--conf DKIMNoneAction reject
--conf DKIMNoneReply 550 5.7.20 unsigned mail from %{sender} refused
--conf SPFFailAction save-reject
--conf SpamFolder @DIR@/spam
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<x@softfail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "SPF quarantine vs DKIM reject: reject wins")
  T.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.20", "unsigned mail from x@softfail.milter.test refused"),
    "the reply is DKIM's (DKIMNoneReply with %{sender})")
  T.expect("reason", "dkim", "decision reason=dkim")
  T.expect("dkim", "none", "decision dkim=none")
  mt.disconnect(conn)
  conn, r = T.message{ from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "SPF save-reject vs DKIM reject: refused")
  T.expect("action", "save-reject", "save-reject outranks reject (the copy is kept)")
  T.expect("reason", "spf", "tie between reject types: SPF's reason and reply")
  mt.disconnect(conn)
end)
