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
end)
