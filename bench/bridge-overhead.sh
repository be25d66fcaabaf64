#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bridge-overhead.sh - what xmail-milter-bridge itself costs per
# message, with the milter's time excluded.
#
# A trivial milter (build/release/tests/bridge_testmilter in "nr" mode: it
# asks for no per-step replies and accepts at end of message) runs on
# loopback. bridge_bench spawns the bridge N times per message size, exactly
# as XMail would (one argv element per tab field, a fresh .xtmp copy each
# time), times exec to exit and subtracts the time the bridge reports having
# waited on the milter. Also shown: the same spawn of /bin/true (the floor
# of fork+exec+wait on this machine) and the peak RSS.
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

for b in "$BRIDGE" "$BENCH" "$TM"; do
  [ -x "$b" ] || { echo "bridge-overhead: $b missing: run make first" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/bridge-overhead.XXXXXX)
MPID=
cleanup() { [ -n "$MPID" ] && kill "$MPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TM" -p "inet:$PORT@127.0.0.1" -m nr >"$WORK/milter.log" 2>&1 &
MPID=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

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

row() { # label, bench output
  local label=$1 out=$2
  # shellcheck disable=SC2086
  eval "$(tr ' ' '\n' <<<"$out" | grep '=' | sed 's/^/local /')"
  printf '| %-22s | %7s | %8s | %8s | %8s | %8s | %8s | %7s |\n' "$label" "$n" "$wall_p50" "$wall_p99" "$own_p50" "$own_p99" "$inside_p50" "$maxrss_kb"
  [ "${nonzero_exits:-0}" = 0 ] || echo "  (!) $nonzero_exits runs did not exit 0"
}

base=$("$BENCH" /bin/true "inet:$PORT@127.0.0.1" "$WORK/10k.spool" "$N")
r10=$("$BENCH" "$BRIDGE" "inet:$PORT@127.0.0.1" "$WORK/10k.spool" "$N")
r300=$("$BENCH" "$BRIDGE" "inet:$PORT@127.0.0.1" "$WORK/300k.spool" "$(( N / 5 > 20 ? N / 5 : 20 ))")

echo "xmail-milter-bridge cost per message (ms; own = exec to exit minus the time spent waiting on the milter)"
echo
printf '| %-22s | %7s | %8s | %8s | %8s | %8s | %8s | %7s |\n' "run" "n" "wall p50" "wall p99" "own p50" "own p99" "in p50" "RSS KB"
echo "|------------------------|---------|----------|----------|----------|----------|----------|---------|"
row "/bin/true (spawn floor)" "$base" 2>/dev/null || true
row "bridge, 10 KB" "$r10"
row "bridge, 300 KB" "$r300"
echo
echo "\"in\" = the bridge's own time from main() to its log line minus the milter wait (no exec/loader cost)."
echo "raw: $r10"
echo "raw: $r300"
