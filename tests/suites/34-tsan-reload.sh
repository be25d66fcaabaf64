#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 34-tsan-reload.sh - a short tests/stress/tsan-reload.sh: the
# ThreadSanitizer daemon (make VARIANT=tsan) at concurrency 16 over the bench
# corpus, a reload (Resolver and DNSTimeout flipped) every second for 8 s,
# then SIGTERM under load. make tsan-check runs the longer version.
. "$(dirname "$0")/../lib.sh"
plan 4
if [ ! -x "$TOP/build/tsan/bin/spfdkim-milter" ]; then
  for n in "reloads" "stop" "reports" "verdicts"; do
    fail "tsan: $n" "build/tsan/bin/spfdkim-milter is not built (make VARIANT=tsan programs)"
  done
  exit 0
fi
out=$(TSAN_SECONDS=8 bash "$TOP/tests/stress/tsan-reload.sh" 2>&1)
last=$(tail -1 <<< "$out")
info=$(grep -E '^tsan-reload: (SIGHUPs|ThreadSanitizer|RESULT)' <<< "$out" | tr '\n' ' ')
# Each check fails when the script's FAIL line names it; a FAIL for any
# other reason (no load, nothing answered) fails them all.
other=0
if [[ "$last" == "tsan-reload: FAIL"* ]] && [[ "$last" != *reloads=* && "$last" != *daemon-did-not-stop* &&
   "$last" != *tsan-reports-in-our-code* && "$last" != *verdicts:* ]]; then other=1; fi
chk() { # NAME TOKEN
  if [[ "$last" == "tsan-reload: PASS"* ]] || { [ $other = 0 ] && [[ "$last" == "tsan-reload: FAIL"* ]] && [[ "$last" != *"$2"* ]]; }; then
    pass "$1"
  else fail "$1" "$last $info"; fi
}
chk "tsan: every SIGHUP (Resolver and DNSTimeout flipped each second) is a reload, under load" "reloads="
chk "tsan: SIGTERM under load stops the daemon" "daemon-did-not-stop"
chk "tsan: no ThreadSanitizer report with our code in its stack" "tsan-reports-in-our-code"
chk "tsan: every verdict answered at concurrency 16 matches the corpus truth" "verdicts:"
