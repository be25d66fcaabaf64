#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 90-fuzz.sh - each libFuzzer target runs briefly without a crash. The
# targets are found from tests/fuzz/fuzz_*.c, so a missing build fails.
. "$(dirname "$0")/../lib.sh"
plan $(ls "$TOP"/tests/fuzz/fuzz_*.c | wc -l)
FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash "$TOP/tests/fuzz/run.sh" > "$T_TMP/fuzz.out" 2>&1
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  if grep -q "^FUZZ-OK: $name\( \|\$\)" "$T_TMP/fuzz.out"; then
    pass "fuzz $name runs without a crash"
  elif grep -q "^FUZZ-FAIL: $name\$" "$T_TMP/fuzz.out"; then
    fail "fuzz $name runs without a crash" "$(grep -A3 "^FUZZ-FAIL: $name\$" "$T_TMP/fuzz.out" | tail -3 | tr '\n' ' ')"
  else
    fail "fuzz $name runs without a crash" "build/fuzz/fuzz/$name is not built (make VARIANT=fuzz all)"
  fi
done
