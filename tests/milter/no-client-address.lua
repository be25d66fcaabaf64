-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- A connect with no host address (sendmail -bs) is handled: treated as local, no crash.
--conf SPFFailAction reject
--conf CheckLoopback yes
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ ip = "unspec", host = "localhost", from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "no client address: message accepted")
  T.expect("ip", "-", "no client address: decision ip=-")
  T.expect("skip", "loopback", "no client address: decision skip=loopback")
  mt.disconnect(conn)
  conn, r = T.message{ from = "<alice@pass.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "the daemon still serves the next client")
  mt.disconnect(conn)
end)
