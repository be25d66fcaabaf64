#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 55-dmarc-report.sh - spfdkim-ctl dmarc-report: RFC 7489 aggregate reports
# from the decision logs of two hosts whose logs overlap (each message
# counted once), one report per reporting domain for the window, XML valid
# against the RFC's schema (tests/data/dmarc/rfc7489-appendix-c.xsd, by
# xmllint --schema), gzip, the section 7.2.1.1 message, and --send through a
# sendmail stand-in that records its arguments and input.
. "$(dirname "$0")/../lib.sh"
plan 10
need_dns || exit 0
CTL=$(bin release spfdkim-ctl)
[ -x "$CTL" ] || { fail "dmarc-report: spfdkim-ctl is built" "$CTL missing"; exit 0; }
command -v xmllint >/dev/null || { fail "dmarc-report: xmllint is installed (libxml2-utils)"; exit 0; }
XSD=$TOP/tests/data/dmarc/rfc7489-appendix-c.xsd
now=$(date -u +%Y-%m-%dT%H:%M:%SZ); old=$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)

# line QID IP MAILFROM FROMDOM RESULT ALIGN ACTION REASON P REQ RDOM RUA [DKIM_D] [TS]
line() {
  local qid=$1 ip=$2 mf=$3 fd=$4 res=$5 al=$6 act=$7 rsn=$8 p=$9 req=${10} rdom=${11} rua=${12} dd=${13:-} ts=${14:-$now}
  local pct=100; [ "$res" = fail ] && [ "$req" != "$p" ] && pct=0
  printf 'ts=%s qid=%s ip=%s helo=mx.client.test mailfrom=%s identity=mailfrom domain=%s spf=pass helo_spf=- dkim=%s dkim_d=%s skip=- action=%s reason=%s reply=- dmarc=%s dmarc_from=%s dmarc_p=%s dmarc_req=%s dmarc_align=%s dmarc_spf=pass dmarc_spf_d=%s dmarc_rdom=%s dmarc_pub="p=%s sp=%s adkim=r aspf=r pct=%s fo=0" dmarc_rua=%s elapsed_ms=3\n' \
    "$ts" "$qid" "$ip" "$mf" "${mf#*@}" "$([ -n "$dd" ] && echo pass || echo none)" "${dd:--}" "$act" "$rsn" \
    "$res" "$fd" "$p" "$req" "$al" "${mf#*@}" "$rdom" "$p" "$p" "$pct" "${rua:--}"
}
RUA=mailto:agg@bank.test
{
  line A1 192.0.2.1 a@bank.test bank.test pass spf accept - reject none bank.test "$RUA"
  line A2 192.0.2.1 a@bank.test bank.test pass spf accept - reject none bank.test "$RUA"
  line A3 198.51.100.7 x@evil.test bank.test fail - reject dmarc reject reject bank.test "$RUA"
  line A4 198.51.100.7 x@evil.test bank.test fail - accept - reject reject bank.test "$RUA"
  line A5 2001:db8::5 x@list.test bank.test pass dkim accept - reject none bank.test "$RUA" bank.test
  line A6 192.0.2.9 s@shop.test shop.test fail - accept - quarantine none shop.test mailto:dmarc@shop.test
  line A0 192.0.2.1 a@bank.test bank.test pass spf accept - reject none bank.test "$RUA" "" "$old"
} > "$T_TMP/hostA.log"
{
  sed -n '4,6p' "$T_TMP/hostA.log"            # the same three decisions, shipped twice
  line B1 203.0.113.4 y@evil.test bank.test fail - accept - reject reject bank.test "$RUA"
  line B2 192.0.2.9 s@shop.test shop.test pass spf accept - quarantine none shop.test mailto:dmarc@shop.test
  line B3 192.0.2.3 n@norua.test norua.test fail - accept - reject reject norua.test ""
  line B4 192.0.2.3 e@ext.test ext.test fail - accept - reject reject ext.test mailto:reports@thirdparty.test
  line B5 192.0.2.3 e@noauth.test noauth.test fail - accept - reject reject noauth.test mailto:reports@thirdparty.test
} > "$T_TMP/hostB.log"
OUT=$T_TMP/out; mkdir -p "$OUT"
out=$("$CTL" dmarc-report --log "$T_TMP/hostA.log" --log "$T_TMP/hostB.log" --since 1d --out "$OUT" \
      --org mx.example.org --from dmarc-reports@example.org --resolver "$TEST_DNS" 2>&1); rc=$?
