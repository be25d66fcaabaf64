#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 90-fuzz.sh - each libFuzzer target runs briefly without a crash.
. "$(dirname "$0")/../lib.sh"
FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash "$TOP/tests/fuzz/run.sh" > "$T_TMP/fuzz.out" 2>&1
while IFS= read -r line; do
  case "$line" in
    FUZZ-OK:*) set -- ${line#FUZZ-OK: }; pass "fuzz $1 runs without a crash" ;;
    FUZZ-FAIL:*) set -- ${line#FUZZ-FAIL: }; fail "fuzz $1 runs without a crash" "$(grep -A3 "FUZZ-FAIL: $1" "$T_TMP/fuzz.out" | tail -3 | tr '\n' ' ')" ;;
  esac
done < "$T_TMP/fuzz.out"
