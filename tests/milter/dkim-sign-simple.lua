-- SPDX-License-Identifier: BSD-2-Clause
--plan 3
-- DKIMCanonicalization simple/simple: the milter signs the exact header bytes it got (SMFIP_HDR_LEADSPC), so both signatures (RSA and Ed25519) verify with dkimpy and with us.
--conf DKIMCanonicalization simple/simple
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")
T.run(function()
  local kt, st = D.tables("simple", { "r2048", "ed1" })
  D.reconfigure({ "KeyTable", "SigningTable" }, { "KeyTable " .. kt, "SigningTable " .. st })
  local hdrs = {
    { "From", "  Dee   <dee@d1.dkim.test>" }, { "To", " \trcpt@dest.example" },
    { "Subject", " odd  spacing \r\n\t and a fold  " }, { "Date", " Sun, 29 Nov 2026 12:00:00 +0000" },
    { "Message-ID", " <simple@d1.dkim.test>" },
  }
  local body = "line with trailing spaces   \r\n\r\n\tindented\r\n\r\n\r\n"
  local conn, r = D.send({ from = "<dee@d1.dkim.test>", auth = "dee" }, hdrs, body)
  local sigs = D.added_sigs(conn)
  T.check(#sigs == 2 and sigs[1]:find("c=simple/simple", 1, true) ~= nil and sigs[2]:find("c=simple/simple", 1, true) ~= nil,
    "DKIMCanonicalization simple/simple: both signatures say c=simple/simple", table.concat(sigs, " | "))
  mt.disconnect(conn)
  local path = dir .. "/dkim-simple.eml"
  D.write(path, sigs, hdrs, body)
  T.check(os.execute(D.py .. " " .. D.top .. "/tests/dkim/corpus.py verify " .. D.resolver() .. " " .. path ..
    " > " .. dir .. "/dkim-simple.py.out 2>&1"), "dkimpy passes both simple/simple signatures over the exact header bytes")
  T.check(os.execute(D.top .. "/milter/spfdkim-ctl dkim-verify " .. path .. " --resolver " .. D.resolver() ..
    " > " .. dir .. "/dkim-simple.ctl.out 2>&1"), "spfdkim-ctl dkim-verify passes them too")
end)
