#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/postfix-e2e.sh - what a milter costs a real Postfix as a whole.
#
# Postfix's own smtp-source sends into a private Postfix on loopback (the
# setup of tests/e2e/postfix.sh) that relays everything to smtp-sink. One
# Postfix, one smtpd service per case, each with its own smtpd_milters:
#   none       no milter
#   spfdkim    our milter, inet socket (bench/spfdkim-milter.conf)
#   spfdkim-unix  the same milter process on a unix socket
#   opendkim   OpenDKIM verify-only (bench/opendkim.conf; loopback is not
#              an internal host here, so it verifies)
# Each round sends MSGS messages (one per SMTP session, SESS sessions in
# parallel) of one corpus message (DKIM-signed, the corpus's average size) to
# each case in turn; a case's time runs from smtp-source's start until the
# queue is empty (everything relayed to the sink). Rounds are interleaved so
# that a busy moment on the shared machine hits every case alike.
#
# CPU per message, two ways: "mail path" sums the processes involved (the
# Postfix tree from its master's /proc times including reaped children, the
# milter, smtp-source and smtp-sink); "host" is the busy time of the whole
# machine (/proc/stat), which also counts other work on a shared machine.
# A profiled round per case (perf record -a, by command) splits the CPU
# among smtpd, cleanup, the milter, etc.
#
# Runs as root inside the bench's network namespace (bench/run.sh), with the
# corpus's DNS at 127.0.0.1:53. Environment: PFE_MSGS (1000), PFE_SESS (16),
# PFE_ROUNDS (5), PFE_PERF (1), CORPUS, PFE_WORK (a scratch dir).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$TOP/bench
CORPUS=${CORPUS:-$TOP/build/bench/corpus}
MSGS=${PFE_MSGS:-1000}
SESS=${PFE_SESS:-16}
ROUNDS=${PFE_ROUNDS:-5}
PY=/usr/bin/python3
CASES="none spfdkim spfdkim-unix opendkim"
[ -x /usr/sbin/opendkim ] || CASES="none spfdkim spfdkim-unix"
. "$TOP/tests/e2e/postfix.sh"

