// SPDX-License-Identifier: GPL-2.0
/*
 * The words the command line and the save file share.  See words.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/smtpguard.h>

#include "feed.h"
#include "words.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

int sg_parse_timeout(const char *arg, uint32_t *secs, char *err,
		     size_t errlen)
{
	int r = sg_parse_seconds(arg, SMTPGUARD_MAX_TIMEOUT, secs);
	char q[SG_QUOTE_LEN];

	if (!r)
		return 0;
	sg_quote(arg, q, sizeof(q));
	if (r == SG_DURATION_RANGE)
		return sg_errf(err, errlen,
			    "timeout '%s' is out of range (1 second to 30d, %u seconds)",
			    q, (unsigned int)SMTPGUARD_MAX_TIMEOUT);
	return sg_errf(err, errlen,
		    "'%s' is not a timeout (seconds, or a number with s, m, h or d: 90, 30m, 1h, 2d)",
		    q);
}

int sg_parse_block_words(char *const *tok, size_t ntok, bool timed,
			 struct sg_prefix *out, struct sg_block_words *w,
			 char *err, size_t errlen)
{
	char q[SG_QUOTE_LEN];
	size_t i;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < ntok; i++) {
		if (!strcmp(tok[i], "feed")) {
			if (w->feed)
				return sg_errf(err, errlen, "feed given twice");
			if (++i == ntok)
				return sg_errf(err, errlen, "feed: missing NAME");
			if (!sg_feed_name_ok(tok[i]))
				return sg_errf(err, errlen, "'%s' is not a feed name (1 to 31 of A-Z a-z 0-9 . _ -, starting with a letter or digit)",
					    sg_quote(tok[i], q, sizeof(q)));
			w->feed = tok[i];
			continue;
		}
		if (!strcmp(tok[i], "timeout")) {
			if (!timed)
				return sg_errf(err, errlen, "timeout is only for add");
			if (w->timeout)
				return sg_errf(err, errlen, "timeout given twice");
			if (++i == ntok)
				return sg_errf(err, errlen, "timeout: missing SECONDS");
			if (sg_parse_timeout(tok[i], &w->timeout, err, errlen) < 0)
				return -1;
			continue;
		}
		if (!out)
			return sg_errf(err, errlen, "unexpected '%s'",
				       sg_quote(tok[i], q, sizeof(q)));
		if (sg_parse_prefix(tok[i], &out[w->n], err, errlen) < 0) {
			w->bad_prefix = true;
			w->bad_first = i == 0;
			return -1;
		}
		w->n++;
	}
	if (out && !w->n)
		return sg_errf(err, errlen, "missing address (ADDR[/LEN]...)");
	return 0;
}

const char *sg_duration_str(uint64_t secs, char *buf, size_t len)
{
	static const struct {
		uint64_t size;
		char unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t i, off = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(units) && off < len; i++) {
		uint64_t v = secs / units[i].size;

		secs %= units[i].size;
		if (v) {
			int r = snprintf(buf + off, len - off, "%" PRIu64 "%c",
					 v, units[i].unit);

			if (r < 0)
				break;
			off += (size_t)r;
		}
	}
	if (len && !buf[0])
		snprintf(buf, len, "0s");
	return buf;
}

static bool to_local(uint64_t secs, struct tm *tm)
{
	time_t t = (time_t)secs;

	return (uint64_t)t == secs && t >= 0 && localtime_r(&t, tm) &&
	       tm->tm_year >= -1900 && tm->tm_year <= 9999 - 1900;
}

const char *sg_local_time(uint64_t secs, char *buf, size_t len)
{
	struct tm tm;

	if (!to_local(secs, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%" PRIu64, secs);
	return buf;
}

const char *sg_rfc3339(uint64_t secs, char *buf, size_t len)
{
	struct tm tm;
	long off;
	size_t o;

	if (!to_local(secs, &tm) ||
	    !(o = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(buf, len, "%" PRIu64, secs);
		return buf;
	}
	/* RFC 3339 wants +HH:MM (strftime's %z has no colon); -00:00 never. */
	off = tm.tm_gmtoff;
	snprintf(buf + o, len - o, "%c%02ld:%02ld", off < 0 ? '-' : '+',
		 labs(off) / 3600, labs(off) / 60 % 60);
	return buf;
}
