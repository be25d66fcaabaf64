#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""unstuff.py SPOOLFILE - print the body the bridge must send to a milter:
the part after the empty line that ends the headers, one leading '.'
removed from every line."""
import sys

spool = open(sys.argv[1], 'rb').read()
marker = b'\r\n<<MAIL-DATA>>\r\n'
msg = spool[spool.index(marker) + len(marker):]
i = msg.find(b'\r\n\r\n')
body = msg[i + 4:] if i >= 0 else b''
out = b'\r\n'.join(l[1:] if l.startswith(b'.') else l for l in body.split(b'\r\n'))
sys.stdout.buffer.write(out)
