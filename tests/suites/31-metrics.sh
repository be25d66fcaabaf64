#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 31-metrics.sh - MetricsSocket: the Prometheus endpoint, scraped during and
# after a miltertest run (tests/metrics/traffic.lua: 12 messages in 11
# sessions with known outcomes), its counts checked against the messages
# sent and the decision log, the text checked by `promtool check metrics`;
# reload counters; -n refusing a bad MetricsSocket. Release and ASan builds.
. "$(dirname "$0")/../lib.sh"

TRAFFIC_CHECKS=18      # ok lines of traffic.lua
PER_VARIANT=$((6 + TRAFFIC_CHECKS + 17))
# The ASan build runs the same checks when it is built, else one skip.
if [ -x "$(bin asan spfdkim-milter)" ]; then plan $((2 * PER_VARIANT)); else plan $((PER_VARIANT + 1)); fi

need_dns || exit 0

# scrape URL: the body, or nothing.
scrape() { curl -s --max-time 10 "$1"; }
# val TEXT SERIES: the value of one series line (exact name and labels), or -1.
val() { awk -v s="$2" '$1 == s { print $2; f = 1 } END { if (!f) print -1 }' <<<"$1"; }

run_variant() {
  local v=$1 bin dir port mport pid out rc text n url
  bin=$(bin "$v" spfdkim-milter)
  if [ ! -x "$bin" ]; then skip "metrics $v" "$bin not built (make VARIANT=$v all)"; return; fi
  dir=$T_TMP/$v; mkdir -p "$dir/spam"

  # -n refuses what start would refuse.
  printf 'MetricsSocket unix:/tmp/x.sock\n' > "$dir/bad1.conf"
  out=$("$bin" -n -c "$dir/bad1.conf" 2>&1); rc=$?
  if [ $rc -ne 0 ] && grep -qF "bad1.conf:1: MetricsSocket" <<<"$out"; then pass "metrics $v: -n refuses MetricsSocket unix:/path (HTTP needs inet), naming file:line"
  else fail "metrics $v: -n refuses MetricsSocket unix:/path" "rc=$rc $out"; fi
  printf 'MetricsSocket inet:99999@127.0.0.1\n' > "$dir/bad2.conf"
  out=$("$bin" -n -c "$dir/bad2.conf" 2>&1); rc=$?
  if [ $rc -ne 0 ] && grep -qF "bad2.conf:1: MetricsSocket" <<<"$out"; then pass "metrics $v: -n refuses MetricsSocket inet:99999@127.0.0.1 (bad port)"
  else fail "metrics $v: -n refuses a bad MetricsSocket port" "rc=$rc $out"; fi

  port=$(free_port); mport=$(free_port)
  url="http://127.0.0.1:$mport/metrics"
  cat > "$dir/m.conf" <<CONF
Socket inet:$port@127.0.0.1
MetricsSocket inet:$mport@127.0.0.1
Resolver $TEST_DNS
DNSTimeout 2
AuthservID mx.test
DecisionLog $dir/decisions.log
TempDirectory $dir
SPFFailAction reject
SPFSoftfailAction quarantine
SpamFolder $dir/spam
SpamLog $dir/spam.log
CONF
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$bin" -f -c "$dir/m.conf" >"$dir/daemon.log" 2>&1 &
  pid=$!
  track_pid "$pid"
  local i=0
  until grep -qF "started on" "$dir/daemon.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -ge 300 ] && break; sleep 0.1
  done
  out=$(curl -s -D "$dir/hdr" -o "$dir/first" --max-time 10 "$url"; echo " $?")
  if grep -q '^HTTP/1.1 200' "$dir/hdr" && grep -qi '^Content-Type: text/plain; version=0.0.4' "$dir/hdr" &&
     grep -q '^spfdkim_messages_total 0$' "$dir/first"; then
    pass "metrics $v: GET /metrics answers 200, text/plain; version=0.0.4, spfdkim_messages_total 0 at start"
  else fail "metrics $v: GET /metrics answers 200 text/plain" "curl:$out $(head -3 "$dir/hdr") $(tail -3 "$dir/daemon.log")"; fi
  rc=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$mport/")
  if [ "$rc" = 404 ]; then pass "metrics $v: any other path answers 404"; else fail "metrics $v: other paths answer 404" "got $rc"; fi
  rc=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -d x "$url")
  if [ "$rc" = 405 ]; then pass "metrics $v: POST /metrics answers 405"; else fail "metrics $v: POST answers 405" "got $rc"; fi
  n=$(grep -c '^spfdkim_' "$dir/first")
  if [ "$n" -ge 50 ] && grep -q '^spfdkim_auth_results_total{method="dkim",result="pass"} 0$' "$dir/first"; then
    pass "metrics $v: every series is there from the first scrape, at 0 ($n series)"
  else fail "metrics $v: every series from the first scrape" "$n series"; fi

  # The traffic, with a scrape while one session is open.
  out=$(cd "$dir" && timeout 120 miltertest -D sock="inet:$port@127.0.0.1" -D libdir="$TOP/tests/milter" \
        -D declog="$dir/decisions.log" -D errlog="$dir/daemon.log" -D metrics="$url" \
        -s "$TOP/tests/metrics/traffic.lua" 2>"$dir/traffic.err"); rc=$?
  n=0
  while IFS= read -r line; do
    case "$line" in "ok "*) pass "metrics $v traffic: ${line#ok }"; n=$((n + 1)) ;; esac
  done <<<"$out"
  while [ $n -lt $TRAFFIC_CHECKS ]; do
    fail "metrics $v traffic: check $((n + 1)) not reached" "rc=$rc $(head -c 400 "$dir/traffic.err" | tr '\n' ' ')"
    n=$((n + 1))
  done

  # After the run: every session closed (libmilter closes it shortly after the client).
  i=0
  while text=$(scrape "$url"); [ "$(val "$text" spfdkim_sessions_active)" != 0 ]; do
    i=$((i + 1)); [ $i -ge 100 ] && break; sleep 0.1
  done
  echo "$text" > "$dir/after.txt"
  [ "$(val "$text" spfdkim_messages_total)" = 12 ] && pass "metrics $v: spfdkim_messages_total 12 (12 messages decided, the aborted one not counted)" ||
    fail "metrics $v: spfdkim_messages_total 12" "got $(val "$text" spfdkim_messages_total)"
  [ "$(val "$text" spfdkim_sessions_total)" = 11 ] && pass "metrics $v: spfdkim_sessions_total 11 (one per connection, 3 messages on one)" ||
    fail "metrics $v: spfdkim_sessions_total 11" "got $(val "$text" spfdkim_sessions_total)"
  [ "$(val "$text" spfdkim_sessions_active)" = 0 ] && pass "metrics $v: spfdkim_sessions_active back to 0 after the clients left" ||
    fail "metrics $v: spfdkim_sessions_active 0" "got $(val "$text" spfdkim_sessions_active)"
  local want got bad
  check_set() { # name metric "labels=value ..."
    bad=""
    for want in $3; do
      got=$(val "$text" "$2{${want%=*}}")
      [ "$got" = "${want##*=}" ] || bad="$bad ${want%=*}: got $got want ${want##*=};"
    done
    if [ -z "$bad" ]; then pass "metrics $v: $1"; else fail "metrics $v: $1" "$bad"; fi
  }
  check_set "actions: accept 9, quarantine 2, reject 1" spfdkim_actions_total \
    'action="accept"=9 action="quarantine"=2 action="reject"=1 action="save-reject"=0 action="other"=0'
  check_set "spf results: pass 4, softfail 2, fail 1, neutral 1, permerror 1, none 1 (skipped messages have none)" spfdkim_auth_results_total \
    'method="spf",result="pass"=4 method="spf",result="softfail"=2 method="spf",result="fail"=1 method="spf",result="neutral"=1 method="spf",result="permerror"=1 method="spf",result="none"=1 method="spf",result="other"=0'
  check_set "dkim results: none 11 (unsigned; the MAIL-refused message never reached DKIM)" spfdkim_auth_results_total \
    'method="dkim",result="none"=11 method="dkim",result="pass"=0 method="dkim",result="other"=0'
  check_set "arc results: none 11 (the messages DKIM verified carry no ARC set)" spfdkim_auth_results_total \
    'method="arc",result="none"=11 method="arc",result="pass"=0 method="arc",result="fail"=0 method="arc",result="other"=0'
  check_set "skip reasons: auth 1, loopback 1" spfdkim_skipped_total \
    'reason="auth"=1 reason="loopback"=1 reason="whitelist"=0 reason="lan"=0'
  if [ "$(val "$text" 'spfdkim_decision_seconds_bucket{le="+Inf"}')" = 12 ] && [ "$(val "$text" spfdkim_decision_seconds_count)" = 12 ] &&
     [ "$(grep -c '^spfdkim_decision_seconds_bucket' <<<"$text")" = "$(grep -c '^spfdkim_decision_seconds_bucket' "$dir/first")" ]; then
    pass "metrics $v: decision time histogram: 12 observations (count and +Inf bucket)"
  else fail "metrics $v: decision time histogram" "$(grep decision_seconds_count <<<"$text")"; fi
  local files bytes
  files=$(find "$dir/spam/new" -type f | wc -l)
  bytes=$(find "$dir/spam/new" -type f -printf '%b\n' | awk '{s += $1 * 512} END {print s + 0}')
  if [ "$(val "$text" spfdkim_spamfolder_saved_total)" = 2 ] && [ "$(val "$text" spfdkim_spamfolder_save_failures_total)" = 0 ] &&
     [ "$(val "$text" spfdkim_spamfolder_files)" = "$files" ] && [ "$files" = 2 ] && [ "$(val "$text" spfdkim_spamfolder_bytes)" = "$bytes" ]; then
    pass "metrics $v: spam folder: 2 copies written, 0 failed, files 2 and bytes $bytes as on disk"
  else fail "metrics $v: spam folder counters" "saved=$(val "$text" spfdkim_spamfolder_saved_total) files=$(val "$text" spfdkim_spamfolder_files)/$files bytes=$(val "$text" spfdkim_spamfolder_bytes)/$bytes"; fi
  local q l h
  q=$(val "$text" spfdkim_dns_queries_total); l=$(val "$text" spfdkim_dns_lookups_total); h=$(val "$text" spfdkim_dns_cache_hits_total)
  if [ "$q" -gt 0 ] && [ "$l" -ge "$q" ] && [ "$h" -gt 0 ] && [ "$(val "$text" spfdkim_dns_timeouts_total)" -ge 0 ] &&
     [ "$(val "$text" spfdkim_dns_servfail_total)" -ge 0 ]; then
    pass "metrics $v: DNS: $q queries sent, $h cache hits of $l lookups (repeated domains come from the cache)"
  else fail "metrics $v: DNS counters" "queries=$q lookups=$l hits=$h"; fi
  # The same counts as the decision log, line by line.
  bad=""
  for k in action spf dkim skip; do
    while read -r cnt value; do
      case $k in
        action) s="spfdkim_actions_total{action=\"$value\"}" ;;
        spf|dkim) s="spfdkim_auth_results_total{method=\"$k\",result=\"$value\"}" ;;
        skip) s="spfdkim_skipped_total{reason=\"$value\"}" ;;
      esac
      [ "$(val "$text" "$s")" = "$cnt" ] || bad="$bad $s=$(val "$text" "$s") log=$cnt;"
    done < <(grep -o " $k=[^ ]*" "$dir/decisions.log" | grep -v "=-$" | sed "s/^ $k=//" | sort | uniq -c)
  done
  if [ -z "$bad" ] && [ "$(wc -l < "$dir/decisions.log")" = 12 ]; then pass "metrics $v: every action, spf, dkim and skip count equals the decision log's (12 lines)"
  else fail "metrics $v: counts equal the decision log's" "lines=$(wc -l < "$dir/decisions.log")$bad"; fi
  if ! grep -E '^[a-z_]+\{' <<<"$text" | grep -qvE '\{(method="[a-z]+",result|action|reason|le)="[A-Za-z0-9.+-]+"\}'; then
    pass "metrics $v: no per-domain or per-sender labels (only method, result, action, reason, le)"
  else fail "metrics $v: fixed label sets" "$(grep -E '^[a-z_]+\{' <<<"$text" | grep -vE '\{(method="[a-z]+",result|action|reason|le)="[A-Za-z0-9.+-]+"\}' | head -3)"; fi
  if command -v promtool >/dev/null; then
    if out=$(promtool check metrics < "$dir/after.txt" 2>&1); then pass "metrics $v: promtool check metrics accepts the output"
    else fail "metrics $v: promtool check metrics" "$out"; fi
  else skip "metrics $v: promtool check metrics" "promtool (Debian prometheus) not installed"; fi

  # Reloads: one that takes, one refused.
  kill -HUP "$pid"
  i=0; until grep -qF "reloaded configuration" "$dir/daemon.log"; do i=$((i + 1)); [ $i -ge 100 ] && break; sleep 0.1; done
  cp "$dir/m.conf" "$dir/m.good"
  echo "SPFFailAction bogus" >> "$dir/m.conf"
  kill -HUP "$pid"
  i=0; until grep -qF "reload refused" "$dir/daemon.log"; do i=$((i + 1)); [ $i -ge 100 ] && break; sleep 0.1; done
  text=$(scrape "$url")
  [ "$(val "$text" spfdkim_config_reloads_total)" = 1 ] && pass "metrics $v: spfdkim_config_reloads_total 1 after a SIGHUP that took" ||
    fail "metrics $v: spfdkim_config_reloads_total 1" "got $(val "$text" spfdkim_config_reloads_total)"
  [ "$(val "$text" spfdkim_config_reload_failures_total)" = 1 ] && pass "metrics $v: spfdkim_config_reload_failures_total 1 after a refused reload" ||
    fail "metrics $v: spfdkim_config_reload_failures_total 1" "got $(val "$text" spfdkim_config_reload_failures_total)"
  cp "$dir/m.good" "$dir/m.conf"

  kill "$pid"; wait "$pid"; rc=$?
  if [ $rc -eq 0 ] && ! grep -q 'ERROR: AddressSanitizer\|runtime error' "$dir/daemon.log"; then
    pass "metrics $v: clean exit on SIGTERM with the endpoint running (no sanitizer report)"
  else fail "metrics $v: clean exit" "rc=$rc $(grep -m2 'Sanitizer\|runtime error' "$dir/daemon.log")"; fi
}

run_variant release
run_variant asan
