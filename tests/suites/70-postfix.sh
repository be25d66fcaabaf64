#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 70-postfix.sh - end to end through a real Postfix on loopback.
#
# Postfix gets its own config dir, a Maildir for delivery, and the milter
# settings of contrib/postfix/main.cf.snippet applied line by line (only the
# milter's address changes). spfdkim-milter uses the test DNS
# (tests/dns/zones/e2e.zone: pass.e2e.test allows 127.0.0.1, fail.e2e.test
# does not). swaks sends from 127.0.0.1; the milter runs with CheckLoopback
# yes so that loopback clients are checked.
. "$(dirname "$0")/../lib.sh"
plan 28
. "$TOP/tests/e2e/postfix.sh"
. "$TOP/tests/e2e/milter.sh"

SNIPPET=$TOP/contrib/postfix/main.cf.snippet
if [ ! -x "$(em_bin)" ]; then fail "postfix e2e: milter/spfdkim-milter is built" "missing $(em_bin)"; exit 0; fi
need_dns || exit 0

PF=$T_TMP/pf
SMTP_PORT=$(free_port)
MPORT=$(free_port)
MCONF=$T_TMP/milter.conf
FAILREPLY="550 5.7.23 SPF says %{ip} may not send for %{domain} (e2e)"
FAILREPLY_SEEN="550 5.7.23 SPF says 127.0.0.1 may not send for fail.e2e.test (e2e)"

if pf_setup "$PF" "$SMTP_PORT" e2e.test && pf_apply_snippet "$PF" "$SNIPPET" "inet:127.0.0.1:$MPORT"; then
  pass "postfix e2e: private Postfix configured with contrib/postfix/main.cf.snippet"
else
  fail "postfix e2e: private Postfix configured with contrib/postfix/main.cf.snippet" "$(tail -3 "$PF/log/check.log" 2>/dev/null)"
  exit 0
fi
# Every setting of the snippet is now in force in the test Postfix.
missing=""
while IFS= read -r l; do
  case "$l" in ''|'#'*|[[:space:]]*) continue ;; esac
  n=${l%%=*}; n=${n%% *}
  postconf -c "$PF/etc" -n "$n" | grep -q . || missing="$missing $n"
done < "$SNIPPET"
[ "$(postconf -c "$PF/etc" -h milter_default_action)" = accept ] || missing="$missing milter_default_action=accept"
if [ -z "$missing" ]; then pass "postfix e2e: every snippet setting is in the test main.cf (postconf -n)"
else fail "postfix e2e: every snippet setting is in the test main.cf (postconf -n)" "missing:$missing"; fi

em_conf "$MCONF" "$MPORT"
if em_start "$MCONF" "$MPORT"; then pass "postfix e2e: spfdkim-milter listens on inet:$MPORT@127.0.0.1"
else fail "postfix e2e: spfdkim-milter listens on inet:$MPORT@127.0.0.1" "$(tail -3 "$MCONF.stderr" "$MCONF.log" 2>/dev/null)"; exit 0; fi
if pf_start "$PF"; then pass "postfix e2e: postfix -c DIR start"
else fail "postfix e2e: postfix -c DIR start" "$(tail -3 "$PF/log/start.log")"; exit 0; fi
trap 'pf_stop "$PF"; t_cleanup' EXIT

# send NAME FROM TO [swaks args...]: swaks transcript in $T_TMP/NAME.swaks
send() {
  local name=$1 from=$2 to=$3; shift 3
  swaks --server "127.0.0.1:$SMTP_PORT" --helo client.e2e.test --from "$from" --to "$to" \
        --header "Subject: e2e $name" "$@" >"$T_TMP/$name.swaks" 2>&1
}

# headers_before_original FILE: the header lines above the first header the
# client wrote (Date:, swaks puts it first), unfolded, one per line.
headers_top() {
  awk '/^$/{exit} /^Date: /{exit} {print}' "$1" | sed -e ':a' -e 'N;$!ba' -e 's/\n[ \t]\+/ /g'
}

