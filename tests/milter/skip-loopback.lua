-- SPDX-License-Identifier: BSD-2-Clause
--plan 3
-- Loopback clients (127.0.0.0/8, ::1) are skipped unless CheckLoopback yes.
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  for _, ip in ipairs{ "127.0.0.1", "127.9.9.9", "::1" } do
    local conn, r = T.message{ ip = ip, from = "<x@fail.milter.test>" }
    T.check(r == SMFIR_CONTINUE and T.field(T.decision(), "skip") == "loopback",
      "loopback " .. ip .. " skipped by default (skip=loopback)", T.decision())
    mt.disconnect(conn)
  end
end)
