-- SPDX-License-Identifier: BSD-2-Clause
--plan 2
-- ReceivedSPFHeader no: only Authentication-Results is added.
--conf ReceivedSPFHeader no
dofile(libdir .. "/lib.lua")
T.run(function()
  local conn, r = T.message{ from = "<alice@pass.milter.test>" }
  T.check(T.header(conn, "Received-SPF") == nil, "ReceivedSPFHeader no: no Received-SPF")
  T.check(T.header(conn, "Authentication-Results") ~= nil, "ReceivedSPFHeader no: Authentication-Results still added")
  mt.disconnect(conn)
end)
