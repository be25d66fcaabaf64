-- SPDX-License-Identifier: BSD-2-Clause
--plan 6
-- Spam folder in a local XMail account (SpamFolder xmail:MAILROOT:spam@example.test):
-- copies land in MAILROOT/domains/example.test/spam/Maildir/new under XMail's
-- file naming, with body lines starting with '.' stuffed as XMail stores them.
--conf SPFFailAction save-reject
--conf SPFSoftfailAction quarantine
--conf SpamFolder xmail:@DIR@/MailRoot:spam@example.test
--conf SpamLog @DIR@/spam.log
dofile(libdir .. "/lib.lua")
dofile(libdir .. "/../spam/milter-lib.lua")
T.run(function()
  local root = declog:match("^(.*)/[^/]*$") .. "/MailRoot"
  spamdir = spamdir or (root .. "/domains/example.test/spam/Maildir")
  -- the account exists (XMail made it); its Maildir subdirectories we may create
  os.execute("mkdir -p '" .. root .. "/domains/example.test/spam'")
  local c0 = S.copies()
  local conn, r

  conn, r = T.message{ from = "<c@fail.milter.test>", qid = "XSAVE", body = "line one\r\n.leading dot\r\n..two\r\nend\r\n" }
  T.check(r == SMFIR_REPLYCODE, "xmail account: save-reject refused at end of data")
  mt.disconnect(conn)
  T.check(S.copies() == c0 + 1, "xmail account: save-reject leaves exactly one copy in the account's Maildir/new", "copies " .. S.copies())
  local path = S.newest()
  local name = path:match("([^/]+)$")
  T.check(name:match("^%d+%.%x+%.%x+%.%x+%.[%w%.%-_]+$") ~= nil, "xmail account: the file is named <ms>.<tid hex>.<pid hex>.<seq hex>.<host> (" .. name .. ")")
  local copy = S.read(path)
  T.check(copy:find("\r\nline one\r\n..leading dot\r\n...two\r\nend\r\n", 1, true) ~= nil,
    "xmail account: body lines starting with '.' are stored dot-stuffed, as XMail stores them")

  conn, r = T.message{ from = "<d@softfail.milter.test>", qid = "XQUAR" }
  T.check(r == SMFIR_DISCARD, "xmail account: quarantine discards at SMTP")
  mt.disconnect(conn)
  T.check(S.copies() == c0 + 2, "xmail account: quarantine leaves exactly one more copy", "copies " .. S.copies())
end)
