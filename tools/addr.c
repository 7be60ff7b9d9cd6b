// SPDX-License-Identifier: GPL-2.0
/*
 * Address, prefix, port and mode parsing.
 *
 * Everything the user types is checked here, before a socket exists, and
 * every rejection names the argument and says what is wrong with it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/smtpguard.h>

#include "addr.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int sg_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

const char *sg_quote(const char *arg, char *buf, size_t buflen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (buflen < 8) {
		if (buflen)
			buf[0] = '\0';
		return buf;
	}
	for (; *arg; arg++) {
		unsigned char c = (unsigned char)*arg;
		size_t need = (c < 0x20 || c >= 0x7f) ? 4 : 1;

		/* Keep room for "..." and the NUL. */
		if (o + need > buflen - 4) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 4) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}

size_t sg_addr_len(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

/* Clears the bits after the first len; true if any was set. */
static bool mask_host_bits(uint8_t *addr, size_t alen, unsigned int len)
{
	bool had = false;
	size_t i;

	for (i = 0; i < alen; i++) {
		unsigned int bits = len > i * 8 ? len - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		if (addr[i] & ~mask)
			had = true;
		addr[i] &= mask;
	}
	return had;
}

/* Decimal digits only: no sign, no blanks, no base prefix. */
static bool parse_decimal(const char *s, unsigned long max, unsigned long *val)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*val = v;
	return true;
}

static bool only_chars(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

static bool is_v4_mapped(const uint8_t *a)
{
	static const uint8_t pfx[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	return !memcmp(a, pfx, sizeof(pfx));
}

int sg_parse_prefix(const char *arg, struct sg_prefix *p,
		    char *err, size_t errlen)
{
	char q[SG_QUOTE_LEN], fix[SG_PREFIX_STRLEN];
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash;
	unsigned long len, max;
	size_t hostlen;
	int family;

	memset(p, 0, sizeof(*p));
	sg_quote(arg, q, sizeof(q));
	if (!*arg)
		return sg_errf(err, errlen, "empty address");

	/* A zone names an interface; a prefix is global to the namespace. */
	if (strchr(arg, '%'))
		return sg_errf(err, errlen,
			    "'%s': zone ids are not supported (an allow-list prefix is not tied to an interface)",
			    q);

	slash = strchr(arg, '/');
	hostlen = slash ? (size_t)(slash - arg) : strlen(arg);
	if (!hostlen)
		return sg_errf(err, errlen, "'%s': missing address before '/'", q);

	family = memchr(arg, ':', hostlen) ? AF_INET6 : AF_INET;
	if (hostlen < sizeof(host)) {
		memcpy(host, arg, hostlen);
		host[hostlen] = '\0';
	} else {
		host[0] = '\0';		/* too long to be either family */
	}
	if (!host[0] || inet_pton(family, host, p->addr) != 1) {
		if (family == AF_INET6)
			return sg_errf(err, errlen, "'%s' is not a valid IPv6 address", q);
		if (host[0] && only_chars(host, "0123456789."))
			return sg_errf(err, errlen, "'%s' is not a valid IPv4 address", q);
		return sg_errf(err, errlen,
			    "'%s' is not an IPv4 or IPv6 address (names are not resolved)",
			    q);
	}

	max = family == AF_INET ? 32 : 128;
	if (slash) {
		if (!slash[1])
			return sg_errf(err, errlen,
				    "'%s': missing prefix length after '/'", q);
		if (!parse_decimal(slash + 1, max, &len))
			return sg_errf(err, errlen,
				    "'%s': prefix length must be a number from 0 to %lu",
				    q, max);
	} else {
		len = max;
	}
	p->family = (uint16_t)family;
	p->len = (uint8_t)len;

	/* No IPv6 packet carries an IPv4-mapped address: it would never match. */
	if (family == AF_INET6 && len >= 96 && is_v4_mapped(p->addr)) {
		struct sg_prefix v4 = { .family = AF_INET, .len = (uint8_t)(len - 96) };

		memcpy(v4.addr, p->addr + 12, 4);
		mask_host_bits(v4.addr, 4, v4.len);
		return sg_errf(err, errlen,
			    "'%s' is an IPv4-mapped IPv6 address, which no packet carries; did you mean %s?",
			    q, sg_format_prefix(&v4, fix, sizeof(fix)));
	}

	if (mask_host_bits(p->addr, sg_addr_len(p->family), p->len)) {
		snprintf(fix, sizeof(fix), "%s/%u",
			 sg_format_addr(p->family, p->addr, host, sizeof(host)),
			 p->len);
		return sg_errf(err, errlen, "%s has host bits set; did you mean %s?",
			    q, fix);
	}
	return 0;
}

const char *sg_format_addr(uint16_t family, const uint8_t *addr, char *buf,
			   size_t buflen)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)buflen))
		snprintf(buf, buflen, "?");
	return buf;
}

