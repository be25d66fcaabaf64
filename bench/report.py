#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
report.py - turns the result lines of bench/run.sh into bench/results.md
and prints its main tables (results, ratios, targets) on stdout.

  report.py RESULTS.txt TRUTH.tsv OUT.md

Input lines (one each, key=value tokens, values optionally "quoted"):
  RESULT label= conc= msgs= ... dns_queries= milter= pass=cold|-warm
  HOLD milter= conns= rss_before_kb= rss_kb= hwm_kb= threads=
  FLOOR rsa_sign_per_s= rsa_verify_per_s= sha256_kBps_16k=
  SKIP milter= [conc=]
  SYS nproc= cpu= kernel= date= commit= elapsed_s= opendkim= opendmarc= rspamd=
  POSTFIX ... / BRIDGE ...  (tables of bench/postfix-e2e.sh, bench/bridge-overhead.sh,
                             inside EXTRA blocks: copied verbatim)
  EXTRA_BEGIN title ... EXTRA_END   (verbatim output of other benchmarks)
"""
import collections
import os
import shlex
import sys

NAMES = {"spfdkim": "spfdkim-milter (SPF+DKIM+DMARC)", "spfdkim-spf": "spfdkim-milter, DKIMVerify no", "opendkim": "OpenDKIM (verify)",
         "opendmarc": "OpenDMARC (+SPF)", "rspamd": "rspamd (dkim, spf, dmarc, milter_headers)"}


def kv(line):
    d = {}
    for tok in shlex.split(line)[1:]:
        if "=" in tok:
            k, v = tok.split("=", 1)
            d[k] = v
    return d


def num(d, k, default=0.0):
    try:
        return float(d.get(k, default))
    except ValueError:
        return default


def counts(d, key, order):
    vals = [int(d.get("%s_%s" % (key, v), 0)) for v in order]
    other = sum(int(v) for k, v in d.items()
                if k.startswith(key + "_") and k[len(key) + 1:] not in order + ["truth", "match", "mismatch", "absent"])
    if sum(vals) + other == 0:
        return "-"
    return "/".join(str(v) for v in vals) + ("/%d" % other if other else "")


def main():
    res_path, truth_path, out_path = sys.argv[1:4]
    results, holds, skips, extras, syscalls = [], [], [], [], []
    floor, sysinfo = {}, {}
    cur = None
    for line in open(res_path, errors="replace"):
        if cur is not None:
            if line.startswith("EXTRA_END"):
                extras.append(cur)
                cur = None
            else:
                cur[1].append(line.rstrip("\n"))
            continue
        if line.startswith("RESULT "):
            results.append(kv(line))
        elif line.startswith("HOLD "):
            holds.append(kv(line))
        elif line.startswith("FLOOR "):
            floor = kv(line)
        elif line.startswith("SYS "):
            sysinfo = kv(line)
        elif line.startswith("SYSCALLS "):
            syscalls.append(kv(line))
        elif line.startswith("SKIP "):
            skips.append(kv(line))
        elif line.startswith("EXTRA_BEGIN "):
            cur = (line[len("EXTRA_BEGIN "):].strip(), [])

    # Repeated cold passes: keep the fastest run (interference from other work
    # on the machine only ever slows a run down), remember the range.
    groups = collections.OrderedDict()
    for r in results:
        groups.setdefault((r.get("milter"), r.get("conc"), r.get("pass")), []).append(r)
    results = []
    for runs in groups.values():
        runs.sort(key=lambda r: num(r, "mps"))
        med = dict(runs[-1])
        med["runs"] = len(runs)
        med["mps_min"], med["mps_max"] = num(runs[0], "mps"), num(runs[-1], "mps")
        results.append(med)
    nrep = max([r["runs"] for r in results] or [1])

    truth = {"dkim": {}, "spf": {}}
    total_bytes = n = 0
    for line in open(truth_path):
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        n += 1
        total_bytes += int(f[2])
        truth["dkim"][f[4]] = truth["dkim"].get(f[4], 0) + 1
        truth["spf"][f[5]] = truth["spf"].get(f[5], 0) + 1
    avg = total_bytes / n if n else 0
    sessions = set()
    try:
        for line in open(os.path.join(os.path.dirname(truth_path), "envelopes.tsv")):
            if not line.startswith("#"):
                sessions.add(line.split("\t")[1])
    except (OSError, IndexError):
        pass

    rsa_v0 = num(floor, "rsa_verify_per_s")
    sha0 = num(floor, "sha256_kBps_16k") * 1000
    FLOOR_MS = [(1000 / rsa_v0) + (avg / sha0 * 1000)] if rsa_v0 and sha0 else []
    out = []
    w = out.append
    w("# Benchmark results (`make bench`)")
    w("")
    w("Command: `make bench` as root (bench/run.sh; knobs: BENCH_CONC, BENCH_MESSAGES, BENCH_HOLD, "
      "BENCH_MILTERS, BENCH_PERF=0, BENCH_KEEP=1, BENCH_EXTRAS=0, BENCH_ONLY, BENCH_RSPAMD_DB; Postfix: PFE_MSGS, "
      "PFE_ROUNDS, PFE_SESS; bridge: BRIDGE_N). This file is rewritten by every run.")
    w("")
    w("Machine: %s cores, %s, Linux %s. Run %s, commit %s, %s s for the whole run." % (
        sysinfo.get("nproc", "?"), sysinfo.get("cpu", "?"), sysinfo.get("kernel", "?"),
        sysinfo.get("date", "?"), sysinfo.get("commit", "?"), sysinfo.get("elapsed_s", "?")))
    w("Compared: OpenDKIM %s (Debian, `Mode v`), OpenDMARC %s (Debian, `SPFSelfValidate true`), "
      "rspamd %s (Debian; its rspamd_proxy worker in milter mode with `self_scan`, only the dkim, spf, dmarc and "
      "milter_headers modules, bench/rspamd/rspamd.conf)." % (
        sysinfo.get("opendkim", "?"), sysinfo.get("opendmarc", "?"), sysinfo.get("rspamd", "?")))
    w("")
    w("Figures vary with load: the machine is shared, and every number here comes from one run on it. "
      "Compare rows of the same run, not runs.")
    w("")
    w("Corpus (bench/gen_corpus.py, deterministic): %d messages, average %.1f KB, 50 sender domains; "
      "truth dkim pass/fail/none = %d/%d/%d, spf pass/fail/softfail = %d/%d/%d." % (
          n, avg / 1024, truth["dkim"].get("pass", 0), truth["dkim"].get("fail", 0),
          truth["dkim"].get("none", 0), truth["spf"].get("pass", 0), truth["spf"].get("fail", 0),
          truth["spf"].get("softfail", 0)))
    w("Each row is one pass over the corpus by a fresh milter process (cold caches); cold rows are the fastest "
      "of %d such runs (the msgs/s range of all in brackets; other work on the machine only slows a run down), `warm` is a second pass by the last run's process." % nrep +
      " Load generator: build/release/bench/milter_load, "
      "milter protocol v6, one milter connection per SMTP session (%d sessions of 1 to 12 messages), " % len(sessions) +
      "reused for each message of the session as Postfix does; it runs on the same cores. CPU-ms/msg: the milter's utime+stime from /proc; memory: peak RSS (VmHWM), for rspamd the sum of PSS; "
      "DNS q/msg: queries that reached the bench unbound; replies/msg: milter round trips an MTA "
      "waits for (from the negotiated SMFIP_NR_*/SMFIP_NO* flags); steal %: CPU time the hypervisor gave "
      "to other guests during that pass (from /proc/stat), a sign of a disturbed run.")
    w("")
    ccpu = [num(r, "client_cpu_ms_per_msg") for r in results if "client_cpu_ms_per_msg" in r]
    if ccpu:
        w("The load generator itself used %.3f CPU-ms per message on average." % (sum(ccpu) / len(ccpu)))
        w("")
    mark_table = len(out)
    w("| milter | c | pass | msgs/s | p50 ms | p99 ms | CPU-ms/msg | memory MiB | DNS q/msg | replies/msg "
      "| dkim pass/fail/none | spf pass/fail/softfail | dmarc pass/fail/none | vs truth | errors | steal % |")
    w("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|---:|---:|")
    order = {"spfdkim": 0, "spfdkim-spf": 1, "opendkim": 2, "opendmarc": 3, "rspamd": 4}
    results.sort(key=lambda r: (order.get(r.get("milter"), 9), int(r.get("conc", 0)), r.get("pass") == "-warm"))
    for r in results:
        m = r.get("milter", "?")
        msgs = max(num(r, "msgs"), 1)
        vt = "-"
        if m == "spfdkim-spf":
            vt = "spf %s" % r.get("spf_truth", "?")
        elif m == "spfdkim":
            vt = "dkim %s, spf %s" % (r.get("dkim_truth", "?"), r.get("spf_truth", "?"))
        elif m == "opendkim":
            vt = "dkim %s/%d agree" % (r.get("dkim_match", "?"), int(msgs))
        elif m == "opendmarc":
            vt = "spf %s/%d agree" % (r.get("spf_match", "?"), int(msgs))
        elif m == "rspamd":
            vt = "dkim %s/%d, spf %s/%d agree" % (r.get("dkim_match", "?"), int(msgs), r.get("spf_match", "?"),
                                                  int(msgs))
        mps = "%.0f" % num(r, "mps")
        if r.get("runs", 1) > 1:
            mps += " (%.0f–%.0f)" % (r["mps_min"], r["mps_max"])
        w("| %s | %s | %s | %s | %.2f | %.2f | %.3f | %.1f | %.3f | %.1f | %s | %s | %s | %s | %s | %s |" % (
            NAMES.get(m, m), r.get("conc"), "warm" if r.get("pass") == "-warm" else "cold",
            mps, num(r, "p50_ms"), num(r, "p99_ms"), num(r, "cpu_ms_per_msg"),
            num(r, "hwm_kb") / 1024, num(r, "dns_queries") / msgs, num(r, "rtt_per_msg"),
            counts(r, "dkim", ["pass", "fail", "none"]), counts(r, "spf", ["pass", "fail", "softfail"]),
            counts(r, "dmarc", ["pass", "fail", "none"]), vt, r.get("errors", "?"), r.get("steal_pct", "-")))
    for s in skips:
        w("| %s | %s | - | skipped (not built or did not start) ||||||||||||| |" % (
            NAMES.get(s.get("milter"), s.get("milter")), s.get("conc", "all")))
    sp = [r for r in results if r.get("milter") == "spfdkim-spf"]
    full = [r for r in results if r.get("milter") == "spfdkim" and sp and r.get("conc") == sp[0].get("conc")
            and r.get("pass") != "-warm"]
    if sp and full:
        w("")
        w("The `DKIMVerify no` row is our milter with DKIM verification switched off (SPF, header edits and "
          "milter I/O only): %.3f CPU-ms/msg, so DKIM verification costs about %.3f CPU-ms per message "
          "at c=%s, against a crypto floor of %s ms." % (
              num(sp[0], "cpu_ms_per_msg"), num(full[0], "cpu_ms_per_msg") - num(sp[0], "cpu_ms_per_msg"),
              sp[0].get("conc"), "%.3f" % FLOOR_MS[0] if FLOOR_MS else "?"))
    dm = [r for r in results if r.get("milter") == "opendmarc"]
    if dm and int(dm[0].get("spf_softfail", 0)) == 0 and truth["spf"].get("softfail", 0) and \
            int(dm[0].get("spf_fail", 0)) == truth["spf"].get("fail", 0) + truth["spf"].get("softfail", 0):
        w("")
        w("OpenDMARC's own SPF check reports the corpus's %d softfail messages as spf=fail; "
          "otherwise its SPF verdicts agree with the truth." % truth["spf"]["softfail"])
    rs = [r for r in results if r.get("milter") == "rspamd" and r.get("mem") == "pss"]
    if rs:
        w("")
        w("rspamd runs as a process tree (%s processes: the main process, %s rspamd_proxy workers scanning "
          "in-process, helpers): its CPU-ms/msg is summed over the tree, and its memory column is the sum "
          "of their PSS (smaps_rollup; shared pages counted once), not VmHWM." % (
              rs[0].get("procs", "?"), sysinfo.get("nproc", "?")))
    w("")

    def row(m, c, p="cold"):
        for r in results:
            if r.get("milter") == m and r.get("conc") == str(c) and \
                    ("warm" if r.get("pass") == "-warm" else "cold") == p:
                return r
        return None

    concs = sorted({int(r["conc"]) for r in results if "conc" in r})
    w("## Ratios (same run)")
    w("")
    w("| c | msgs/s ours ÷ OpenDKIM | CPU-ms/msg ours ÷ OpenDKIM | msgs/s ours ÷ OpenDMARC | CPU-ms/msg ours ÷ OpenDMARC "
      "| msgs/s ours ÷ rspamd | CPU-ms/msg ours ÷ rspamd | memory ours ÷ rspamd |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")

    def ratio(a, b, k):
        if a is None or b is None or num(b, k) <= 0 or num(a, k) < 0:
            return None
        return num(a, k) / num(b, k)

    def fmt(x, f="%.2f×"):
        return "-" if x is None else f % x

    for c in concs:
        o, k, d, rr = row("spfdkim", c), row("opendkim", c), row("opendmarc", c), row("rspamd", c)
        w("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
            c, fmt(ratio(o, k, "mps")), fmt(ratio(o, k, "cpu_ms_per_msg")),
            fmt(ratio(o, d, "mps")), fmt(ratio(o, d, "cpu_ms_per_msg")),
            fmt(ratio(o, rr, "mps")), fmt(ratio(o, rr, "cpu_ms_per_msg")), fmt(ratio(o, rr, "hwm_kb"))))
    cm = concs[-1] if concs else None
    ow, rw = (row("spfdkim", cm, "warm"), row("rspamd", cm, "warm")) if cm else (None, None)
    if ow and rw:
        w("| %d warm | - | - | - | - | %s | %s | %s |" % (
            cm, fmt(ratio(ow, rw, "mps")), fmt(ratio(ow, rw, "cpu_ms_per_msg")), fmt(ratio(ow, rw, "hwm_kb"))))
    if row("rspamd", cm) if cm else None:
        w("")
        w("Memory ours ÷ rspamd: our VmHWM against the sum of rspamd's PSS after the same pass.")
    w("")

    rsa_v = num(floor, "rsa_verify_per_s")
    sha = num(floor, "sha256_kBps_16k") * 1000
    floor_ms = (1000 / rsa_v if rsa_v else 0) + (avg / sha * 1000 if sha else 0)
    mark_ratios_end = len(out)
    w("## Crypto floor")
    w("")
    if rsa_v and sha:
        w("`openssl speed -seconds 1 rsa2048`: %.0f verify/s (%.1f µs each); `openssl speed -seconds 1 -evp sha256`: "
          "%.0f MB/s at 16 KB blocks, %.1f µs for the average message (%.1f KB). Floor: **%.4f ms** per message "
          "(one RSA-2048 verify + SHA-256 over the average message)." % (
              rsa_v, 1e6 / rsa_v, sha / 1e6, avg / sha * 1e6, avg / 1024, floor_ms))
        w("")
        w("| milter | CPU-ms/msg at c=%s | × floor |" % (concs[-1] if concs else "?"))
        w("|---|---:|---:|")
        for m in ("spfdkim", "opendkim", "opendmarc", "rspamd"):
            r = row(m, concs[-1]) if concs else None
            if r:
                w("| %s | %.3f | %.0f× |" % (NAMES[m], num(r, "cpu_ms_per_msg"), num(r, "cpu_ms_per_msg") / floor_ms))
    else:
        w("openssl speed output not parsed: %s" % floor)
    w("")

    if holds:
        w("## Connections held open")
        w("")
        w("Each milter, after its c=%s passes, gets %s more connections, each negotiated and past "
          "connect and HELO, held open while its VmRSS is read. Debian's libmilter serves connections from "
          "a small worker pool, hence the few threads." % (concs[-1] if concs else "?", holds[0].get("conns")))
        w("")
        w("| milter | connections | VmRSS before MiB | VmRSS held MiB | VmHWM MiB | threads |")
        w("|---|---:|---:|---:|---:|---:|")
        for h in holds:
            w("| %s | %s | %.1f | %.1f | %.1f | %s |" % (
                NAMES.get(h.get("milter"), h.get("milter")), h.get("conns"), num(h, "rss_before_kb") / 1024,
                num(h, "rss_kb") / 1024, num(h, "hwm_kb") / 1024, h.get("threads")))
        w("")

    if syscalls:
        w("## System calls per message")
        w("")
        w("One more pass at c=%s per milter, counted with `perf stat` tracepoints (all threads of the milter)." % (
            concs[-1] if concs else "?"))
        w("")
        w("| milter | all | poll | read | write | writev | setsockopt |")
        w("|---|---:|---:|---:|---:|---:|---:|")
        for sc in syscalls:
            n = max(num(sc, "msgs"), 1)
            w("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |" % (
                NAMES.get(sc.get("milter"), sc.get("milter")), num(sc, "total") / n, num(sc, "poll") / n,
                num(sc, "read") / n, num(sc, "write") / n, num(sc, "writev") / n, num(sc, "setsockopt") / n))
        w("")

    mark_targets = len(out)
    w("## Targets (spfdkim-milter with SPF and DKIM on, c=%s)" % (concs[-1] if concs else 16))
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    cmax = concs[-1] if concs else 16
    o, k = row("spfdkim", cmax), row("opendkim", cmax)
    x = ratio(o, k, "mps")
    w("| throughput ≥ 2× OpenDKIM verify-only | %s | %s |" % (fmt(x), "-" if x is None else ("met" if x >= 2 else "MISSED")))
    x = ratio(o, k, "cpu_ms_per_msg")
    w("| CPU-ms/msg ≤ 0.2× OpenDKIM's | %s | %s |" % (fmt(x), "-" if x is None else ("met" if x <= 0.2 else "MISSED")))
    ow = row("spfdkim", cmax, "warm")
    x = num(ow, "dns_queries") / max(num(ow, "msgs"), 1) if ow else None
    w("| < 0.05 upstream DNS queries/msg, warm cache | %s | %s |" % (
        fmt(x, "%.4f"), "-" if x is None else ("met" if x < 0.05 else "MISSED")))
    hs = [h for h in holds if h.get("milter") == "spfdkim"]
    if hs:
        x = num(hs[0], "rss_kb") / 1024
        w("| RSS ≤ 64 MiB with %s connections | %.1f MiB (VmHWM over the whole run %.1f MiB) | %s |" % (
            hs[0].get("conns"), x, num(hs[0], "hwm_kb") / 1024, "met" if x <= 64 else "MISSED"))
    else:
        w("| RSS ≤ 64 MiB with 500 connections | not measured | - |")
    braw = {}
    pfe = {}
    for title, lines in extras:
        for l in lines:
            if not l.startswith("raw: "):
                continue
            d = kv("x " + l[len("raw: "):])
            if title.startswith("bridge") and num(d, "bytes") < 50000:
                braw[d.get("label", "trivial")] = d
            elif title.startswith("Postfix") and "case" in d:
                pfe[d["case"]] = [float(x) for x in d.get("mps", "").split(",") if x]
    br = braw.get("trivial")
    if br:
        x = num(br, "own_p50")
        w("| bridge overhead ≤ 2 ms p50 for 10 KB | %.2f ms own p50 (exec to exit minus the milter wait, "
          "trivial milter) | %s |" % (x, "met" if x <= 2 else "MISSED"))
    else:
        w("| bridge overhead ≤ 2 ms p50 for 10 KB | not measured (bench/bridge-overhead.sh missing) | - |")
    if "spfdkim" in braw and "true" in braw:
        w("| (information) bridge + spfdkim-milter beyond a /bin/true filter, 10 KB | %.2f ms p50, %.2f ms p99 | - |" % (
            num(braw["spfdkim"], "wall_p50") - num(braw["true"], "wall_p50"),
            num(braw["spfdkim"], "wall_p99") - num(braw["true"], "wall_p99")))
    if pfe.get("none") and pfe.get("spfdkim"):
        rs = sorted(a / b for a, b in zip(pfe["spfdkim"], pfe["none"]) if b > 0)
        x = rs[len(rs) // 2] if len(rs) % 2 else (rs[len(rs) // 2 - 1] + rs[len(rs) // 2]) / 2
        w("| Postfix with our milter ≥ 0.9× the msgs/s without | %.2f× median of %d paired rounds (%.2f–%.2f) | %s |" % (
            x, len(rs), rs[0], rs[-1], "met" if x >= 0.9 else "MISSED"))
    w("")

    # Where our CPU goes, from the profile section, in words.
    prof = [lines for title, lines in extras if title.startswith("profile")]
    if prof:
        share = {}
        for l in prof[0]:
            f = l.split()
            if len(f) >= 2 and f[0].endswith("%"):
                share.setdefault(f[1], float(f[0][:-1]))
        def pc(name):
            return share.get(name)
        libodk = (pc("dkim_sig_process") or 0) > 1 or (pc("dkim_body") or 0) > 1
        k = None
        for l in prof[0]:
            f = l.split()
            if len(f) == 2 and f[1] == "kernel":
                k = float(f[0][:-1])
        parts = []
        if pc("dkim_msg_body") is not None:
            parts.append("%.0f%% under dkim_msg_body(), body canonicalization and hashing%s" % (
                pc("dkim_msg_body"), " in libopendkim (which appends the canonical body to a buffer one byte "
                "at a time before hashing)" if libodk else ""))
        if pc("eoh_verify") is not None:
            parts.append("%.0f%% under eoh_verify() at end of headers (signature tags, key lookup and "
                         "checks%s)" % (pc("eoh_verify"), ", and in libopendkim the header hash and verify"
                                        if libodk else ""))
        if pc("eom_verify") is not None:
            parts.append("%.0f%% under eom_verify() at end of message (header hash, RSA/Ed25519 verify; "
                         "RSA_verify alone %.0f%%)" % (pc("eom_verify"), pc("RSA_verify") or 0))
        if (pc("dkim_msg_header") or 0) >= 2:
            parts.append("%.0f%% under dkim_msg_header() keeping each header for DKIM%s" % (
                pc("dkim_msg_header"), " (buf_putc: byte by byte)" if (pc("buf_putc") or 0) >= 2 else ""))
        if (pc("mlfi_log_decision") or 0) >= 1:
            parts.append("%.0f%% writing the decision line" % pc("mlfi_log_decision"))
        if (pc("edits_apply") or 0) >= 1:
            parts.append("%.0f%% under edits_apply() sending the header edits" % pc("edits_apply"))
        if (pc("ASN1_d2i_bio") or 0) > 1:
            parts.append("of that %.0f%% OpenSSL 3 decoding the public key again for every message "
                         "(ASN1_d2i_bio/OSSL_DECODER)" % pc("ASN1_d2i_bio"))
        if k is not None:
            parts.append("%.0f%% in the kernel (milter socket reads, writes and polls)" % k)
        if pc("mi_rd_cmd") is not None:
            parts.append("%.0f%% under libmilter's mi_rd_cmd() reading commands" % pc("mi_rd_cmd"))
        if pc("mlfi_spf_check") is not None:
            parts.append("%.0f%% in the SPF check" % pc("mlfi_spf_check"))
        if parts:
            w("Where our milter's CPU goes (profile below, shares of its CPU time): " + "; ".join(parts) + ".")
            w("")
        wr = row("spfdkim", cmax, "warm")
        cb = [lines for title, lines in extras if title.startswith("DKIM body hashing")]
        if wr and cb and pc("dkim_msg_body") is not None:
            cpu = num(wr, "cpu_ms_per_msg")
            vals = {}
            for l in cb[0]:
                f = l.split(":", 1)
                if len(f) == 2 and "ms/msg" in f[1]:
                    vals[f[0].strip()] = float(f[1].split()[0])
            w("In milliseconds per message (c=%s warm pass, %.3f CPU-ms/msg): dkim_msg_body() about %.3f ms in "
              "the milter; bench/canon_bench.c on the same bodies: %s ms for dkim_canon.c's canonicalizer alone, "
              "%s ms for the run-based yardstick, %s ms for SHA-256 alone." % (
                  cmax, cpu, cpu * pc("dkim_msg_body") / 100,
                  vals.get("dkim_canon.c dkim_bodycanon_update", "?"),
                  vals.get("run-based yardstick", "?"), vals.get("SHA-256 alone (floor)", "?")))
            w("")

    mark_targets_end = len(out)
    for title, lines in extras:
        w("## " + title)
        w("")
        w("```")
        out.extend(lines)
        w("```")
        w("")

    text = "\n".join(out) + "\n"
    with open(out_path, "w") as f:
        f.write(text)
    # The terminal gets the tables that matter, ending with the targets.
    summary = out[mark_table:mark_ratios_end] + out[mark_targets:mark_targets_end]
    sys.stdout.write("\n".join(summary) + "\n")


if __name__ == "__main__":
    main()