WORK=${PFE_WORK:-$(mktemp -d /tmp/postfix-e2e.XXXXXX)}
mkdir -p "$WORK"
PF=$WORK/pf
PIDS=""
cleanup() {
  pf_stop "$PF" 2>/dev/null || true
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  for p in $PIDS; do wait "$p" 2>/dev/null || true; done
  [ -n "${PFE_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
log() { echo "postfix-e2e: $*" >&2; }
port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- the message: a DKIM-signed corpus message near the average size --------
pick=$(awk -F'\t' '!/^#/ { n++; s += $3; if ($5 == "pass" && $4 == "rsa") { id[n] = $1; sz[n] = $3 } }
  END { avg = s / n; best = -1; for (k in id) { d = sz[k] - avg; if (d < 0) d = -d; if (best < 0 || d < bd) { best = k; bd = d } }
        print id[best], sz[best] }' "$CORPUS/truth.tsv")
mid=${pick% *}
file=$(awk -F'\t' -v id="$mid" '$1 == id { print $7 }' "$CORPUS/envelopes.tsv")
from=$(awk -F'\t' -v id="$mid" '$1 == id { print $5 }' "$CORPUS/envelopes.tsv")
rcpt=$(awk -F'\t' -v id="$mid" '$1 == id { print $6 }' "$CORPUS/envelopes.tsv")
# smtp-source -F appends CRLF to each line: give it LF lines.
sed 's/\r$//' "$CORPUS/$file" > "$WORK/msg.txt"
log "message $file (${pick#* } bytes), from $from to $rcpt"

# --- milters ---------------------------------------------------------------
MP_SPF=$(port); MP_ODK=$(port)
USOCK=$WORK/spfdkim.sock
sed -e "s|@PORT@|$MP_SPF|g" -e "s|@WORK@|$WORK|g" "$BENCH/spfdkim-milter.conf" > "$WORK/spfdkim.conf"
# The same process also listens on a unix socket? libmilter has one socket per
# process: a second process serves the unix case.
sed -e "s|inet:@PORT@@127.0.0.1|unix:$USOCK|" -e "s|@WORK@|$WORK/u|g" "$BENCH/spfdkim-milter.conf" > "$WORK/spfdkim-unix.conf"
mkdir -p "$WORK/u"
# Postfix's daemons (user postfix) must reach their dirs below WORK (the
# caller makes WORK's own parents traversable, as bench/run.sh does).
chmod 711 "$WORK"
"$TOP/milter/spfdkim-milter" -f -c "$WORK/spfdkim.conf" >>"$WORK/spfdkim.out" 2>&1 &
PID_spfdkim=$!; PIDS="$PIDS $!"
"$TOP/milter/spfdkim-milter" -f -c "$WORK/spfdkim-unix.conf" >>"$WORK/spfdkim-unix.out" 2>&1 &
PID_spfdkim_unix=$!; PIDS="$PIDS $!"
PID_none=""
if [[ " $CASES " == *" opendkim "* ]]; then
  { sed -e "s|@PORT@|$MP_ODK|g" -e "s|@WORK@|$WORK|g" "$BENCH/opendkim.conf"
    echo "InternalHosts csl:192.0.2.1"; } > "$WORK/opendkim.conf"
  /usr/sbin/opendkim -f -x "$WORK/opendkim.conf" >>"$WORK/opendkim.out" 2>&1 &
  PID_opendkim=$!; PIDS="$PIDS $!"
fi
for _ in $(seq 100); do
  listening "$MP_SPF" && [ -S "$USOCK" ] && { [ -z "${PID_opendkim:-}" ] || listening "$MP_ODK"; } && break
  sleep 0.1
done
chmod 666 "$USOCK" 2>/dev/null || true

# --- smtp-sink and Postfix ---------------------------------------------------
SINK=$(port)
smtp-sink -u nobody "127.0.0.1:$SINK" 256 >"$WORK/sink.out" 2>&1 &
PID_sink=$!; PIDS="$PIDS $!"
pf_setup "$PF" "$(port)" bench-e2e.example >/dev/null
pc="postconf -c $PF/etc"
$pc -e "relayhost = [127.0.0.1]:$SINK" "relay_domains = inbound.example" \
       "smtpd_recipient_restrictions = permit_mynetworks, reject" \
       "smtp_connection_cache_on_demand = yes" \
       "milter_protocol = 6" "milter_default_action = accept" \
       "milter_connect_timeout = 10s" "milter_command_timeout = 50s" "milter_content_timeout = 120s"
declare -A SP
for c in $CASES; do
  SP[$c]=$(port)
  case $c in
    none) m="" ;;
    spfdkim) m="inet:127.0.0.1:$MP_SPF" ;;
    spfdkim-unix) m="unix:$USOCK" ;;
    opendkim) m="inet:127.0.0.1:$MP_ODK" ;;
  esac
  $pc -M "127.0.0.1:${SP[$c]}/inet=127.0.0.1:${SP[$c]} inet n - n - - smtpd -o smtpd_milters=$m"
done
pf_start "$PF" || { log "postfix did not start: $(tail -3 "$PF/log/start.log")"; exit 1; }
for c in $CASES; do for _ in $(seq 100); do listening "${SP[$c]}" && break; sleep 0.1; done; done

queued() { find "$PF/spool/incoming" "$PF/spool/active" "$PF/spool/deferred" "$PF/spool/maildrop" -type f 2>/dev/null | wc -l; }
# CPU (ms) of a process with its reaped children, and of its live descendants
# (processes only: /proc/TID/stat of a thread reports its whole process).
tree_ms() {
  local p ids="" hz
  hz=$(getconf CLK_TCK)
  [ -n "$1" ] || { echo 0; return; }
  for p in "$@"; do ids="$ids $(pstree -p -T "$p" 2>/dev/null | grep -o '([0-9]*)' | tr -d '()')"; done
  for p in $ids; do sed 's/.*) //' "/proc/$p/stat" 2>/dev/null; done |
    awk -v hz="$hz" '{ t += $12 + $13 + $14 + $15 } END { printf "%.1f", t * 1000 / hz }'
}
busy() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }
master() { tr -dc 0-9 < "$PF/spool/pid/master.pid"; }

