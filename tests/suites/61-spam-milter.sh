#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 61-spam-milter.sh - the spam folder through the milter (miltertest): copies
# per action, the configured reply, an XMail account as the folder, and a
# spam folder on a full filesystem (a 64k tmpfs mounted here).
. "$(dirname "$0")/../lib.sh"
MILTER=$(bin "${VARIANT:-release}" spfdkim-milter)
CTL=$(bin release spfdkim-ctl)
[ -x "$MILTER" ] || { fail "spam folder through the milter" "no $MILTER (make)"; exit 0; }
command -v miltertest > /dev/null || { fail "spam folder through the milter" "miltertest not installed"; exit 0; }
need_dns || exit 0
# Plan: each script's --plan, 4 more.
M=$TOP/tests/milter
plan $(( $(mt_plan "$M/spam-actions.lua") + $(mt_plan "$M/spam-xmail.lua") + $(mt_plan "$M/spam-fullfs.lua") + 4 ))

MNT=""
cleanup_mount() { [ -n "$MNT" ] && mountpoint -q "$MNT" && umount "$MNT"; MNT=""; }
trap 'cleanup_mount; t_cleanup' EXIT

# run_lua NAME SCRIPT [miltertest -D args]: a fresh milter on the script's
# "--conf" lines (@DIR@ = this run's directory), then the script; its
# output becomes results (mt_record, tests/lib.sh). PRE_START (a function name) runs
# after the config is written and before the milter starts.
run_lua() {
  local name=$1 lua=$2 port pid rc; shift 2
  DIR=$T_TMP/$name
  port=$(free_port)
  mkdir -p "$DIR"
  { echo "Socket inet:$port@127.0.0.1"; echo "Resolver $TEST_DNS"; echo "Log $DIR/milter.log"
    echo "DecisionLog $DIR/decision.log"; sed -n 's/^--conf //p' "$lua" | sed "s|@DIR@|$DIR|g"; } > "$DIR/milter.conf"
  if [ -n "${PRE_START:-}" ]; then "$PRE_START" || { fail "milter $name: setup" "$PRE_START failed"; return 1; }; fi
  "$MILTER" -f -c "$DIR/milter.conf" > "$DIR/milter.out" 2>&1 &
  pid=$!
  track_pid "$pid"
  if ! wait_port "$port" 15; then
    fail "milter $name: milter starts" "$(tail -3 "$DIR/milter.out" "$DIR/milter.log" 2>/dev/null | tr '\n' ' ')"
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    return 1
  fi
  miltertest -D "sock=inet:$port@127.0.0.1" -D "declog=$DIR/decision.log" -D "libdir=$TOP/tests/milter" "$@" \
    -s "$lua" > "$DIR/mt.out" 2> "$DIR/mt.err"
  rc=$?
  mt_record "milter $name" < "$DIR/mt.out"
  [ $rc -eq 0 ] || fail "milter $name: script ran to the end" "$(grep -h 'not ok' "$DIR/mt.err" "$DIR/mt.out" | head -1) $(head -2 "$DIR/mt.err" | tr '\n' ' ')"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if grep -q 'Sanitizer' "$DIR/milter.out"; then
    fail "milter $name: no sanitizer reports" "$(grep -m1 -A12 'Sanitizer' "$DIR/milter.out" | grep -E 'ERROR|#[0-9] ' | head -8 | tr '\n' ' ')"
  fi
  return $rc
}

# --- each action: 0 or 1 copies, the configured reply, spam-log lines -------
run_lua actions "$TOP/tests/milter/spam-actions.lua"
n=$(grep -c . "$DIR/spam.log" 2>/dev/null)
"$CTL" spamlog --log "$DIR/spam.log" > "$DIR/table" 2>&1
[ "$n" = 3 ] && grep -q '^3 entries, 2 with a saved copy' "$DIR/table" &&
  pass "milter actions: spam log has 3 lines (reject, save-reject, quarantine) and spamlog tabulates them" ||
  fail "milter actions: spam log has 3 lines" "lines $n: $(tail -1 "$DIR/table")"

# the report reads the milter's own decision log: one message per action
"$CTL" report --log "$DIR/decision.log" --since all > "$DIR/report" 2>&1
got=$(awk '$1 ~ /^action=/ { printf "%s:%s ", $1, $2 }' "$DIR/report")
if [ "$got" = "action=accept:1 action=reject:1 action=save-reject:1 action=quarantine:1 " ] &&
   grep -q '^fail→reject would have refused 1 messages from 1 domains' "$DIR/report"; then
  pass "report on the milter's own decision log counts one message per action and the fail→reject what-if"
else
  fail "report on the milter's own decision log" "$got / $(grep 'would have' "$DIR/report" | head -1)"
fi

# --- an XMail account as the spam folder --------------------------------------
run_lua xmail "$TOP/tests/milter/spam-xmail.lua"

# --- a spam folder on a full filesystem --------------------------------------
fill_tmpfs() {
  MNT=$DIR/spam
  mkdir -p "$MNT" && mount -t tmpfs -o size=64k tmpfs "$MNT" || { MNT=""; return 1; }
  mkdir -p "$MNT/tmp" "$MNT/new" "$MNT/cur"
  dd if=/dev/zero of="$MNT/filler" bs=4k > /dev/null 2>&1
  [ "$(df --output=avail "$MNT" | tail -1 | tr -d ' ')" = 0 ]
}
PRE_START=fill_tmpfs run_lua fullfs "$TOP/tests/milter/spam-fullfs.lua" -D fullfs=1
if grep -q 'spam folder save failed (save-reject).*No space left on device' "$DIR/milter.log" 2>/dev/null; then
  pass "full disk: the milter log says why: $(grep -o 'spam folder save failed (save-reject).*No space left on device[^"]*' "$DIR/milter.log" | head -1 | cut -c1-160)"
else
  fail "full disk: the milter logs a clear save failure" "$(grep -i 'spam\|error' "$DIR/milter.log" | head -3 | tr '\n' ' ')"
fi
grep -q 'quarantine failed, delivering normally' "$DIR/milter.log" 2>/dev/null &&
  pass "full disk: the milter log says the quarantine was delivered instead" ||
  fail "full disk: the milter logs the failed quarantine" "$(grep -i quarantine "$DIR/milter.log" | head -2 | tr '\n' ' ')"
cleanup_mount
