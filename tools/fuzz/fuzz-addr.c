// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the command-line parsers of smtpguardctl (addresses and
 * prefixes, ports, durations, modes) and sg_quote(), which echoes bad input
 * in error messages.  A prefix that parses must print back to text that
 * parses to the same prefix; a duration that parses is 1..max seconds, and
 * parses to the same value under a larger max; a message must be one line
 * of printable text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/smtpguard.h>

#include "../addr.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The maxima the tool uses (block timeout, feeds.conf every), and the type's. */
static const uint32_t sg_fuzz_duration_max[] = {
	SMTPGUARD_MAX_TIMEOUT, 365U * 86400U, UINT32_MAX,
};

static void sg_fuzz_check_duration(const char *arg)
{
	uint32_t secs, prev = 0;
	size_t i;
	int r;

	for (i = 0; i < sizeof(sg_fuzz_duration_max) /
		    sizeof(sg_fuzz_duration_max[0]); i++) {
		uint32_t max = sg_fuzz_duration_max[i];

		secs = 0;
		r = sg_parse_seconds(arg, max, &secs);
		if (r == 0) {
			if (secs < 1 || secs > max || (prev && secs != prev))
				abort();
			prev = secs;
		} else if ((r != SG_DURATION_BAD && r != SG_DURATION_RANGE) ||
			   prev || secs) {
			/* Refused under a larger max than one that took it. */
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SG_ERR_LEN], text[SG_PREFIX_STRLEN], quoted[SG_QUOTE_LEN];
	struct sg_prefix p, again;
	uint16_t port;
	uint8_t mode;
	char *arg;

	/* The parsers take C strings, as argv gives them. */
	arg = malloc(size + 1);
	if (!arg)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';

	memset(&p, 0, sizeof(p));
	err[0] = '\0';
	if (sg_parse_prefix(arg, &p, err, sizeof(err)) == 0) {
		size_t alen = sg_addr_len(p.family);

		if (!alen || p.len > alen * 8 ||
		    !sg_format_prefix(&p, text, sizeof(text)))
			abort();
		memset(&again, 0, sizeof(again));
		if (sg_parse_prefix(text, &again, err, sizeof(err)) ||
		    again.family != p.family || again.len != p.len ||
		    memcmp(again.addr, p.addr, alen))
			abort();
	} else {
		if (!err[0])
			abort();
		sg_fuzz_check_line(err, sizeof(err));
	}

	err[0] = '\0';
	if (sg_parse_port(arg, &port, err, sizeof(err)) == 0) {
		if (!port)
			abort();
	} else {
		sg_fuzz_check_line(err, sizeof(err));
	}

	sg_fuzz_check_duration(arg);

	if (sg_parse_mode(arg, &mode) == 0 &&
	    strcmp(sg_mode_name(mode), arg))
		abort();

	sg_fuzz_check_line(sg_quote(arg, quoted, sizeof(quoted)),
			   sizeof(quoted));
	free(arg);
	return 0;
}
