#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 05-layers.sh - no source file includes a header of a layer above its own.
#
# The layer table is the Makefile's ("make print-layers": LAYER DIR DEPS...),
# so this check and the per-layer include paths cannot drift apart. Every
# #include "x.h" of a layer's .c/.h must name a header of that layer or of
# one of the layers it lists; system headers (<...>) are not checked.
. "$(dirname "$0")/../lib.sh"

table=$(make -s -C "$TOP" --no-print-directory print-layers 2>&1) || { plan 1; fail "layers: make print-layers" "$table"; exit 0; }
# One check per layer, the planted upward include, the layer count.
plan $(( $(grep -c . <<<"$table") + 2 ))

declare -A dir_of owner
while read -r layer dir _; do
  dir_of[$layer]=$dir
  for h in "$TOP/$dir"/*.h; do [ -e "$h" ] && owner[$(basename "$h")]=$layer; done
done <<<"$table"

nl=0
while read -r layer dir deps; do
  nl=$((nl + 1))
  allowed=" $layer $deps "
  bad=""
  for f in "$TOP/$dir"/*.[ch]; do
    [ -e "$f" ] || continue
    while IFS= read -r inc; do
      # *.inc are generated into build/VARIANT/gen for the layer that
      # includes them (Makefile: web_help.inc from the man page).
      case "$inc" in *.inc) continue ;; esac
      o=${owner[$inc]:-}
      if [ -z "$o" ]; then bad="$bad ${f#"$TOP"/}:\"$inc\"(no layer has it)"
      elif [[ "$allowed" != *" $o "* ]]; then bad="$bad ${f#"$TOP"/}:\"$inc\"($o)"; fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
  done
  if [ -z "$bad" ]; then pass "layers: $dir includes only its own layer and [${deps:-nothing}]"
  else fail "layers: $dir includes only its own layer and [${deps:-nothing}]" "upward or unknown:$bad"; fi
done <<<"$table"

# The checker itself must catch an upward include: plant one in a copy.
probe=$T_TMP/probe
mkdir -p "$probe" && cp -r "$TOP/milter" "$TOP/Makefile" "$probe/" && mkdir -p "$probe/xmail-bridge"
printf '#include "config.h"\n' >>"$probe/milter/common/buf.c"
out=$(cd "$probe" && make -s VARIANT=release B=build/probe build/probe/obj/milter/common/buf.o 2>&1)
if grep -q "config.h" <<<"$out"; then pass "layers: an upward #include (common/buf.c -> core/config.h) does not compile"
else fail "layers: an upward #include does not compile" "$out"; fi

[ "$nl" -ge 9 ] && pass "layers: the Makefile declares $nl layers" || fail "layers: the Makefile declares 9 layers" "got $nl"
