#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 72-xmail-install.sh - contrib/xmail/install.sh on scratch MailRoots:
# install, reinstall (no duplicate lines), uninstall (original bytes back,
# compared with cmp), refusals, CRLF files, and the spam-spf-conf.tab it
# installs (checked with spfdkim-milter -n); then the installed line is run
# the way XMail runs it (execv of its fields, macros expanded) on a spool
# file XMail really produced, against spfdkim-milter.
. "$(dirname "$0")/../lib.sh"
plan 25
. "$TOP/tests/e2e/milter.sh"

INST=$TOP/contrib/xmail/install.sh
BR=/opt/xmail-test/bin/xmail-milter-bridge
T() { bash "$INST" "$@" >>"$T_TMP/install.log" 2>&1; }
# ok NAME COND...: pass if the command succeeds
ok() { local n=$1; shift; if "$@"; then pass "xmail install: $n"; else fail "xmail install: $n" "$(tail -2 "$T_TMP/install.log")"; fi; }
count() { grep -c "xmail-milter-bridge" "$1" 2>/dev/null || true; }

mkroot() {  # a MailRoot with an admin's own post-data filter line (LF, final newline)
  local r=$1; mkdir -p "$r"
  printf '"RootPath"\t"%s"\n' "$r" > "$r/server.tab"
  printf '# admin filters\n"/usr/local/bin/av-scan"\t"@@FILE"\n' > "$r/filters.post-data.tab"
  cp "$r/filters.post-data.tab" "$r/orig.post-data"
}

# --- post-data: install, reinstall, uninstall -----------------------------
R=$T_TMP/root1; mkroot "$R"
T --mailroot "$R" --stage post-data --bridge "$BR" --milter inet:9999@127.0.0.1
ok "install into filters.post-data.tab exits 0" [ $? -eq 0 ]
ok "post-data: one bridge line appended after the admin's lines" \
   bash -c "[ \"\$(grep -c xmail-milter-bridge '$R/filters.post-data.tab')\" = 1 ] && head -c \$(stat -c %s '$R/orig.post-data') '$R/filters.post-data.tab' | cmp -s - '$R/orig.post-data'"
line=$(grep xmail-milter-bridge "$R/filters.post-data.tab")
IFS=$'\t' read -r -a f <<<"$line"
ok "post-data: the line is XMail tab format, first field \"$BR\", --stage post-data, --milter inet:9999@127.0.0.1" \
   bash -c "[ '${f[0]}' = '\"$BR\"' ] && grep -qP '\"--stage\"\t\"post-data\"' <<<'$line' && grep -qP '\"--milter\"\t\"inet:9999@127.0.0.1\"' <<<'$line' && ! grep -qP '[^\t]\"[^\t]' <<<'$line'"
ok "post-data: the shipped macros are kept (@@FILE @@USERAUTH @@REMOTEADDR @@FROM @@CRCPT @@MSGREF)" \
   bash -c "for m in @@FILE @@USERAUTH @@REMOTEADDR @@LOCALADDR @@FROM @@CRCPT @@MSGREF; do grep -qF \"\\\"\$m\\\"\" <<<'$line' || exit 1; done"
ok "spam-spf-conf.tab installed into the MailRoot, byte-identical to contrib/xmail/spam-spf-conf.tab" \
   cmp -s "$R/spam-spf-conf.tab" "$TOP/contrib/xmail/spam-spf-conf.tab"
if [ -x "$(bin release spfdkim-milter)" ]; then
  out=$("$(bin release spfdkim-milter)" -n -c "$R/spam-spf-conf.tab" 2>&1)
  ok "spfdkim-milter -n accepts the installed spam-spf-conf.tab (\"$out\")" [ $? -eq 0 ]
else
  fail "xmail install: spfdkim-milter -n accepts spam-spf-conf.tab" "milter/spfdkim-milter not built"
fi
cp "$R/filters.post-data.tab" "$T_TMP/after1"
T --mailroot "$R" --stage post-data --bridge "$BR" --milter inet:9999@127.0.0.1
ok "reinstall: exits 0 and leaves filters.post-data.tab byte-identical (still 1 bridge line)" \
   bash -c "cmp -s '$R/filters.post-data.tab' '$T_TMP/after1' && [ \"\$(grep -c xmail-milter-bridge '$R/filters.post-data.tab')\" = 1 ]"
