#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 73-man.sh - the manual pages: each renders with `groff -ww` without a
# warning and with `man -l`; `make install` puts them in man1/5/8; and they
# stay in step with the programs (every config key, option, subcommand and
# bridge flag the code has is documented; the config examples parse).
. "$(dirname "$0")/../lib.sh"
PAGES="spfdkim-milter.8 spfdkim-milter.conf.5 xmail-milter-bridge.8 spfdkim-ctl.1 spfdkim-web.8"
# Two render checks per page, and 7 more below.
plan $(( 2 * $(wc -w <<<"$PAGES") + 7 ))
for p in $PAGES; do
  f=$TOP/man/$p
  if [ ! -f "$f" ]; then fail "man $p: exists" "missing $f"; continue; fi
  err=$(groff -ww -man -Tutf8 "$f" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 0 ] && [ -z "$err" ]; then pass "man $p: groff -ww -man -Tutf8 renders with no warning"
  else fail "man $p: groff -ww -man -Tutf8 renders with no warning" "rc=$rc $err"; fi
  out=$(MANWIDTH=80 man --warnings=all -l "$f" 2>"$T_TMP/man.err"); rc=$?
  name=${p%.*}
  if [ $rc -eq 0 ] && [ ! -s "$T_TMP/man.err" ] && grep -q '^NAME' <<<"$out" && grep -qE "^ *$name[ ,]" <<<"$out"; then
    pass "man $p: man --warnings=all -l shows NAME $name, no warning at 80 columns ($(wc -l <<<"$out") lines)"
  else
    fail "man $p: man -l shows NAME $name" "rc=$rc $(head -c 300 "$T_TMP/man.err")"
  fi
done

# make install puts them where man finds them.
ROOT=$T_TMP/destdir
if make -s -C "$TOP" install DESTDIR="$ROOT" PREFIX=/usr/local >"$T_TMP/install.log" 2>&1 \
   && [ -f "$ROOT/usr/local/share/man/man8/spfdkim-milter.8" ] && [ -f "$ROOT/usr/local/share/man/man5/spfdkim-milter.conf.5" ] \
   && [ -f "$ROOT/usr/local/share/man/man8/xmail-milter-bridge.8" ] && [ -f "$ROOT/usr/local/share/man/man1/spfdkim-ctl.1" ] \
   && MANPATH="$ROOT/usr/local/share/man" man -w spfdkim-milter.conf >/dev/null 2>&1; then
  pass "man: make install DESTDIR=... installs man1/spfdkim-ctl.1, man5/spfdkim-milter.conf.5, man8/{spfdkim-milter,xmail-milter-bridge}.8; man -w finds them"
else
  fail "man: make install installs the four pages" "$(tail -2 "$T_TMP/install.log")"
fi

# Plain text of a page, for the consistency checks.
txt() { MANWIDTH=200 man -l "$TOP/man/$1" 2>/dev/null | col -bx; }

# Every config key in milter/core/config.c is in spfdkim-milter.conf(5).
keys=$(sed -n 's/^[[:space:]]*{ "\([A-Za-z]*\)", K_.*/\1/p' "$TOP/milter/core/config.c")
for r in $(sed -n 's/^[[:space:]]*SPF_KEYS("\([A-Za-z]*\)".*/\1/p' "$TOP/milter/core/config.c"); do keys="$keys SPF${r}Action SPF${r}Reply"; done
for r in $(sed -n 's/^[[:space:]]*DKIM_KEYS("\([A-Za-z]*\)".*/\1/p' "$TOP/milter/core/config.c"); do keys="$keys DKIM${r}Action DKIM${r}Reply"; done
for r in $(sed -n 's/^[[:space:]]*DMARC_KEYS("\([A-Za-z]*\)".*/\1/p' "$TOP/milter/core/config.c"); do keys="$keys DMARC${r}Action DMARC${r}Reply"; done
conf5=$(txt spfdkim-milter.conf.5)
n=0; missing=""
for k in $keys; do n=$((n + 1)); grep -qw -- "$k" <<<"$conf5" || missing="$missing $k"; done
if [ "$n" -ge 40 ] && [ -z "$missing" ]; then pass "man spfdkim-milter.conf.5: documents all $n keys of milter/core/config.c"
else fail "man spfdkim-milter.conf.5: documents all keys of milter/core/config.c" "$n keys; missing:$missing"; fi
# ... and in the sample conf/spfdkim-milter.conf.
missing=""
for k in $keys; do grep -qw -- "$k" "$TOP/conf/spfdkim-milter.conf" || missing="$missing $k"; done
if [ -z "$missing" ]; then pass "conf/spfdkim-milter.conf: shows all $n keys of milter/core/config.c"
else fail "conf/spfdkim-milter.conf: shows all keys of milter/core/config.c" "missing:$missing"; fi

