#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 71-sendmail.sh - end to end through Debian's sendmail on loopback.
#
# Sendmail comes from its unpacked .debs (apt-get download, cached in
# /var/cache/spfdkim-test; never installed, because the sendmail and postfix
# packages conflict). Its sendmail.cf is built by m4 from a test .mc that
# include()s contrib/sendmail/spfdkim-milter.mc, the file admins paste;
# only SPFDKIM_MILTER_SOCKET is defined to the test's port. swaks speaks
# SMTP to sendmail -bD on 127.0.0.1:PORT; spfdkim-milter (CheckLoopback yes)
# checks SPF against the test DNS (tests/dns/zones/e2e.zone).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/e2e/sendmail.sh"
. "$TOP/tests/e2e/milter.sh"

SNIPPET=$TOP/contrib/sendmail/spfdkim-milter.mc
if [ ! -x "$(em_bin)" ]; then fail "sendmail e2e: milter/spfdkim-milter is built" "missing $(em_bin)"; exit 0; fi
# Plan: 11 checks; 1 skip when Debian's packages cannot be downloaded here.
sm_fetch; rc=$?
if [ $rc -eq 2 ]; then
  plan 1
  skip "sendmail e2e: mail through Debian's sendmail and spfdkim-milter" \
    "cannot download $SM_DEBS with apt-get download: $(grep -E '^(E|W|Err):' "$SM_CACHE/download.log" | tail -2 | tr '\n' ' ')"
  exit 0
fi
plan 11
if [ $rc -eq 0 ]; then pass "sendmail e2e: Debian sendmail-bin/sendmail-cf unpacked (not installed) in $SM_ROOT"
else fail "sendmail e2e: Debian sendmail-bin/sendmail-cf unpacked (not installed) in $SM_ROOT" "$(tail -3 "$SM_CACHE/download.log" 2>/dev/null)"; exit 0; fi
need_dns || exit 0

SM=$T_TMP/sm
SMTP_PORT=$(free_port)
MPORT=$(free_port)
MCONF=$T_TMP/milter.conf

if sm_setup "$SM" "$SMTP_PORT" e2e.test "$SNIPPET" "inet:$MPORT@127.0.0.1"; then
  pass "sendmail e2e: sendmail.cf built by m4 with contrib/sendmail/spfdkim-milter.mc"
else
  fail "sendmail e2e: sendmail.cf built by m4 with contrib/sendmail/spfdkim-milter.mc" "$(cat "$SM/m4.log" "$SM/newaliases.log" 2>/dev/null | tail -3)"
  exit 0
fi
# The snippet's filter definition, with its timeouts, is in the .cf.
xline=$(grep '^Xspfdkim-milter,' "$SM/sendmail.cf")
if [ "$xline" = "Xspfdkim-milter, S=inet:$MPORT@127.0.0.1, T=C:10s;S:10s;R:50s;E:2m" ] \
   && grep -q '^O InputMailFilters=spfdkim-milter$' "$SM/sendmail.cf"; then
  pass "sendmail e2e: sendmail.cf has Xspfdkim-milter with T=C:10s;S:10s;R:50s;E:2m and InputMailFilters"
else
  fail "sendmail e2e: sendmail.cf has Xspfdkim-milter with T=C:10s;S:10s;R:50s;E:2m and InputMailFilters" "got: $xline"
fi

em_conf "$MCONF" "$MPORT"
if em_start "$MCONF" "$MPORT"; then pass "sendmail e2e: spfdkim-milter listens on inet:$MPORT@127.0.0.1"
else fail "sendmail e2e: spfdkim-milter listens on inet:$MPORT@127.0.0.1" "$(tail -3 "$MCONF.stderr" "$MCONF.log" 2>/dev/null)"; exit 0; fi
if sm_start "$SM" "$SMTP_PORT"; then pass "sendmail e2e: sendmail -bD listens on 127.0.0.1:$SMTP_PORT (hostname mx.e2e.test via unshare --uts)"
else fail "sendmail e2e: sendmail -bD listens on 127.0.0.1:$SMTP_PORT (hostname mx.e2e.test via unshare --uts)" "$(tail -3 "$SM/sendmail.out")"; exit 0; fi

send() {
  local name=$1 from=$2; shift 2
  swaks --server "127.0.0.1:$SMTP_PORT" --helo client.e2e.test --from "$from" --to bob@e2e.test \
        --header "Subject: e2e $name" "$@" >"$T_TMP/$name.swaks" 2>&1
}
headers_top() {
  awk 'NR==1 && /^From /{next} /^$/{exit} /^Date: /{exit} {print}' "$1" | sed -e ':a' -e 'N;$!ba' -e 's/\n[ \t]\+/ /g'
}

