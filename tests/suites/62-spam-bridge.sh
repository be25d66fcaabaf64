#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 62-spam-bridge.sh - the spam folder through XMail's bridge: xmail-milter-bridge
# (argv from conf/xmail/filters.post-data.tab) in front of spfdkim-milter, whose
# SpamFolder is a local XMail account. Each action leaves the right number of
# copies, save-reject still gives XMail the configured reply in $(FILE).rej.
. "$(dirname "$0")/../lib.sh"
plan 8
MILTER=$(bin release spfdkim-milter)
BRIDGE=$(bin release xmail-milter-bridge)
FIX=$DATA/xmail
[ -x "$MILTER" ] && [ -x "$BRIDGE" ] || { fail "spam folder through the XMail bridge" "missing $MILTER or $BRIDGE (make)"; exit 0; }
need_dns || exit 0

D=$T_TMP/bridge
ROOT=$D/MailRoot
NEW=$ROOT/domains/example.test/spam/Maildir/new
mkdir -p "$ROOT/domains/example.test/spam"
PORT=$(free_port)
cat > "$D.conf" <<EOF
Socket inet:$PORT@127.0.0.1
Resolver $TEST_DNS
AuthservID mx.bridge.test
Log $D.milter.log
DecisionLog $D.decisions
SPFFailAction save-reject
SPFFailReply 554 5.7.1 Bridge refusal for %{sender}
SPFSoftfailAction quarantine
SPFNeutralAction reject
SpamFolder xmail:$ROOT:spam@example.test
SpamLog $D.spam.log
EOF
"$MILTER" -f -c "$D.conf" > "$D.milter.out" 2>&1 &
MPID=$!
track_pid $MPID
wait_port "$PORT" 15 || { fail "bridge: spfdkim-milter starts" "$(tail -3 "$D.milter.out" "$D.milter.log" 2>/dev/null)"; exit 0; }

copies() { ls -1 "$NEW" 2>/dev/null | wc -l; }

# run_bridge SENDER: a post-data spool from the plain fixture, client 192.0.2.10,
# MAIL FROM:<SENDER>; runs the shipped filter line; sets F and RC.
N=0
run_bridge() {
  local -a argv=() ; local f prev=
  N=$((N + 1))
  F=$D/run$N/0d36c0d1b7efe4ac46854a59434854d3.xtmp
  mkdir -p "$D/run$N"
  sed -e "1s/\[127\.0\.0\.1\]:60376/[192.0.2.10]:60376/" -e "4s/.*/MAIL FROM:<$1>\r/" "$FIX/spool/post-data-plain.spool" > "$F"
  cp "$F" "$D/run$N/orig"
  while IFS= read -r f; do
    f=${f#\"}; f=${f%\"}
    case "$f" in
      @@FILE) f=$F ;; @@USERAUTH) f=- ;; @@REMOTEADDR) f='[192.0.2.10]:60376' ;; @@LOCALADDR) f='[127.0.0.1]:2525' ;;
      @@FROM) f=$1 ;; @@CRCPT) f=alice@example.test ;; @@MSGREF) f=S$N ;;
    esac
    case "$prev" in --milter) f=inet:$PORT@127.0.0.1 ;; --log) f=$D.bridge.log ;; esac
    argv+=("$f"); prev=$f
  done < <(grep -v '^#' "$TOP/conf/xmail/filters.post-data.tab" | head -1 | tr '\t' '\n')
  argv[0]=$BRIDGE
  (umask 0; exec "${argv[@]}") < /dev/null > "$D/run$N/stdout" 2> "$D/run$N/stderr"
  RC=$?
}
rej() { head -1 "$F.rej" 2>/dev/null | tr -d '\r'; }
same() { cmp -s "$F" "$D/run$N/orig"; }

c0=$(copies)
run_bridge a@pass.milter.test
if [ $RC = 0 ] && [ ! -e "$F.rej" ] && [ "$(copies)" = "$c0" ] && grep -qa '^Authentication-Results: mx.bridge.test;.*spf=pass' "$F"; then
  pass "bridge: accept (spf=pass) -> exit 0, A-R added, no copy in the spam account"
else fail "bridge: accept -> exit 0, no copy" "rc=$RC rej=$(rej) copies=$(copies) $(tail -1 "$D.bridge.log" 2>/dev/null)"; fi

run_bridge b@neutral.milter.test
if [ $RC = 3 ] && rej | grep -q '^550 5\.7\.23 ' && [ "$(copies)" = "$c0" ]; then
  pass "bridge: reject (spf=neutral) -> exit 3, .rej \"$(rej | cut -c1-60)...\", no copy"
else fail "bridge: reject -> exit 3, no copy" "rc=$RC rej=$(rej) copies=$(copies)"; fi

run_bridge c@fail.milter.test
if [ $RC = 3 ] && [ "$(rej)" = "554 5.7.1 Bridge refusal for c@fail.milter.test" ] && [ "$(wc -l < "$F.rej")" = 1 ] && same; then
  pass "bridge: save-reject -> exit 3 and XMail gets the configured reply: $(rej)"
else fail "bridge: save-reject -> exit 3 with the configured reply" "rc=$RC rej=$(rej) $(tail -1 "$D.bridge.log" 2>/dev/null)"; fi
if [ "$(copies)" = $((c0 + 1)) ]; then
  pass "bridge: save-reject leaves exactly one copy in the XMail spam account"
else fail "bridge: save-reject leaves exactly one copy" "copies $(copies), was $c0"; fi
copy=$NEW/$(ls -1t "$NEW" | head -1)
if head -1 "$copy" | grep -q '^X-Spam-Folder-Envelope: spfdkim-milter;' && grep -qa $'^X-Spam-Folder-Client-IP: 192.0.2.10\r$' "$copy" &&
   grep -qa $'^X-Spam-Folder-Mail-From: <c@fail.milter.test>\r$' "$copy" && grep -qa $'^X-Spam-Folder-Rcpt-To: <alice@example.test>\r$' "$copy" &&
   grep -qa $'^\\.\\.leading dot line\r$' "$copy" && grep -qa $'^\\.\\.\\.two dots\r$' "$copy" && grep -qa $'^Subject: plain test\r$' "$copy"; then
  pass "bridge: the copy records the envelope and keeps the body dot-stuffed as XMail stores it ($(basename "$copy"))"
else fail "bridge: the copy records the envelope, body stuffed" "$(head -12 "$copy" | tr '\r\n' '  ')"; fi

run_bridge d@softfail.milter.test
if [ $RC = 0 ] && [ ! -e "$F.rej" ] && [ "$(grep -ca '^RCPT TO:' "$F")" = 0 ]; then
  pass "bridge: quarantine -> exit 0 (SMTP accepts) and no RCPT lines left (XMail delivers nothing)"
else fail "bridge: quarantine -> exit 0, not delivered" "rc=$RC rej=$(rej) rcpts=$(grep -ca '^RCPT TO:' "$F")"; fi
if [ "$(copies)" = $((c0 + 2)) ] && grep -qa $'^X-Spam-Folder-Action: quarantine\r$' "$NEW/$(ls -1t "$NEW" | head -1)"; then
  pass "bridge: quarantine leaves exactly one more copy in the XMail spam account"
else fail "bridge: quarantine leaves exactly one more copy" "copies $(copies), was $c0"; fi

lines=$(grep -c . "$D.spam.log" 2>/dev/null)
[ "$lines" = 3 ] && pass "bridge: the spam log has one line each for reject, save-reject and quarantine" ||
  fail "bridge: three spam-log lines" "$lines"
kill $MPID 2>/dev/null; wait $MPID 2>/dev/null
