#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 53-dmarc-interop.sh - our DMARC verdicts beside OpenDMARC's on the same
# messages and the same DNS (tests/dmarc/corpus.py: over 200 messages: pass,
# fail by alignment only, p=none/quarantine/reject, sp, pct, sub-domains,
# missing and broken records, DNS failure, several From: domains).
#
# OpenDMARC's library asks the resolver of /etc/resolv.conf on port 53, so
# both milters run in a network and mount namespace made here: loopback
# only, the test unbound on 127.0.0.1:53 serving tests/dns/zones and the
# corpus zone, and a private resolv.conf bind-mounted over /etc/resolv.conf.
# OpenDMARC checks SPF itself (SPFSelfValidate, same DNS) and gets our
# dkim= results in a trusted Authentication-Results field (it does not
# verify DKIM), so the comparison is of the DMARC step. Every difference is printed with the RFC 7489 section that explains
# it; one without an explanation fails the suite.
. "$(dirname "$0")/../lib.sh"
plan 5
M=$(bin release spfdkim-milter)
[ -x "$M" ] || { fail "dmarc interop: milter/spfdkim-milter is built" "missing $M"; exit 0; }
command -v opendmarc >/dev/null || { skip "dmarc interop: OpenDMARC beside spfdkim-milter" "opendmarc is not installed (tools/install-deps.sh test)"; exit 0; }
unshare --net --mount --fork true 2>/dev/null || { skip "dmarc interop: OpenDMARC beside spfdkim-milter" "cannot create a network namespace here"; exit 0; }

C=$T_TMP/corpus
n=$(/usr/bin/python3 "$TOP/tests/dmarc/corpus.py" gen "$C" 2>"$T_TMP/gen.err")
if [ "${n:-0}" -ge 200 ]; then pass "dmarc interop: the corpus has $n messages (>= 200)"
else fail "dmarc interop: the corpus has >= 200 messages" "${n:-0}: $(head -3 "$T_TMP/gen.err")"; fi

# Everything below runs inside the namespace.
cat > "$T_TMP/inner.sh" <<'INNER'
set -u
ip link set lo up
echo "nameserver 127.0.0.1" > "$W/resolv.conf"
mount --bind "$W/resolv.conf" /etc/resolv.conf
DNS=$(DNS_PORT=53 EXTRA_ZONES=$C/dmarc-corpus.zone bash "$TOP/tests/dns/unbound.sh" start "$W/dns") || { echo "INNER: unbound did not start"; exit 1; }
# OpenDMARC's own list code knows no implicit "*" rule: list "test" for it.
{ cat /usr/share/publicsuffix/public_suffix_list.dat; echo test; } > "$W/psl.dat"
cat > "$W/ours.conf" <<EOC
Socket inet:8894@127.0.0.1
Resolver 127.0.0.1@53
AuthservID mx.test
DNSTimeout 2
DecisionLog $W/decisions.log
EOC
cat > "$W/opendmarc.conf" <<EOC
Socket inet:8895@127.0.0.1
AuthservID odmarc.test
TrustedAuthservIDs mx.test
SPFSelfValidate true
SPFIgnoreResults false
IgnoreAuthenticatedClients false
RejectFailures false
PublicSuffixList $W/psl.dat
PidFile $W/opendmarc.pid
Syslog false
FailureReports false
EOC
"$M" -f -c "$W/ours.conf" 2>"$W/ours.log" & p1=$!
opendmarc -f -c "$W/opendmarc.conf" 2>"$W/opendmarc.log" & p2=$!
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/8894 && exec 4<>/dev/tcp/127.0.0.1/8895) 2>/dev/null && break
  sleep 0.1
done
echo "INNER: started"
timeout 900 miltertest -D ours=inet:8894@127.0.0.1 -D theirs=inet:8895@127.0.0.1 -D corpus="$C" \
  -D results="$W/results" -D libdir="$TOP/tests/milter" -D dir="$W" -D declog="$W/decisions.log" \
  -s "$TOP/tests/dmarc/interop.lua" > "$W/mt.out" 2> "$W/mt.err"
echo "INNER: miltertest exit $?"
kill $p1 $p2; wait $p1 $p2 2>/dev/null
bash "$TOP/tests/dns/unbound.sh" stop "$W/dns"
INNER
W=$T_TMP/ns; mkdir -p "$W"
W=$W C=$C TOP=$TOP M=$M timeout 1200 unshare --net --mount --fork bash "$T_TMP/inner.sh" > "$T_TMP/inner.out" 2>&1
if grep -q '^INNER: started' "$T_TMP/inner.out"; then pass "dmarc interop: spfdkim-milter and opendmarc run in a loopback-only namespace with the corpus DNS on 127.0.0.1:53"
else fail "dmarc interop: both milters start in the namespace" "$(tail -3 "$T_TMP/inner.out") $(tail -2 "$W/opendmarc.log" 2>/dev/null)"; fi
if grep -q '^INNER: miltertest exit 0' "$T_TMP/inner.out" && [ "$(wc -l < "$W/results" 2>/dev/null)" = "${n:-x}" ]; then
  pass "dmarc interop: all $n messages went through both milters"
else fail "dmarc interop: all messages went through both milters" "$(tail -2 "$T_TMP/inner.out") $(head -c 400 "$W/mt.err" 2>/dev/null)"; fi

/usr/bin/python3 "$TOP/tests/dmarc/corpus.py" compare "$C" "$W/results" > "$T_TMP/compare.out"; rc=$?
# The comparison, every difference with its explanation, in the test output.
grep -E '^(DIFF|UNEXPLAINED|MISSING|STALE|TOTAL)' "$T_TMP/compare.out" | sed 's/^/  /'
tot=$(sed -n 's/^TOTAL //p' "$T_TMP/compare.out")
if [ $rc -eq 0 ]; then pass "dmarc interop: every difference from OpenDMARC is explained by an RFC section ($tot)"
else fail "dmarc interop: every difference from OpenDMARC is explained by an RFC section" "$tot; $(grep -m3 -E '^(UNEXPLAINED|MISSING)' "$T_TMP/compare.out" | tr '\n' ' ')"; fi
stale=$(sed -n 's/^TOTAL .* stale \([0-9]*\)$/\1/p' "$T_TMP/compare.out")
if [ "${stale:-x}" = 0 ]; then pass "dmarc interop: every difference the corpus names (RFC section given) did occur: none is stale"
else fail "dmarc interop: every difference the corpus names did occur" "$(grep -m3 '^STALE' "$T_TMP/compare.out" | tr '\n' ' ')"; fi
