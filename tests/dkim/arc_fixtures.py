#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/dkim/arc_fixtures.py - ARC chains (RFC 8617) made by dkimpy's arc_sign.

  arc_fixtures.py gen OUTDIR
      writes OUTDIR/NAME.eml for each case and OUTDIR/expect, lines of
      "NAME<TAB>ARC<TAB>WHAT": the arc= result our verifier must give and
      what the admin observes.
  arc_fixtures.py dkimpy FILE
      prints dkimpy's own arc_verify result (cv) for FILE, keys read from
      tests/dns/zones/dkim.zone: the interop cross-check.

The message claims From: ceo@dmr-reject.test (p=reject in dmarc.zone) and
carries no DKIM signature, so DMARC fails; the sealers are d2.dkim.test
(and d1.dkim.test for the first hop of two), whose r2048 keys
tests/dns/zones/dkim.zone publishes.
"""
import os, sys
import dkim

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = open(os.path.join(HERE, 'keys', 'r2048.private'), 'rb').read()

MSG = (b'From: CEO <ceo@dmr-reject.test>\r\nTo: list@d2.dkim.test\r\n'
       b'Subject: forwarded by a list\r\nDate: Sun, 06 Dec 2026 12:00:00 +0000\r\n'
       b'Message-ID: <arc1@dmr-reject.test>\r\n\r\nBody of the forwarded message.\r\n')


def seal(msg, domain, hop):
    """One hop: the forwarder's own A-R (arc=pass after the first hop: arc_sign
    takes cv= from it), then its ARC set on top."""
    srv = b'mx.' + domain
    ar = b'Authentication-Results: ' + srv + b'; spf=pass smtp.mailfrom=ceo@dmr-reject.test' + \
        (b'; arc=pass' if hop > 1 else b'') + b'\r\n'
    msg = ar + msg
    hdrs = dkim.arc_sign(msg, b'r2048', domain, KEY, srv, timestamp=1765000000 + hop)
    return b''.join(hdrs) + msg


def replace_first(msg, old, new):
    assert old in msg, old
    return msg.replace(old, new, 1)


def cases():
    one = seal(MSG, b'd2.dkim.test', 1)
    two = seal(seal(MSG, b'd1.dkim.test', 1), b'd2.dkim.test', 2)
    yield 'arc-pass-1', one, 'pass', 'one ARC set sealed by d2.dkim.test verifies'
    yield 'arc-pass-2', two, 'pass', 'two ARC sets (d1, then d2) verify'
    # the newest seal's signature changed: the seal does not verify
    i = one.index(b'ARC-Seal:')
    b = one.index(b' b=', i) + 3
    bad = one[:b] + (b'A' if one[b:b + 1] != b'A' else b'B') + one[b + 1:]
    yield 'arc-badseal', bad, 'fail', 'a broken ARC-Seal signature'
    yield 'arc-body', replace_first(one, b'Body of the forwarded', b'Body of the altered'), 'fail', \
        'a body changed after sealing (AMS body hash)'
    # the AAR renumbered: instance 1 has no AAR, instance 2 has no AMS or AS
    yield 'arc-instance', replace_first(one, b'ARC-Authentication-Results: i=1;', b'ARC-Authentication-Results: i=2;'), \
        'fail', 'a wrong instance number (i=2 on the only AAR)'
    yield 'arc-none', MSG, 'none', 'no ARC fields'


def zone_txt(name, timeout=5):
    """dnsfunc for dkimpy: TXT records of dkim.zone ($ORIGIN dkim.test.)."""
    want = name.decode().rstrip('.').lower()
    zone = os.path.join(HERE, '..', 'dns', 'zones', 'dkim.zone')
    for line in open(zone):
        f = line.split(None, 3)
        if len(f) == 4 and f[1:3] == ['IN', 'TXT'] and (f[0] + '.dkim.test').lower() == want:
            return ''.join(p for i, p in enumerate(f[3].split('"')) if i % 2).encode()
    return None


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'dkimpy':
        cv, _, why = dkim.arc_verify(open(sys.argv[2], 'rb').read(), dnsfunc=zone_txt)
        print(cv.decode(), why)
        return
    if len(sys.argv) != 3 or sys.argv[1] != 'gen':
        sys.exit('usage: arc_fixtures.py gen OUTDIR | dkimpy FILE')
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'expect'), 'w') as ex:
        for name, msg, want, what in cases():
            with open(os.path.join(out, name + '.eml'), 'wb') as f:
                f.write(msg)
            ex.write('%s\t%s\t%s\n' % (name, want, what))


main()
