#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/web-spamlog.sh - how long spfdkim-web takes to show the Spam log and
# Report tabs over logs of WEB_LINES lines (100,000 by default): the first
# page, a deep page, every filter at once, the decision log filtered by
# result, and the live report. Each request is timed WEB_REPEAT times (5)
# from a logged-in client on loopback; the median is printed.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
WEB=$TOP/milter/spfdkim-web
LINES=${WEB_LINES:-100000}
PY=/usr/bin/python3
[ -x "$WEB" ] || { echo "web-spamlog: $WEB missing: run make first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "web-spamlog: run as root (the page drops to nobody)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/web-spamlog.XXXXXX)
WPID=
trap '[ -n "$WPID" ] && kill "$WPID" 2>/dev/null; rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
$PY "$TOP/bench/web_spamlog.py" gen "$WORK" "$LINES"
printf 'Socket inet:1@127.0.0.1\nSpamLog %s/spam.log\nDecisionLog %s/decisions.log\n' "$WORK" "$WORK" > "$WORK/c.conf"
echo 'bench password' | "$WEB" passwd "$WORK/pw" admin >/dev/null
chown -R nobody "$WORK"
PORT=$($PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$WEB" -c "$WORK/c.conf" -P "$WORK/pw" -p "$PORT" -u nobody 2>"$WORK/err" &
WPID=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
$PY "$TOP/bench/web_spamlog.py" time "$PORT" "$LINES" "${WEB_REPEAT:-5}"
