#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 74-systemd.sh - contrib/systemd: the unit passes `systemd-analyze verify`
# (against a `make install` tree mounted on /usr/local in a private mount
# namespace, so the real paths in the unit resolve and nothing is installed
# on the machine), sysusers/tmpfiles entries work in a scratch root, and the
# unit's own ExecStartPre/ExecStart/ExecReload command lines start, reload
# (SIGHUP) and stop the milter as an unprivileged user, telling systemd
# (Type=notify, a NOTIFY_SOCKET of our own) when it is ready. `make install`
# puts the unit, sysusers and tmpfiles files under PREFIX, with PREFIX in
# the unit's paths.
. "$(dirname "$0")/../lib.sh"
plan 13

UNIT=$TOP/contrib/systemd/spfdkim-milter.service
SYSU=$TOP/contrib/systemd/spfdkim-milter.sysusers
TMPF=$TOP/contrib/systemd/spfdkim-milter.tmpfiles
MILTER=$(bin release spfdkim-milter)

# unit_value KEY: the values of KEY= lines in the unit
unit_value() { sed -n "s/^$1=//p" "$UNIT"; }

# --- static sanity (always) -----------------------------------------------
bad=""
for k in ExecStart ExecReload RuntimeDirectory User NoNewPrivileges ProtectSystem PrivateTmp CapabilityBoundingSet; do
  grep -q "^$k=" "$UNIT" || bad="$bad missing:$k"
done
[ "$(unit_value ExecReload)" = '/bin/kill -HUP $MAINPID' ] || bad="$bad ExecReload"
[ "$(unit_value Type)" = notify ] || bad="$bad Type"
[ "$(unit_value User)" != root ] && [ -n "$(unit_value User)" ] || bad="$bad User"
awk '/^\[/{s=$0; next} /^[A-Za-z]/ && s=="" {exit 1}' "$UNIT" || bad="$bad key-before-section"
if [ -z "$bad" ]; then pass "systemd unit: Type=notify, ExecReload=/bin/kill -HUP \$MAINPID, RuntimeDirectory, User=$(unit_value User) (not root), hardening keys present"
else fail "systemd unit: Type=notify, ExecReload, RuntimeDirectory, non-root User, hardening keys present" "$bad"; fi

# --- make install: the unit, sysusers and tmpfiles files, PREFIX substituted -
if [ -x "$MILTER" ] && make -s -C "$TOP" install DESTDIR="$T_TMP/opt" PREFIX=/opt/sdm >"$T_TMP/install-opt.log" 2>&1; then
  I=$T_TMP/opt/opt/sdm/lib
  if cmp -s "$I/sysusers.d/spfdkim-milter.conf" "$SYSU" && cmp -s "$I/tmpfiles.d/spfdkim-milter.conf" "$TMPF" &&
     [ -f "$I/systemd/system/spfdkim-milter.service" ]; then
    pass "make install PREFIX=/opt/sdm: PREFIX/lib/systemd/system/spfdkim-milter.service, PREFIX/lib/sysusers.d and tmpfiles.d/spfdkim-milter.conf"
  else fail "make install PREFIX=/opt/sdm: unit, sysusers and tmpfiles files" "$(cd "$T_TMP/opt" && find . -path '*lib*' | tr '\n' ' ')"; fi
  u=$I/systemd/system/spfdkim-milter.service
  if grep -q '^ExecStart=/opt/sdm/sbin/spfdkim-milter -f ' "$u" && grep -q '^ExecStartPre=/opt/sdm/sbin/spfdkim-milter -n ' "$u" &&
     ! grep -v '^#' "$u" | grep -q '/usr/local'; then
    pass "make install PREFIX=/opt/sdm: the installed unit runs /opt/sdm/sbin/spfdkim-milter (no /usr/local left)"
  else fail "make install PREFIX=/opt/sdm: the installed unit runs /opt/sdm/sbin/spfdkim-milter" "$(grep -E '^Exec|/usr/local' "$u" 2>&1 | tr '\n' ' ')"; fi
else
  fail "make install PREFIX=/opt/sdm: unit, sysusers and tmpfiles files" "not built, or: $(tail -2 "$T_TMP/install-opt.log" 2>/dev/null)"
  fail "make install PREFIX=/opt/sdm: the installed unit runs /opt/sdm/sbin/spfdkim-milter" "make install failed"
fi

