-- SPDX-License-Identifier: BSD-2-Clause
--plan 5
-- Authenticated sessions ({auth_authen}) are not SPF-checked (SkipAuthenticated yes, the default).
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<user@fail.milter.test>", auth = "user" }
  T.check(r == SMFIR_CONTINUE, "authenticated sender from a failing domain: accepted")
  T.expect("skip", "auth", "authenticated: decision skip=auth")
  T.expect("spf", "-", "authenticated: decision spf=- (not checked)")
  T.check(T.header(conn, "Received-SPF") == nil, "authenticated: no Received-SPF header")
  mt.disconnect(conn)
  conn, r = T.mail{ from = "<user@fail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "the same sender without AUTH: refused")
  mt.disconnect(conn)
end)
