#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 60-spam-report.sh - the report on a generated decision log, its HTML page
# in headless Chromium, the spam-log table, and purge with backdated files.
. "$(dirname "$0")/../lib.sh"
plan 17
CTL=$(bin release spfdkim-ctl)
GEN=$(bin release gen_decision_log)
[ -x "$CTL" ] && [ -x "$GEN" ] || { fail "spam report suite" "build first: $CTL or $GEN missing"; exit 0; }
D=$T_TMP/rep
mkdir -p "$D"

# --- the report's counts equal the generator's truth ------------------------
N=${REPORT_LINES:-12000}
"$GEN" -n "$N" -o "$D/decision.log" -t "$D/truth" --seed 7 >/dev/null
lines=$(wc -l < "$D/decision.log")
[ "$lines" -ge 10000 ] && pass "generated decision log has $lines lines (>= 10000)" || fail "generated decision log has >= 10000 lines" "$lines"

# compare SCOPE: every truth line of that scope against the report text
compare() {
  local scope=$1 out=$2 bad=0 n=0 key want got
  while read -r key want; do
    case "$key" in "$scope".*) ;; *) continue ;; esac
    key=${key#"$scope".}
    case "$key" in
      lines) got=$(sed -n 's/^lines read: \([0-9]*\),.*/\1/p' "$out") ;;
      decisions) got=$(sed -n 's/^decisions: \([0-9]*\).*/\1/p' "$out") ;;
      outside) got=$(sed -n 's/.*outside the window: \([0-9]*\),.*/\1/p' "$out") ;;
      malformed) got=$(sed -n 's/.*malformed: \([0-9]*\),.*/\1/p' "$out") ;;
      overlong) got=$(sed -n 's/.*overlong: \([0-9]*\)$/\1/p' "$out") ;;
      whatif.*)
        lab=${key#whatif.}; lab=${lab//_/ }
        got=$(grep -F "$lab would have" "$out" | head -1 |
              sed -E 's/.* would have [a-z]+ ([0-9]+) messages from ([0-9]+) domains; ([0-9]+) of them also passed [A-Z]+[^;]*; ([0-9]+) already.*/\1 \2 \3 \4/') ;;
      *) got=$(awk -v k="$key" '$1 == k { print $2 }' "$out"); [ -z "$got" ] && got=0 ;;
    esac
    n=$((n + 1))
    if [ "$got" != "$want" ]; then bad=$((bad + 1)); echo "  $scope $key: report '$got', truth '$want'" >> "$D/mismatch"; fi
  done < "$D/truth"
  echo "$n $bad"
}

"$CTL" report --log "$D/decision.log" --since 30d --html "$D/report.html" > "$D/report30.txt" 2> "$D/report.err"
rc=$?
[ $rc -eq 0 ] && pass "spfdkim-ctl report --since 30d exits 0" || fail "spfdkim-ctl report --since 30d exits 0" "rc $rc: $(head -3 "$D/report.err")"
read -r n bad <<< "$(compare 30d "$D/report30.txt")"
dec=$(grep '^30d.decisions ' "$D/truth" | cut -d' ' -f2)
if [ "$bad" -eq 0 ] && [ "$n" -ge 30 ]; then
  pass "report --since 30d: all $n counts (results, actions, skips, what-ifs, malformed) equal the generator's over $dec decisions"
else
  fail "report --since 30d: counts equal the generator's" "$bad of $n differ: $(head -5 "$D/mismatch" 2>/dev/null | tr '\n' ';')"
fi
"$CTL" report --log "$D/decision.log" --since all > "$D/reportall.txt" 2>&1
read -r n bad <<< "$(compare all "$D/reportall.txt")"
dec=$(grep '^all.decisions ' "$D/truth" | cut -d' ' -f2)
[ "$bad" -eq 0 ] && [ "$n" -ge 30 ] && pass "report --since all: all $n counts equal the generator's over $dec decisions" ||
  fail "report --since all: counts equal the generator's" "$bad of $n differ: $(tail -5 "$D/mismatch" 2>/dev/null | tr '\n' ';')"
grep -q '^fail→reject would have refused [0-9]* messages from [0-9]* domains; [0-9]* of them also passed DKIM' "$D/report30.txt" &&
grep -q '^softfail→reject would have refused ' "$D/report30.txt" && grep -q '^temperror→tempfail would have deferred ' "$D/report30.txt" &&
  pass "report prints the what-if lines (fail→reject, softfail→reject, temperror→tempfail) with the domains hit" ||
  fail "report prints the what-if lines" "$(grep -n 'would have' "$D/report30.txt" | head -3)"
