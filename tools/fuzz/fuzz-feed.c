// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the feed-file parser (sg_feed_parse), strict and
 * skip-bad.  Beyond "no crash, no leak, no undefined behaviour" it checks
 * what block load relies on: every prefix it returns is well formed (known
 * family, length in range, no host bits), and printing it and parsing the
 * text again gives the same prefix.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../addr.h"
#include "../feed.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sg_fuzz_fail(const char *what, const struct sg_prefix *p)
{
	fprintf(stderr, "fuzz-feed: %s (family %u len %u)\n", what,
		(unsigned int)p->family, (unsigned int)p->len);
	abort();
}

static void sg_fuzz_check_prefix(const struct sg_prefix *p)
{
	char text[SG_PREFIX_STRLEN], err[SG_ERR_LEN];
	size_t alen = sg_addr_len(p->family), i;
	struct sg_prefix again;

	if (!alen)
		sg_fuzz_fail("unknown family", p);
	if (p->len > alen * 8)
		sg_fuzz_fail("prefix length out of range", p);
	for (i = 0; i < alen; i++) {
		unsigned int keep = p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep);

		if (p->addr[i] & ~mask)
			sg_fuzz_fail("host bits set", p);
	}
	if (!sg_format_prefix(p, text, sizeof(text)))
		sg_fuzz_fail("cannot print", p);
	memset(&again, 0, sizeof(again));
	if (sg_parse_prefix(text, &again, err, sizeof(err)) ||
	    again.family != p->family || again.len != p->len ||
	    memcmp(again.addr, p->addr, alen))
		sg_fuzz_fail("print/parse round trip differs", p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_feed_stats st;
	struct sg_prefix *out;
	char err[SG_ERR_LEN];
	int strict_ok = 0;
	size_t nout, i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		bool skip_bad = pass;

		out = NULL;
		nout = 0;
		if (sg_feed_parse((const char *)data, size, "fuzz", skip_bad,
				  &out, &nout, &st, err, sizeof(err))) {
			/* Refused: nothing returned, and a message saying why. */
			if (out || nout || !err[0])
				abort();
			sg_fuzz_check_line(err, sizeof(err));
			continue;
		}
		if (!skip_bad)
			strict_ok = 1;
		/* A file the strict pass took has nothing to skip. */
		if (skip_bad && strict_ok && st.skipped)
			abort();
		if (nout && !out)
			abort();
		sg_fuzz_check_line(err, sizeof(err));
		for (i = 0; i < nout; i++)
			sg_fuzz_check_prefix(&out[i]);
		nout = sg_prefix_unique(out, nout);
		for (i = 1; i < nout; i++) {
			if (sg_prefix_cmp(&out[i - 1], &out[i]) >= 0)
				abort();
		}
		free(out);
	}
	return 0;
}
