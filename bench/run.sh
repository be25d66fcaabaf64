#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/run.sh - `make bench`: our milter, OpenDKIM (verify), OpenDMARC
# (SPFSelfValidate) and rspamd (milter mode, dkim + spf + milter_headers)
# measured side by side on one deterministic corpus; then Postfix end to end
# (bench/postfix-e2e.sh) and the XMail bridge (bench/bridge-overhead.sh).
#
# Everything runs inside a network namespace made here (loopback only): a
# local unbound authoritative for the corpus's zone (SPF, DKIM keys, DMARC),
# the milters and the load generator (build/release/bench/milter_load). For
# the milters that read /etc/resolv.conf, a resolv.conf naming that unbound
# is bind-mounted inside their own mount namespace (ip netns exec makes one
# per command), so nothing on the host changes.
#
# Per milter and concurrency (1, 4, 16) a fresh milter process takes one pass
# over the corpus (cold cache); at 16 a second pass follows (warm cache), then
# 500 connections are opened and held to read its RSS. Upstream DNS queries
# are counted on unbound's side (unbound-control stats over a local socket).
#
# rspamd is a process tree (main, proxy workers, helpers): its CPU is summed
# over the tree from /proc, its memory is the sum of PSS (smaps_rollup; the
# workers share pages, so RSS would count them twice). Its database dir
# (BENCH_RSPAMD_DB, build/bench/rspamd-db) is kept between runs.
#
# Environment: BENCH_CONC ("1 4 16"), BENCH_PASSES (1), BENCH_REPEAT (3 rounds
# of cold passes, the fastest reported), BENCH_MESSAGES (2000),
# BENCH_HOLD (500), BENCH_OUT (bench/results.md), BENCH_MILTERS
# ("spfdkim opendkim opendmarc rspamd"), BENCH_KEEP=1 keeps the work directory,
# BENCH_EXTRAS=0 skips everything after the milter passes (crypto floor,
# engine benchmarks, Postfix, bridge; for short trials),
# BENCH_PERF=0 skips the profiled extra pass over our milter (perf record),
# BENCH_SPFDKIM_EXTRA="Key value" adds config lines for our milter (experiments).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$TOP/bench
BIN=$TOP/build/release
LOAD=${BENCH_LOAD:-$BIN/bench/milter_load}
CORPUS=${BENCH_CORPUS:-$TOP/build/bench/corpus}
OUT=${BENCH_OUT:-$BENCH/results.md}
CONCS=${BENCH_CONC:-1 4 16}
PASSES=${BENCH_PASSES:-1}
REPEAT=${BENCH_REPEAT:-3}
HOLD=${BENCH_HOLD:-500}
MILTERS=${BENCH_MILTERS:-spfdkim opendkim opendmarc rspamd}
# BENCH_ONLY=TITLE: only the extra section whose title starts so ("Postfix",
# "bridge"), no milter passes (for trials).
[ -z "${BENCH_ONLY:-}" ] || MILTERS=""
RSPAMD_DB=${BENCH_RSPAMD_DB:-$TOP/build/bench/rspamd-db}
PY=/usr/bin/python3

[ "$(id -u)" = 0 ] || { echo "bench: needs root (ip netns)" >&2; exit 1; }
[ -x "$LOAD" ] || { echo "bench: $LOAD missing: run make first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/spfdkim-bench.XXXXXX)
NS=spfdkim-bench-$$
RES=$WORK/results.txt
PIDS=""
: > "$RES"

cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  for p in $PIDS; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: work directory kept: $WORK" >&2
  else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }
