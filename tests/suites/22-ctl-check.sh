#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 22-ctl-check.sh - spfdkim-ctl check: the first line is the
# Authentication-Results value the milter builds, the second the action the
# config takes, computed by the milter itself (started privately) against
# the test DNS (tests/dns/zones/dmarc.zone, milter.zone, dkim.zone).
# Release and ASan+UBSan builds.
. "$(dirname "$0")/../lib.sh"
plan $(( 2 * 9 ))
need_dns || exit 0
FX=$T_TMP/fx
$PY "$TOP/tests/dkim/fixtures.py" gen "$FX" >/dev/null 2>&1 || fail "dkim fixtures generated" "tests/dkim/fixtures.py gen"
printf 'From: CEO <ceo@dmr-reject.test>\nTo: bob@example.test\nSubject: check\nMessage-ID: <c1@example.test>\n\nHello.\n' > "$T_TMP/m1.eml"
printf 'AuthservID mx.test\nDecisionLog %s/prod.decisions\n' "$T_TMP" > "$T_TMP/monitor.conf"
printf 'AuthservID mx.test\nDMARCRejectAction reject\nSPFFailAction reject\n' > "$T_TMP/reject.conf"
printf 'AuthservID mx.test\nDMARCRejectAction bounce\n' > "$T_TMP/bad.conf"

for variant in release asan; do
  CTL=$(bin $variant spfdkim-ctl)
  V="[$variant]"
  if [ ! -x "$CTL" ]; then fail "$V spfdkim-ctl is built" "$CTL missing"; continue; fi
  export ASAN_OPTIONS=detect_leaks=1
  chk() { out=$("$CTL" check "$@" --resolver "$TEST_DNS" 2>&1); rc=$?; l1=$(sed -n 1p <<<"$out"); l2=$(sed -n 2p <<<"$out"); }
  before=$(ls -d /tmp/spfdkim-check.* 2>/dev/null | wc -l)

  chk "$T_TMP/m1.eml" --ip 192.0.2.10 --mail-from u@pass.milter.test --helo mx.pass.milter.test -c "$T_TMP/reject.conf"
  want="mx.test; spf=pass smtp.mailfrom=u@pass.milter.test; dkim=none; arc=none smtp.remote-ip=192.0.2.10; dmarc=fail (p=reject dis=reject) header.from=dmr-reject.test"
  [ "$l1" = "$want" ] && pass "$V check: line 1 is the A-R value: $want" || fail "$V check: line 1 is the A-R value" "rc $rc: $out"
  want="action=reject reason=dmarc reply=550 5.7.26 Unauthenticated mail from dmr-reject.test is refused by its DMARC policy"
  [ "$l2" = "$want" ] && [ $rc -eq 1 ] && pass "$V check: line 2 is the action of the config (DMARCRejectAction reject): $want; exit 1" ||
    fail "$V check: line 2 is the action of the config" "rc $rc: $out"

  chk "$T_TMP/m1.eml" --ip 192.0.2.10 --mail-from u@pass.milter.test --helo mx.pass.milter.test -c "$T_TMP/monitor.conf"
  if [ $rc -eq 0 ] && grep -qF "dmarc=fail (p=reject dis=none) header.from=dmr-reject.test" <<<"$l1" && [ "$l2" = "action=accept reason=- reply=-" ]; then
    pass "$V check: default actions (monitor): dmarc=fail (p=reject dis=none), action=accept, exit 0"
  else fail "$V check: default actions (monitor): accept" "rc $rc: $out"; fi
  [ ! -s "$T_TMP/prod.decisions" ] && pass "$V check: the config's own DecisionLog is not written" ||
    fail "$V check: the config's own DecisionLog is not written" "$(head -2 "$T_TMP/prod.decisions")"

  chk "$FX/good-rsa.eml" --ip 192.0.2.10 --mail-from x@pass.milter.test --helo mx.pass.milter.test -c "$T_TMP/monitor.conf"
  if grep -qF "dkim=pass header.d=d1.dkim.test" <<<"$l1" && grep -qF "dmarc=pass (p=reject dis=none) header.from=d1.dkim.test" <<<"$l1"; then
    pass "$V check: a DKIM-signed message: dkim=pass header.d=d1.dkim.test and DKIM-aligned dmarc=pass on line 1"
  else fail "$V check: a DKIM-signed message: dkim=pass and dmarc=pass" "rc $rc: $out"; fi

  chk "$T_TMP/m1.eml" --ip 192.0.2.10 --mail-from x@fail.milter.test --helo mx.pass.milter.test -c "$T_TMP/reject.conf"
  if [ $rc -eq 1 ] && [ "$l1" = "(none: refused at MAIL FROM, before the message)" ] && grep -q '^action=reject reason=spf reply=550 5.7.23 ' <<<"$l2"; then
    pass "$V check: SPFFailAction reject refuses at MAIL FROM: no A-R, action=reject reason=spf 550 5.7.23"
  else fail "$V check: SPFFailAction reject refuses at MAIL FROM" "rc $rc: $out"; fi

  out=$("$CTL" check "$T_TMP/m1.eml" --ip 192.0.2.10 --helo x 2>&1); rc=$?
  [ $rc -eq 2 ] && grep -q '^usage: spfdkim-ctl check FILE' <<<"$out" && pass "$V check: without --mail-from: usage, exit 2" ||
    fail "$V check: without --mail-from: usage, exit 2" "rc $rc: $out"
  chk "$T_TMP/m1.eml" --ip 192.0.2.10 --mail-from u@pass.milter.test --helo x -c "$T_TMP/bad.conf"
  [ $rc -eq 2 ] && grep -qF "$T_TMP/bad.conf:2: DMARCRejectAction" <<<"$out" && pass "$V check: a bad config is refused naming FILE:LINE, exit 2" ||
    fail "$V check: a bad config is refused naming FILE:LINE" "rc $rc: $out"
  after=$(ls -d /tmp/spfdkim-check.* 2>/dev/null | wc -l)
  [ "$after" -le "$before" ] && pass "$V check: its temporary directory is removed" ||
    fail "$V check: its temporary directory is removed" "$(ls -d /tmp/spfdkim-check.* | head -3)"
done
