#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tsan-reload.sh - the ThreadSanitizer daemon under load, reloads and a stop.
#
#   make tsan-check          (builds VARIANT=tsan and the release bench tools)
#   bash tests/stress/tsan-reload.sh [SECONDS]
#
# The daemon (build/tsan/bin/spfdkim-milter) checks the bench corpus
# (bench/gen_corpus.py) at concurrency 16 (bench/milter_load, several passes),
# resolving through an unbound on loopback that serves the corpus zone on
# two ports. Every second the config flips between two files that differ in
# Resolver (the other port) and DNSTimeout, and SIGHUP reloads it: each
# reload builds a new libunbound context while sessions use the old one.
# After SECONDS (TSAN_SECONDS, default 20) SIGTERM arrives under load.
#
# Passes when: every reload was taken, the daemon stopped after the SIGTERM,
# no ThreadSanitizer report has a frame of ours (milter/, xmail-bridge/) in
# a racing access's stack (thread/mutex creation stacks are context;
# reports only inside libunbound, libmilter or OpenSSL are counted and shown,
# not failed), and every verdict the load generator got matches the corpus
# truth (dkim_mismatch=0 spf_mismatch=0). Prints "tsan-reload: PASS ..." or
# "tsan-reload: FAIL ..." as its last line; exit status 0 or 1.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
SECS=${1:-${TSAN_SECONDS:-20}}
MSGS=${TSAN_MESSAGES:-2000}
MILTER=${TSAN_MILTER:-$TOP/build/tsan/bin/spfdkim-milter}
LOAD=${TSAN_LOAD:-$TOP/build/release/bench/milter_load}
CORPUS=${BENCH_CORPUS:-$TOP/build/bench/corpus}
W=$(mktemp -d /tmp/spfdkim-tsan.XXXXXX)
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  for p in $PIDS; do wait "$p" 2>/dev/null; done
  [ -n "${TSAN_KEEP:-}" ] && echo "tsan-reload: work directory kept: $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
die() { echo "tsan-reload: FAIL $*"; exit 1; }
port() { $PY -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]
u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(("127.0.0.1",p)); print(p)'; }

[ -x "$MILTER" ] || die "$MILTER is not built (make VARIANT=tsan programs)"
[ -x "$LOAD" ] || die "$LOAD is not built (make)"
BENCH_MESSAGES=$MSGS $PY "$TOP/bench/gen_corpus.py" "$CORPUS" >&2 || die "bench/gen_corpus.py failed"

# unbound: the corpus zone as the root, on two loopback ports.
P1=$(port); P2=$(port)
mkdir -p "$W/dns"
{ printf '$TTL 3600\n$ORIGIN .\n@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 3600\n'
  printf '@ IN NS ns.test.\nns.test. IN A 127.0.0.1\n\n'; cat "$CORPUS/bench.zone"; } > "$W/dns/root.zone"
cat > "$W/dns/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@$P1
  interface: 127.0.0.1@$P2
  do-ip6: no
  username: ""
  chroot: ""
  directory: "$W/dns"
  pidfile: "$W/dns/unbound.pid"
  use-syslog: no
  do-daemonize: no
  verbosity: 0
  num-threads: 1
  module-config: "iterator"
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  local-zone: "test." nodefault
auth-zone:
  name: "."
  zonefile: "$W/dns/root.zone"
  for-downstream: yes
  for-upstream: yes
  fallback-enabled: no
CONF
unbound -d -c "$W/dns/unbound.conf" > "$W/dns/unbound.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do
  $PY -c 'import sys,dns.resolver as r; x=r.Resolver(configure=False); x.nameservers=["127.0.0.1"]; x.port=int(sys.argv[1]); x.resolve("s00.bench.example","TXT")' "$P1" 2>/dev/null && break
  sleep 0.1
done

MP=$(port)
conf() { # FILE RESOLVER_PORT TIMEOUT
  printf 'Socket inet:%s@127.0.0.1\nResolver 127.0.0.1@%s\nDNSTimeout %s\nDNSBudget 30\nAuthservID mx.tsan.test\nLog %s/milter.log\nLogLevel info\nDKIMSign no\n' \
    "$MP" "$2" "$3" "$W" > "$1"
}
conf "$W/a.conf" "$P1" 5
conf "$W/b.conf" "$P2" 6
cp "$W/a.conf" "$W/m.conf"

TSAN_OPTIONS="halt_on_error=0 log_path=$W/tsan second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
  "$MILTER" -f -c "$W/m.conf" > "$W/milter.out" 2>&1 &
