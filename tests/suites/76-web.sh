#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 76-web.sh - spfdkim-web, the admin's page, in a real browser (headless
# Chromium driven by Selenium: tests/web/browser.py), release and ASan builds.
#
# A scratch directory owned by nobody holds the milter's config (Key value),
# whitelist, logs, spam folder and an XMail MailRoot with the bridge line in
# filters.post-data.tab; spfdkim-milter runs as nobody (UserID), the page is
# started as root with -u nobody and drops to it, as in production. Mail
# reaches the milter through xmail-milter-bridge on XMail-style spool files.
# Release goes to a private Postfix (tests/e2e/postfix.sh, no milter) through
# tests/web/sendmail-smtp.sh, since Postfix's sendmail refuses -C DIR to the
# unprivileged user the page runs as. Before the browser runs, plain HTTP
# checks (tests/web/http_checks.py) edit an XMail tab-format config and try
# refusals, ../ file names and the login rate limit.
# Screenshots of each page go to $WEB_SHOTS when set (doc/screenshots/).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/e2e/milter.sh"
. "$TOP/tests/e2e/postfix.sh"

PER_VARIANT=26
VARIANTS=${WEB_VARIANTS:-release asan}
NV=$(wc -w <<<"$VARIANTS")
HTTP_CHECKS=9
plan $((3 + HTTP_CHECKS + NV * PER_VARIANT))

WEB_REL=$TOP/milter/spfdkim-web
if [ ! -x "$WEB_REL" ] || [ ! -x "$(em_bin)" ] || [ ! -x "$(bin release xmail-milter-bridge)" ]; then
  for i in $(seq $((3 + HTTP_CHECKS + NV * PER_VARIANT))); do fail "web: spfdkim-web, spfdkim-milter and the bridge are built" "make all"; done
  exit 0
fi
if ! $PY -c 'import selenium' 2>/dev/null || [ ! -x /usr/bin/chromedriver ]; then
  for i in $(seq $((3 + HTTP_CHECKS + NV * PER_VARIANT))); do fail "web: chromium-driver and python3-selenium are installed" "tools/install-deps.sh test"; done
  exit 0
fi
need_dns || exit 0
chmod 711 "$T_TMP"

# --- the password file and the privilege rules ------------------------------
PW='correct horse battery'
W0=$T_TMP/pw; mkdir -p "$W0"
if echo "$PW" | "$WEB_REL" passwd "$W0/passwd" admin >/dev/null 2>&1 && grep -q '^admin:\$y\$' "$W0/passwd" \
   && [ "$(stat -c %a "$W0/passwd")" = 600 ]; then
  pass "web: spfdkim-web passwd writes a yescrypt hash (\$y\$) into a 0600 file"
else fail "web: spfdkim-web passwd writes a yescrypt hash" "$(cat "$W0/passwd" 2>&1)"; fi
printf 'Socket inet:1@127.0.0.1\n' > "$W0/c.conf"
out=$("$WEB_REL" -c "$W0/c.conf" -P "$W0/passwd" -p "$(free_port)" 2>&1)
if [ $? -ne 0 ] && grep -q 'refusing to run as root' <<<"$out"; then
  pass "web: started as root with no -u and no UserID it refuses to run"
else fail "web: started as root with no -u it refuses to run" "$out"; fi
out=$(echo short | "$WEB_REL" passwd "$W0/passwd" bob 2>&1)
if [ $? -ne 0 ] && grep -q 'too short' <<<"$out"; then pass "web: passwd refuses a password shorter than 8 characters"
else fail "web: passwd refuses a short password" "$out"; fi

