/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words the command line and the save file share, parsed and printed
 * in one place so that the two cannot disagree: the entries of a "block"
 * statement with its feed and timeout, durations, times.  Pure functions.
 */
#ifndef SG_WORDS_H
#define SG_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * "90", "90s", "30m", "1h", "2d": 1..SMTPGUARD_MAX_TIMEOUT seconds.
 * Returns -1 with a message in err otherwise.
 */
int sg_parse_timeout(const char *arg, uint32_t *secs, char *err,
		     size_t errlen);

/* What sg_parse_block_words() found. */
struct sg_block_words {
	const char *feed;	/* the word after "feed"; NULL: none */
	uint32_t timeout;	/* seconds; 0: none (permanent) */
	size_t n;		/* prefixes written to out[] */
	bool bad_prefix;	/* the error is a word that is not an address */
	bool bad_first;		/* ... and it is the first word */
};

/*
 * ADDR[/LEN]... with "feed NAME" and (timed: an add) "timeout T" among
 * them, in any order: "block" as the command line and the save file
 * write it.  out has room for ntok prefixes; NULL: the prefixes come from
 * elsewhere, only "feed" and "timeout" may be here, and none is missing.
 * Returns 0, or -1 with err
 * (without a "block: " or "FILE:LINE: " in front; the caller adds its own).
 */
int sg_parse_block_words(char *const *tok, size_t ntok, bool timed,
			 struct sg_prefix *out, struct sg_block_words *w,
			 char *err, size_t errlen);

/* "1h", "1d2h", "90s", "0s": the non-zero units, largest first. */
const char *sg_duration_str(uint64_t secs, char *buf, size_t len);
/* "2026-11-23 18:04:05", local time. */
const char *sg_local_time(uint64_t secs, char *buf, size_t len);
/* "2026-11-23T18:04:05+01:00": RFC 3339, local time and its offset. */
const char *sg_rfc3339(uint64_t secs, char *buf, size_t len);
#define SG_TIME_STRLEN	40

#endif /* SG_WORDS_H */
