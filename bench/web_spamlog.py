# SPDX-License-Identifier: BSD-2-Clause
"""web_spamlog.py gen DIR N | time PORT N REPEAT - for bench/web-spamlog.sh.

gen writes DIR/spam.log and DIR/decisions.log, N lines each, in the
milter's key=value format (deterministic: seed 1, 500 sender domains).
time logs in to spfdkim-web on 127.0.0.1:PORT and prints a markdown table
of median response times.
"""
import http.cookiejar, random, re, sys, time, urllib.parse, urllib.request

if sys.argv[1] == "gen":
    d, n = sys.argv[2], int(sys.argv[3])
    random.seed(1)
    with open(f"{d}/spam.log", "w") as f, open(f"{d}/decisions.log", "w") as g:
        for i in range(n):
            ts = f"2026-{1 + i * 12 // n:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
            dom = f"d{random.randint(1, 500)}.example"
            res = random.choice(["fail", "softfail", "none", "neutral"])
            act = random.choice(["reject", "save-reject", "quarantine"])
            f.write(f'ts={ts} qid=Q{i} ip=192.0.2.{i % 250} helo=h.example mailfrom=u{i}@{dom} '
                    f'rcpts=bob@example.test results="spf={res} dkim=none" action={act} '
                    f'reply="550 5.7.23 SPF {res}" saved=-\n')
            g.write(f'ts={ts} qid=Q{i} ip=192.0.2.{i % 250} helo=h.example mailfrom=u{i}@{dom} identity=mailfrom '
                    f'domain={dom} spf={res} helo_spf=- dkim=none dkim_d=- skip=- action={act} reason=spf '
                    f'reply=- elapsed_ms=3\n')
    sys.exit(0)

port, n, rep = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
base = f"http://127.0.0.1:{port}"
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
csrf = re.search(r'name="csrf" value="(\w+)"', op.open(base + "/login").read().decode()).group(1)
op.open(base + "/login", data=urllib.parse.urlencode(
    {"user": "admin", "password": "bench password", "csrf": csrf}).encode())
print(f"| request ({n} log lines) | median ms | shown |\n|---|---:|---|")
for q in ["/spamlog?log=spam", f"/spamlog?log=spam&page={n // 100}",
          "/spamlog?log=spam&action=reject&result=fail&domain=d42.example&from=2026-03-01&to=2026-09-30",
          "/spamlog?log=decision&result=softfail&page=50", "/report?since=all"]:
    ts = []
    for _ in range(rep):
        t = time.perf_counter()
        body = op.open(base + q).read().decode()
        ts.append(time.perf_counter() - t)
    m = re.search(r'id="count">([^<]*)', body)
    print(f"| `{q}` | {sorted(ts)[len(ts) // 2] * 1000:.0f} | {m.group(1).strip() if m else f'{len(body)} bytes'} |")
