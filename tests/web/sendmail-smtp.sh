#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# sendmail-smtp.sh HOST:PORT -i -f FROM -- RCPT... - the release command of
# the web suite: takes what spfdkim-web gives sendmail(1) (message on stdin)
# and hands it to the test Postfix over SMTP. Postfix's own sendmail refuses
# -C DIR for a non-root user (the page runs as nobody), hence this stand-in.
set -eu
server=$1; shift
from=""
while [ $# -gt 0 ]; do
  case "$1" in
    -i) shift ;;
    -f) from=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "sendmail-smtp: unexpected $1" >&2; exit 64 ;;
  esac
done
to=$(printf '%s,' "$@"); to=${to%,}
exec swaks --server "$server" --from "$from" --to "$to" --data - --silent 2 >/dev/null