# check_delivered NAME EXPECTED_SPF DOMAIN
check_delivered() {
  local name=$1 spf=$2 dom=$3 f top
  if ! pf_wait_mail "$PF" "$4" 20; then
    fail "postfix e2e: $name sender delivered" "$(tail -3 "$T_TMP/$name.swaks"; pf_log "$PF" | tail -3)"; return
  fi
  f=$(pf_find_mail "$PF" "Subject: e2e $name")
  if [ -z "$f" ]; then fail "postfix e2e: $name sender delivered" "no Maildir file with Subject: e2e $name"; return; fi
  pass "postfix e2e: $name sender delivered to the Maildir (250 from Postfix)"
  cp "$f" "$T_TMP/$name.eml"
  top=$(headers_top "$f")
  if grep -qE "^Received-SPF: $spf " <<<"$top"; then pass "postfix e2e: $name sender: Received-SPF: $spf at the top of the header"
  else fail "postfix e2e: $name sender: Received-SPF: $spf at the top of the header" "top: $(tr '\n' '|' <<<"$top")"; fi
  if grep -qE "^Authentication-Results: mx\.e2e\.test;.*spf=$spf .*smtp\.mailfrom=[^ ;]*$dom" <<<"$top"; then
    pass "postfix e2e: $name sender: Authentication-Results: mx.e2e.test; spf=$spf smtp.mailfrom=...$dom at the top"
  else
    fail "postfix e2e: $name sender: Authentication-Results: mx.e2e.test; spf=$spf smtp.mailfrom=...$dom at the top" "top: $(tr '\n' '|' <<<"$top")"
  fi
}

# --- default policy: every action accept, headers only --------------------
send pass a@pass.e2e.test bob@e2e.test
check_delivered pass pass pass.e2e.test 1
send fail a@fail.e2e.test bob@e2e.test
check_delivered fail fail fail.e2e.test 2
if grep -q '^ts=.*mailfrom=a@fail.e2e.test .*spf=fail .*action=accept' "$MCONF.decisions" 2>/dev/null; then
  pass "postfix e2e: decision log: spf=fail action=accept under the default policy"
else
  fail "postfix e2e: decision log: spf=fail action=accept under the default policy" "$(tail -2 "$MCONF.decisions" 2>/dev/null)"
fi

# --- SPFFailAction reject: the configured reply reaches the client --------
em_stop
em_conf "$MCONF" "$MPORT" "SPFFailAction reject" "SPFFailReply $FAILREPLY"
if ! em_start "$MCONF" "$MPORT"; then fail "postfix e2e: milter restarts with SPFFailAction reject" "$(tail -3 "$MCONF.stderr")"; exit 0; fi
before=$(pf_mail_count "$PF")
send reject a@fail.e2e.test bob@e2e.test
if grep -qF "<** $FAILREPLY_SEEN" "$T_TMP/reject.swaks"; then
  pass "postfix e2e: SPFFailAction reject: swaks sees \"$FAILREPLY_SEEN\""
else
  fail "postfix e2e: SPFFailAction reject: swaks sees \"$FAILREPLY_SEEN\"" "$(grep -E '^<\*\*|^ -> MAIL|^ -> RCPT' "$T_TMP/reject.swaks" | head -3)"
fi
# mailfrom identity: the reject comes at MAIL or RCPT, before any data.
if grep -q '^ -> DATA' "$T_TMP/reject.swaks"; then fail "postfix e2e: SPF reject happens before DATA" "swaks sent DATA"
else pass "postfix e2e: SPF reject happens before DATA (no data transferred)"; fi
send pass2 a@pass.e2e.test bob@e2e.test
pf_wait_mail "$PF" $((before + 1)) 20
if [ "$(pf_mail_count "$PF")" -eq $((before + 1)) ] && [ -n "$(pf_find_mail "$PF" 'Subject: e2e pass2')" ] \
   && [ -z "$(pf_find_mail "$PF" 'Subject: e2e reject')" ]; then
  pass "postfix e2e: with SPFFailAction reject the pass sender is still delivered and the fail sender is not"
else
  fail "postfix e2e: with SPFFailAction reject the pass sender is still delivered and the fail sender is not" "count $(pf_mail_count "$PF"), was $before"
