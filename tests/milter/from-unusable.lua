-- SPDX-License-Identifier: BSD-2-Clause
--plan 32
-- SPF header-from: a From: that names no single author domain (several From: fields, several domains, unparseable) is refused as bad-from, never passed as the attacker's domain.
--conf SPFIdentity header-from
--conf SPFFailAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  -- MAIL FROM is the attacker's own domain, which passes SPF for this client;
  -- the victim's domain (-all) would be refused. Each From: below was accepted
  -- with spf=pass before the one parser.
  local cases = {
    { "two From: fields, the attacker's first", "several From: header fields",
      { { "From", "a@attacker.milter.test" }, { "From", "ceo@victim.milter.test" } } },
    { "two addresses in one From:", "several domains in the From: header field", { { "From", "<ceo@victim.milter.test>, <a@attacker.milter.test>" } } },
    { "a quoted <address> after the address", "unparseable From: header field", { { "From", "<ceo@victim.milter.test> \"<a@attacker.milter.test>\"" } } },
    { "a trailing ';'", "unparseable From: header field", { { "From", "ceo@victim.milter.test;" } } },
    { "a trailing no-break space", "unparseable From: header field", { { "From", "ceo@victim.milter.test\xc2\xa0" } } },
    { "the address in [brackets]", "unparseable From: header field", { { "From", "[ceo@victim.milter.test]" } } },
    { "a quoted string only", "unparseable From: header field", { { "From", "\"ceo@victim.milter.test\"" } } },
    { "an empty group", "no address in the From: header field", { { "From", "undisclosed-recipients:;" } } },
    { "a second From: written \"From :\"", "several From: header fields",
      { { "From", "a@attacker.milter.test" }, { "From ", "ceo@victim.milter.test" } } },
  }
  for i, c in ipairs(cases) do
    local hdrs = { { "Subject", "wire transfer" } }
    for _, h in ipairs(c[3]) do hdrs[#hdrs + 1] = h end
    local conn, r = T.message{ from = "<a@attacker.milter.test>", qid = "BADFROM" .. i, headers = hdrs }
    T.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Unusable From: header field: " .. c[2]),
      c[1] .. ": refused: 550 5.7.1 Unusable From: header field: " .. c[2], T.decision())
    T.expect("reason", "bad-from", c[1] .. ": decision reason=bad-from")
    T.expect("spf", "policy", c[1] .. ": decision spf=policy, not the attacker's pass")
    mt.disconnect(conn)
  end

  -- With SPFBadFromAction accept the message is delivered, marked spf=policy.
  T.reload_with(function(text) return text .. "SPFBadFromAction accept\n" end)
  local conn, r = T.message{ from = "<a@attacker.milter.test>", headers = {
    { "From", "a@attacker.milter.test" }, { "From", "ceo@victim.milter.test" } } }
  T.check(r == SMFIR_CONTINUE, "SPFBadFromAction accept: two From: fields are delivered")
  local ar = T.header(conn, "Authentication-Results") or ""
  T.check(ar:find("spf=policy (several From: header fields)", 1, true) ~= nil and ar:find("spf=pass", 1, true) == nil,
    "SPFBadFromAction accept: A-R says spf=policy (several From: header fields), never spf=pass", ar)
  T.expect("action", "accept", "SPFBadFromAction accept: decision action=accept")
  mt.disconnect(conn)

  -- "From :" (obsolete blank before the colon) is the From: field, not a missing one.
  conn, r = T.message{ from = "<a@attacker.milter.test>", headers = { { "From ", "ceo@victim.milter.test" } } }
  T.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.23",
    "SPF fail: 192.0.2.10 is not allowed to send mail for victim.milter.test"),
    "\"From :\" is read as the From: field: SPF fail for the victim, not a MAIL FROM fallback")
  mt.disconnect(conn)

  -- One From: with one domain is checked as before: the victim's -all refuses.
  conn, r = T.message{ from = "<a@attacker.milter.test>", headers = {
    { "From", "\"CEO (victim.milter.test)\" <ceo@victim.milter.test>" } } }
  T.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.23",
    "SPF fail: 192.0.2.10 is not allowed to send mail for victim.milter.test"),
    "one From: with the victim's address: SPF fail for the victim, 550 5.7.23")
  mt.disconnect(conn)
end)
