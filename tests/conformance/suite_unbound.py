#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""suite_unbound.py - serve the zonedata of an SPF test suite (openspf YAML)
through a real unbound: one unbound per scenario on its own loopback port,
authoritative for the root from a zone file generated from the scenario's
data, and write a manifest of the tests for the C driver (spf_conformance).

    suite_unbound.py WORKDIR SUITE.yml MANIFEST [SUITE2.yml MANIFEST2 ...]

Prints "READY" on stdout once every unbound answers, then waits until stdin
closes (so it never outlives the run that started it) and stops them.

What a real server gives is what the engine gets: no answer is shaped by
this script (a Python server here had hidden that libunbound fails on a
TXT record with no strings, test null-text). The suite's data conventions
(suite_data.py: joined strings, SPF-only names also as TXT, \\xHH octets,
null text as a zero-length rdata) give the zone file.
TIMEOUT names are dropped by an RPZ rule (QNAME trigger, rpz-drop) on that
exact name, so they never answer. Two things a zone cannot say, reported:
- a TIMEOUT after records of the type asked ("answer TXT, time out for
  other types", spftimeout) is served as those records, other types NODATA;
- a TIMEOUT after records of another type only (txttimeout: SPF-type
  records, then TIMEOUT) drops the whole name, those records included.
Neither changes a TXT-only engine's result; each is printed on stderr as
"approximated: NAME: ...".
"""
import os
import signal
import socket
import subprocess
import sys
import time

import yaml
import dns.message
import dns.query

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite_data import Zone, make_rrset, esc  # noqa: E402

HEAD = """$TTL 300
$ORIGIN .
@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@ IN NS ns.test.
ns.test. IN A 127.0.0.1
"""


def free_port():
    for _ in range(200):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            u.close()
            t.close()
        return port
    raise OSError("no free UDP+TCP port on 127.0.0.1")


def zone_text(zone, label):
    """-> (root zone text, [names to drop])"""
    lines, drops = [HEAD], []
    for name, items in zone.names.items():
        types = [t for t, _ in items]
        if "TIMEOUT" in types:
            before = {t for t, v in items[:types.index("TIMEOUT")] if v != "NONE"}
            if "TXT" in before:
                sys.stderr.write("approximated: %s %s: TXT answered, other types NODATA, not timeout\n"
                                 % (label, name))
            else:
                if before:
                    sys.stderr.write("approximated: %s %s: %s records dropped with the name\n"
                                     % (label, name, ",".join(sorted(before))))
                drops.append(name)
        for t, v in items:
            if t == "TIMEOUT" or v == "NONE":
                continue
            if t in ("TXT", "SPF") and isinstance(v, list) and not v:
                # null text: no strings at all, a zero-length rdata
                rs = make_rrset(name, t, [""])
                lines.append("%s 300 IN %s \\# 0\n" % (rs.name.to_text(), t))
                continue
            lines.append(make_rrset(name, t, v).to_text() + "\n")
    return "".join(lines), drops


def config(d, port, drops):
    c = ["server:",
         "  interface: 127.0.0.1", "  port: %d" % port, "  do-ip6: no",
         '  username: ""', '  chroot: ""', '  directory: "%s"' % d,
         '  pidfile: "%s/unbound.pid"' % d, '  logfile: "%s/unbound.log"' % d,
         "  use-syslog: no", "  verbosity: 1", "  num-threads: 1",
         '  module-config: "respip iterator"',
         "  access-control: 127.0.0.0/8 allow", "  do-not-query-localhost: no",
         "  minimal-responses: no", "  qname-minimisation: no",
         "  msg-cache-size: 1m", "  rrset-cache-size: 1m", "  key-cache-size: 1m",
         "  infra-cache-numhosts: 100", "  outgoing-range: 32", "  num-queries-per-thread: 64"]
    c += ["  unblock-lan-zones: yes", "  insecure-lan-zones: yes"]
    # as tests/dns/unbound.sh: the data wins over unbound's built-in zones
    for z in ("test.", "invalid.", "localhost.", "onion.", "home.arpa.", "127.in-addr.arpa.",
              "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa."):
        c.append('  local-zone: "%s" nodefault' % z)
    c += ["remote-control:", "  control-enable: no",
          "auth-zone:", '  name: "."', '  zonefile: "%s/root.zone"' % d,
          "  for-downstream: yes", "  for-upstream: yes", "  fallback-enabled: no"]
    if drops:
        c += ["rpz:", '  name: "rpz.conformance."', '  zonefile: "%s/rpz.zone"' % d,
              "  rpz-log: no"]
    return "\n".join(c) + "\n"


def answers(port):
    q = dns.message.make_query("ns.test.", "A")
    try:
        dns.query.udp(q, "127.0.0.1", port=port, timeout=0.2)
        return True
    except Exception:
        return False


def main():
    args = sys.argv[1:]
    if len(args) < 3 or len(args) % 2 != 1:
        sys.stderr.write(__doc__)
        sys.exit(2)
    work, procs = args[0], []

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except Exception:
                p.kill()
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)

    ports = []
    for i in range(1, len(args), 2):
        with open(args[i], "rb") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        base = os.path.splitext(os.path.basename(args[i]))[0]
        with open(args[i + 1], "w") as man:
            for sn, doc in enumerate(docs):
                d = os.path.join(work, "%s-%d" % (base, sn))
                os.makedirs(d, exist_ok=True)
                text, drops = zone_text(Zone(doc.get("zonedata")), "%s#%d" % (base, sn))
                with open(os.path.join(d, "root.zone"), "w") as z:
                    z.write(text)
                with open(os.path.join(d, "rpz.zone"), "w") as z:
                    z.write("$TTL 300\n$ORIGIN rpz.conformance.\n"
                            "@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ IN NS ns.test.\n")
                    for n in drops:
                        z.write("%s IN CNAME rpz-drop.\n" % n)
                port = free_port()
                with open(os.path.join(d, "unbound.conf"), "w") as c:
                    c.write(config(d, port, drops))
                chk = subprocess.run(["unbound-checkconf", os.path.join(d, "unbound.conf")],
                                     capture_output=True, text=True)
                if chk.returncode != 0:
                    sys.stderr.write("suite_unbound: %s: %s\n" % (d, chk.stdout + chk.stderr))
                    stop()
                procs.append(subprocess.Popen(["unbound", "-d", "-c", os.path.join(d, "unbound.conf")],
                                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=open(os.path.join(d, "stderr"), "w")))
                ports.append((port, d))
                for name, tc in (doc.get("tests") or {}).items():
                    res = tc.get("result")
                    res = res if isinstance(res, list) else [res]
                    exp = tc.get("explanation")
                    man.write("\t".join([
                        str(sn), str(port), esc(name), esc(tc.get("host", "")),
                        esc(tc.get("mailfrom", "")), esc(tc.get("helo", "")),
                        ",".join(str(x) for x in res),
                        "-" if exp is None else esc(exp)]) + "\n")
    deadline = time.time() + 30
    for port, d in ports:
        while not answers(port):
            if time.time() > deadline:
                sys.stderr.write("suite_unbound: unbound in %s does not answer on %d:\n" % (d, port))
                for f in ("stderr", "unbound.log"):
                    try:
                        sys.stderr.write(open(os.path.join(d, f)).read()[-600:])
                    except OSError:
                        pass
                stop()
            time.sleep(0.05)
    print("READY", flush=True)
    try:
        sys.stdin.read()
    except Exception:
        pass
    stop()


if __name__ == "__main__":
    main()
