-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- simple/simple canonicalization needs the exact header bytes: with SMFIP_HDR_LEADSPC the value keeps its leading space (and odd spacing), so simple/simple signatures pass.
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")
T.run(function()
  local fx = dir .. "/dkim-simple"
  D.sh("mkdir -p " .. fx)
  -- dkimpy signs simple/simple over headers with unusual spacing.
  local py = [[
import sys, dkim
msg = (b"From:  Alice   <alice@d1.dkim.test>\r\nTo: \tbob@example.test\r\nSubject: two  spaces \r\n"
       b"Date: Sun, 29 Nov 2026 12:00:00 +0000\r\nX-Folded: first\r\n   second  \r\n\r\nbody  \r\n")
key = open(sys.argv[1], 'rb').read()
sig = dkim.sign(msg, b'r2048', b'd1.dkim.test', key, canonicalize=(b'simple', b'simple'),
                include_headers=[b'from', b'to', b'subject', b'date', b'x-folded'])
open(sys.argv[2], 'wb').write(sig + msg)
]]
  local pf = io.open(fx .. "/sign.py", "w")
  pf:write(py)
  pf:close()
  D.sh(D.py .. " " .. fx .. "/sign.py " .. D.top .. "/tests/dkim/keys/r2048.private " .. fx .. "/simple.eml")
  T.check(mt.test_option ~= nil, "miltertest is ready")
  local hdrs, body = D.load(fx .. "/simple.eml")
  local conn, r = D.send({ from = "<alice@d1.dkim.test>", ip = "192.0.2.10" }, hdrs, body)
  T.check(mt.test_option(conn, SMFIP_HDR_LEADSPC), "the milter negotiates SMFIP_HDR_LEADSPC")
  local ar = T.header(conn, "Authentication-Results")
  T.check(D.verdicts(ar) == "pass", "c=simple/simple signature over odd header spacing: dkim=pass", tostring(ar))
  mt.disconnect(conn)

  -- One changed space in a signed header breaks a simple signature.
  for _, h in ipairs(hdrs) do if h[1] == "Subject" then h[2] = " two   spaces " end end
  conn, r = D.send({ from = "<alice@d1.dkim.test>", ip = "192.0.2.10" }, hdrs, body)
  ar = T.header(conn, "Authentication-Results")
  T.check(D.verdicts(ar) == "fail", "c=simple/simple: one added space in Subject: dkim=fail", tostring(ar))
  mt.disconnect(conn)
end)
