#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 52-dkim-genkey.sh - spfdkim-ctl genkey writes a 0600 private key and prints
# a TXT record and zone-file line that work: the zone line is served by a
# second test unbound, a message signed with the new key verifies as pass
# with our verifier and dkimpy.
. "$(dirname "$0")/../lib.sh"
plan 17
ctl=$(bin release spfdkim-ctl)
signer=$(bin release dkim_sign_file)
k="$T_TMP/keys"; mkdir -p "$k"

for t in rsa ed25519; do
  out=$("$ctl" genkey -d gen.dkim.test -s "g$t" -t $t -D "$k" 2>&1); rc=$?
  if [ $rc -eq 0 ] && [ -f "$k/g$t.private" ]; then pass "genkey -t $t writes DIR/SELECTOR.private"; else fail "genkey -t $t writes DIR/SELECTOR.private" "rc=$rc $out"; fi
  [ "$(stat -c %a "$k/g$t.private" 2>/dev/null)" = 600 ] && pass "genkey -t $t private key has mode 0600" || fail "genkey -t $t private key has mode 0600" "$(stat -c %a "$k/g$t.private" 2>&1)"
  grep -q "^v=DKIM1; k=$t; p=[A-Za-z0-9+/=]*\$" <<< "$out" && pass "genkey -t $t prints the TXT record v=DKIM1; k=$t; p=..." || fail "genkey -t $t prints the TXT record" "$out"
  grep -q "^g$t._domainkey.gen.dkim.test. 3600 IN TXT \"" <<< "$out" && pass "genkey -t $t prints a zone-file line" || fail "genkey -t $t prints a zone-file line" "$out"
  grep "^g$t._domainkey" <<< "$out" >> "$T_TMP/gen.zone"
done
bits=$(openssl pkey -in "$k/grsa.private" -noout -text 2>/dev/null | sed -n 's/.*Private-Key: (\([0-9]*\) bit.*/\1/p')
[ "$bits" = 2048 ] && pass "genkey makes 2048-bit RSA keys by default" || fail "genkey makes 2048-bit RSA keys by default" "$bits"
"$ctl" genkey -d gen.dkim.test -s big -b 3072 -D "$k" > /dev/null 2>&1
bits=$(openssl pkey -in "$k/big.private" -noout -text 2>/dev/null | sed -n 's/.*Private-Key: (\([0-9]*\) bit.*/\1/p')
[ "$bits" = 3072 ] && pass "genkey -b 3072 makes a 3072-bit key" || fail "genkey -b 3072 makes a 3072-bit key" "$bits"
line=$(grep '^big3._domainkey' <<< "$("$ctl" genkey -d gen.dkim.test -s big3 -b 4096 -D "$k" 2>&1)" || true)
ok=0; [ "$(grep -o '"[^"]*"' <<< "$line" | wc -l)" -ge 3 ] && ok=1
for s in $(grep -o '"[^"]*"' <<< "$line" | awk '{print length($0) - 2}'); do [ "$s" -le 255 ] || ok=0; done
[ $ok = 1 ] && pass "genkey splits long records into TXT strings of at most 255 bytes" || fail "genkey splits long records into TXT strings of at most 255 bytes" "$line"
"$ctl" genkey -d gen.dkim.test -s grsa -D "$k" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "genkey refuses to overwrite an existing key" || fail "genkey refuses to overwrite an existing key" "rc=$rc"
"$ctl" genkey -d gen.dkim.test -s weak -b 512 -D "$k" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && [ ! -e "$k/weak.private" ] && pass "genkey refuses RSA keys under 1024 bits" || fail "genkey refuses RSA keys under 1024 bits" "rc=$rc"
out=$("$ctl" genkey -d gen.dkim.test -s new -t ed25519 -D "$k/new/dir" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$(stat -c %a "$k/new/dir" 2>/dev/null) $(stat -c %a "$k/new/dir/new.private" 2>/dev/null)" = "700 600" ]; then
  pass "genkey -D DIR creates a missing DIR (and parents) with mode 0700, the key 0600"
else fail "genkey -D DIR creates a missing DIR (and parents) with mode 0700" "rc=$rc $out $(ls -la "$k/new" 2>&1)"; fi
"$ctl" genkey -d gen.dkim.test -s x -t dsa -D "$k" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "genkey -t dsa is a usage error" || fail "genkey -t dsa is a usage error" "rc=$rc"

# The zone lines, served by our own test unbound (the shared one has no such names).
{ echo '$ORIGIN .'; cat "$T_TMP/gen.zone"; } > "$T_TMP/genkey.zone"
dns="$T_TMP/dns2"
if ! DNS2=$(EXTRA_ZONES="$T_TMP/genkey.zone" bash "$TOP/tests/dns/unbound.sh" start "$dns"); then
  fail "a test unbound serves the genkey zone lines" "$(tail -3 "$dns/unbound.log")"; exit 0
fi
track_pid "$(cat "$dns/unbound.pid")"
printf 'r gen.dkim.test:grsa:%s/grsa.private\ne gen.dkim.test:ged25519:%s/ged25519.private\n' "$k" "$k" > "$T_TMP/kt"
printf 'gen.dkim.test r,e\n' > "$T_TMP/st"
printf 'From: a@gen.dkim.test\r\nTo: b@example.test\r\nSubject: genkey\r\n\r\nbody\r\n' > "$T_TMP/m.eml"
"$signer" -k "$T_TMP/kt" -S "$T_TMP/st" "$T_TMP/m.eml" > "$T_TMP/s.eml" 2> "$T_TMP/s.err"
out=$("$ctl" dkim-verify "$T_TMP/s.eml" --resolver "$DNS2" 2>&1)
[ "$(grep -c '^dkim=pass' <<< "$out")" = 2 ] && pass "a message signed with genkey's keys passes with the printed zone lines in DNS (rsa and ed25519)" \
  || fail "a message signed with genkey's keys passes with the printed zone lines in DNS" "$out $(cat "$T_TMP/s.err")"
out=$($PY "$TOP/tests/dkim/corpus.py" verify "$DNS2" "$T_TMP/s.eml" 2>&1)
[ $? -eq 0 ] && pass "dkimpy passes both signatures made with genkey's keys" || fail "dkimpy passes both signatures made with genkey's keys" "$out"