fi
if grep -q '^ts=.*mailfrom=a@fail.e2e.test .*spf=fail .*action=reject reason=spf' "$MCONF.decisions" 2>/dev/null; then
  pass "postfix e2e: decision log: spf=fail action=reject reason=spf"
else
  fail "postfix e2e: decision log: spf=fail action=reject reason=spf" "$(tail -2 "$MCONF.decisions" 2>/dev/null)"
fi
if pf_log "$PF" | grep -q "milter-reject: .*$FAILREPLY_SEEN"; then
  pass "postfix e2e: Postfix logs milter-reject with the configured reply"
else
  fail "postfix e2e: Postfix logs milter-reject with the configured reply" "$(pf_log "$PF" | grep -i reject | tail -2)"
fi

# --- the replies as the XMail admin guide writes them (no enhanced code) --
# The client sees each with the RFC 7372 code of its result added, in the
# class of the reply code (man spfdkim-milter.conf, "Replies").
em_stop
em_conf "$MCONF" "$MPORT" "SPFFailAction reject" "SPFFailReply 550 Connection not accepted due to spam" \
  "SPFSoftfailAction reject" "SPFSoftfailReply 451 Please try again later" \
  "SPFNoneAction reject" "SPFNoneReply 554 Transaction failed"
if ! em_start "$MCONF" "$MPORT"; then fail "postfix e2e: milter restarts with the guide's replies" "$(tail -3 "$MCONF.stderr")"; exit 0; fi
for g in "fail|550 5.7.23 Connection not accepted due to spam" "soft|451 4.7.23 Please try again later" \
         "none|554 5.7.23 Transaction failed"; do
  send "guide-${g%%|*}" "a@${g%%|*}.e2e.test" bob@e2e.test
  if grep -qxF "<** ${g#*|}" "$T_TMP/guide-${g%%|*}.swaks" && pf_log "$PF" | grep -qF "milter-reject: MAIL from localhost[127.0.0.1]: ${g#*|};" \
     && [ -z "$(pf_find_mail "$PF" "Subject: e2e guide-${g%%|*}")" ]; then
    pass "postfix e2e: the guide's reply reaches the client as \"${g#*|}\" and Postfix logs it"
  else
    fail "postfix e2e: the guide's reply reaches the client as \"${g#*|}\"" "$(grep -E '^<\*\*' "$T_TMP/guide-${g%%|*}.swaks" | head -2) $(pf_log "$PF" | grep milter-reject | tail -1)"
  fi
done

