// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of addr.c: prefixes (valid, invalid, host bits with the
 * corrected prefix), ports, durations, modes, formatting, de-duplication.
 */
#include <string.h>

#include <linux/smtpguard.h>

#include "addr.h"
#include "ktap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *in;
	int family;
	unsigned int len;
	const char *canonical;		/* sg_format_prefix() */
} good_prefixes[] = {
	{ "10.10.10.10",		AF_INET,  32,  "10.10.10.10" },
	{ "10.10.10.10/32",		AF_INET,  32,  "10.10.10.10" },
	{ "10.10.10.0/24",		AF_INET,  24,  "10.10.10.0/24" },
	{ "10.0.0.0/8",			AF_INET,  8,   "10.0.0.0/8" },
	{ "0.0.0.0/0",			AF_INET,  0,   "0.0.0.0/0" },
	{ "192.0.2.1/032",		AF_INET,  32,  "192.0.2.1" },
	{ "255.255.255.255",		AF_INET,  32,  "255.255.255.255" },
	{ "2001:db8::25",		AF_INET6, 128, "2001:db8::25" },
	{ "2001:DB8:0:0:0:0:0:25",	AF_INET6, 128, "2001:db8::25" },
	{ "2001:0db8:0000::0025/128",	AF_INET6, 128, "2001:db8::25" },
	{ "2001:db8::/32",		AF_INET6, 32,  "2001:db8::/32" },
	{ "2001:db8:1:2::/64",		AF_INET6, 64,  "2001:db8:1:2::/64" },
	{ "::/0",			AF_INET6, 0,   "::/0" },
	{ "::1",			AF_INET6, 128, "::1" },
	{ "2001:db8::1.2.3.4",		AF_INET6, 128, "2001:db8::102:304" },
	{ "fe80::/10",			AF_INET6, 10,  "fe80::/10" },
};

static const struct {
	const char *in;
	const char *msg;	/* must appear in the error text */
} bad_prefixes[] = {
	{ "",				"empty address" },
	{ "10.0.0.256",			"'10.0.0.256' is not a valid IPv4 address" },
	{ "10.0.0",			"'10.0.0' is not a valid IPv4 address" },
	{ "1.2.3.4.5",			"is not a valid IPv4 address" },
	{ "010.0.0.1",			"is not a valid IPv4 address" },
	{ " 10.0.0.1",			"is not an IPv4 or IPv6 address" },
	{ "mail.example.com",		"names are not resolved" },
	{ "2001:db8:::1",		"'2001:db8:::1' is not a valid IPv6 address" },
	{ "2001:db8::g",		"is not a valid IPv6 address" },
	{ "1:2:3:4:5:6:7:8:9",		"is not a valid IPv6 address" },
	{ "10.0.0.0/33",		"'10.0.0.0/33': prefix length must be a number from 0 to 32" },
	{ "2001:db8::/129",		"from 0 to 128" },
	{ "10.0.0.0/",			"missing prefix length after '/'" },
	{ "/24",			"missing address before '/'" },
	{ "10.0.0.0/-1",		"prefix length must be" },
	{ "10.0.0.0/+8",		"prefix length must be" },
	{ "10.0.0.0/ 8",		"prefix length must be" },
	{ "10.0.0.0/0x8",		"prefix length must be" },
	{ "10.0.0.0/24/5",		"prefix length must be" },
	{ "10.0.0.0/99999999999999999999", "prefix length must be" },
	{ "10.10.10.5/24",		"10.10.10.5/24 has host bits set; did you mean 10.10.10.0/24?" },
	{ "10.10.10.5/0",		"did you mean 0.0.0.0/0?" },
	{ "192.168.1.255/31",		"did you mean 192.168.1.254/31?" },
	{ "2001:db8::1/64",		"2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?" },
	{ "2001:db8:ffff::/31",		"did you mean 2001:db8::/31?" },
	{ "fe80::1%eth0",		"'fe80::1%eth0': zone ids are not supported" },
	{ "fe80::%2/64",		"zone ids are not supported" },
	{ "::ffff:10.0.0.1",		"IPv4-mapped IPv6 address, which no packet carries; did you mean 10.0.0.1?" },
	{ "::ffff:a00:1",		"did you mean 10.0.0.1?" },
	{ "::ffff:10.0.0.0/120",	"did you mean 10.0.0.0/24?" },
	{ "10.0.0.1\n",			"'10.0.0.1\\x0a'" },
};

static void test_good_prefixes(void)
{
	char err[SG_ERR_LEN], text[SG_PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good_prefixes); i++) {
		struct sg_prefix p;
		int r;

		err[0] = '\0';
		r = sg_parse_prefix(good_prefixes[i].in, &p, err, sizeof(err));
		sg_format_prefix(&p, text, sizeof(text));
		if (!ktap_ok(r == 0 && p.family == good_prefixes[i].family &&
			     p.len == good_prefixes[i].len &&
			     !strcmp(text, good_prefixes[i].canonical),
			     "prefix '%s' parses as %s", good_prefixes[i].in,
			     good_prefixes[i].canonical))
			ktap_diag("r=%d family=%u len=%u text=%s err=%s", r,
				  p.family, p.len, text, err);
	}
}

