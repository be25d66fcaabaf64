#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""bad_milter.py PORT MODE - a misbehaving milter on 127.0.0.1:PORT.
MODE garbage: answers negotiation properly, then sends junk instead of a
reply. MODE badlen: an absurd packet length. MODE hang: negotiates, then
never answers. MODE close: closes the connection after negotiation.
MODE size64k / size1m MAXFILE: a well-behaved milter (continue to every
step, accept at the end) that takes command data up to 64 KB - 1 (no
SMFIP_MDS_* in its negotiation reply) or 1 MB - 1 (SMFIP_MDS_1M, when
offered); like libmilter it drops the connection on a bigger packet, and it
writes the largest command data it got to MAXFILE.
Serves connections until killed."""
import socket
import struct
import sys
import threading
import time

port, mode = int(sys.argv[1]), sys.argv[2]
MDS_1M = 0x20000000
NO_REPLY = b'ADK'   # abort, macro, quit-nc


def readpkt(c):
    hdr = b''
    while len(hdr) < 4:
        b = c.recv(4 - len(hdr))
        if not b:
            return None
        hdr += b
    n = struct.unpack('>I', hdr)[0]
    data = b''
    while len(data) < n:
        b = c.recv(n - len(data))
        if not b:
            return None
        data += b
    return data


def serve(c):
    try:
        p = readpkt(c)
        if p is None or p[:1] != b'O':
            return
        # version 6, actions all, protocol 0 (send everything, reply to all)
        offered = struct.unpack('>I', p[9:13])[0]
        proto = MDS_1M if mode == 'size1m' and offered & MDS_1M else 0
        limit = 1024 * 1024 - 1 if proto else 64 * 1024 - 1
        body = b'O' + struct.pack('>III', 6, 0x1ff, proto)
        c.sendall(struct.pack('>I', len(body)) + body)
        biggest = 0
        while True:
            p = readpkt(c)
            if p is None:
                return
            if mode.startswith('size'):
                if len(p) - 1 > biggest:
                    biggest = len(p) - 1
                    with open(sys.argv[3], 'w') as f:
                        f.write('%d\n' % biggest)
                if len(p) - 1 > limit:
                    return
                if p[:1] == b'Q':
                    return
                if p[:1] not in NO_REPLY:
                    c.sendall(struct.pack('>I', 1) + (b'a' if p[:1] == b'E' else b'c'))
                continue
            if p[:1] == b'D':
                continue
            if mode == 'garbage':
                c.sendall(b'\x00\x00\x00\x05zjunk and more junk\r\n')
            elif mode == 'badlen':
                c.sendall(b'\x7f\xff\xff\xffc')
            elif mode == 'hang':
                time.sleep(3600)
            elif mode == 'close':
                c.close()
                return
    except OSError:
        pass
    finally:
        try:
            c.close()
        except OSError:
            pass


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', port))
s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
