#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 15-cli.sh - the conventions of the command line: -V/--version prints
# "PROGRAM VERSION" (from tools/version.sh: the VERSION file, or git
# describe in a checkout) and -h/--help the usage, both on stdout with
# exit 0, for every program and every spfdkim-ctl command; a bad option is
# a usage error (exit 2, usage on stderr); the daemon's start-up log line
# names its version.
. "$(dirname "$0")/../lib.sh"
# The version compiled in (git describe changes with every commit, and the
# build may be older than the checkout): the stamp beside the objects.
VERSION=$(cat "$TOP/build/release/version.stamp" 2>/dev/null || sh "$TOP/tools/version.sh")
MILTER=$(bin release spfdkim-milter)
CTL=$(bin release spfdkim-ctl)
BRIDGE=$(bin release xmail-milter-bridge)
WEB=$TOP/milter/spfdkim-web
cmds=$("$CTL" --help 2>/dev/null | sed -n 's/^  spfdkim-ctl \([a-z][a-z-]*\).*/\1/p')
# Plan: 4 per program (4 programs), 2 per spfdkim-ctl command, 3 more.
plan $(( 4 * 4 + 2 * $(wc -w <<< "$cmds") + 3 ))

# run CMD...: stdout in $out, stderr in $err, exit code in $rc.
run() { out=$("$@" 2>"$T_TMP/err"); rc=$?; err=$(cat "$T_TMP/err"); }

for p in "$MILTER" "$CTL" "$BRIDGE" "$WEB"; do
  name=$(basename "$p")
  for f in -V --version; do
    run "$p" $f
    if [ $rc -eq 0 ] && [ "$out" = "$name $VERSION" ] && [ -z "$err" ]; then pass "$name $f prints \"$name $VERSION\" on stdout, exit 0"
    else fail "$name $f prints \"$name $VERSION\" on stdout, exit 0" "rc=$rc out=$out err=$err"; fi
  done
  for f in -h --help; do
    run "$p" $f
    if [ $rc -eq 0 ] && [ "${out%%:*}" = usage ] && grep -q -- "$name" <<< "$out" && [ -z "$err" ]; then
      pass "$name $f prints its usage on stdout, exit 0"
    else fail "$name $f prints its usage on stdout, exit 0" "rc=$rc out=$(head -2 <<< "$out") err=$err"; fi
  done
done

for c in $cmds; do
  for f in --help -h; do
    run "$CTL" "$c" $f
    if [ $rc -eq 0 ] && [ "$(head -1 <<< "$out" | cut -d' ' -f1-3)" = "usage: spfdkim-ctl $c" ] && [ -z "$err" ]; then
      pass "spfdkim-ctl $c $f prints the command's usage on stdout, exit 0"
    else fail "spfdkim-ctl $c $f prints the command's usage on stdout, exit 0" "rc=$rc out=$(head -2 <<< "$out") err=$err"; fi
  done
done

run "$MILTER" -x
if [ $rc -eq 2 ] && [ -z "$out" ] && grep -q '^usage: spfdkim-milter' <<< "$err"; then pass "spfdkim-milter -x (unknown option): usage on stderr, exit 2"
else fail "spfdkim-milter -x (unknown option): usage on stderr, exit 2" "rc=$rc out=$out"; fi
run "$CTL" no-such-command
if [ $rc -eq 2 ] && [ -z "$out" ] && grep -q '^usage: spfdkim-ctl' <<< "$err"; then pass "spfdkim-ctl no-such-command: usage on stderr, exit 2"
else fail "spfdkim-ctl no-such-command: usage on stderr, exit 2" "rc=$rc out=$out"; fi

# The start-up log line names the version.
need_dns || exit 0
port=$(free_port)
printf 'Socket inet:%s@127.0.0.1\nResolver %s\nLog %s/milter.log\n' "$port" "$TEST_DNS" "$T_TMP" > "$T_TMP/m.conf"
"$MILTER" -f -c "$T_TMP/m.conf" >/dev/null 2>&1 &
pid=$!; track_pid $pid
wait_port "$port" 20
for _ in $(seq 50); do grep -q 'started on' "$T_TMP/milter.log" 2>/dev/null && break; sleep 0.1; done
if grep -qF "spfdkim-milter started on inet:$port@127.0.0.1 (config $T_TMP/m.conf, pid $pid, version $VERSION)" "$T_TMP/milter.log"; then
  pass "the start-up log line names the version (... pid $pid, version $VERSION)"
else fail "the start-up log line names the version" "$(grep 'started on' "$T_TMP/milter.log")"; fi
