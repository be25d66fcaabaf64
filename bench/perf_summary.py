#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""
perf_summary.py - condenses `perf script` output (perf record --call-graph
dwarf of our milter, made by bench/run.sh with BENCH_PERF=1) into the two
lists the bench report shows:

  - self time by shared object (where the CPU goes: our code, libopendkim,
    libcrypto, libc, libmilter, the kernel);
  - inclusive time of named functions (the share of samples with the
    function anywhere on the stack), symbols without names left out.

Reads perf script text on stdin; prints plain text.
"""
import collections
import os
import sys

SKIP = {"clone3", "start_thread", "[unknown]", "entry_SYSCALL_64_after_hwframe",
        "do_syscall_64", "__libc_start_call_main", "__libc_start_main_impl", "_start"}


def main():
    self_dso = collections.Counter()
    incl = collections.Counter()
    total = 0
    stack = []

    def flush():
        nonlocal total, stack
        if not stack:
            return
        total += 1
        # an inlined frame belongs to the object of the next real frame
        for k in range(len(stack) - 2, -1, -1):
            if stack[k][1] == "inlined":
                stack[k] = (stack[k][0], stack[k + 1][1])
        sym, dso = stack[0]
        self_dso["kernel" if dso.startswith("[kernel") else os.path.basename(dso)] += 1
        seen = set()
        for s, d in stack:
            if s in SKIP or s.startswith("0x") or d.startswith("[kernel") or s in seen:
                continue
            seen.add(s)
            incl[(s, os.path.basename(d))] += 1
        stack = []

    for line in sys.stdin:
        if not line.strip():
            flush()
            continue
        if line[0] in "\t ":
            parts = line.split(None, 1)
            if len(parts) < 2:
                continue
            rest = parts[1].rstrip()
            dso = ""
            if rest.endswith(")") and " (" in rest:
                rest, dso = rest.rsplit(" (", 1)
                dso = dso[:-1]
            sym = rest.split("+0x")[0].strip()
            if sym == "[unknown]" or not sym:
                sym = "0x?"
            stack.append((sym, dso))
        else:
            flush()
    flush()
    if total == 0:
        print("no samples")
        return
    print("%d samples" % total)
    print()
    print("self time by object:")
    for d, n in self_dso.most_common(10):
        print("  %5.1f%%  %s" % (100.0 * n / total, d))
    print()
    print("inclusive time by function (on the stack of that share of samples):")
    for (s, d), n in incl.most_common(32):
        print("  %5.1f%%  %-40s %s" % (100.0 * n / total, s, d))


if __name__ == "__main__":
    main()