# "${NSX[@]}" CMD...: run CMD in the namespace, /etc/resolv.conf -> bench unbound.
NSX=(ip netns exec "$NS" sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$WORK/resolv.conf")
started=$(date +%s)

# --- corpus ------------------------------------------------------------------
log "corpus (deterministic; reused when current)"
$PY "$BENCH/gen_corpus.py" "$CORPUS" >&2

# --- namespace and DNS -------------------------------------------------------
ip netns add "$NS" || { log "cannot create network namespace $NS (needs root with CAP_SYS_ADMIN)"; exit 1; }
ip netns exec "$NS" ip link set lo up
echo "nameserver 127.0.0.1" > "$WORK/resolv.conf"

mkdir -p "$WORK/dns"
{
  printf '$TTL 3600\n$ORIGIN .\n'
  printf '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 3600\n'
  printf '@ IN NS ns.test.\nns.test. IN A 127.0.0.1\n\n'
  cat "$CORPUS/bench.zone"
} > "$WORK/dns/root.zone"
{
  echo "server:"
  echo "  interface: 127.0.0.1"
  echo "  port: 53"
  echo "  do-ip6: no"
  echo "  username: \"\""
  echo "  chroot: \"\""
  echo "  directory: \"$WORK/dns\""
  echo "  pidfile: \"$WORK/dns/unbound.pid\""
  echo "  logfile: \"$WORK/dns/unbound.log\""
  echo "  use-syslog: no"
  echo "  do-daemonize: no"
  echo "  verbosity: 0"
  echo "  num-threads: 1"
  echo "  module-config: \"iterator\""
  echo "  access-control: 127.0.0.0/8 allow"
  echo "  do-not-query-localhost: no"
  echo "  minimal-responses: no"
  echo "  qname-minimisation: no"
  echo "  statistics-cumulative: yes"
  for z in test. invalid. localhost. onion. home.arpa. 127.in-addr.arpa.; do
    echo "  local-zone: \"$z\" nodefault"
  done
  echo "remote-control:"
  echo "  control-enable: yes"
  echo "  control-interface: \"$WORK/dns/control.sock\""
  echo "  control-use-cert: no"
  echo "auth-zone:"
  echo "  name: \".\""
  echo "  zonefile: \"$WORK/dns/root.zone\""
  echo "  for-downstream: yes"
  echo "  for-upstream: yes"
  echo "  fallback-enabled: no"
} > "$WORK/dns/unbound.conf"
unbound-checkconf "$WORK/dns/unbound.conf" >/dev/null
ip netns exec "$NS" unbound -d -c "$WORK/dns/unbound.conf" >>"$WORK/dns/unbound.log" 2>&1 &
PIDS="$PIDS $!"
dnsq() {
  unbound-control -c "$WORK/dns/unbound.conf" stats_noreset 2>/dev/null |
    sed -n 's/^total\.num\.queries=//p'
}
for _ in $(seq 1 100); do [ -n "$(dnsq)" ] && break; sleep 0.1; done
probe=$("${NSX[@]}" $PY -c 'import sys,dns.resolver; print(dns.resolver.resolve(sys.argv[1],"TXT")[0].to_text())' s00.bench.example 2>&1) ||
  { log "unbound in the namespace does not answer: $probe"; tail -5 "$WORK/dns/unbound.log" >&2; exit 1; }
log "unbound up in netns $NS: s00.bench.example TXT $probe"

# --- milters -----------------------------------------------------------------
PORT_spfdkim=8894; PORT_opendkim=8891; PORT_opendmarc=8893; PORT_rspamd=8895
MPID=""

# The pids of a process and all its descendants.
tree_pids() {
  local c
  echo "$1"
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}
# CPU (utime+stime, ms) summed over a process tree.
tree_cpu_ms() {
  local p hz
  hz=$(getconf CLK_TCK)
  for p in $(tree_pids "$1"); do
    sed 's/.*) //' "/proc/$p/stat" 2>/dev/null
  done | awk -v hz="$hz" '{ t += $12 + $13 } END { printf "%.1f", t * 1000 / hz }'
}
# Proportional set size (kB) summed over a process tree.
tree_pss_kb() {
  local p
  for p in $(tree_pids "$1"); do cat "/proc/$p/smaps_rollup" 2>/dev/null; done |
    awk '/^Pss:/ { t += $2 } END { print t + 0 }'
}

conf() { # template -> $WORK/name
  sed -e "s|@PORT@|$2|g" -e "s|@WORK@|$WORK|g" "$BENCH/$1" > "$WORK/$1"
}
wait_listen() { # port [tenths of a second]
  for _ in $(seq 1 "${2:-100}"); do
    ip netns exec "$NS" bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0
    kill -0 "$MPID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start_milter() { # name
  local name=$1 port
  port=$(eval echo "\$PORT_$name")
  case $name in
    spfdkim)
      conf spfdkim-milter.conf "$port"
      [ -n "${BENCH_SPFDKIM_EXTRA:-}" ] && printf '%s\n' "$BENCH_SPFDKIM_EXTRA" >> "$WORK/spfdkim-milter.conf"
      "${NSX[@]}" "$TOP/milter/spfdkim-milter" -f -c "$WORK/spfdkim-milter.conf" -p "inet:$port@127.0.0.1" \
        >>"$WORK/spfdkim.out" 2>&1 & ;;
    opendkim)
      conf opendkim.conf "$port"
      "${NSX[@]}" /usr/sbin/opendkim -f -x "$WORK/opendkim.conf" >>"$WORK/opendkim.out" 2>&1 & ;;
    opendmarc)
      conf opendmarc.conf "$port"
      "${NSX[@]}" /usr/sbin/opendmarc -f -c "$WORK/opendmarc.conf" >>"$WORK/opendmarc.out" 2>&1 & ;;
    rspamd)
      mkdir -p "$WORK/rspamd" "$RSPAMD_DB"
      sed -e "s|@PORT@|$port|g" -e "s|@WORK@|$WORK|g" -e "s|@DB@|$RSPAMD_DB|g" -e "s|@WORKERS@|$(nproc)|g" \
        "$BENCH/rspamd/rspamd.conf" > "$WORK/rspamd.conf"
      # -i: the bench runs as root inside its own namespace.
      "${NSX[@]}" /usr/bin/rspamd -f -i -c "$WORK/rspamd.conf" >>"$WORK/rspamd.out" 2>&1 & ;;
  esac
  MPID=$!
  PIDS="$PIDS $MPID"
  # rspamd's first start compiles the suffix list (kept in its database dir).
  if ! wait_listen "$port" "$([ "$name" = rspamd ] && echo 1800 || echo 100)"; then
    log "$name did not start listening on $port:"; tail -5 "$WORK/$name.out" >&2
    return 1
  fi
  SPEC="inet:$port@127.0.0.1"
}
stop_milter() {
  kill "$MPID" 2>/dev/null || true
  wait "$MPID" 2>/dev/null || true
  MPID=""
}
# cpustat: "busy idle steal" jiffies of the whole machine (/proc/stat).
cpustat() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6, $9; exit}' /proc/stat; }
run_load() { # name conc label-suffix [row-name]
  local q0 q1 line rc=0 row=${4:-$1} s0 s1 t0=0
  s0=$(cpustat)
  q0=$(dnsq)
  [ "$1" = rspamd ] && t0=$(tree_cpu_ms "$MPID")
  line=$(ip netns exec "$NS" "$LOAD" -s "$SPEC" -d "$CORPUS" -t "$CORPUS/truth.tsv" -c "$2" \
           -n "$PASSES" -p "$MPID" -l "$row$3" 2>>"$WORK/load.err") || rc=$?
  q1=$(dnsq)
  s1=$(cpustat)
  if [ "$1" = rspamd ] && [ -n "$line" ]; then
    # The whole process tree: CPU summed, memory as the sum of PSS.
    local t1 pss msgs
    t1=$(tree_cpu_ms "$MPID"); pss=$(tree_pss_kb "$MPID")
    msgs=$(sed -n 's/.* msgs=\([0-9]*\).*/\1/p' <<<"$line")
    line=$(sed -e "s/ cpu_ms_per_msg=[^ ]*/ cpu_ms_per_msg=$(awk -v a="$t0" -v b="$t1" -v n="${msgs:-1}" 'BEGIN { printf "%.4f", (b - a) / (n > 0 ? n : 1) }')/" \
               -e "s/ hwm_kb=[^ ]*/ hwm_kb=$pss mem=pss procs=$(tree_pids "$MPID" | wc -l)/" <<<"$line")
  fi
  # steal: CPU the hypervisor gave to other guests during the pass, in % of
  # all CPU time; a disturbed run shows here.
  if [ -z "$line" ]; then log "$1 c=$2$3: load generator failed (rc $rc):"; tail -5 "$WORK/load.err" >&2; return 1; fi
  line="$line $(echo "$s0 $s1" | awk '{t=($4-$1)+($5-$2)+($6-$3); if (t<=0) t=1;
    printf "steal_pct=%.1f busy_pct=%.1f", 100*($6-$3)/t, 100*($4-$1)/t}')"
  echo "$line dns_queries=$(( ${q1:-0} - ${q0:-0} )) milter=$row pass=${3:-cold}" >> "$RES"
  echo "$line" | sed 's/^RESULT /  /' | cut -c1-200 >&2
}

