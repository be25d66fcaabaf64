-- SPDX-License-Identifier: BSD-2-Clause
--plan 7
-- LAN clients (10/8, 172.16/12, 192.168/16, fc00::/7, fe80::/10) are skipped unless CheckLAN yes.
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  for _, ip in ipairs{ "10.1.2.3", "172.16.5.5", "172.31.0.1", "192.168.1.5", "fd00::5", "fe80::5" } do
    local conn, r = T.message{ ip = ip, from = "<x@fail.milter.test>" }
    T.check(r == SMFIR_CONTINUE and T.field(T.decision(), "skip") == "lan",
      "LAN " .. ip .. " skipped by default (skip=lan)", T.decision())
    mt.disconnect(conn)
  end
  local conn, r = T.mail{ ip = "172.32.0.1", from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "172.32.0.1 is not LAN: checked and refused")
  mt.disconnect(conn)
end)
