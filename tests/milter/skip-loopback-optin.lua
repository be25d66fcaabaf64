-- SPDX-License-Identifier: BSD-2-Clause
--plan 3
-- CheckLoopback yes: loopback clients are SPF-checked (LAN stays skipped).
--conf CheckLoopback yes
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  for _, ip in ipairs{ "127.0.0.1", "::1" } do
    local conn, r = T.mail{ ip = ip, from = "<x@fail.milter.test>" }
    T.check(r == SMFIR_REPLYCODE, "CheckLoopback yes: " .. ip .. " is checked and refused", T.decision())
    mt.disconnect(conn)
  end
  local conn, r = T.message{ ip = "10.0.0.1", from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "CheckLoopback yes does not opt in LAN: 10.0.0.1 still skipped")
  mt.disconnect(conn)
end)