T --mailroot "$R" --stage post-rcpt --bridge "$BR"
rc=$?
ok "install at post-rcpt is refused while post-data has our line (exit $rc, no filters.post-rcpt.tab)" \
   bash -c "[ $rc -ne 0 ] && [ ! -e '$R/filters.post-rcpt.tab' ]"
T --mailroot "$R" --stage post-data --uninstall
ok "uninstall: filters.post-data.tab back to its original bytes (cmp)" cmp -s "$R/filters.post-data.tab" "$R/orig.post-data"
ok "uninstall: spam-spf-conf.tab (unchanged since install) removed, no state left" \
   bash -c "[ ! -e '$R/spam-spf-conf.tab' ] && [ ! -e '$R/.spfdkim-milter-install' ]"
T --mailroot "$R" --stage post-data --uninstall
ok "uninstall again: no change (cmp)" cmp -s "$R/filters.post-data.tab" "$R/orig.post-data"

# --- post-rcpt into a MailRoot without that file --------------------------
R=$T_TMP/root2; mkroot "$R"
printf '"Key"\t"admin value"\n' > "$R/spam-spf-conf.tab"; cp "$R/spam-spf-conf.tab" "$T_TMP/conf2"
T --mailroot "$R" --stage post-rcpt --bridge "$BR"
ok "post-rcpt: filters.post-rcpt.tab created with one line --stage post-rcpt, --milter inet:8894@127.0.0.1 (default)" \
   bash -c "[ \"\$(wc -l < '$R/filters.post-rcpt.tab')\" = 1 ] && grep -qP '\"--stage\"\t\"post-rcpt\"\t\"--milter\"\t\"inet:8894@127.0.0.1\"' '$R/filters.post-rcpt.tab'"
ok "post-rcpt: an existing spam-spf-conf.tab is kept as it was (cmp)" cmp -s "$R/spam-spf-conf.tab" "$T_TMP/conf2"
ok "post-rcpt: filters.post-data.tab untouched (cmp)" cmp -s "$R/filters.post-data.tab" "$R/orig.post-data"
T --mailroot "$R" --stage post-rcpt --uninstall
ok "post-rcpt uninstall: filters.post-rcpt.tab removed again (it did not exist), admin's spam-spf-conf.tab kept" \
   bash -c "[ ! -e '$R/filters.post-rcpt.tab' ] && cmp -s '$R/spam-spf-conf.tab' '$T_TMP/conf2'"

# --- CRLF file without a final line break ---------------------------------
R=$T_TMP/root3; mkroot "$R"
printf '"/usr/local/bin/av-scan"\t"@@FILE"\r\n"/usr/local/bin/other"\t"@@FILE"' > "$R/filters.post-data.tab"
cp "$R/filters.post-data.tab" "$R/orig.post-data"
T --mailroot "$R" --stage post-data --bridge "$BR" --no-conf
ok "CRLF file, no final newline: our line is added on its own line, ending in CRLF" \
   bash -c "[ \"\$(grep -c \$'^\"$BR\".*\r\$' '$R/filters.post-data.tab')\" = 1 ] && [ \"\$(grep -c \$'\r\$' '$R/filters.post-data.tab')\" = 3 ] && [ ! -e '$R/spam-spf-conf.tab' ]"
T --mailroot "$R" --stage post-data --uninstall
ok "CRLF file: uninstall restores the original bytes (cmp)" cmp -s "$R/filters.post-data.tab" "$R/orig.post-data"

# --- refusals and edits after install -------------------------------------
R=$T_TMP/root4; mkroot "$R"
printf '"/usr/bin/xmail-milter-bridge"\t"--stage"\t"post-data"\t"--milter"\t"unix:/run/other.sock"\n' >> "$R/filters.post-data.tab"
cp "$R/filters.post-data.tab" "$R/orig.post-data"
T --mailroot "$R" --stage post-data --bridge "$BR"
rc=$?
ok "an admin's own xmail-milter-bridge line: install refuses (exit $rc), names file:line, file unchanged (cmp)" \
   bash -c "[ $rc -ne 0 ] && grep -q 'filters.post-data.tab:3 already runs xmail-milter-bridge' '$T_TMP/install.log' && cmp -s '$R/filters.post-data.tab' '$R/orig.post-data'"