# Every option of spfdkim-milter's usage is in spfdkim-milter(8).
M=$(bin release spfdkim-milter)
if [ -x "$M" ]; then
  opts=$("$M" -h 2>&1 | grep -o '^  -[a-zA-Z]' | tr -d ' ')
  m8=$(txt spfdkim-milter.8); missing=""
  for o in $opts; do grep -qE -- "^ +(-[-a-z]+, )?$o( |,|$)" <<<"$m8" || missing="$missing $o"; done
  if [ -n "$opts" ] && [ -z "$missing" ]; then pass "man spfdkim-milter.8: documents every option of spfdkim-milter -h ($(echo $opts))"
  else fail "man spfdkim-milter.8: documents every option of spfdkim-milter -h" "missing:$missing"; fi
else
  fail "man spfdkim-milter.8: options match the program" "milter/spfdkim-milter not built"
fi

# Every spfdkim-ctl command is in spfdkim-ctl(1).
C=$(bin release spfdkim-ctl)
if [ -x "$C" ]; then
  cmds=$("$C" --help | sed -n 's/^  spfdkim-ctl \([a-z-]*\).*/\1/p')
  c1=$(txt spfdkim-ctl.1); missing=""
  for c in $cmds; do grep -qE "^ +$c — " <<<"$c1" || missing="$missing $c"; done
  if [ -n "$cmds" ] && [ -z "$missing" ]; then pass "man spfdkim-ctl.1: a section for every command of spfdkim-ctl --help ($(echo $cmds))"
  else fail "man spfdkim-ctl.1: a section for every command of spfdkim-ctl --help" "missing:$missing"; fi
else
  fail "man spfdkim-ctl.1: commands match the program" "milter/spfdkim-ctl not built"
fi

# Every flag of the bridge's usage is in xmail-milter-bridge(8).
X=$(bin release xmail-milter-bridge)
if [ -x "$X" ]; then
  flags=$("$X" --help 2>&1 | grep -o -- '--[a-z-]*' | sort -u)
  x8=$(txt xmail-milter-bridge.8); missing=""
  for fl in $flags; do grep -qE -- "^ +(-[-a-zA-Z]+, )?$fl( |,|=|$)" <<<"$x8" || missing="$missing $fl"; done
  if [ -n "$flags" ] && [ -z "$missing" ]; then pass "man xmail-milter-bridge.8: documents every flag of xmail-milter-bridge --help ($(echo $flags | wc -w) flags)"
  else fail "man xmail-milter-bridge.8: documents every flag of xmail-milter-bridge --help" "missing:$missing"; fi
else
  fail "man xmail-milter-bridge.8: flags match the program" "xmail-bridge/xmail-milter-bridge not built"
fi

# The configuration examples in spfdkim-milter.conf(5) parse (paths moved
# into the scratch dir, since -n opens the log files).
if [ -x "$M" ]; then
  mkdir -p "$T_TMP/var/log/spfdkim-milter" "$T_TMP/var/lib/spfdkim-milter/spam"
  awk '/^\.EX/{n++; on=1; next} /^\.EE/{on=0} on{print > (dir "/example" n ".conf")}' dir="$T_TMP" "$TOP/man/spfdkim-milter.conf.5"
  n=0; bad=""
  for e in "$T_TMP"/example*.conf; do
    [ -f "$e" ] || continue
    n=$((n + 1))
    sed -i -e 's/\\-/-/g' -e 's/\\e/\\/g' -e "s|/var/log/spfdkim-milter|$T_TMP/var/log/spfdkim-milter|; s|/var/lib/spfdkim-milter|$T_TMP/var/lib/spfdkim-milter|" "$e"
    "$M" -n -c "$e" >/dev/null 2>"$e.err" || bad="$bad $(basename "$e"): $(cat "$e.err")"
  done
  if [ "$n" -ge 2 ] && [ -z "$bad" ]; then pass "man spfdkim-milter.conf.5: its $n configuration examples pass spfdkim-milter -n"
  else fail "man spfdkim-milter.conf.5: its configuration examples pass spfdkim-milter -n" "$n examples;$bad"; fi
else
  fail "man spfdkim-milter.conf.5: its configuration examples pass spfdkim-milter -n" "$M is not built"
fi
exit 0
