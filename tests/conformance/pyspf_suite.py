#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""pyspf_suite.py - the comparison column: runs Debian's python3-spf (pyspf)
over the same manifest and the same DNS servers (suite_unbound.py) as our C
driver, so both engines see identical data.

    pyspf_suite.py LABEL MANIFEST

pyspf resolves through dnspython's default resolver, which we point at the
scenario's port. "DEFAULT" explanations are pyspf's own default text.
Prints "LABEL: N passed, M failed" (and FAIL lines for failed tests).
"""
import sys

import dns.resolver
import spf


def unesc(s):
    out = bytearray()
    i = 0
    b = s.encode("latin-1")
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 1 < len(b):
            n = b[i + 1]
            if n == ord("t"):
                out.append(9); i += 2
            elif n == ord("n"):
                out.append(10); i += 2
            elif n == ord("x"):
                out.append(int(b[i + 2:i + 4], 16)); i += 4
            else:
                out.append(n); i += 2
        else:
            out.append(c); i += 1
    return out.decode("latin-1")


def main():
    label, manifest = sys.argv[1], sys.argv[2]
    npass = nfail = 0
    for line in open(manifest, encoding="latin-1"):
        f = [unesc(x) for x in line.rstrip("\n").split("\t")]
        if len(f) != 8:
            continue
        _scen, port, name, host, mailfrom, helo, results, expl = f
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.port = int(port)
        r.timeout = 1.5
        r.lifetime = 1.5
        dns.resolver.default_resolver = r
        try:
            q = spf.query(i=host, s=mailfrom, h=helo, timeout=1.5)
            res, _code, exp = q.check()
        except Exception as e:  # a crash counts as a failure
            res, exp = "exception:%s" % type(e).__name__, ""
        ok = res in results.split(",")
        if ok and res == "fail" and expl != "-":
            want = q.defexps.get("fail") if expl == "DEFAULT" else expl
            ok = exp == want
        if ok:
            npass += 1
        else:
            nfail += 1
            print("FAIL: %s: got %s (want %s) exp=%r" % (name, res, results, exp))
    print("%s: %d passed, %d failed" % (label, npass, nfail))


if __name__ == "__main__":
    main()
