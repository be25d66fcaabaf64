#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 40-xmail-bridge.sh - xmail-milter-bridge replayed the way XMail 1.27 calls
# an SMTP filter (tests/data/xmail/README.md): a copy of each spool
# fixture in a temp dir under its own name, the argv of args/*.args built
# from the shipped conf/xmail/filters.<stage>.tab line, then checks on the
# exit code, $(FILE).rej and the rewritten $(FILE).
#
# Milters: bridge_testmilter (libmilter; records what it gets and answers as
# told), OpenDKIM in signing mode (its DKIM-Signature must verify with
# dkimpy on the delivered form), our spfdkim-milter, and bad_milter.py for
# protocol faults. Fault tests check the configured verdict and that the
# spool file stays byte-identical.
. "$(dirname "$0")/../lib.sh"

FIX=$DATA/xmail
TM=$(bin release bridge_testmilter)
BLOG=$T_TMP/bridge.log
# BRIDGE_VARIANT=asan runs every check below on the ASan+UBSan build.
BV=${BRIDGE_VARIANT:-release}
BRIDGE=$(bin "$BV" xmail-milter-bridge)

if [ ! -x "$BRIDGE" ] || [ ! -x "$TM" ]; then
  fail "xmail bridge: xmail-milter-bridge and bridge_testmilter are built" "missing $BRIDGE or $TM"
  exit 0
fi

argval() { sed -n "s/^argv\[$2\]=\[\(.*\)\]\$/\1/p" "$FIX/args/$1.args"; }

