#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/dkim/corpus.py - the DKIM interoperability corpus, and dkimpy on both sides.

  corpus.py gen OUTDIR
      writes OUTDIR/plain/NN.eml (unsigned, From: a d1.dkim.test address) and
      OUTDIR/py/NN.eml (the same, signed by dkimpy: rsa-sha256 r2048 and
      ed25519-sha256 ed1, canonicalizations rotating, some with a third
      signature from d2.dkim.test, some with l=). 30 templates x CRLF/LF = 60.
  corpus.py verify DNS FILE...
      dkimpy verifies every signature of each FILE with keys from DNS
      ("127.0.0.1@PORT", the test unbound); prints "FILE pass pass ..." or
      "FILE fail ..." per file. Exit 0 when every signature of every file passed.
  corpus.py tamper IN OUT body|header
      appends a body line / changes the (last) Subject value of IN.
  corpus.py tamper-dir INDIR OUTDIR body|header
      the same for every file of INDIR.

Templates cover: plain text, multipart/alternative, multipart/mixed with a
base64 attachment, 8-bit UTF-8 bodies and headers, folded and very long
headers, encoded words, odd header spacing and case, duplicate headers,
empty body, trailing blank lines and whitespace, no final newline, long
body lines, lines starting with dots and "From ".
"""
import base64, os, sys
import dkim
from cryptography.hazmat.primitives import serialization

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, 'keys')


def key(name):
    return open(os.path.join(KEYS, name + '.private'), 'rb').read()


def ed_seed(name):
    k = serialization.load_pem_private_key(key(name), None)
    raw = k.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                          serialization.NoEncryption())
    return base64.b64encode(raw)


def base_headers(i, subject=b'Test message'):
    return [b'From: Alice Example <alice@d1.dkim.test>',
            b'To: Bob <bob@example.test>',
            b'Subject: ' + subject,
            b'Date: Sun, 29 Nov 2026 12:%02d:00 +0000' % (i % 60),
            b'Message-ID: <corpus-%d@d1.dkim.test>' % i]


def templates():
    T = []
    T.append((base_headers(0), [b'Hello world.']))
    T.append((base_headers(1) + [b'MIME-Version: 1.0',
              b'Content-Type: multipart/alternative; boundary="b1"'],
              [b'--b1', b'Content-Type: text/plain; charset=us-ascii', b'', b'plain part', b'',
               b'--b1', b'Content-Type: text/html; charset=us-ascii', b'', b'<p>html part</p>', b'',
               b'--b1--']))
    att = base64.encodebytes(bytes(range(256)) * 8).rstrip(b'\n').split(b'\n')
    T.append((base_headers(2) + [b'MIME-Version: 1.0',
              b'Content-Type: multipart/mixed; boundary="=_mix"'],
              [b'This is a multi-part message in MIME format.', b'', b'--=_mix',
               b'Content-Type: text/plain', b'', b'see attachment', b'', b'--=_mix',
               b'Content-Type: application/octet-stream; name="x.bin"',
               b'Content-Transfer-Encoding: base64',
               b'Content-Disposition: attachment; filename="x.bin"', b''] + att + [b'', b'--=_mix--']))
    T.append((base_headers(3) + [b'MIME-Version: 1.0', b'Content-Type: text/plain; charset=utf-8',
              b'Content-Transfer-Encoding: 8bit'],
              ['Grüße aus Köln, naïve café, 日本語のテキスト, emoji 🙂'.encode()]))
    T.append((base_headers(4, 'Grüße – 8-bit subject'.encode()), [b'8-bit header, ascii body']))
    T.append((base_headers(5, b'a folded\r\n subject that continues\r\n\ton a third line'), [b'folded']))
    refs = b' '.join(b'<ref-%03d-long-message-identifier@lists.example.test>' % k for k in range(30))
    T.append((base_headers(6) + [b'References: ' + refs], [b'very long header (unfolded)']))
    folded = b'\r\n '.join(b'<ref-%03d@lists.example.test>' % k for k in range(40))
    T.append((base_headers(7) + [b'References: ' + folded], [b'long folded header']))
    T.append((base_headers(8, b'=?UTF-8?B?R3LDvMOfZQ==?= encoded'), [b'encoded word']))
    T.append((base_headers(9), []))                                   # empty body
    T.append((base_headers(10), [b'trailing blank lines', b'', b'', b'']))
    T.append((base_headers(11), [b'trailing spaces   ', b'\ttabs\t\t', b'  in  the   middle  ']))
    T.append(([b'From:alice@d1.dkim.test', b'To:   bob@example.test   ', b'Subject:\tno space',
               b'Date: Sun, 29 Nov 2026 12:00:00 +0000'], [b'odd header spacing']))
    T.append(([b'FROM: alice@d1.dkim.test', b'to: bob@example.test', b'SUBJECT: upper case names',
               b'date: Sun, 29 Nov 2026 12:00:00 +0000'], [b'header case']))
    T.append(([b'Received: from a.example.test by b.example.test; Sun, 29 Nov 2026 12:00:00 +0000',
               b'Received: from c.example.test by a.example.test; Sun, 29 Nov 2026 11:59:00 +0000']
              + base_headers(14), [b'two Received']))
    T.append((base_headers(15), [b'x' * 998, b'y' * 500]))
    T.append((base_headers(16), [b'.leading dot', b'..two dots', b'From the start of a line', b'.']))
    T.append((base_headers(17), [b'line %d of a longer body with some text in it' % k for k in range(400)]))
    T.append((base_headers(18) + [b'Cc: carol@example.test, dave@example.test',
              b'Reply-To: list@d1.dkim.test'], [b'cc and reply-to']))
    T.append((base_headers(19) + [b'X-Mailer: corpus'], [b'', b'body starts with a blank line']))
    T.append((base_headers(20) + [b'MIME-Version: 1.0',
              b'Content-Type: multipart/mixed;\r\n\tboundary="outer"'],
              [b'--outer', b'Content-Type: multipart/alternative; boundary="inner"', b'',
               b'--inner', b'Content-Type: text/plain; charset=utf-8',
               b'Content-Transfer-Encoding: quoted-printable', b'', b'caf=C3=A9 =', b'soft break',
               b'--inner--', b'', b'--outer', b'Content-Type: message/rfc822', b'',
               b'From: x@y.test', b'Subject: inner', b'', b'inner body', b'--outer--']))
    T.append((base_headers(21, b'   leading and trailing spaces   '), [b'subject spacing']))
    T.append((base_headers(22) + [b'X-Empty:', b'X-Space: '], [b'empty header values']))
    T.append((base_headers(23), [b'no final newline']))              # marked below
    T.append((base_headers(24), [b'\tindented', b'    spaces', b'', b'\t']))
    T.append((base_headers(25) + [b'Content-Type: text/plain; charset=iso-8859-1',
              b'Content-Transfer-Encoding: 8bit'], [b'Latin-1: caf\xe9 na\xefve']))
    T.append((base_headers(26), [b'a' * 76] * 200))
    T.append((base_headers(27) + [b'Subject: duplicate subject'], [b'two Subject headers']))
    T.append((base_headers(28) + [b'List-Id: <list.d1.dkim.test>',
              b'List-Unsubscribe: <mailto:unsub@d1.dkim.test>'], [b'list mail']))
    T.append((base_headers(29), [b'\xc3\xa9\xc3\xa8 utf-8 without declaration']))
    return T


def render(headers, body, eol, final_eol=True):
    out = eol.join(h.replace(b'\r\n', eol) for h in headers) + eol + eol
    if body:
        out += eol.join(body)
        if final_eol:
            out += eol
    return out


def gen(outdir):
    os.makedirs(os.path.join(outdir, 'plain'), exist_ok=True)
    os.makedirs(os.path.join(outdir, 'py'), exist_ok=True)
    canons = [(b'relaxed', b'relaxed'), (b'simple', b'simple'), (b'relaxed', b'simple'),
              (b'simple', b'relaxed')]
    n = 0
    for ti, (hdrs, body) in enumerate(templates()):
        for eol in (b'\r\n', b'\n'):
            msg = render(hdrs, body, eol, final_eol=(ti != 23))
            name = '%02d.eml' % n
            open(os.path.join(outdir, 'plain', name), 'wb').write(msg)
            c1 = canons[n % 4]
            c2 = canons[(n + 1) % 4]
            inc = [b'from', b'to', b'subject', b'date', b'message-id']
            crlf = msg.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
            s1 = dkim.sign(crlf, b'r2048', b'd1.dkim.test', key('r2048'), canonicalize=c1,
                           include_headers=inc + [b'from'], length=(n % 7 == 3))
            s2 = dkim.sign(crlf, b'ed1', b'd1.dkim.test', ed_seed('ed1'),
                           signature_algorithm=b'ed25519-sha256', canonicalize=c2)
            sigs = s1 + s2
            if n % 5 == 0:
                sigs += dkim.sign(crlf, b'r2048', b'd2.dkim.test', key('r2048'),
                                  canonicalize=(b'relaxed', b'relaxed'))
            if eol == b'\n':
                sigs = sigs.replace(b'\r\n', b'\n')
            open(os.path.join(outdir, 'py', name), 'wb').write(sigs + msg)
            n += 1
    print(n)


def dnsfunc_for(server):
    import dns.resolver
    host, port = server.split('@')
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [host]
    r.port = int(port)

    def f(name, timeout=5):
        try:
            ans = r.resolve(name.decode().rstrip('.'), 'TXT', lifetime=timeout)
        except Exception:
            return None
        return b''.join(ans[0].strings)
    return f


def verify(server, files):
    f = dnsfunc_for(server)
    ok = True
    for fn in files:
        msg = open(fn, 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
        d = dkim.DKIM(msg)
        nsig = sum(1 for k, v in d.headers if k.lower() == b'dkim-signature')
        res = []
        for i in range(nsig):
            try:
                res.append('pass' if d.verify(idx=i, dnsfunc=f) else 'fail')
            except Exception as e:
                res.append('error(%s)' % e)
        if not res or any(r != 'pass' for r in res):
            ok = False
        print(fn, ' '.join(res) or 'none')
    return 0 if ok else 1


def tamper(inp, out, what):
    m = open(inp, 'rb').read()
    sep = b'\r\n\r\n' if b'\r\n\r\n' in m else b'\n\n'
    h, _, b = m.partition(sep)
    eol = b'\r\n' if sep == b'\r\n\r\n' else b'\n'
    if what == 'body':
        b = b + b'tampered' + eol
    else:
        lines = h.split(eol)
        for k in reversed(range(len(lines))):
            l = lines[k]
            if l.lower().startswith(b'subject:'):
                lines[k] = l + b' (tampered)'
                break
        h = eol.join(lines)
    open(out, 'wb').write(h + sep + b)


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'gen':
        gen(sys.argv[2])
    elif cmd == 'verify':
        sys.exit(verify(sys.argv[2], sys.argv[3:]))
    elif cmd == 'tamper':
        tamper(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == 'tamper-dir':
        os.makedirs(sys.argv[3], exist_ok=True)
        for fn in sorted(os.listdir(sys.argv[2])):
            tamper(os.path.join(sys.argv[2], fn), os.path.join(sys.argv[3], fn), sys.argv[4])
    else:
        sys.exit('usage: corpus.py gen DIR | verify DNS FILE... | tamper IN OUT body|header | tamper-dir IN OUT body|header')
