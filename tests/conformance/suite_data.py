#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""suite_data.py - the data conventions of the openspf SPF test suites
(the suite README, i.e. pyspf's test/testspf.py), for suite_unbound.py,
which turns each scenario's zonedata into a zone file for a real unbound.

- TXT/SPF values are a string or a list of strings (character-strings of
  one record, joined); strings over 255 octets are split on the wire.
- A name with only SPF records also gets them as TXT, unless it lists some
  TXT item ("TXT: NONE" means none).
- A bare TIMEOUT item: queries for that name are never answered, unless
  records of the queried type are listed before it.
- "\\xEF"-style escapes are raw octets (YAML gives U+00EF: latin-1 encode).
- A TXT/SPF item with no strings ("null text") is a zero-length rdata.

Manifest values (esc): backslash-escaped \\\\ \\t \\n \\xHH.
"""
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.rdtypes.ANY.TXT


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