# run CASE LABEL: one measured batch; prints a PFE line.
run() {
  local c=$1 mp mpid p0 p1 m0 m1 k0 k1 b0 b1 t0 t1 sent
  mpid=$(eval echo "\${PID_${c//-/_}:-}")
  p0=$(tree_ms "$(master)"); m0=$(tree_ms "$mpid"); k0=$(tree_ms "$PID_sink"); b0=$(busy)
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$WORK/src.time" smtp-source -s "$SESS" -m "$MSGS" -F "$WORK/msg.txt" -f "$from" -t "$rcpt" \
    -M client.bench-e2e.example "127.0.0.1:${SP[$c]}" >"$WORK/src.out" 2>&1 || log "$c: smtp-source: $(tail -2 "$WORK/src.out")"
  local i=0
  while [ "$(queued)" -gt 0 ]; do i=$((i + 1)); [ $i -ge 6000 ] && break; sleep 0.02; done
  t1=$(date +%s.%N)
  p1=$(tree_ms "$(master)"); m1=$(tree_ms "$mpid"); k1=$(tree_ms "$PID_sink"); b1=$(busy)
  awk -v c="$c" -v r="$2" -v n="$MSGS" -v t0="$t0" -v t1="$t1" -v p="$((${p1%.*} - ${p0%.*}))" \
      -v m="$((${m1%.*} - ${m0%.*}))" -v k="$((${k1%.*} - ${k0%.*}))" -v b="$((b1 - b0))" \
      -v hz="$(getconf CLK_TCK)" -v src="$(awk '{ print ($1 + $2) * 1000 }' "$WORK/src.time")" 'BEGIN {
    s = t1 - t0
    printf "PFE case=%s round=%s msgs=%d secs=%.3f mps=%.1f postfix_ms=%.4f milter_ms=%.4f tools_ms=%.4f path_ms=%.4f host_ms=%.4f\n",
      c, r, n, s, n / s, p / n, m / n, (k + src) / n, (p + m + k + src) / n, b * 1000 / hz / n }'
}

log "$ROUNDS rounds of $MSGS messages, $SESS sessions in parallel, cases: $CASES"
run none warmup >/dev/null; run spfdkim warmup >/dev/null
for r in $(seq "$ROUNDS"); do
  for c in $CASES; do run "$c" "$r"; done
done > "$WORK/pfe.txt"
sent=$(grep -c . "$WORK/pfe.txt")
delivered=$(grep -c 'relayed\|status=sent' "$PF/log/postfix.log" 2>/dev/null || echo 0)

# Profiled round per case: CPU samples by command over the whole machine.
if [ "${PFE_PERF:-1}" != 0 ] && command -v perf >/dev/null; then
  for c in $CASES; do
    perf record -a -F 999 -o "$WORK/perf.$c" -- sleep 600 >/dev/null 2>&1 &
    pp=$!
    sleep 0.3
    # Our milter, also with call graphs: where its CPU goes under Postfix.
    mp=""
    if [ "$c" = spfdkim ]; then
      perf record -q --call-graph dwarf,16384 -F 499 -o "$WORK/perf.milter" -p "$PID_spfdkim" >/dev/null 2>&1 &
      mp=$!
    fi
    run "$c" perf >/dev/null
    kill -INT "$pp"; wait "$pp" 2>/dev/null || true
    if [ -n "$mp" ]; then
      kill -INT "$mp"; wait "$mp" 2>/dev/null || true
      perf script -i "$WORK/perf.milter" 2>/dev/null | $PY "$BENCH/perf_summary.py" > "$WORK/milter-profile.txt" 2>&1 || true
    fi
    # Only samples of our processes count: descendants (from the recorded
    # fork events) of Postfix's master, the milters, smtp-sink and this script
    # (smtp-source); other work on the shared machine is left out.
    perf script -i "$WORK/perf.$c" --show-task-events -F comm,pid,tid 2>/dev/null |
      $PY -c '
import collections, re, sys
case, roots = sys.argv[1], set(int(x) for x in sys.argv[2:] if x)
parent, n = {}, collections.Counter()
fork = re.compile(r"PERF_RECORD_FORK\((\d+):\d+\):\((\d+):\d+\)")
def ours(p):
    seen = 0
    while p and seen < 64:
        if p in roots:
            return True
        p, seen = parent.get(p), seen + 1
    return False
for line in sys.stdin:
    m = fork.search(line)
    if m:
        parent[int(m.group(1))] = int(m.group(2))
        continue
    if "PERF_RECORD" in line:
        continue
    f = line.split()
    if len(f) >= 2 and "/" in f[-1]:
        pid = int(f[-1].split("/")[0])
        if ours(pid):
            n[" ".join(f[:-1])] += 1
