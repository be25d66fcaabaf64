#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/fuzz/run.sh - run each libFuzzer target from its seed corpus
# (tests/fuzz/corpus/<target>/ if present), one after the other.
#
#   run.sh             FUZZ_SECONDS each (default 10): suite 90 and make fuzz
#   run.sh --long      FUZZ_RUNS executions each (default 10,000,000), or
#                      FUZZ_SECONDS each when that is set: make fuzz-long
#
# Every target prints "FUZZ-OK: NAME" or "FUZZ-FAIL: NAME" (suite 90 reads
# these), then "  executions N, exec/s N, crashes N". A crash stops that
# target (libFuzzer's default); its input is kept in build/fuzz/crashes/NAME/
# for reproduction (run the target with the file as its argument).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
long=0
[ "${1:-}" = "--long" ] && long=1
if [ $long = 1 ] && [ -z "${FUZZ_SECONDS:-}" ]; then
  limit=(-runs="${FUZZ_RUNS:-10000000}")
  echo "fuzz-long: every target to ${FUZZ_RUNS:-10000000} executions (or give FUZZ_SECONDS=N)"
else
  limit=(-max_total_time="${FUZZ_SECONDS:-10}")
  [ $long = 1 ] && echo "fuzz-long: every target for ${FUZZ_SECONDS} s"
fi
rc=0
total_execs=0
for f in "$TOP"/build/fuzz/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  seeds="$TOP/tests/fuzz/corpus/$name"
  crashes="$TOP/build/fuzz/crashes/$name"
  work=$(mktemp -d)
  mkdir -p "$crashes"
  [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null
  before=$(ls "$crashes" | wc -l)
  if "$f" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$crashes/" "$work" >"$work.log" 2>&1; then
    echo "FUZZ-OK: $name"
  else
    echo "FUZZ-FAIL: $name"; grep -E 'ERROR|SUMMARY|Test unit written' "$work.log" | head -5
    rc=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work.log" | tail -1)
  echo "  $name: executions ${execs:-0}, exec/s ${rate:-0}, crashes $(( $(ls "$crashes" | wc -l) - before ))"
  total_execs=$(( total_execs + ${execs:-0} ))
  rm -rf "$work" "$work.log"
done
[ $long = 1 ] && echo "fuzz-long: $total_execs executions in all, $([ $rc = 0 ] && echo "no crash" || echo "CRASHES (see build/fuzz/crashes/)")"
exit $rc
