-- SPDX-License-Identifier: BSD-2-Clause
--plan 1
-- Reload target: SPFFailAction reject is in force (run again after a refused bad reload: still in force).
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.mail{ from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "the loaded config is in force (fail refused)")
  mt.disconnect(conn)
end)
