-- SPDX-License-Identifier: BSD-2-Clause
--plan 14
-- ARC in the daemon: chains sealed by dkimpy (tests/dkim/arc_fixtures.py) give arc=pass|fail|none with smtp.remote-ip in the A-R and the decision line; a DMARC p=reject failure is accepted only when the chain passes and its newest sealer is in ARCTrustedSealers.
--conf DMARCRejectAction reject
--conf ARCTrustedSealers d2.dkim.test
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")
T.run(function()
  local fx = dir .. "/arc-fx"
  if io.open(fx .. "/expect", "r") == nil then
    D.sh(D.py .. " " .. D.top .. "/tests/dkim/arc_fixtures.py gen " .. fx .. " >/dev/null")
  end
  local function send(name)
    local hdrs, body = D.load(fx .. "/" .. name .. ".eml")
    return D.send({ from = "<u@pass.milter.test>", ip = "192.0.2.10" }, hdrs, body)
  end

  local conn, r = send("arc-pass-1")
  local ar = T.header(conn, "Authentication-Results") or ""
  T.check(r == SMFIR_CONTINUE, "DMARC p=reject failure, chain sealed by trusted d2.dkim.test: accepted", "reply " .. tostring(r))
  T.check(ar:find("arc=pass (i=1 d=d2.dkim.test) smtp.remote-ip=192.0.2.10", 1, true) ~= nil,
    "A-R: arc=pass (i=1 d=d2.dkim.test) smtp.remote-ip=192.0.2.10", ar)
  T.check(ar:find("dmarc=fail (p=reject dis=none)", 1, true) ~= nil, "A-R: dmarc=fail, dis=none (not acted on)", ar)
  T.expect("dmarc_override", "arc", "decision line: dmarc_override=arc")
  T.expect("arc_d", "d2.dkim.test", "decision line: arc_d=d2.dkim.test")
  mt.disconnect(conn)

  conn, r = send("arc-pass-2")
  ar = T.header(conn, "Authentication-Results") or ""
  T.check(r == SMFIR_CONTINUE and ar:find("arc=pass (i=2 d=d2.dkim.test)", 1, true) ~= nil,
    "two sets, newest sealed by d2.dkim.test: arc=pass (i=2), accepted", "reply " .. tostring(r) .. ", A-R: " .. ar)
  mt.disconnect(conn)

  for _, c in ipairs({ { "arc-badseal", "a broken seal" }, { "arc-body", "a body changed after sealing" },
                       { "arc-instance", "a wrong instance number" } }) do
    conn, r = send(c[1])
    T.check(r == SMFIR_REPLYCODE, c[2] .. ": arc=fail does not override DMARC: rejected", "reply " .. tostring(r))
    T.expect("arc", "fail", c[2] .. ": decision line arc=fail")
    mt.disconnect(conn)
  end

  conn, r = send("arc-none")
  T.check(r == SMFIR_REPLYCODE, "no ARC fields: DMARC p=reject failure rejected", "reply " .. tostring(r))
  T.expect("arc", "none", "no ARC fields: decision line arc=none")
  mt.disconnect(conn)
end)
