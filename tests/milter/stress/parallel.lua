-- SPDX-License-Identifier: BSD-2-Clause
-- Load for the reload-under-load check (run several at once by 30-milter.sh):
-- N messages, alternating pass and fail senders, each with a unique queue id.
dofile(libdir .. "/lib.lua")
T.run(function()
  for i = 1, tonumber(count) do
    local from = (i % 2 == 0) and "<a@pass.milter.test>" or "<b@fail.milter.test>"
    local conn, r = T.message{ from = from, qid = tag .. "-" .. i }
    if r ~= SMFIR_CONTINUE and r ~= SMFIR_REPLYCODE then error("unexpected reply " .. tostring(r), 0) end
    mt.disconnect(conn)
  end
  T.ok("sent " .. count)
end)
