# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/postfix.sh - a private, real Postfix on loopback for end-to-end
# tests (source it after tests/lib.sh; bash only).
#
#   pf_setup DIR PORT DOMAIN   config dir DIR/etc, queue DIR/spool, Maildir
#                              delivery for any user@DOMAIN into DIR/mail/inbox/
#   pf_apply_snippet DIR FILE SOCKET
#                              apply every "name = value" line of FILE (the
#                              contrib snippet) with postconf -e; the snippet's
#                              own milter address inet:127.0.0.1:8894 is
#                              replaced by SOCKET (Postfix syntax), nothing else
#   pf_start DIR / pf_stop DIR / pf_reload DIR
#   pf_wait_mail DIR COUNT [SECONDS]   wait until COUNT messages were delivered
#   pf_log DIR                 Postfix's own log (maillog_file)
#
# Nothing listens on port 25; mail is only accepted on 127.0.0.1:PORT. Recipes
# and pitfalls: tests/e2e/MTA-TESTING.md (chroot off, data_directory
# owned by postfix, maillog_file because there is no syslog).

PF_SNIPPET_DEFAULT_SOCKET="inet:127.0.0.1:8894"

pf_setup() {
  local dir=$1 port=$2 domain=$3
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/mail/inbox" "$dir/log"
  # Postfix's daemons (user postfix) and the virtual agent (nobody) must
  # traverse the scratch dir.
  chmod 711 "$dir" "$(dirname "$dir")"
  chown postfix "$dir/data"
  chown -R nobody:nogroup "$dir/mail"
  cp /usr/share/postfix/master.cf.dist "$dir/etc/master.cf"
  : > "$dir/etc/main.cf"
  local pc="postconf -c $dir/etc"
  $pc -e "compatibility_level = 3.6" \
         "queue_directory = $dir/spool" \
         "data_directory = $dir/data" \
         "mail_owner = postfix" \
         "setgid_group = postdrop" \
         "myhostname = mx.$domain" \
         "mydomain = $domain" \
         "myorigin = \$myhostname" \
         "mydestination =" \
         "inet_interfaces = loopback-only" \
         "inet_protocols = ipv4" \
         "mynetworks = 127.0.0.0/8" \
         "maillog_file = $dir/log/postfix.log" \
         "maillog_file_prefixes = $dir/log" \
         "virtual_mailbox_domains = $domain" \
         "virtual_mailbox_base = $dir/mail" \
         "virtual_mailbox_maps = static:inbox/" \
         "virtual_uid_maps = static:65534" \
         "virtual_gid_maps = static:65534" \
         "alias_maps =" "alias_database =" \
         "smtp_dns_support_level = disabled" \
         "smtpd_banner = \$myhostname ESMTP e2e" \
         "biff = no" || return 1
  $pc -F '*/*/chroot = n' || return 1
  $pc -MX smtp/inet || return 1
  $pc -M "127.0.0.1:$port/inet=127.0.0.1:$port inet n - n - - smtpd" || return 1
  # postlog (maillog_file) must run unprivileged like the others.
  postfix -c "$dir/etc" check >"$dir/log/check.log" 2>&1 || { cat "$dir/log/check.log" >&2; return 1; }
}

# Apply the snippet's settings. Only the milter address is changed, so the
# test runs the admin's file, not a copy of it.
pf_apply_snippet() {
  local dir=$1 file=$2 socket=$3 line name value n=0
  local -a settings=()
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      ''|'#'*) continue ;;
      [[:space:]]*)   # continuation of the previous setting
        [ ${#settings[@]} -gt 0 ] || return 1
        settings[-1]="${settings[-1]} ${line#"${line%%[![:space:]]*}"}"; continue ;;
    esac
    name=${line%%=*}; name=${name%"${name##*[![:space:]]}"}
    value=${line#*=}; value=${value#"${value%%[![:space:]]*}"}
    value=${value//"$PF_SNIPPET_DEFAULT_SOCKET"/$socket}
    settings+=("$name = $value")
    n=$((n + 1))
  done < "$file"
  [ "$n" -gt 0 ] || return 1
  postconf -c "$dir/etc" -e "${settings[@]}"
}

pf_start() { postfix -c "$1/etc" start >>"$1/log/start.log" 2>&1; }
pf_stop() {
  local pid i=0
  pid=$(tr -dc 0-9 < "$1/spool/pid/master.pid" 2>/dev/null)
  postfix -c "$1/etc" stop >>"$1/log/start.log" 2>&1 || true
  # master is not our child: wait for it to go before the dir is removed.
  while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
pf_reload() { postfix -c "$1/etc" reload >>"$1/log/start.log" 2>&1; }
pf_log() { cat "$1/log/postfix.log" 2>/dev/null; }

pf_mail_count() { find "$1/mail/inbox/new" -type f 2>/dev/null | wc -l; }

pf_wait_mail() {
  local dir=$1 want=$2 i=0 max=$(( ${3:-20} * 10 ))
  while [ "$(pf_mail_count "$dir")" -lt "$want" ]; do
    i=$((i + 1)); [ $i -ge $max ] && return 1; sleep 0.1
  done
}

# pf_find_mail DIR PATTERN: the delivered file whose content matches PATTERN.
pf_find_mail() {
  grep -l -- "$2" "$1"/mail/inbox/new/* 2>/dev/null | head -1
}
