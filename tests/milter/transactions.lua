-- SPDX-License-Identifier: BSD-2-Clause
--plan 7
-- Several messages on one connection: each gets its own check and decision; a refused MAIL or an abort does not leak into the next.
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn = T.connect()
  mt.conninfo(conn, "client.example", "192.0.2.10")
  mt.helo(conn, "mx.pass.milter.test")
  mt.macro(conn, SMFIC_MAIL, "i", "TX1")
  mt.mailfrom(conn, "<x@fail.milter.test>")
  T.check(mt.getreply(conn) == SMFIR_REPLYCODE, "message 1 (fail) refused at MAIL")
  mt.macro(conn, SMFIC_MAIL, "i", "TX2")
  mt.mailfrom(conn, "<y@pass.milter.test>")
  T.check(mt.getreply(conn) == SMFIR_CONTINUE, "message 2 (pass) on the same connection accepted at MAIL")
  mt.abort(conn)
  mt.macro(conn, SMFIC_MAIL, "i", "TX3")
  mt.mailfrom(conn, "<z@softfail.milter.test>")
  local r = T.finish(conn, { headers = { { "From", "z@softfail.milter.test" } } })
  T.check(r == SMFIR_CONTINUE, "message 3 after an abort: accepted")
  T.expect("qid", "TX3", "message 3: its own decision line (qid=TX3)")
  T.expect("spf", "softfail", "message 3: its own SPF result (softfail)")
  local ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("smtp.mailfrom=z@softfail.milter.test", 1, true) ~= nil,
    "message 3: A-R names its own sender", tostring(ar))
  T.check(T.count_log("qid=TX2 ") == 0, "the aborted message 2 wrote no decision line")
  mt.disconnect(conn)
end)