# --- plain HTTP on an XMail tab-format config (tests/web/http_checks.py) ----
H=$T_TMP/http; mkdir -p "$H/spam"
# The spam folder is an XMail account's Maildir; release goes to spool/local.
MR=$H/MailRoot; SPAMD=$MR/domains/example.test/spam/Maildir
mkdir -p "$SPAMD/new" "$SPAMD/cur" "$SPAMD/tmp" "$MR/spool/temp" "$MR/spool/local"
printf '# MailRoot/spam-spf-conf.tab written by 76-web.sh\n"Socket"\t"inet:1@127.0.0.1"\n"SPFFailAction"\t"accept"\n"SpamFolder"\t"xmail:%s:spam@example.test"\n' "$MR" > "$H/spam-spf-conf.tab"
# A copy as the milter saves it for XMail: our block first, lines starting
# with '.' stuffed.
printf 'X-Spam-Folder-Envelope: spfdkim-milter; saved=2026-12-06T10:00:00Z; qid=Q1\r\nX-Spam-Folder-Client-IP: 192.0.2.7\r\nX-Spam-Folder-HELO: h.example\r\nX-Spam-Folder-Mail-From: <a@fail.e2e.test>\r\nX-Spam-Folder-Rcpt-To: <bob@example.test>, <carol@example.test>\r\nX-Spam-Folder-Results: spf=fail dkim=none\r\nX-Spam-Folder-Action: quarantine\r\nAuthentication-Results: mx.e2e.test; spf=fail smtp.mailfrom=a@fail.e2e.test\r\nSubject: xmail release\r\n\r\n..a line that starts with a dot\r\nbye\r\n' > "$SPAMD/new/1796560000000.1a.2b.3c.mx"
echo "$PW" | "$WEB_REL" passwd "$H/passwd" admin >/dev/null
chown -R nobody:nogroup "$H"
HP=$(free_port)
"$WEB_REL" -c "$H/spam-spf-conf.tab" -P "$H/passwd" -p "$HP" -u nobody -x "$MR" >"$H/web.stderr" 2>&1 &
hpid=$!; track_pid $hpid
if wait_port "$HP" 10; then
  if [ "$(ps -o user= -p $hpid)" = nobody ]; then pass "web: started as root with -u nobody it runs as nobody"
  else fail "web: started as root with -u nobody it runs as nobody" "runs as $(ps -o user= -p $hpid)"; fi
  la=$(ss -Hltn "sport = :$HP" | awk '{print $4}')
  if [ "$la" = "127.0.0.1:$HP" ]; then pass "web: with no -l it listens on 127.0.0.1 only ($la)"
  else fail "web: with no -l it listens on 127.0.0.1 only" "listening on: $la"; fi
  out=$(WEB_URL="http://127.0.0.1:$HP" WEB_PASSWORD=$PW CONF=$H/spam-spf-conf.tab MILTER=$(em_bin) MAILROOT=$MR \
        timeout 300 $PY "$TOP/tests/web/http_checks.py" 2>"$H/py.stderr")
  while IFS= read -r l; do
    case "$l" in
      "PASS: "*) pass "${l#PASS: }" ;;
      "FAIL: "*) n=${l#FAIL: }; fail "${n%% - *}" "${n#* - }" ;;
    esac
  done <<<"$out"
  grep -q . <<<"$out" || fail "web (http): the checks ran" "$(tail -3 "$H/py.stderr")"
else
  for i in $(seq $HTTP_CHECKS); do fail "web (http): spfdkim-web listens" "$(cat "$H/web.stderr")"; done
fi
kill $hpid 2>/dev/null; wait $hpid 2>/dev/null

# Release (Postfix/Sendmail route) goes through a private Postfix that
# delivers bob@e2e.test to a Maildir and runs no milter.
PF=$T_TMP/pf; PF_PORT=$(free_port)
if ! pf_setup "$PF" "$PF_PORT" e2e.test || ! pf_start "$PF"; then
  for i in $(seq $((NV * PER_VARIANT))); do fail "web: the test Postfix starts" "$(tail -3 "$PF/log/check.log" "$PF/log/start.log" 2>/dev/null)"; done
  exit 0
fi
trap 'pf_stop "$PF"; t_cleanup' EXIT

# --- one run per build --------------------------------------------------------
run_variant() {
  local v=$1 web W MP WP wpid out
  web=$([ "$v" = release ] && echo "$WEB_REL" || echo "$TOP/build/$v/bin/spfdkim-web")
  if [ ! -x "$web" ]; then
    for i in $(seq $PER_VARIANT); do fail "web ($v): $web is built" "make VARIANT=$v all"; done
    return
  fi
  W=$T_TMP/$v; mkdir -p "$W/spam" "$W/MailRoot" "$W/chrome"
  MP=$(free_port); WP=$(free_port)
  printf '192.0.2.99 initial entry\n' > "$W/whitelist"
  : > "$W/milter.log"; : > "$W/decisions.log"; : > "$W/spam.log"
  cat > "$W/milter.conf" <<EOC
# written by 76-web.sh; the page edits this file in place
Socket inet:$MP@127.0.0.1
Resolver $TEST_DNS
CheckLoopback yes
AuthservID mx.e2e.test
Log $W/milter.log
DecisionLog $W/decisions.log
PidFile $W/milter.pid
UserID nobody
Whitelist $W/whitelist
DKIMSign no
SpamFolder $W/spam
SpamLog $W/spam.log
EOC
  { grep -v '^#' "$TOP/conf/xmail/filters.post-data.tab"
    printf '"/usr/local/bin/other-filter"\t"@@FILE"\n'; } > "$W/MailRoot/filters.post-data.tab"
  echo "$PW" | "$WEB_REL" passwd "$W/passwd" admin >/dev/null
  chown -R nobody:nogroup "$W"
  "$(em_bin)" -f -c "$W/milter.conf" >>"$W/milter.stderr" 2>&1 &
  track_pid $!
  wait_port "$MP" 10 || { for i in $(seq $PER_VARIANT); do fail "web ($v): the milter starts" "$(tail -3 "$W/milter.stderr" "$W/milter.log")"; done; return; }
  wait_file "$W/milter.pid" 10
  "$web" -c "$W/milter.conf" -P "$W/passwd" -p "$WP" -u nobody -x "$W/MailRoot" \
    -r sendmail -s "$TOP/tests/web/sendmail-smtp.sh 127.0.0.1:$PF_PORT" >"$W/web.stderr" 2>&1 &
  wpid=$!
  track_pid $wpid
  wait_port "$WP" 10 || { for i in $(seq $PER_VARIANT); do fail "web ($v): spfdkim-web listens" "$(cat "$W/web.stderr")"; done; return; }
  out=$(WEB_URL="http://127.0.0.1:$WP" WEB_TAG=$v WEB_PASSWORD=$PW CHROME_PROFILE=$W/chrome WORK=$W \
        CONF=$W/milter.conf WHITELIST=$W/whitelist SPAM=$W/spam MAILROOT=$W/MailRoot \
        BRIDGE=$(bin release xmail-milter-bridge) MILTER_SOCK="inet:$MP@127.0.0.1" \
        SHOTS=$([ "$v" = release ] && echo "${WEB_SHOTS:-}") INBOX=$PF/mail/inbox/new \
        timeout 600 $PY "$TOP/tests/web/browser.py" 2>"$W/browser.stderr"; cp "$W/browser.stderr" /tmp/web-browser.$v.stderr)
  while IFS= read -r l; do
    case "$l" in
      "PASS: "*) pass "${l#PASS: }" ;;
      "FAIL: "*) n=${l#FAIL: }; fail "${n%% - *}" "${n#* - }" ;;
    esac
  done <<<"$out"
  grep -q . <<<"$out" || fail "web ($v): the browser run" "$(tail -5 "$W/browser.stderr")"
  kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
  if grep -qE 'Sanitizer|runtime error' "$W/web.stderr"; then
    fail "web ($v): no sanitizer report" "$(grep -m3 -E 'ERROR|runtime error' "$W/web.stderr")"
  fi
}

for v in $VARIANTS; do run_variant "$v"; done
exit 0