top=$(sed -n 's/^  spf=fail: \([^ ]*\) .*/\1/p' "$D/report30.txt")
[ -n "$top" ] && grep -q "^    $top " "$D/report30.txt" && pass "report lists the top sender domains per result ($top leads spf=fail)" ||
  fail "report lists the top sender domains per result" "no spf=fail top line"

# the same through the config's DecisionLog key, and the main-log-only lines count too
printf 'DecisionLog %s\n' "$D/decision.log" > "$D/c.conf"
"$CTL" report -c "$D/c.conf" --since 30d > "$D/reportc.txt" 2>&1
diff <(sed 1d "$D/report30.txt" | grep -v -e '^HTML report' -e '^window:' -e '^$') <(sed 1d "$D/reportc.txt" | grep -v -e '^window:' -e '^$') > /dev/null &&
  pass "report -c CONFIG reads DecisionLog from the config" || fail "report -c CONFIG reads DecisionLog from the config" "$(head -3 "$D/reportc.txt")"
"$CTL" report --log "$D/none.log" > /dev/null 2> "$D/err"; rc=$?
[ $rc -eq 2 ] && grep -q "none.log" "$D/err" && pass "report on a missing log exits 2 naming the file" || fail "report on a missing log exits 2 naming the file" "rc $rc"
"$CTL" report --log "$D/decision.log" --since 7x > /dev/null 2> "$D/err"; rc=$?
[ $rc -eq 2 ] && grep -q "7x" "$D/err" && pass "report --since 7x is a usage error naming the value" || fail "report --since 7x is a usage error" "rc $rc"

# --- the HTML page renders in headless Chromium ------------------------------
grep -q '<svg' "$D/report.html" && ! grep -Eq '(src|href)="(https?:)?//' "$D/report.html" &&
  pass "HTML report is one self-contained page with inline SVG" || fail "HTML report is self-contained with inline SVG"
shot() {
  local ud; ud=$(mktemp -d "$T_TMP/chrome.XXXXXX")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$ud" \
    --screenshot="$2" --window-size=1200,1600 "file://$1" > "$T_TMP/chrome.log" 2>&1
}
if command -v chromium > /dev/null; then
  shot "$D/report.html" "$D/report.png"
  if [ -s "$D/report.png" ] && info=$($PY "$TOP/tests/spam/pngcheck.py" "$D/report.png" 1200 1600); then
    pass "headless Chromium renders the HTML report to a non-blank 1200x1600 PNG ($info)"
    [ -n "${KEEP_REPORT_PNG:-}" ] && cp "$D/report.png" "$KEEP_REPORT_PNG"
  else
    fail "headless Chromium renders the HTML report to a non-blank PNG" "$(tail -2 "$T_TMP/chrome.log") $info"
  fi
  echo '<!DOCTYPE html><html><body></body></html>' > "$D/blank.html"
  shot "$D/blank.html" "$D/blank.png"
  if [ -s "$D/blank.png" ] && ! $PY "$TOP/tests/spam/pngcheck.py" "$D/blank.png" 1200 1600 > /dev/null; then
    pass "the PNG check calls a blank page blank"
  else
    fail "the PNG check calls a blank page blank"
  fi
else
  fail "headless Chromium renders the HTML report" "chromium not installed (tools/install-deps.sh test)"
fi

# --- spamlog prints the spam log as a table ----------------------------------
now=$(date -u +%Y-%m-%dT%H:%M:%SZ); old=$(date -u -d '20 days ago' +%Y-%m-%dT%H:%M:%SZ)
cat > "$D/spam.log" <<EOF
ts=$old qid=OLD1 ip=192.0.2.7 helo=old.test mailfrom=a@old.test rcpts=b@example.net results="spf=fail dkim=none" action=reject reply="550 5.7.23 no" saved=-
ts=$now qid=Q1 ip=192.0.2.1 helo=mx.example.test mailfrom=a@example.test rcpts=b@example.net,c@example.net results="spf=fail dkim=none" action=save-reject reply="550 5.7.23 ..." saved=/var/spool/spam/new/1.M1P1Q1.spfdkim.host
ts=$now qid=Q2 ip=2001:db8::1 helo="we ird" mailfrom="\"x y\"@example.test" rcpts=d@example.net results="spf=softfail dkim=fail" action=quarantine reply=- saved=/var/spool/spam/new/2.M2P2Q2.spfdkim.host
this line is not a spam log line
EOF
printf 'SpamLog %s\n' "$D/spam.log" > "$D/s.conf"
"$CTL" spamlog -c "$D/s.conf" --since 7d > "$D/table" 2> "$D/table.err"; rc=$?
if [ $rc -eq 0 ] && head -1 "$D/table" | grep -q '^TIME (UTC) *ACTION *CLIENT *MAIL FROM *RCPTS *RESULTS *SAVED' &&
   grep -q 'save-reject *192.0.2.1 *a@example.test *b@example.net,c@example.net *spf=fail dkim=none *1.M1P1Q1.spfdkim.host' "$D/table" &&
   grep -q 'quarantine *2001:db8::1 *"x y"@example.test' "$D/table" && ! grep -q OLD1 "$D/table" && ! grep -q old.test "$D/table" &&
   grep -q '^2 entries, 2 with a saved copy, 1 malformed lines skipped' "$D/table" && grep -q "spam.log:4" "$D/table.err"; then
  pass "spamlog --since 7d prints the last week's spam log as a table (2 of 3 entries, bad line named)"
