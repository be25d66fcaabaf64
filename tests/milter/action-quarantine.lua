-- SPDX-License-Identifier: BSD-2-Clause
--plan 3
-- Action quarantine: SMTP accepts, the message is copied to the spam folder and not delivered (discard).
--conf SPFSoftfailAction quarantine
--conf SpamFolder @DIR@/spam
--conf SpamLog @DIR@/spam.log
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<x@softfail.milter.test>", qid = "QUAR1" }
  T.check(r == SMFIR_DISCARD, "quarantine: end of data answered with discard (accepted, not delivered)")
  T.expect("action", "quarantine", "quarantine: decision action=quarantine")
  T.check(not mt.eom_check(conn, MT_HDRINSERT), "quarantine: no header edits sent for a discarded message")
  mt.disconnect(conn)
end)
