#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 75-deb.sh - the Debian packages: `make deb` (debhelper, debian/) builds
# them in a copy of the tree, lintian finds no error, the contents are
# what an admin expects (programs, man pages, /etc/spfdkim-milter.conf as a
# conffile, the systemd unit enabled by dh_installsystemd, sysusers and
# tmpfiles, the XMail bridge), and the packaged spfdkim-milter, unpacked
# with dpkg-deb -x into a scratch root, passes -n on the packaged config.
. "$(dirname "$0")/../lib.sh"
plan 9
V=$(cat "$TOP/VERSION")
D=$T_TMP/deb
for t in dpkg-buildpackage dh lintian; do
  command -v $t >/dev/null || { fail "make deb: $t is installed" "tools/install-deps.sh deb"; exit 0; }
done
before=$(git -C "$TOP" status --porcelain 2>/dev/null)

make -s -C "$TOP" deb DEBDIR="$D" >"$T_TMP/deb.log" 2>&1; rc=$?
M=$D/spfdkim-milter_${V}_$(dpkg --print-architecture).deb
X=$D/xmail-milter-bridge_${V}_$(dpkg --print-architecture).deb
W=$D/spfdkim-web_${V}_$(dpkg --print-architecture).deb
if [ $rc -eq 0 ] && [ -f "$M" ] && [ -f "$X" ] && [ -f "$W" ]; then
  pass "make deb builds spfdkim-milter, xmail-milter-bridge and spfdkim-web $V (the VERSION file's version)"
else fail "make deb builds the three packages at version $V" "rc=$rc: $(ls "$D" 2>&1 | tr '\n' ' ') $(tail -5 "$T_TMP/deb.log" | tr '\n' ' ')"; exit 0; fi

lintian --pedantic --display-info "$D"/*.changes >"$T_TMP/lintian.out" 2>/dev/null
lintian --fail-on error "$D"/*.changes >/dev/null 2>&1; rc=$?
nw=$(grep -c '^W: ' "$T_TMP/lintian.out"); ne=$(grep -c '^E: ' "$T_TMP/lintian.out")
tags=$(grep -E '^[WIP]: ' "$T_TMP/lintian.out" | cut -d' ' -f2,3 | sort -u | tr '\n' ' ')
if [ $rc -eq 0 ] && [ "$ne" = 0 ]; then pass "lintian --pedantic: no errors, $nw warnings (tags: ${tags:-none})"
else fail "lintian: no errors" "$(grep '^E: ' "$T_TMP/lintian.out" | head -5 | tr '\n' ' ')"; fi

files=$(dpkg-deb -c "$M" | awk '{print $6}')
missing=""
for f in ./usr/sbin/spfdkim-milter ./usr/bin/spfdkim-ctl ./usr/share/man/man8/spfdkim-milter.8.gz \
         ./usr/share/man/man5/spfdkim-milter.conf.5.gz ./usr/share/man/man1/spfdkim-ctl.1.gz \
         ./lib/systemd/system/spfdkim-milter.service ./usr/lib/sysusers.d/spfdkim-milter.conf \
         ./usr/lib/tmpfiles.d/spfdkim-milter.conf ./etc/spfdkim-milter.conf ./usr/share/doc/spfdkim-milter/copyright; do
  grep -qxF "$f" <<< "$files" || missing="$missing $f"
done
if [ -z "$missing" ]; then pass "spfdkim-milter.deb: the daemon, spfdkim-ctl, 3 man pages, the unit, sysusers and tmpfiles entries, the config"
else fail "spfdkim-milter.deb: programs, man pages, unit, sysusers, tmpfiles, config" "missing:$missing"; fi

C=$T_TMP/control; dpkg-deb -e "$M" "$C"
if [ "$(cat "$C/conffiles" 2>/dev/null)" = /etc/spfdkim-milter.conf ]; then pass "/etc/spfdkim-milter.conf is the package's conffile (an admin's edits survive upgrades)"
else fail "/etc/spfdkim-milter.conf is a conffile" "conffiles: $(cat "$C/conffiles" 2>&1)"; fi
order=$(grep -oE "systemd-sysusers .*spfdkim-milter.conf|systemd-tmpfiles .*--create spfdkim-milter.conf|deb-systemd-helper enable 'spfdkim-milter.service'" "$C/postinst" | cut -d' ' -f1 | tr '\n' ' ')
if [ "$order" = "systemd-sysusers systemd-tmpfiles deb-systemd-helper " ]; then
  pass "postinst: the user (sysusers), then its directories (tmpfiles), then the unit enabled (dh_installsystemd)"
else fail "postinst: sysusers, tmpfiles, then the unit enabled" "order: $order"; fi

xf=$(dpkg-deb -c "$X" | awk '{print $6}')
if grep -qx ./usr/bin/xmail-milter-bridge <<< "$xf" && grep -qx ./usr/share/man/man8/xmail-milter-bridge.8.gz <<< "$xf" &&
   grep -qx ./usr/share/doc/xmail-milter-bridge/examples/filters.post-data.tab <<< "$xf"; then
  pass "xmail-milter-bridge.deb: the bridge, its man page and the XMail filter lines as examples"
else fail "xmail-milter-bridge.deb: bridge, man page, filter examples" "$(tr '\n' ' ' <<< "$xf")"; fi

R=$T_TMP/root
for p in "$M" "$X" "$W"; do dpkg-deb -x "$p" "$R"; done
out=$("$R/usr/sbin/spfdkim-milter" -n -c "$R/etc/spfdkim-milter.conf" 2>&1); rc=$?
if [ $rc -eq 0 ] && [ "$out" = "$R/etc/spfdkim-milter.conf: configuration OK" ]; then
  pass "dpkg-deb -x: the packaged spfdkim-milter -n accepts the packaged /etc/spfdkim-milter.conf"
else fail "dpkg-deb -x: the packaged spfdkim-milter -n accepts the packaged config" "rc=$rc: $out"; fi
if [ "$("$R/usr/sbin/spfdkim-milter" -V)" = "spfdkim-milter $V" ] && [ "$("$R/usr/bin/xmail-milter-bridge" -V)" = "xmail-milter-bridge $V" ] &&
   grep -q '^ExecStart=/usr/sbin/spfdkim-milter -f -c /etc/spfdkim-milter.conf' "$R/lib/systemd/system/spfdkim-milter.service"; then
  pass "the packaged programs say version $V; the packaged unit runs /usr/sbin/spfdkim-milter"
else fail "the packaged programs say version $V; the unit runs /usr/sbin/spfdkim-milter" "$("$R/usr/sbin/spfdkim-milter" -V 2>&1) $(grep ^ExecStart= "$R/lib/systemd/system/spfdkim-milter.service" 2>&1)"; fi

if [ "$(git -C "$TOP" status --porcelain 2>/dev/null)" = "$before" ]; then pass "make deb leaves the checkout as it was (git status unchanged)"
else fail "make deb leaves the checkout as it was" "$(git -C "$TOP" status --porcelain | head -5 | tr '\n' ' ')"; fi