R=$T_TMP/root5; mkroot "$R"
T --mailroot "$R" --stage post-data --bridge "$BR"
printf '"/usr/local/bin/late-filter"\t"@@FILE"\n' >> "$R/filters.post-data.tab"
T --mailroot "$R" --stage post-data --uninstall
{ cat "$R/orig.post-data"; printf '"/usr/local/bin/late-filter"\t"@@FILE"\n'; } > "$T_TMP/want5"
ok "a line added after install survives uninstall; only our line goes (cmp)" cmp -s "$R/filters.post-data.tab" "$T_TMP/want5"

R=$T_TMP/root6; mkroot "$R"; chmod 640 "$R/filters.post-data.tab"
T --mailroot "$R" --stage post-data --bridge "$BR" --dry-run
ok "--dry-run changes nothing (cmp, no state, no conf)" \
   bash -c "cmp -s '$R/filters.post-data.tab' '$R/orig.post-data' && [ ! -e '$R/.spfdkim-milter-install' ] && [ ! -e '$R/spam-spf-conf.tab' ]"
T --mailroot "$R" --stage post-data --bridge "$BR"
ok "install keeps the tab file's mode (640)" [ "$(stat -c %a "$R/filters.post-data.tab")" = 640 ]
T --mailroot "$R" --stage pre-data --bridge "$BR"; rc=$?
ok "a bad --stage is refused (exit $rc)" [ $rc -ne 0 ]
T --mailroot "$R" --stage post-data --bridge relative/bridge; rc=$?
ok "a relative --bridge path is refused (XMail uses execv) (exit $rc)" [ $rc -ne 0 ]
R=$T_TMP/root8; mkroot "$R"
T --mailroot "$R" --stage post-data --bridge "/$(printf 'd%.0s' $(seq 1 1000))/xmail-milter-bridge"; rc=$?
ok "a line longer than XMail's 1023 characters is refused (exit $rc), file unchanged (cmp)" \
   bash -c "[ $rc -ne 0 ] && grep -q 'XMail reads only 1023' '$T_TMP/install.log' && cmp -s '$R/filters.post-data.tab' '$R/orig.post-data'"

# --- the installed line works: run it as XMail would ----------------------
BRIDGE=$(bin release xmail-milter-bridge)
FIX=$DATA/xmail/spool/post-data-plain.spool
if [ ! -x "$BRIDGE" ] || [ ! -x "$(em_bin)" ] || [ ! -f "$FIX" ]; then
  fail "xmail install: the installed post-data line runs the bridge" "missing $BRIDGE, $(em_bin) or $FIX"
  exit 0
fi
need_dns || exit 0
MPORT=$(free_port)
em_conf "$T_TMP/milter.conf" "$MPORT"
em_start "$T_TMP/milter.conf" "$MPORT" || { fail "xmail install: milter starts" "$(tail -2 "$T_TMP/milter.conf.stderr")"; exit 0; }
R=$T_TMP/root7; mkroot "$R"
T --mailroot "$R" --stage post-data --bridge "$BRIDGE" --milter "inet:$MPORT@127.0.0.1" --no-conf
SPOOL=$T_TMP/0d36c0d1b7efe4ac46854a59434854d3.xtmp
cp "$FIX" "$SPOOL"
# The fields of our line, quotes off, XMail's macros expanded (values from
# tests/data/xmail/args/post-data-plain.args).
args=()
while IFS= read -r fld; do
  fld=${fld#\"}; fld=${fld%\"}
  case "$fld" in
    @@FILE) fld=$SPOOL ;; @@USERAUTH) fld=- ;; @@REMOTEADDR) fld='[127.0.0.1]:60376' ;;
    @@LOCALADDR) fld='[127.0.0.1]:2525' ;; @@FROM) fld=sender@sender.test ;;
    @@CRCPT) fld=alice@example.test ;; @@MSGREF) fld=S3 ;;
  esac
  args+=("$fld")
done < <(grep xmail-milter-bridge "$R/filters.post-data.tab" | tr -d '\r' | tr '\t' '\n')
"${args[@]}" >"$T_TMP/bridge.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ ! -e "$SPOOL.rej" ] && grep -q '^<<MAIL-DATA>>' "$SPOOL" \
   && grep -q '^Authentication-Results: mx.e2e.test;' "$SPOOL" && [ "${args[0]}" = "$BRIDGE" ]; then
  pass "xmail install: the installed post-data line, run as XMail runs it on a real XMail spool file, exits 0 and inserts Authentication-Results: mx.e2e.test"
else
  fail "xmail install: the installed post-data line, run as XMail runs it, inserts Authentication-Results" "rc=$rc $(head -c 300 "$T_TMP/bridge.out")"
fi
em_stop
exit 0
