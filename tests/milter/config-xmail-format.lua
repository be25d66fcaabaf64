-- SPDX-License-Identifier: BSD-2-Clause
--plan 3
-- The config also works in XMail's tab format ("Key"<TAB>"value"), mixed with Key value lines.
--conf "SPFFailAction"	"reject"
--conf "SPFFailReply"	"550 5.7.23 xmail-format reply for %{domain}"
--conf SPFSoftfailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.mail{ from = "<x@fail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "XMail tab format: \"SPFFailAction\"<TAB>\"reject\" takes effect")
  T.expect("reply", "550 5.7.23 xmail-format reply for fail.milter.test", "XMail tab format: quoted reply used")
  mt.disconnect(conn)
  conn, r = T.mail{ from = "<x@softfail.milter.test>" }
  T.check(r == SMFIR_REPLYCODE, "Key value lines in the same file also take effect")
  mt.disconnect(conn)
end)
