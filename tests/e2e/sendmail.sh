# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/sendmail.sh - Debian's sendmail from its unpacked .debs, run on
# loopback for end-to-end tests (source it after tests/lib.sh; bash only).
#
#   sm_fetch            make sure the unpacked sendmail is in $SM_ROOT: the
#                       .debs (sendmail-bin, sendmail-cf, its libwrap0, and m4
#                       to build the .cf) are cached in $SM_CACHE, fetched with
#                       `apt-get download` when missing; never installed.
#                       Returns 2 when the download fails (no mirror), 1 on
#                       any other fault
#   sm_setup DIR PORT DOMAIN MC_SNIPPET SOCKET
#                       build DIR/sendmail.cf from a test .mc that
#                       include()s MC_SNIPPET after defining
#                       SPFDKIM_MILTER_SOCKET=SOCKET; local delivery of any
#                       user@DOMAIN to files in DIR/mail/
#   sm_start DIR / sm_stop DIR   daemon mode (-bD) under `unshare --uts` with a
#                       dotted hostname; sets SM_PID
#
# Pitfalls (tests/e2e/MTA-TESTING.md): without a dotted hostname
# sendmail sleeps 60 s at start; no DNS, so accept_unresolvable_domains and
# a files-only service switch; a real aliases file built with -bi; /tmp is
# world-writable, hence TrustStickyBit. There is no /dev/log, so sendmail
# logs nothing: debug from the SMTP replies.

SM_CACHE=${SM_CACHE:-/var/cache/spfdkim-test}
SM_ROOT=${SM_ROOT:-$SM_CACHE/sendmail-root}
SM_BIN=$SM_ROOT/usr/libexec/sendmail/sendmail
SM_DEBS="sendmail-bin sendmail-cf m4 libwrap0"
# libwrap0 is a sendmail-bin dependency that Debian 12 does not otherwise have.
SM_LIBS="$SM_ROOT/lib/x86_64-linux-gnu:$SM_ROOT/usr/lib/x86_64-linux-gnu"
# sm_run ARGS: the unpacked sendmail, under a dotted host name (without one
# it sleeps 60 s before doing anything).
sm_run() {
  LD_LIBRARY_PATH="$SM_LIBS" unshare --uts sh -c 'hostname mx.e2e.test && exec "$0" "$@"' "$SM_BIN" "$@"
}
# m4 from PATH if installed, else the unpacked one.
sm_m4() { if command -v m4 >/dev/null; then m4 "$@"; else "$SM_ROOT/usr/bin/m4" "$@"; fi; }

sm_fetch() {
  [ -x "$SM_BIN" ] && [ ! -g "$SM_BIN" ] && [ -f "$SM_ROOT/usr/share/sendmail/cf/m4/cf.m4" ] && [ -x "$SM_ROOT/usr/bin/m4" ] \
    && ! LD_LIBRARY_PATH="$SM_LIBS" ldd "$SM_BIN" | grep -q 'not found' && return 0
  mkdir -p "$SM_CACHE" || return 1
  local p d missing=""
  for p in $SM_DEBS; do ls "$SM_CACHE/${p}_"*.deb >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    (cd "$SM_CACHE" && apt-get download $missing) >"$SM_CACHE/download.log" 2>&1 || {
      # The package lists may be missing on a fresh machine.
      apt-get update -qq >>"$SM_CACHE/download.log" 2>&1
      (cd "$SM_CACHE" && apt-get download $missing) >>"$SM_CACHE/download.log" 2>&1
    } || return 2
  fi
  rm -rf "$SM_ROOT.new" && mkdir -p "$SM_ROOT.new" || return 1
  for p in $SM_DEBS; do
    for d in "$SM_CACHE/${p}_"*.deb; do dpkg -x "$d" "$SM_ROOT.new" || return 1; done
  done
  # The binary is setgid mail, and the loader then ignores LD_LIBRARY_PATH
  # (secure mode). We run it as root anyway: drop the bit in our copy.
  chmod g-s "$SM_ROOT.new/usr/libexec/sendmail/sendmail" || return 1
  rm -rf "$SM_ROOT" && mv "$SM_ROOT.new" "$SM_ROOT"
  [ -x "$SM_BIN" ]
}

