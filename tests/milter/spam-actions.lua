-- SPDX-License-Identifier: BSD-2-Clause
--plan 19
-- Spam folder copies per action: accept and reject leave none, save-reject and
-- quarantine leave exactly one; save-reject still gives the configured reply;
-- every reject and save has one spam-log line.
--conf SPFFailAction save-reject
--conf SPFFailReply 554 5.7.1 Custom refusal for %{sender}
--conf SPFSoftfailAction quarantine
--conf SPFNeutralAction reject
--conf SPFPermerrorAction accept
--conf SpamFolder @DIR@/spam
--conf SpamLog @DIR@/spam.log
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/../spam/milter-lib.lua")
T.run(function()
  local c0, l0 = S.copies(), S.loglines()
  local conn, r

  -- accept (permerror -> accept): no copy, no spam-log line
  conn, r = T.message{ from = "<a@permerror.milter.test>", qid = "SPAMACC" }
  T.check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "accept: message passes")
  mt.disconnect(conn)
  T.check(S.copies() == c0, "accept: no copy in the spam folder", "copies " .. S.copies())
  T.check(S.loglines() == l0, "accept: no spam-log line")

  -- reject (neutral -> reject): refused, no copy, one spam-log line with saved=-
  conn, r = T.message{ from = "<b@neutral.milter.test>", qid = "SPAMREJ" }
  T.check(r == SMFIR_REPLYCODE or r == SMFIR_REJECT, "reject: refused", "reply " .. tostring(r))
  mt.disconnect(conn)
  T.check(S.copies() == c0, "reject: no copy in the spam folder", "copies " .. S.copies())
  local n, last = S.loglines()
  T.check(n == l0 + 1, "reject: one spam-log line", "lines " .. n)
  T.check(last:find(" qid=SPAMREJ ", 1, true) and last:find(" action=reject ", 1, true) and last:find(" saved=%-$"),
    "reject: spam-log line has action=reject saved=-", last)

  -- save-reject (fail): exactly one copy, still the configured reply
  conn, r = T.message{ from = "<c@fail.milter.test>", qid = "SPAMSAVE", rcpt = "<victim@dest.example>" }
  T.check(r == SMFIR_REPLYCODE, "save-reject: refused at end of data", "reply " .. tostring(r))
  T.check(mt.eom_check(conn, MT_SMTPREPLY, "554", "5.7.1", "Custom refusal for c@fail.milter.test"),
    "save-reject: still replies with the configured 554 5.7.1 Custom refusal for c@fail.milter.test")
  mt.disconnect(conn)
  T.check(S.copies() == c0 + 1, "save-reject: exactly one copy in the spam folder", "copies " .. S.copies())
  local copy = S.read(S.newest())
  T.check(copy:find("^X%-Spam%-Folder%-Envelope: spfdkim%-milter;") ~= nil, "save-reject: the copy starts with the envelope marker")
  T.check(copy:find("\r\nX-Spam-Folder-Mail-From: <c@fail.milter.test>\r\n", 1, true) ~= nil
    and copy:find("\r\nX-Spam-Folder-Client-IP: 192.0.2.10\r\n", 1, true) ~= nil
    and copy:find("\r\nX-Spam-Folder-Rcpt-To: <victim@dest.example>\r\n", 1, true) ~= nil
    and copy:find("\r\nX-Spam-Folder-Action: save-reject\r\n", 1, true) ~= nil,
    "save-reject: the copy records client IP, MAIL FROM, recipients and action")
  T.check(copy:find("Authentication-Results:", 1, true) ~= nil and copy:find("spf=fail", 1, true) ~= nil,
    "save-reject: the copy carries our Authentication-Results (spf=fail)")
  T.check(copy:find("\r\nSubject: test\r\n", 1, true) ~= nil and copy:find("\r\n\r\nHello.\r\n", 1, true) ~= nil,
    "save-reject: the copy holds the message headers and body")
  n, last = S.loglines()
  T.check(n == l0 + 2 and last:find(" action=save-reject ", 1, true) and last:find(" saved=/", 1, true)
    and last:find("rcpts=victim@dest.example", 1, true),
    "save-reject: spam-log line names the saved copy", last)

  -- quarantine (softfail): accepted at SMTP as discard, exactly one more copy
  conn, r = T.message{ from = "<d@softfail.milter.test>", qid = "SPAMQUAR" }
  T.check(r == SMFIR_DISCARD, "quarantine: answered with discard (SMTP accepts, not delivered)", "reply " .. tostring(r))
  mt.disconnect(conn)
  T.check(S.copies() == c0 + 2, "quarantine: exactly one more copy in the spam folder", "copies " .. S.copies())
  T.check(S.read(S.newest()):find("\r\nX-Spam-Folder-Action: quarantine\r\n", 1, true) ~= nil,
    "quarantine: the copy records action quarantine")
  n, last = S.loglines()
  T.check(n == l0 + 3 and last:find(" action=quarantine ", 1, true) and last:find(" saved=/", 1, true),
    "quarantine: spam-log line names the saved copy", last)
end)
