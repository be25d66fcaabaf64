# SPDX-License-Identifier: BSD-2-Clause
# tests/lib.sh - shared helpers for test suites (source it; bash only).
#
# A suite first declares how many checks it runs with `plan N`, then reports
# each with `pass NAME`, `fail NAME [WHY]` or `skip NAME WHY`; tests/run.sh
# counts the lines in $T_RESULTS, and a suite that records fewer or more
# results than its plan (or declares none) fails. A skip must give its
# reason; under CI a skip without one is a failure. Run alone (bash
# tests/suites/x.sh), a suite prints its own lines and counts them at the end.
#
# Variables: TOP (project root), DATA (tests/data: third-party suites and
# XMail fixtures, see tests/data/README.md), T_TMP (a scratch dir
# removed at exit), TEST_DNS ("127.0.0.1@PORT" of the test unbound, started
# on demand by need_dns), PY (Debian's python3, which has the test modules).

TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DATA=$TOP/tests/data
PY=/usr/bin/python3
export TOP DATA PY

if [ -z "${T_RESULTS:-}" ]; then
  T_RESULTS=$(mktemp)
  T_STANDALONE=1
fi
export T_RESULTS
T_TMP=$(mktemp -d /tmp/spfdkim-test.XXXXXX)
T_PIDS=""

pass() { echo "PASS: $1" | tee -a "$T_RESULTS"; }
fail() { echo "FAIL: $1${2:+ - $2}" | tee -a "$T_RESULTS"; }
# skip NAME WHY: the check could not run here; WHY is printed and required.
skip() {
  if [ -z "${2:-}" ]; then fail "$1" "skipped without a reason"; return; fi
  echo "SKIP: $1 - $2" | tee -a "$T_RESULTS"
}
# plan N: the number of pass/fail/skip results this suite records.
plan() { echo "PLAN: $1" >>"$T_RESULTS"; T_PLANNED=$1; }
# check NAME CMD...: pass if CMD succeeds.
check() { local n=$1; shift; if "$@" >>"$T_TMP/check.log" 2>&1; then pass "$n"; else fail "$n" "command failed: $*"; fi; }

# mt_plan SCRIPT: the number of checks a miltertest script declares in its
# "--plan N" line (tests/milter/lib.lua).
mt_plan() { sed -n 's/^--plan \([0-9][0-9]*\)$/\1/p' "$1" | head -1; }
# mt_record PREFIX: a miltertest script's output on stdin becomes results:
# "ok TEXT" a pass, "skip TEXT - WHY" a skip, each named "PREFIX: TEXT";
# sets MT_N to how many.
mt_record() {
  local line; MT_N=0
  while IFS= read -r line; do
    case "$line" in
      "ok "*) pass "$1: ${line#ok }"; MT_N=$((MT_N + 1)) ;;
      "skip "*) line=${line#skip }; skip "$1: ${line%% - *}" "${line#* - }"; MT_N=$((MT_N + 1)) ;;
    esac
  done
}

# Background daemons started by a suite: killed at exit.
track_pid() { T_PIDS="$T_PIDS $1"; }

t_cleanup() {
  for p in $T_PIDS; do kill "$p" 2>/dev/null; done
  for p in $T_PIDS; do wait "$p" 2>/dev/null; done
  rm -rf "$T_TMP"
  if [ -n "${T_STANDALONE:-}" ]; then
    local np nf
    np=$(grep -c '^PASS: ' "$T_RESULTS"); nf=$(grep -c '^FAIL: ' "$T_RESULTS"); ns=$(grep -c '^SKIP: ' "$T_RESULTS")
    if [ -z "${T_PLANNED:-}" ]; then echo "FAIL: this suite declares no plan"; nf=$((nf + 1))
    elif [ $((np + nf + ns)) -ne "$T_PLANNED" ]; then echo "FAIL: planned $T_PLANNED checks, recorded $((np + nf + ns))"; nf=$((nf + 1)); fi
    rm -f "$T_RESULTS"
    echo "$np passed, $nf failed, $ns skipped"
  fi
}
trap t_cleanup EXIT

# free_port: print a TCP/UDP port free on 127.0.0.1.
free_port() {
  $PY -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]
u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(("127.0.0.1",p)); print(p)' 2>/dev/null || free_port
}

# wait_port PORT [SECONDS]: wait until 127.0.0.1:PORT accepts TCP.
wait_port() {
  local i=0 max=$(( ${2:-10} * 10 ))
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    i=$((i + 1)); [ $i -ge $max ] && return 1; sleep 0.1
  done
}

# wait_file PATH [SECONDS]
wait_file() {
  local i=0 max=$(( ${2:-10} * 10 ))
  while [ ! -e "$1" ]; do i=$((i + 1)); [ $i -ge $max ] && return 1; sleep 0.1; done
}

# need_dns: make sure the test unbound runs; sets TEST_DNS.
need_dns() {
  if [ -n "${TEST_DNS:-}" ]; then return 0; fi
  local dir="$T_TMP/dns"
  TEST_DNS=$(bash "$TOP/tests/dns/unbound.sh" start "$dir") || { fail "test dns start" "$(cat "$dir/unbound.log" 2>/dev/null | tail -3)"; return 1; }
  track_pid "$(cat "$dir/unbound.pid")"
  export TEST_DNS
}

# Binaries of a variant: bin release|asan NAME
bin() {
  case "$1" in
    release) case "$2" in
               spfdkim-milter|spfdkim-ctl) echo "$TOP/milter/$2" ;;
               xmail-milter-bridge) echo "$TOP/xmail-bridge/$2" ;;
               *) echo "$TOP/build/release/tests/$2" ;;
             esac ;;
    *) case "$2" in
         spfdkim-milter|spfdkim-ctl|xmail-milter-bridge) echo "$TOP/build/$1/bin/$2" ;;
         *) echo "$TOP/build/$1/tests/$2" ;;
       esac ;;
  esac
}
