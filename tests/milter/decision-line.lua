-- SPDX-License-Identifier: BSD-2-Clause
--plan 7
-- One decision line per message: every key present, in the shared order; odd values quoted; skipped message says why.
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<alice@pass.milter.test>", helo = "odd \"helo\" \\ name", qid = "DEC1" }
  local line = T.decision()
  local keys = {}
  for k in line:gmatch("([%w_]+)=") do keys[#keys + 1] = k end
  local want = "ts qid ip helo mailfrom identity domain spf helo_spf dkim dkim_d skip action reason reply dmarc dmarc_from dmarc_p dmarc_req dmarc_align dmarc_spf dmarc_spf_d dmarc_rdom dmarc_pub dmarc_rua arc arc_d dmarc_override elapsed_ms"
  T.check(table.concat(keys, " ") == want, "decision line has every key in the shared order", line)
  T.check(line:find("^ts=%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ ") ~= nil, "ts is UTC YYYY-MM-DDTHH:MM:SSZ", line)
  T.check(line:find(' helo="odd \\"helo\\" \\\\ name" ', 1, true) ~= nil,
    "a value with spaces, quotes or backslashes is quoted and escaped", line)
  T.check(T.count_log("info: decision ts=") >= 1 and T.count_log("qid=DEC1 ") >= 1,
    "the same line goes to the main log as \"decision ts=...\"")
  T.expect("reply", "-", "accepted message: reply=-")
  T.expect("elapsed_ms", T.field(line, "elapsed_ms"), "elapsed_ms is present")
  T.check(tonumber(T.field(line, "elapsed_ms")) ~= nil, "elapsed_ms is a number", line)
  mt.disconnect(conn)
end)
