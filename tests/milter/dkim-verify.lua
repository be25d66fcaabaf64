-- SPDX-License-Identifier: BSD-2-Clause
--plan 31
-- DKIM verify mode (external, unauthenticated client): one A-R dkim= entry per signature, in header order.
--conf DKIMMaxSignatures 16
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")
T.run(function()
  local fx = D.fixtures()
  local cases = {
    { "good-rsa", "pass", "rsa-sha256 signature: A-R dkim=pass" },
    { "good-ed25519", "pass", "ed25519-sha256 signature: A-R dkim=pass" },
    { "unsigned", "none", "unsigned message: A-R dkim=none" },
    { "zb-tag", "pass", "signature with an unknown zb= tag: dkim=pass (OpenDKIM: fail)" },
    { "key-wrong-k", "permerror", "key record k= not matching a=: dkim=permerror (OpenDKIM: pass)" },
    { "key-h-sha1", "permerror", "key record h=sha1: dkim=permerror (OpenDKIM: fail)" },
    { "key-bad-p", "permerror", "key record with a bad p=: dkim=permerror (OpenDKIM: fail)" },
    { "key-512", "policy", "512-bit key: dkim=policy (below DKIMMinimumKeyBits 1024)" },
    { "six-signatures", "pass pass pass pass pass pass", "six signatures: six dkim=pass entries (OpenDKIM: 3)" },
    { "key-tempfail-one", "pass temperror", "one key lookup SERVFAIL: that signature temperror, the other pass" },
    { "mixed-results", "permerror permerror pass temperror", "four signatures: four separate verdicts" },
    { "tampered-body", "fail", "tampered body: dkim=fail" },
    { "tampered-header", "fail", "tampered Subject: dkim=fail" },
  }
  for _, c in ipairs(cases) do
    local hdrs, body = D.load(fx .. "/" .. c[1] .. ".eml")
    local conn, r = D.send({ from = "<alice@d1.dkim.test>", ip = "192.0.2.10" }, hdrs, body)
    local ar = T.header(conn, "Authentication-Results")
    T.check(r == SMFIR_CONTINUE and D.verdicts(ar) == c[2], c[3],
      "reply " .. tostring(r) .. ", A-R: " .. tostring(ar))
    T.check(#D.added_sigs(conn) == 0, c[1] .. ": verify mode adds no DKIM-Signature")
    mt.disconnect(conn)
  end
  T.expect("dkim", "fail", "decision line carries the DKIM summary (dkim=fail for the last message)")

  -- A-R details: d, i, s, a and the first 8 characters of b.
  local hdrs, body = D.load(fx .. "/good-rsa.eml")
  local b8 = hdrs[1][2]:gsub("%s", ""):match(";b=([^;]+)"):sub(1, 8)
  local conn = D.send({ from = "<alice@d1.dkim.test>" }, hdrs, body)
  local ar = T.header(conn, "Authentication-Results") or ""
  T.check(ar:find("dkim=pass header.d=d1.dkim.test header.i=@d1.dkim.test header.s=r2048 header.a=rsa-sha256 header.b=" .. b8, 1, true) ~= nil,
    "A-R: dkim=pass header.d= header.i= header.s= header.a= header.b=(first 8 of b=)", ar)
  T.expect("dkim_d", "d1.dkim.test", "decision dkim_d=d1.dkim.test")
  mt.disconnect(conn)

  -- The reason for a broken key is in A-R and in the log.
  hdrs, body = D.load(fx .. "/key-missing.eml")
  conn = D.send({ from = "<alice@d1.dkim.test>", qid = "DKIMNOKEY" }, hdrs, body)
  ar = T.header(conn, "Authentication-Results") or ""
  T.check(ar:find("dkim=permerror (no key record at missing._domainkey.d1.dkim.test (NXDOMAIN))", 1, true) ~= nil
    or ar:find("no key record at missing._domainkey.d1.dkim.test", 1, true) ~= nil,
    "missing key: A-R dkim=permerror says no key record at NAME (NXDOMAIN)", ar)
  mt.disconnect(conn)
  T.check(T.count_log("qid=DKIMNOKEY: d=d1.dkim.test s=missing a=rsa-sha256") > 0 and
          T.count_log("permerror: no key record at missing._domainkey.d1.dkim.test (NXDOMAIN)") > 0,
    "missing key: a log line names the signature and says why (no key record at NAME (NXDOMAIN))")
end)
