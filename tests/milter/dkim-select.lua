-- SPDX-License-Identifier: BSD-2-Clause
--plan 9
-- Sign or verify, chosen per message: AUTH or an InternalHosts address signs (when the From: domain has a key); everyone else is verified; never both.
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")
T.run(function()
  local kt, st = D.tables("select", { "r2048" })
  local f = io.open(dir .. "/dkim-internal.txt", "w")
  f:write("192.0.2.77\n198.51.100.0/24 our other office\n")
  f:close()
  D.reconfigure({ "KeyTable", "SigningTable", "InternalHosts" },
    { "KeyTable " .. kt, "SigningTable " .. st, "InternalHosts " .. dir .. "/dkim-internal.txt" })
  local fx = D.fixtures()
  local hdrs, body = D.load(fx .. "/unsigned.eml")       -- From: alice@d1.dkim.test
  local shdrs, sbody = D.load(fx .. "/good-rsa.eml")     -- already signed by dkimpy

  local function run(m, h, b)
    local conn, r = D.send(m, h, b)
    local sigs = #D.added_sigs(conn)
    local ar = T.header(conn, "Authentication-Results") or ""
    mt.disconnect(conn)
    return r, sigs, D.verdicts(ar)
  end

  local r, n, v = run({ ip = "203.0.113.5", from = "<alice@d1.dkim.test>", auth = "alice" }, hdrs, body)
  T.check(r == SMFIR_CONTINUE and n == 1 and v == "", "AUTH from an outside address: signed, not verified",
    n .. " signatures, A-R dkim '" .. v .. "'")
  T.expect("dkim", "-", "AUTH: decision dkim=- (signing, nothing verified)")

  r, n, v = run({ ip = "192.0.2.77", from = "<alice@d1.dkim.test>" }, hdrs, body)
  T.check(n == 1 and v == "", "InternalHosts address 192.0.2.77 without AUTH: signed", n .. " / '" .. v .. "'")
  r, n, v = run({ ip = "198.51.100.9", from = "<alice@d1.dkim.test>" }, hdrs, body)
  T.check(n == 1 and v == "", "InternalHosts network 198.51.100.0/24: signed", n .. " / '" .. v .. "'")

  r, n, v = run({ ip = "192.0.2.10", from = "<alice@d1.dkim.test>" }, hdrs, body)
  T.check(n == 0 and v == "none", "outside address without AUTH: verified (dkim=none), not signed", n .. " / '" .. v .. "'")
  r, n, v = run({ ip = "192.0.2.10", from = "<alice@d1.dkim.test>" }, shdrs, sbody)
  T.check(n == 0 and v == "pass", "outside address, signed message: verified (dkim=pass), not signed again", n .. " / '" .. v .. "'")

  r, n, v = run({ ip = "127.0.0.1", from = "<alice@d1.dkim.test>" }, hdrs, body)
  T.check(n == 0, "127.0.0.1 is not internal once InternalHosts lists other hosts", n .. " signatures")

  local other = { { "From", " Someone <someone@elsewhere.test>" }, { "To", " rcpt@dest.example" },
                  { "Subject", " no key for this domain" } }
  r, n, v = run({ ip = "203.0.113.5", from = "<someone@elsewhere.test>", auth = "someone" }, other, "x\r\n")
  T.check(r == SMFIR_CONTINUE and n == 0 and v == "", "AUTH but no key for the From: domain: passed on unsigned, not verified",
    n .. " / '" .. v .. "'")

  local two = { { "From", " alice@d1.dkim.test" }, { "From", " mallory@d1.dkim.test" }, { "Subject", " two From" } }
  r, n, v = run({ ip = "203.0.113.5", from = "<alice@d1.dkim.test>", auth = "alice" }, two, "x\r\n")
  T.check(n == 0, "two From: fields: not signed", n .. " signatures")
end)
