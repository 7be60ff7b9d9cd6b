// SPDX-License-Identifier: GPL-2.0
/*
 * feed-count FILE: parses a feed strictly and prints one line
 *
 *   entries N v4 N v6 N covered4 N covered6 N
 *
 * (prefixes after range splitting and before de-duplication, per family,
 * and the addresses their union covers), the same line that
 * selftests/feed_count.py computes on its own.  A parse error is printed
 * on stderr and exits 2.  Test-only: never installed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "feed.h"

int main(int argc, char **argv)
{
	char err[SG_ERR_LEN], c6[SG_U128_STRLEN];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	unsigned __int128 v6;
	size_t len, n;
	uint64_t v4;
	char *buf;

	if (argc != 2) {
		fprintf(stderr, "usage: feed-count FILE\n");
		return 2;
	}
	if (sg_feed_read(argv[1], &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "feed-count: %s\n", err);
		return 2;
	}
	if (sg_feed_parse(buf, len, argv[1], false, &p, &n, &st, err,
			  sizeof(err))) {
		fprintf(stderr, "feed-count: %s\n", err);
		free(buf);
		return 2;
	}
	free(buf);
	if (sg_feed_covered(p, n, &v4, &v6)) {
		fprintf(stderr, "feed-count: out of memory\n");
		free(p);
		return 2;
	}
	free(p);
	printf("entries %zu v4 %zu v6 %zu covered4 %llu covered6 %s\n",
	       st.entries, st.v4, st.v6, (unsigned long long)v4,
	       sg_u128_str(v6, c6, sizeof(c6)));
	return 0;
}