# profile CONC: four more (unmeasured) passes over our milter under perf record
# with DWARF call graphs; the summary goes into the report.
profile() {
  log "spfdkim c=$1: profiled pass (perf record)"
  perf record -q --call-graph dwarf,16384 -F 499 -o "$WORK/perf.data" -p "$MPID" >/dev/null 2>&1 &
  local perfpid=$!
  sleep 0.5
  ip netns exec "$NS" "$LOAD" -s "$SPEC" -d "$CORPUS" -c "$1" -n 4 -l spfdkim-perf >/dev/null 2>>"$WORK/load.err" || true
  kill -INT "$perfpid" 2>/dev/null || true
  wait "$perfpid" 2>/dev/null || true
  { echo "EXTRA_BEGIN profile: spfdkim-milter at c=$1, warm cache (perf record --call-graph dwarf)"
    perf script -i "$WORK/perf.data" 2>/dev/null | $PY "$BENCH/perf_summary.py"
    echo "EXTRA_END"; } >> "$RES"
}

# count_syscalls NAME CONC: one more (unmeasured) pass, counting the milter's
# system calls with perf stat tracepoints.
count_syscalls() {
  local ev=raw_syscalls:sys_enter,syscalls:sys_enter_poll,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_setsockopt
  log "$1 c=$2: system calls per message (perf stat)"
  perf stat -x, -e "$ev" -o "$WORK/syscalls.txt" -p "$(tree_pids "$MPID" | paste -sd,)" >/dev/null 2>&1 &
  local perfpid=$!
  sleep 0.5
  ip netns exec "$NS" "$LOAD" -s "$SPEC" -d "$CORPUS" -c "$2" -l "$1-syscalls" >/dev/null 2>>"$WORK/load.err" || true
  kill -INT "$perfpid" 2>/dev/null || true
  wait "$perfpid" 2>/dev/null || true
  awk -F, -v m="$1" -v n="$(grep -vc '^#' "$CORPUS/envelopes.tsv")" '
    $3 ~ /sys_enter/ { e=$3; sub(/.*sys_enter_?/, "", e); if (e == "") e = "total"; v[e]=$1 }
    END { printf "SYSCALLS milter=%s msgs=%d", m, n; for (k in v) printf " %s=%s", k, v[k]; printf "\n" }' \
    "$WORK/syscalls.txt" >> "$RES"
}

