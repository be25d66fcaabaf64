#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""dkim_verify.py SPOOLFILE KEYTXT [--stuffed] - verify the DKIM-Signature(s) of a
rewritten XMail spool file on the form XMail delivers: the message after
<<MAIL-DATA>>, un-stuffed, with Return-Path:, Delivered-To: and Received:
prepended as XMail does above any header a filter inserted (see
tests/data/xmail/delivered/), as a POP3 client reads it (CRLF). KEYTXT is opendkim-genkey's .txt file;
every selector._domainkey lookup answers with it. Prints pass/fail lines;
exit 0 when every signature verifies and there is at least one.
--stuffed verifies the still-stuffed bytes instead (a negative control)."""
import re
import sys

import dkim

spool = open(sys.argv[1], 'rb').read()
txt = open(sys.argv[2]).read()
rec = ''.join(re.findall(r'"([^"]*)"', txt)).encode()

marker = b'\r\n<<MAIL-DATA>>\r\n'
msg = spool[spool.index(marker) + len(marker):]
lines = msg.split(b'\r\n')
if '--stuffed' not in sys.argv:
    msg = b'\r\n'.join(l[1:] if l.startswith(b'.') else l for l in lines)
msg = (b'Return-Path: <sender@sender.test>\r\nDelivered-To: alice@example.test\r\n'
       b'Received: from client.test ([127.0.0.1]:60376)\r\n'
       b'\tby example.test with [XMail 1.27 ESMTP Server]\r\n'
       b'\tid <S3> for <alice@example.test>; Sun, 29 Nov 2026 10:46:48 -0000\r\n') + msg


def dnsfunc(name, timeout=5):
    return rec


d = dkim.DKIM(msg)
n = 0
ok = True
hdr_count = len(re.findall(rb'(?mi)^DKIM-Signature:', msg.split(b'\r\n\r\n')[0]))
for i in range(hdr_count):
    r = d.verify(idx=i, dnsfunc=dnsfunc)
    print('signature %d: %s' % (i, 'pass' if r else 'fail'))
    n += 1
    ok = ok and r
if n == 0:
    print('no DKIM-Signature')
sys.exit(0 if ok and n > 0 else 1)
