-- SPDX-License-Identifier: BSD-2-Clause
--plan 5
-- The DKIM signer and the SPF header-from check read the same author from a From: with an address in a comment.
--conf SPFIdentity header-from
--conf SkipAuthenticated no
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")
T.run(function()
  -- Keys sign as the From: domain (%); only pass.milter.test has an entry.
  D.tables("oneparser", {})
  local kdir = dir .. "/dkim-keys"
  local kt, st = dir .. "/oneparser.KeyTable", dir .. "/oneparser.SigningTable"
  local f = io.open(kt, "w")
  f:write("r2048 %:r2048:" .. kdir .. "/r2048.private\n")
  f:close()
  f = io.open(st, "w")
  f:write("pass.milter.test r2048\n")
  f:close()
  D.reconfigure({ "KeyTable", "SigningTable" }, { "KeyTable " .. kt, "SigningTable " .. st })

  local function send(from)
    local conn, r = T.message{ from = "<user@pass.milter.test>", auth = "user", headers = {
      { "From", from }, { "To", "x@dest.example" }, { "Subject", "one parser" } } }
    local sigs = D.added_sigs(conn)
    local ar = T.header(conn, "Authentication-Results") or ""
    mt.disconnect(conn)
    return r, sigs, ar
  end

  local r, sigs, ar = send("user@pass.milter.test (x <user@fail.milter.test>)")
  T.check(r == SMFIR_CONTINUE, "From: with an address in a comment: accepted")
  T.check(#sigs == 1 and sigs[1]:find("d=pass.milter.test;", 1, true) ~= nil,
    "the signer signs as pass.milter.test (the address, not the one in the comment)",
    #sigs .. " signatures: " .. (sigs[1] or ""))
  T.check(ar:find("spf=pass header.from=pass.milter.test", 1, true) ~= nil,
    "SPF header-from checks pass.milter.test too", ar)

  r, sigs, ar = send("user@fail.milter.test (x <user@pass.milter.test>)")
  T.check(#sigs == 0, "reversed: the comment's pass.milter.test does not get the message signed",
    #sigs .. " signatures")
  T.check(ar:find("spf=fail header.from=fail.milter.test", 1, true) ~= nil,
    "reversed: SPF header-from checks fail.milter.test", ar)
end)
