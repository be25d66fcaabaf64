#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 50-dkim-verify.sh - spfdkim-ctl dkim-verify gives the RFC 6376/8601 verdict
# for each signature, with keys from the test DNS (tests/dns/zones/dkim.zone),
# including every case where OpenDKIM (opendkim -t) is wrong.
# Fixtures: tests/dkim/fixtures.py (expected verdicts in its "expect" file).
. "$(dirname "$0")/../lib.sh"
need_dns || exit 0

fx="$T_TMP/fx"
if ! $PY "$TOP/tests/dkim/fixtures.py" gen "$fx" > /dev/null 2> "$T_TMP/gen.err"; then
  fail "dkim fixtures are generated" "$(tail -3 "$T_TMP/gen.err" | tr '\n' ' ')"
  exit 0
fi

# Plan: each fixture of the expect file under release and ASan, 14 more.
plan $(( 2 * $(grep -c . "$fx/expect") + 14 ))

verdicts() { sed -n 's/^dkim=\([a-z]*\).*/\1/p' "$1" | tr '\n' ' ' | sed 's/ $//'; }

for variant in release asan; do
  ctl=$(bin $variant spfdkim-ctl)
  [ -x "$ctl" ] || { fail "$variant spfdkim-ctl is built" "$ctl missing"; continue; }
  while IFS=$'\t' read -r name rest; do
    want=${rest%% / *}; what=${rest#* / }
    out="$T_TMP/$variant-$name.out"
    ASAN_OPTIONS=detect_leaks=1 "$ctl" dkim-verify "$fx/$name.eml" --resolver "$TEST_DNS" > "$out" 2> "$out.err"
    rc=$?
    got=$(verdicts "$out")
    if [ "$got" = "$want" ] && [ $rc -le 1 ] && ! grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error' "$out.err"; then
      pass "$variant dkim-verify: $what"
    else
      fail "$variant dkim-verify: $what" "want '$want', got '$got' (rc=$rc): $(head -c 400 "$out" "$out.err" | tr '\n' ' ')"
    fi
  done < "$fx/expect"
done

ctl=$(bin release spfdkim-ctl)
# Every non-pass verdict says why, for the admin's log.
out=$("$ctl" dkim-verify "$fx/key-missing.eml" --resolver "$TEST_DNS")
case "$out" in
  *'reason="no key record at missing._domainkey.d1.dkim.test (NXDOMAIN)"'*) pass "a missing key is explained: no key record at NAME (NXDOMAIN)" ;;
  *) fail "a missing key is explained: no key record at NAME (NXDOMAIN)" "$out" ;;
esac
out=$("$ctl" dkim-verify "$fx/key-tempfail-only.eml" --resolver "$TEST_DNS")
case "$out" in
  *'reason="key lookup r2048._domainkey.tmpfail.dkim.test failed: SERVFAIL"'*) pass "a failing key lookup is explained: key lookup NAME failed: SERVFAIL" ;;
  *) fail "a failing key lookup is explained: key lookup NAME failed: SERVFAIL" "$out" ;;
esac
out=$("$ctl" dkim-verify "$fx/good-rsa.eml" --resolver "$TEST_DNS")
if [[ "$out" =~ ^dkim=pass\ header.d=d1.dkim.test\ header.s=r2048\ header.b=[A-Za-z0-9+/]{8}\ header.i=@d1.dkim.test\ header.a=rsa-sha256$ ]]; then
  pass "dkim-verify prints dkim=pass header.d= header.s= header.b=(8 chars) header.i= header.a="
else
  fail "dkim-verify prints dkim=pass header.d= header.s= header.b=(8 chars) header.i= header.a=" "$out"
fi
"$ctl" dkim-verify "$fx/good-rsa.eml" --resolver "$TEST_DNS" > /dev/null; rc1=$?
"$ctl" dkim-verify "$fx/tampered-body.eml" --resolver "$TEST_DNS" > /dev/null; rc2=$?
"$ctl" dkim-verify "$T_TMP/does-not-exist.eml" > /dev/null 2>&1; rc3=$?
[ "$rc1$rc2$rc3" = "012" ] && pass "dkim-verify exits 0 on pass, 1 otherwise, 2 on a missing file" \
  || fail "dkim-verify exits 0 on pass, 1 otherwise, 2 on a missing file" "got $rc1 $rc2 $rc3"
