-- SPDX-License-Identifier: BSD-2-Clause
--plan 14
-- Whitelisted clients (every line format, IPv4 and IPv6) are not SPF-checked; others are.
--conf Whitelist @TESTS@/whitelist.txt
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local inside = {
    { "198.51.100.7", "single address" }, { "198.51.100.25", "range a-b" },
    { "203.0.113.100", "addr/netmask" }, { "192.0.2.200", "addr/prefix" },
    { "2001:db8:77::7", "IPv6 address" }, { "2001:db8:88:1::9", "IPv6 prefix" },
    { "2001:db8:99::80", "IPv6 range" },
  }
  local outside = {
    { "198.51.100.8", "single address" }, { "198.51.100.31", "range a-b" },
    { "203.0.113.200", "addr/netmask" }, { "192.0.2.127", "addr/prefix" },
    { "2001:db8:77::8", "IPv6 address" }, { "2001:db8:89::1", "IPv6 prefix" },
    { "2001:db8:99::100", "IPv6 range" },
  }
  for _, c in ipairs(inside) do
    local conn, r = T.message{ ip = c[1], from = "<x@fail.milter.test>" }
    T.check(r == SMFIR_CONTINUE and T.field(T.decision(), "skip") == "whitelist",
      "whitelist " .. c[2] .. ": " .. c[1] .. " skipped (skip=whitelist, accepted)", T.decision())
    mt.disconnect(conn)
  end
  for _, c in ipairs(outside) do
    local conn, r = T.mail{ ip = c[1], from = "<x@fail.milter.test>" }
    T.check(r == SMFIR_REPLYCODE, "whitelist " .. c[2] .. ": " .. c[1] .. " just outside is checked and refused", T.decision())
    mt.disconnect(conn)
  end
end)