have_milter() {
  case $1 in
    spfdkim) [ -x "$TOP/milter/spfdkim-milter" ] ;;
    opendkim) [ -x /usr/sbin/opendkim ] ;;
    opendmarc) [ -x /usr/sbin/opendmarc ] ;;
    rspamd) [ -x /usr/bin/rspamd ] ;;
  esac
}

# Concurrency outer, milter inner: the three are measured close together in
# time, so a busy moment on a shared machine hits them alike.
ACTIVE=""
for m in $MILTERS; do
  if have_milter "$m"; then ACTIVE="$ACTIVE $m"
  else log "$m: not built/installed, skipped"; echo "SKIP milter=$m" >> "$RES"; fi
done
CMAX=$(echo "$CONCS" | awk '{print $NF}')
# Cold passes are repeated (REPEAT rounds, each a fresh process) and the
# report takes the fastest; warm pass, profile and hold: last round.
for rep in $(seq 1 "$REPEAT"); do
for c in $CONCS; do
  for m in $ACTIVE; do
    log "$m c=$c (round $rep of $REPEAT)"
    start_milter "$m" || { echo "SKIP milter=$m conc=$c" >> "$RES"; continue; }
    run_load "$m" "$c" "" || true
    if [ "$c" = "$CMAX" ] && [ "$rep" = "$REPEAT" ]; then
      log "$m c=$c second pass (warm cache)"
      run_load "$m" "$c" "-warm" || true
      if [ "${BENCH_PERF:-1}" != 0 ] && command -v perf >/dev/null; then
        count_syscalls "$m" "$c"
        [ "$m" = spfdkim ] && profile "$c"
      fi
      # (rspamd's proxy is a process tree: one VmRSS would not describe it.)
      if [ "$HOLD" -gt 0 ] && [ "$m" != rspamd ]; then
        log "$m: hold $HOLD connections"
        ulimit -n 65536 2>/dev/null || true
        ip netns exec "$NS" "$LOAD" -s "$SPEC" -H "$HOLD" -p "$MPID" 2>>"$WORK/load.err" |
          sed "s/^HOLD /HOLD milter=$m /" >> "$RES" || log "$m: hold failed"
        tail -1 "$RES" >&2
      fi
    fi
    stop_milter
  done
done
done

# Decomposition: our milter with DKIM verification off, at the top concurrency.
if [[ " $ACTIVE " == *" spfdkim "* ]]; then
  log "spfdkim c=$CMAX with DKIMVerify no (SPF only, for the decomposition)"
  if BENCH_SPFDKIM_EXTRA="${BENCH_SPFDKIM_EXTRA:-}${BENCH_SPFDKIM_EXTRA:+
}DKIMVerify no" start_milter spfdkim; then
    run_load spfdkim "$CMAX" "" spfdkim-spf || true
    stop_milter
  fi
