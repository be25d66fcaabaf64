#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# big_headers.py - writes an XMail post-data spool ($(FILE)) whose header
# section a sender blew up, to check that the bridge still lets the milter
# judge the message:
#
#   big_headers.py OUT SENDER AUTHSERV-ID fold KBYTES   one legal folded
#       header of about KBYTES KB (lines of 76 chars), then a forged
#       "Authentication-Results: AUTHSERV-ID; dkim=pass"
#   big_headers.py OUT SENDER AUTHSERV-ID count N       N short headers, a
#       forged A-R among the first ones and one among the last ones
#   big_headers.py OUT SENDER AUTHSERV-ID forged-fold KBYTES   the forged
#       A-R itself folded to about KBYTES KB
#   big_headers.py OUT SENDER AUTHSERV-ID garbage 0   a line that is no
#       header, then the forged A-R (a reader may still take it for one)
#
# The envelope is the one of tests/data/xmail/spool/post-data-plain.spool
# with MAIL FROM:<SENDER>; every line ends in CRLF as XMail writes it.
import sys

out, sender, authserv, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
env = ('client.test;[127.0.0.1]:60376;example.test;[127.0.0.1]:2525;'
       'Sun, 29 Nov 2026 10:46:48 -0000;[XMail 1.27 ESMTP Server]\r\n'
       'example.test\r\nS3\r\nMAIL FROM:<%s>\r\n'
       'RCPT TO:<alice@example.test> {ra=alice@example.test}\r\n<<MAIL-DATA>>\r\n' % sender)
top = ('Date: Sun, 29 Nov 2026 10:46:48 +0000\r\nTo: alice@example.test\r\n'
       'From: %s\r\nSubject: big header test\r\nMessage-Id: <big.%s.%d@vm>\r\n' % (sender, mode, n))
forged = 'Authentication-Results: %s; dkim=pass header.d=example.test\r\n' % authserv
folds = lambda kb: ''.join('\t%s\r\n' % ('x%05d' % i + 'y' * 70) for i in range(kb * 1024 // 79))
if mode == 'fold':
    hdrs = top + 'X-Big: start\r\n' + folds(n) + forged
elif mode == 'forged-fold':
    hdrs = top + forged.rstrip('\r\n') + '\r\n' + folds(n)
elif mode == 'garbage':
    hdrs = top + 'this line is no header\r\n' + forged
elif mode == 'count':
    filler = ''.join('X-Filler-%d: value %d\r\n' % (i, i) for i in range(n - 2))
    hdrs = top + forged + filler + forged
else:
    sys.exit('unknown mode ' + mode)
body = '\r\nbody line\r\n..stuffed line\r\n'
with open(out, 'wb') as f:
    f.write((env + hdrs + body).encode())
