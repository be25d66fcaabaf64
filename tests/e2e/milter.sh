# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/milter.sh - run our spfdkim-milter for end-to-end tests (source
# it after tests/lib.sh; bash only).
#
#   em_conf FILE PORT [Key value]...   write a config: Socket on
#                        127.0.0.1:PORT, the test DNS, CheckLoopback yes (the
#                        MTAs' clients are on loopback), logs beside FILE
#                        (FILE.log, FILE.decisions), then the extra lines
#   em_start FILE PORT   start it in the foreground as a child; sets EM_PID
#   em_stop              SIGTERM and wait (libmilter may take up to 5 s)
#
# Uses milter/spfdkim-milter (release); set EM_BIN to run another build.

em_bin() { echo "${EM_BIN:-$(bin release spfdkim-milter)}"; }

em_conf() {
  local file=$1 port=$2; shift 2
  {
    echo "Socket inet:$port@127.0.0.1"
    echo "Resolver $TEST_DNS"
    echo "CheckLoopback yes"
    echo "AuthservID mx.e2e.test"
    echo "Log $file.log"
    echo "DecisionLog $file.decisions"
    local kv
    for kv in "$@"; do echo "$kv"; done
  } > "$file"
}

em_start() {
  local file=$1 port=$2
  "$(em_bin)" -f -c "$file" >>"$file.stderr" 2>&1 &
  EM_PID=$!
  track_pid "$EM_PID"
  wait_port "$port" 10
}

em_stop() {
  [ -n "${EM_PID:-}" ] || return 0
  kill "$EM_PID" 2>/dev/null
  wait "$EM_PID" 2>/dev/null
  EM_PID=
}
