-- SPDX-License-Identifier: BSD-2-Clause
--plan 29
-- DMARC verdicts (monitor mode, the default): A-R dmarc=... (p= dis=) header.from=, decision fields, nothing refused.
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")

local function from_hdrs(...)
  local h = {}
  for _, f in ipairs({ ... }) do h[#h + 1] = { "From", f } end
  h[#h + 1] = { "To", "rcpt@dest.example" }
  h[#h + 1] = { "Subject", "dmarc" }
  h[#h + 1] = { "Message-ID", "<m1@dmarc.test>" }
  return h
end

-- Sends one message and checks its A-R dmarc part (plain find).
local function case(mailfrom, froms, want, desc)
  local conn, r = T.message{ from = mailfrom, headers = from_hdrs(table.unpack(froms)) }
  local ar = T.header(conn, "Authentication-Results") or ""
  T.check(r == SMFIR_CONTINUE and ar:find(want, 1, true) ~= nil, desc,
    "reply " .. tostring(r) .. ", A-R: " .. ar)
  mt.disconnect(conn)
end

T.run(function()
  case("<u@dmr-reject.test>", { "U <u@dmr-reject.test>" }, "dmarc=pass (p=reject dis=none) header.from=dmr-reject.test",
    "SPF-aligned pass: dmarc=pass (p=reject dis=none) header.from=dmr-reject.test")
  T.expect("dmarc_align", "spf", "SPF-aligned pass: decision dmarc_align=spf")
  T.expect("dmarc_rua", "mailto:dmarc-agg@dmr-reject.test", "decision carries the record's rua")

  case("<u@pass.milter.test>", { "U <u@dmr-reject.test>" }, "dmarc=fail (p=reject dis=none) header.from=dmr-reject.test",
    "SPF pass for another domain (alignment only): dmarc=fail (p=reject dis=none)")
  T.expect("spf", "pass", "fail by alignment: SPF itself passed")
  T.expect("dmarc", "fail", "fail by alignment: decision dmarc=fail")
  T.expect("dmarc_req", "reject", "fail by alignment: decision dmarc_req=reject (what honouring p=reject does)")
  T.expect("action", "accept", "monitor (default actions): the failing message is accepted")

  case("<u@dmr-reject.test>", { "u@news.dmr-reject.test" }, "dmarc=pass (p=reject dis=none) header.from=news.dmr-reject.test",
    "relaxed alignment: MAIL FROM at the organizational domain aligns with a From: sub-domain")
  T.expect("dmarc_rdom", "dmr-reject.test", "sub-domain without a record: the organizational domain's record applies")
  case("<u@mail.dmr-strict.test>", { "u@dmr-strict.test" }, "dmarc=fail (p=reject dis=none) header.from=dmr-strict.test",
    "aspf=s: MAIL FROM at a sub-domain does not align (strict)")
  case("<u@pass.milter.test>", { "u@sub.dmr-sp.test" }, "dmarc=fail (p=none dis=none) header.from=sub.dmr-sp.test",
    "sp=none applies to a sub-domain under p=reject")
  case("<u@pass.milter.test>", { "u@sub.dmr-own.test" }, "dmarc=fail (p=reject dis=none) header.from=sub.dmr-own.test",
    "a sub-domain's own record (p=reject) beats its organization's (p=none)")
  case("<u@pass.milter.test>", { "u@dmr-pct0.test" }, "dmarc=fail (p=reject dis=none)",
    "pct=0: the message fails")
  T.expect("dmarc_req", "quarantine", "pct=0: p=reject is asked as quarantine (RFC 7489 6.6.4)")
  case("<u@pass.milter.test>", { "u@pass.milter.test" }, "dmarc=none header.from=pass.milter.test",
    "no DMARC record: dmarc=none")
  case("<u@pass.milter.test>", { "u@dmr-broken.test" }, "dmarc=permerror header.from=dmr-broken.test",
    "malformed record (p=bogus): dmarc=permerror")
  case("<u@pass.milter.test>", { "u@dmr-two.test" }, "dmarc=none header.from=dmr-two.test",
    "two DMARC records: no policy, dmarc=none (RFC 7489 6.6.3)")
  case("<u@pass.milter.test>", { "u@dmr-other.test" }, "dmarc=fail (p=reject dis=none)",
    "a non-DMARC TXT string beside the record is ignored")
  case("<u@pass.milter.test>", { "u@dmr-temp.test" }, "dmarc=temperror header.from=dmr-temp.test",
    "DNS failure at _dmarc: dmarc=temperror")

  -- Several From: fields or domains never pass as one of them.
  case("<u@pass.milter.test>", { "u@pass.milter.test", "ceo@dmr-reject.test" },
    "dmarc=fail (p=reject dis=none) header.from=dmr-reject.test",
    "two From: fields (attacker's first): the victim's failing domain decides, dmarc=fail")
  case("<u@dmr-reject.test>", { "ceo@dmr-reject.test", "u@dmr-quar.test" },
    "dmarc=fail (p=quarantine dis=none) header.from=dmr-quar.test",
    "two From: fields, one passing: dmarc=fail for the other (never pass)")
  case("<u@pass.milter.test>", { "<ceo@dmr-reject.test>, <a@pass.milter.test>" },
    "dmarc=fail (p=reject dis=none) header.from=dmr-reject.test",
    "one From: with the victim's and the attacker's address: dmarc=fail for the victim")
  case("<u@pass.milter.test>", { "ceo@" }, "dmarc=permerror",
    "unparseable From: dmarc=permerror (no domain can be evaluated)")
  T.expect("dmarc", "permerror", "unparseable From: decision dmarc=permerror")
  case("<u@pass.milter.test>", { "u@pass.milter.test", "ceo@" }, "dmarc=permerror",
    "a passing From: beside an unparseable one: permerror, not pass")

  -- DKIM alignment: the signature of d1.dkim.test, MAIL FROM elsewhere.
  local fx = D.fixtures()
  local hdrs, body = D.load(fx .. "/good-rsa.eml")
  local conn, r = D.send({ from = "<x@pass.milter.test>" }, hdrs, body)
  local ar = T.header(conn, "Authentication-Results") or ""
  T.check(r == SMFIR_CONTINUE and ar:find("dmarc=pass (p=reject dis=none) header.from=d1.dkim.test", 1, true) ~= nil,
    "DKIM-aligned pass (d=d1.dkim.test, SPF for another domain): dmarc=pass", ar)
  T.expect("dmarc_align", "dkim", "DKIM-aligned pass: decision dmarc_align=dkim")
  mt.disconnect(conn)
  hdrs, body = D.load(fx .. "/tampered-body.eml")
  conn, r = D.send({ from = "<x@pass.milter.test>" }, hdrs, body)
  ar = T.header(conn, "Authentication-Results") or ""
  T.check(ar:find("dmarc=fail (p=reject dis=none) header.from=d1.dkim.test", 1, true) ~= nil,
    "a failing DKIM signature does not align: dmarc=fail", ar)
  mt.disconnect(conn)
end)
