#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# install-deps.sh - install the Debian packages a target needs, if missing.
#
# Usage: tools/install-deps.sh build|run|test|deb|bench
# Runs apt-get only when something is missing, so repeated calls are cheap.
# Never starts services: a policy-rc.d that exits 101 is put in place first,
# and postfix is preseeded to "No configuration" so nothing listens on :25.
set -eu

# libevent-dev: Debian 12's libunbound.pc requires libevent.pc (pkg-config).
build="gcc make pkg-config libmilter-dev libbsd-dev libunbound-dev libevent-dev libssl-dev openssl libmicrohttpd-dev libcrypt-dev libsystemd-dev libpsl-dev publicsuffix zlib1g-dev"
run="$build"
test="$build clang libclang-rt-14-dev libcmocka-dev strace unbound miltertest swaks postfix
      python3 python3-dkim python3-spf python3-yaml python3-dnspython libmail-dkim-perl
      opendkim opendkim-tools opendmarc libxml2-utils valgrind iproute2 groff-base man-db lua5.3 chromium chromium-driver python3-selenium prometheus faketime
      debhelper dpkg-dev fakeroot lintian"
# make deb: debhelper builds the packages, lintian checks them (suite 75).
deb="$build debhelper dpkg-dev fakeroot lintian"
bench="$test opendmarc rspamd hyperfine linux-perf"

case "${1:-}" in
  build) want=$build ;;
  run) want=$run ;;
  test) want=$test ;;
  deb) want=$deb ;;
  bench) want=$bench ;;
  *) echo "usage: $0 build|run|test|deb|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing Debian packages:$missing (run as root, or install them)" >&2
  exit 1
fi
echo "install-deps: installing$missing" >&2
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
fi
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
