#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 23-arc.sh - ARC verification (RFC 8617) through spfdkim-ctl check, which
# runs the real milter against the test DNS: chains sealed by dkimpy's
# arc_sign (tests/dkim/arc_fixtures.py; sealers d1/d2.dkim.test, keys in
# tests/dns/zones/dkim.zone) give arc=pass, a broken seal, a changed body
# and a wrong instance number arc=fail, no ARC fields arc=none; dkimpy's own
# arc_verify agrees on every fixture. ARCTrustedSealers: a DMARC p=reject
# failure is accepted (dmarc_override=arc) only when the chain passes and its
# newest sealer is listed. Release and ASan+UBSan builds.
. "$(dirname "$0")/../lib.sh"
NFX=6
plan $(( NFX + 1 + 2 * (NFX + 4) ))
need_dns || exit 0
FX=$T_TMP/arc
$PY "$TOP/tests/dkim/arc_fixtures.py" gen "$FX" >"$T_TMP/gen.log" 2>&1 || fail "ARC fixtures generated" "$(tail -3 "$T_TMP/gen.log")"

while IFS=$'\t' read -r name want what; do
  got=$($PY "$TOP/tests/dkim/arc_fixtures.py" dkimpy "$FX/$name.eml" 2>&1 | tail -1)
  [ "${got%% *}" = "$want" ] && pass "dkimpy arc_verify agrees: $what: cv=$want" ||
    fail "dkimpy arc_verify agrees: $what: cv=$want" "dkimpy: $got"
done <"$FX/expect"

printf 'AuthservID mx.test\nARCTrustedSealers lists.example.org bad..name\n' >"$T_TMP/bad.conf"
out=$("$(bin release spfdkim-milter)" -n -c "$T_TMP/bad.conf" 2>&1); rc=$?
[ $rc -ne 0 ] && grep -qF "$T_TMP/bad.conf:2: ARCTrustedSealers: \"bad..name\" is not a domain name" <<<"$out" &&
  pass "spfdkim-milter -n refuses ARCTrustedSealers with a non-domain, naming FILE:LINE and the token" ||
  fail "spfdkim-milter -n refuses ARCTrustedSealers with a non-domain" "rc $rc: $out"

printf 'AuthservID mx.test\nDMARCRejectAction reject\n' >"$T_TMP/plain.conf"
printf 'AuthservID mx.test\nDMARCRejectAction reject\nARCTrustedSealers example.org, d2.dkim.test\n' >"$T_TMP/trust-d2.conf"
printf 'AuthservID mx.test\nDMARCRejectAction reject\nARCTrustedSealers d1.dkim.test\n' >"$T_TMP/trust-d1.conf"

for variant in release asan; do
  CTL=$(bin $variant spfdkim-ctl)
  V="[$variant]"
  if [ ! -x "$CTL" ]; then
    for _ in $(seq $(( NFX + 4 ))); do fail "$V spfdkim-ctl is built" "$CTL missing"; done
    continue
  fi
  export ASAN_OPTIONS=detect_leaks=1
  chk() { out=$("$CTL" check "$1" --ip 192.0.2.10 --mail-from u@pass.milter.test --helo mx.pass.milter.test \
      -c "$2" --resolver "$TEST_DNS" 2>&1); rc=$?; l1=$(sed -n 1p <<<"$out"); l2=$(sed -n 2p <<<"$out"); l3=$(sed -n 3p <<<"$out"); }

  while IFS=$'\t' read -r name want what; do
    chk "$FX/$name.eml" "$T_TMP/plain.conf"
    if grep -qE "; arc=$want( \([^)]*\))? smtp\.remote-ip=192\.0\.2\.10;" <<<"$l1" && grep -qE "(^| )arc=$want( |$)" <<<"$l3"; then
      pass "$V $what: A-R says arc=$want smtp.remote-ip=192.0.2.10, decision line arc=$want"
    else fail "$V $what: arc=$want in A-R and decision line" "rc $rc: $out"; fi
  done <"$FX/expect"

  chk "$FX/arc-pass-1.eml" "$T_TMP/trust-d2.conf"
  if [ $rc -eq 0 ] && [ "$l2" = "action=accept reason=- reply=-" ] && grep -qF "dmarc=fail (p=reject dis=none)" <<<"$l1" &&
     grep -q ' dmarc_override=arc ' <<<"$l3" && grep -q ' arc_d=d2.dkim.test ' <<<"$l3"; then
    pass "$V ARCTrustedSealers d2.dkim.test: DMARC p=reject failure sealed by d2 is accepted, decision dmarc_override=arc arc_d=d2.dkim.test"
  else fail "$V ARCTrustedSealers: trusted sealer overrides the DMARC failure" "rc $rc: $out"; fi
  chk "$FX/arc-pass-1.eml" "$T_TMP/plain.conf"
  [ $rc -eq 1 ] && grep -q '^action=reject reason=dmarc' <<<"$l2" && grep -q ' dmarc_override=- ' <<<"$l3" &&
    pass "$V no ARCTrustedSealers: a passing chain does not override DMARC (action=reject reason=dmarc)" ||
    fail "$V no ARCTrustedSealers: DMARC still rejects" "rc $rc: $out"
  chk "$FX/arc-pass-2.eml" "$T_TMP/trust-d1.conf"
  [ $rc -eq 1 ] && grep -q '^action=reject reason=dmarc' <<<"$l2" && grep -q ' dmarc_override=- ' <<<"$l3" &&
    pass "$V ARCTrustedSealers d1.dkim.test: a chain whose newest sealer is d2 does not override DMARC" ||
    fail "$V only the newest sealer counts" "rc $rc: $out"
  chk "$FX/arc-badseal.eml" "$T_TMP/trust-d2.conf"
  [ $rc -eq 1 ] && grep -q '^action=reject reason=dmarc' <<<"$l2" && grep -q ' dmarc_override=- ' <<<"$l3" &&
    pass "$V ARCTrustedSealers d2.dkim.test: a broken d2 seal does not override DMARC" ||
    fail "$V a failing chain never overrides" "rc $rc: $out"
done
