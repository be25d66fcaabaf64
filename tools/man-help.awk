# SPDX-License-Identifier: BSD-2-Clause
# man-help.awk - the settings page's one-line help, taken from the man page.
#
# Reads man/spfdkim-milter.conf.5 and prints C initialisers
#   { "Group", "Key", "First sentence of the key's paragraph." },
# for every ".TP / .B Key" entry of the KEYS section, Group being the .SS
# heading above it. Roff fonts and escapes are stripped; the page builds
# with this, so the help shown is always the installed man page's.
function clean(s) {
  gsub(/\\\(dq/, "\"", s); gsub(/\\~/, " ", s); gsub(/\\-/, "-", s)
  gsub(/\\f[BIRP]/, "", s); gsub(/\\&/, "", s); gsub(/\\\(em/, "-", s)
  return s
}
function macro(line,   m, rest, n, a, i, out) {
  m = line; sub(/ .*/, "", m); rest = line; sub(/^[^ ]* ?/, "", rest)
  if (m == ".B" || m == ".I") { gsub(/"/, "", rest); return rest }
  if (m == ".BR" || m == ".RI" || m == ".IR" || m == ".RB" || m == ".BI" || m == ".IB") {
    n = 0; out = ""
    while (length(rest) > 0) {
      sub(/^ +/, "", rest)
      if (substr(rest, 1, 1) == "\"") { rest = substr(rest, 2); i = index(rest, "\""); a = substr(rest, 1, i ? i - 1 : length(rest)); rest = i ? substr(rest, i + 1) : "" }
      else { i = index(rest, " "); a = i ? substr(rest, 1, i - 1) : rest; rest = i ? substr(rest, i + 1) : "" }
      out = out a
    }
    return out
  }
  return ""
}
function flush(   t, i) {
  if (key == "") return
  t = clean(text); gsub(/  +/, " ", t); sub(/^ /, "", t)
  i = match(t, /\. /); if (i) t = substr(t, 1, i)
  gsub(/\\/, "\\\\", t); gsub(/"/, "\\\"", t)
  printf "{ \"%s\", \"%s\", \"%s\" },\n", group, key, t
  key = ""; text = ""
}
/^\.SH/ { flush(); inkeys = ($2 == "KEYS"); next }
!inkeys { next }
/^\.SS/ { flush(); group = $0; sub(/^\.SS +/, "", group); gsub(/"/, "", group); next }
/^\.TP/ { flush(); want = 1; next }
want && /^\.B / { key = $2; want = 0; done = 0; next }
key == "" || done { next }
/^\.br/ || /^\.PP/ || /^\.RS/ { done = 1; next }
/^\./ { t = macro($0); if (t != "") text = text " " t; next }
{ text = text " " $0 }
END { flush() }
