#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""suite_dns.py - serve the zonedata of an SPF test suite (openspf YAML) as
a small deterministic DNS server on loopback, one UDP+TCP port per scenario,
and write a manifest of the tests for the C driver (spf_conformance).

    suite_dns.py SUITE.yml MANIFEST [SUITE2.yml MANIFEST2 ...]

Prints "READY" on stdout once every port listens, then serves until killed
(or until stdin closes, so it never outlives the run that started it).

Data conventions (the suite README, i.e. pyspf's test/testspf.py):
- TXT/SPF values are a string or a list of strings (character-strings of
  one record, joined); strings over 255 octets are split on the wire.
- A name with only SPF records also gets them as TXT, unless it lists some
  TXT item ("TXT: NONE" means none).
- A bare TIMEOUT item: queries for that name are never answered, unless
  records of the queried type are listed before it.
- "\\xEF"-style escapes are raw octets (YAML gives U+00EF: latin-1 encode).
- Names not in the data are NXDOMAIN; known names without the type NODATA.
  CNAMEs are chased inside the data (at most 8 hops, so loops stay finite).
- A TXT/SPF item with no strings ("null text") is a zero-length rdata.
UDP answers larger than the client's EDNS size (or 512) are truncated (TC)
so the client retries over TCP.

Manifest line (tab-separated, values backslash-escaped: \\\\ \\t \\n \\xHH):
    scenario port testname host mailfrom helo results(comma) explanation(or -)
"""
import selectors
import socket
import struct
import sys
import threading

import yaml
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.rdtypes.ANY.TXT

SOA = "ns.test. hostmaster.test. 1 3600 600 86400 300"


def octets(s):
    if isinstance(s, bytes):
        return s
    s = str(s)
    try:
        return s.encode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def split255(b):
    if not b:
        return [b""]
    return [b[i:i + 255] for i in range(0, len(b), 255)]


class Zone:
    """One scenario's data: name -> list of (type, value) in order."""

    def __init__(self, zonedata):
        self.names = {}
        for name, items in (zonedata or {}).items():
            lst = []
            for it in items or []:
                if isinstance(it, str):
                    lst.append((it.upper(), None))
                else:
                    for k, v in it.items():
                        lst.append((k.upper(), v))
            has_txt = any(t == "TXT" for t, _ in lst)
            if not has_txt:
                lst = lst + [("TXT", v) for t, v in lst if t == "SPF"]
            self.names[str(name).lower().rstrip(".")] = lst

    def rrs(self, name, qtype):
        """-> ("timeout",) | ("nxdomain",) | ("ok", [(owner, type, value)])"""
        key = name.lower().rstrip(".")
        out = []
        for _hop in range(8):
            if key not in self.names:
                return ("nxdomain",) if not out else ("ok", out)
            items = self.names[key]
            found = []
            for t, v in items:
                if t == "TIMEOUT" and not found:
                    return ("timeout",)
                if t == qtype and v != "NONE":
                    found.append((key, t, v))
            if found:
                return ("ok", out + found)
            cn = [v for t, v in items if t == "CNAME"]
            if cn and qtype != "CNAME":
                out.append((key, "CNAME", cn[0]))
                key = str(cn[0]).lower().rstrip(".")
                continue
            return ("ok", out)
        return ("ok", out)


def make_rrset(owner, t, v):
    n = dns.name.Name([l.encode("latin-1") for l in owner.split(".")] + [b""])
    ttl = 300
    if t in ("TXT", "SPF"):
        vals = v if isinstance(v, list) else [v]
        strings = []
        for s in vals:
            strings.extend(split255(octets(s)))
        # No strings at all ("null text", test null-text) is sent as it is:
        # a zero-length rdata, as a real server sends it (dns.c copes).
        rd = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.from_text(t), strings)
        rs = dns.rrset.RRset(n, dns.rdataclass.IN, dns.rdatatype.from_text(t))
        rs.add(rd, ttl)
        return rs
    if t == "MX":
        text = "%d %s" % (int(v[0]), v[1] if str(v[1]).endswith(".") or str(v[1]) == "" else str(v[1]) + ".")
        if str(v[1]) == "":
            text = "%d ." % int(v[0])
    elif t in ("PTR", "CNAME"):
        text = str(v) if str(v).endswith(".") else str(v) + "."
    else:
        text = str(v)
    return dns.rrset.from_text(n, ttl, "IN", t, text)