for k, v in n.items():
    print("PERF case=%s comm=%s samples=%d" % (case, k.replace(" ", "_"), v))
' "$c" "$(master)" "$PID_spfdkim" "$PID_spfdkim_unix" "${PID_opendkim:-}" "$PID_sink" "$$" >> "$WORK/pfe.txt"
  done
fi

$PY - "$WORK/pfe.txt" "$MSGS" "$SESS" "${pick#* }" <<'PYEOF'
import collections, statistics, sys
path, msgs, sess, size = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = collections.defaultdict(list)
perf = collections.defaultdict(dict)
for line in open(path):
    f = dict(t.split("=", 1) for t in line.split()[1:])
    if line.startswith("PFE "):
        runs[f["case"]].append(f)
    elif line.startswith("PERF "):
        perf[f["case"]][f["comm"]] = perf[f["case"]].get(f["comm"], 0) + int(f["samples"])
names = {"none": "no milter", "spfdkim": "spfdkim-milter (inet)", "spfdkim-unix": "spfdkim-milter (unix socket)",
         "opendkim": "OpenDKIM verify-only"}
med = lambda c, k: statistics.median(float(r[k]) for r in runs[c])
print("Postfix %s end to end: smtp-source -s %s -m %d (one message per session, %s bytes, DKIM-signed) into Postfix "
      "relaying to smtp-sink; %d interleaved rounds, medians (msgs/s range over rounds in brackets)." % (
          "3.7", sess, msgs, size, len(runs["none"])))
print()
print("| case | msgs/s | ÷ no milter (range) | mail-path CPU-ms/msg | ÷ no milter | Postfix CPU-ms/msg | milter CPU-ms/msg | host CPU-ms/msg | ÷ no milter |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for c in names:
    if c not in runs:
        continue
    rs = runs[c]
    base = runs["none"]
    ratios = [float(a["mps"]) / float(b["mps"]) for a, b in zip(rs, base)]
    print("| %s | %.0f (%.0f–%.0f) | %.2f× (%.2f–%.2f) | %.3f | %.2f× | %.3f | %.3f | %.3f | %.2f× |" % (
        names[c], med(c, "mps"), min(float(r["mps"]) for r in rs), max(float(r["mps"]) for r in rs),
        statistics.median(ratios), min(ratios), max(ratios),
        med(c, "path_ms"), med(c, "path_ms") / med("none", "path_ms"), med(c, "postfix_ms"), med(c, "milter_ms"),
        med(c, "host_ms"), med(c, "host_ms") / med("none", "host_ms")))
print()
print("Postfix CPU: its master with reaped children and live descendants (smtpd, cleanup, qmgr, smtp, "
      "trivial-rewrite...); mail path = Postfix + milter + smtp-source + smtp-sink; host = the whole machine's "
      "busy time (other work on a shared machine lands here too). Ratios pair each round with the no-milter "
      "batch of the same round.")
if perf:
    comms = collections.Counter()
    for c in perf:
        for k, v in perf[c].items():
            comms[k] += v
    mail = ("smtpd", "cleanup", "qmgr", "smtp", "trivial-rewrite", "master", "spfdkim-milter", "opendkim",
            "smtp-source", "smtp-sink")
    top = [k for k, _ in comms.most_common() if k in mail]
    print()
    print("Profiled round (perf record -a -F 999, only the samples of our processes: Postfix's, the "
          "milters', smtp-source's and smtp-sink's; samples per message by command, 1 sample ~ 1 ms of CPU):")
    print()
    print("| case | " + " | ".join(top) + " |")
    print("|---|" + "---:|" * len(top))
    for c in names:
        if c in perf:
            print("| %s | " % names[c] + " | ".join("%.2f" % (perf[c].get(k, 0) / msgs) for k in top) + " |")
for c in names:
    if c in runs:
        print("raw: case=%s mps=%s" % (c, ",".join(r["mps"] for r in runs[c])))
try:
    prof = open(path.rsplit("/", 1)[0] + "/milter-profile.txt").read().rstrip("\n").split("\n")
except OSError:
    prof = []
if prof:
    print()
    print("spfdkim-milter under Postfix (the profiled round, perf record --call-graph dwarf; top of the list):")
    print()
    for l in prof[:40]:
        print("    " + l)
PYEOF
