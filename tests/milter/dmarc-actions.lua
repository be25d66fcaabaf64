-- SPDX-License-Identifier: BSD-2-Clause
--plan 16
-- DMARC actions: DMARCRejectAction for p=reject failures, DMARCQuarantineAction, DMARCTemperrorAction, a custom reply.
--conf DMARCRejectAction reject
--conf DMARCQuarantineAction quarantine
--conf DMARCTemperrorAction reject
--conf DMARCPermerrorAction save-reject
--conf DMARCPermerrorReply 550 5.7.1 No DMARC verdict for %{domain} (%{result})
--conf SpamFolder @DIR@/spam
--conf SpamLog @DIR@/spam.log
dofile(libdir .. "/lib.lua")

local function hdrs(from)
  return { { "From", from }, { "To", "rcpt@dest.example" }, { "Subject", "dmarc" } }
end

T.run(function()
  local conn, r = T.message{ from = "<u@pass.milter.test>", headers = hdrs("ceo@dmr-reject.test"), qid = "DMREJ" }
  T.check(r == SMFIR_REPLYCODE, "p=reject failure + DMARCRejectAction reject: refused at end of data")
  T.expect("action", "reject", "p=reject failure: decision action=reject")
  T.expect("reason", "dmarc", "p=reject failure: decision reason=dmarc")
  T.expect("reply", "550 5.7.26 Unauthenticated mail from dmr-reject.test is refused by its DMARC policy",
    "p=reject failure: default reply 550 5.7.26 naming the From domain")
  T.check(T.last_line(dir .. "/spam.log"):find("dmarc=fail", 1, true) ~= nil, "the spam log line carries dmarc=fail",
    T.last_line(dir .. "/spam.log"))
  mt.disconnect(conn)

  conn, r = T.message{ from = "<u@dmr-reject.test>", headers = hdrs("ceo@dmr-reject.test") }
  T.check(r == SMFIR_CONTINUE, "p=reject domain, aligned SPF pass: accepted")
  mt.disconnect(conn)

  conn, r = T.message{ from = "<u@pass.milter.test>", headers = hdrs("ceo@dmr-quar.test"), qid = "DMQUAR" }
  T.check(r == SMFIR_DISCARD, "p=quarantine failure + DMARCQuarantineAction quarantine: saved to the spam folder, not delivered")
  T.expect("action", "quarantine", "p=quarantine failure: decision action=quarantine")
  T.expect("reason", "dmarc", "p=quarantine failure: decision reason=dmarc")
  mt.disconnect(conn)

  conn, r = T.message{ from = "<u@pass.milter.test>", headers = hdrs("ceo@dmr-pct0.test") }
  T.check(r == SMFIR_DISCARD, "p=reject with pct=0: quarantined, not rejected (the next weaker disposition)")
  mt.disconnect(conn)

  conn, r = T.message{ from = "<u@pass.milter.test>", headers = hdrs("ceo@dmr-none.test") }
  T.check(r == SMFIR_CONTINUE, "p=none failure + DMARCNoneAction accept (default): accepted")
  local ar = T.header(conn, "Authentication-Results") or ""
  T.check(ar:find("dmarc=fail (p=none dis=none)", 1, true) ~= nil, "p=none failure: A-R dmarc=fail (p=none dis=none)", ar)
  mt.disconnect(conn)

  conn, r = T.message{ from = "<u@pass.milter.test>", headers = hdrs("ceo@dmr-temp.test") }
  local rep = T.field(T.decision(), "reply")
  T.check(r == SMFIR_REPLYCODE and rep:sub(1, 10) == "451 4.7.26", "DNS failure + DMARCTemperrorAction reject: 451 4.7.26 (try later)", rep)
  mt.disconnect(conn)

  conn, r = T.message{ from = "<u@pass.milter.test>", headers = hdrs("ceo@dmr-broken.test") }
  T.check(r == SMFIR_REPLYCODE, "malformed record + DMARCPermerrorAction save-reject: refused")
  T.expect("reply", "550 5.7.1 No DMARC verdict for dmr-broken.test (permerror)", "DMARCPermerrorReply template expanded")
  T.expect("action", "save-reject", "malformed record: decision action=save-reject")
  mt.disconnect(conn)
end)
