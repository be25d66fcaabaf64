-- SPDX-License-Identifier: BSD-2-Clause
-- traffic.lua - the mail tests/suites/31-metrics.sh counts: 12 messages in
-- 11 sessions with known outcomes (the suite's expectations list them), and
-- a scrape of /metrics while one session is still open.
-- Globals (miltertest -D): sock, libdir, declog, errlog, metrics (the URL).
dofile(libdir .. "/lib.lua")

local function scrape()
  local p = io.popen("curl -s --max-time 10 " .. metrics)
  local text = p:read("a")
  p:close()
  return text
end

local function value(text, series)
  local v = text:match("\n" .. series:gsub("[%-%.%[%]%(%)%+%*%?%^%$%%]", "%%%0") .. " (%d+)")
  return tonumber(v or "-1")
end

T.run(function()
  local conn, r
  for i = 1, 3 do
    conn, r = T.message{ from = "<a@pass.milter.test>", qid = "PASS" .. i }
    T.check(r == SMFIR_CONTINUE, "spf pass message " .. i .. " accepted")
    mt.disconnect(conn)
  end
  for i = 1, 2 do
    conn, r = T.message{ from = "<b@softfail.milter.test>", qid = "SOFT" .. i }
    T.check(r == SMFIR_DISCARD, "softfail message " .. i .. " quarantined")
    mt.disconnect(conn)
  end
  conn, r = T.mail{ from = "<c@fail.milter.test>", qid = "FAIL1" }
  T.check(r == SMFIR_REPLYCODE, "spf fail message refused at MAIL")
  mt.disconnect(conn)
  conn, r = T.message{ from = "<d@neutral.milter.test>", qid = "NEUT1" }
  T.check(r == SMFIR_CONTINUE, "neutral message accepted")
  mt.disconnect(conn)
  conn, r = T.message{ from = "<e@fail.milter.test>", auth = "alice", qid = "AUTH1" }
  T.check(r == SMFIR_CONTINUE, "authenticated message skipped and accepted")
  mt.disconnect(conn)
  conn, r = T.message{ from = "<f@fail.milter.test>", ip = "127.0.0.1", qid = "LOOP1" }
  T.check(r == SMFIR_CONTINUE, "loopback message skipped and accepted")
  mt.disconnect(conn)

  -- Three messages on one connection: pass, permerror, none.
  conn = T.connect()
  mt.conninfo(conn, "client.example", "192.0.2.10")
  mt.helo(conn, "mx.pass.milter.test")
  for i, from in ipairs{ "<g@pass.milter.test>", "<h@permerror.milter.test>", "<i@nosuch.milter.test>" } do
    mt.macro(conn, SMFIC_MAIL, "i", "MULTI" .. i)
    mt.mailfrom(conn, from)
    T.check(mt.getreply(conn) == SMFIR_CONTINUE, "session message " .. i .. " accepted at MAIL")
    r = T.finish(conn, {})
    T.check(r == SMFIR_CONTINUE, "session message " .. i .. " accepted")
  end
  mt.disconnect(conn)

  -- An aborted message: a session, no decision. /metrics is read while it is open.
  conn, r = T.mail{ from = "<j@pass.milter.test>", qid = "ABORT1" }
  T.check(r == SMFIR_CONTINUE, "message to be aborted accepted at MAIL")
  local text = scrape()
  T.check(value(text, "spfdkim_sessions_active") == 1,
    "scraped during a session: spfdkim_sessions_active 1", "got " .. tostring(value(text, "spfdkim_sessions_active")))
  T.check(value(text, "spfdkim_messages_total") == 12,
    "scraped during a session: spfdkim_messages_total 12 (the messages decided so far)",
    "got " .. tostring(value(text, "spfdkim_messages_total")))
  mt.abort(conn)
  mt.disconnect(conn)
end)