n=$(ls "$OUT"/*.xml.gz 2>/dev/null | wc -l)
if [ $rc -eq 0 ] && [ "$n" -eq 4 ] && ls "$OUT" | grep -q '^mx\.example\.org!bank\.test!' && ls "$OUT" | grep -q '^mx\.example\.org!shop\.test!'; then
  pass "dmarc-report: one report per reporting domain that asked for one (bank, shop, ext, noauth; none for a domain without rua)"
else fail "dmarc-report: one report per reporting domain" "rc $rc, $n reports: $out $(ls "$OUT")"; fi

bad=""
for f in "$OUT"/*.xml.gz; do
  gzip -t "$f" 2>/dev/null || bad="$bad $(basename "$f"):gzip"
  zcat "$f" > "$f.xml" 2>/dev/null
  xmllint --noout --schema "$XSD" "$f.xml" >"$f.lint" 2>&1 || bad="$bad $(basename "$f"):$(tail -2 "$f.lint" | tr '\n' ' ')"
done
[ -z "$bad" ] && pass "dmarc-report: every report is gzip and its XML validates with xmllint --schema against RFC 7489 appendix C" ||
  fail "dmarc-report: XML valid against RFC 7489 appendix C" "$bad"

B=$(ls "$OUT"/mx.example.org\!bank.test\!*.xml.gz.xml)
total=$(sed -n 's/.*<count>\([0-9]*\)<\/count>.*/\1/p' "$B" | paste -sd+ | bc)
[ "$total" = 6 ] && pass "dmarc-report: bank.test counts 6 messages: the 3 shipped in both logs once, the one older than --since 1d not at all" ||
  fail "dmarc-report: bank.test counts each message once, within the window" "counted $total: $out"

name=$(basename "$B" .xml)
b=$(cut -d'!' -f3 <<<"$name"); e=$(cut -d'!' -f4 <<<"$name" | cut -d. -f1)
if [ $((e - b)) -eq 86400 ] && grep -q "<begin>$b</begin>" "$B" && grep -q "<end>$e</end>" "$B"; then
  pass "dmarc-report: file name submitter!domain!begin!end.xml.gz with the --since 1d window, the same as date_range"
else fail "dmarc-report: file name and date_range" "$name"; fi

if grep -q '<source_ip>2001:db8:0:0:0:0:0:5</source_ip>' "$B" && grep -q '<type>local_policy</type>' "$B" &&
   grep -q '<disposition>reject</disposition>' "$B" && grep -A3 '<dkim>' "$B" | grep -q '<domain>bank.test</domain>'; then
  pass "dmarc-report: rows carry the IPv6 source in full form, the applied disposition, local_policy for monitored failures and the DKIM domain"
else fail "dmarc-report: row contents" "$(head -c 600 "$B")"; fi
grep -q '<type>sampled_out</type>' "$OUT"/mx.example.org\!shop.test\!*.xml && pass "dmarc-report: a failure pct spared is reported as sampled_out" ||
  fail "dmarc-report: a failure pct spared is reported as sampled_out" "$(grep -A4 policy_evaluated "$OUT"/*shop*.xml | head)"

E=$(ls "$OUT"/mx.example.org\!bank.test\!*.eml)
id=$(sed -n 's/^Subject: Report Domain: bank\.test Submitter: mx\.example\.org Report-ID: <\([^>]*\)>\r$/\1/p' "$E")
if [ -n "$id" ] && grep -q "<report_id>$id</report_id>" "$B" && grep -q $'^To: agg@bank.test\r$' "$E" &&
   grep -q $'^Content-Type: application/gzip\r$' "$E" && grep -qF "filename=\"$name\"" "$E"; then
  pass "dmarc-report: the message has the RFC 7489 7.2.1.1 Subject (Report Domain, Submitter, Report-ID), goes to the rua mailbox, attaches application/gzip as submitter!domain!begin!end.xml.gz"
else fail "dmarc-report: section 7.2.1.1 message format" "$(head -8 "$E" | tr '\r\n' '  ')"; fi

# --send: a sendmail stand-in records its argv and stdin.
cat > "$T_TMP/sendmail" <<EOS
#!/bin/sh
echo "\$@" >> "$T_TMP/sent.args"
cat > "$T_TMP/sent.\$\$.eml"
EOS
chmod +x "$T_TMP/sendmail"
out=$("$CTL" dmarc-report --log "$T_TMP/hostA.log" --log "$T_TMP/hostB.log" --since 1d --send --sendmail "$T_TMP/sendmail" \
      --org mx.example.org --from dmarc-reports@example.org --resolver "$TEST_DNS" 2>"$T_TMP/send.err"); rc=$?
if [ $rc -eq 0 ] && grep -qx -- '-oi -f dmarc-reports@example.org -- agg@bank.test' "$T_TMP/sent.args" &&
   grep -qx -- '-oi -f dmarc-reports@example.org -- dmarc@shop.test' "$T_TMP/sent.args" &&
   [ "$(ls "$T_TMP"/sent.*.eml | wc -l)" -eq 3 ]; then
  pass "dmarc-report --send: each report goes to sendmail -oi -f FROM -- RUA-MAILBOX"
else fail "dmarc-report --send: each report goes to sendmail" "rc $rc: $out $(cat "$T_TMP/sent.args" 2>/dev/null)"; fi
grep -qx -- '-oi -f dmarc-reports@example.org -- reports@thirdparty.test' "$T_TMP/sent.args" &&
  pass "dmarc-report --send: a rua address in another organization that confirms (ext.test._report._dmarc.thirdparty.test) gets the report" ||
  fail "dmarc-report --send: a confirmed third-party rua address gets the report" "$(cat "$T_TMP/sent.args")"
if [ "$(grep -c thirdparty "$T_TMP/sent.args")" -eq 1 ] &&
   grep -q 'noauth.test: rua address reports@thirdparty.test is outside noauth.test .*(RFC 7489 7.1): not used' "$T_TMP/send.err"; then
  pass "dmarc-report --send: an unconfirmed third-party rua address gets nothing, and stderr says why (RFC 7489 7.1)"
else fail "dmarc-report --send: an unconfirmed third-party rua address gets nothing" "$(cat "$T_TMP/send.err") $(cat "$T_TMP/sent.args")"; fi
