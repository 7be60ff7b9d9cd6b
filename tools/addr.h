/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Address, prefix, port and mode parsing: pure functions, no I/O, so the
 * unit tests can drive them without a kernel.
 */
#ifndef SG_ADDR_H
#define SG_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>

struct sg_prefix {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint8_t len;		/* prefix length, 0..32 or 0..128 */
	uint8_t addr[16];	/* network order; AF_INET uses 4 bytes */
};

/* "ffff:...:ffff/128" plus the terminating NUL. */
#define SG_PREFIX_STRLEN	(INET6_ADDRSTRLEN + 4)
/* Room for every message the parsers produce. */
#define SG_ERR_LEN		256
/* err = the message (when err is not NULL); returns -1 for "return sg_errf(...)". */
int sg_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* 4 or 16; 0 for an unknown family. */
size_t sg_addr_len(uint16_t family);

/*
 * Parses "ADDR" or "ADDR/LEN".  On error returns -1 and writes into err a
 * message naming the argument (without a trailing newline or period).
 */
int sg_parse_prefix(const char *arg, struct sg_prefix *p,
		    char *err, size_t errlen);

/* Canonical text: bare address at full length, "addr/len" otherwise. */
const char *sg_format_prefix(const struct sg_prefix *p, char *buf,
			     size_t buflen);
const char *sg_format_addr(uint16_t family, const uint8_t *addr, char *buf,
			   size_t buflen);

/* Total order (family, address, length), for sorting and duplicates. */
int sg_prefix_cmp(const void *a, const void *b);
/* Sorts and drops duplicates in place; returns the new count. */
size_t sg_prefix_unique(struct sg_prefix *p, size_t n);

/*
 * An inside/outside argument: 1 a prefix (in *p), 0 an interface name (1
 * to 15 characters, no '/', ':' or white space, not "." or ".."), -1 with
 * a message in err.  Digits and dots only is an address, never a name.
 */
int sg_parse_role_item(const char *arg, struct sg_prefix *p, char *err,
		       size_t errlen);

/* Decimal 1..65535 only. */
int sg_parse_port(const char *arg, uint16_t *port, char *err, size_t errlen);
/* Sorts and drops duplicates in place; returns the new count. */
size_t sg_port_unique(uint16_t *ports, size_t n);

/* What sg_parse_seconds() returns when it refuses its argument. */
#define SG_DURATION_BAD		(-1)	/* not a duration */
#define SG_DURATION_RANGE	(-2)	/* a duration, but 0 or above max */
/*
 * "90", "90s", "30m", "1h", "2d": seconds, or a decimal number with one
 * unit, 1..max seconds.  Returns 0, SG_DURATION_BAD or SG_DURATION_RANGE;
 * the caller words the message.
 */
int sg_parse_seconds(const char *arg, uint32_t max, uint32_t *secs);

/* "off", "monitor", "enforce" <-> enum smtpguard_mode. */
int sg_parse_mode(const char *arg, uint8_t *mode);
const char *sg_mode_name(unsigned int mode);

/*
 * The argument as it may be echoed in a one-line message: control and
 * non-ASCII bytes escaped as \xNN, long input cut short with "...".
 */
const char *sg_quote(const char *arg, char *buf, size_t buflen);
#define SG_QUOTE_LEN	96

#endif /* SG_ADDR_H */
