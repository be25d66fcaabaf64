-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- Each SPF result has its own action: softfail, neutral and none mapped to reject here, fail left at accept.
--conf SPFSoftfailAction reject
--conf SPFNeutralAction reject
--conf SPFNoneAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  for _, c in ipairs{ { "softfail", "softfail" }, { "neutral", "neutral" }, { "nospf", "none" } } do
    local conn, r = T.mail{ from = "<x@" .. c[1] .. ".milter.test>" }
    T.check(r == SMFIR_REPLYCODE and T.field(T.decision(), "spf") == c[2],
      "SPF" .. c[2] .. "Action reject: " .. c[2] .. " refused at MAIL", T.decision())
    mt.disconnect(conn)
  end
  local conn, r = T.message{ from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "SPFFailAction left at accept: fail delivered with headers")
  mt.disconnect(conn)
end)
