#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/run.sh - run every suite in tests/suites/ in name order and count.
#
# The last line printed is "N passed, M failed". SUITES=pattern runs only
# the suites whose file name matches (e.g. SUITES='*spf*').
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
T_RESULTS=$(mktemp)
export T_RESULTS
# One shared test DNS for all suites; each suite may also start its own.
. "$TOP/tests/lib.sh"
need_dns || true

for s in "$TOP"/tests/suites/*.sh; do
  name=$(basename "$s")
  case "$name" in ${SUITES:-*}) ;; *) continue ;; esac
  echo "== $name"
  start=$(date +%s)
  timeout --kill-after=30 "${SUITE_TIMEOUT:-1200}" bash "$s"
  rc=$?
  [ $rc -eq 0 ] || fail "suite $name" "exited $rc"
  echo "== $name done in $(( $(date +%s) - start )) s"
done

np=$(grep -c '^PASS: ' "$T_RESULTS")
nf=$(grep -c '^FAIL: ' "$T_RESULTS")
if [ "$nf" -gt 0 ]; then echo; echo "Failures:"; grep '^FAIL: ' "$T_RESULTS"; fi
rm -f "$T_RESULTS"
T_STANDALONE=
echo "$np passed, $nf failed"
[ "$nf" -eq 0 ]
