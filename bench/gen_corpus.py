#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
gen_corpus.py - the deterministic benchmark corpus for `make bench`.

Writes into OUTDIR (default build/bench/corpus):
  msg/NNNN.eml    the messages, CRLF line ends, 2 KB to 200 KB (log-uniform)
  envelopes.tsv   id, SMTP session, client IP, HELO, MAIL FROM, RCPT TO,
                  message file (a session's messages are consecutive)
  truth.tsv       id, domain, size, sig (rsa|ed25519|none), dkim (pass|fail|none),
                  spf (pass|fail|softfail), broken (-|body|header)
  bench.zone      the senders' SPF, DKIM key, DMARC, A and MX records
                  (an $ORIGIN fragment for an authoritative root zone)
  stamp           hash of this script and the keys: a rerun with the same
                  stamp keeps the corpus as it is

Everything comes from one seeded random.Random and fixed keys (bench/keys/,
created on first use and committed), and signatures carry a fixed t=, so the
same script yields the same bytes: runs on different machines are comparable.

About 50 sender domains under bench.example (not .test: libunbound, which
OpenDKIM uses, answers RFC 6761 names itself); domains 45..49 sign with ed25519,
the others with rsa-2048. About 10% of messages are unsigned and about 5%
carry a broken signature (body or a signed header changed after signing).
About 15% of SMTP sessions come from a client IP outside the domain's SPF
record; a session carries 1 to 12 messages of one domain from one client.

Runs with Debian's /usr/bin/python3 (dkimpy, cryptography).
"""
import base64
import hashlib
import os
import random
import sys
import types

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
KEYDIR = os.path.join(HERE, "keys")
NDOMAINS = 50
NED = 5                       # the last NED domains sign with ed25519
NMSG = int(os.environ.get("BENCH_MESSAGES", "2000"))
SEED = 20261129
FIXED_T = 1795000000          # t= of every signature
BASE = "bench.example"
# Messages per SMTP session (one milter connection each, as Postfix does):
# mostly one, some senders batch; mean about 4.6.
SESSION_SIZES = (1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12)

# dkimpy stamps t= from time.time(); pin it so signatures are reproducible.
dkim.time = types.SimpleNamespace(time=lambda: FIXED_T)


def domain_name(i):
    return "s%02d.%s" % (i, BASE)


def load_keys():
    """RSA keys are stored (their generation cannot be seeded); ed25519
    keys derive from a fixed seed, stored too so the directory is complete."""
    os.makedirs(KEYDIR, exist_ok=True)
    keys = []
    for i in range(NDOMAINS):
        if i >= NDOMAINS - NED:
            path = os.path.join(KEYDIR, "s%02d.ed25519" % i)
            if not os.path.exists(path):
                seed = hashlib.sha256(b"spfdkim-bench-ed25519-%d" % i).digest()
                with open(path, "w") as f:
                    f.write(base64.b64encode(seed).decode() + "\n")
            with open(path) as f:
                seed = base64.b64decode(f.read().strip())
            priv = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
            pub = priv.public_key().public_bytes(serialization.Encoding.Raw,
                                                 serialization.PublicFormat.Raw)
            keys.append(("ed25519", base64.b64encode(seed),
                         "v=DKIM1; k=ed25519; p=" + base64.b64encode(pub).decode()))
        else:
            path = os.path.join(KEYDIR, "s%02d.rsa2048.pem" % i)
            if not os.path.exists(path):
                k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                with open(path, "wb") as f:
                    f.write(k.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.TraditionalOpenSSL,
                                            serialization.NoEncryption()))
            with open(path, "rb") as f:
                pem = f.read()
            k = serialization.load_pem_private_key(pem, password=None)
            der = k.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
            keys.append(("rsa", pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()))
    return keys


def txt(s):
    """A TXT rdata: strings of at most 255 bytes."""
    parts = [s[i:i + 250] for i in range(0, len(s), 250)]
    return " ".join('"%s"' % p for p in parts)


def spf_plan(i):
    """(SPF record, extra records, allowed IPs, outside IP, result for outside)."""
    own = "198.18.%d.%d" % (i, 10)
    out = "198.19.%d.%d" % (i, 99)
    all_q, all_res = ("-all", "fail") if i % 3 else ("~all", "softfail")
    d = domain_name(i)
    extra = []
    kind = i % 5
    if kind == 0:
        rec = "v=spf1 ip4:198.18.%d.0/24 %s" % (i, all_q)
    elif kind == 1:
        rec = "v=spf1 include:_spf.prov-a.%s %s" % (BASE, all_q)
        own = "198.18.200.%d" % (i + 1)
    elif kind == 2:
        rec = "v=spf1 a mx ip4:198.18.%d.128/25 %s" % (i, all_q)
        extra += ["%s. IN A 198.18.%d.10" % (d, i),
                  "%s. IN MX 10 mx.%s." % (d, d),
                  "mx.%s. IN A 198.18.%d.11" % (d, i)]
    elif kind == 3:
        rec = "v=spf1 ip4:198.18.%d.0/24 include:_spf.prov-b.%s %s" % (i, BASE, all_q)
    else:
        rec = "v=spf1 mx %s" % all_q
        extra += ["%s. IN MX 10 mx1.%s." % (d, d), "%s. IN MX 20 mx2.%s." % (d, d),
                  "mx1.%s. IN A 198.18.%d.10" % (d, i), "mx2.%s. IN A 198.18.%d.12" % (d, i)]
    return rec, extra, own, out, all_res


WORDS = ("the of and to in is you that it he was for on are as with his they at be this "
         "have from or one had by word but not what all were we when your can said there "
         "use an each which she do how their if will up other about out many then them these "
         "so some her would make like him into time has look two more write go see number no "
         "way could people my than first water been call who oil its now find long down day "
         "did get come made may part invoice meeting report quarterly budget shipment").split()


def body_text(r, size):
    lines = []
    n = 0
    while n < size:
        w = " ".join(r.choice(WORDS) for _ in range(r.randint(6, 14)))
        lines.append(w)
        n += len(w) + 2
    return lines


def make_message(r, idx, dom, size):
    frm = "user%d@%s" % (r.randint(1, 40), dom)
    rcpt = "rcpt%d@inbound.example" % r.randint(1, 20)
    hdr = []
    hops = r.randint(1, 3)
    for h in range(hops):
        hdr.append("Received: from relay%d.%s (relay%d.%s [198.18.%d.%d])\r\n"
                   "\tby mx%d.inbound.example with ESMTPS id %08X\r\n"
                   "\tfor <%s>; Sun, 29 Nov 2026 12:%02d:%02d +0000"
                   % (h, dom, h, dom, r.randint(0, 255), r.randint(1, 254), h,
                      r.getrandbits(32), rcpt, r.randint(0, 59), r.randint(0, 59)))
    hdr += ["From: Sender %d <%s>" % (idx, frm),
            "To: <%s>" % rcpt,
            "Subject: bench message %d about %s" % (idx, " ".join(r.choice(WORDS) for _ in range(4))),
            "Date: Sun, 29 Nov 2026 12:%02d:%02d +0000" % (r.randint(0, 59), r.randint(0, 59)),
            "Message-ID: <%d.%08x@%s>" % (idx, r.getrandbits(32), dom),
            "MIME-Version: 1.0"]
    # Leave room for headers and the signature.
    want = max(size - 1400, 200)
    if want > 40000:
        b = "b%016x" % r.getrandbits(64)
        hdr.append('Content-Type: multipart/mixed; boundary="%s"' % b)
        text = body_text(r, 1500)
        blob = r.getrandbits(8 * ((want - 1800) * 3 // 4)).to_bytes((want - 1800) * 3 // 4, "big")
        b64 = base64.b64encode(blob).decode()
        att = [b64[i:i + 76] for i in range(0, len(b64), 76)]
        body = (["--" + b, "Content-Type: text/plain; charset=us-ascii", ""] + text +
                ["--" + b, "Content-Type: application/octet-stream",
                 "Content-Transfer-Encoding: base64",
                 'Content-Disposition: attachment; filename="data%d.bin"' % idx, ""] +
                att + ["--" + b + "--"])
    else:
        hdr.append("Content-Type: text/plain; charset=us-ascii")
        body = body_text(r, want)
    msg = ("\r\n".join(hdr) + "\r\n\r\n" + "\r\n".join(body) + "\r\n").encode()
    return frm, rcpt, msg


SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "bench", "corpus")
    keys = load_keys()
    h = hashlib.sha256(open(__file__, "rb").read())
    for k in keys:
        h.update(k[1] if isinstance(k[1], bytes) else k[1].encode())
    h.update(str(NMSG).encode())
    stamp = h.hexdigest()
    sp = os.path.join(out, "stamp")
    if os.path.exists(sp) and open(sp).read().strip() == stamp:
        print("corpus: %s is current" % out)
        return
    os.makedirs(os.path.join(out, "msg"), exist_ok=True)
    if os.path.exists(sp):
        os.unlink(sp)

    zone = ["$ORIGIN %s." % BASE, "$TTL 3600",
            '_spf.prov-a IN TXT "v=spf1 ip4:198.18.200.0/24 ip4:198.18.201.0/24 ip6:2001:db8:200::/48 ~all"',
            '_spf.prov-b IN TXT "v=spf1 ip4:198.18.202.0/24 a:out.prov-b.%s ~all"' % BASE,
            "out.prov-b IN A 198.18.203.1"]
    plans = []
    for i in range(NDOMAINS):
        d = domain_name(i)
        alg, _, rec = keys[i]
        sel = "ed1" if alg == "ed25519" else "rsa1"
        rec_spf, extra, own, outside, all_res = spf_plan(i)
        plans.append((d, sel, own, outside, all_res))
        zone.append("%s. IN TXT %s" % (d, txt(rec_spf)))
        zone.append("%s._domainkey.%s. IN TXT %s" % (sel, d, txt(rec)))
        zone.append('_dmarc.%s. IN TXT "v=DMARC1; p=none"' % d)
        zone += extra

    r = random.Random(SEED)
    envs, truth = [], []
    lo, hi = 2048, 200 * 1024
    idx = sid = 0
    while idx < NMSG:
        # One SMTP session: one sending host of one domain, 1..12 messages.
        di = r.randrange(NDOMAINS)
        d, sel, own, outside, all_res = plans[di]
        alg = keys[di][0]
        in_spf = r.random() >= 0.15
        ip = own if in_spf else outside
        spf = "pass" if in_spf else all_res
        nsess = min(r.choice(SESSION_SIZES), NMSG - idx)
        for _ in range(nsess):
            size = int(lo * (hi / lo) ** r.random())
            frm, rcpt, msg = make_message(r, idx, d, size)
            roll = r.random()
            broken = "-"
            if roll < 0.10:
                sig, verdict = "none", "none"
            else:
                sig = "ed25519" if alg == "ed25519" else "rsa"
                kb = keys[di][1]
                sa = b"ed25519-sha256" if alg == "ed25519" else b"rsa-sha256"
                canon = (b"relaxed", b"relaxed") if r.random() < 0.8 else (b"simple", b"simple")
                s = dkim.sign(msg, sel.encode(), d.encode(), kb, canonicalize=canon,
                              signature_algorithm=sa, include_headers=SIGNED)
                msg = s + msg
                verdict = "pass"
                if roll < 0.15:
                    verdict = "fail"
                    if r.random() < 0.5:
                        broken = "body"
                        msg = msg[:-2] + b" (changed in transit)\r\n"
                    else:
                        broken = "header"
                        msg = msg.replace(b"Subject: bench message", b"Subject: Bench message", 1)
            fn = "msg/%04d.eml" % idx
            with open(os.path.join(out, fn), "wb") as f:
                f.write(msg)
            envs.append("%d\t%d\t%s\tmail.%s\t%s\t%s\t%s" % (idx, sid, ip, d, frm, rcpt, fn))
            truth.append("%d\t%s\t%d\t%s\t%s\t%s\t%s" % (idx, d, len(msg), sig, verdict, spf, broken))
            idx += 1
        sid += 1

    with open(os.path.join(out, "bench.zone"), "w") as f:
        f.write("\n".join(zone) + "\n")
    with open(os.path.join(out, "envelopes.tsv"), "w") as f:
        f.write("#id\tsession\tip\thelo\tmailfrom\trcpt\tfile\n" + "\n".join(envs) + "\n")
    with open(os.path.join(out, "truth.tsv"), "w") as f:
        f.write("#id\tdomain\tsize\tsig\tdkim\tspf\tbroken\n" + "\n".join(truth) + "\n")
    with open(sp, "w") as f:
        f.write(stamp + "\n")
    print("corpus: %d messages in %s" % (NMSG, out))


if __name__ == "__main__":
    main()