def answer(zone, wire):
    try:
        q = dns.message.from_wire(wire)
    except Exception:
        return None, 512
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA | dns.flags.RA
    size = 512
    if q.edns >= 0:
        size = max(512, q.payload)
    if not q.question:
        r.set_rcode(dns.rcode.FORMERR)
        return r, size
    qq = q.question[0]
    # Raw labels, not to_text(): names may hold spaces or '%' (macro tests).
    qname = b".".join(qq.name.labels).decode("latin-1").rstrip(".")
    qtype = dns.rdatatype.to_text(qq.rdtype)
    res = zone.rrs(qname, qtype)
    if res[0] == "timeout":
        return None, size
    if res[0] == "nxdomain":
        r.set_rcode(dns.rcode.NXDOMAIN)
    else:
        try:
            merged = {}
            for owner, t, v in res[1]:
                rs = make_rrset(owner, t, v)
                k = (rs.name, rs.rdtype)
                if k in merged:
                    merged[k].union_update(rs)
                else:
                    merged[k] = rs
                    r.answer.append(rs)
        except Exception as e:  # bad test data: answer SERVFAIL
            sys.stderr.write("suite_dns: %s %s: %s\n" % (qname, qtype, e))
            r.answer = []
            r.set_rcode(dns.rcode.SERVFAIL)
            return r, size
    if not r.answer:
        r.authority.append(dns.rrset.from_text(".", 300, "IN", "SOA", SOA))
    return r, size


def to_wire_udp(r, size):
    try:
        return r.to_wire(max_size=size)
    except dns.exception.TooBig:
        r.answer = []
        r.authority = []
        r.additional = []
        r.flags |= dns.flags.TC
        return r.to_wire(max_size=size)


def esc(s):
    b = octets(s)
    out = []
    for c in b:
        if c == 0x5C:
            out.append("\\\\")
        elif c == 9:
            out.append("\\t")
        elif c == 10:
            out.append("\\n")
        elif c < 0x20 or c > 0x7E:
            out.append("\\x%02X" % c)
        else:
            out.append(chr(c))
    return "".join(out)


def bind_pair():
    """A UDP and a TCP socket on the same free loopback port (retries when
    the TCP side of the port the kernel picked for UDP is taken)."""
    for _ in range(200):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            u.close()
            t.close()
            continue
        t.listen(16)
        return u, t, port
    raise OSError("no free UDP+TCP port pair on 127.0.0.1")


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sel = selectors.DefaultSelector()
    for i in range(0, len(args), 2):
        with open(args[i], "rb") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        with open(args[i + 1], "w") as man:
            for sn, doc in enumerate(docs):
                zone = Zone(doc.get("zonedata"))
                u, t, port = bind_pair()
                u.setblocking(False)
                t.setblocking(False)
                sel.register(u, selectors.EVENT_READ, ("udp", zone))
                sel.register(t, selectors.EVENT_READ, ("tcp", zone))
                for name, tc in (doc.get("tests") or {}).items():
                    res = tc.get("result")
                    res = res if isinstance(res, list) else [res]
                    exp = tc.get("explanation")
                    man.write("\t".join([
                        str(sn), str(port), esc(name), esc(tc.get("host", "")),
                        esc(tc.get("mailfrom", "")), esc(tc.get("helo", "")),
                        ",".join(str(x) for x in res),
                        "-" if exp is None else esc(exp)]) + "\n")
    print("READY", flush=True)

    def watch_stdin():
        try:
            sys.stdin.read()
        except Exception:
            pass
        import os
        os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()

    def serve_tcp(conn, zone):
        conn.settimeout(5)
        try:
            while True:
                hdr = conn.recv(2)
                if len(hdr) < 2:
                    break
                (n,) = struct.unpack("!H", hdr)
                data = b""
                while len(data) < n:
                    chunk = conn.recv(n - len(data))
                    if not chunk:
                        return
                    data += chunk
                r, _ = answer(zone, data)
                if r is None:
                    continue   # TIMEOUT: never answer
                w = r.to_wire()
                conn.sendall(struct.pack("!H", len(w)) + w)
        except Exception:
            pass
        finally:
            conn.close()

    while True:
        for key, _ in sel.select():
            kind, zone = key.data
            s = key.fileobj
            if kind == "udp":
                try:
                    data, peer = s.recvfrom(65535)
                except BlockingIOError:
                    continue
                r, size = answer(zone, data)
                if r is not None:
                    s.sendto(to_wire_udp(r, size), peer)
            else:
                try:
                    conn, _ = s.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(True)
                threading.Thread(target=serve_tcp, args=(conn, zone), daemon=True).start()


if __name__ == "__main__":
    main()
