#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 32-milter-hardening.sh - the daemon against a local user, a full disk, a
# stop under load and configs that would start wrong; release and ASan.
#
# - privileges (root, -u nobody): a symlink or hard link the milter user
#   plants where the pid file, Log or DecisionLog go never hands a victim
#   file over (truncated, written or chowned);
# - -n refuses what start would fail on or do wrongly;
# - SIGTERM lets an open session finish its message (session.py hold);
# - MilterTimeout closes an idle milter connection;
# - DecisionLog on a full 64k tmpfs: a record is whole or absent.
. "$(dirname "$0")/../lib.sh"
need_dns || exit 0
SESSION=$TOP/tests/milter/session.py
VARIANTS="release asan"
PER_VARIANT=15
plan $(( 2 * PER_VARIANT ))

MNT=""
cleanup_mount() { [ -n "$MNT" ] && mountpoint -q "$MNT" && umount "$MNT"; MNT=""; }
trap 'cleanup_mount; t_cleanup' EXIT

# base_conf DIR PORT: a config listening on inet PORT with the test DNS.
base_conf() {
  printf 'Socket inet:%s@127.0.0.1\nResolver %s\nDNSTimeout 2\nAuthservID mx.test\nLog %s/milter.log\n' \
    "$2" "$TEST_DNS" "$1"
}

# wait_log FILE TEXT [SECONDS]
wait_log() {
  local i=0 max=$(( ${3:-20} * 10 ))
  until grep -qF -- "$2" "$1" 2>/dev/null; do i=$((i + 1)); [ $i -ge $max ] && return 1; sleep 0.1; done
}

# stop PID: SIGTERM and wait; sets RC.
stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; RC=$?; }

n_rejects() {
  local v=$1 bin=$2 dir=$T_TMP/$1/n out rc
  mkdir -p "$dir"
  nrej() { # NAME FILE EXPECTED-TEXT
    out=$(timeout 10 "$bin" -n -c "$2" 2>&1); rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -qF -- "$3" <<< "$out"; then pass "milter $v: -n refuses $1"
    else fail "milter $v: -n refuses $1" "rc=$rc: $out"; fi
  }
  printf 'Socket inet:8894@127.0.0.1 # local only\n' > "$dir/comment.conf"
  nrej 'a trailing "# comment" after a value (it would become part of Socket)' "$dir/comment.conf" 'trailing "#" comment'
  printf 'Socket inet:99999@127.0.0.1\n' > "$dir/port.conf"
  nrej 'Socket inet:99999@127.0.0.1 (port out of 1..65535)' "$dir/port.conf" 'port must be a number 1..65535'
  printf 'Socket unix:/tmp/%0120d.sock\n' 0 > "$dir/path.conf"
  nrej 'a unix socket path longer than sun_path' "$dir/path.conf" 'unix socket path longer than 107 bytes'
  printf 'AuthservID "unterminated\n' > "$dir/authserv.conf"
  nrej 'AuthservID "unterminated (it would make a malformed Authentication-Results)' "$dir/authserv.conf" 'RFC 8601 authserv-id'
  mkfifo "$dir/fifo.conf"
  nrej '-c on a FIFO at once, without waiting for a writer' "$dir/fifo.conf" 'not a regular file'
}