# Plan: 93 checks that do not depend on the fixtures (17 of them the
# sender-shaped header ones: 2 packet-size milters, 1 past the header cap,
# 12 through spfdkim-milter under save-reject, 2 with a non-header line); per fixture, 1 under
# ASan and 3 + (post-data ? 2 : 1) under release; per post-data fixture and
# OpenDKIM canonicalization (2), 1 + 1 if its From: has a domain and its body
# has stuffed dots (the control check).
n=93
for s in "$FIX"/spool/*.spool; do
  name=$(basename "$s" .spool)
  stage=$(argval "$name" 1 2>/dev/null); [ -n "$stage" ] || stage=post-data
  if [ "$stage" = post-data ]; then
    n=$((n + 1 + 5 + 2))
    sed -n '/^<<MAIL-DATA>>\r$/,/^\r$/p' "$s" | grep -qaE '^From: .*@' && grep -q '^\.\.' "$s" && n=$((n + 2))
  else
    n=$((n + 1 + 4))
  fi
done
plan $n

# replay NAME MILTER [extra bridge args...]: runs the bridge on a copy of
# spool/NAME.spool with argv from the tab line; sets W, F, RC.
replay() {
  local name=$1 milter=$2 stage file auth remote local from rcpt msgref f prev=
  shift 2
  if [ -f "$FIX/args/$name.args" ]; then
    stage=$(argval "$name" 1); file=$(argval "$name" 2); auth=$(argval "$name" 3)
    remote=$(argval "$name" 4); local=$(argval "$name" 5); from=$(argval "$name" 6)
    rcpt=$(argval "$name" 7); msgref=$(argval "$name" 9)
  else
    # The queue file XMail corrupted (HELO with ';') has no recorded argv.
    stage=post-data; file=/tmp/5f1c0de5a1d0b2c3d4e5f60718293a4b.xtmp; auth=-
    remote='[127.0.0.1]:58348'; local='[127.0.0.1]:2525'; from=a@sender.test
    rcpt=alice@example.test; msgref=S42
  fi
  [ -n "${STAGE_OVERRIDE:-}" ] && stage=$STAGE_OVERRIDE
  W=$(mktemp -d "$T_TMP/run.XXXXXX")
  F=$W/$(basename "$file")
  cp "$FIX/spool/$name.spool" "$F"
  chmod 666 "$F"
  [ -n "${SPOOL_OVERRIDE:-}" ] && cp "$SPOOL_OVERRIDE" "$F"
  cp "$F" "$W/orig"
  local -a argv=()
  while IFS= read -r f; do
    f=${f#\"}; f=${f%\"}
    case "$f" in
      @@FILE) f=$F ;; @@USERAUTH) f=$auth ;; @@REMOTEADDR) f=$remote ;;
      @@LOCALADDR) f=$local ;; @@FROM) f=$from ;; @@CRCPT) f=$rcpt ;; @@MSGREF) f=$msgref ;;
    esac
    case "$prev" in --milter) f=$milter ;; --log) f=$BLOG ;; esac
    argv+=("$f"); prev=$f
  done < <(grep -v '^#' "$TOP/conf/xmail/filters.$stage.tab" | head -1 | tr '\t' '\n')
  argv[0]=$BRIDGE
  (umask 0; exec "${argv[@]}" "$@") </dev/null >"$W/stdout" 2>"$W/stderr"
  RC=$?
  if grep -qE 'Sanitizer|runtime error' "$W/stderr"; then
    fail "xmail bridge: $name ($*): no sanitizer report" "$(grep -m3 -E 'ERROR|runtime error|#[0-3] ' "$W/stderr" | tr '\n' ' ')"
  fi
}

nrej() { [ ! -e "$F.rej" ]; }
same() { cmp -s "$F" "$W/orig"; }
rejline() { head -1 "$F.rej" 2>/dev/null | tr -d '\r'; }
# env_same: the lines before <<MAIL-DATA>> are byte-identical.
env_same() { cmp -s <(sed -n '1,/^<<MAIL-DATA>>\r$/p' "$F") <(sed -n '1,/^<<MAIL-DATA>>\r$/p' "$W/orig"); }
body_same() { cmp -s <(sed '1,/^\r$/d' "$F") <(sed '1,/^\r$/d' "$W/orig"); }
all_crlf() { ! LC_ALL=C grep -qa $'[^\r]$' "$F" && [ "$(tail -c 2 "$F" | od -An -c | tr -d ' ')" = '\r\n' ]; }

# start_tm MODES [ADDR]: starts a bridge_testmilter (tracked, killed at
# exit) and sets port to its TCP port. Not for $(...): that is a subshell.
start_tm() {
  local dump
  port=$(free_port)
  dump=$T_TMP/dump.$port
  mkdir -p "$dump"
  "$TM" -p "inet:$port@127.0.0.1" -m "$1" -d "$dump" ${2:+-R "$2"} >"$T_TMP/tm.$port.log" 2>&1 &
  track_pid $!
  wait_port "$port" 10
}
dump_of() { echo "$T_TMP/dump.$1"; }
clear_dump() { rm -f "$(dump_of "$1")/events" "$(dump_of "$1")/body"; }

# ---------------------------------------------------------------- shipped config
for st in post-rcpt pre-data post-data; do
  n=$(grep -v '^#' "$TOP/conf/xmail/filters.$st.tab" | grep -c .)
  if [ "$n" = 1 ] && grep -v '^#' "$TOP/conf/xmail/filters.$st.tab" | grep -q "\"--stage\"	\"$st\"	" &&
     ! grep -v '^#' "$TOP/conf/xmail/filters.$st.tab" | tr '\t' '\n' | grep -qv '^"[^"]*"$'; then
    pass "xmail bridge: conf/xmail/filters.$st.tab holds one TAB-separated, fully quoted filter line"
  else
    fail "xmail bridge: conf/xmail/filters.$st.tab holds one TAB-separated, fully quoted filter line"
  fi
done

# ---------------------------------------------------------------- replay, recording milter
start_tm record; REC=$port
FIXTURES=$(cd "$FIX/spool" && ls *.spool | sed 's/\.spool$//')
for variant in release asan; do
  BRIDGE=$(bin $variant xmail-milter-bridge)
  [ -x "$BRIDGE" ] || { fail "xmail bridge ($variant): binary built" "missing $BRIDGE"; continue; }
  for name in $FIXTURES; do
    clear_dump "$REC"
    replay "$name" "inet:$REC@127.0.0.1"
    D=$(dump_of "$REC")
    if [ "$RC" = 0 ] && nrej && same; then
      pass "xmail bridge ($variant): $name: accept = exit 0, no .rej, file unchanged"
    else
      fail "xmail bridge ($variant): $name: accept = exit 0, no .rej, file unchanged" "rc=$RC rej=$(rejline) $(cat "$W/stderr")"
    fi
    [ -s "$W/stderr" ] && [ "$variant" = asan ] && fail "xmail bridge (asan): $name: no sanitizer report" "$(head -5 "$W/stderr")"
    [ "$variant" = release ] || continue
    stage=$(argval "$name" 1 2>/dev/null); [ -n "$stage" ] || stage=post-data
    nr=$(grep -c '^RCPT TO:' "$W/orig")
    got=$(grep -c '^rcpt ' "$D/events" 2>/dev/null)
    want=$nr; [ "$stage" = post-rcpt ] && want=$((nr + 1))
    if [ "$got" = "$want" ]; then pass "xmail bridge: $name: one milter RCPT per RCPT line$([ "$stage" = post-rcpt ] && echo ' plus CRCPT') ($want)"
    else fail "xmail bridge: $name: one milter RCPT per RCPT line" "got $got want $want"; fi
    mailline=$(sed -n 4p "$W/orig" | tr -d '\r' | sed 's/^[Mm][Aa][Ii][Ll] [Ff][Rr][Oo][Mm]://')
    if grep -qxF "mail $mailline" "$D/events"; then pass "xmail bridge: $name: MAIL carries the address and ESMTP args of line 4 ($mailline)"
    else fail "xmail bridge: $name: MAIL carries the address and ESMTP args of line 4" "$(grep '^mail' "$D/events")"; fi
    case $stage in
      post-data)
        if cmp -s "$D/body" <($PY "$TOP/tests/bridge/unstuff.py" "$W/orig"); then
          pass "xmail bridge: $name: the milter gets the un-stuffed body, byte for byte"
        else fail "xmail bridge: $name: the milter gets the un-stuffed body, byte for byte" "$(cmp "$D/body" <($PY "$TOP/tests/bridge/unstuff.py" "$W/orig") 2>&1)"; fi
        nh=$(sed -n '/^<<MAIL-DATA>>\r$/,/^\r$/p' "$W/orig" | grep -ac '^[^ 	<].*:')
        gh=$(grep -c '^header ' "$D/events")
        if [ "$nh" = "$gh" ] && grep -q '^eoh$' "$D/events" && grep -q '^eom$' "$D/events"; then
          pass "xmail bridge: $name: every header ($nh), EOH and EOM reach the milter"
        else fail "xmail bridge: $name: every header, EOH and EOM reach the milter" "headers $gh of $nh"; fi ;;
      pre-data)
        if grep -q '^data$' "$D/events" && ! grep -q '^header' "$D/events"; then pass "xmail bridge: $name: DATA reaches the milter, no content"
        else fail "xmail bridge: $name: DATA reaches the milter, no content"; fi ;;
      post-rcpt)
        if ! grep -q '^data$' "$D/events"; then pass "xmail bridge: $name: post-rcpt stops after RCPT (no DATA)"
        else fail "xmail bridge: $name: post-rcpt stops after RCPT (no DATA)"; fi ;;
    esac
  done
done
BRIDGE=$(bin "$BV" xmail-milter-bridge)

# Macros.
clear_dump "$REC"; replay post-data-auth "inet:$REC@127.0.0.1"; D=$(dump_of "$REC")
for m in 'j=example.test' '{daemon_name}=XMail' 'i=S4' '{client_addr}=127.0.0.1' '{client_port}=46286' \
         '{auth_authen}=alice@example.test' '{mail_addr}=alice@example.test' '{rcpt_addr}=bob@example.test'; do
  if grep -qxF "macro $m" "$D/events"; then pass "xmail bridge: macro $m reaches the milter"
  else fail "xmail bridge: macro $m reaches the milter" "$(grep macro "$D/events" | sort -u | tr '\n' ' ')"; fi
done
if grep -q '^connect \[127.0.0.1\] 4 127.0.0.1 46286$' "$D/events" && grep -qx 'helo client.test' "$D/events"; then
  pass "xmail bridge: CONNECT gives [127.0.0.1] port 46286 from @@REMOTEADDR, HELO client.test from line 1"
else fail "xmail bridge: CONNECT and HELO" "$(grep -E '^(connect|helo)' "$D/events")"; fi
clear_dump "$REC"; replay post-data-plain "inet:$REC@127.0.0.1"
if ! grep -q 'auth_authen' "$D/events"; then pass "xmail bridge: no {auth_authen} when @@USERAUTH is \"-\""
else fail "xmail bridge: no {auth_authen} when @@USERAUTH is \"-\""; fi
clear_dump "$REC"; replay post-data-null-sender "inet:$REC@127.0.0.1"
if grep -qx 'mail <>' "$D/events"; then pass "xmail bridge: the null sender (empty @@FROM) is MAIL <>"
else fail "xmail bridge: the null sender (empty @@FROM) is MAIL <>" "$(grep ^mail "$D/events")"; fi
# An address longer than any fixed buffer reaches the milter whole.
long=$(printf 'l%.0s' $(seq 1500))@sender.test
sed "4s/.*/MAIL FROM:<$long>\r/" "$FIX/spool/post-data-plain.spool" > "$T_TMP/longaddr.spool"
clear_dump "$REC"; SPOOL_OVERRIDE=$T_TMP/longaddr.spool replay post-data-plain "inet:$REC@127.0.0.1"
if [ "$RC" = 0 ] && grep -qxF "mail <$long>" "$(dump_of "$REC")/events"; then pass "xmail bridge: a 1,512-char MAIL FROM address reaches the milter whole"
else fail "xmail bridge: a 1,512-char MAIL FROM address reaches the milter whole" "rc=$RC $(grep ^mail "$(dump_of "$REC")/events" | cut -c1-80)"; fi
# HELO with ';' (parse line 1 from the right).
sed '1s/^client\.test;/we;ird.test;/' "$FIX/spool/post-data-plain.spool" > "$T_TMP/semi.spool"
clear_dump "$REC"; SPOOL_OVERRIDE=$T_TMP/semi.spool replay post-data-plain "inet:$REC@127.0.0.1"
if grep -qx 'helo we;ird.test' "$D/events" && [ "$RC" = 0 ] && same; then pass "xmail bridge: a HELO containing ';' is parsed from the right (we;ird.test)"
else fail "xmail bridge: a HELO containing ';' is parsed from the right" "$(grep ^helo "$D/events")"; fi
clear_dump "$REC"; replay queue-file-helo-with-semicolon "inet:$REC@127.0.0.1"
if [ "$RC" = 0 ] && same && grep -q 'line 1 has fewer' "$BLOG"; then pass "xmail bridge: a corrupt line 1 is logged, the message still goes through the milter"
else fail "xmail bridge: a corrupt line 1 is logged, the message still goes through the milter" "rc=$RC"; fi

