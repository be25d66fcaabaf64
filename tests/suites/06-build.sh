#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# 06-build.sh - the build itself, in a copy of the tree (the checkout's own
# build stays untouched): clang builds everything with -Wall -Wextra -Werror
# and prints no warning; libunbound, OpenSSL (libssl, libcrypto) and libbsd
# come from pkg-config (a .pc file earlier on PKG_CONFIG_PATH wins), as does
# libsystemd for the daemon.
. "$(dirname "$0")/../lib.sh"
plan 3
SRC=$T_TMP/src
mkdir -p "$SRC"
# The working tree as it is (new files too), without builds and git.
tar -C "$TOP" --exclude=./build --exclude=./.git --exclude=./bench/results -cf - . | tar -C "$SRC" -xf -
make -s -C "$SRC" clean

out=$(make -C "$SRC" -j2 CC=clang all 2>&1); rc=$?
if [ $rc -eq 0 ] && ! grep -q 'warning:' <<< "$out" && [ -x "$SRC/milter/spfdkim-milter" ] && [ -x "$SRC/milter/spfdkim-ctl" ] &&
   [ -x "$SRC/xmail-bridge/xmail-milter-bridge" ]; then
  pass "make CC=clang all: every program, test and benchmark builds, no warning"
else fail "make CC=clang all: builds with no warning" "rc=$rc: $(grep -m3 -E 'warning:|error' <<< "$out" | tr '\n' ' ')"; fi

# Probe .pc files that shadow the real ones: their flags must reach the
# compile and link lines (make -n prints them without building).
PC=$T_TMP/pc; mkdir -p "$PC"
for p in libunbound libssl libcrypto libbsd-overlay libsystemd; do
  real=$(pkg-config --variable=pcfiledir "$p")/$p.pc
  sed -e "s|^Cflags:\(.*\)|Cflags:\1 -DPC_PROBE_$(tr -- '-' '_' <<< "$p")|" \
      -e "s|^Libs:\(.*\)|Libs: -L/pc-probe/$p\1|" "$real" > "$PC/$p.pc"
done
make -s -C "$SRC" clean
out=$(PKG_CONFIG_PATH=$PC make -n -C "$SRC" programs 2>&1)
cc=$(grep -m1 -- ' -c -o build/release/obj/milter/daemon/main.o' <<< "$out")
ld=$(grep -m1 -- '-o milter/spfdkim-milter ' <<< "$out")
missing=""
for p in libunbound libssl libcrypto libbsd_overlay libsystemd; do grep -q -- "-DPC_PROBE_$p" <<< "$cc" || missing="$missing cflags:$p"; done
for p in libunbound libssl libcrypto libbsd-overlay libsystemd; do grep -q -- "-L/pc-probe/$p " <<< "$ld" || missing="$missing libs:$p"; done
if [ -n "$cc" ] && [ -z "$missing" ]; then pass "the compile and link lines take libunbound, libssl, libcrypto, libbsd and libsystemd flags from pkg-config"
else fail "the compile and link lines take their flags from pkg-config" "missing:$missing; cc: ${cc:0:200}"; fi
ld=$(grep -m1 -- '-o milter/spfdkim-ctl ' <<< "$out")
if [ -n "$ld" ] && ! grep -q -- '-lsystemd' <<< "$ld"; then pass "only the daemon links libsystemd (spfdkim-ctl does not)"
else fail "only the daemon links libsystemd" "ctl: ${ld:0:300}"; fi
