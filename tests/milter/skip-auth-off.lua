-- SPDX-License-Identifier: BSD-2-Clause
--plan 2
-- SkipAuthenticated no: authenticated sessions are SPF-checked like any other.
--conf SkipAuthenticated no
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.mail{ from = "<user@fail.milter.test>", auth = "user" }
  T.check(r == SMFIR_REPLYCODE, "SkipAuthenticated no: authenticated sender from a failing domain refused")
  T.expect("skip", "-", "SkipAuthenticated no: decision skip=-")
  mt.disconnect(conn)
end)