MPID=$!
PIDS="$PIDS $MPID"
for _ in $(seq 300); do grep -q "started on" "$W/milter.log" 2>/dev/null && break; sleep 0.1; done
grep -q "started on" "$W/milter.log" 2>/dev/null || die "the daemon did not start: $(tail -3 "$W/milter.out" "$W/milter.log" 2>/dev/null)"

"$LOAD" -s "inet:$MP@127.0.0.1" -d "$CORPUS" -c 16 -n 20 -t "$CORPUS/truth.tsv" -l tsan \
  > "$W/load.out" 2> "$W/load.err" &
LPID=$!
PIDS="$PIDS $LPID"
hups=0
for i in $(seq "$SECS"); do
  sleep 1
  kill -0 "$LPID" 2>/dev/null || break
  if [ $((i % 2)) = 1 ]; then cp "$W/b.conf" "$W/m.conf"; else cp "$W/a.conf" "$W/m.conf"; fi
  kill -HUP "$MPID"; hups=$((hups + 1))
done
loaded=0; kill -0 "$LPID" 2>/dev/null && loaded=1
kill -TERM "$MPID"
for _ in $(seq 900); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$MPID" 2>/dev/null; then stopped=0; else stopped=1; fi
wait "$MPID"; mrc=$?
wait "$LPID" 2>/dev/null
result=$(grep '^RESULT' "$W/load.out")
reloads=$(grep -c "reloaded configuration" "$W/milter.log")
refused=$(grep -c "reload refused" "$W/milter.log")

# TSan reports: one per "WARNING: ThreadSanitizer" block.
ours=0; theirs=0
for f in "$W"/tsan.*; do
  [ -e "$f" ] || continue
  awk -v out="$W/ours.txt" '
    /^WARNING: ThreadSanitizer/ { blk = $0 "\n"; inb = 1; mine = 0; ctx = 0; next }
    inb { blk = blk $0 "\n" }
    # Only the racing accesses count; where a thread or mutex was created
    # (our main starts libmilter) is context, not our code in the race.
    inb && /^  [A-Z]/ { ctx = ($0 ~ /^  Thread T[0-9]+.* created by / || $0 ~ /^  Mutex M[0-9]+.* created at:/ || $0 ~ /^  Location is/) }
    inb && !ctx && /(^|[ \/])(milter|xmail-bridge)\/[a-z_]+\/?[a-z_]*\.c:/ { mine = 1 }
    inb && /^SUMMARY: ThreadSanitizer/ { inb = 0; if (mine) { n_ours++; printf "%s\n", blk >> out } else n_theirs++ }
    END { printf "%d %d\n", n_ours, n_theirs }' "$f" > "$W/count"
  read -r a b < "$W/count"; ours=$((ours + a)); theirs=$((theirs + b))
done

echo "tsan-reload: $result" >&2
echo "tsan-reload: SIGHUPs $hups, reloads $reloads, refused $refused; SIGTERM under load: $loaded; stopped: $stopped (exit $mrc)" >&2
echo "tsan-reload: ThreadSanitizer reports: $ours with our code, $theirs only in libraries" >&2
[ "$ours" = 0 ] || { head -60 "$W/ours.txt" >&2; }
if [ "$theirs" != 0 ]; then
  cat "$W"/tsan.* | grep -A12 '^WARNING: ThreadSanitizer' | head -40 >&2
fi
fails=""
[ "$ours" = 0 ] || fails="$fails tsan-reports-in-our-code=$ours"
[ "$stopped" = 1 ] || fails="$fails daemon-did-not-stop"
[ "$refused" = 0 ] && [ "$reloads" -ge "$hups" ] || fails="$fails reloads=$reloads/$hups refused=$refused"
grep -q 'dkim_mismatch=0 .*spf_mismatch=0' <<< "$result" || fails="$fails verdicts: $(grep -o '[a-z]*_mismatch=[0-9]*' <<< "$result" | tr '\n' ' ')"
[ "$loaded" = 1 ] || fails="$fails the-load-ended-before-SIGTERM"
msgs=$(sed -n 's/.* msgs=\([0-9]*\).*/\1/p' <<< "$result")
[ -n "$msgs" ] && [ "$msgs" -gt 0 ] || fails="$fails no-message-answered"
if [ -n "$fails" ]; then echo "tsan-reload: FAIL$fails"; exit 1; fi
echo "tsan-reload: PASS $msgs answered verdicts right (conc 16), $reloads reloads (resolver-changing), SIGTERM under load, no ThreadSanitizer report in our code ($theirs in libraries only)"