# ---------------------------------------------------------------- verdicts
vcheck() { # NAME MODES WANT_RC WANT_REJ_REGEX [fixture] [stage-override] [-R addr]
  local label=$1 modes=$2 wrc=$3 wrej=$4 fx=${5:-post-data-plain}
  start_tm "$modes" "${7:-}"
  STAGE_OVERRIDE=${6:-} replay "$fx" "inet:$port@127.0.0.1"
  if [ "$wrc" = 3 ]; then
    if [ "$RC" = 3 ] && [ "$(wc -l < "$F.rej")" = 1 ] && rejline | grep -qE "^$wrej\$" && same; then
      pass "xmail bridge: $label -> exit 3, .rej \"$(rejline)\", file unchanged"
    else fail "xmail bridge: $label -> exit 3 and one .rej line matching $wrej" "rc=$RC rej=$(rejline)"; fi
  else
    if [ "$RC" = 0 ] && nrej; then pass "xmail bridge: $label -> exit 0, no .rej"
    else fail "xmail bridge: $label -> exit 0, no .rej" "rc=$RC rej=$(rejline)"; fi
  fi
}
vcheck "REJECT at end of message" reject-eom 3 '550 5\.7\.1 Command rejected'
vcheck "TEMPFAIL at end of message" tempfail-eom 3 '451 4\.7\.1 .+'
vcheck "REPLYCODE 554 (with %%)" replycode 3 '554 5\.7\.1 Rejected 100% by test'
vcheck "multi-line REPLYCODE folded to one line" replycode-multi 3 '550 5\.7\.0 first line second line third line'
vcheck "REJECT at MAIL" reject-mail 3 '550 5\.7\.1 Command rejected'
vcheck "ACCEPT at MAIL (no more events)" accept-mail 0 ''
vcheck "RCPT reject at post-rcpt for @@CRCPT" reject-rcpt 3 '550 5\.1\.1 No such user here' post-rcpt-second-rcpt '' info@example.test
vcheck "RCPT reject at post-rcpt of an earlier recipient is ignored" reject-rcpt 0 '' post-rcpt-second-rcpt '' alice@example.test
vcheck "RCPT tempfail at pre-data" tempfail-rcpt 3 '451 4\.7\.1 Greylisted, try later' pre-data '' info@example.test
vcheck "PROGRESS then accept" progress 0 ''
vcheck "SKIP in the body" record,skip 0 ''

start_tm discard-eom; replay post-data-multi-rcpt "inet:$port@127.0.0.1"
if [ "$RC" = 0 ] && nrej && ! grep -q '^RCPT TO:' "$F" && body_same && all_crlf; then
  pass "xmail bridge: DISCARD removes every RCPT line (XMail then drops the message), exit 0"
else fail "xmail bridge: DISCARD removes every RCPT line" "rc=$RC $(grep -c RCPT "$F")"; fi

# DISCARD at post-rcpt: XMail adds this and later RCPTs after the filter, so
# a marker line after line 4 makes it see none (measured on XMail 1.27);
# later calls for the message skip the milter.
start_tm discard-rcpt,reject-eom info@example.test
replay post-rcpt-second-rcpt "inet:$port@127.0.0.1"
if [ "$RC" = 0 ] && nrej && [ "$(sed -n 5p "$F" | tr -d '\r')" = "X-Milter-Bridge: discarded" ] &&
   cmp -s <(sed 5d "$F") "$W/orig"; then
  pass "xmail bridge: DISCARD at post-rcpt puts the discard line after line 4 (XMail then drops the whole message), exit 0"
else fail "xmail bridge: DISCARD at post-rcpt" "rc=$RC line5=$(sed -n 5p "$F")"; fi
cp "$F" "$T_TMP/discarded.spool"
{ cat "$T_TMP/discarded.spool"; printf 'RCPT TO:<info@example.test> {ra=bob@example.test}\r\n<<MAIL-DATA>>\r\nSubject: x\r\n\r\nbody\r\n'; } > "$T_TMP/discarded-data.spool"
clear_dump "$port"
SPOOL_OVERRIDE=$T_TMP/discarded-data.spool replay post-data-plain "inet:$port@127.0.0.1"
if [ "$RC" = 0 ] && nrej && same && [ ! -s "$(dump_of "$port")/events" ] && grep -q 'already discarded' "$BLOG"; then
  pass "xmail bridge: a message discarded at post-rcpt is not sent to the milter again (post-data: exit 0, file unchanged)"
