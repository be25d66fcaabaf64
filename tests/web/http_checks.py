# SPDX-License-Identifier: BSD-2-Clause
"""http_checks.py - spfdkim-web over plain HTTP (no browser), on an XMail
tab-format config: in-place edits in the file's own format, refusals that
leave the file as it was, request values that try to name other files, and
the login rate limit. Run by tests/suites/76-web.sh; prints PASS:/FAIL: lines.
Environment: WEB_URL, WEB_PASSWORD, CONF, MILTER (spfdkim-milter, for -n),
MAILROOT (the XMail MailRoot the page was given with -x).
"""
import http.cookiejar, os, re, subprocess, urllib.error, urllib.parse, urllib.request

E = os.environ
BASE = E["WEB_URL"]


def check(name, ok, why=""):
    print(("PASS: " if ok else "FAIL: ") + "web (http): " + name + ("" if ok else " - " + why), flush=True)


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def req(op, path, data=None):
    try:
        r = op.open(BASE + path, data=urllib.parse.urlencode(data).encode() if data is not None else None)
        return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def login(op, password):
    _, page = req(op, "/login")
    csrf = re.search(r'name="csrf" value="(\w+)"', page).group(1)
    return req(op, "/login", {"user": "admin", "password": password, "csrf": csrf})


op = opener()
code, page = login(op, E["WEB_PASSWORD"])
csrf = re.search(r'name="csrf" value="(\w+)"', page).group(1)
before = open(E["CONF"], "rb").read()

code, page = req(op, "/settings", {"csrf": csrf, "k_SPFFailAction": "reject", "k_SPFSoftfailReply": '451 Say "hi" later'})
after = open(E["CONF"], "rb").read()
exp = before.replace(b'"SPFFailAction"\t"accept"', b'"SPFFailAction"\t"reject"') + b'"SPFSoftfailReply"\t"451 Say \\"hi\\" later"\n'
check("tab format: a changed key is rewritten in place as \"Key\"<TAB>\"value\", a new one appended, every other line byte-identical",
      code == 200 and after == exp, repr(after[-200:]))
rc = subprocess.run([E["MILTER"], "-n", "-c", E["CONF"]], capture_output=True, text=True)
check("... and spfdkim-milter -n accepts the file the page wrote", rc.returncode == 0, rc.stderr)

before = after
code, page = req(op, "/settings", {"csrf": csrf, "k_DNSTimeout": "0"})
check("an invalid value (DNSTimeout 0) is refused with the key named, the file unchanged",
      code == 422 and "DNSTimeout" in page and "not saved" in page and open(E["CONF"], "rb").read() == before,
      f"{code} {re.findall(r'id=.notice.>([^<]*)', page)}")
code, page = req(op, "/settings", {"csrf": csrf, "k_AuthservID": "mx\nSPFFailAction accept"})
check("a value with a line break (a smuggled second key) is refused, the file unchanged",
      code == 422 and open(E["CONF"], "rb").read() == before, f"{code}")

code1, _ = req(op, "/spam/view?id=" + urllib.parse.quote("../../../../etc/passwd"))
code2, page2 = req(op, "/spam", {"csrf": csrf, "op": "delete", "id": "../milter.conf"})
check("a spam-folder id naming another file (../) is refused: view 404, delete \"no such copy\"",
      code1 == 404 and "no such copy" in page2 and os.path.exists(E["CONF"]), f"{code1} {code2}")

# Release for XMail: a file in MailRoot/spool/local with the envelope, XMail's
# dot-stuffing undone, and the copy gone.
copy = os.path.join(E["MAILROOT"], "domains/example.test/spam/Maildir/new/1796560000000.1a.2b.3c.mx")
code, page = req(op, "/spam", {"csrf": csrf, "op": "release", "id": os.path.basename(copy)})
local = [os.path.join(E["MAILROOT"], "spool/local", f) for f in os.listdir(os.path.join(E["MAILROOT"], "spool/local"))]
data = open(local[0], "rb").read() if len(local) == 1 else b""
check("XMail release: one file in spool/local: mail from, rcpt to each recipient, empty line, the message unstuffed, our block off",
      code == 200 and "Released to 2 recipients through XMail" in page and
      data.startswith(b"mail from:<a@fail.e2e.test>\r\nrcpt to:<bob@example.test>\r\nrcpt to:<carol@example.test>\r\n\r\n"
                      b"Authentication-Results: mx.e2e.test;")
      and b"\r\n.a line that starts with a dot\r\n" in data and b"X-Spam-Folder" not in data
      and not os.path.exists(copy) and os.listdir(os.path.join(E["MAILROOT"], "spool/temp")) == [],
      f"{code} {local} {data[:160]!r}")

bad = opener()
codes = [login(bad, "wrong password")[0] for _ in range(5)]
code, _ = login(bad, E["WEB_PASSWORD"])
check("after 5 failed logins within a minute even the right password gets 429", codes == [403] * 5 and code == 429,
      f"{codes} then {code}")
