/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Blocklist feed files for "smtpguardctl block load": reading, parsing into
 * prefixes, counting what they cover, naming the feed.  Pure functions apart
 * from sg_feed_read(), so the unit tests drive them with crafted buffers.
 *
 * A feed is printable ASCII and TABs (comments included), one entry a line:
 *
 *   ADDR | ADDR/LEN                 one prefix
 *   START-END                       a range, split into the fewest prefixes
 *   START<blank>END[<blank>LEN ...] a two-column range (DShield); LEN, when
 *                                   a number and the range is one prefix,
 *                                   must be that prefix's length
 *   ADDR[/LEN]<blank>anything       further columns are ignored (ipsum)
 *
 * A second column is END when the first is a bare address and the second
 * looks like one (hex digits, dots and colons, with three dots or at least
 * two colons); END must then parse.  '#' or ';' starts a comment anywhere
 * on a line; blanks are spaces and TABs; lines end in LF, CRLF or a bare
 * CR, the last one maybe in nothing; a UTF-8 BOM may open the file.
 * Addresses follow sg_parse_prefix() (no zone ids, no host bits, no
 * IPv4-mapped IPv6), and a dotted quad with a leading zero is refused.
 */
#ifndef SG_FEED_H
#define SG_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Longest line, without its line end. */
#define SG_FEED_LINE_MAX	4096
/* Largest file sg_feed_read() accepts. */
#define SG_FEED_FILE_MAX	(256u << 20)
/* A feed name is 1..SG_FEED_NAME_MAX of [A-Za-z0-9._-], led by [A-Za-z0-9]. */
#define SG_FEED_NAME_MAX	31
/* sg_u128_str(): 39 digits and the NUL. */
#define SG_U128_STRLEN		40

struct sg_feed_stats {
	size_t lines;		/* lines read */
	size_t entries;		/* prefixes produced (after range splitting, before dedupe) */
	size_t v4, v6;		/* prefixes per family */
	size_t ranges;		/* dashed or two-column ranges turned into prefixes */
	size_t skipped;		/* malformed lines skipped (skip_bad only) */
	size_t comments;	/* lines with nothing but a comment */
	size_t blank;		/* empty and blank-only lines */
};

/*
 * Reads a whole file ("-" = stdin) into a malloc'ed buffer, NUL-terminated
 * one byte past *len.  Returns 0, or -1 with err = "FILE: reason" (strerror,
 * or the size limit).
 */
int sg_feed_read(const char *path, char **buf, size_t *len,
		 char *err, size_t errlen);

/*
 * Parses len bytes of buf (NUL bytes in it are refused, not an end); fname
 * names it in messages.  On success returns 0 and *out is a malloc'ed array
 * of *nout prefixes (in file order, duplicates kept; caller may
 * sg_prefix_unique() and must free()).  *out is NULL when *nout is 0.
 * Strict (skip_bad false): the first malformed line returns -1 with
 * err = "FILE:LINE: reason", *out NULL and *nout 0.
 * skip_bad: malformed lines are counted in st->skipped, err holds the
 * message of the first one ("" if none), returns 0.
 * Out of memory returns -1 with err = "FILE: out of memory" in both modes.
 * st may be NULL; it is filled even on failure, as far as parsing got.
 */
int sg_feed_parse(const char *buf, size_t len, const char *fname,
		  bool skip_bad, struct sg_prefix **out, size_t *nout,
		  struct sg_feed_stats *st, char *err, size_t errlen);

/*
 * Addresses covered by the union of the prefixes (overlaps counted once),
 * per family.  The whole IPv6 space, 2^128, does not fit in 128 bits: *v6
 * saturates at 2^128 - 1.  Sorts a copy (the only allocation); if that
 * allocation fails, both counts are 0 and -1 is returned, else 0.
 */
int sg_feed_covered(const struct sg_prefix *p, size_t n, uint64_t *v4,
		    unsigned __int128 *v6);

/* Decimal text of a 128-bit count; buflen SG_U128_STRLEN is always enough. */
const char *sg_u128_str(unsigned __int128 v, char *buf, size_t buflen);

/*
 * Default feed name from a path: the base name without its last extension
 * ("/x/spamhaus_drop.netset" -> "spamhaus_drop").  Returns -1 with err if
 * that is not a valid feed name (or does not fit in namelen).
 */
int sg_feed_name_from_path(const char *path, char *name, size_t namelen,
			   char *err, size_t errlen);
/* 1 if name is a valid feed name, else 0. */
int sg_feed_name_ok(const char *name);

/*
 * A feed's action (enforce, monitor) and direction (both, in, out): the
 * UAPI's enum values, -1 for another word; and back.
 */
int sg_parse_action(const char *word);
int sg_parse_direction(const char *word);
const char *sg_action_name(unsigned int action);
const char *sg_direction_name(unsigned int direction);

#endif /* SG_FEED_H */
