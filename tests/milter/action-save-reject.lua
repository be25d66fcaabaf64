-- SPDX-License-Identifier: BSD-2-Clause
--plan 5
-- Action save-reject: the message is received (copy to the spam folder), then refused at end of data.
--conf SPFFailAction save-reject
--conf SpamFolder @DIR@/spam
--conf SpamLog @DIR@/spam.log
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.mail{ from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "save-reject: MAIL FROM accepted (the body is needed for the copy)")
  mt.disconnect(conn)
  conn, r = T.message{ from = "<x@fail.milter.test>", qid = "SAVE1" }
  T.check(r == SMFIR_REPLYCODE, "save-reject: refused at end of data")
  T.check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.23",
    "SPF fail: 192.0.2.10 is not allowed to send mail for fail.milter.test"),
    "save-reject: reply 550 5.7.23 SPF fail: 192.0.2.10 is not allowed to send mail for fail.milter.test")
  T.expect("action", "save-reject", "save-reject: decision action=save-reject")
  T.check(not mt.eom_check(conn, MT_HDRINSERT), "save-reject: no header edits sent for a refused message (they go into the copy)")
  mt.disconnect(conn)
end)
