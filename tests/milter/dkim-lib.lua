-- SPDX-License-Identifier: BSD-2-Clause
-- dkim-lib.lua - helpers for the DKIM miltertest scripts (dkim-*.lua).
--
-- Needs lib.lua (T) loaded first. Messages come from tests/dkim/fixtures.py
-- (signed by dkimpy with the keys tests/dns/zones/dkim.zone publishes) and
-- are fed header by header with their exact bytes after the colon, leading
-- space included, as Postfix sends them once SMFIP_HDR_LEADSPC is agreed.

D = {}
D.py = "/usr/bin/python3"
D.top = libdir .. "/../.."

function D.sh(cmd)
  local ok = os.execute(cmd)
  if not ok then error("command failed: " .. cmd, 0) end
end

-- The test DNS the daemon uses ("127.0.0.1@PORT"), from its config.
function D.resolver()
  local f = io.open(conf, "r")
  local text = f:read("a")
  f:close()
  return text:match("\nResolver%s+(%S+)") or text:match("^Resolver%s+(%S+)")
end

-- The fixtures, generated once per variant directory.
function D.fixtures()
  local fx = dir .. "/dkim-fx"
  if io.open(fx .. "/expect", "r") == nil then
    D.sh(D.py .. " " .. D.top .. "/tests/dkim/fixtures.py gen " .. fx .. " >/dev/null")
  end
  return fx
end

-- Reads a message file: headers { {name, value}, ... } (value = the bytes
-- after the colon, folds kept as CRLF) and the body in CRLF.
function D.load(path)
  local f = io.open(path, "rb")
  if f == nil then error("cannot read " .. path, 0) end
  local s = f:read("a")
  f:close()
  s = s:gsub("\r\n", "\n"):gsub("\n", "\r\n")
  local hs, body = s:match("^(.-\r\n)\r\n(.*)$")
  if hs == nil then hs, body = s, "" end
  local hdrs = {}
  for line in hs:gmatch("(.-)\r\n") do
    if line:match("^[ \t]") and #hdrs > 0 then
      hdrs[#hdrs][2] = hdrs[#hdrs][2] .. "\r\n" .. line
    else
      local n, v = line:match("^([^:]+):(.*)$")
      if n then hdrs[#hdrs + 1] = { n, v } end
    end
  end
  return hdrs, body
end

-- Sends one message (headers as loaded) and returns conn, reply.
-- miltertest itself puts one space before every value once SMFIP_HDR_LEADSPC
-- is agreed, so that space is taken off here: the milter then gets the exact
-- bytes (values that do not start with a space cannot be sent exactly).
function D.send(m, hdrs, body)
  local conn, r = T.mail(m)
  if r ~= SMFIR_CONTINUE then return conn, r end
  local err = mt.rcptto(conn, m.rcpt or "<rcpt@dest.example>")
  if err ~= nil then error("rcptto: " .. err, 0) end
  local lead = mt.test_option(conn, SMFIP_HDR_LEADSPC)
  for _, h in ipairs(hdrs) do
    local v = h[2]
    if lead and v:sub(1, 1) == " " then v = v:sub(2) end
    err = mt.header(conn, h[1], v)
    if err ~= nil then error("header " .. h[1] .. ": " .. err, 0) end
  end
  if not mt.test_option(conn, SMFIP_NOEOH) then mt.eoh(conn) end
  local pos = 1
  -- A milter may negotiate the body away (OpenDMARC does).
  if mt.test_option(conn, SMFIP_NOBODY) then pos = #body + 1 end
  while pos <= #body do
    err = mt.bodystring(conn, body:sub(pos, pos + 65535 - 1))
    if err ~= nil then error("body: " .. err, 0) end
    pos = pos + 65535
  end
  err = mt.eom(conn)
  if err ~= nil then error("eom: " .. err, 0) end
  return conn, mt.getreply(conn)
end

-- The dkim= verdicts in an Authentication-Results value, in order, space-joined.
function D.verdicts(ar)
  local v = {}
  for x in (ar or ""):gmatch("dkim=(%a+)") do v[#v + 1] = x end
  return table.concat(v, " ")
end

-- All DKIM-Signature values the milter inserted (nil-terminated list).
function D.added_sigs(conn)
  local sigs = {}
  for i = 0, 7 do
    local v = mt.getheader(conn, "DKIM-Signature", i)
    if v == nil then break end
    sigs[#sigs + 1] = v
  end
  return sigs
end

-- Writes a message as the MTA would deliver it: our inserted fields on top.
function D.write(path, added, hdrs, body)
  local f = io.open(path, "wb")
  for _, v in ipairs(added) do
    local val = v:gsub("\r\n", "\n"):gsub("\n", "\r\n")
    f:write("DKIM-Signature:" .. val .. "\r\n")
  end
  for _, h in ipairs(hdrs) do f:write(h[1] .. ":" .. h[2] .. "\r\n") end
  f:write("\r\n" .. body)
  f:close()
end

-- Rewrites the config: drops the given keys, appends lines; reloads by SIGHUP.
function D.reconfigure(drop, add)
  T.reload_with(function(text)
    local out = {}
    for line in (text .. "\n"):gmatch("(.-)\n") do
      local k = line:match("^(%S+)")
      local keep = true
      for _, d in ipairs(drop) do if k == d then keep = false end end
      if keep and line ~= "" then out[#out + 1] = line end
    end
    for _, l in ipairs(add) do out[#out + 1] = l end
    return table.concat(out, "\n") .. "\n"
  end)
end

-- A KeyTable/SigningTable pair in the variant dir for d1.dkim.test; keys
-- are copied with mode 0600. names: list of "r2048" / "ed1".
function D.tables(tag, names)
  local kdir = dir .. "/dkim-keys"
  D.sh("mkdir -p " .. kdir .. " && cp " .. D.top .. "/tests/dkim/keys/*.private " .. kdir ..
       "/ && chmod 600 " .. kdir .. "/*.private")
  local kt = io.open(dir .. "/" .. tag .. ".KeyTable", "w")
  local st = io.open(dir .. "/" .. tag .. ".SigningTable", "w")
  for _, n in ipairs(names) do
    kt:write(n .. " d1.dkim.test:" .. n .. ":" .. kdir .. "/" .. n .. ".private\n")
    st:write("*@d1.dkim.test " .. n .. "\n")
  end
  kt:close()
  st:close()
  return dir .. "/" .. tag .. ".KeyTable", "refile:" .. dir .. "/" .. tag .. ".SigningTable"
end
