-- SPDX-License-Identifier: BSD-2-Clause
--plan 11
-- DKIM wiring: authenticated/internal mail is signed (DKIM-Signature at the top); other mail is verified into A-R.
--conf KeyTable @DIR@/KeyTable
--conf SigningTable refile:@DIR@/SigningTable
--conf DKIMNoneAction reject
dofile(libdir .. "/lib.lua")
T.run(function()
  local hdrs = { { "From", "Dee <dee@d1.dkim.test>" }, { "To", "rcpt@dest.example" },
                 { "Subject", "signed by the milter" }, { "Date", "Sun, 29 Nov 2026 12:00:00 +0000" },
                 { "Message-ID", "<sig1@d1.dkim.test>" } }
  local body = "Signed body line.\r\n"
  local conn, r = T.message{ from = "<dee@d1.dkim.test>", auth = "dee", headers = hdrs, body = body }
  T.check(r == SMFIR_CONTINUE, "authenticated sender: accepted (signing mode, no DKIM action)")
  local sig = T.header(conn, "DKIM-Signature")
  T.check(sig ~= nil and mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature", sig, 0),
    "authenticated sender: DKIM-Signature inserted at the top", tostring(sig))
  T.check(sig:find("d=d1.dkim.test", 1, true) ~= nil, "signature has d=d1.dkim.test", sig)
  T.expect("dkim", "-", "signing mode: decision dkim=- (nothing verified)")
  mt.disconnect(conn)

  conn, r = T.message{ ip = "127.0.0.1", from = "<dee@d1.dkim.test>", headers = hdrs, body = body }
  T.check(T.header(conn, "DKIM-Signature") ~= nil, "InternalHosts default (127.0.0.1): signed too")
  mt.disconnect(conn)

  -- The signature we made verifies when the message comes back from outside.
  local signed = { { "DKIM-Signature", sig } }
  for _, h in ipairs(hdrs) do signed[#signed + 1] = h end
  conn, r = T.message{ from = "<dee@d1.dkim.test>", headers = signed, body = body }
  local ar = T.header(conn, "Authentication-Results")
  T.check(r == SMFIR_CONTINUE and ar ~= nil and ar:find("dkim=pass", 1, true) ~= nil
    and ar:find("header.d=d1.dkim.test", 1, true) ~= nil,
    "inbound signed message: A-R says dkim=pass header.d=d1.dkim.test", tostring(ar))
  T.expect("dkim", "pass", "inbound signed: decision dkim=pass")
  T.expect("dkim_d", "d1.dkim.test", "inbound signed: decision dkim_d=d1.dkim.test")
  T.check(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), "verify mode never signs")
  mt.disconnect(conn)

  conn, r = T.message{ from = "<dee@pass.milter.test>" }
  T.check(r == SMFIR_REPLYCODE and mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.20", "No DKIM signature found"),
    "unsigned inbound with DKIMNoneAction reject: 550 5.7.20 No DKIM signature found")
  T.expect("reason", "dkim", "unsigned inbound: decision reason=dkim")
  mt.disconnect(conn)
end)
