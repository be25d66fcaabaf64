#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 80-valgrind.sh - the command-line programs under valgrind memcheck: no
# memory errors and no definite leaks (the daemon and the unit tests run
# under memcheck in suites 30 and 10).
. "$(dirname "$0")/../lib.sh"
# Plan: 8, one bridge run per post-data spool fixture, and 3 on spools a
# sender blew up (tests/bridge/big_headers.py).
plan $(( 11 + $(ls "$DATA"/xmail/spool/post-data-*.spool | wc -l) ))
need_dns || exit 0
command -v valgrind >/dev/null || { fail "valgrind is installed"; exit 0; }
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite)
CTL=$(bin release spfdkim-ctl)
BRIDGE=$(bin release xmail-milter-bridge)
MILTER=$(bin release spfdkim-milter)
FIX=$DATA/xmail

# vg NAME EXPECTED_EXIT CMD...: memcheck-clean and the program's own exit code.
vg() {
  local name=$1 want=$2 rc; shift 2
  "${VG[@]}" --log-file="$T_TMP/vg.log" "$@" >"$T_TMP/vg.out" 2>"$T_TMP/vg.err"; rc=$?
  if [ $rc -eq "$want" ] && [ ! -s "$T_TMP/vg.log" ]; then pass "valgrind: $name"
  else fail "valgrind: $name" "exit $rc (want $want): $(head -c 600 "$T_TMP/vg.log" | tr '\n' ' ') $(tail -2 "$T_TMP/vg.err" | tr '\n' ' ')"; fi
}

vg "spfdkim-ctl spf (pass through include and redirect) is memcheck-clean" 0 \
  "$CTL" spf --ip 192.0.2.7 --mail-from a@redir.spf.test --helo mx.spf.test --resolver "$TEST_DNS"
vg "spfdkim-ctl spf (fail with an exp= explanation) is memcheck-clean" 1 \
  "$CTL" spf --ip 192.0.2.9 --mail-from a@exp.spf.test --helo mx.spf.test --resolver "$TEST_DNS"
vg "spfdkim-ctl spf (malformed record: permerror) is memcheck-clean" 1 \
  "$CTL" spf --ip 192.0.2.9 --mail-from a@malformed.spf.test --helo mx.spf.test --resolver "$TEST_DNS"
vg "spfdkim-ctl spf-record is memcheck-clean" 0 "$CTL" spf-record --domain example.test --ip 192.0.2.1 --ip 2001:db8::/32
vg "spfdkim-ctl genkey (ed25519) is memcheck-clean" 0 "$CTL" genkey -d example.test -s s1 -t ed25519 -D "$T_TMP"

# A message signed by us, then verified by us, both under memcheck.
printf '%s d1.dkim.test:r2048:%s\n' r2048._domainkey.d1.dkim.test "$TOP/tests/dkim/keys/r2048.private" > "$T_TMP/KeyTable"
printf '*@d1.dkim.test r2048._domainkey.d1.dkim.test\n' > "$T_TMP/SigningTable"
printf 'From: a@d1.dkim.test\r\nTo: b@example.test\r\nSubject: valgrind\r\n\r\nbody line\r\n.dot line\r\n' > "$T_TMP/msg.eml"
vg "dkim_sign_file (rsa-sha256) is memcheck-clean" 0 \
  "$(bin release dkim_sign_file)" -k "$T_TMP/KeyTable" -S "refile:$T_TMP/SigningTable" "$T_TMP/msg.eml"
cp "$T_TMP/vg.out" "$T_TMP/signed.eml"
vg "spfdkim-ctl dkim-verify (our signature passes) is memcheck-clean" 0 \
  "$CTL" dkim-verify "$T_TMP/signed.eml" --resolver "$TEST_DNS"
grep -q '^dkim=pass' "$T_TMP/vg.out" && pass "valgrind: the verified signature is dkim=pass" || fail "valgrind: the verified signature is dkim=pass" "$(cat "$T_TMP/vg.out")"

# The bridge on every post-data spool fixture, against our milter.
port=$(free_port)
printf 'Socket inet:%s@127.0.0.1\nResolver %s\nCheckLoopback yes\nAuthservID mx.test\nLog %s/milter.log\n' \
  "$port" "$TEST_DNS" "$T_TMP" > "$T_TMP/m.conf"
"$MILTER" -f -c "$T_TMP/m.conf" >/dev/null 2>&1 &
track_pid $!
wait_port "$port" 20 || fail "valgrind: our milter listens for the bridge runs"
for f in "$FIX"/spool/post-data-*.spool; do
  name=$(basename "$f" .spool)
  cp "$f" "$T_TMP/$name.xtmp"
  vg "xmail-milter-bridge on $name is memcheck-clean" 0 \
    "$BRIDGE" --stage post-data --milter "inet:$port@127.0.0.1" --file "$T_TMP/$name.xtmp" --auth - \
      --remote "[127.0.0.1]:40000" --local "[127.0.0.1]:2525" --from sender@sender.test --rcpt alice@example.test \
      --msgref S1 --timeout 20 --log none
done
# A 70 KB folded header (cut to the milter's 64 KB packets), 20,000 headers
# and a non-header line in the headers (an empty line added on rewrite).
for big in "fold 70" "count 20000" "garbage 0"; do
  set -- $big
  $PY "$TOP/tests/bridge/big_headers.py" "$T_TMP/big.xtmp" a@sender.test mx.test "$1" "$2"
  vg "xmail-milter-bridge on a spool with $([ "$1" = count ] && echo "$2 headers" || { [ "$1" = fold ] && echo "a $2 KB folded header" || echo "a non-header line in its headers"; }) is memcheck-clean" 0 \
    "$BRIDGE" --stage post-data --milter "inet:$port@127.0.0.1" --file "$T_TMP/big.xtmp" --auth - \
      --remote "[127.0.0.1]:40000" --local "[127.0.0.1]:2525" --from a@sender.test --rcpt alice@example.test \
      --msgref S1 --timeout 30 --log none
done