static void test_bad_prefixes(void)
{
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_prefixes); i++) {
		struct sg_prefix p;
		int r;

		err[0] = '\0';
		r = sg_parse_prefix(bad_prefixes[i].in, &p, err, sizeof(err));
		if (!ktap_ok(r < 0 && strstr(err, bad_prefixes[i].msg) &&
			     !strchr(err, '\n'),
			     "prefix '%s' is refused: %s",
			     sg_quote(bad_prefixes[i].in, q, sizeof(q)),
			     bad_prefixes[i].msg))
			ktap_diag("r=%d err=%s", r, err);
	}
}

static void test_long_argument(void)
{
	char in[1000], err[SG_ERR_LEN];
	struct sg_prefix p;
	int r;

	memset(in, '1', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	r = sg_parse_prefix(in, &p, err, sizeof(err));
	ktap_ok(r < 0 && strstr(err, "...") && strlen(err) < 200,
		"a 999-character argument is refused and cut short in the message");
}

static void test_bytes(void)
{
	static const uint8_t v6[16] = {
		0x20, 0x01, 0x0d, 0xb8, [15] = 0x25
	};
	char err[SG_ERR_LEN];
	struct sg_prefix p;

	sg_parse_prefix("192.0.2.25", &p, err, sizeof(err));
	ktap_ok(p.addr[0] == 192 && p.addr[1] == 0 && p.addr[2] == 2 &&
		p.addr[3] == 25, "IPv4 address bytes are in network order");
	sg_parse_prefix("2001:db8::25", &p, err, sizeof(err));
	ktap_ok(!memcmp(p.addr, v6, 16), "IPv6 address bytes are in network order");
}

static const struct {
	const char *in;
	int ok;
	uint16_t port;
} ports[] = {
	{ "25", 1, 25 }, { "1", 1, 1 }, { "65535", 1, 65535 },
	{ "587", 1, 587 }, { "00025", 1, 25 },
	{ "0", 0, 0 }, { "65536", 0, 0 }, { "-1", 0, 0 }, { "+25", 0, 0 },
	{ "25a", 0, 0 }, { "", 0, 0 }, { "0x19", 0, 0 }, { " 25", 0, 0 },
	{ "smtp", 0, 0 }, { "99999999999999999999", 0, 0 },
};

static void test_ports(void)
{
	uint16_t set[] = { 587, 25, 465, 25, 587, 2525 };
	char err[SG_ERR_LEN];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		uint16_t port = 0;
		int r;

		err[0] = '\0';
		r = sg_parse_port(ports[i].in, &port, err, sizeof(err));
		if (ports[i].ok)
			ktap_ok(r == 0 && port == ports[i].port,
				"port '%s' is %u", ports[i].in, ports[i].port);
		else if (!ktap_ok(r < 0 && strstr(err, "is not a valid port (a number from 1 to 65535)"),
				  "port '%s' is refused", ports[i].in))
			ktap_diag("r=%d port=%u err=%s", r, port, err);
	}
	n = sg_port_unique(set, ARRAY_SIZE(set));
	ktap_ok(n == 4 && set[0] == 25 && set[1] == 465 && set[2] == 587 &&
		set[3] == 2525, "ports are sorted and duplicates dropped");
}

#define DAY	86400U

