#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# contrib/xmail/install.sh - add (or remove) the xmail-milter-bridge line in
# an XMail MailRoot, so XMail runs spfdkim-milter from its SMTP filters.
#
#   install.sh --mailroot DIR --stage post-rcpt|post-data [options]
#   install.sh --mailroot DIR --stage post-rcpt|post-data --uninstall
#
# Options:
#   --bridge PATH    the installed bridge (default /usr/local/bin/xmail-milter-bridge)
#   --milter SOCKET  the milter's socket (default inet:8894@127.0.0.1)
#   --lines FILE     the tab lines to add (default: conf/xmail/filters.STAGE.tab
#                    of this source tree); '#' lines in it are not copied
#   --no-conf        do not put spam-spf-conf.tab into the MailRoot
#   --dry-run        say what would change, change nothing
#
# What it does, and promises:
# - Appends the bridge line(s) to MailRoot/filters.STAGE.tab (created if
#   absent). Existing lines are never rewritten or reordered.
# - Refuses when the tab file already runs xmail-milter-bridge with other
#   arguments (an admin's own line), or when the other stage already has our
#   line (SPF would run twice): it names the file and line, changes nothing.
# - Running it again changes nothing (no duplicate lines).
# - Copies contrib/xmail/spam-spf-conf.tab to MailRoot/spam-spf-conf.tab when
#   that file does not exist; an existing one is kept as it is.
# - Records what it added under MailRoot/.spfdkim-milter-install/STAGE/.
#   --uninstall removes exactly that: when nothing was appended after our
#   lines, the tab file gets back its original bytes (or is removed again if
#   we created it); otherwise only our lines are taken out. spam-spf-conf.tab
#   is removed only if it is still the copy we installed.
# - Writes go to a temp file in the same directory, then rename(), keeping
#   the file's owner and mode. Line endings follow the file (CRLF or LF).
# XMail re-reads the filter tab files for every message: no restart needed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prog=$(basename "$0")
DEFAULT_BRIDGE=/usr/local/bin/xmail-milter-bridge
DEFAULT_SOCKET=inet:8894@127.0.0.1

die() { echo "$prog: $*" >&2; exit 1; }
usage() { sed -n '5,15p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

mailroot="" stage="" bridge=$DEFAULT_BRIDGE socket=$DEFAULT_SOCKET lines=""
uninstall=0 conf=1 dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mailroot) mailroot=${2:?--mailroot needs a directory}; shift 2 ;;
    --stage) stage=${2:?--stage needs post-rcpt or post-data}; shift 2 ;;
    --bridge) bridge=${2:?--bridge needs a path}; shift 2 ;;
    --milter) socket=${2:?--milter needs a socket}; shift 2 ;;
    --lines) lines=${2:?--lines needs a file}; shift 2 ;;
    --no-conf) conf=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "$prog: unknown option '$1'" >&2; usage ;;
  esac
done
[ -n "$mailroot" ] || { echo "$prog: --mailroot is required" >&2; usage; }
case "$stage" in
  post-rcpt|post-data) ;;
  "") echo "$prog: --stage is required: post-rcpt (reject at RCPT time; accept/reject only) or post-data (the message is there: save-reject, quarantine, header-from, DKIM)" >&2; usage ;;
  *) die "--stage '$stage': use post-rcpt or post-data" ;;
