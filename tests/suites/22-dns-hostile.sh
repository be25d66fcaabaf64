#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 22-dns-hostile.sh - DNS that an attacker controls, against the release and
# ASan daemons.
#
# Blackout: a private test unbound (tests/dns/unbound.sh) delegates
# bo1..bo16.test (stub-zones) to a loopback UDP/TCP socket that reads and
# never answers. One message signed by all 16 domains must not leave the daemon's
# resolver treating its forwarder as down: the ordinary messages from other
# domains sent right after it get their real results, not temperror. The
# messages go through bench/milter_load (the bridge's milter client, one
# connection at a time, in order) which compares the verdicts of each
# message's Authentication-Results with truth.tsv. (miltertest cannot be
# used: the blackout message's 16-entry A-R header smashes its stack.)
# With the default DNSTimeout (5) and DNSBudget (20), the message's MAIL FROM
# and 16 key lookups wait 20 s in all; before the fix libunbound's
# retransmit timer for its only forwarder passed 12 s meanwhile and every
# lookup after it was an instant SERVFAIL (spf=temperror, dkim=temperror).
. "$(dirname "$0")/../lib.sh"
variants=${VARIANTS:-release asan}
checks=7
plan $(( $(wc -w <<< "$variants") * checks ))
# failall WHY: every check of every variant fails (the set-up did not work).
failall() { for v in $variants; do for i in $(seq 1 $checks); do fail "[$v] hostile dns check $i" "$1"; done; done; exit 0; }

# The name server that never answers: reads and drops, on UDP and TCP; it
# writes each UDP query name to $T_TMP/asked.
bh_port=$(free_port)
$PY - "$bh_port" "$T_TMP/asked" <<'PY' &
import socket, sys, select
port, log = int(sys.argv[1]), sys.argv[2]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", port))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", port)); t.listen(64)
held = []
def qname(p):
    i, labels = 12, []
    while i < len(p) and p[i] and len(labels) < 128:
        labels.append(p[i + 1:i + 1 + p[i]].decode("latin-1")); i += 1 + p[i]
    return ".".join(labels).lower()
while True:
    r, _, _ = select.select([u, t], [], [])
    if u in r:
        with open(log, "a") as f: f.write(qname(u.recv(65536)) + "\n")   # asked, never answered
    if t in r: held.append(t.accept()[0])   # accepted, never read
PY
track_pid $!

{ echo '$ORIGIN test.'; echo 'ns.bo IN A 127.0.0.1'
  for i in $(seq 1 16); do echo "bo$i IN NS ns.bo"; done; } > "$T_TMP/blackout.zone"
for i in $(seq 1 16); do
  printf 'stub-zone:\n  name: "bo%d.test."\n  stub-addr: 127.0.0.1@%s\n' "$i" "$bh_port"
done > "$T_TMP/blackout.conf"
if ! dns=$(AUTH_DOWNSTREAM=no EXTRA_ZONES="$T_TMP/blackout.zone" EXTRA_CONF="$T_TMP/blackout.conf" \
           bash "$TOP/tests/dns/unbound.sh" start "$T_TMP/udns"); then
  failall "private unbound did not start: $(tail -3 "$T_TMP/udns/unbound.log" 2>/dev/null)"
fi
track_pid "$(cat "$T_TMP/udns/unbound.pid")"

# The corpus: the blackout message, then at once one message each from four
# other domains (envelopes.tsv: id session ip helo from rcpt file; truth.tsv:
# id domain size signed dkim spf).
c=$T_TMP/corpus; mkdir -p "$c"
$PY "$TOP/tests/dkim/fixtures.py" gen "$T_TMP/fx" > /dev/null 2> "$T_TMP/fx.err" || failall "dkim fixtures: $(tail -2 "$T_TMP/fx.err")"
cp "$T_TMP/fx/good-rsa.eml" "$c/"
printf 'From: a@milter.test\r\nSubject: after the blackout\r\n\r\nhi\r\n' > "$c/plain.eml"
# The message: 16 well-formed signatures, one per blackout domain (the
# verdict never gets past the key lookup, so b= need not verify).
{
  for i in $(seq 1 16); do
    printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=bo%d.test; s=s;\r\n h=from; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n' "$i"
  done
  printf 'From: a@bo1.test\r\nSubject: blackout\r\n\r\nhi\r\n'
} > "$c/blackout.eml"
env=$'192.0.2.10\tmx.pass.milter.test'
{ printf '1\t1\t%s\tx@bo1.test\tr@dest.example\tblackout.eml\n' "$env"
  printf '2\t2\t%s\talice@d1.dkim.test\tr@dest.example\tgood-rsa.eml\n' "$env"
  printf '3\t3\t%s\ta@pass.milter.test\tr@dest.example\tplain.eml\n' "$env"
  printf '4\t4\t%s\ta@softfail.milter.test\tr@dest.example\tplain.eml\n' "$env"
  printf '5\t5\t%s\ta@fail.milter.test\tr@dest.example\tplain.eml\n' "$env"; } > "$c/envelopes.tsv"
