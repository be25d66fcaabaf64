#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 51-dkim-interop.sh - DKIM interoperability on 60 varied messages
# (tests/dkim/corpus.py: multipart, 8-bit, folded and long headers, several
# signatures, empty body, CRLF and LF input), keys from the test DNS:
#   dkimpy-signed (rsa + ed25519) -> our verifier: every signature passes
#   we sign (RSA + Ed25519 dual, through dkim.h) -> dkimpy and Mail::DKIM pass
#   tampered bodies and headers -> fail, with every verifier
. "$(dirname "$0")/../lib.sh"
plan 19
need_dns || exit 0

ctl=$(bin release spfdkim-ctl)
signer=$(bin release dkim_sign_file)
c="$T_TMP/corpus"
n=$($PY "$TOP/tests/dkim/corpus.py" gen "$c" 2> "$T_TMP/gen.err") || { fail "dkim corpus is generated" "$(tail -3 "$T_TMP/gen.err" | tr '\n' ' ')"; exit 0; }
[ "$n" -ge 50 ] && pass "the interop corpus has $n messages (at least 50)" || fail "the interop corpus has at least 50 messages" "$n"

# 1. dkimpy signs, we verify.
bad=""; nsig=0
for f in "$c"/py/*.eml; do
  out=$("$ctl" dkim-verify "$f" --resolver "$TEST_DNS" 2>&1)
  nsig=$((nsig + $(grep -c '^dkim=pass' <<< "$out")))
  grep -qv '^dkim=pass' <<< "$out" && bad="$bad $(basename "$f"): $(grep -v '^dkim=pass' <<< "$out" | head -1)"
done
[ -z "$bad" ] && pass "all $n dkimpy-signed messages verify as pass ($nsig rsa and ed25519 signatures)" \
  || fail "all dkimpy-signed messages verify as pass" "$bad"

# 2. We sign (dual: RSA-2048 + Ed25519, relaxed/relaxed), dkimpy and Mail::DKIM verify.
keys="$T_TMP/keys"; mkdir -p "$keys" "$c/ours"
cp "$TOP"/tests/dkim/keys/r2048.private "$TOP"/tests/dkim/keys/ed1.private "$keys/"
chmod 600 "$keys"/*.private
printf 'rsa d1.dkim.test:r2048:%s/r2048.private\ned d1.dkim.test:ed1:%s/ed1.private\n' "$keys" "$keys" > "$T_TMP/KeyTable"
printf '*@d1.dkim.test rsa\n*@d1.dkim.test ed\n' > "$T_TMP/SigningTable"
bad=""
for f in "$c"/plain/*.eml; do
  "$signer" -k "$T_TMP/KeyTable" -S "refile:$T_TMP/SigningTable" "$f" > "$c/ours/$(basename "$f")" 2>> "$T_TMP/sign.err" || bad="$bad $(basename "$f")"
done
[ -z "$bad" ] && pass "we dual-sign all $n messages (rsa-sha256 + ed25519-sha256)" || fail "we dual-sign all $n messages" "no signature for:$bad $(tail -2 "$T_TMP/sign.err")"
n2=$(grep -l '^DKIM-Signature: v=1; a=ed25519-sha256' "$c"/ours/*.eml | wc -l)
[ "$n2" = "$n" ] && pass "each of our signed messages carries an ed25519-sha256 signature" || fail "each of our signed messages carries an ed25519-sha256 signature" "$n2 of $n"

out=$($PY "$TOP/tests/dkim/corpus.py" verify "$TEST_DNS" "$c"/ours/*.eml 2>&1); rc=$?
[ $rc -eq 0 ] && pass "dkimpy verifies all $n of our dual-signed messages: both signatures pass" \
  || fail "dkimpy verifies all our dual-signed messages" "$(grep -v ' pass pass$' <<< "$out" | head -3 | tr '\n' ' ')"

out=$(perl "$TOP/tests/dkim/mail_dkim_verify.pl" "$TEST_DNS" "$c"/ours/*.eml 2>&1)
# Debian 12's Mail::DKIM (1.20230212) has no ed25519: it must pass our RSA
# signature and call the ed25519 one unsupported, never fail it.
bad=$(grep -v ' pass invalid(invalid (unsupported algorithm ed25519-sha256))$' <<< "$out" | head -3)
[ -z "$bad" ] && pass "Mail::DKIM verifies our rsa-sha256 signature on all $n messages as pass (its ed25519: unsupported)" \
  || fail "Mail::DKIM verifies our rsa-sha256 signature as pass" "$(tr '\n' ' ' <<< "$bad")"

bad=""
for f in "$c"/ours/*.eml; do
  out=$("$ctl" dkim-verify "$f" --resolver "$TEST_DNS" 2>&1)
  [ "$(grep -c '^dkim=pass' <<< "$out")" = 2 ] || bad="$bad $(basename "$f")"
done
[ -z "$bad" ] && pass "our verifier passes both of our signatures on all $n messages" || fail "our verifier passes our signatures" "$bad"

# The other canonicalizations (DKIMCanonicalization), dual-signed, verify with dkimpy and with us.
for canon in simple/simple relaxed/simple simple/relaxed; do
  mkdir -p "$c/$canon"
  for f in "$c"/plain/*.eml; do
    "$signer" -c "$canon" -k "$T_TMP/KeyTable" -S "refile:$T_TMP/SigningTable" "$f" > "$c/$canon/$(basename "$f")" 2>/dev/null
  done
  out=$($PY "$TOP/tests/dkim/corpus.py" verify "$TEST_DNS" "$c/$canon"/*.eml 2>&1)
  [ $? -eq 0 ] && pass "dkimpy verifies our $canon rsa-sha256 and ed25519-sha256 signatures on all $n messages" \
    || fail "dkimpy verifies our $canon rsa-sha256 and ed25519-sha256 signatures" "$(grep -v ' pass pass$' <<< "$out" | head -2 | tr '\n' ' ')"
  bad=""
  for f in "$c/$canon"/*.eml; do
    [ "$("$ctl" dkim-verify "$f" --resolver "$TEST_DNS" 2>&1 | grep -c '^dkim=pass')" = 2 ] || bad="$bad $(basename "$f")"
  done
  [ -z "$bad" ] && pass "our verifier passes our $canon signatures on all $n messages" || fail "our verifier passes our $canon signatures" "$bad"
done

# 3. Tampering: bodies and signed headers -> fail, everywhere.
$PY "$TOP/tests/dkim/corpus.py" tamper-dir "$c/py" "$c/tb" body
$PY "$TOP/tests/dkim/corpus.py" tamper-dir "$c/py" "$c/th" header
$PY "$TOP/tests/dkim/corpus.py" tamper-dir "$c/ours" "$c/otb" body
$PY "$TOP/tests/dkim/corpus.py" tamper-dir "$c/ours" "$c/oth" header
for d in tb:"dkimpy-signed, tampered body" th:"dkimpy-signed, tampered Subject" otb:"our signatures, tampered body" oth:"our signatures, tampered Subject"; do
  dir=${d%%:*}; what=${d#*:}
  bad=""; nf=0
  for f in "$c/$dir"/*.eml; do
    out=$("$ctl" dkim-verify "$f" --resolver "$TEST_DNS" 2>&1)
    # a body signed with l= may still pass after text is appended: that is l='s known weakness
    if grep -q '^dkim=pass' <<< "$out" && ! grep -q '; l=\|	l=\| l=' "$f"; then bad="$bad $(basename "$f")"; fi
    nf=$((nf + $(grep -c '^dkim=fail' <<< "$out")))
  done
  [ -z "$bad" ] && pass "$what: our verifier fails every signature ($nf fail verdicts)" || fail "$what: our verifier fails every signature" "passed:$bad"
done
out=$($PY "$TOP/tests/dkim/corpus.py" verify "$TEST_DNS" "$c"/otb/*.eml "$c"/oth/*.eml 2>&1)
np=$(grep -c ' pass' <<< "$out")
[ "$np" = 0 ] && pass "dkimpy fails our signatures on all tampered messages" || fail "dkimpy fails our signatures on all tampered messages" "$np still pass"
out=$(perl "$TOP/tests/dkim/mail_dkim_verify.pl" "$TEST_DNS" "$c"/otb/*.eml "$c"/oth/*.eml 2>&1)
np=$(grep -c ' pass' <<< "$out")
[ "$np" = 0 ] && pass "Mail::DKIM fails our signatures on all tampered messages" || fail "Mail::DKIM fails our signatures on all tampered messages" "$np still pass"