const char *sg_format_prefix(const struct sg_prefix *p, char *buf,
			     size_t buflen)
{
	char a[INET6_ADDRSTRLEN];

	sg_format_addr(p->family, p->addr, a, sizeof(a));
	if (p->len == sg_addr_len(p->family) * 8)
		snprintf(buf, buflen, "%s", a);
	else
		snprintf(buf, buflen, "%s/%u", a, p->len);
	return buf;
}

int sg_prefix_cmp(const void *a, const void *b)
{
	const struct sg_prefix *x = a, *y = b;
	int r;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	r = memcmp(x->addr, y->addr, sizeof(x->addr));
	if (r)
		return r;
	return (int)x->len - (int)y->len;
}

size_t sg_prefix_unique(struct sg_prefix *p, size_t n)
{
	size_t i, o;

	if (n < 2)
		return n;
	qsort(p, n, sizeof(*p), sg_prefix_cmp);
	for (i = 1, o = 1; i < n; i++)
		if (sg_prefix_cmp(&p[o - 1], &p[i]))
			p[o++] = p[i];
	return o;
}

int sg_parse_port(const char *arg, uint16_t *port, char *err, size_t errlen)
{
	char q[SG_QUOTE_LEN];
	unsigned long v;

	if (!parse_decimal(arg, 65535, &v) || v == 0)
		return sg_errf(err, errlen,
			    "'%s' is not a valid port (a number from 1 to 65535)",
			    sg_quote(arg, q, sizeof(q)));
	*port = (uint16_t)v;
	return 0;
}

int sg_parse_seconds(const char *arg, uint32_t max, uint32_t *secs)
{
	static const struct {
		char unit;
		uint32_t mult;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const char *s = arg;
	uint64_t v = 0, mult = 1;
	size_t i;

	if (*s < '0' || *s > '9')
		return SG_DURATION_BAD;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)		/* too large whatever the unit */
			v = max + 1ULL;
	}
	if (*s) {
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (*s == units[i].unit)
				break;
		if (i == ARRAY_SIZE(units) || s[1])
			return SG_DURATION_BAD;
		mult = units[i].mult;
	}
	v *= mult;
	if (v < 1 || v > max)
		return SG_DURATION_RANGE;
	*secs = (uint32_t)v;
	return 0;
}

static int port_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (int)x - (int)y;
}

size_t sg_port_unique(uint16_t *ports, size_t n)
{
	size_t i, o;

	if (n < 2)
		return n;
	qsort(ports, n, sizeof(*ports), port_cmp);
	for (i = 1, o = 1; i < n; i++)
		if (ports[o - 1] != ports[i])
			ports[o++] = ports[i];
	return o;
}

static const char *const mode_names[] = {
	[SMTPGUARD_MODE_OFF]		= "off",
	[SMTPGUARD_MODE_MONITOR]	= "monitor",
	[SMTPGUARD_MODE_ENFORCE]	= "enforce",
};

int sg_parse_mode(const char *arg, uint8_t *mode)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (!strcmp(arg, mode_names[i])) {
			*mode = (uint8_t)i;
			return 0;
		}
	}
	return -1;
}

const char *sg_mode_name(unsigned int mode)
{
	if (mode < ARRAY_SIZE(mode_names))
		return mode_names[mode];
	return "unknown";
}

/* Only digits and dots: meant as an IPv4 address, not a name. */
static bool looks_numeric(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return false;
	return true;
}

/* As the kernel's dev_valid_name(). */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= 16 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || *s == '\t' ||
		    *s == '\n' || *s == '\r')
			return false;
	return true;
}

int sg_parse_role_item(const char *arg, struct sg_prefix *p, char *err,
		       size_t errlen)
{
	char q[SG_QUOTE_LEN];

	if (sg_parse_prefix(arg, p, err, errlen) == 0)
		return 1;
	/* err says what is wrong with it as an address */
	if (strchr(arg, '/') || strchr(arg, ':') || looks_numeric(arg))
		return -1;
	if (!ifname_ok(arg)) {
		snprintf(err, errlen, "'%s' is neither an interface name (1 to 15 characters, no '/', ':' or space) nor a prefix",
			 sg_quote(arg, q, sizeof(q)));
		return -1;
	}
	return 0;
}