else fail "xmail bridge: a message discarded at post-rcpt is not sent to the milter again" "rc=$RC rej=$(rejline)"; fi

# ---------------------------------------------------------------- modifications
start_tm addheader,insheader0,insheader2,chgheader,delheader; replay post-data-plain "inet:$port@127.0.0.1"
hdrs=$(sed -n '/^<<MAIL-DATA>>\r$/,/^\r$/p' "$F" | tr -d '\r')
want=$'<<MAIL-DATA>>\nX-Test-Top: top\n\tfolded\nX-Test-Third: third\nDate: Sun, 29 Nov 2026 10:46:48 +0000\nTo: alice@example.test\nFrom: sender@sender.test\nSubject: changed subject\nMessage-Id: <20261129104648.014628@vm>\nX-Test-Added: added value'
if [ "$RC" = 0 ] && [ "$hdrs" = "$want" ] && env_same && body_same && all_crlf; then
  pass "xmail bridge: ADDHEADER, INSHEADER 0 and 2 (Postfix index: its Received: counts as 1), CHGHEADER, delete: headers as expected, envelope and body byte for byte, CRLF"
else fail "xmail bridge: header modifications" "rc=$RC got: $(echo "$hdrs" | tr '\n' '|')"; fi
if [ "$(stat -c %a "$F")" = 666 ]; then pass "xmail bridge: the rewritten file keeps XMail's mode 0666 (umask 0)"
else fail "xmail bridge: the rewritten file keeps XMail's mode 0666 (umask 0)" "mode $(stat -c %a "$F")"; fi
if [ -z "$(ls "$W" | grep -v -e '^orig$' -e '^stdout$' -e '^stderr$' -e "^$(basename "$F")\$")" ]; then
  pass "xmail bridge: no temp file is left beside \$(FILE)"
else fail "xmail bridge: no temp file is left beside \$(FILE)" "$(ls "$W")"; fi

start_tm replbody; replay post-data-plain "inet:$port@127.0.0.1"
body=$(sed '1,/^\r$/d' "$F")
if [ "$RC" = 0 ] && [ "$body" = $'new body line 1\r\n..leading dot\r\n..\r\nlast\r' ] && env_same; then
  pass "xmail bridge: REPLBODY is re-stuffed (.x -> ..x, . -> ..) and CRLF-terminated"
else fail "xmail bridge: REPLBODY is re-stuffed" "$(printf %s "$body" | od -c | head -5)"; fi

start_tm addrcpt,addrcpt_par,delrcpt,chgfrom; replay post-data-multi-rcpt "inet:$port@127.0.0.1"
envl=$(sed -n '4,/^<<MAIL-DATA>>/p' "$F" | tr -d '\r')
wantenv=$'MAIL FROM:<changed@sender.test> BODY=8BITMIME\nRCPT TO:<bob@example.test> {ra=bob@example.test}\nRCPT TO:<info@example.test> {ra=bob@example.test}\nRCPT TO:<postmaster@example.test> {ra=alice@example.test}\nRCPT TO:<added@example.test>\nRCPT TO:<added2@example.test>\n<<MAIL-DATA>>'
if [ "$RC" = 0 ] && [ "$envl" = "$wantenv" ] && cmp -s <(head -3 "$F") <(head -3 "$W/orig") && body_same; then
  pass "xmail bridge: CHGFROM rewrites line 4, ADDRCPT/ADDRCPT_PAR add RCPT lines, DELRCPT removes one; lines 1-3 byte for byte"
else fail "xmail bridge: envelope modifications" "$(echo "$envl" | tr '\n' '|')"; fi

start_tm addheader,leadspc; replay post-data-plain "inet:$port@127.0.0.1"
if grep -qa $'^X-Test-Added:added value\r$' "$F" && grep -q '^header Subject: plain test$' "$(dump_of "$port")/events"; then
  pass "xmail bridge: SMFIP_HDR_LEADSPC: values travel with their leading space, none is added"
else fail "xmail bridge: SMFIP_HDR_LEADSPC" "$(grep -a X-Test "$F")"; fi

start_tm record,nr,addheader; clear_dump "$port"; replay post-data-long-body "inet:$port@127.0.0.1"
if [ "$RC" = 0 ] && grep -qa '^X-Test-Added: added value' "$F" && body_same && \
   cmp -s "$(dump_of "$port")/body" <($PY "$TOP/tests/bridge/unstuff.py" "$W/orig"); then
  pass "xmail bridge: NR_* (no replies) negotiated: 297 KB message streamed, header added"
else fail "xmail bridge: NR_* (no replies) negotiated" "rc=$RC"; fi

start_tm nohdrs,nobody,addheader; replay post-data-plain "inet:$port@127.0.0.1"
if [ "$RC" = 0 ] && grep -qa '^X-Test-Added' "$F"; then pass "xmail bridge: NOHDRS/NOBODY negotiated: those steps are skipped, EOM still works"
else fail "xmail bridge: NOHDRS/NOBODY negotiated" "rc=$RC"; fi

start_tm quarantine; replay post-data-plain "inet:$port@127.0.0.1"
if [ "$RC" = 0 ] && same && grep -q 'quarantine (test quarantine) requested' "$BLOG"; then
  pass "xmail bridge: QUARANTINE without --spam-folder: delivered unchanged and logged"
