-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- CheckLAN yes: LAN clients are SPF-checked (loopback stays skipped).
--conf CheckLAN yes
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  for _, ip in ipairs{ "10.1.2.3", "192.168.1.5", "fd00::5" } do
    local conn, r = T.mail{ ip = ip, from = "<x@fail.milter.test>" }
    T.check(r == SMFIR_REPLYCODE, "CheckLAN yes: " .. ip .. " is checked and refused", T.decision())
    mt.disconnect(conn)
  end
  local conn, r = T.message{ ip = "127.0.0.1", from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "CheckLAN yes does not opt in loopback: 127.0.0.1 still skipped")
  mt.disconnect(conn)
end)