printf '1\tbo1.test\t0\tyes\ttemperror\ttemperror\n2\td1.dkim.test\t0\tyes\tpass\tnone\n3\tpass.milter.test\t0\tno\tnone\tpass\n4\tsoftfail.milter.test\t0\tno\tnone\tsoftfail\n5\tfail.milter.test\t0\tno\tnone\tfail\n' > "$c/truth.tsv"
# DNSBudget: the same 16 signatures with selector b, MAIL FROM elsewhere.
b=$T_TMP/budget; mkdir -p "$b"
sed 's/ s=s;/ s=b;/' "$c/blackout.eml" > "$b/budget.eml"
printf '1\t1\t%s\tx@neutral.milter.test\tr@dest.example\tbudget.eml\n' "$env" > "$b/envelopes.tsv"
names=("" "a message signed by 16 domains whose key servers never answer gets dkim=temperror"
  "right after it, a message signed by another domain gets dkim=pass, not temperror"
  "right after it, MAIL FROM pass.milter.test gets spf=pass, not temperror"
  "right after it, MAIL FROM softfail.milter.test gets spf=softfail, not temperror"
  "right after it, MAIL FROM fail.milter.test gets spf=fail, not temperror")

for variant in $variants; do
  V="[$variant]"
  bin=$(bin $variant spfdkim-milter); load=$TOP/build/$variant/bench/milter_load
  if [ ! -x "$bin" ] || [ ! -x "$load" ]; then
    for i in $(seq 1 $checks); do fail "$V hostile dns check $i" "$bin or $load is not built"; done; continue; fi
  dir=$T_TMP/$variant; mkdir -p "$dir"
  port=$(free_port)
  cat > "$dir/m.conf" <<CONF
Socket inet:$port@127.0.0.1
Resolver $dns
AuthservID mx.test
DecisionLog $dir/decisions.log
TempDirectory $dir
CONF
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$bin" -f -c "$dir/m.conf" -P "$dir/pid" >"$dir/stdout" 2>"$dir/daemon.log" &
  pid=$!; track_pid $pid
  i=0; until grep -qF "started on" "$dir/daemon.log" 2>/dev/null; do
    i=$((i + 1)); [ $i -ge 300 ] && break; sleep 0.1; done
  res=$(ASAN_OPTIONS=detect_leaks=0 "$load" -s "inet:$port@127.0.0.1" -d "$c" -c 1 -n 1 -t "$c/truth.tsv" -T 120000 2>"$dir/load.err"); rc=$?
  for id in 1 2 3 4 5; do
    if [ $rc -eq 0 ] && grep -q ' errors=0 ' <<< "$res" && ! grep -q "mismatch: message $id " "$dir/load.err"; then
      pass "$V ${names[$id]}"
    else
      fail "$V ${names[$id]}" "rc=$rc $(grep "message $id \|errors=[1-9]" "$dir/load.err" | tr '\n' ' ') $(grep -c . "$dir/decisions.log") decisions"
    fi
  done

  # DNSBudget 2 with DNSTimeout 5: the first key lookup spends the whole
  # budget, so no other key server is asked (before the fix DKIM kept 20 s
  # and asked 4 of the 16). Counted at the name server, not by the clock.
  sed -i 's/^DNSBudget .*//' "$dir/m.conf"; printf 'DNSTimeout 5\nDNSBudget 2\n' >> "$dir/m.conf"
  n0=$(grep -c "reloaded configuration" "$dir/daemon.log"); kill -HUP "$pid"
  i=0; until [ "$(grep -c "reloaded configuration" "$dir/daemon.log")" -gt "$n0" ]; do
    i=$((i + 1)); [ $i -ge 100 ] && break; sleep 0.1; done
  : > "$T_TMP/asked"
  ASAN_OPTIONS=detect_leaks=0 "$load" -s "inet:$port@127.0.0.1" -d "$b" -c 1 -n 1 -T 120000 >/dev/null 2>"$dir/load2.err"
  asked=$(grep '^b\._domainkey\.bo[0-9]*\.test$' "$T_TMP/asked" | sort -u | wc -l)
  if [ "$asked" -eq 1 ] && tail -1 "$dir/decisions.log" | grep -q ' dkim=temperror '; then
    pass "$V DNSBudget 2 bounds a message's DKIM key lookups: once it is spent no other key server is asked (1 of 16)"
  else fail "$V DNSBudget 2 bounds a message's DKIM key lookups: once it is spent no other key server is asked (1 of 16)" \
    "$asked key names asked: $(sort -u "$T_TMP/asked" | tr '\n' ' '); $(tail -1 "$dir/decisions.log" | cut -c1-300)"; fi
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  [ -n "${DEBUG_KEEP:-}" ] && cp -r "$dir" "$DEBUG_KEEP"
  if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error' "$dir/daemon.log"; then
    fail "$V the daemon under the blackout has no sanitizer report" "$(grep -m2 'Sanitizer\|runtime error' "$dir/daemon.log")"
  else pass "$V the daemon under the blackout has no sanitizer report"; fi
done
