#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/dns/unbound.sh - the test DNS: a real unbound on loopback serving
# tests/dns/zones/*.zone as one authoritative root zone.
#
#   unbound.sh start DIR   start it (state in DIR), print "127.0.0.1@PORT"
#   unbound.sh stop DIR
#
# EXTRA_ZONES: more zone fragments to serve; EXTRA_CONF: a file of unbound
# clauses appended to the config (e.g. stub-zone: a delegation to a
# loopback port, used to make name servers that never answer);
# AUTH_DOWNSTREAM=no: answer from the zones by iteration only (the auth zone
# then returns no referrals to clients, so stub-zone delegations apply).
#
# Every zone fragment starts with its own $ORIGIN and uses names relative to
# it or absolute names. Because the root zone is ours, any name the fragments
# do not define is NXDOMAIN at once: no query ever leaves the machine, and
# answers are deterministic. Unbound's built-in RFC 6761/6303 local zones
# (test., invalid., private reverse zones) are switched off so the data wins.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?start|stop}; dir=${2:?state dir}
mkdir -p "$dir"

case "$cmd" in
stop)
  [ -f "$dir/unbound.pid" ] && kill "$(cat "$dir/unbound.pid")" 2>/dev/null || true
  exit 0 ;;
start) ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

port=${DNS_PORT:-$(/usr/bin/python3 -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); p=s.getsockname()[1]
u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); u.bind(("127.0.0.1",p)); print(p)')}

{
  printf '$TTL 300\n$ORIGIN .\n'
  printf '@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n'
  printf '@ IN NS ns.test.\nns.test. IN A 127.0.0.1\n'
  for z in "$here"/zones/*.zone ${EXTRA_ZONES:-}; do
    [ -f "$z" ] || continue
    printf '\n; ---- %s\n$ORIGIN .\n$TTL 300\n' "$(basename "$z")"
    cat "$z"
    printf '\n'
  done
} > "$dir/root.zone"

{
  echo "server:"
  echo "  interface: 127.0.0.1"
  echo "  port: $port"
  echo "  do-ip6: no"
  echo "  username: \"\""
  echo "  chroot: \"\""
  echo "  directory: \"$dir\""
  echo "  pidfile: \"$dir/unbound.pid\""
  echo "  logfile: \"$dir/unbound.log\""
  echo "  use-syslog: no"
  echo "  do-daemonize: no"
  echo "  verbosity: 1"
  echo "  num-threads: 1"
  echo "  module-config: \"iterator\""
  echo "  access-control: 127.0.0.0/8 allow"
  echo "  do-not-query-localhost: no"
  echo "  unblock-lan-zones: yes"
  echo "  insecure-lan-zones: yes"
  echo "  minimal-responses: no"
  echo "  qname-minimisation: no"
  for z in test. invalid. localhost. onion. home.arpa. 127.in-addr.arpa. \
           1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.; do
    echo "  local-zone: \"$z\" nodefault"
  done
  echo "remote-control:"
  echo "  control-enable: no"
  echo "auth-zone:"
  echo "  name: \".\""
  echo "  zonefile: \"$dir/root.zone\""
  echo "  for-downstream: ${AUTH_DOWNSTREAM:-yes}"
  echo "  for-upstream: yes"
  echo "  fallback-enabled: no"
  if [ -n "${EXTRA_CONF:-}" ]; then cat "$EXTRA_CONF"; fi
} > "$dir/unbound.conf"

unbound-checkconf "$dir/unbound.conf" >/dev/null
unbound -d -c "$dir/unbound.conf" >>"$dir/unbound.log" 2>&1 &
echo $! > "$dir/unbound.pid"
for _ in $(seq 1 100); do
  if /usr/bin/python3 - "$port" <<'PY' 2>/dev/null
import sys, dns.message, dns.query
q = dns.message.make_query("ns.test.", "A")
dns.query.udp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=0.2)
PY
  then echo "127.0.0.1@$port"; exit 0; fi
  sleep 0.1
done
echo "unbound did not answer on 127.0.0.1:$port" >&2
tail -5 "$dir/unbound.log" >&2
exit 1