static const struct {
	const char *in;
	uint32_t max;
	int want;		/* 0, SG_DURATION_BAD or SG_DURATION_RANGE */
	uint32_t secs;
} durations[] = {
	/* Seconds, and each unit. */
	{ "1", 30 * DAY, 0, 1 }, { "90", 30 * DAY, 0, 90 },
	{ "90s", 30 * DAY, 0, 90 }, { "30m", 30 * DAY, 0, 1800 },
	{ "1h", 30 * DAY, 0, 3600 }, { "2d", 30 * DAY, 0, 2 * DAY },
	{ "007m", 30 * DAY, 0, 420 },
	/* The maximum itself, in any unit, and the first value above it. */
	{ "30d", 30 * DAY, 0, 30 * DAY }, { "720h", 30 * DAY, 0, 30 * DAY },
	{ "2592000", 30 * DAY, 0, 30 * DAY },
	{ "31d", 30 * DAY, SG_DURATION_RANGE, 0 },
	{ "721h", 30 * DAY, SG_DURATION_RANGE, 0 },
	{ "2592001", 30 * DAY, SG_DURATION_RANGE, 0 },
	{ "365d", 365 * DAY, 0, 365 * DAY },
	{ "366d", 365 * DAY, SG_DURATION_RANGE, 0 },
	{ "4294967295", UINT32_MAX, 0, UINT32_MAX },
	{ "4294967296", UINT32_MAX, SG_DURATION_RANGE, 0 },
	{ "49711d", UINT32_MAX, SG_DURATION_RANGE, 0 },
	/* Zero is out of range, not garbage. */
	{ "0", 30 * DAY, SG_DURATION_RANGE, 0 },
	{ "0h", 30 * DAY, SG_DURATION_RANGE, 0 },
	{ "5", 0, SG_DURATION_RANGE, 0 },
	/* Overflow: no wrap-around however many digits, whatever the unit. */
	{ "99999999999999999999999", 30 * DAY, SG_DURATION_RANGE, 0 },
	{ "99999999999999999999999d", UINT32_MAX, SG_DURATION_RANGE, 0 },
	{ "18446744073709551617s", UINT32_MAX, SG_DURATION_RANGE, 0 },
	/* Not durations. */
	{ "", 30 * DAY, SG_DURATION_BAD, 0 }, { "h", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "1w", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "1hh", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "1h30m", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "1H", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "1.5h", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "-1", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "+5", 30 * DAY, SG_DURATION_BAD, 0 },
	{ " 1", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "1 ", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "0x10", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "99999999999999999999999x", 30 * DAY, SG_DURATION_BAD, 0 },
	{ "1\xc3", 30 * DAY, SG_DURATION_BAD, 0 },
};

static void test_durations(void)
{
	size_t i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(durations); i++) {
		uint32_t secs = 12345;
		int r = sg_parse_seconds(durations[i].in, durations[i].max, &secs);

		if (r != durations[i].want ||
		    secs != (r ? 12345 : durations[i].secs)) {
			ktap_diag("duration '%s' max %u: r=%d secs=%u", durations[i].in,
				  durations[i].max, r, secs);
			bad++;
		}
	}
	ktap_ok(!bad, "durations: seconds or one of s/m/h/d, 1..max, %zu cases",
		ARRAY_SIZE(durations));
	ktap_ok(SG_DURATION_BAD != SG_DURATION_RANGE && SG_DURATION_BAD < 0 &&
		SG_DURATION_RANGE < 0,
		"'not a duration' and 'out of range' are distinct errors");
}

static void test_unique_prefixes(void)
{
	const char *in[] = { "2001:db8::25", "10.0.0.1/32", "10.0.0.0/24",
			     "10.0.0.1", "2001:db8::25/128", "10.0.0.0/8" };
	struct sg_prefix p[ARRAY_SIZE(in)];
	char err[SG_ERR_LEN], a[SG_PREFIX_STRLEN], b[SG_PREFIX_STRLEN];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(in); i++)
		sg_parse_prefix(in[i], &p[i], err, sizeof(err));
	n = sg_prefix_unique(p, ARRAY_SIZE(in));
	sg_format_prefix(&p[0], a, sizeof(a));
	sg_format_prefix(&p[3], b, sizeof(b));
	ktap_ok(n == 4 && !strcmp(a, "10.0.0.0/8") && !strcmp(b, "2001:db8::25"),
		"prefixes are sorted (IPv4 first) and duplicates dropped");
}

static void test_modes(void)
{
	uint8_t mode = 0xff;

	ktap_ok(sg_parse_mode("enforce", &mode) == 0 &&
		mode == SMTPGUARD_MODE_ENFORCE, "mode 'enforce'");
	ktap_ok(sg_parse_mode("monitor", &mode) == 0 &&
		mode == SMTPGUARD_MODE_MONITOR, "mode 'monitor'");
	ktap_ok(sg_parse_mode("off", &mode) == 0 &&
		mode == SMTPGUARD_MODE_OFF, "mode 'off'");
	ktap_ok(sg_parse_mode("Enforce", &mode) < 0 &&
		sg_parse_mode("enforcing", &mode) < 0 &&
		sg_parse_mode("", &mode) < 0, "other words are not modes");
	ktap_ok(!strcmp(sg_mode_name(SMTPGUARD_MODE_MONITOR), "monitor") &&
		!strcmp(sg_mode_name(SMTPGUARD_MODE_MAX + 1), "unknown"),
		"mode names");
}

static void test_quote(void)
{
	char buf[SG_QUOTE_LEN];

	ktap_ok(!strcmp(sg_quote("a\tb\x7f\xc3", buf, sizeof(buf)),
			"a\\x09b\\x7f\\xc3"),
		"control and non-ASCII bytes are escaped in messages");
}

int main(void)
{
	ktap_header();
	test_good_prefixes();
	test_bad_prefixes();
	test_long_argument();
	test_bytes();
	test_ports();
	test_durations();
	test_unique_prefixes();
	test_modes();
	test_quote();
	return ktap_finish();
}
