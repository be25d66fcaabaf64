-- SPDX-License-Identifier: BSD-2-Clause
-- lib.lua - shared helpers for the milter's miltertest scripts.
--
-- Globals given by tests/suites/30-milter.sh (miltertest -D):
--   sock     the milter socket (inet:PORT@127.0.0.1)
--   declog   the DecisionLog file
-- Each script states its config in "--conf Key value" lines (the suite
-- loads them by SIGHUP before running it), the number of checks it reports
-- in one "--plan N" line (the suites add these up into their own plan), and
-- reports every check with ok("what an admin would observe"); a failed
-- check raises an error. A script that needs a setup only one suite gives
-- says so in a "--needs GLOBAL" line and, without that global, reports a
-- single skip("what", "why") instead of its plan.

T = {}

function T.ok(desc)
  mt.echo("ok " .. desc)
end

function T.skip(desc, why)
  mt.echo("skip " .. desc .. " - " .. why)
end

function T.check(cond, desc, why)
  if cond then
    T.ok(desc)
  else
    error("not ok " .. desc .. (why and (" - " .. why) or ""), 0)
  end
end

-- Opens a connection and negotiates (protocol defaults of libmilter).
function T.connect()
  local conn = mt.connect(sock, 40, 0.25)
  if conn == nil then error("cannot connect to " .. tostring(sock), 0) end
  local err = mt.negotiate(conn, nil, nil, nil)
  if err ~= nil then error("negotiate: " .. err, 0) end
  return conn
end

local function must(err, what)
  if err ~= nil then error(what .. ": " .. tostring(err), 0) end
end

-- Runs one SMTP session up to (and including) MAIL FROM.
-- m = { ip=, host=, helo=, from=, auth=, qid= }
-- Returns conn and the MAIL reply.
function T.mail(m)
  local conn = T.connect()
  must(mt.conninfo(conn, m.host or "client.example", m.ip or "192.0.2.10"), "conninfo")
  if not mt.test_option(conn, SMFIP_NOHELO) then
    must(mt.helo(conn, m.helo or "mx.pass.milter.test"), "helo")
  end
  if m.auth then
    must(mt.macro(conn, SMFIC_MAIL, "i", m.qid or "QID1", "{auth_authen}", m.auth), "macro")
  else
    must(mt.macro(conn, SMFIC_MAIL, "i", m.qid or "QID1"), "macro")
  end
  must(mt.mailfrom(conn, m.from or "<user@pass.milter.test>"), "mailfrom")
  return conn, mt.getreply(conn)
end

-- Runs a whole message: m as for T.mail plus rcpt=, headers={{n,v},...}, body=.
-- Returns conn and the end-of-message reply (or the MAIL reply if refused there).
function T.message(m)
  local conn, r = T.mail(m)
  if r ~= SMFIR_CONTINUE then return conn, r, "mail" end
  return conn, T.finish(conn, m), "eom"
end

-- The rest of a message after MAIL: RCPT, headers, body, end of message.
function T.finish(conn, m)
  must(mt.rcptto(conn, m.rcpt or "<rcpt@dest.example>"), "rcptto")
  local hdrs = m.headers or {
    { "From", "User <user@pass.milter.test>" },
    { "To", "rcpt@dest.example" },
    { "Subject", "test" },
  }
  for _, h in ipairs(hdrs) do
    must(mt.header(conn, h[1], h[2]), "header " .. h[1])
  end
  if not mt.test_option(conn, SMFIP_NOEOH) then must(mt.eoh(conn), "eoh") end
  if not mt.test_option(conn, SMFIP_NOBODY) then
    must(mt.bodystring(conn, m.body or "Hello.\r\n"), "body")
  end
  must(mt.eom(conn), "eom")
  return mt.getreply(conn)
end

-- The last line of a file ("" when it is missing or empty).
function T.last_line(path)
  local f = io.open(path, "r")
  if f == nil then return "" end
  local last = ""
  for line in f:lines() do last = line end
  f:close()
  return last
end

-- The last line of the decision log (the line for the message just sent).
function T.decision()
  return T.last_line(declog)
end

-- Value of key k in a decision line ("-" when absent); handles quoted values.
function T.field(line, k)
  local v = line:match(" " .. k .. "=\"(.-[^\\])\"") or line:match("^" .. k .. "=\"(.-[^\\])\"")
  if v then return v end
  return line:match(" " .. k .. "=(%S+)") or line:match("^" .. k .. "=(%S+)") or "-"
end

-- Checks one decision field.
function T.expect(k, want, desc)
  local line = T.decision()
  local got = T.field(line, k)
  T.check(got == want, desc, "decision " .. k .. "=" .. got .. " (want " .. want .. ") in: " .. line)
end

-- Header checks at end of message.
function T.header(conn, name, n)
  return mt.getheader(conn, name, n or 0)
end

-- Number of log lines containing text (plain match).
function T.count_log(text)
  local f = io.open(errlog, "r")
  local n = 0
  if f == nil then return 0 end
  for line in f:lines() do
    if line:find(text, 1, true) then n = n + 1 end
  end
  f:close()
  return n
end

-- Rewrites the daemon's config with fn(text) and reloads it by SIGHUP.
function T.reload_with(fn)
  local f = io.open(conf, "r")
  local text = f:read("a")
  f:close()
  f = io.open(conf, "w")
  f:write(fn(text))
  f:close()
  local before = T.count_log("reloaded configuration")
  os.execute("kill -HUP " .. pid)
  for _ = 1, 100 do
    if T.count_log("reloaded configuration") > before then return end
    mt.sleep(0.1)
  end
  error("no reload after SIGHUP", 0)
end

function T.run(main)
  local ok, err = xpcall(main, debug.traceback)
  if not ok then
    io.stderr:write(tostring(err) .. "\n")
    os.exit(1)
  end
end