# --- save-reject and quarantine: the spam folder, through real Postfix ---
SPAM=$T_TMP/spam; mkdir -p "$SPAM"
em_stop
em_conf "$MCONF" "$MPORT" "SPFFailAction save-reject" "SpamFolder $SPAM" "SpamLog $T_TMP/spam.log"
if ! em_start "$MCONF" "$MPORT"; then fail "postfix e2e: milter restarts with SPFFailAction save-reject" "$(tail -3 "$MCONF.stderr")"; exit 0; fi
before=$(pf_mail_count "$PF")
send savereject a@fail.e2e.test bob@e2e.test
saved=$(grep -l 'Subject: e2e savereject' "$SPAM"/new/* 2>/dev/null | head -1)
if grep -qE '^ -> \.$' "$T_TMP/savereject.swaks" && grep -qE '^<\*\* 550 5\.7\.23 ' "$T_TMP/savereject.swaks" && [ -n "$saved" ] \
   && grep -q '^Authentication-Results: mx.e2e.test; spf=fail' "$saved" && [ "$(pf_mail_count "$PF")" -eq "$before" ]; then
  pass "postfix e2e: SPFFailAction save-reject: 550 5.7.23 after DATA, copy with our headers in SpamFolder/new, not delivered"
else
  fail "postfix e2e: SPFFailAction save-reject: 550 5.7.23 after DATA, copy in SpamFolder/new, not delivered" "$(grep '^<\*\*' "$T_TMP/savereject.swaks"; ls "$SPAM"/new 2>&1 | head -2)"
fi
if grep -q '^ts=.* mailfrom=a@fail.e2e.test rcpts=bob@e2e.test .*action=save-reject .*saved=' "$T_TMP/spam.log" 2>/dev/null; then
  pass "postfix e2e: spam log line: mailfrom, rcpts, action=save-reject, saved=PATH"
else
  fail "postfix e2e: spam log line: mailfrom, rcpts, action=save-reject, saved=PATH" "$(tail -1 "$T_TMP/spam.log" 2>/dev/null)"
fi
em_stop
em_conf "$MCONF" "$MPORT" "SPFFailAction quarantine" "SpamFolder $SPAM" "SpamLog $T_TMP/spam.log"
if ! em_start "$MCONF" "$MPORT"; then fail "postfix e2e: milter restarts with SPFFailAction quarantine" "$(tail -3 "$MCONF.stderr")"; exit 0; fi
send quarantine a@fail.e2e.test bob@e2e.test
# Wait until Postfix has dealt with it (it logs the discard), then look.
i=0; while ! pf_log "$PF" | grep -q 'milter-discard: END-OF-MESSAGE' && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
qsaved=$(grep -l 'Subject: e2e quarantine' "$SPAM"/new/* 2>/dev/null | head -1)
if grep -qE '^<-  250 ' "$T_TMP/quarantine.swaks" && ! grep -q '^<\*\*' "$T_TMP/quarantine.swaks" && [ -n "$qsaved" ] \
   && pf_log "$PF" | grep -q 'milter-discard: END-OF-MESSAGE' && [ -z "$(pf_find_mail "$PF" 'Subject: e2e quarantine')" ]; then
  pass "postfix e2e: SPFFailAction quarantine: client gets 250, Postfix logs milter-discard, copy in SpamFolder/new, nothing in the inbox"
else
  fail "postfix e2e: SPFFailAction quarantine: client gets 250, copy in SpamFolder/new, nothing in the inbox" "$(grep '^<' "$T_TMP/quarantine.swaks" | tail -2)"
fi

# --- DMARC p=reject honoured: refused after DATA with 5.7.26 --------------
# MAIL FROM passes SPF (pass.e2e.test allows 127.0.0.1) but is not aligned
# with From: at dmr-reject.test, whose record says p=reject (tests/dns/zones/dmarc.zone).
em_stop
em_conf "$MCONF" "$MPORT" "DMARCRejectAction reject"
if ! em_start "$MCONF" "$MPORT"; then fail "postfix e2e: milter restarts with DMARCRejectAction reject" "$(tail -3 "$MCONF.stderr")"; exit 0; fi
before=$(pf_mail_count "$PF")
send dmarcreject a@pass.e2e.test bob@e2e.test --header "From: CEO <ceo@dmr-reject.test>"
if grep -qE '^ -> \.$' "$T_TMP/dmarcreject.swaks" &&
   grep -qF '<** 550 5.7.26 Unauthenticated mail from dmr-reject.test is refused by its DMARC policy' "$T_TMP/dmarcreject.swaks" &&
   [ "$(pf_mail_count "$PF")" -eq "$before" ]; then
  pass "postfix e2e: DMARCRejectAction reject: a p=reject From: failing alignment gets 550 5.7.26 after DATA, not delivered"
else
  fail "postfix e2e: DMARCRejectAction reject: a p=reject From: failing alignment gets 550 5.7.26 after DATA" "$(grep '^<\*\*' "$T_TMP/dmarcreject.swaks" | head -2)"
fi
if tail -1 "$MCONF.decisions" 2>/dev/null | grep -q ' spf=pass .*action=reject reason=dmarc .*dmarc=fail dmarc_from=dmr-reject.test dmarc_p=reject'; then
  pass "postfix e2e: decision log: spf=pass action=reject reason=dmarc dmarc=fail dmarc_p=reject"
else
  fail "postfix e2e: decision log: spf=pass action=reject reason=dmarc dmarc=fail dmarc_p=reject" "$(tail -1 "$MCONF.decisions" 2>/dev/null)"
fi

# --- milter down: milter_default_action from the snippet (accept) ---------
em_stop
send down a@fail.e2e.test bob@e2e.test
before=$((before + 1))
if pf_wait_mail "$PF" "$before" 20 && f=$(pf_find_mail "$PF" 'Subject: e2e down') && [ -n "$f" ] \
   && ! grep -q '^Authentication-Results: mx.e2e.test' "$f"; then
  pass "postfix e2e: milter down: mail accepted unchanged (milter_default_action = accept)"
else
  fail "postfix e2e: milter down: mail accepted unchanged (milter_default_action = accept)" "$(grep '^<' "$T_TMP/down.swaks" | tail -2)"
fi

# --- DKIM signing of locally submitted mail (non_smtpd_milters) -----------
# A key made by spfdkim-ctl genkey, published by a second test unbound that
# also serves the zone line genkey printed; mail goes in through Postfix's
# sendmail(1) -> pickup -> cleanup, which only the snippet's
# non_smtpd_milters line sends through the milter.
K=$T_TMP/keys; mkdir -p "$K"
if "$(bin release spfdkim-ctl)" genkey -d sign.e2e.test -s e2e -D "$K" >"$K/genkey.out" 2>&1 \
   && grep '^e2e\._domainkey\.sign\.e2e\.test\. ' "$K/genkey.out" > "$K/sign.zone" \
   && DNS2=$(EXTRA_ZONES=$K/sign.zone bash "$TOP/tests/dns/unbound.sh" start "$T_TMP/dns2"); then
  track_pid "$(cat "$T_TMP/dns2/unbound.pid")"
  printf 'k1 sign.e2e.test:e2e:%s/e2e.private\n' "$K" > "$K/KeyTable"
  printf '*@sign.e2e.test k1\n' > "$K/SigningTable"
  em_stop
  TEST_DNS=$DNS2 em_conf "$MCONF" "$MPORT" "KeyTable $K/KeyTable" "SigningTable refile:$K/SigningTable"
  if em_start "$MCONF" "$MPORT"; then
    before=$(pf_mail_count "$PF")
    printf 'From: a@sign.e2e.test\nTo: bob@e2e.test\nSubject: e2e local\n\nhello from the pickup path\n' \
      | sendmail -C "$PF/etc" -f a@sign.e2e.test bob@e2e.test
    if pf_wait_mail "$PF" $((before + 1)) 20 && f=$(pf_find_mail "$PF" 'Subject: e2e local') && [ -n "$f" ] \
       && grep -q '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=sign.e2e.test;' "$f"; then
      pass "postfix e2e: mail submitted with sendmail(1) is DKIM-signed (non_smtpd_milters): d=sign.e2e.test s=e2e"
      v=$("$(bin release spfdkim-ctl)" dkim-verify "$f" --resolver "$DNS2" 2>&1)
      if [ $? -eq 0 ] && grep -q '^dkim=pass header.d=sign.e2e.test header.s=e2e' <<<"$v"; then
        pass "postfix e2e: the delivered signature verifies with spfdkim-ctl dkim-verify (dkim=pass)"
      else
        fail "postfix e2e: the delivered signature verifies with spfdkim-ctl dkim-verify" "$v"
      fi
      if $PY - "$f" "$DNS2" <<'PYEOF' >"$T_TMP/dkimpy.log" 2>&1
import sys, dkim, dns.resolver
host, port = sys.argv[2].split("@")
r = dns.resolver.Resolver(configure=False)
r.nameservers = [host]
r.port = int(port)
def txt(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    return b"".join(r.resolve(name, "TXT")[0].strings)
msg = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
sys.exit(0 if dkim.verify(msg, dnsfunc=txt) else 1)
PYEOF
      then pass "postfix e2e: the delivered signature verifies with dkimpy (independent verifier)"
      else fail "postfix e2e: the delivered signature verifies with dkimpy" "$(tail -2 "$T_TMP/dkimpy.log")"; fi
    else
      fail "postfix e2e: mail submitted with sendmail(1) is DKIM-signed (non_smtpd_milters)" "$(pf_log "$PF" | tail -2)"
    fi
  else
    fail "postfix e2e: milter restarts with KeyTable/SigningTable" "$(tail -3 "$MCONF.stderr")"
  fi
else
  fail "postfix e2e: DKIM key and its test DNS" "$(tail -2 "$K/genkey.out")"
fi

[ -n "${E2E_KEEP:-}" ] && cp -r "$T_TMP" "$E2E_KEEP"
exit 0