# The milter user "nobody" owns the run and log directory; the victims are
# root's files elsewhere.
privileges() {
  local v=$1 bin=$2 dir=$T_TMP/$1/priv vic=$T_TMP/$1/victims port pid out rc
  if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
    for n in 1 2 3 4 5; do skip "milter $v: privileges check $n" "needs root and the user nobody"; done
    return
  fi
  mkdir -p "$dir" "$vic"; chmod o+x "$T_TMP" "$T_TMP/$v"; chown nobody "$dir"; chmod 755 "$dir"
  for f in pid log declog hard; do printf 'precious %s\n' "$f" > "$vic/$f"; chmod 600 "$vic/$f"; done
  port=$(free_port)

  # 1. PidFile: a symlink planted at the name.
  ln -s "$vic/pid" "$dir/pid"
  { base_conf "$dir" "$port"; printf 'PidFile %s/pid\n' "$dir"; } > "$dir/m.conf"
  "$bin" -f -u nobody -c "$dir/m.conf" > "$dir/out" 2>&1 &
  pid=$!; track_pid "$pid"
  wait_log "$dir/milter.log" "started on" 30
  if [ "$(cat "$vic/pid")" = "precious pid" ] && [ "$(stat -c %U "$vic/pid")" = root ] &&
     [ ! -L "$dir/pid" ] && [ "$(cat "$dir/pid" 2>/dev/null)" = "$pid" ]; then
    pass "milter $v: a symlink planted at PidFile is replaced, the victim file is neither truncated nor chowned"
  else fail "milter $v: a symlink planted at PidFile is replaced, the victim file is neither truncated nor chowned" \
    "victim: $(cat "$vic/pid" | head -c 40) owner $(stat -c %U "$vic/pid"); pid file: $(ls -l "$dir/pid" 2>&1)"; fi
  if [ "$(stat -c %U "$dir/pid" 2>/dev/null)" = root ]; then pass "milter $v: the pid file stays root's (never handed to the milter user)"
  else fail "milter $v: the pid file stays root's" "$(ls -l "$dir/pid" 2>&1)"; fi
  stop "$pid"
  rm -f "$dir/pid" "$dir/milter.log"

  # 2. Log, DecisionLog: symlinks, and a hard link, planted at the name.
  ln -s "$vic/log" "$dir/milter.log"
  base_conf "$dir" "$port" > "$dir/m.conf"
  out=$(timeout 30 "$bin" -f -u nobody -c "$dir/m.conf" 2>&1); rc=$?
  if [ $rc -ne 0 ] && [ "$(cat "$vic/log")" = "precious log" ] && grep -qF "symbolic link" <<< "$out"; then
    pass "milter $v: a symlink planted at Log is refused (start fails), the victim is not written"
  else fail "milter $v: a symlink planted at Log is refused, the victim is not written" "rc=$rc: $out / $(head -c 80 "$vic/log")"; fi
  rm -f "$dir/milter.log"
  ln -s "$vic/declog" "$dir/decisions.log"
  { base_conf "$dir" "$port"; printf 'DecisionLog %s/decisions.log\n' "$dir"; } > "$dir/m.conf"
  out=$(timeout 30 "$bin" -f -u nobody -c "$dir/m.conf" 2>&1); rc=$?
  if [ $rc -ne 0 ] && [ "$(cat "$vic/declog")" = "precious declog" ] && grep -qF "symbolic link" "$dir/milter.log" 2>/dev/null; then
    pass "milter $v: a symlink planted at DecisionLog is refused, the victim is not written"
  else fail "milter $v: a symlink planted at DecisionLog is refused, the victim is not written" "rc=$rc: $(tail -1 "$dir/milter.log") / $(head -c 80 "$vic/declog")"; fi
  rm -f "$dir/decisions.log"
  ln "$vic/hard" "$dir/decisions.log"
  out=$(timeout 30 "$bin" -f -u nobody -c "$dir/m.conf" 2>&1); rc=$?
  if [ $rc -ne 0 ] && [ "$(cat "$vic/hard")" = "precious hard" ] && grep -qF "more than one link" "$dir/milter.log" 2>/dev/null; then
    pass "milter $v: a hard link to another file at DecisionLog is refused, the victim is not written"
  else fail "milter $v: a hard link to another file at DecisionLog is refused, the victim is not written" "rc=$rc: $(tail -1 "$dir/milter.log") / $(head -c 80 "$vic/hard")"; fi
  rm -f "$dir/decisions.log"
}

# SIGTERM while a session is between its headers and its end of message.
drain() {
  local v=$1 bin=$2 dir=$T_TMP/$1/drain port pid out
  mkdir -p "$dir"; port=$(free_port)
  { base_conf "$dir" "$port"; printf 'PidFile %s/pid\n' "$dir"; } > "$dir/m.conf"
  ASAN_OPTIONS=detect_leaks=1 "$bin" -f -c "$dir/m.conf" > "$dir/out" 2>&1 &
  pid=$!; track_pid "$pid"
  wait_log "$dir/milter.log" "started on" 30
  $PY "$SESSION" "$port" hold "$dir/milter.log" "stopping on signal" > "$dir/session.out" 2>&1 &
  local sp=$!
  wait_log "$dir/session.out" "held" 20
  kill -TERM "$pid"
  wait "$sp"; out=$(tail -1 "$dir/session.out")
  if [ "$out" = "verdict c" ]; then pass "milter $v: SIGTERM during a message: the open session still gets its verdict"
  else fail "milter $v: SIGTERM during a message: the open session still gets its verdict" "$out; $(tail -2 "$dir/milter.log" | tr '\n' ' ')"; fi
  wait "$pid"; RC=$?
  if [ $RC -eq 0 ] && grep -qF "stopped" "$dir/milter.log" && ! grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$dir/out"; then
    pass "milter $v: after the drained session it exits 0, \"stopped\", no sanitizer report"
  else fail "milter $v: after the drained session it exits 0, \"stopped\", no sanitizer report" "exit $RC: $(tail -2 "$dir/milter.log" | tr '\n' ' ') $(grep -m1 -A3 ERROR "$dir/out" | tr '\n' ' ')"; fi
}

