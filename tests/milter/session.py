# SPDX-License-Identifier: BSD-2-Clause
"""session.py PORT MODE [ARG] - the MTA side of one milter session, for the
checks miltertest cannot make (a signal or the clock between two packets).

  message QID        one whole message from alice@pass.milter.test; prints
                     "verdict X" (X: the end-of-message reply, "c" continue,
                     "a" accept, "r" reject, ...) or "closed".
  hold FILE TEXT     negotiate and send a message up to its headers, print
                     "held", wait until FILE (the daemon's log) holds TEXT,
                     then send the body and end of message and print the
                     verdict as above.
  idle SECONDS       negotiate, send nothing more; prints "closed" when the
                     milter closes the connection, or "open" after SECONDS.
"""
import os
import socket
import struct
import sys
import time

port, mode = int(sys.argv[1]), sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else ""
s = socket.create_connection(("127.0.0.1", port), timeout=120)


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
        except (ConnectionError, socket.timeout):
            return None
        if not c:
            return None
        buf += c


def verdict():
    while True:
        r = recv()
        if r is None:
            return "closed"
        if r[:1] in b"acrtyd":
            return "verdict " + r[:1].decode()


send(b"O", struct.pack(">III", 6, 0x1ff, 0x1fffff))
if recv() is None:
    print("closed")
    sys.exit(0)
if mode == "idle":
    s.settimeout(float(arg))
    try:
        print("closed" if s.recv(1) == b"" else "data")
    except socket.timeout:
        print("open")
    except ConnectionError:
        print("closed")
    sys.exit(0)
qid = arg.encode() if mode == "message" else b"HOLD"
send(b"D", b"Ci\x00" + qid + b"\x00")
send(b"C", b"client.example\x004\x00\x00192.0.2.10\x00")
send(b"H", b"mx.pass.milter.test\x00")
send(b"D", b"Mi\x00" + qid + b"\x00")
send(b"M", b"<alice@pass.milter.test>\x00")
send(b"R", b"<rcpt@dest.example>\x00")
send(b"L", b"From\x00 alice@pass.milter.test\x00")
send(b"L", b"Subject\x00 session.py\x00")
if mode == "hold":
    print("held", flush=True)
    text = sys.argv[4].encode()
    while True:
        with open(arg, "rb") as f:
            if text in f.read():
                break
        time.sleep(0.05)
try:
    send(b"B", b"Hello.\r\n")
    send(b"E")
except ConnectionError:
    print("closed")
    sys.exit(0)
print(verdict())