else fail "xmail bridge: QUARANTINE without --spam-folder" "rc=$RC"; fi
SF=$T_TMP/spam/Maildir; mkdir -p "$SF"/{tmp,new,cur}
replay post-data-plain "inet:$port@127.0.0.1" --spam-folder "$SF"
if [ "$RC" = 0 ] && ! grep -q '^RCPT TO:' "$F" && [ "$(ls "$SF/new" | wc -l)" = 1 ] && grep -q '^\.leading dot line' "$SF/new"/*; then
  pass "xmail bridge: QUARANTINE with --spam-folder: copy saved (un-stuffed), message discarded"
else fail "xmail bridge: QUARANTINE with --spam-folder" "rc=$RC files=$(ls "$SF/new" | wc -l) $(tail -1 "$BLOG")"; fi

# unix socket
USOCK=$T_TMP/tm.sock
"$TM" -p "unix:$USOCK" -m addheader >"$T_TMP/tmu.log" 2>&1 & track_pid $!
wait_file "$USOCK" 10
replay post-data-plain "unix:$USOCK"
if [ "$RC" = 0 ] && grep -qa '^X-Test-Added' "$F"; then pass "xmail bridge: unix: milter socket works"
else fail "xmail bridge: unix: milter socket works" "rc=$RC $(tail -1 "$BLOG")"; fi

# inet6 socket (loopback ::1), when the host has IPv6
if [ -e /proc/net/if_inet6 ]; then
  p6=$(free_port)
  "$TM" -p "inet6:$p6@[::1]" -m addheader >"$T_TMP/tm6.log" 2>&1 & track_pid $!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/::1/$p6") 2>/dev/null && break; sleep 0.1; done
  replay post-data-plain "inet6:$p6@::1"
  if [ "$RC" = 0 ] && grep -qa '^X-Test-Added' "$F"; then pass "xmail bridge: inet6: milter socket works (::1)"
  else fail "xmail bridge: inet6: milter socket works (::1)" "rc=$RC $(tail -1 "$BLOG")"; fi
else
  skip "xmail bridge: inet6: milter socket works (::1)" "this host has no IPv6 (/proc/net/if_inet6 missing)"
fi

# ---------------------------------------------------------------- faults
fault() { # LABEL MILTER [extra]
  local label=$1 m=$2; shift 2
  replay post-data-plain "$m" --timeout 3 "$@"
  if [ "$RC" = 0 ] && nrej && same; then pass "xmail bridge: $label, fail-open -> exit 0, no .rej, file byte-identical"
  else fail "xmail bridge: $label, fail-open" "rc=$RC rej=$(rejline)"; fi
  replay post-data-plain "$m" --timeout 3 --on-error tempfail "$@"
  if [ "$RC" = 3 ] && rejline | grep -qE '^451 4\.7\.1 ' && same; then pass "xmail bridge: $label, tempfail -> exit 3, .rej 451 4.7.1, file byte-identical"
  else fail "xmail bridge: $label, tempfail" "rc=$RC rej=$(rejline)"; fi
}
start_tm die-body; fault "milter killed mid-message (SIGKILL in the body)" "inet:$port@127.0.0.1"
start_tm hang-eom,addheader
s0=$(date +%s); fault "milter hangs at end of message (--timeout 3)" "inet:$port@127.0.0.1"; s1=$(date +%s)
fault "milter socket missing (unix:)" "unix:$T_TMP/nonexistent.sock"
fault "nothing listens on the inet: port" "inet:$(free_port)@127.0.0.1"
for mode in garbage badlen close; do
  bp=$(free_port); $PY "$TOP/tests/bridge/bad_milter.py" "$bp" "$mode" & track_pid $!
  wait_port "$bp" 10
  fault "milter sends $mode" "inet:$bp@127.0.0.1"
done
fault "bad --milter value" "tcp:nonsense"

# A header bigger than the milter's packets (issue 12): libmilter drops the
# connection on command data over its negotiated size (64 KB - 1 unless
# SMFIP_MDS_*), which used to make the bridge fail open. The bridge offers
# SMFIP_MDS_1M and cuts what does not fit; --on-error tempfail shows any
# dropped connection as exit 3.
$PY "$TOP/tests/bridge/big_headers.py" "$T_TMP/fold70.spool" a@sender.test mx.bridge.test fold 70
for mode in size64k size1m; do
  bp=$(free_port); $PY "$TOP/tests/bridge/bad_milter.py" "$bp" "$mode" "$T_TMP/max.$mode" & track_pid $!
  wait_port "$bp" 10
  SPOOL_OVERRIDE=$T_TMP/fold70.spool replay post-data-plain "inet:$bp@127.0.0.1" --on-error tempfail
  max=$(cat "$T_TMP/max.$mode" 2>/dev/null)
  if [ $mode = size64k ]; then
    if [ "$RC" = 0 ] && nrej && [ -n "$max" ] && [ "$max" -le 65535 ] && tail -1 "$BLOG" | grep -q 'cut to fit'; then
      pass "xmail bridge: a 70 KB folded header to a 64 KB milter: cut to fit (largest packet $max bytes), the milter's verdict applies (exit 0)"
    else fail "xmail bridge: a 70 KB folded header to a 64 KB milter: cut to fit" "rc=$RC max=$max $(tail -1 "$BLOG")"; fi
  else
    if [ "$RC" = 0 ] && nrej && [ -n "$max" ] && [ "$max" -gt 70000 ]; then
      pass "xmail bridge: SMFIP_MDS_1M negotiated: the 70 KB header goes whole ($max bytes), exit 0"
    else fail "xmail bridge: SMFIP_MDS_1M negotiated: the 70 KB header goes whole" "rc=$RC max=$max $(tail -1 "$BLOG")"; fi
  fi
done
replay post-data-plain "inet:1@127.0.0.1" --bogus-option x
if [ "$RC" = 0 ] && nrej && same; then pass "xmail bridge: an unknown option is logged and the message accepted"
else fail "xmail bridge: an unknown option is logged and the message accepted" "rc=$RC"; fi

# Past the spool's caps (SPOOL_MAX_HEADERS = 100,000 headers) the message is
# too big to hand to the milter: refused, never let through unchecked, even
# with --on-error fail-open.
$PY "$TOP/tests/bridge/big_headers.py" "$T_TMP/toomany.spool" a@sender.test mx.bridge.test count 100001
clear_dump "$REC"
SPOOL_OVERRIDE=$T_TMP/toomany.spool replay post-data-plain "inet:$REC@127.0.0.1"
if [ "$RC" = 3 ] && rejline | grep -qE '^552 5\.3\.4 ' && same && tail -1 "$BLOG" | grep -q 'more than 100000 headers'; then
  pass "xmail bridge: 100,006 headers (past the cap) -> exit 3, .rej \"$(rejline)\", not fail-open"
else fail "xmail bridge: 100,006 headers (past the cap) -> exit 3 + 552" "rc=$RC rej=$(rejline) $(tail -1 "$BLOG" | cut -f8-)"; fi

# $(FILE) already gone (XMail stopped waiting): never leave a .rej behind.
W3=$(mktemp -d "$T_TMP/gone.XXXXXX")
"$BRIDGE" --stage post-data --milter "unix:$T_TMP/nonexistent.sock" --file "$W3/gone.xtmp" \
  --on-error tempfail --log "$BLOG" </dev/null >/dev/null 2>&1
rc=$?
if [ $rc = 0 ] && [ -z "$(ls "$W3")" ]; then pass "xmail bridge: \$(FILE) already gone -> exit 0 and no orphan .rej, even with --on-error tempfail"
else fail "xmail bridge: \$(FILE) already gone -> no orphan .rej" "rc=$rc $(ls "$W3")"; fi

# Memory stays bounded: a 20 MB message is streamed both ways.
BB=$TOP/build/release/bench/bridge_bench
if [ -x "$BB" ]; then
  $PY - "$T_TMP/big.spool" <<'EOF'
import sys
env = (b'c.test;[127.0.0.1]:1;example.test;[127.0.0.1]:2525;date;logo\r\nexample.test\r\nS1\r\n'
       b'MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.test>\r\n<<MAIL-DATA>>\r\n'
       b'Subject: big\r\nFrom: a@sender.test\r\n\r\n')
line = b'..' + b'y' * 76 + b'\r\n'
open(sys.argv[1], 'wb').write(env + line * (20 * 1024 * 1024 // len(line)))
EOF
  start_tm addheader
  out=$("$BB" "$BRIDGE" "inet:$port@127.0.0.1" "$T_TMP/big.spool" 1 0)
  rss=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' <<<"$out")
  lim=8; [ "$BV" = asan ] && lim=64   # ASan's shadow memory and quarantine
  if grep -q 'nonzero_exits=0' <<<"$out" && [ -n "$rss" ] && [ "$rss" -lt $((lim * 1024)) ]; then
    pass "xmail bridge: a 20 MB message (header added, file rewritten) peaks at ${rss} KB RSS (< $lim MB)"
  else fail "xmail bridge: a 20 MB message stays under $lim MB RSS" "$out"; fi
else
  fail "xmail bridge: a 20 MB message stays under 8 MB RSS" "$BB is not built (make all)"
fi

# Inherited fds and the blocked signal mask (as XMail starts filters).
start_tm hang-eom; clear_dump "$port"
W2=$(mktemp -d "$T_TMP/fd.XXXXXX"); cp "$FIX/spool/post-data-plain.spool" "$W2/x.xtmp"
exec 7<>"$W2/inherited"
$PY - "$BRIDGE" "$port" "$W2/x.xtmp" "$BLOG" <<'EOF' &
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP})
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
br, port, f, log = sys.argv[1:5]
os.execv(br, [br, '--stage', 'post-data', '--milter', 'inet:%s@127.0.0.1' % port, '--file', f,
              '--auth', '-', '--remote', '[127.0.0.1]:1', '--local', '[127.0.0.1]:2525', '--from', '',
              '--rcpt', 'a@b', '--msgref', 'S1', '--timeout', '4', '--log', log])
EOF
bpid=$!
exec 7>&-
# Handshake: the milter has logged EOM, so the bridge is past its start-up
# and waits for the (hanging) verdict.
for _ in $(seq 100); do grep -qx eom "$(dump_of "$port")/events" 2>/dev/null && break; sleep 0.1; done
fds=$(ls /proc/$bpid/fd 2>/dev/null | sort -n | tr '\n' ' ')
sigblk=$(awk '/^SigBlk/{print $2}' /proc/$bpid/status 2>/dev/null)
sigign=$(awk '/^SigIgn/{print $2}' /proc/$bpid/status 2>/dev/null)
inh=$(ls -l /proc/$bpid/fd 2>/dev/null | grep -c inherited)
wait $bpid
if [ "$inh" = 0 ] && [ -n "$fds" ]; then pass "xmail bridge: inherited fds above 2 are closed at start (open: $fds)"
else fail "xmail bridge: inherited fds above 2 are closed at start" "fds: $fds inherited=$inh"; fi
# Signals 32 and 33 are glibc's own (SIGCANCEL, SIGSETXID): sigaction() refuses
# them, so a launcher that ignores them (some CI shells do) is beyond our reach.
if [ "$sigblk" = 0000000000000000 ] && [ -n "$sigign" ] && (( (0x$sigign & ~0x180000000) == 0 )); then pass "xmail bridge: the inherited signal mask and ignored signals are reset"
else fail "xmail bridge: the inherited signal mask and ignored signals are reset" "SigBlk=$sigblk SigIgn=$sigign"; fi

# Disk full in the spool directory: a tiny tmpfs.
MNT=$T_TMP/full
mkdir -p "$MNT"
if mount -t tmpfs -o size=512k tmpfs "$MNT" 2>/dev/null; then
  trap 'umount "$MNT" 2>/dev/null; t_cleanup' EXIT
  start_tm addheader,insheader0
  for pol in fail-open tempfail; do
    rm -rf "${MNT:?}"/*
    FF=$MNT/042ed12f4248cc470873c9ca4aeb15f1.xtmp
    cp "$FIX/spool/post-data-long-body.spool" "$FF"; chmod 666 "$FF"
    # Fill the tmpfs, then free two pages: room for a .rej, not for a rewrite.
    dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
    truncate -s -8k "$MNT/filler"
    "$BRIDGE" --stage post-data --milter "inet:$port@127.0.0.1" --file "$FF" --auth - \
      --remote '[127.0.0.1]:43496' --local '[127.0.0.1]:2525' --from sender@sender.test \
      --rcpt alice@example.test --msgref S8 --on-error $pol --log "$BLOG" </dev/null >/dev/null 2>&1
    rc=$?
    left=$(ls "$MNT" | grep -v -e filler -e '\.rej$' -e '\.xtmp$')
    if [ $pol = fail-open ]; then
      if [ $rc = 0 ] && [ ! -e "$FF.rej" ] && cmp -s "$FF" "$FIX/spool/post-data-long-body.spool" && [ -z "$left" ]; then
        pass "xmail bridge: disk full in the spool dir, fail-open -> exit 0, file byte-identical, no temp left"
      else fail "xmail bridge: disk full in the spool dir, fail-open" "rc=$rc left=$left $(tail -1 "$BLOG")"; fi
    else
      if [ $rc = 3 ] && head -1 "$FF.rej" | grep -q '^451 4\.7\.1 ' && cmp -s "$FF" "$FIX/spool/post-data-long-body.spool" && [ -z "$left" ]; then
        pass "xmail bridge: disk full in the spool dir, tempfail -> exit 3, .rej 451, file byte-identical"
      else fail "xmail bridge: disk full in the spool dir, tempfail" "rc=$rc left=$left $(tail -1 "$BLOG")"; fi
    fi
  done
  umount "$MNT"
else
  fail "xmail bridge: disk-full test mounts a tmpfs" "mount -t tmpfs failed (not root?)"
fi

# One log line per call, XMail style.
n_calls=$(grep -c . "$BLOG")
if ! grep -qvE '^"[^"]*"(	"[^"]*")*$' "$BLOG" && [ "$n_calls" -gt 20 ]; then
  pass "xmail bridge: --log FILE has one TAB-separated quoted line per call ($n_calls lines)"
else fail "xmail bridge: --log FILE has one TAB-separated quoted line per call" "$(grep -vE '^"[^"]*"(	"[^"]*")*$' "$BLOG" | head -2)"; fi

# ---------------------------------------------------------------- OpenDKIM
if command -v opendkim >/dev/null && command -v opendkim-genkey >/dev/null; then
  OD=$T_TMP/opendkim
  mkdir -p "$OD"
  opendkim-genkey -b 2048 -d example.test -s bridge -D "$OD" >/dev/null 2>&1
  for canon in relaxed/simple simple/simple; do
  ODP=$(free_port)
  cat > "$OD/opendkim.conf" <<EOF
Mode s
Domain example.test,sender.test
KeyFile $OD/bridge.private
Selector bridge
Socket inet:$ODP@127.0.0.1
InternalHosts 127.0.0.1
Canonicalization $canon
Background no
Syslog no
RequireSafeKeys no
PidFile $OD/pid
EOF
  opendkim -f -x "$OD/opendkim.conf" >"$OD/log" 2>&1 &
  odpid=$!
  track_pid $odpid
  if wait_port "$ODP" 10; then pass "xmail bridge: OpenDKIM runs in signing mode ($canon) on inet:$ODP@127.0.0.1"
  else fail "xmail bridge: OpenDKIM runs in signing mode ($canon)" "$(cat "$OD/log")"; fi
  for name in $FIXTURES; do
    stage=$(argval "$name" 1 2>/dev/null); [ -n "$stage" ] || stage=post-data
    [ "$stage" = post-data ] || continue
    replay "$name" "inet:$ODP@127.0.0.1"
    if ! { [ "$RC" = 0 ] && nrej && env_same && body_same && all_crlf; }; then
      fail "xmail bridge + OpenDKIM $canon: $name: exit 0, envelope and body byte for byte" "rc=$RC $(tail -1 "$BLOG")"; continue
    fi
    if sed -n '/^<<MAIL-DATA>>\r$/,/^\r$/p' "$W/orig" | grep -qaE '^From: .*@'; then
      if grep -qa "^DKIM-Signature: .*c=$canon" "$F" && out=$($PY "$TOP/tests/bridge/dkim_verify.py" "$F" "$OD/bridge.txt" 2>&1); then
        pass "xmail bridge + OpenDKIM $canon: $name: DKIM-Signature inserted, verifies with dkimpy on the delivered form"
      else fail "xmail bridge + OpenDKIM $canon: $name: DKIM-Signature verifies with dkimpy" "$out"; fi
      if grep -q '^\.\.' "$W/orig" && ! $PY "$TOP/tests/bridge/dkim_verify.py" "$F" "$OD/bridge.txt" --stuffed >/dev/null 2>&1; then
        pass "xmail bridge + OpenDKIM $canon: $name: (control) the still-stuffed form does not verify"
      fi
    else
      if [ "$(grep -ca '^DKIM-Signature:' "$F")" = 0 ]; then pass "xmail bridge + OpenDKIM $canon: $name: no From domain, nothing signed, exit 0"
      else fail "xmail bridge + OpenDKIM $canon: $name: no From domain, nothing signed"; fi
    fi
  done
  kill $odpid 2>/dev/null; wait $odpid 2>/dev/null
  done
else
  fail "xmail bridge + OpenDKIM: opendkim is installed" "apt-get install opendkim opendkim-tools"
fi

# ---------------------------------------------------------------- our milter
if [ -x "$(bin release spfdkim-milter)" ] && need_dns; then
  . "$TOP/tests/e2e/milter.sh"
  MP=$(free_port)
  # The replies as the XMail admin guide writes them, without an enhanced
  # code (man spfdkim-milter.conf: the client gets the RFC 7372 code added).
  em_conf "$T_TMP/sdm.conf" "$MP" "AuthservID mx.bridge.test" "SPFFailAction reject" "DKIMSign no" \
    "SPFFailReply 550 Connection not accepted due to spam" \
    "SPFSoftfailAction reject" "SPFSoftfailReply 451 Please try again later" \
    "SPFNoneAction reject" "SPFNoneReply 554 Transaction failed"
  if em_start "$T_TMP/sdm.conf" "$MP"; then
    pass "xmail bridge + spfdkim-milter: the milter listens on inet:$MP@127.0.0.1"
    sed -e '4s/.*/MAIL FROM:<a@pass.e2e.test>\r/' "$FIX/spool/post-data-plain.spool" > "$T_TMP/pass.spool"
    SPOOL_OVERRIDE=$T_TMP/pass.spool replay post-data-plain "inet:$MP@127.0.0.1"
    if [ "$RC" = 0 ] && nrej && grep -qa '^Authentication-Results: mx\.bridge\.test;.*spf=pass' "$F" && env_same && body_same; then
      pass "xmail bridge + spfdkim-milter: SPF pass -> exit 0, Authentication-Results: mx.bridge.test; spf=pass inserted"
    else fail "xmail bridge + spfdkim-milter: SPF pass -> A-R inserted" "rc=$RC $(grep -a '^Authentication-Results' "$F") $(tail -1 "$BLOG")"; fi
    sed -e '4s/.*/MAIL FROM:<a@fail.e2e.test>\r/' "$FIX/spool/post-data-plain.spool" > "$T_TMP/fail.spool"
    SPOOL_OVERRIDE=$T_TMP/fail.spool replay post-data-plain "inet:$MP@127.0.0.1"
    if [ "$RC" = 3 ] && rejline | grep -qE '^550 5\.7\.23 ' && [ "$(wc -l < "$F.rej")" = 1 ] && same; then
      pass "xmail bridge + spfdkim-milter: SPF fail with SPFFailAction reject -> exit 3, .rej \"$(rejline)\""
    else fail "xmail bridge + spfdkim-milter: SPF fail -> exit 3 + .rej" "rc=$RC rej=$(rejline) $(tail -1 "$BLOG")"; fi
    for g in "fail|550 5.7.23 Connection not accepted due to spam" "soft|451 4.7.23 Please try again later" \
             "none|554 5.7.23 Transaction failed"; do
      sed -e "4s/.*/MAIL FROM:<a@${g%%|*}.e2e.test>\r/" "$FIX/spool/post-data-plain.spool" > "$T_TMP/guide.spool"
      SPOOL_OVERRIDE=$T_TMP/guide.spool replay post-data-plain "inet:$MP@127.0.0.1"
      if [ "$RC" = 3 ] && [ "$(rejline)" = "${g#*|}" ] && same; then
        pass "xmail bridge + spfdkim-milter: the guide's reply \"${g#*|}\" reaches XMail's .rej with its RFC 7372 code"
      else fail "xmail bridge + spfdkim-milter: the guide's reply \"${g#*|}\" reaches the .rej" "rc=$RC rej=$(rejline) $(tail -1 "$BLOG")"; fi
    done
    STAGE_OVERRIDE=post-rcpt SPOOL_OVERRIDE=$T_TMP/fail.spool replay post-rcpt-first-rcpt "inet:$MP@127.0.0.1"
    if [ "$RC" = 3 ] && rejline | grep -qE '^550 5\.7\.23 '; then
      pass "xmail bridge + spfdkim-milter: the same reject at the post-rcpt stage -> exit 3 + .rej"
    else fail "xmail bridge + spfdkim-milter: reject at post-rcpt" "rc=$RC rej=$(rejline) $(tail -1 "$BLOG")"; fi
    em_stop
  else
    fail "xmail bridge + spfdkim-milter: the milter starts" "$(tail -3 "$T_TMP/sdm.conf.stderr" "$T_TMP/sdm.conf.log" 2>/dev/null)"
  fi

  # What a sender does to the header section must not skip the check
  # (issue 12): a 70 KB folded header, a forged A-R folded to 70 KB, 20,000
  # headers; each with a forged "Authentication-Results: mx.bridge.test;
  # dkim=pass". SPF fail under save-reject: 550; SPF pass: accepted with no
  # forged A-R left. Run by the release and the ASan bridge.
  MP=$(free_port)
  mkdir -p "$T_TMP/sr-spam"/{tmp,new,cur}
  em_conf "$T_TMP/sr.conf" "$MP" "AuthservID mx.bridge.test" "SPFFailAction save-reject" \
    "SpamFolder $T_TMP/sr-spam" "DKIMSign no"
  if em_start "$T_TMP/sr.conf" "$MP"; then
    for variant in release asan; do
      BRIDGE=$(bin $variant xmail-milter-bridge)
      for big in "fold 70" "forged-fold 70" "count 20000"; do
        set -- $big
        what="a $2 KB folded header"; [ "$1" = forged-fold ] && what="a forged A-R folded to $2 KB"
        [ "$1" = count ] && what="$2 headers"
        $PY "$TOP/tests/bridge/big_headers.py" "$T_TMP/big-fail.spool" a@fail.e2e.test mx.bridge.test "$1" "$2"
        SPOOL_OVERRIDE=$T_TMP/big-fail.spool replay post-data-plain "inet:$MP@127.0.0.1"
        if [ "$RC" = 3 ] && rejline | grep -qE '^550 5\.7\.23 ' && same; then
          pass "xmail bridge ($variant) + spfdkim-milter: $what and a forged A-R, SPF fail under save-reject -> exit 3, .rej \"$(rejline | cut -c1-40)...\""
        else fail "xmail bridge ($variant) + spfdkim-milter: $what, SPF fail under save-reject -> 550" "rc=$RC rej=$(rejline) $(tail -1 "$BLOG" | cut -f8-)"; fi
        $PY "$TOP/tests/bridge/big_headers.py" "$T_TMP/big-pass.spool" a@pass.e2e.test mx.bridge.test "$1" "$2"
        SPOOL_OVERRIDE=$T_TMP/big-pass.spool replay post-data-plain "inet:$MP@127.0.0.1"
        if [ "$RC" = 0 ] && nrej && ! grep -qa '^Authentication-Results: mx\.bridge\.test; dkim=pass' "$F" &&
           grep -qa '^Authentication-Results: mx\.bridge\.test;.*spf=pass' "$F" && body_same; then
          pass "xmail bridge ($variant) + spfdkim-milter: $what, SPF pass -> exit 0, every forged A-R gone, ours inserted"
        else fail "xmail bridge ($variant) + spfdkim-milter: $what, SPF pass -> forged A-R gone" "rc=$RC forged=$(grep -ac '^Authentication-Results: mx.bridge.test; dkim=pass' "$F") $(tail -1 "$BLOG" | cut -f8-)"; fi
      done
    done
    # A line that is no header ends the header section for the milter; the
    # bridge adds the empty line before it (as Postfix does), so a forged
    # A-R after it is body text for every reader, not a header.
    $PY "$TOP/tests/bridge/big_headers.py" "$T_TMP/garbage.spool" a@pass.e2e.test mx.bridge.test garbage 0
    for variant in release asan; do
      BRIDGE=$(bin $variant xmail-milter-bridge)
      SPOOL_OVERRIDE=$T_TMP/garbage.spool replay post-data-plain "inet:$MP@127.0.0.1"
      hs=$(sed -n '/^<<MAIL-DATA>>\r$/,/^\r$/p' "$F")
      if [ "$RC" = 0 ] && nrej && ! grep -qa 'dkim=pass' <<<"$hs" && grep -qa '^Authentication-Results: mx\.bridge\.test;.*spf=pass' <<<"$hs" &&
         [ "$(sed '1,/^\r$/d' "$F" | head -2 | tr -d '\r' | tr '\n' '|')" = "this line is no header|Authentication-Results: mx.bridge.test; dkim=pass header.d=example.test|" ]; then
        pass "xmail bridge ($variant) + spfdkim-milter: a non-header line in the headers gets an empty line before it: the forged A-R after it is body text"
      else fail "xmail bridge ($variant) + spfdkim-milter: a non-header line in the headers gets an empty line before it" "rc=$RC $(tail -1 "$BLOG" | cut -f8-) $(sed -n '/^<<MAIL-DATA>>/,$p' "$F" | head -12 | tr '\r\n' ' |')"; fi
    done
    BRIDGE=$(bin "$BV" xmail-milter-bridge)
    em_stop
  else
    fail "xmail bridge + spfdkim-milter (save-reject): the milter starts" "$(tail -3 "$T_TMP/sr.conf.stderr" "$T_TMP/sr.conf.log" 2>/dev/null)"
  fi
else
  fail "xmail bridge + spfdkim-milter: milter built and test DNS up" "missing $(bin release spfdkim-milter) or DNS"
fi
