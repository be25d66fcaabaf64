#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 00-dns.sh - the test DNS answers from our zones, and nothing else.
. "$(dirname "$0")/../lib.sh"
plan 4
need_dns || exit 0
host=${TEST_DNS%@*}; port=${TEST_DNS#*@}
q() { $PY -c 'import sys,dns.resolver
r=dns.resolver.Resolver(configure=False); r.nameservers=[sys.argv[1]]; r.port=int(sys.argv[2])
try: print(" ".join(sorted(x.to_text() for x in r.resolve(sys.argv[3], sys.argv[4]))))
except dns.resolver.NXDOMAIN: print("NXDOMAIN")
except dns.resolver.NoAnswer: print("NODATA")' "$host" "$port" "$1" "$2"; }
[ "$(q dnscheck.test TXT)" = '"v=spf1 ip4:192.0.2.1 -all"' ] && pass "test dns serves TXT under .test" || fail "test dns serves TXT under .test"
[ "$(q alias.dnscheck.test A)" = "192.0.2.10" ] && pass "test dns follows CNAME" || fail "test dns follows CNAME"
[ "$(q example.com A)" = "NXDOMAIN" ] && pass "test dns answers NXDOMAIN for unknown names" || fail "test dns answers NXDOMAIN for unknown names"
[ "$(q dnscheck.test MX)" = "NODATA" ] && pass "test dns answers NODATA" || fail "test dns answers NODATA"