esac
[ -d "$mailroot" ] || die "--mailroot '$mailroot' is not a directory"
case "$bridge" in /*) ;; *) die "--bridge '$bridge' must be an absolute path (XMail runs filters with execv, no PATH search)" ;; esac
case "$bridge$socket" in *'"'*|*$'\t'*|*$'\n'*) die "--bridge and --milter may not contain quotes, tabs or newlines" ;; esac

tab=$mailroot/filters.$stage.tab
other=post-data; [ "$stage" = post-data ] && other=post-rcpt
state=$mailroot/.spfdkim-milter-install/$stage
conf_src=$here/spam-spf-conf.tab
conf_dst=$mailroot/spam-spf-conf.tab

# write_file PATH CONTENT_FILE: replace PATH atomically, keeping owner/mode.
write_file() {
  local dst=$1 src=$2 tmp
  tmp=$(mktemp "$(dirname "$dst")/.$(basename "$dst").XXXXXX")
  cat "$src" > "$tmp"
  if [ -e "$dst" ]; then
    chmod --reference="$dst" "$tmp"; chown --reference="$dst" "$tmp" 2>/dev/null || true
  else
    chmod 644 "$tmp"
  fi
  sync "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$dst"
}

# Lines of a file without their CR/LF ending, one per line.
plain_lines() { sed 's/\r$//' "$1"; }

# Our lines: the shipped ones, with the bridge path and socket substituted.
build_lines() {
  local src=${lines:-$here/../../conf/xmail/filters.$stage.tab}
  [ -f "$src" ] || die "no filter lines: '$src' not found (give --lines FILE)"
  sed 's/\r$//' "$src" | grep -v -e '^#' -e '^[[:space:]]*$' \
    | sed -e "s|\"$DEFAULT_BRIDGE\"|\"$bridge\"|" -e "s|\"$DEFAULT_SOCKET\"|\"$socket\"|" > "$1"
  [ -s "$1" ] || die "no filter lines in '$src'"
  grep -q 'xmail-milter-bridge' "$1" || die "'$src' has no xmail-milter-bridge line"
  # XMail reads at most 1023 characters of a filter line.
  local long
  long=$(awk 'length($0) >= 1024 { print length($0); exit }' "$1")
  [ -z "$long" ] || die "the filter line would be $long characters; XMail reads only 1023 (shorten --bridge or --milter)"
}

# has_line FILE LINE: LINE is a whole line of FILE (ignoring its CR/LF).
has_line() { plain_lines "$1" | grep -qxF -- "$2"; }

# --------------------------------------------------------------------------
if [ "$uninstall" = 1 ]; then
  [ -d "$state" ] || { echo "$prog: nothing installed by $prog at $stage in $mailroot"; exit 0; }
  [ -f "$state/block" ] || die "$state/block missing: state is damaged, remove our lines by hand"
  if [ -e "$tab" ]; then
    size=$(stat -c %s "$tab"); bsize=$(stat -c %s "$state/block")
    work=$(mktemp); trap 'rm -f "$work"' EXIT
    if [ "$size" -ge "$bsize" ] && cmp -s <(tail -c "$bsize" "$tab") "$state/block"; then
      # Nothing was added after us: cut our bytes off the end.
      head -c $((size - bsize)) "$tab" > "$work"
      how="original bytes restored"
    else
      # The admin appended lines after ours: take out only our lines.
      cp "$tab" "$work"
      while IFS= read -r l; do
        [ -n "$l" ] || continue
        # Drop the first line equal to ours; other lines keep their CR.
        WANT="$l" awk 'BEGIN{done=0; want=ENVIRON["WANT"]} { x=$0; sub(/\r$/, "", x); if (!done && x == want) { done=1; next } print }' "$work" > "$work.n"
        mv "$work.n" "$work"
      done < <(plain_lines "$state/lines")
      how="our lines removed (the file was edited after install)"
    fi
    if [ "$dry" = 1 ]; then echo "would update $tab: $how"
    elif [ ! -s "$work" ] && [ "$(cat "$state/existed")" = no ]; then
      rm -f "$tab"; echo "removed $tab (it did not exist before install)"
    else
      write_file "$tab" "$work"; echo "updated $tab: $how"
    fi
  else
    echo "$tab is gone already"
  fi
  if [ -f "$state/conf.sha256" ] && [ -e "$conf_dst" ]; then
    if [ "$(sha256sum < "$conf_dst")" = "$(cat "$state/conf.sha256")" ]; then
      [ "$dry" = 1 ] && echo "would remove $conf_dst" || { rm -f "$conf_dst"; echo "removed $conf_dst (unchanged since install)"; }
    else
      echo "kept $conf_dst: it was edited after install"
    fi
  fi
  [ "$dry" = 1 ] || { rm -rf "$state"; rmdir "$mailroot/.spfdkim-milter-install" 2>/dev/null || true; }
  exit 0
fi

# --------------------------------------------------------------------------
new=$(mktemp); work=$(mktemp); trap 'rm -f "$new" "$work" "$work.block"' EXIT
build_lines "$new"

# Refuse: our line at the other stage (SPF would run twice).
if [ -d "$mailroot/.spfdkim-milter-install/$other" ]; then
  die "already installed at $other ($mailroot/filters.$other.tab); run '$prog --mailroot $mailroot --stage $other --uninstall' first"
fi

# Already installed: every line present. Nothing to do.
if [ -e "$tab" ]; then
  all=1
  while IFS= read -r l; do has_line "$tab" "$l" || all=0; done < "$new"
  if [ "$all" = 1 ]; then echo "$tab already has the xmail-milter-bridge line: nothing to do"; exit 0; fi
  # Refuse to clobber: another xmail-milter-bridge line is there.
  if n=$(plain_lines "$tab" | grep -n 'xmail-milter-bridge' | head -1 | cut -d: -f1) && [ -n "$n" ]; then
    die "$tab:$n already runs xmail-milter-bridge with other arguments; not adding a second one (edit or remove that line, then run again)"
  fi
fi

# Build the appended bytes: a line break first if the file lacks a final one.
eol=$'\n'
if [ -s "$tab" ] && head -1 "$tab" | grep -q $'\r$'; then eol=$'\r\n'; fi
: > "$work.block"
if [ -s "$tab" ] && [ "$(tail -c 1 "$tab" | od -An -c | tr -d ' ')" != '\n' ]; then printf '%s' "$eol" >> "$work.block"; fi
while IFS= read -r l; do printf '%s%s' "$l" "$eol" >> "$work.block"; done < "$new"

if [ "$dry" = 1 ]; then
  echo "would append to $tab:"; cat "$new"
  [ "$conf" = 1 ] && [ ! -e "$conf_dst" ] && echo "would copy $conf_src to $conf_dst"
  exit 0
fi

mkdir -p "$state"
if [ -e "$tab" ]; then echo yes > "$state/existed"; cat "$tab" > "$work"; else echo no > "$state/existed"; : > "$work"; fi
cat "$work.block" >> "$work"
cp "$work.block" "$state/block"
cp "$new" "$state/lines"
write_file "$tab" "$work"
echo "added to $tab:"; sed 's/^/  /' "$new"

if [ "$conf" = 1 ]; then
  if [ -e "$conf_dst" ]; then
    echo "kept existing $conf_dst"
  else
    write_file "$conf_dst" "$conf_src"
    sha256sum < "$conf_dst" > "$state/conf.sha256"
    echo "installed $conf_dst (start the milter with: spfdkim-milter -c $conf_dst)"
  fi
fi
echo "XMail re-reads $tab for every message: no restart needed."