# One message through the milter, default (accept) policy.
send pass a@pass.e2e.test
if sm_wait_mail "$SM" 1 30 && f=$(grep -l 'Subject: e2e pass' "$SM"/mail/*.eml) && [ -n "$f" ]; then
  pass "sendmail e2e: pass sender delivered by the local mailer"
  top=$(headers_top "$f")
  if grep -qE '^Authentication-Results: mx\.e2e\.test;.*spf=pass .*smtp\.mailfrom=[^ ;]*pass\.e2e\.test' <<<"$top" \
     && grep -qE '^Received-SPF: pass ' <<<"$top"; then
    pass "sendmail e2e: delivered with Received-SPF: pass and Authentication-Results: mx.e2e.test; spf=pass at the top"
  else
    fail "sendmail e2e: delivered with Received-SPF: pass and Authentication-Results: mx.e2e.test; spf=pass at the top" "top: $(tr '\n' '|' <<<"$top")"
  fi
  # Sendmail passes the queue id (macro i) at MAIL.
  qid=$(sed -n 's/^<-  250 2.0.0 \([^ ]*\) Message accepted.*/\1/p' "$T_TMP/pass.swaks")
  if [ -n "$qid" ] && grep -q "^ts=.* qid=$qid ip=127.0.0.1 .*mailfrom=a@pass.e2e.test .*spf=pass .*action=accept" "$MCONF.decisions"; then
    pass "sendmail e2e: decision log line carries sendmail's queue id ($qid) and spf=pass action=accept"
  else
    fail "sendmail e2e: decision log line carries sendmail's queue id and spf=pass action=accept" "qid=$qid; $(tail -1 "$MCONF.decisions" 2>/dev/null)"
  fi
else
  fail "sendmail e2e: pass sender delivered by the local mailer" "$(grep '^<' "$T_TMP/pass.swaks" | tail -2)"
fi

# sendmail -bs (SMTP on stdin, e.g. from inetd or a local client) calls the
# milter with no client address: SPF cannot be evaluated, the milter must
# cope, and the mail goes through with its DKIM result.
before=$(sm_mail_count "$SM")
swaks --pipe "env LD_LIBRARY_PATH=$SM_LIBS unshare --uts sh -c 'hostname mx.e2e.test && exec $SM_BIN -C $SM/sendmail.cf -bs'" \
      --helo client.e2e.test --from a@pass.e2e.test --to bob@e2e.test --header "Subject: e2e bs" >"$T_TMP/bs.swaks" 2>&1
if sm_wait_mail "$SM" $((before + 1)) 30 && f=$(grep -l 'Subject: e2e bs' "$SM"/mail/*.eml) && [ -n "$f" ] \
   && [ "$(headers_top "$f" | grep -c '^Authentication-Results: mx.e2e.test; dkim=none')" = 1 ] \
   && grep -q '^ts=.* ip=- .*mailfrom=a@pass.e2e.test .*spf=- .*skip=loopback action=accept' "$MCONF.decisions"; then
  pass "sendmail e2e: sendmail -bs (no client address): delivered with Authentication-Results (dkim=none), decision ip=- spf=- skip=loopback"
else
  fail "sendmail e2e: sendmail -bs (no client address): delivered, decision skip=loopback" "$(grep '^<' "$T_TMP/bs.swaks" | tail -2; tail -1 "$MCONF.decisions")"
fi

# SPFFailAction reject: the configured reply reaches the client through sendmail.
em_stop
em_conf "$MCONF" "$MPORT" "SPFFailAction reject"
if ! em_start "$MCONF" "$MPORT"; then fail "sendmail e2e: milter restarts with SPFFailAction reject" "$(tail -3 "$MCONF.stderr")"; exit 0; fi
send reject a@fail.e2e.test
if grep -qE '^<\*\* 550 5\.7\.23 ' "$T_TMP/reject.swaks" && ! grep -q '^ -> DATA' "$T_TMP/reject.swaks"; then
  pass "sendmail e2e: SPFFailAction reject: swaks sees \"$(grep -m1 '^<\*\*' "$T_TMP/reject.swaks" | cut -c5-)\" before DATA"
else
  fail "sendmail e2e: SPFFailAction reject: swaks sees 550 5.7.23 before DATA" "$(grep -E '^<\*\*|^<-  2' "$T_TMP/reject.swaks" | tail -3)"
fi

# Milter down: the snippet sets no F= flag, so mail flows on unchanged.
em_stop
before=$(sm_mail_count "$SM")
send down a@fail.e2e.test
if sm_wait_mail "$SM" $((before + 1)) 30 && f=$(grep -l 'Subject: e2e down' "$SM"/mail/*.eml) && [ -n "$f" ] \
   && ! grep -q '^Authentication-Results: mx.e2e.test' "$f"; then
  pass "sendmail e2e: milter down: mail delivered unchanged (no F= flag in the snippet)"
else
  fail "sendmail e2e: milter down: mail delivered unchanged (no F= flag in the snippet)" "$(grep '^<' "$T_TMP/down.swaks" | tail -2)"
fi

sm_stop
[ -n "${E2E_KEEP:-}" ] && cp -r "$T_TMP" "$E2E_KEEP"
exit 0