sm_setup() {
  local dir=$1 port=$2 domain=$3 snippet=$4 socket=$5
  local cf=$SM_ROOT/usr/share/sendmail/cf
  mkdir -p "$dir/mqueue" "$dir/clientmqueue" "$dir/mail" || return 1
  chmod 700 "$dir/mqueue"
  chmod 711 "$dir" "$(dirname "$dir")"
  chown nobody:nogroup "$dir/mail"
  printf '%s\n' "$domain" "mx.$domain" > "$dir/local-host-names"
  printf 'postmaster: root\nMAILER-DAEMON: root\nbob: root\n' > "$dir/aliases"
  printf 'hosts files\naliases files\n' > "$dir/service.switch"
  printf '127.0.0.1 localhost mx.%s\n' "$domain" > "$dir/hosts"
  : > "$dir/statistics"
  # The local mailer: append the message (with sendmail's From_ line) to
  # DIR/mail/<user>.<pid>.eml, one file per delivery.
  cat > "$dir/deliver.sh" <<EOF
#!/bin/sh
cat > "$dir/mail/\$1.\$\$.tmp" && mv "$dir/mail/\$1.\$\$.tmp" "$dir/mail/\$1.\$\$.eml"
EOF
  chmod 755 "$dir/deliver.sh"
  cat > "$dir/test.mc" <<EOF
divert(-1)
Test configuration for tests/suites/71-sendmail.sh (generated).
divert(0)dnl
VERSIONID(\`spfdkim-milter e2e')dnl
OSTYPE(\`linux')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
define(\`ALIAS_FILE', \`$dir/aliases')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`MSP_QUEUE_DIR', \`$dir/clientmqueue')dnl
define(\`STATUS_FILE', \`$dir/statistics')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`confHOSTS_FILE', \`$dir/hosts')dnl
define(\`confCW_FILE', \`$dir/local-host-names')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confDEF_USER_ID', \`65534:65534')dnl
define(\`confDELIVERY_MODE', \`interactive')dnl
define(\`LOCAL_MAILER_PATH', \`$dir/deliver.sh')dnl
define(\`LOCAL_MAILER_ARGS', \`deliver.sh \$u')dnl
define(\`LOCAL_MAILER_FLAGS', \`lsDFMAw5:/|@q')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`use_cw_file')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Name=MTA')dnl
define(\`SPFDKIM_MILTER_SOCKET', \`$socket')dnl
include(\`$snippet')dnl
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
  sm_m4 -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$dir/test.mc" > "$dir/sendmail.cf" 2>"$dir/m4.log" || return 1
  [ ! -s "$dir/m4.log" ] || return 1
  sm_run -C "$dir/sendmail.cf" -bi >"$dir/newaliases.log" 2>&1 || return 1
}

sm_start() {
  local dir=$1 port=$2
  LD_LIBRARY_PATH="$SM_LIBS" unshare --uts sh -c 'hostname "$1" && exec "$2" -C "$3" -bD -q30m' sh "mx.e2e.test" "$SM_BIN" "$dir/sendmail.cf" \
    >"$dir/sendmail.out" 2>&1 &
  SM_PID=$!
  track_pid "$SM_PID"
  wait_port "$port" 20
}

sm_stop() {
  [ -n "${SM_PID:-}" ] || return 0
  kill "$SM_PID" 2>/dev/null
  wait "$SM_PID" 2>/dev/null
  SM_PID=
}

sm_mail_count() { find "$1/mail" -name '*.eml' 2>/dev/null | wc -l; }

sm_wait_mail() {
  local i=0 max=$(( ${3:-20} * 10 ))
  while [ "$(sm_mail_count "$1")" -lt "$2" ]; do
    i=$((i + 1)); [ $i -ge $max ] && return 1; sleep 0.1
  done
}
