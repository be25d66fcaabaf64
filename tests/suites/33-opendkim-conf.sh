#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 33-opendkim-conf.sh - an admin moving from OpenDKIM keeps their lines:
# Debian's own /etc/opendkim.conf (tests/data/opendkim) plus MinimumKeyBits,
# UserID user:group, InternalHosts as an inline list, ExternalIgnoreList
# refile:, Socket local:/path; the one Debian line whose meaning this milter
# cannot honour (TrustAnchorFile: DNSSEC) is refused by name. The daemon
# then runs from that file as root: socket and identity as OpenDKIM would
# set them, and SIGUSR1 reloads like SIGHUP.
. "$(dirname "$0")/../lib.sh"
plan 9
MILTER=$(bin release spfdkim-milter)
DEB=$DATA/opendkim/debian-opendkim.conf
[ -x "$MILTER" ] || { fail "opendkim.conf: milter/spfdkim-milter is built"; exit 0; }

out=$("$MILTER" -n -c "$DEB" 2>&1); rc=$?
line=$(grep -n '^TrustAnchorFile' "$DEB" | cut -d: -f1)
if [ $rc -ne 0 ] && grep -qF "$DEB:$line: TrustAnchorFile: DNSSEC validation is not supported" <<< "$out"; then
  pass "Debian's opendkim.conf unchanged: only TrustAnchorFile (line $line) is refused, by name and with the reason"
else fail "Debian's opendkim.conf unchanged: only TrustAnchorFile is refused, by name" "rc=$rc: $out"; fi

need_dns || exit 0
D=$T_TMP/od; mkdir -p "$D"; chmod 755 "$T_TMP" "$D"; chown nobody "$D"   # like /run/opendkim
printf '# OpenDKIM TrustedHosts\n127.0.0.1\n::1\n192.0.2.0/24\n' > "$D/TrustedHosts"
{ grep -v '^TrustAnchorFile' "$DEB"
  printf 'MinimumKeyBits\t\t2048\nUserID\t\t\tnobody:nogroup\n'
  printf 'InternalHosts\t\t192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12\nExternalIgnoreList\trefile:%s/TrustedHosts\n' "$D"
  printf 'Socket\t\t\tlocal:%s/od.sock\nPidFile\t\t\t%s/od.pid\n' "$D" "$D"
  printf 'Syslog\t\t\tyes\nLog %s/milter.log\nResolver %s\n' "$D" "$TEST_DNS"
} > "$D/opendkim.conf"
out=$("$MILTER" -n -c "$D/opendkim.conf" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "$D/opendkim.conf: configuration OK" ]; then
  pass "Debian's opendkim.conf without TrustAnchorFile, plus MinimumKeyBits, UserID user:group, inline InternalHosts, ExternalIgnoreList refile:, Socket local: passes -n"
else fail "Debian's opendkim.conf plus the OpenDKIM keys passes -n" "rc=$rc: $out"; fi

printf 'UserID nobody:no-such-group\n' > "$D/badgroup.conf"
out=$("$MILTER" -n -c "$D/badgroup.conf" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -qF 'UserID: no such group "no-such-group"' <<< "$out"; then pass "UserID user:group with an unknown group is refused by -n, naming the group"
else fail "UserID user:group with an unknown group is refused by -n" "rc=$rc: $out"; fi
printf 'ExternalIgnoreList 10.0.0.0/8, mail.example.com\n' > "$D/badlist.conf"
out=$("$MILTER" -n -c "$D/badlist.conf" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -qF 'ExternalIgnoreList: item 2' <<< "$out" && grep -qF 'mail.example.com' <<< "$out"; then
  pass "an inline ExternalIgnoreList with a host name is refused by -n, naming the item"
else fail "an inline ExternalIgnoreList with a host name is refused by -n" "rc=$rc: $out"; fi

# The daemon from that file, started as root the way OpenDKIM is.
"$MILTER" -c "$D/opendkim.conf" >"$D/start.out" 2>&1
wait_file "$D/od.pid" 10; wait_file "$D/od.sock" 10
pid=$(cat "$D/od.pid" 2>/dev/null)
for _ in $(seq 50); do grep -q 'running as user' "$D/milter.log" 2>/dev/null && break; sleep 0.1; done
own=$(stat -c '%U:%G %A' "$D/od.sock" 2>/dev/null)
if [ "$own" = "nobody:nogroup srwxrwx---" ]; then pass "Socket local:PATH is a unix socket owned by nobody:nogroup with UMask 007 (srwxrwx---)"
else fail "Socket local:PATH is a unix socket owned by nobody:nogroup with UMask 007" "got '$own': $(cat "$D/start.out")"; fi
ids=$(awk '/^Uid:/{u=$2} /^Gid:/{g=$2} /^Groups:/{$1=""; s=$0} END{print u, g, s}' "/proc/$pid/status" 2>/dev/null)
want="$(id -u nobody) $(getent group nogroup | cut -d: -f3)  $(getent group nogroup | cut -d: -f3)"
if [ -n "$pid" ] && [ "$ids" = "$want" ]; then pass "UserID nobody:nogroup: the daemon runs as uid nobody, gid nogroup, and no other group"
else fail "UserID nobody:nogroup: the daemon runs as uid nobody, gid nogroup, and no other group" "uid gid groups: '$ids', want '$want'"; fi

n=$(grep -c 'reloaded configuration' "$D/milter.log" 2>/dev/null)
[ -n "$pid" ] && kill -USR1 "$pid"
for _ in $(seq 50); do [ "$(grep -c 'reloaded configuration' "$D/milter.log")" -gt "$n" ] && break; sleep 0.1; done
if [ "$(grep -c 'reloaded configuration' "$D/milter.log")" -gt "$n" ] && kill -0 "$pid" 2>/dev/null; then
  pass "SIGUSR1 reloads the configuration like SIGHUP (\"reloaded configuration\" logged, still running)"
else fail "SIGUSR1 reloads the configuration like SIGHUP" "$(tail -2 "$D/milter.log")"; fi
grep -q 'started on local:' "$D/milter.log" && pass "the start-up line names the socket as written (local:PATH)" \
  || fail "the start-up line names the socket as written (local:PATH)" "$(grep 'started on' "$D/milter.log")"

[ -n "$pid" ] && kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if ! kill -0 "$pid" 2>/dev/null && [ ! -e "$D/od.sock" ] && [ ! -e "$D/od.pid" ]; then
  pass "SIGTERM: the daemon exits and removes the local: socket and its pid file"
else fail "SIGTERM: the daemon exits and removes the local: socket and its pid file" "$(ls "$D")"; fi
