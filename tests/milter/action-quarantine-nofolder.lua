-- SPDX-License-Identifier: BSD-2-Clause
--plan 3
-- Action quarantine when the copy cannot be saved: the message is delivered normally (never lost).
--conf SPFSoftfailAction quarantine
--conf SpamFolder /dev/null/spam
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<x@softfail.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "quarantine with a broken spam folder: delivered, not discarded")
  T.check(T.header(conn, "Authentication-Results") ~= nil, "quarantine fallback: headers added")
  T.expect("action", "accept", "quarantine fallback: decision action=accept")
  mt.disconnect(conn)
end)
