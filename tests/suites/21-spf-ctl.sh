#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 21-spf-ctl.sh - spfdkim-ctl spf / spf-record / spf-audit against the SPF
# records of tests/dns/zones/spf-ctl.zone served by the test unbound,
# including bad input (malformed and duplicate records, a giant TXT, a CNAME
# loop, a DNS timeout), the DNS cache, and .test names via a forwarder.
# Run under the release and the ASan+UBSan builds.
. "$(dirname "$0")/../lib.sh"
plan $(( 2 * 44 + 6 ))   # per variant 44, then dns 5 and spf_bench 1
need_dns || exit 0

# A forwarder that never answers: a UDP socket we own that reads nothing.
dead_port=$(free_port)
$PY -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",int(sys.argv[1])))
time.sleep(600)' "$dead_port" &
track_pid $!

for variant in release asan; do
  CTL=$(bin $variant spfdkim-ctl)
  if [ ! -x "$CTL" ]; then fail "$variant spfdkim-ctl is built" "$CTL missing"; continue; fi
  export ASAN_OPTIONS=detect_leaks=1
  V="[$variant]"

  # spfctl IP SENDER [extra args]: runs a check, output in $out, exit in $rc.
  spfctl() { local ip=$1 from=$2; shift 2
    out=$("$CTL" spf --ip "$ip" --mail-from "$from" --helo mx.client.test --resolver "$TEST_DNS" "$@" 2>&1); rc=$?; }
  # expect NAME RESULT IP SENDER [extra]: line 1 must be RESULT, never a crash.
  expect() { local name=$1 want=$2; shift 2; spfctl "$@"
    if [ $rc -gt 1 ]; then fail "$V $name" "exit $rc: $(tr '\n' ' ' <<< "$out")"
    elif [ "$(head -1 <<< "$out")" = "$want" ]; then pass "$V $name"
    else fail "$V $name" "got: $(tr '\n' ' ' <<< "$out")"; fi; }

  expect "spf: an address in the record's ip4 network passes" pass 192.0.2.5 a@pass.spf.test
  expect "spf: a record split across strings (\"v=spf\" \"1 ...\") is joined before it is recognised" pass 192.0.2.5 a@split.spf.test
  expect "spf: an IPv6 client in the ip6 network passes" pass 2001:db8:1::5 a@pass.spf.test
  expect "spf: an IPv4-mapped IPv6 client is checked as IPv4" pass ::ffff:192.0.2.5 a@pass.spf.test
  expect "spf: an address outside ~all gets softfail" softfail 198.51.100.9 a@softfail.spf.test
  expect "spf: ?all gives neutral" neutral 198.51.100.9 a@neutral.spf.test
  expect "spf: a domain with only non-SPF TXT gives none" none 198.51.100.9 a@noneonly.spf.test
  expect "spf: an unknown .test domain gives none" none 198.51.100.9 a@nowhere.spf.test
  expect "spf: include: passes through the included record's mx" pass 198.51.100.25 a@inc.spf.test
  expect "spf: redirect= uses the target's record" pass 192.0.2.5 a@redir.spf.test
  expect "spf: mx and a:name mechanisms match" pass 198.51.100.80 a@mx.spf.test
  expect "spf: the null sender checks the HELO name" fail 198.51.100.9 "" --helo pass.spf.test
  expect "spf: --header-from checks the From: domain" pass 192.0.2.5 a@nowhere.spf.test --header-from b@pass.spf.test
  expect "spf: --header-from reads a whole From: value as the milter does (the address, not the comment)" pass 192.0.2.5 a@nowhere.spf.test --header-from '"B (x <b@nowhere.spf.test>)" <b@pass.spf.test>'
  expect "spf: --header-from with two domains is policy (the milter's bad-from), not either domain's result" policy 192.0.2.5 a@pass.spf.test --header-from '<b@pass.spf.test>, <c@nowhere.spf.test>'
  spfctl 192.0.2.9 a@exp.spf.test
  if [ "$(sed -n 2p <<< "$out")" = "explanation: 192.0.2.9 is not one of exp.spf.test's designated mail servers." ]; then
    pass "$V spf: fail prints the exp= explanation with macros expanded"
  else fail "$V spf: fail prints the exp= explanation with macros expanded" "$(tr '\n' ' ' <<< "$out")"; fi
  grep -q '^dns lookups: ' <<< "$out" && grep -q '^time: [0-9]* ms$' <<< "$out" \
    && pass "$V spf: prints the DNS lookups made and the time spent" \
    || fail "$V spf: prints the DNS lookups made and the time spent" "$(tr '\n' ' ' <<< "$out")"

  # Bad input: the right result, never a crash.
  expect "spf: a malformed record (ip4:192.0.2.300) is permerror" permerror 192.0.2.5 a@malformed.spf.test
  expect "spf: an unknown mechanism is permerror" permerror 192.0.2.5 a@badmech.spf.test
  expect "spf: two SPF records are permerror" permerror 192.0.2.1 a@two.spf.test
  expect "spf: a third void lookup is permerror" permerror 192.0.2.1 a@void.spf.test
  expect "spf: a self-include stops at 10 lookups with permerror" permerror 192.0.2.1 a@selfinc.spf.test
  expect "spf: the 10-lookup count runs across include: (6 + 5 terms is permerror)" permerror 192.0.2.1 a@chain.spf.test
  expect "spf: 5 + 5 DNS-querying terms across an include: is within the limit" pass 192.0.2.1 a@chain10.spf.test
  expect "spf: an 11th DNS-querying term is permerror" permerror 192.0.2.1 a@eleven.spf.test
  expect "spf: a TXT record with no strings beside the SPF record (RFC 7208 null-text) passes, not temperror" pass 192.0.2.5 a@nulltext.spf.test
  expect "spf: a TXT string that overruns its record is a DNS error: temperror, not none" temperror 192.0.2.1 a@overrun.spf.test
  expect "spf: a broken TXT record beside a good SPF record is a DNS error: temperror" temperror 192.0.2.1 a@overrun2.spf.test
  expect "spf: a CNAME loop at the sender domain is temperror" temperror 192.0.2.1 a@loop1.spf.test
  expect "spf: include: of a CNAME loop is temperror" temperror 192.0.2.1 a@incloop.spf.test
  expect "spf: a 5 KB record in 255-octet strings is read whole (TCP) and its last term matches" pass 192.0.2.77 a@giant.spf.test
  expect "spf: a 14 KB record over the size cap is permerror" permerror 192.0.2.88 a@huge.spf.test
  spfctl 192.0.2.88 a@huge.spf.test
  grep -q '^problem: .*exceeds the cap' <<< "$out" && pass "$V spf: the giant record's problem line names the cap" \
    || fail "$V spf: the giant record's problem line names the cap" "$(tr '\n' ' ' <<< "$out")"
  out=$("$CTL" spf --ip 192.0.2.5 --mail-from a@pass.spf.test --helo h.test --resolver "127.0.0.1@$dead_port" --timeout 300 2>&1); rc=$?
  [ "$(head -1 <<< "$out")" = temperror ] && [ $rc -eq 1 ] && pass "$V spf: a forwarder that never answers gives temperror after the timeout" \
    || fail "$V spf: a forwarder that never answers gives temperror after the timeout" "rc=$rc $(tr '\n' ' ' <<< "$out")"
  out=$("$CTL" spf --ip 192.0.2.5 --mail-from a@pass.spf.test --helo h.test --resolver "127.0.0.1@$dead_port" --timeout 5000 --budget 300 2>&1); rc=$?
  [ "$(head -1 <<< "$out")" = temperror ] && pass "$V spf: the whole-check budget ends a slow lookup with temperror" \
    || fail "$V spf: the whole-check budget ends a slow lookup with temperror" "rc=$rc $(tr '\n' ' ' <<< "$out")"
  out=$("$CTL" spf --ip 999.1.1.1 --mail-from a@pass.spf.test --helo h.test --resolver "$TEST_DNS" 2>&1); rc=$?
  [ $rc -eq 2 ] && pass "$V spf: a bad --ip is a usage error naming the input" || fail "$V spf: a bad --ip is a usage error naming the input" "rc=$rc $out"

  # Cache: the second identical check sends nothing upstream.
  spfctl 198.51.100.25 a@inc.spf.test --repeat 2
  if grep -q '^repeat 2: pass, dns lookups [1-9][0-9]*, upstream queries 0,' <<< "$out" && grep -q 'upstream [1-9]' <<< "$out"; then
    pass "$V spf: a second identical check is answered from the cache (0 upstream queries)"
  else fail "$V spf: a second identical check is answered from the cache (0 upstream queries)" "$(tr '\n' ' ' <<< "$out")"; fi

  # spf-record
  out=$("$CTL" spf-record --domain out.example.test --ip 192.0.2.1 --ip 2001:db8::/32 --ip ::ffff:198.51.100.0/120 2>&1); rc=$?
  [ "$out" = 'out.example.test. 3600 IN TXT "v=spf1 ip4:192.0.2.1 ip6:2001:db8::/32 ip4:198.51.100.0/24 -all"' ] && [ $rc -eq 0 ] \
    && pass "$V spf-record prints a TXT record with ip4/ip6 terms and -all" || fail "$V spf-record prints a TXT record with ip4/ip6 terms and -all" "rc=$rc $out"
  args=(); for i in $(seq 1 60); do args+=(--ip "2001:db8:$i::/48"); done
  out=$("$CTL" spf-record --domain big.example.test "${args[@]}" 2>&1); rc=$?
  rec=$($PY -c 'import re,sys; print("".join(re.findall(r"\"([^\"]*)\"", sys.stdin.read())))' <<< "$out")
  if [ $rc -eq 0 ] && [ "$(grep -o '"[^"]*"' <<< "$out" | awk '{ if (length($0) > 257) bad=1 } END { print bad+0 }')" = 0 ] \
     && [ "$(wc -w <<< "$rec")" = 62 ]; then pass "$V spf-record splits a long record into strings of at most 255 octets"
  else fail "$V spf-record splits a long record into strings of at most 255 octets" "rc=$rc $out"; fi
  "$CTL" spf-record --domain x.test --ip 300.1.1.1 >/dev/null 2>&1; [ $? -eq 2 ] && pass "$V spf-record rejects a bad address" || fail "$V spf-record rejects a bad address"

  # spf-audit
  out=$("$CTL" spf-audit --domain inc.spf.test --ip 192.0.2.7 --ip 198.51.100.25 --ip 203.0.113.1 --resolver "$TEST_DNS" 2>&1); rc=$?
  if grep -q '^record: v=spf1 include:pass.spf.test include:mx.spf.test -all$' <<< "$out" \
     && grep -q '^192.0.2.7: pass' <<< "$out" && grep -q '^198.51.100.25: pass' <<< "$out" \
     && grep -q '^203.0.113.1: fail' <<< "$out" && grep -q '^dns lookups needed: 4 ' <<< "$out" && [ $rc -eq 1 ]; then
    pass "$V spf-audit shows the record, which IPs pass, and the lookups it needs"
  else fail "$V spf-audit shows the record, which IPs pass, and the lookups it needs" "rc=$rc $(tr '\n' ' ' <<< "$out")"; fi
  out=$("$CTL" spf-audit --domain eleven.spf.test --ip 192.0.2.1 --resolver "$TEST_DNS" 2>&1); rc=$?
  grep -q '^WARNING: the record needs 11 DNS lookups, more than the limit of 10' <<< "$out" && [ $rc -eq 1 ] \
    && pass "$V spf-audit warns when a record needs more than 10 lookups" \
    || fail "$V spf-audit warns when a record needs more than 10 lookups" "rc=$rc $(tr '\n' ' ' <<< "$out")"
  out=$("$CTL" spf-audit --domain selfinc.spf.test --ip 192.0.2.1 --resolver "$TEST_DNS" 2>&1); rc=$?
  grep -q '^WARNING' <<< "$out" && [ $rc -eq 1 ] && pass "$V spf-audit survives an include loop and warns" \
    || fail "$V spf-audit survives an include loop and warns" "rc=$rc $(tr '\n' ' ' <<< "$out")"
  out=$("$CTL" spf-audit --domain nowhere.spf.test --ip 192.0.2.1 --resolver "$TEST_DNS" 2>&1); rc=$?
  grep -q '^record: none' <<< "$out" && [ $rc -eq 2 ] && pass "$V spf-audit says so when no record is published" \
    || fail "$V spf-audit says so when no record is published" "rc=$rc $(tr '\n' ' ' <<< "$out")"
done

# The DNS layer itself: .test names through a forwarder, NXDOMAIN and NODATA,
# the cache for negative answers, and a timeout.
DIG=$(bin release spf_dig)
if [ -x "$DIG" ]; then
  out=$("$DIG" "$TEST_DNS" pass.spf.test TXT nx.spf.test A nx.spf.test A pass.spf.test MX 2>&1)
  grep -q '^pass.spf.test 16 OK 1 ' <<< "$out" && pass "dns: a .test name resolves through the forwarder (libunbound's local zone is off)" \
    || fail "dns: a .test name resolves through the forwarder (libunbound's local zone is off)" "$(tr '\n' ' ' <<< "$out")"
  [ "$(grep -c '^nx.spf.test 1 NXDOMAIN' <<< "$out")" = 2 ] && grep -q '^nx.spf.test 1 NXDOMAIN 0 ttl=[0-9]* cache' <<< "$out" \
    && pass "dns: NXDOMAIN is cached (negative answer served from the cache)" || fail "dns: NXDOMAIN is cached (negative answer served from the cache)" "$(tr '\n' ' ' <<< "$out")"
  grep -q '^pass.spf.test 15 NODATA' <<< "$out" && pass "dns: NODATA is told apart from NXDOMAIN" || fail "dns: NODATA is told apart from NXDOMAIN" "$(tr '\n' ' ' <<< "$out")"
  grep -q '^stats lookups=4 cache_hits=1 upstream=3 timeouts=0' <<< "$out" && pass "dns: counters count lookups, cache hits and upstream queries" \
    || fail "dns: counters count lookups, cache hits and upstream queries" "$(tail -1 <<< "$out")"
  out=$("$DIG" -t 300 "127.0.0.1@$dead_port" pass.spf.test TXT 2>&1)
  grep -q '^pass.spf.test 16 timeout' <<< "$out" && grep -q 'timeouts=1' <<< "$out" && pass "dns: a query to a silent server times out and is counted" \
    || fail "dns: a query to a silent server times out and is counted" "$(tr '\n' ' ' <<< "$out")"
else
  fail "dns: the spf_dig test program is built" "$DIG missing (make all)"
fi

# The benchmark program (make bench) over its 50-domain workload: every check
# passes and a warm cache sends nothing upstream.
BENCHP=$(bin release spf_bench)
if [ -x "$BENCHP" ]; then
  out=$("$BENCHP" -n 2000 -j 2 "$TEST_DNS" 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -q '^spf results: pass=2000$' <<< "$out" && grep -q '^spf checks/s: [0-9]' <<< "$out" \
     && grep -q '^upstream queries per check: 0.0000$' <<< "$out"; then
    pass "spf_bench: 50-domain workload passes with 0 upstream queries per check on a warm cache"
  else fail "spf_bench: 50-domain workload passes with 0 upstream queries per check on a warm cache" "rc=$rc $(tr '\n' ' ' <<< "$out")"; fi
else
  fail "spf_bench: 50-domain workload passes with 0 upstream queries per check on a warm cache" "$BENCHP missing (make all)"
fi
