#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/dkim/fixtures.py - messages that pin where we are more correct than OpenDKIM.

  fixtures.py gen OUTDIR
      writes OUTDIR/NAME.eml for each case below and OUTDIR/expect, lines of
      "NAME<TAB>EXPECTED" where EXPECTED is the space-joined verdicts our
      verifier must print (one per signature, in header order) and, after
      " / ", what the admin observes.

Keys are the ones tests/dns/zones/dkim.zone publishes (d1.dkim.test etc.).
Signatures are made by dkimpy; the zb= case uses a dkimpy subclass that adds
the extra tag to the signed header, as a conforming signer may.
"""
import base64, os, sys, time
import dkim
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, 'keys')

MSG = (b'From: Alice <alice@d1.dkim.test>\r\nTo: bob@example.test\r\n'
       b'Subject: fixture\r\nDate: Sun, 29 Nov 2026 12:00:00 +0000\r\n'
       b'Message-ID: <fixture@d1.dkim.test>\r\n\r\nBody of the fixture.\r\n')


def key(name):
    return open(os.path.join(KEYS, name + '.private'), 'rb').read()


def ed_seed(name):
    k = serialization.load_pem_private_key(key(name), None)
    return base64.b64encode(k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption()))


class ExtraTags(dkim.DKIM):
    """dkimpy signer that adds tags (e.g. zb=) or replaces tag values before signing."""
    extra = []
    replace = {}

    def gen_header(self, fields, *a, **k):
        fields = [(n, self.replace.get(n, v)) for n, v in fields]
        for t in self.extra:
            fields.insert(len(fields) - 1, t)
        return super().gen_header(fields, *a, **k)


def sign(msg, sel, dom=b'd1.dkim.test', keyname='r2048', alg=None, extra=(), replace=None,
         identity=None, include=None, length=False, canon=(b'relaxed', b'relaxed')):
    if alg == b'ed25519-sha256':
        k = ed_seed(keyname)
    else:
        k = key(keyname)
    d = ExtraTags(msg, minkey=512)
    d.extra = list(extra)
    d.replace = dict(replace or {})
    return d.sign(sel, dom, k, signature_algorithm=alg, canonicalize=canon,
                  identity=identity, include_headers=include, length=length)


def gen(out):
    os.makedirs(out, exist_ok=True)
    cases = []

    def case(name, sigs, expect, why, body=MSG):
        open(os.path.join(out, name + '.eml'), 'wb').write(b''.join(sigs) + body)
        cases.append((name, expect, why))

    good = sign(MSG, b'r2048')
    case('good-rsa', [good], 'pass', 'rsa-sha256 with a 2048-bit key passes')
    case('good-ed25519', [sign(MSG, b'ed1', keyname='ed1', alg=b'ed25519-sha256')], 'pass',
         'ed25519-sha256 (RFC 8463) passes')
    case('unsigned', [], 'none', 'an unsigned message is dkim=none')
    case('zb-tag', [sign(MSG, b'r2048', extra=[(b'zb', b'extra-value')])], 'pass',
         'a signature with an unknown tag zb= passes (OpenDKIM: fail)')
    case('zb-tag-ed25519', [sign(MSG, b'ed1', keyname='ed1', alg=b'ed25519-sha256',
                                 extra=[(b'xb', b'1'), (b'zz', b'2')])], 'pass',
         'an ed25519 signature with an unknown tag xb= passes (OpenDKIM: fail)')
    case('zb-tag-tampered', [sign(MSG, b'r2048', extra=[(b'zb', b'extra-value')])], 'fail',
         'a zb= signature over a tampered body fails', body=MSG.replace(b'Body', b'B0dy'))
    case('key-wrong-k', [sign(MSG, b'wrongk')], 'permerror',
         'a key record with k=ed25519 for an rsa-sha256 signature is permerror (OpenDKIM ignores k=: pass)')
    case('key-unknown-k', [sign(MSG, b'unkk')], 'permerror',
         'a key record with an unknown k=dsa is permerror (OpenDKIM: pass)')
    case('key-h-sha1', [sign(MSG, b'hsha1')], 'permerror',
         'a key record with h=sha1 for an rsa-sha256 signature is permerror (OpenDKIM: fail)')
    case('key-bad-p', [sign(MSG, b'badp')], 'permerror',
         'a key record whose p= is not base64 is permerror (OpenDKIM: fail)')
    case('key-bad-der', [sign(MSG, b'badder')], 'permerror',
         'a key record whose p= is not a public key is permerror (OpenDKIM: fail)')
    case('key-revoked', [sign(MSG, b'revoked')], 'permerror', 'a revoked key (p= empty) is permerror')
    case('key-no-p', [sign(MSG, b'nop')], 'permerror', 'a key record without p= is permerror')
    case('key-bad-version', [sign(MSG, b'badver')], 'permerror', 'a key record with v=DKIM2 is permerror')
    case('key-not-email', [sign(MSG, b'notemail')], 'permerror', 'a key record with s=tlsrpt is permerror')
    case('key-missing', [sign(MSG, b'missing')], 'permerror', 'a selector without a key (NXDOMAIN) is permerror')
    case('key-multi-txt', [sign(MSG, b'multi')], 'pass', 'a selector with a non-key TXT record beside the key passes')
    case('key-512', [sign(MSG, b'weak512', keyname='weak512')], 'policy',
         'a 512-bit RSA key is below DKIMMinimumKeyBits 1024: policy')
    case('key-1024', [sign(MSG, b'r1024', keyname='r1024')], 'pass', 'a 1024-bit RSA key passes')
    case('key-testing-fail', [sign(MSG, b'testing')], 'neutral',
         'a failing signature with a t=y (testing) key is neutral, not fail',
         body=MSG.replace(b'Body', b'B0dy'))
    case('key-strict-subdomain', [sign(MSG, b'strict', identity=b'@sub.d1.dkim.test')], 'permerror',
         'a t=s key with i= in a subdomain of d= is permerror')
    case('key-tempfail-one', [good, sign(MSG, b'r2048', dom=b'tmpfail.dkim.test')], 'pass temperror',
         'one signature whose key lookup fails is temperror; the message still passes')
    case('key-tempfail-first', [sign(MSG, b'r2048', dom=b'tmpfail.dkim.test'), good], 'temperror pass',
         'a failing key lookup before a good signature: temperror, then pass; the message passes')
    case('key-tempfail-only', [sign(MSG, b'r2048', dom=b'tmpfail.dkim.test')], 'temperror',
         'a signature whose key lookup gets SERVFAIL is temperror')
    case('key-tempfail-twice', [sign(MSG, b'r2048', dom=b'tmpfail.dkim.test'),
                                 sign(MSG, b'r2048', dom=b'tmpfail.dkim.test', replace={b'h': b'from : to'})],
         'temperror temperror', 'two signatures with one failing key name: both temperror (asked once)')
    case('six-signatures', [sign(MSG, b'm%d' % i) for i in range(1, 7)], ' '.join(['pass'] * 6),
         'six signatures are all evaluated (OpenDKIM: 3)')
    case('twenty-signatures', [sign(MSG, b'm%d' % (i % 8 + 1)) for i in range(20)], ' '.join(['pass'] * 16),
         'of 20 signatures the first 16 (DKIMMaxSignatures) are evaluated')
    case('mixed-results', [sign(MSG, b'missing'), sign(MSG, b'wrongk'), good,
                           sign(MSG, b'r2048', dom=b'tmpfail.dkim.test')],
         'permerror permerror pass temperror', 'four signatures, four separate verdicts')
    case('sig-rsa-sha1', [sign(MSG, b'r2048', alg=b'rsa-sha1')], 'permerror',
         'an rsa-sha1 signature is permerror (RFC 8301)')
    case('sig-expired', [sign(MSG, b'r2048', extra=[(b'x', b'1000000000')], replace={b't': b'999999999'})],
         'permerror', 'an expired signature (x= in the past) is permerror')
    case('sig-no-from', [sign(MSG, b'r2048', replace={b'h': b'to : subject'})], 'permerror',
         'a signature whose h= lacks From is permerror')
    case('sig-bad-i', [sign(MSG, b'r2048', replace={b'i': b'@elsewhere.test'})], 'permerror',
         'a signature whose i= is outside d= is permerror')
    case('sig-dup-tag', [sign(MSG, b'r2048', extra=[(b's', b'r2048')])], 'permerror',
         'a signature with a duplicated tag is permerror')
    case('tampered-body', [good], 'fail', 'a tampered body fails', body=MSG.replace(b'Body', b'B0dy'))
    case('tampered-header', [good], 'fail', 'a tampered Subject fails',
         body=MSG.replace(b'Subject: fixture', b'Subject: fixture!'))
    case('lf-line-endings', [good.replace(b'\r\n', b'\n')], 'pass', 'a message with LF line endings passes',
         body=MSG.replace(b'\r\n', b'\n'))
    # body length limits (l=) and body hashes shared between signatures
    lsig = sign(MSG, b'r2048', length=True)
    case('body-length-appended', [lsig], 'pass',
         'l= covers the signed body; text appended after it does not break the signature',
         body=MSG + b'appended by a list\r\n')
    case('body-length-beyond', [lsig], 'permerror',
         'l= larger than the body received is permerror', body=MSG.replace(b'Body of the fixture.\r\n', b'Body\r\n'))
    ssig = sign(MSG, b'r2048', canon=(b'simple', b'simple'))
    case('shared-body-hashes', [good, lsig, ssig, sign(MSG, b'ed1', keyname='ed1', alg=b'ed25519-sha256')],
         'pass pass pass pass', 'relaxed, relaxed with l=, simple and ed25519 signatures on one message all pass')
    case('shared-body-hashes-tampered', [good, lsig, ssig], 'fail pass fail',
         'text appended to the body: signatures without l= fail, the one with l= passes',
         body=MSG + b'appended\r\n')
    with open(os.path.join(out, 'expect'), 'w') as f:
        for name, expect, why in cases:
            f.write('%s\t%s / %s\n' % (name, expect, why))
    print(len(cases))


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'gen':
        gen(sys.argv[2])
    else:
        sys.exit('usage: fixtures.py gen OUTDIR')
