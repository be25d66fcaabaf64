#!/usr/bin/env bash
# 10-unit.sh - every cmocka unit test, built normally and under ASan+UBSan.
. "$(dirname "$0")/../lib.sh"
export CMOCKA_MESSAGE_OUTPUT=TAP
for variant in release asan; do
  for t in "$TOP"/build/$variant/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    out=$(cd "$TOP" && ASAN_OPTIONS=detect_leaks=1 timeout 300 "$t" 2>&1); rc=$?
    n=0
    while IFS= read -r line; do
      case "$line" in
        "ok "*) pass "$variant $name:${line#ok * - }"; n=$((n + 1)) ;;
        "not ok "*) fail "$variant $name:${line#not ok * - }"; n=$((n + 1)) ;;
      esac
    done <<< "$out"
    if [ $rc -ne 0 ] && ! grep -q '^not ok' <<< "$out"; then
      fail "$variant $name" "exit $rc: $(tail -5 <<< "$out" | tr '\n' ' ')"
    elif [ $n -eq 0 ]; then
      fail "$variant $name" "no TAP output"
    fi
  done
done
