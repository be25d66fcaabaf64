#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/run.sh - run each libFuzzer target for FUZZ_SECONDS (default 10)
# from its seed corpus (tests/fuzz/corpus/<target>/ if present).
# Used briefly by make test (suite 90-fuzz) and at length by make fuzz.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_SECONDS:-10}
rc=0
for f in "$TOP"/build/fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  seeds="$TOP/tests/fuzz/corpus/$name"
  work=$(mktemp -d)
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null
  if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "$work" >"$work.log" 2>&1; then
    echo "FUZZ-OK: $name $(grep -o 'DONE.*' "$work.log" | tail -1)"
  else
    echo "FUZZ-FAIL: $name"; grep -E 'ERROR|SUMMARY|Test unit written' "$work.log" | head -5
    rc=1
  fi
  rm -rf "$work" "$work.log"
done
exit $rc