else
  fail "spamlog --since 7d prints the spam log as a table" "rc $rc: $(cat "$D/table" "$D/table.err" | head -8 | tr '\n' '|')"
fi
"$CTL" spamlog --log "$D/spam.log" > "$D/table2" 2>/dev/null
grep -q '^3 entries' "$D/table2" && pass "spamlog without --since shows every entry" || fail "spamlog without --since shows every entry" "$(tail -1 "$D/table2")"

# --- purge: old copies of ours go, young ones and foreign files stay ---------
M=$D/Maildir
mkdir -p "$M/new" "$M/cur" "$M/tmp"
mk() { echo "x" > "$M/$1"; touch -d "$2" "$M/$1"; }
mk new/1700000000.M000001P1Q1.spfdkim.host '40 days ago'
mk new/1700000000.M000002P1Q2.spfdkim.host '31 days ago'
mk cur/1700000000.M000003P1Q3.spfdkim.host:2,S '45 days ago'
mk new/1700000000.M000004P1Q4.spfdkim.host '29 days ago'
mk new/1700000000.M000005P1Q5.spfdkim.host 'now'
mk new/1700000000.M000006P1.otherhost '60 days ago'
mk cur/foreign-mail:2,S '60 days ago'
mk tmp/1700000000.M000007P1Q7.spfdkim.host '3 days ago'
printf 'SpamFolder %s\nSpamRetentionDays 30\n' "$M" > "$D/p.conf"
out=$("$CTL" purge -c "$D/p.conf" 2>&1); rc=$?
left=$(cd "$M" && find . -type f | sort | tr '\n' ' ')
want="./cur/foreign-mail:2,S ./new/1700000000.M000004P1Q4.spfdkim.host ./new/1700000000.M000005P1Q5.spfdkim.host ./new/1700000000.M000006P1.otherhost "
[ $rc -eq 0 ] && [ "$out" = "purged 4 entries older than 30 days from $M" ] && [ "$left" = "$want" ] &&
  pass "purge -c CONFIG removes our 4 old or stale copies; young ones and foreign files stay" ||
  fail "purge removes only our old copies" "rc $rc out '$out' left '$left'"
out=$("$CTL" purge --folder "$M" --days 10 2>&1)
[ "$out" = "purged 1 entries older than 10 days from $M" ] && [ -e "$M/new/1700000000.M000005P1Q5.spfdkim.host" ] &&
  [ -e "$M/new/1700000000.M000006P1.otherhost" ] && pass "purge --days 10 takes the 29-day-old copy too, still no foreign file" ||
  fail "purge --days 10" "$out"

# XMail account: ours known by the first line; XMail's own deliveries stay
X=$D/MailRoot/domains/example.test/spam/Maildir
mkdir -p "$X/new" "$X/tmp" "$X/cur"
printf 'X-Spam-Folder-Envelope: spfdkim-milter; saved=x; qid=1\r\nFrom: a\r\n\r\nb\r\n' > "$X/new/1795949181645.7f62a4dfa6c0.3179.18.vm"
printf 'Return-Path: <a@b>\nDelivered-To: spam@example.test\n\nbody\r\n' > "$X/new/1795949181646.7f62a4dfa6c0.3179.19.vm"
printf 'X-Spam-Folder-Envelope: spfdkim-milter; saved=x; qid=2\r\n\r\nb\r\n' > "$X/new/1795949181647.7f62a4dfa6c0.3179.1a.vm"
touch -d '40 days ago' "$X/new/1795949181645.7f62a4dfa6c0.3179.18.vm" "$X/new/1795949181646.7f62a4dfa6c0.3179.19.vm"
out=$("$CTL" purge --folder "xmail:$D/MailRoot:spam@example.test" 2>&1)
[ "$out" = "purged 1 entries older than 30 days from $X" ] && [ ! -e "$X/new/1795949181645.7f62a4dfa6c0.3179.18.vm" ] &&
  [ -e "$X/new/1795949181646.7f62a4dfa6c0.3179.19.vm" ] && [ -e "$X/new/1795949181647.7f62a4dfa6c0.3179.1a.vm" ] &&
  pass "purge on an XMail account removes our old copy and leaves XMail's own delivery" || fail "purge on an XMail account" "$out"
