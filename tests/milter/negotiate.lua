-- SPDX-License-Identifier: BSD-2-Clause
--plan 13
-- Protocol economy: the milter asks the MTA to skip unused steps and not to wait for replies it never needs.
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn = T.connect()
  for _, o in ipairs{ { SMFIP_NOUNKNOWN, "SMFIP_NOUNKNOWN" }, { SMFIP_NODATA, "SMFIP_NODATA" },
                      { SMFIP_NOEOH, "SMFIP_NOEOH" }, { SMFIP_NR_CONN, "SMFIP_NR_CONN" },
                      { SMFIP_NR_HELO, "SMFIP_NR_HELO" }, { SMFIP_NR_RCPT, "SMFIP_NR_RCPT" },
                      { SMFIP_NR_HDR, "SMFIP_NR_HDR" }, { SMFIP_NR_BODY, "SMFIP_NR_BODY" },
                      { SMFIP_HDR_LEADSPC, "SMFIP_HDR_LEADSPC" },
                      { SMFIP_NR_MAIL, "SMFIP_NR_MAIL (no MAIL-time reject configured)" } } do
    T.check(mt.test_option(conn, o[1]), "negotiates " .. o[2])
  end
  T.check(not mt.test_option(conn, SMFIP_NOHELO), "still receives HELO")
  T.check(mt.test_action(conn, SMFIF_ADDHDRS) and mt.test_action(conn, SMFIF_CHGHDRS),
    "asks only for header changes (add, change)")
  T.check(not mt.test_action(conn, SMFIF_CHGBODY) and not mt.test_action(conn, SMFIF_ADDRCPT),
    "never asks to change the body or recipients")
  mt.disconnect(conn)
end)
