#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bridge-overhead.sh - what xmail-milter-bridge itself costs per
# message, with the milter's time excluded.
#
# bridge_bench spawns a filter N times per message size, exactly as XMail
# would (one argv element per tab field, a fresh .xtmp copy each time), and
# times exec to exit. The filters, for 10 KB and 300 KB messages:
#   /bin/true                  a trivial filter: the floor of XMail's way of
#                              running any filter on this machine
#   bridge + trivial milter    build/release/tests/bridge_testmilter "nr"
#                              (no per-step replies, accept at end); "own" =
#                              wall minus the time the bridge waited on it
#   bridge + spfdkim-milter    our milter (SPF and DKIM verification, the
#                              test DNS on loopback, CheckLoopback yes)
#   bridge, no milter          nothing listening: the bridge fails open
# "beyond /bin/true" = the bridge's percentile minus /bin/true's at the same
# size: what the bridge (and milter) add to what any filter costs.
#
# XMail itself adds its own cost per filter on top (measured on a real XMail
# 1.27, 10 KB messages: 44 ms from "." to "250" with no filter, 48 ms with a
# filter that only runs /bin/true, 49 ms with the bridge and our milter: about
# 4 ms to start any filter, 1 ms for the bridge and milter beyond that).
#
# Environment: BRIDGE_N (500 for 10 KB, a fifth of it for 300 KB).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build/release
BRIDGE=$TOP/xmail-bridge/xmail-milter-bridge
BENCH=$BIN/bench/bridge_bench
TM=$BIN/tests/bridge_testmilter
N=${BRIDGE_N:-500}
PY=/usr/bin/python3

MILTER=$TOP/milter/spfdkim-milter
for b in "$BRIDGE" "$BENCH" "$TM" "$MILTER"; do
  [ -x "$b" ] || { echo "bridge-overhead: $b missing: run make first" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/bridge-overhead.XXXXXX)
PIDS=
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  [ -f "$WORK/dns/unbound.pid" ] && kill "$(cat "$WORK/dns/unbound.pid")" 2>/dev/null
  wait 2>/dev/null; rm -rf "$WORK"
}
trap cleanup EXIT

freeport() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(freeport); OPORT=$(freeport); NPORT=$(freeport)
"$TM" -p "inet:$PORT@127.0.0.1" -m nr >"$WORK/milter.log" 2>&1 &
PIDS="$PIDS $!"
# Our milter with its DNS: the test unbound (tests/dns/unbound.sh) on loopback.
TDNS=$(bash "$TOP/tests/dns/unbound.sh" start "$WORK/dns") || { echo "bridge-overhead: test DNS did not start" >&2; exit 1; }
printf 'Socket inet:%s@127.0.0.1\nResolver %s\nCheckLoopback yes\nLog %s\nAuthservID bench.test\n' \
  "$OPORT" "$TDNS" "$WORK/spfdkim.log" > "$WORK/spfdkim.conf"
"$MILTER" -f -c "$WORK/spfdkim.conf" >"$WORK/spfdkim.out" 2>&1 &
PIDS="$PIDS $!"
for p in $PORT $OPORT; do
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done

# Spool files as XMail writes them: envelope, <<MAIL-DATA>>, headers, a
# CRLF body with some dot-stuffed lines.
$PY - "$WORK" <<'EOF'
import sys
work = sys.argv[1]
for name, size in (('10k', 10 * 1024), ('300k', 300 * 1024)):
    env = (b'client.test;[127.0.0.1]:40000;example.test;[127.0.0.1]:2525;'
           b'Sun, 29 Nov 2026 10:46:48 -0000;[XMail 1.27 ESMTP Server]\r\n'
           b'example.test\r\nS1\r\nMAIL FROM:<sender@sender.test> SIZE=%d\r\n'
           b'RCPT TO:<alice@example.test> {ra=alice@example.test}\r\n<<MAIL-DATA>>\r\n' % size)
    hdr = (b'Date: Sun, 29 Nov 2026 10:46:48 +0000\r\nTo: alice@example.test\r\n'
           b'From: sender@sender.test\r\nSubject: bench\r\nMessage-Id: <bench@vm>\r\n\r\n')
    body = bytearray()
    i = 0
    while len(env) + len(hdr) + len(body) < size:
        line = b'line %05d ' % i + b'x' * 60
        if i % 50 == 0:
            line = b'..' + line
        body += line + b'\r\n'
        i += 1
    open('%s/%s.spool' % (work, name), 'wb').write(env + hdr + bytes(body))
EOF

