-- SPDX-License-Identifier: BSD-2-Clause
--plan 4
-- SIGHUP reload is atomic: new sessions get the new config, a session in progress keeps the one it started with.
--conf AuthservID old.test
dofile(libdir .. "/lib.lua")
T.run(function()
  local m = { from = "<alice@pass.milter.test>" }
  local old, r = T.mail(m)
  T.check(r == SMFIR_CONTINUE, "session 1 started under AuthservID old.test")
  T.reload_with(function(t) return (t:gsub("AuthservID old.test", "AuthservID new.test")) end)
  T.ok("SIGHUP: daemon logs \"reloaded configuration\"")
  local new
  new, r = T.message(m)
  local ar = T.header(new, "Authentication-Results")
  T.check(ar ~= nil and ar:sub(1, 11) == " new.test; ", "a session started after the reload uses the new config", tostring(ar))
  mt.disconnect(new)
  r = T.finish(old, m)
  ar = T.header(old, "Authentication-Results")
  T.check(ar ~= nil and ar:sub(1, 11) == " old.test; ", "the session started before the reload keeps its config to the end", tostring(ar))
  mt.disconnect(old)
end)
