#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/conformance/run.sh - `make conformance`: the openspf RFC 7208 suite
# (tests/data/spf/rfc7208-tests.yml, 203 tests) through the
# production DNS path: suite_unbound.py serves each scenario's zonedata
# through a real unbound of its own on loopback (zone file generated from
# the data), and spf_conformance runs every test with a fresh
# dns.c/libunbound resolver forwarding to it, then spf_check_host().
# The same data is fed to Debian's python3-spf (pyspf) for comparison, and
# the older RFC 4408 suite is run for information (not required to pass).
#
#   bash tests/conformance/run.sh [-v]
#   VARIANT=asan bash tests/conformance/run.sh      # the ASan+UBSan driver
#
# Prints a comparison table, and as its LAST line our RFC 7208 result:
#   RFC 7208: 203 passed, 0 failed
# Exit status: 0 when that line has 0 failed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
VARIANT=${VARIANT:-release}
DRIVER="$TOP/build/$VARIANT/tests/spf_conformance"
S7208="$TOP/tests/data/spf/rfc7208-tests.yml"
S4408="$TOP/tests/data/spf/rfc4408-tests.yml"
VERBOSE=${1:-}

[ -x "$DRIVER" ] || { echo "conformance: $DRIVER not built (make VARIANT=$VARIANT all)" >&2; echo "RFC 7208: 0 passed, 203 failed"; exit 1; }
[ -f "$S7208" ] || { echo "conformance: $S7208 missing" >&2; echo "RFC 7208: 0 passed, 203 failed"; exit 1; }

work=$(mktemp -d /tmp/spf-conformance.XXXXXX)
srv_pid=
cleanup() {
  exec 8>&- 2>/dev/null
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The server stops by itself when our end of its stdin closes (fd 8).
mkfifo "$work/in"
mkdir -p "$work/unbound"
args=("$work/unbound" "$S7208" "$work/m7208")
[ -f "$S4408" ] && args+=("$S4408" "$work/m4408")
$PY "$TOP/tests/conformance/suite_unbound.py" "${args[@]}" < "$work/in" > "$work/ready" 2> "$work/server.log" &
srv_pid=$!
exec 8> "$work/in"
for _ in $(seq 1 400); do grep -q READY "$work/ready" 2>/dev/null && break; sleep 0.1; done
if ! grep -q READY "$work/ready"; then
  echo "conformance: the suite's unbound servers did not start:" >&2; cat "$work/server.log" >&2
  echo "RFC 7208: 0 passed, 203 failed"; exit 1
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
# The four runs wait mostly on the suite's TIMEOUT names: run them at once.
others=""
"$DRIVER" ${VERBOSE:+-v} -l "RFC 7208" "$work/m7208" > "$work/ours7208" 2>&1 &
ours_pid=$!
if [ -f "$work/m4408" ]; then
  "$DRIVER" -l "RFC 4408" "$work/m4408" > "$work/ours4408" 2>&1 & others="$others $!"
fi
if $PY -c 'import spf' 2>/dev/null; then
  $PY "$TOP/tests/conformance/pyspf_suite.py" "RFC 7208" "$work/m7208" > "$work/py7208" 2>&1 & others="$others $!"
  if [ -f "$work/m4408" ]; then
    $PY "$TOP/tests/conformance/pyspf_suite.py" "RFC 4408" "$work/m4408" > "$work/py4408" 2>&1 & others="$others $!"
  fi
fi
wait "$ours_pid"
rc=$?
for p in $others; do wait "$p"; done
ours7208=$(tail -1 "$work/ours7208")
ours4408="-"; py7208="-"; py4408="-"
[ -f "$work/ours4408" ] && ours4408=$(tail -1 "$work/ours4408")
[ -f "$work/py7208" ] && py7208=$(tail -1 "$work/py7208")
[ -f "$work/py4408" ] && py4408=$(tail -1 "$work/py4408")
libspf2="not installed (skipped; never linked into the product)"

cell() { local p f; p=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' <<< "$1"); f=$(sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' <<< "$1"); if [ -n "$p" ]; then echo "$p/$((p + f))"; else echo "-"; fi; }

echo "SPF conformance (openspf suites, data served by real unbound servers: tests/conformance/suite_unbound.py)"
echo
echo "| engine | RFC 7208 (required) | RFC 4408 (information) |"
echo "|---|---|---|"
echo "| spfdkim-milter ($VARIANT, libunbound) | $(cell "$ours7208") | $(cell "$ours4408") |"
echo "| python3-spf $($PY -c 'import spf; print(spf.__version__)' 2>/dev/null) (pyspf) | $(cell "$py7208") | $(cell "$py4408") |"
echo "| libspf2 | $libspf2 | |"
echo
for f in ours4408 py7208 py4408; do
  [ -f "$work/$f" ] && grep '^FAIL' "$work/$f" | sed "s/^/  [$f] /" | head -40
done
grep '^FAIL\|^PASS' "$work/ours7208" | sed 's/^/  [ours7208] /'
grep -v '^FAIL\|^PASS\|passed,' "$work/ours7208" | head -20
grep '^approximated: ' "$work/server.log" | sed 's/^/  [data] /'
echo "${ours7208:-RFC 7208: 0 passed, 203 failed}"
exit $rc
