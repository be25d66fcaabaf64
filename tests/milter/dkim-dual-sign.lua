-- SPDX-License-Identifier: BSD-2-Clause
--plan 12
-- DKIM signing by the milter: RSA and Ed25519 at once (dual) for an authenticated sender, relaxed/relaxed, oversigned; dkimpy and our verifier pass both.
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")
T.run(function()
  local kt, st = D.tables("dual", { "r2048", "ed1" })
  D.reconfigure({ "KeyTable", "SigningTable" }, { "KeyTable " .. kt, "SigningTable " .. st })
  local hdrs = {
    { "From", " Dee <dee@d1.dkim.test>" }, { "To", " rcpt@dest.example" },
    { "Subject", "  two  spaces and a\r\n\tfolded line " }, { "Date", " Sun, 29 Nov 2026 12:00:00 +0000" },
    { "Message-ID", " <dual@d1.dkim.test>" }, { "MIME-Version", " 1.0" },
    { "Content-Type", " text/plain; charset=utf-8" }, { "Content-Transfer-Encoding", " 8bit" },
  }
  local body = "Gr\195\188\195\159e,\r\n\r\n  spaced   line  \r\n\r\n\r\n"
  local conn, r = D.send({ from = "<dee@d1.dkim.test>", auth = "dee", qid = "DUAL1" }, hdrs, body)
  local sigs = D.added_sigs(conn)
  T.check(r == SMFIR_CONTINUE and #sigs == 2, "authenticated sender with two keys: two DKIM-Signature fields added",
    "reply " .. tostring(r) .. ", " .. #sigs .. " signatures")
  local rsa, ed
  for _, s in ipairs(sigs) do
    if s:find("a=rsa-sha256", 1, true) then rsa = s end
    if s:find("a=ed25519-sha256", 1, true) then ed = s end
  end
  T.check(rsa ~= nil and ed ~= nil, "one rsa-sha256 and one ed25519-sha256 signature")
  T.check(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "signatures are inserted (at the top), not appended")
  T.check(rsa:find("c=relaxed/relaxed", 1, true) ~= nil, "canonicalization relaxed/relaxed by default")
  local h = rsa:gsub("%s", ""):match(";h=([^;]+)") or ""
  local function count(list, name)
    local n = 0
    for x in (list .. ":"):gmatch("([^:]*):") do if x:lower() == name:lower() then n = n + 1 end end
    return n
  end
  T.check(count(h, "From") == 2 and count(h, "Subject") == 2 and count(h, "Reply-To") == 1 and count(h, "Cc") == 1
    and count(h, "Content-Type") == 2 and count(h, "MIME-Version") == 2,
    "h= oversigns From, Subject and MIME headers and covers absent Reply-To and Cc", h)
  T.check(T.header(conn, "Authentication-Results") == nil or
    not T.header(conn, "Authentication-Results"):find("dkim=", 1, true), "signing mode: no dkim= in A-R")
  mt.disconnect(conn)
  T.expect("dkim", "-", "signing mode: decision dkim=-")
  T.check(T.count_log("qid=DUAL1: signed d=d1.dkim.test s=r2048 a=rsa-sha256") > 0 and
    T.count_log("qid=DUAL1: signed d=d1.dkim.test s=ed1 a=ed25519-sha256") > 0, "both signatures are logged")

  -- The delivered message verifies with dkimpy and with our verifier.
  local path = dir .. "/dkim-dual.eml"
  D.write(path, sigs, hdrs, body)
  local ok = os.execute(D.py .. " " .. D.top .. "/tests/dkim/corpus.py verify " .. D.resolver() .. " " .. path ..
    " > " .. dir .. "/dkim-dual.py.out 2>&1")
  T.check(ok, "dkimpy passes both signatures the milter made")
  ok = os.execute(D.top .. "/milter/spfdkim-ctl dkim-verify " .. path .. " --resolver " .. D.resolver() ..
    " > " .. dir .. "/dkim-dual.ctl.out 2>&1")
  T.check(ok, "spfdkim-ctl dkim-verify passes the delivered message")

  -- Back in from outside, the milter verifies its own signatures: two passes.
  local back = {}
  for _, s in ipairs(sigs) do back[#back + 1] = { "DKIM-Signature", s } end
  for _, x in ipairs(hdrs) do back[#back + 1] = x end
  conn, r = D.send({ from = "<dee@d1.dkim.test>", ip = "192.0.2.10" }, back, body)
  local ar = T.header(conn, "Authentication-Results")
  T.check(D.verdicts(ar) == "pass pass", "the dual-signed message verifies inbound: dkim=pass twice", tostring(ar))
  T.check(#D.added_sigs(conn) == 0, "inbound: the message is verified, never signed again")
  mt.disconnect(conn)
end)