# --- systemd-analyze verify -----------------------------------------------
if ! command -v systemd-analyze >/dev/null; then
  skip "systemd unit: systemd-analyze verify passes" "systemd-analyze is not installed (apt-get install systemd)"
  skip "systemd unit: systemd-analyze security --offline exposure at most 2.0" "systemd-analyze is not installed"
elif [ ! -x "$MILTER" ]; then
  fail "systemd unit: systemd-analyze verify passes" "milter/spfdkim-milter not built"
else
  ROOT=$T_TMP/destdir
  if make -s -C "$TOP" install DESTDIR="$ROOT" PREFIX=/usr/local >"$T_TMP/install.log" 2>&1; then
    # Private mount namespace: the installed tree appears at /usr/local for
    # this one command only (ExecStart paths and man: links resolve).
    out=$(unshare -m --propagation private sh -c 'mount --bind "$1/usr/local" /usr/local && systemd-analyze verify "$2"' \
          sh "$ROOT" "$UNIT" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then
      pass "systemd unit: systemd-analyze verify passes with no output (binaries and man pages from make install)"
    else
      fail "systemd unit: systemd-analyze verify passes with no output (binaries and man pages from make install)" "rc=$rc $out"
    fi
    # The hardening, as systemd scores it (0 = fully locked down, 10 = none).
    score=$(unshare -m --propagation private sh -c 'mount --bind "$1/usr/local" /usr/local && systemd-analyze security --offline=yes "$2"' \
            sh "$ROOT" "$UNIT" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -n "$score" ] && awk -v s="$score" 'BEGIN{exit !(s <= 2.0)}'; then
      pass "systemd unit: systemd-analyze security --offline exposure $score (at most 2.0, \"OK\")"
    elif [ -z "$score" ]; then
      skip "systemd unit: systemd-analyze security --offline exposure at most 2.0" "this systemd-analyze has no security --offline"
    else
      fail "systemd unit: systemd-analyze security --offline exposure at most 2.0" "got $score"
    fi
  else
    fail "systemd unit: systemd-analyze verify passes" "make install DESTDIR failed: $(tail -2 "$T_TMP/install.log")"
  fi
fi

# --- sysusers and tmpfiles in a scratch root --------------------------------
SR=$T_TMP/sysroot; mkdir -p "$SR/etc"
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null; then
  if systemd-sysusers --root="$SR" "$SYSU" >"$T_TMP/sysusers.log" 2>&1 \
     && grep -q '^spfdkim-milter:x:[0-9]*:[0-9]*:.*:/var/lib/spfdkim-milter:/usr/sbin/nologin$' "$SR/etc/passwd"; then
    pass "systemd sysusers: creates system user spfdkim-milter (home /var/lib/spfdkim-milter, nologin)"
  else
    fail "systemd sysusers: creates system user spfdkim-milter" "$(cat "$T_TMP/sysusers.log")"
  fi
  uid=$(awk -F: '$1=="spfdkim-milter"{print $3}' "$SR/etc/passwd")
  if systemd-tmpfiles --create --root="$SR" "$TMPF" >"$T_TMP/tmpfiles.log" 2>&1 \
     && [ "$(stat -c '%a %u' "$SR/run/spfdkim-milter")" = "750 $uid" ] \
     && [ "$(stat -c '%a %u' "$SR/var/lib/spfdkim-milter/spam")" = "750 $uid" ] \
     && [ "$(stat -c '%a %u' "$SR/var/log/spfdkim-milter")" = "750 $uid" ]; then
    pass "systemd tmpfiles: /run/spfdkim-milter, /var/lib/spfdkim-milter/spam, /var/log/spfdkim-milter created 0750 for the user"
  else
    fail "systemd tmpfiles: directories created 0750 for the user" "$(cat "$T_TMP/tmpfiles.log")"
  fi
else
  skip "systemd sysusers: creates system user spfdkim-milter" "systemd-sysusers/systemd-tmpfiles are not installed"
  skip "systemd tmpfiles: directories created 0750 for the user" "systemd-sysusers/systemd-tmpfiles are not installed"
fi

# --- the unit's command lines, run by hand as an unprivileged user ---------
[ -x "$MILTER" ] || { fail "systemd unit: ExecStart runs the milter" "milter/spfdkim-milter not built"; exit 0; }
need_dns || exit 0
RUN=$T_TMP/run; mkdir -p "$RUN"; chown nobody:nogroup "$RUN"; chmod 711 "$T_TMP"
PORT=$(free_port)
CONF=$T_TMP/spfdkim-milter.conf
printf 'Socket inet:%s@127.0.0.1\nResolver %s\nLog %s/milter.log\n' "$PORT" "$TEST_DNS" "$RUN" > "$CONF"
chmod 644 "$CONF"
# The unit's paths, mapped to this test: binary, config, runtime directory.
map() { sed -e "s|/usr/local/sbin/spfdkim-milter|$MILTER|g" -e "s|/etc/spfdkim-milter.conf|$CONF|g" \
            -e "s|/run/spfdkim-milter|$RUN|g"; }
pre=$(unit_value ExecStartPre | map)
start=$(unit_value ExecStart | map)
# UMask and User as the unit sets them; the runtime dir belongs to the user.
if (umask 0007; setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs $pre) >"$T_TMP/pre.log" 2>&1; then
  pass "systemd unit: ExecStartPre ($(unit_value ExecStartPre | cut -d' ' -f2-)) accepts a valid config as a non-root user"
else
  fail "systemd unit: ExecStartPre accepts a valid config as a non-root user" "$(cat "$T_TMP/pre.log")"
fi
# systemd's side of Type=notify: a datagram socket; at READY=1 it checks
# that the milter's port already accepts.
NS=$T_TMP/notify.sock
$PY - "$NS" "$PORT" "$T_TMP/notify.log" <<'EOF' &
import os, socket, sys
path, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
with open(log, 'a', buffering=1) as f:
    while True:
        for line in s.recv(4096).decode().split('\n'):
            if line == 'READY=1':
                c = socket.socket()
                try:
                    c.connect(('127.0.0.1', port)); line += ' (port accepting)'
                except OSError:
                    line += ' (port refused)'
                c.close()
            f.write(line + '\n')
EOF
track_pid $!
wait_file "$NS" 10
(umask 0007; NOTIFY_SOCKET=$NS exec setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs $start) >"$T_TMP/start.log" 2>&1 &
MAINPID=$!; track_pid $MAINPID
if wait_port "$PORT" 10 && wait_file "$RUN/spfdkim-milter.pid" 5 && [ "$(cat "$RUN/spfdkim-milter.pid")" = "$MAINPID" ]; then
  pass "systemd unit: ExecStart runs in the foreground as nobody, listens, writes its pid to the RuntimeDirectory"
else
  fail "systemd unit: ExecStart runs in the foreground as nobody, listens, writes its pid to the RuntimeDirectory" "$(cat "$T_TMP/start.log" "$RUN/milter.log" 2>/dev/null | tail -3)"
fi
reload=$(unit_value ExecReload | sed "s/\$MAINPID/$MAINPID/")
$reload
i=0; while ! grep -q 'reloaded configuration' "$RUN/milter.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if grep -q "reloaded configuration from $CONF" "$RUN/milter.log" && kill -0 "$MAINPID" 2>/dev/null; then
  pass "systemd unit: ExecReload (kill -HUP \$MAINPID) reloads: \"reloaded configuration from ...\" logged, still running"
else
  fail "systemd unit: ExecReload (kill -HUP \$MAINPID) reloads" "$(tail -3 "$RUN/milter.log" 2>/dev/null)"
fi
kill -TERM "$MAINPID"; wait "$MAINPID"; rc=$?
if [ $rc -eq 0 ] && grep -q 'stopped' "$RUN/milter.log"; then pass "systemd unit: SIGTERM (systemctl stop) ends the milter with exit 0"
else fail "systemd unit: SIGTERM (systemctl stop) ends the milter with exit 0" "rc=$rc"; fi
sleep 0.2
if [ "$(grep -m1 '^READY=1' "$T_TMP/notify.log")" = "READY=1 (port accepting)" ] &&
   grep -qx "STATUS=listening on inet:$PORT@127.0.0.1" "$T_TMP/notify.log"; then
  pass "systemd Type=notify: READY=1 comes once the socket accepts, with STATUS=listening on inet:$PORT@127.0.0.1"
else fail "systemd Type=notify: READY=1 once the socket accepts" "$(tr '\n' '|' < "$T_TMP/notify.log" 2>/dev/null)"; fi
if [ "$(grep -E '^(RELOADING|READY|STOPPING)=1' "$T_TMP/notify.log" | cut -d' ' -f1 | tr '\n' ' ')" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ]; then
  pass "systemd Type=notify: the reload is RELOADING=1 then READY=1, the stop STOPPING=1"
else fail "systemd Type=notify: RELOADING=1/READY=1 at reload, STOPPING=1 at stop" "$(tr '\n' '|' < "$T_TMP/notify.log" 2>/dev/null)"; fi
exit 0
