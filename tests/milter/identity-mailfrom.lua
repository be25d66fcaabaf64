-- SPDX-License-Identifier: BSD-2-Clause
--plan 12
-- SPF identity mailfrom (default): the MAIL FROM domain is checked at MAIL time.
--conf SPFIdentity mailfrom
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<alice@pass.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "mailfrom pass: message accepted")
  local ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("spf=pass smtp.mailfrom=alice@pass.milter.test", 1, true) ~= nil,
    "mailfrom pass: A-R says spf=pass smtp.mailfrom=alice@pass.milter.test", tostring(ar))
  T.expect("identity", "mailfrom", "mailfrom pass: decision identity=mailfrom")
  T.expect("spf", "pass", "mailfrom pass: decision spf=pass")
  T.expect("domain", "pass.milter.test", "mailfrom pass: decision domain=pass.milter.test")
  mt.disconnect(conn)

  conn, r = T.message{ from = "<bob@fail.milter.test>" }
  T.check(r == SMFIR_CONTINUE, "mailfrom fail with default action: accepted (monitor mode)")
  ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("spf=fail smtp.mailfrom=bob@fail.milter.test", 1, true) ~= nil,
    "mailfrom fail: A-R says spf=fail", tostring(ar))
  T.expect("action", "accept", "mailfrom fail: decision action=accept")
  mt.disconnect(conn)

  conn, r = T.message{ ip = "2001:db8:10::10", from = "<carol@pass.milter.test>" }
  ar = T.header(conn, "Authentication-Results")
  T.check(ar ~= nil and ar:find("spf=pass smtp.mailfrom=carol@pass.milter.test", 1, true) ~= nil,
    "IPv6 client in the record's ip6: range: spf=pass", tostring(ar))
  T.expect("ip", "2001:db8:10::10", "IPv6 client: decision ip=2001:db8:10::10")
  mt.disconnect(conn)
  conn, r = T.message{ ip = "::ffff:192.0.2.10", from = "<dan@pass.milter.test>" }
  T.expect("spf", "pass", "IPv4-mapped IPv6 client is checked as IPv4: spf=pass")
  T.expect("ip", "192.0.2.10", "IPv4-mapped client logged as ip=192.0.2.10")
  mt.disconnect(conn)
end)