# row LABEL OUTPUT [FLOOR_OUTPUT]: one table line; "beyond" against FLOOR.
row() {
  local label=$1 out=$2 floor=${3:-} b50=- b99=-
  eval "$(tr ' ' '\n' <<<"$out" | grep '=' | sed 's/^/local /')"
  if [ -n "$floor" ]; then
    local f50 f99
    f50=$(tr ' ' '\n' <<<"$floor" | sed -n 's/^wall_p50=//p'); f99=$(tr ' ' '\n' <<<"$floor" | sed -n 's/^wall_p99=//p')
    b50=$(awk -v a="$wall_p50" -v b="$f50" 'BEGIN { printf "%.3f", a - b }')
    b99=$(awk -v a="$wall_p99" -v b="$f99" 'BEGIN { printf "%.3f", a - b }')
  fi
  printf '| %-44s | %5s | %8s | %8s | %8s | %8s | %8s | %8s | %7s | %5s |\n' "$label" "$n" "$wall_p50" "$wall_p99" \
    "$b50" "$b99" "$own_p50" "$own_p99" "$maxrss_kb" "${nonzero_exits:-0}"
}

N300=$(( N / 5 > 20 ? N / 5 : 20 ))
t10=$("$BENCH" /bin/true "inet:$PORT@127.0.0.1" "$WORK/10k.spool" "$N")
t300=$("$BENCH" /bin/true "inet:$PORT@127.0.0.1" "$WORK/300k.spool" "$N300")
r10=$("$BENCH" "$BRIDGE" "inet:$PORT@127.0.0.1" "$WORK/10k.spool" "$N")
r300=$("$BENCH" "$BRIDGE" "inet:$PORT@127.0.0.1" "$WORK/300k.spool" "$N300")
o10=$("$BENCH" "$BRIDGE" "inet:$OPORT@127.0.0.1" "$WORK/10k.spool" "$N")
o300=$("$BENCH" "$BRIDGE" "inet:$OPORT@127.0.0.1" "$WORK/300k.spool" "$N300")
# The same with the spool on tmpfs: the bridge fsyncs a spool file it
# rewrote (our milter adds header fields) and its directory; on tmpfs that
# is free, so the difference is the disk's.
s10=""
if [ -d /dev/shm ]; then
  s10=$(TMPDIR=/dev/shm "$BENCH" "$BRIDGE" "inet:$OPORT@127.0.0.1" "$WORK/10k.spool" "$N")
fi
n10=$("$BENCH" "$BRIDGE" "inet:$NPORT@127.0.0.1" "$WORK/10k.spool" "$N")
n300=$("$BENCH" "$BRIDGE" "inet:$NPORT@127.0.0.1" "$WORK/300k.spool" "$N300")

echo "Filter cost per message as XMail runs it (ms, exec to exit; beyond = minus /bin/true's at the same size and percentile;"
echo "own = wall minus the time the bridge waited on the milter)"
echo
printf '| %-44s | %5s | %8s | %8s | %8s | %8s | %8s | %8s | %7s | %5s |\n' "filter" "n" "wall p50" "wall p99" \
  "beyond p50" "beyond p99" "own p50" "own p99" "RSS KB" "exit≠0"
echo "|----------------------------------------------|-------|----------|----------|----------|----------|----------|----------|---------|-------|"
row "/bin/true, 10 KB" "$t10"
row "/bin/true, 300 KB" "$t300"
row "bridge + trivial milter, 10 KB" "$r10" "$t10"
row "bridge + trivial milter, 300 KB" "$r300" "$t300"
row "bridge + spfdkim-milter, 10 KB" "$o10" "$t10"
row "bridge + spfdkim-milter, 300 KB" "$o300" "$t300"
[ -z "$s10" ] || row "same, spool on tmpfs (no fsync cost), 10 KB" "$s10" "$t10"
row "bridge, no milter listening, 10 KB" "$n10" "$t10"
row "bridge, no milter listening, 300 KB" "$n300" "$t300"
echo
echo "XMail itself: about 4 ms per filter start on a real XMail 1.27 (10 KB messages, \".\" to \"250\": 44 ms without a"
echo "filter, 48 ms with /bin/true as the filter, 49 ms with the bridge and spfdkim-milter), on top of the figures above."
echo "raw: label=trivial $r10"
echo "raw: label=trivial $r300"
echo "raw: label=spfdkim $o10"
echo "raw: label=spfdkim $o300"
echo "raw: label=nomilter $n10"
echo "raw: label=nomilter $n300"
[ -z "$s10" ] || echo "raw: label=spfdkim-tmpfs $s10"
echo "raw: label=true $t10"
echo "raw: label=true $t300"
