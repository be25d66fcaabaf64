# SPDX-License-Identifier: BSD-2-Clause
"""bigpacket.py PORT - one message whose single folded header is a 78 KB
milter packet (over libmilter's default 64 KB limit), after a forged
Authentication-Results with the authserv-id mx.test. miltertest cannot send
a packet this size, so this speaks the MTA side of the milter protocol
itself. Prints each reply the milter sends at end of message ("m"
delete/change header, "i" insert, "c" continue, ...) and "closed" if the
milter drops the connection."""
import socket
import struct
import sys

s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)


def send(cmd, data=b""):
    s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def recv():
    buf = b""
    while True:
        want = 4 if len(buf) < 4 else 4 + struct.unpack(">I", buf[:4])[0]
        if len(buf) >= want and len(buf) >= 4:
            return buf[4:want]
        try:
            c = s.recv(want - len(buf))
        except ConnectionError:
            return None
        if not c:
            return None
        buf += c


send(b"O", struct.pack(">III", 6, 0x1ff, 0x1fffff | 0x20000000))
r = recv()
print("optneg", r[:1].decode() if r else "closed")
# The milter negotiates no reply for connect, helo, mail, rcpt, header, body.
send(b"D", b"Ci\x00BIGPKT\x00")
send(b"C", b"client.example\x004\x00\x00192.0.2.10\x00")
send(b"H", b"mx.pass.milter.test\x00")
send(b"D", b"Mi\x00BIGPKT\x00")
send(b"M", b"<alice@pass.milter.test>\x00")
send(b"R", b"<rcpt@dest.example>\x00")
send(b"L", b"Authentication-Results\x00 mx.test; dkim=pass header.d=bank.example\x00")
send(b"L", b"From\x00 alice@pass.milter.test\x00")
big = b"\r\n\t".join(b"word%05d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" % i for i in range(1200))
send(b"L", b"X-Big\x00 " + big + b"\x00")
send(b"B", b"Hello.\r\n")
send(b"E")
while True:
    r = recv()
    if r is None:
        print("closed")
        break
    print("reply", r[:1].decode(), r[1:80].replace(b"\x00", b"|").decode("ascii", "replace"))
    if r[:1] in b"acrtyd":
        break
