-- SPDX-License-Identifier: BSD-2-Clause
--plan 10
-- Spam folder on a full filesystem: the save fails (logged), save-reject still
-- replies with the configured code, quarantine delivers normally instead of
-- losing the mail, nothing partial is left, other mail flows, and once space
-- is freed the next save works. Needs suite 61's setup (a full 64k tmpfs as
-- the SpamFolder, -D fullfs=1); elsewhere it records one skip saying why.
--needs fullfs
--conf SPFFailAction save-reject
--conf SPFFailReply 554 5.7.1 Full-disk refusal for %{sender}
--conf SPFSoftfailAction quarantine
--conf SpamFolder @DIR@/spam
--conf SpamLog @DIR@/spam.log
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/../spam/milter-lib.lua")
T.run(function()
  if fullfs == nil then
    T.skip("full-filesystem checks", "they need the full 64k tmpfs that suite 61 mounts (-D fullfs=1)")
    return
  end
  local function count(sub)
    local p = io.popen("ls -1 '" .. S.folder() .. "/" .. sub .. "' 2>/dev/null | wc -l")
    local n = tonumber(p:read("*a")) or -1
    p:close()
    return n
  end
  local conn, r

  conn, r = T.message{ from = "<c@fail.milter.test>", qid = "FULL1" }
  T.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "554", "5.7.1", "Full-disk refusal for c@fail.milter.test"),
    "full disk: save-reject still replies 554 5.7.1 as configured", "reply " .. tostring(r))
  mt.disconnect(conn)
  T.check(count("new") == 0 and count("tmp") == 0, "full disk: nothing (not even a partial file) in new/ or tmp/")
  local n, last = S.loglines()
  T.check(last:find(" qid=FULL1 ", 1, true) and last:find(" action=save-reject ", 1, true) and last:find(" saved=%-$"),
    "full disk: spam-log line says action=save-reject saved=-", last)

  conn, r = T.message{ from = "<d@softfail.milter.test>", qid = "FULL2" }
  T.check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "full disk: quarantine that cannot save delivers normally (mail never lost)", "reply " .. tostring(r))
  mt.disconnect(conn)
  T.expect("action", "accept", "full disk: the failed quarantine's decision says action=accept")
  T.check(count("new") == 0 and count("tmp") == 0, "full disk: still nothing in new/ or tmp/")

  conn, r = T.message{ from = "<e@pass.milter.test>", qid = "FULL3" }
  T.check(r == SMFIR_CONTINUE or r == SMFIR_ACCEPT, "full disk: ordinary mail still flows (spf=pass accepted)")
  mt.disconnect(conn)

  T.check(os.remove(S.folder() .. "/filler"), "full disk: filler removed")
  conn, r = T.message{ from = "<c@fail.milter.test>", qid = "FULL4" }
  T.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "554", "5.7.1", "Full-disk refusal for c@fail.milter.test"),
    "space freed: save-reject replies 554 5.7.1")
  mt.disconnect(conn)
  T.check(count("new") == 1 and count("tmp") == 0, "space freed: the next save leaves exactly one copy", "new " .. count("new"))
end)