out=$("$ctl" dkim-verify "$fx/key-512.eml" --resolver "$TEST_DNS" --min-key-bits 512)
case "$out" in dkim=pass*) pass "--min-key-bits 512 accepts the 512-bit key" ;; *) fail "--min-key-bits 512 accepts the 512-bit key" "$out" ;; esac
out=$("$ctl" dkim-verify "$fx/six-signatures.eml" --resolver "$TEST_DNS" --max-signatures 4 | wc -l)
[ "$out" = 4 ] && pass "--max-signatures 4 evaluates 4 of 6 signatures" || fail "--max-signatures 4 evaluates 4 of 6 signatures" "$out lines"

# The same fixtures under OpenDKIM, where it is installed: show each correction.
if command -v opendkim > /dev/null; then
  printf 'server:\n  module-config: "iterator"\n  local-zone: "test." nodefault\n  do-not-query-localhost: no\nforward-zone:\n  name: "."\n  forward-addr: %s\n' "$TEST_DNS" > "$T_TMP/ub.conf"
  printf 'Mode v\nResolverConfiguration %s\nSyslog no\nMinimumKeyBits 1024\n' "$T_TMP/ub.conf" > "$T_TMP/od.conf"
  for c in "zb-tag:pass" "key-wrong-k:permerror" "key-unknown-k:permerror" "key-h-sha1:permerror" "key-bad-p:permerror" "key-bad-der:permerror"; do
    name=${c%%:*}; want=${c#*:}
    od=$(timeout 30 opendkim -x "$T_TMP/od.conf" -t "$fx/$name.eml" 2>&1 | head -1 | sed 's/^opendkim: [^:]*: verification //')
    ours=$(verdicts <("$ctl" dkim-verify "$fx/$name.eml" --resolver "$TEST_DNS"))
    if [ "$ours" = "$want" ]; then
      pass "correction over OpenDKIM, $name: we say $want (opendkim -t: ${od:-no output})"
    else
      fail "correction over OpenDKIM, $name: we say $want (opendkim -t: ${od:-no output})" "we said $ours"
    fi
  done
else
  for c in zb-tag key-wrong-k key-unknown-k key-h-sha1 key-bad-p key-bad-der; do
    skip "correction over OpenDKIM, $c" "opendkim is not installed (apt-get install opendkim)"
  done
fi

# One engine shared by many threads, as libmilter's threads share it.
keys="$T_TMP/keys"; mkdir -p "$keys"
cp "$TOP"/tests/dkim/keys/r2048.private "$TOP"/tests/dkim/keys/ed1.private "$keys/"; chmod 600 "$keys"/*.private
printf 'rsa d1.dkim.test:r2048:%s/r2048.private\ned d1.dkim.test:ed1:%s/ed1.private\n' "$keys" "$keys" > "$T_TMP/KeyTable"
printf '*@d1.dkim.test rsa\n*@d1.dkim.test ed\n' > "$T_TMP/SigningTable"
"$(bin release dkim_sign_file)" -k "$T_TMP/KeyTable" -S "refile:$T_TMP/SigningTable" "$fx/unsigned.eml" > "$T_TMP/dual.eml" 2>/dev/null
for variant in release asan; do
  t=$(bin $variant dkim_threads)
  [ -x "$t" ] || { fail "$variant: 8 threads sharing one engine" "$t is not built"; continue; }
  out=$(ASAN_OPTIONS=detect_leaks=1 "$t" -k "$T_TMP/KeyTable" -S "refile:$T_TMP/SigningTable" -r "$TEST_DNS" -j 8 -n 25 "$T_TMP/dual.eml" 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -q '^threads=8 rounds=25 verified=200 passed=200 signed=200$' <<< "$out" && ! grep -q 'Sanitizer\|runtime error' <<< "$out"; then
    pass "$variant: 8 threads sharing one engine: 200 verifications pass and 200 dual signatures are made"
  else
    fail "$variant: 8 threads sharing one engine" "rc=$rc: $(tail -c 400 <<< "$out" | tr '\n' ' ')"
  fi
done
