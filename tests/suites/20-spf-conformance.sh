#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 20-spf-conformance.sh - the RFC 7208 suite (203 tests) through the
# production DNS path, its data served by real unbound servers
# (tests/conformance/run.sh), with the release and the ASan+UBSan drivers;
# also reports the pyspf comparison it prints.
. "$(dirname "$0")/../lib.sh"
plan 4
for variant in release asan; do
  out=$(VARIANT=$variant bash "$TOP/tests/conformance/run.sh" 2>&1); rc=$?
  last=$(tail -1 <<< "$out")
  if [ "$last" = "RFC 7208: 203 passed, 0 failed" ] && [ $rc -eq 0 ]; then
    pass "[$variant] RFC 7208 conformance: 203 passed, 0 failed"
  else
    fail "[$variant] RFC 7208 conformance: 203 passed, 0 failed" "$last; $(grep -E 'FAIL|ERROR|Sanitizer' <<< "$out" | grep -v '^  \[py' | head -5 | tr '\n' ' ')"
  fi
  if grep -q 'AddressSanitizer\|runtime error' <<< "$out"; then
    fail "[$variant] conformance run has no sanitizer report" "$(grep -m3 'AddressSanitizer\|runtime error' <<< "$out")"
  elif [ "$variant" = asan ]; then
    pass "[$variant] conformance run has no sanitizer report"
  fi
  if [ "$variant" = release ]; then
    grep '^|' <<< "$out" | sed 's/^/  /'
    row=$(grep '^| python3-spf' <<< "$out")
    [ -n "$row" ] && pass "pyspf comparison runs on the same data: ${row//|/ }" \
      || fail "pyspf comparison runs on the same data" "no python3-spf row"
  fi
done
