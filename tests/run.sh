#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/run.sh - run every suite in tests/suites/ in name order and count.
#
# The last line printed is "N passed, M failed, K skipped". Each suite
# declares its plan (`plan N`, tests/lib.sh); a suite that records another
# number of results, or none, or exits non-zero, adds a failure. Skips are
# listed with their reasons. SUITES=pattern runs only the suites whose file
# name matches (e.g. SUITES='*spf*').
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
  first=$(( $(wc -l <"$T_RESULTS") + 1 ))
  timeout --kill-after=30 "${SUITE_TIMEOUT:-1200}" bash "$s"
  rc=$?
  [ $rc -eq 0 ] || fail "suite $name" "exited $rc"
  got=$(tail -n +"$first" "$T_RESULTS" | grep -cE '^(PASS|FAIL|SKIP): ')
  want=$(tail -n +"$first" "$T_RESULTS" | sed -n 's/^PLAN: //p' | tail -1)
  if [ -z "$want" ]; then fail "suite $name: declares its plan" "no plan line"
  elif [ "$got" -ne "$want" ]; then fail "suite $name: records its plan of $want checks" "recorded $got"; fi
  echo "== $name done in $(( $(date +%s) - start )) s"
done

np=$(grep -c '^PASS: ' "$T_RESULTS")
nf=$(grep -c '^FAIL: ' "$T_RESULTS")
ns=$(grep -c '^SKIP: ' "$T_RESULTS")
if [ "$ns" -gt 0 ]; then echo; echo "Skipped (with reasons):"; grep '^SKIP: ' "$T_RESULTS"; fi
if [ "$nf" -gt 0 ]; then echo; echo "Failures:"; grep '^FAIL: ' "$T_RESULTS"; fi
rm -f "$T_RESULTS"
T_STANDALONE=
echo "$np passed, $nf failed, $ns skipped"
[ "$nf" -eq 0 ]