fi

if [ "${BENCH_EXTRAS:-1}" != 0 ]; then
# --- crypto floor ------------------------------------------------------------
if [ -z "${BENCH_ONLY:-}" ]; then
log "crypto floor (openssl speed)"
rsa=$(openssl speed -seconds 1 rsa2048 2>/dev/null | awk '$1=="rsa" && $2=="2048" {print $(NF-1), $NF}')
sha=$(openssl speed -seconds 1 -evp sha256 2>/dev/null | awk '/^sha256|^SHA256|^sha2-256/ {v=$NF} END {sub(/k$/,"",v); print v}')
echo "FLOOR rsa_sign_per_s=${rsa% *} rsa_verify_per_s=${rsa#* } sha256_kBps_16k=$sha" >> "$RES"
tail -1 "$RES" >&2
fi

# --- engine micro-benchmarks and the bridge ----------------------------------
extra() { # title, command... (EXTRA_TIMEOUT: seconds, default 180)
  local t=$1; shift
  [ -z "${BENCH_ONLY:-}" ] || [[ "$t" == "$BENCH_ONLY"* ]] || return 0
  log "$t"
  { echo "EXTRA_BEGIN $t"; timeout "${EXTRA_TIMEOUT:-180}" "$@" 2>&1 || echo "(exit $?)"; echo "EXTRA_END"; } >> "$RES"
}
# The engines' own benchmarks read the test zones: serve them with the test
# unbound (tests/dns/unbound.sh), started inside the namespace too.
if [ -x "$BIN/tests/spf_bench" ] || [ -x "$BIN/tests/dkim_bench" ]; then
  if tdns=$(ip netns exec "$NS" bash "$TOP/tests/dns/unbound.sh" start "$WORK/testdns"); then
    PIDS="$PIDS $(cat "$WORK/testdns/unbound.pid")"
    if [ -x "$BIN/tests/spf_bench" ]; then
      extra "spf_bench (tests/tools/spf_bench.c, 50-domain workload, warm cache)" \
        ip netns exec "$NS" "$BIN/tests/spf_bench" "$tdns"
    fi
    if [ -x "$BIN/tests/dkim_bench" ]; then
      extra "dkim_bench (tests/tools/dkim_bench.c)" \
        ip netns exec "$NS" sh -c 'cd "$1" && exec "$2" -r "$3"' sh "$TOP" "$BIN/tests/dkim_bench" "$tdns"
    fi
  else
    log "test unbound did not start: engine benchmarks skipped"
  fi
fi
if [ -x "$BIN/bench/canon_bench" ]; then
  extra "DKIM body hashing over the corpus (bench/canon_bench.c)" "$BIN/bench/canon_bench" "$CORPUS"/msg/*.eml
fi
if [ -f "$BENCH/postfix-e2e.sh" ] && command -v smtp-source >/dev/null; then
  # Inside the namespace: the milters there resolve through the bench unbound.
  chmod 711 "$WORK"   # Postfix's daemons run as user postfix
  EXTRA_TIMEOUT=1200 extra "Postfix end to end (bench/postfix-e2e.sh)" \
    ip netns exec "$NS" env CORPUS="$CORPUS" PFE_WORK="$WORK/pfe" bash "$BENCH/postfix-e2e.sh"
fi
if [ -f "$BENCH/bridge-overhead.sh" ]; then
  EXTRA_TIMEOUT=600 extra "bridge overhead (bench/bridge-overhead.sh)" bash "$BENCH/bridge-overhead.sh"
fi
if [ -f "$BENCH/web-spamlog.sh" ]; then
  extra "spfdkim-web spam log and report on 100,000 lines (bench/web-spamlog.sh)" bash "$BENCH/web-spamlog.sh"
fi

fi

# --- report ------------------------------------------------------------------
elapsed=$(( $(date +%s) - started ))
{
  echo "SYS nproc=$(nproc) cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\" kernel=$(uname -r)" \
       "date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo -) elapsed_s=$elapsed" \
       "opendkim=\"$(opendkim -V 2>/dev/null | head -1 | sed 's/.*Filter //')\" opendmarc=\"$(opendmarc -V 2>/dev/null | head -1 | sed 's/.*Filter //')\"" \
       "rspamd=\"$(rspamd -v 2>/dev/null | sed -n 's/.*version //p' | head -1)\""
} >> "$RES"
$PY "$BENCH/report.py" "$RES" "$CORPUS/truth.tsv" "$OUT"
log "results written to $OUT (${elapsed}s)"
