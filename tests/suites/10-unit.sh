#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 10-unit.sh - every cmocka unit test: built normally, under ASan+UBSan, and
# the normal build again under valgrind memcheck (errors or definite leaks fail).
# The programs are found from tests/unit/test_*.c, so a missing build fails.
. "$(dirname "$0")/../lib.sh"
export CMOCKA_MESSAGE_OUTPUT=TAP
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite)

# Plan: each cmocka_unit_test*() entry of each test program, three times.
n=0
for src in "$TOP"/tests/unit/test_*.c; do
  n=$((n + $(grep -o 'cmocka_unit_test[a-z_]*(' "$src" | wc -l)))
done
plan $((3 * n))

for variant in release asan valgrind; do
  dir=$variant; wrap=()
  if [ $variant = valgrind ]; then
    command -v valgrind >/dev/null || { fail "unit tests under valgrind: valgrind is installed"; continue; }
    dir=release; wrap=("${VG[@]}")
  fi
  for src in "$TOP"/tests/unit/test_*.c; do
    name=$(basename "$src" .c)
    t=$TOP/build/$dir/tests/$name
    if [ ! -x "$t" ]; then fail "$variant $name" "$t is not built (make$([ "$dir" = asan ] && echo ' VARIANT=asan') all)"; continue; fi
    out=$(cd "$TOP" && ASAN_OPTIONS=detect_leaks=1 timeout 300 "${wrap[@]}" "$t" 2>&1); rc=$?
    n=0
    while IFS= read -r line; do
      case "$line" in
        "ok "*) pass "$variant $name:${line#ok * - }"; n=$((n + 1)) ;;
        "not ok "*) fail "$variant $name:${line#not ok * - }"; n=$((n + 1)) ;;
      esac
    done <<< "$out"
    if [ $rc -ne 0 ] && ! grep -q '^not ok' <<< "$out"; then
      fail "$variant $name" "exit $rc: $(grep -m3 -E '==[0-9]+==|ERROR' <<< "$out" | tr '\n' ' ') $(tail -3 <<< "$out" | tr '\n' ' ')"
    elif [ $n -eq 0 ]; then
      fail "$variant $name" "no TAP output"
    fi
  done
done
