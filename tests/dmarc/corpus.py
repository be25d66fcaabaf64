#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/dmarc/corpus.py - the DMARC interop corpus: messages and the DNS they need.

  corpus.py gen OUTDIR
      OUTDIR/dmarc-corpus.zone   the policy, SPF and DKIM key records
      OUTDIR/msgs/ID.eml          one message per case (CRLF)
      OUTDIR/cases                 "ID<TAB>MAILFROM<TAB>WHAT" per case
  corpus.py compare OUTDIR RESULTS
      RESULTS has "ID<TAB>OURS<TAB>OPENDMARC" (the dmarc= part of each A-R,
      normalised to "RESULT p=POLICY header.from=DOMAIN"); prints one line per
      case and, for each difference, the RFC 7489 section that explains it.
      Exit 1 when a difference has no explanation here; a case named as a
      known difference that agrees is reported as STALE.

Every policy domain is its own organizational domain (dmc-N.test: "test" is
a public suffix by the list's "*" rule). All SPF records allow the test
client 192.0.2.10; messages are signed by dkimpy with tests/dkim/keys/r2048
published as c._domainkey.<domain>. MAIL FROM pass.milter.test passes SPF
for an unaligned domain; fail.milter.test fails SPF.
"""
import base64, os, sys
import dkim
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = open(os.path.join(HERE, '..', 'dkim', 'keys', 'r2048.private'), 'rb').read()


def pubkey():
    k = serialization.load_pem_private_key(KEY, None)
    der = k.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def txt(s):
    # zone-file TXT with strings of at most 255 bytes
    parts = [s[i:i + 250] for i in range(0, len(s), 250)] or ['']
    return ' '.join('"%s"' % p.replace('"', '\\"') for p in parts)


class Corpus:
    def __init__(self):
        self.zone = []
        self.cases = []     # (id, mailfrom, what, bytes)
        self.expect = {}    # id -> explanation of a known difference
        self.signed = set()
        self.maybe = set()  # ids whose difference depends on DNS answer order

    def rr(self, name, rtype, data):
        self.zone.append('%s. IN %s %s' % (name, rtype, data))

    def spf(self, dom):
        self.rr(dom, 'TXT', txt('v=spf1 ip4:192.0.2.10 -all'))

    def key(self, dom):
        if dom not in self.signed:
            self.signed.add(dom)
            self.rr('c._domainkey.' + dom, 'TXT', txt('v=DKIM1; k=rsa; p=' + pubkey()))

    def msg(self, what, mailfrom, froms, sign_d=None, tamper=False, explain=None, maybe=False):
        cid = 'c%03d' % (len(self.cases) + 1)
        hdr = ''.join('From: <%s>\r\n' % f for f in froms)
        m = (hdr + 'To: <rcpt@dest.example>\r\nSubject: dmarc corpus %s\r\n'
             'Date: Sun, 06 Dec 2026 12:00:00 +0000\r\nMessage-ID: <%s@corpus.test>\r\n\r\n'
             'Body of case %s: %s\r\n' % (cid, cid, cid, what)).encode()
        if sign_d:
            self.key(sign_d)
            sig = dkim.sign(m, b'c', sign_d.encode(), KEY, include_headers=[b'from', b'to', b'subject', b'date', b'message-id'])
            m = sig + m
        if tamper:
            m = m.replace(b'Body of case', b'Body of a changed case')
        self.cases.append((cid, mailfrom, what, m))
        if explain:
            self.expect[cid] = explain
            if maybe:
                self.maybe.add(cid)
        return cid


STRICT = ('RFC 7489 3.1.1 and 3.1.2: in strict mode (adkim=s, aspf=s) only an identical domain aligns, '
          'so a sub-domain of the From: domain does not; OpenDMARC 1.4.2 aligns it anyway (pass)')
RUA_FALLBACK = ('RFC 7489 6.6.3 step 6: a record without a valid p= but with a valid rua is read as p=none '
                '(the message is evaluated and reported); OpenDMARC reports permerror')


def build():
    c = Corpus()
    n = 0
    # 36 policy domains: p x sp x aspf x adkim, six messages each.
    for p in ('none', 'quarantine', 'reject'):
        for sp in (None, 'none', 'reject'):
            for aspf in ('r', 's'):
                for adkim in ('r', 's'):
                    n += 1
                    d = 'dmc-%d.test' % n
                    rec = 'v=DMARC1; p=%s%s; aspf=%s; adkim=%s' % (p, '; sp=' + sp if sp else '', aspf, adkim)
                    c.rr('_dmarc.' + d, 'TXT', txt(rec))
                    for h in (d, 'mail.' + d, 'news.' + d):
                        c.spf(h)
                    tag = '[%s]' % rec
                    c.msg('SPF-aligned pass %s' % tag, 'u@' + d, ['a@' + d])
                    c.msg('MAIL FROM at a sub-domain (aspf) %s' % tag, 'u@mail.' + d, ['a@' + d],
                          explain=STRICT if aspf == 's' else None)
                    c.msg('From: at a sub-domain, org record, sp %s' % tag, 'u@' + d, ['a@news.' + d])
                    c.msg('DKIM-aligned pass, SPF for another domain %s' % tag, 'u@pass.milter.test', ['a@' + d], sign_d=d)
                    c.msg('DKIM d= at a sub-domain (adkim) %s' % tag, 'u@pass.milter.test', ['a@' + d], sign_d='mail.' + d,
                          explain=STRICT if adkim == 's' else None)
                    c.msg('fail by alignment only (SPF pass elsewhere, unsigned) %s' % tag, 'u@pass.milter.test', ['a@' + d])

    def special(name, rec_txts, what, mailfrom=None, froms=None, sign_d=None, tamper=False, explain=None, extra_rr=(),
                spf=True, maybe=False):
        d = '%s.test' % name
        for r in rec_txts:
            c.rr('_dmarc.' + d, 'TXT', txt(r))
        for rr in extra_rr:
            c.rr(*rr)
        if spf:
            c.spf(d)
        return c.msg(what + ' [%s]' % ' | '.join(rec_txts), mailfrom or 'u@pass.milter.test', froms or ['a@' + d],
                     sign_d=sign_d, tamper=tamper, explain=explain, maybe=maybe)

    # pct: deterministic here (FNV-1a of Message-ID), random() in OpenDMARC;
    # the result and p= agree, dis= is compared only in monitor mode (none).
    for pct in (0, 1, 50, 99, 100):
        for k in range(2):
            special('dmc-pct%d-%d' % (pct, k), ['v=DMARC1; p=reject; pct=%d' % pct], 'p=reject pct=%d, unaligned' % pct)
    special('dmc-pctq', ['v=DMARC1; p=quarantine; pct=0'], 'p=quarantine pct=0, unaligned')
    # Missing, broken and odd records.
    special('dmc-norec', [], 'no DMARC record at all, unaligned')
    special('dmc-norec2', [], 'no DMARC record, SPF-aligned', mailfrom='u@dmc-norec2.test')
    special('dmc-badp', ['v=DMARC1; p=bogus'], 'invalid p=, no rua')
    special('dmc-badp-rua', ['v=DMARC1; p=bogus; rua=mailto:agg@dmc-badp-rua.test'],
            'invalid p= with a valid rua: read as p=none (RFC 7489 6.6.3 step 6)', explain=RUA_FALLBACK)
    special('dmc-nop', ['v=DMARC1; rua=mailto:agg@dmc-nop.test'], 'no p= but a valid rua: p=none (6.6.3 step 6)',
            explain=RUA_FALLBACK)
    special('dmc-nop2', ['v=DMARC1'], 'v=DMARC1 alone: no p=')
    special('dmc-badsp', ['v=DMARC1; p=reject; sp=maybe'], 'invalid sp=')
    special('dmc-badpct', ['v=DMARC1; p=reject; pct=200'], 'pct=200 out of range')
    special('dmc-badpct2', ['v=DMARC1; p=reject; pct=x'], 'pct=x not a number')
    special('dmc-badadkim', ['v=DMARC1; p=reject; adkim=x'], 'adkim=x invalid')
    special('dmc-dup', ['v=DMARC1; p=none; p=reject'], 'p= given twice')
    special('dmc-vlate', ['p=reject; v=DMARC1'], 'v= not first: not a DMARC record',
            explain='RFC 7489 6.3 (v= MUST be the first tag) and 6.6.3 steps 2 and 4: a TXT string not starting '
                    'with v=DMARC1 is discarded, so there is no policy (none); OpenDMARC accepts v= anywhere')
    special('dmc-lowerv', ['v=dmarc1; p=reject'], 'v=dmarc1 in lower case: not a DMARC record (the version is case-sensitive)')
    special('dmc-two', ['v=DMARC1; p=reject', 'v=DMARC1; p=none'], 'two DMARC records: no policy (6.6.3)',
            explain='RFC 7489 6.6.3 step 5: several DMARC records end policy discovery, no DMARC processing '
                    '(none); OpenDMARC uses the first one of the answer', maybe=True)
    special('dmc-spf', ['v=spf1 -all', 'v=DMARC1; p=reject'], 'a non-DMARC TXT beside the record',
            explain='RFC 7489 6.6.3 step 2: TXT strings that do not start with v=DMARC1 are discarded and the '
                    'DMARC record beside them applies; OpenDMARC reads only the first string of the answer, so it '
                    'gives none when the resolver happens to put the SPF string first',
            maybe=True)
    special('dmc-ws', ['v = DMARC1 ;  p = reject ; aspf = r ;'], 'white space around tags and =',
            explain='RFC 7489 6.4 ABNF: dmarc-version = "v" *WSP "=" *WSP "DMARC1" and dmarc-sep = *WSP ";" *WSP '
                    'allow this white space; OpenDMARC does not recognise the record (none)')
    special('dmc-case', ['v=DMARC1; P=Reject; ADKIM=S'], 'upper-case tag names and values')
    special('dmc-unknown', ['v=DMARC1; p=reject; np=none; psd=n; x_y=1'], 'unknown tags are ignored')
    special('dmc-trail', ['v=DMARC1; p=quarantine;'], 'trailing semicolon')
    special('dmc-rua', ['v=DMARC1; p=reject; rua=mailto:a@dmc-rua.test!10m,mailto:b@dmc-rua.test'], 'rua list with a size limit')
    special('dmc-ri', ['v=DMARC1; p=reject; ri=3600; fo=1:d; rf=afrf'], 'ri, fo and rf tags')
    special('dmc-badfo', ['v=DMARC1; p=reject; fo=x'], 'fo=x invalid')
    # Sub-domains.
    special('dmc-subown', ['v=DMARC1; p=none'], 'a sub-domain with its own p=reject record',
            froms=['a@sub.dmc-subown.test'], extra_rr=[('_dmarc.sub.dmc-subown.test', 'TXT', txt('v=DMARC1; p=reject'))])
    special('dmc-deep', ['v=DMARC1; p=reject; sp=quarantine'], 'a From: three labels below the org domain',
            froms=['a@x.y.z.dmc-deep.test'])
    special('dmc-deeppass', ['v=DMARC1; p=reject'], 'deep sub-domain From:, MAIL FROM at the org domain (relaxed)',
            mailfrom='u@dmc-deeppass.test', froms=['a@x.y.dmc-deeppass.test'])
    # SPF and DKIM failing outright.
    special('dmc-spffail', ['v=DMARC1; p=reject'], 'SPF fail for an aligned MAIL FROM', mailfrom='u@dmc-spffail.test',
            extra_rr=[('dmc-spffail.test', 'TXT', txt('v=spf1 ip4:203.0.113.1 -all'))], spf=False)
    special('dmc-tamper', ['v=DMARC1; p=reject'], 'aligned DKIM signature over a changed body', sign_d='dmc-tamper.test', tamper=True)
    special('dmc-dkimother', ['v=DMARC1; p=reject'], 'DKIM pass for an unrelated domain', sign_d='dmc-1.test')
    # DNS failure: a CNAME loop at _dmarc (the resolver answers SERVFAIL).
    special('dmc-temp', [], 'DNS failure at _dmarc (CNAME loop)',
            extra_rr=[('_dmarc.dmc-temp.test', 'CNAME', 'l1.dmc-temp.test.'), ('l1.dmc-temp.test', 'CNAME', 'l2.dmc-temp.test.'),
                      ('l2.dmc-temp.test', 'CNAME', 'l1.dmc-temp.test.')],
            explain='RFC 7489 6.6.3 / RFC 8601 2.7.1: a DNS error while looking up the policy is temperror; '
                    'OpenDMARC treats the failed lookup as no record (none)')
    # Several From: domains (RFC 7489 6.6.1).
    special('dmc-multi', ['v=DMARC1; p=reject'], 'two From: fields, the second at a p=reject domain',
            froms=['a@pass.milter.test', 'ceo@dmc-multi.test'],
            explain='RFC 7489 6.6.1 / RFC 5322 3.6: several From: domains; we evaluate every domain and keep the '
                    'worst (fail for dmc-multi.test); OpenDMARC evaluates the first only')
    special('dmc-multi2', ['v=DMARC1; p=reject'], 'one From: naming a p=reject domain and another',
            froms=['ceo@dmc-multi2.test>, <a@pass.milter.test'],
            explain='RFC 7489 6.6.1: several domains in one From:; we evaluate each and keep the worst (fail); '
                    'OpenDMARC takes one address')
    return c


def gen(out):
    c = build()
    os.makedirs(os.path.join(out, 'msgs'), exist_ok=True)
    with open(os.path.join(out, 'dmarc-corpus.zone'), 'w') as f:
        f.write('; generated by tests/dmarc/corpus.py\n$ORIGIN .\n')
        f.write('\n'.join(c.zone) + '\n')
    with open(os.path.join(out, 'cases'), 'w') as f:
        for cid, mf, what, m in c.cases:
            with open(os.path.join(out, 'msgs', cid + '.eml'), 'wb') as g:
                g.write(m)
            f.write('%s\t%s\t%s\n' % (cid, mf, what))
    print(len(c.cases))


def compare(out, results):
    c = build()
    what = {cid: w for cid, _, w, _ in c.cases}
    res = {}
    for line in open(results):
        p = line.rstrip('\n').split('\t')
        if len(p) == 3:
            res[p[0]] = (p[1], p[2])
    same = diff_ok = diff_bad = missing = stale = 0
    for cid, _, _, _ in c.cases:
        if cid not in res:
            print('MISSING %s %s' % (cid, what[cid]))
            missing += 1
            continue
        ours, theirs = res[cid]
        if ours == theirs:
            same += 1
            print('SAME %s %s | %s' % (cid, ours, what[cid]))
            if cid in c.expect and cid not in c.maybe:
                stale += 1
                print('STALE %s: the corpus names a difference that did not occur: %s' % (cid, c.expect[cid]))
        elif cid in c.expect or explain(ours, theirs):
            diff_ok += 1
            print('DIFF %s ours: %s | OpenDMARC: %s | %s | why: %s' % (cid, ours, theirs, what[cid],
                                                                     c.expect.get(cid) or explain(ours, theirs)))
        else:
            diff_bad += 1
            print('UNEXPLAINED %s ours: %s | OpenDMARC: %s | %s' % (cid, ours, theirs, what[cid]))
    print('TOTAL %d same %d explained %d unexplained %d missing %d stale %d' % (len(c.cases), same, diff_ok, diff_bad,
                                                                               missing, stale))
    return 1 if diff_bad or missing else 0


def explain(ours, theirs):
    """Differences that follow from a rule, whichever case shows them."""
    o, t = ours.split(), theirs.split()
    if o[0] == 'permerror' and t[0] in ('none', 'fail', 'pass'):
        return ('RFC 7489 6.3 and RFC 8601 2.7.1: a syntactically broken policy record (a tag given twice, '
                'a value outside its grammar) is permerror; OpenDMARC keeps the record with its own reading')
    return None


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'gen':
        gen(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'compare':
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
