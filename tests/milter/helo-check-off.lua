-- SPDX-License-Identifier: BSD-2-Clause
--plan 2
-- SPFCheckHelo no (default): the HELO name is not checked when MAIL FROM is not empty.
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<alice@pass.milter.test>", helo = "mx.fail.milter.test" }
  T.check(r == SMFIR_CONTINUE, "no HELO check by default: a failing HELO name does not matter")
  T.expect("helo_spf", "-", "no HELO check: decision helo_spf=-")
  mt.disconnect(conn)
end)
