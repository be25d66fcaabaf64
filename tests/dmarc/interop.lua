-- SPDX-License-Identifier: BSD-2-Clause
-- interop.lua - every corpus message through spfdkim-milter and OpenDMARC
-- (tests/suites/53-dmarc-interop.sh). Globals (miltertest -D): ours, theirs
-- (milter sockets), corpus (corpus.py gen OUTDIR), results (output file),
-- libdir (tests/milter). OpenDMARC does not verify SPF or DKIM itself here:
-- it is given our spf= and dkim= results in an Authentication-Results field
-- of an authserv-id it trusts (mx.test), so only the DMARC logic is compared.
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/dkim-lib.lua")

-- "RESULT p=POLICY header.from=DOMAIN" from the dmarc= part of an A-R value.
local function norm(ar)
  ar = (ar or ""):gsub("\r?\n[ \t]*", " ")
  local part = ar:match("dmarc=[^;]*")
  if part == nil then return "absent" end
  local res = part:match("^dmarc=(%a+)") or "?"
  local p = part:match("%(p=(%a+)") or "-"
  local from = part:match("header%.from=([^%s;]+)") or "-"
  if res == "none" then p = "-" end
  return res .. " p=" .. p:lower() .. " header.from=" .. from:lower()
end

T.run(function()
local out = io.open(results, "w")
for line in io.lines(corpus .. "/cases") do
  local id, mailfrom = line:match("^(%S+)\t(%S+)\t")
  local hdrs, body = D.load(corpus .. "/msgs/" .. id .. ".eml")
  local m = { from = "<" .. mailfrom .. ">", ip = "192.0.2.10", helo = "mx.pass.milter.test", qid = id }

  sock = ours
  local conn = D.send(m, hdrs, body)
  local ar = T.header(conn, "Authentication-Results") or ""
  mt.disconnect(conn)

  -- OpenDMARC gets our SPF and DKIM parts as a trusted A-R at the top.
  local flat = ar:gsub("\r?\n[ \t]*", " ")
  local keep = {}
  for part in flat:gmatch(";%s*([^;]+)") do
    if part:match("^spf=") or part:match("^dkim=") then keep[#keep + 1] = part end
  end
  local given = { { "Authentication-Results", " mx.test; " .. (#keep > 0 and table.concat(keep, "; ") or "none") } }
  for _, h in ipairs(hdrs) do given[#given + 1] = h end
  sock = theirs
  local conn2 = D.send(m, given, body)
  local ar2 = mt.getheader(conn2, "Authentication-Results", 0) or ""
  mt.disconnect(conn2)
  out:write(id .. "\t" .. norm(ar) .. "\t" .. norm(ar2) .. "\n")
end
out:close()
T.ok("every corpus message went through both milters")
end)