# libmilter (Debian builds its worker pool) looks for idle connections every
# 600 s, so the daemon runs on a clock 200 times as fast (libfaketime): the
# check comes after 3 s. Without MilterTimeout libmilter's own 7210 s would
# still be 36 s away when the client gives up after 30 s.
idle_timeout() {
  local v=$1 bin=$2 dir=$T_TMP/$1/idle port pid out ft=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1
  if [ ! -e "$ft" ]; then skip "milter $v: MilterTimeout closes an idle milter connection" "libfaketime is not installed"; return; fi
  mkdir -p "$dir"; port=$(free_port)
  { base_conf "$dir" "$port"; echo "MilterTimeout 10"; } > "$dir/m.conf"
  LD_PRELOAD=$ft FAKETIME="+0 x200" ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
    "$bin" -f -c "$dir/m.conf" > "$dir/out" 2>&1 &
  pid=$!; track_pid "$pid"
  wait_log "$dir/milter.log" "started on" 30
  out=$($PY "$SESSION" "$port" idle 30 2>&1)
  if [ "$out" = closed ]; then pass "milter $v: MilterTimeout 10 closes an idle milter connection (libmilter's default would hold it 2 hours)"
  else fail "milter $v: MilterTimeout 10 closes an idle milter connection" "$out"; fi
  stop "$pid"
}

# DecisionLog on a 64k tmpfs: 4000 bytes in it already (one page, 96 bytes
# left in it), the rest filled; one message while full, then room again.
fullfs() {
  local v=$1 bin=$2 dir=$T_TMP/$1/full port pid a b
  mkdir -p "$dir"; port=$(free_port)
  MNT=$dir/mnt; mkdir -p "$MNT"
  if ! mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null; then
    MNT=""
    skip "milter $v: full disk: no partial decision line" "cannot mount a tmpfs here (needs root)"
    skip "milter $v: full disk: the next record starts its own line" "cannot mount a tmpfs here (needs root)"
    return
  fi
  head -c 3999 /dev/zero | tr '\0' '#' > "$MNT/decisions.log"; echo >> "$MNT/decisions.log"
  { base_conf "$dir" "$port"; printf 'DecisionLog %s/decisions.log\n' "$MNT"; } > "$dir/m.conf"
  "$bin" -f -c "$dir/m.conf" > "$dir/out" 2>&1 &
  pid=$!; track_pid "$pid"
  wait_log "$dir/milter.log" "started on" 30
  dd if=/dev/zero of="$MNT/filler" bs=4k > /dev/null 2>&1
  a=$($PY "$SESSION" "$port" message FULL1 2>&1)
  rm -f "$MNT/filler"
  b=$($PY "$SESSION" "$port" message ROOM2 2>&1)
  stop "$pid"
  if [ "$(tail -c +4001 "$MNT/decisions.log" | grep -c 'qid=FULL1')" = 0 ] && [ "$a" = "verdict c" ]; then
    pass "milter $v: full disk: the record that does not fit is not written in part (the message still passes)"
  else fail "milter $v: full disk: the record that does not fit is not written in part" "$a: $(tail -c +4001 "$MNT/decisions.log" | head -c 200)"; fi
  if [ "$(tail -c +4001 "$MNT/decisions.log" | grep -c '^ts=.* qid=ROOM2 ')" = 1 ] &&
     [ "$(tail -c +4001 "$MNT/decisions.log" | wc -l)" = 1 ] && ! grep -q 'action=[a-z-]*ts=' "$MNT/decisions.log"; then
    pass "milter $v: full disk: the next record starts its own line (no \"action=acceptts=\")"
  else fail "milter $v: full disk: the next record starts its own line" "$b: $(tail -c +4001 "$MNT/decisions.log" | head -c 300)"; fi
  cleanup_mount
}

for v in $VARIANTS; do
  bin=$(bin "$v" spfdkim-milter)
  if [ ! -x "$bin" ]; then
    for i in $(seq $PER_VARIANT); do fail "milter $v: hardening check $i" "$bin is not built"; done
    continue
  fi
  n_rejects "$v" "$bin"        # 5
  privileges "$v" "$bin"       # 5
  drain "$v" "$bin"            # 2
  idle_timeout "$v" "$bin"     # 1
  fullfs "$v" "$bin"           # 2
done
