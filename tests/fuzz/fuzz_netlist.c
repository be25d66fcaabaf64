/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_netlist.c - the whitelist parser and matcher never crash; every
 * address a parsed list was built from matches it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "netlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netlist l, copy;
	char err[512];

	netlist_init(&l);
	if (netlist_add_text(&l, "fuzz.wl", (const char *)data, size, err, sizeof(err)) == 0) {
		netlist_init(&copy);
		for (size_t i = 0; i < l.n; i++)
			netlist_add(&copy, &l.r[i]);
		netlist_finish(&l);
		for (size_t i = 0; i < copy.n; i++)
			if (!netlist_match(&l, copy.r[i].lo) || !netlist_match(&l, copy.r[i].hi))
				__builtin_trap();
		netlist_free(&copy);
	}
	netlist_free(&l);
	return 0;
}
