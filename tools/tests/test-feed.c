// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of feed.c with crafted feeds: every format quirk, every
 * refusal with its exact FILE:LINE message, skip_bad counting, range
 * splitting, coverage with overlaps, 128-bit text, feed names, reading.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"
#include "ktap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* A literal with its length, so that NUL bytes in it count. */
#define IN(s)	s, sizeof(s) - 1

/* "a,b,c": the canonical text of every prefix, in order. */
static const char *join(const struct sg_prefix *p, size_t n, char *buf,
			size_t buflen)
{
	char one[SG_PREFIX_STRLEN];
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < buflen; i++)
		o += (size_t)snprintf(buf + o, buflen - o, "%s%s", i ? "," : "",
				      sg_format_prefix(&p[i], one, sizeof(one)));
	return buf;
}

static const struct {
	const char *desc;
	const char *in;
	size_t len;
	const char *out;
} good[] = {
	{ "a bare IPv4 address", IN("10.0.0.1\n"), "10.0.0.1" },
	{ "an IPv4 CIDR", IN("10.0.0.0/8\n"), "10.0.0.0/8" },
	{ "/32 written as CIDR", IN("192.0.2.7/32\n"), "192.0.2.7" },
	{ "an IPv6 CIDR", IN("2001:db8::/32\n"), "2001:db8::/32" },
	{ "a bare IPv6 address", IN("2001:db8::25\n"), "2001:db8::25" },
	{ "/128 written as CIDR", IN("2001:DB8::1/128\n"), "2001:db8::1" },
	{ "IPv4 and IPv6 mixed", IN("10.0.0.0/8\n2001:db8::/32\n50.16.16.211\n"),
	  "10.0.0.0/8,2001:db8::/32,50.16.16.211" },
	{ "full-line '#' and ';' comments",
	  IN("# FireHOL\n#\n#   \n; Spamhaus\n10.0.0.1\n; EOF\n"), "10.0.0.1" },
	{ "a trailing ';' comment (Spamhaus DROP)",
	  IN("1.10.16.0/20 ; SBL256894\n"), "1.10.16.0/20" },
	{ "a trailing '#' comment without a blank", IN("10.0.0.1#x\n"), "10.0.0.1" },
	{ "a comment right after a prefix", IN("2001:db8::/32;SBL1\n"), "2001:db8::/32" },
	{ "an ipsum line: IP<TAB>count", IN("77.90.185.20\t10\n"), "77.90.185.20" },
	{ "a CIDR with extra columns", IN("10.0.0.0/8 foo bar 1.2.3.4\n"), "10.0.0.0/8" },
	{ "a second column that is no address", IN("10.0.0.1 1.5\n10.0.0.2 beef\n"),
	  "10.0.0.1,10.0.0.2" },
	{ "a DShield line: start<TAB>end<TAB>24<TAB>...",
	  IN("79.124.58.0\t79.124.58.255\t24\t5311\tNET\tBG\t>>UNKNOWN<<\n"),
	  "79.124.58.0/24" },
	{ "a RIPE-style range: START - END", IN("1.2.3.0 - 1.2.3.255\n"),
	  "1.2.3.0/24" },
	{ "START - END with a name after it", IN("10.0.0.1\t-\t10.0.0.6 NET-1\n"),
	  "10.0.0.1,10.0.0.2/31,10.0.0.4/31,10.0.0.6" },
	{ "an IPv6 START - END", IN("2001:db8:: - 2001:db8::ff\n"), "2001:db8::/120" },
	{ "a count after a prefix (not an address)", IN("10.0.0.0/8 12\n"), "10.0.0.0/8" },
	{ "a two-column IPv6 range", IN("2001:db8::\t2001:db8::ffff\t112\n"),
	  "2001:db8::/112" },
	{ "a dashed range split into the fewest prefixes",
	  IN("10.0.0.1-10.0.0.6\n"),
	  "10.0.0.1,10.0.0.2/31,10.0.0.4/31,10.0.0.6" },
	{ "a dashed range of one address", IN("10.0.0.5-10.0.0.5\n"), "10.0.0.5" },
	{ "a dashed range that is one prefix", IN("10.0.0.0-10.0.255.255\n"),
	  "10.0.0.0/16" },
	{ "a dashed range with columns after it", IN("10.0.0.0-10.0.0.3 x\n"),
	  "10.0.0.0/30" },
	{ "a dashed IPv6 range", IN("2001:db8::-2001:db8::ff\n"), "2001:db8::/120" },
	{ "a dashed IPv6 range across a boundary",
	  IN("2001:db8::ffff-2001:db8::1:1\n"),
	  "2001:db8::ffff,2001:db8::1:0/127" },
	{ "all of IPv4 as a range", IN("0.0.0.0-255.255.255.255\n"), "0.0.0.0/0" },
	{ "all of IPv4 as two columns", IN("0.0.0.0\t255.255.255.255\t0\n"),
	  "0.0.0.0/0" },
	{ "all of IPv6 as a range",
	  IN("::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"), "::/0" },
	{ "the lower half of IPv6 as a range",
	  IN("::-7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"), "::/1" },
	{ "a range up to the last IPv4 address",
	  IN("255.255.255.253-255.255.255.255\n"),
	  "255.255.255.253,255.255.255.254/31" },
	{ "a range up to the last IPv6 address",
	  IN("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\n"),
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd,ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127" },
	{ "all of IPv4 but the first address",
	  IN("0.0.0.1-255.255.255.255\n"),
	  "0.0.0.1,0.0.0.2/31,0.0.0.4/30,0.0.0.8/29,0.0.0.16/28,0.0.0.32/27,"
	  "0.0.0.64/26,0.0.0.128/25,0.0.1.0/24,0.0.2.0/23,0.0.4.0/22,0.0.8.0/21,"
	  "0.0.16.0/20,0.0.32.0/19,0.0.64.0/18,0.0.128.0/17,0.1.0.0/16,0.2.0.0/15,"
	  "0.4.0.0/14,0.8.0.0/13,0.16.0.0/12,0.32.0.0/11,0.64.0.0/10,0.128.0.0/9,"
	  "1.0.0.0/8,2.0.0.0/7,4.0.0.0/6,8.0.0.0/5,16.0.0.0/4,32.0.0.0/3,"
	  "64.0.0.0/2,128.0.0.0/1" },
	{ "CRLF line ends", IN("10.0.0.1\r\n10.0.0.2\r\n"), "10.0.0.1,10.0.0.2" },
	{ "bare CR line ends", IN("10.0.0.1\r10.0.0.2\r"), "10.0.0.1,10.0.0.2" },
	{ "blank and whitespace-only lines", IN("\n \t \n10.0.0.1\n\n\t\n"), "10.0.0.1" },
	{ "leading and trailing blanks", IN("  10.0.0.1 \t\n\t10.0.0.2\n"),
	  "10.0.0.1,10.0.0.2" },
	{ "no final newline", IN("10.0.0.1\n10.0.0.2"), "10.0.0.1,10.0.0.2" },
	{ "a UTF-8 BOM at the start", IN("\xef\xbb\xbf" "10.0.0.1\n"), "10.0.0.1" },
	{ "a BOM alone", IN("\xef\xbb\xbf"), "" },
	{ "duplicates are kept in file order", IN("10.0.0.1\n10.0.0.0/8\n10.0.0.1\n"),
	  "10.0.0.1,10.0.0.0/8,10.0.0.1" },
	{ "an empty file", IN(""), "" },
	{ "only comments", IN("# a\n; b\n"), "" },
	{ "'0' octets are no leading zeros", IN("0.0.0.0/8\n100.64.0.0/10\n"),
	  "0.0.0.0/8,100.64.0.0/10" },
	{ "a prefix length with a leading zero", IN("192.0.2.1/032\n"), "192.0.2.1" },
};

static void test_good(void)
{
	char err[SG_ERR_LEN], got[4096];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		struct sg_feed_stats st;
		struct sg_prefix *p = NULL;
		size_t n = 0;
		int r;

		r = sg_feed_parse(good[i].in, good[i].len, "t.txt", false, &p,
				  &n, &st, err, sizeof(err));
		join(p, n, got, sizeof(got));
		if (!ktap_ok(r == 0 && !strcmp(got, good[i].out) && !err[0] &&
			     st.entries == n && st.v4 + st.v6 == n &&
			     st.skipped == 0 && (n ? p != NULL : p == NULL),
			     "reads %s", good[i].desc))
			ktap_diag("r=%d got '%s' want '%s' err '%s'", r, got,
				  good[i].out, err);
		free(p);
	}
}

static const struct {
	const char *desc;
	const char *in;
	size_t len;
	const char *err;	/* exactly */
} bad[] = {
	{ "a NUL byte", IN("10.0.0.1\n10.0.0\0.2\n"), "t.txt:2: NUL byte at column 7" },
	{ "a non-ASCII byte in an entry", IN("10.0.0.1\xc2\xa0\n"),
	  "t.txt:1: non-ASCII byte 0xc2 at column 9 (a feed is plain ASCII)" },
	{ "a non-ASCII byte in a comment", IN("# caf\xc3\xa9\n10.0.0.1\n"),
	  "t.txt:1: non-ASCII byte 0xc3 at column 6 (a feed is plain ASCII)" },
	{ "a BOM after the start", IN("10.0.0.1\n\xef\xbb\xbf" "10.0.0.2\n"),
	  "t.txt:2: non-ASCII byte 0xef at column 1 (a feed is plain ASCII)" },
	{ "a control character", IN("10.0.0.1\f\n"),
	  "t.txt:1: control character 0x0c at column 9" },
	{ "DEL", IN("\x7f\n"), "t.txt:1: control character 0x7f at column 1" },
	{ "a bad IPv4 address", IN("# x\n10.0.0.256\n"),
	  "t.txt:2: '10.0.0.256' is not a valid IPv4 address" },
	{ "a short IPv4 address", IN("10.0.0\n"),
	  "t.txt:1: '10.0.0' is not a valid IPv4 address" },
	{ "a host name", IN("mail.example.com\n"),
	  "t.txt:1: 'mail.example.com' is not an IPv4 or IPv6 address (names are not resolved)" },
	{ "a bad IPv6 address", IN("2001:db8:::1\n"),
	  "t.txt:1: '2001:db8:::1' is not a valid IPv6 address" },
	{ "a leading-zero octet", IN("010.1.1.1\n"),
	  "t.txt:1: '010.1.1.1' has an octet with a leading zero, which is ambiguous (octal or decimal?)" },
	{ "a leading-zero last octet in a CIDR", IN("10.1.1.00/32\n"),
	  "t.txt:1: '10.1.1.00/32' has an octet with a leading zero, which is ambiguous (octal or decimal?)" },
	{ "a leading zero in a range", IN("10.0.0.1-10.0.0.09\n"),
	  "t.txt:1: '10.0.0.09' has an octet with a leading zero, which is ambiguous (octal or decimal?)" },
	{ "an IPv6 zone id", IN("fe80::1%eth0\n"),
	  "t.txt:1: 'fe80::1%eth0': zone ids are not supported (an allow-list prefix is not tied to an interface)" },
	{ "an IPv4 prefix length over 32", IN("10.0.0.0/33\n"),
	  "t.txt:1: '10.0.0.0/33': prefix length must be a number from 0 to 32" },
	{ "an IPv6 prefix length over 128", IN("2001:db8::/129\n"),
	  "t.txt:1: '2001:db8::/129': prefix length must be a number from 0 to 128" },
	{ "a netmask for a length", IN("10.0.0.0/255.0.0.0\n"),
	  "t.txt:1: '10.0.0.0/255.0.0.0': prefix length must be a number from 0 to 32" },
	{ "host bits set, on line 12",
	  IN("#1\n#2\n#3\n#4\n#5\n#6\n#7\n#8\n#9\n#10\n10.0.0.0/8\n10.1.2.3/24\n"),
	  "t.txt:12: 10.1.2.3/24 has host bits set; did you mean 10.1.2.0/24?" },
	{ "IPv6 host bits set", IN("2001:db8::1/64\n"),
	  "t.txt:1: 2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?" },
	{ "an IPv4-mapped IPv6 address", IN("::ffff:10.0.0.1\n"),
	  "t.txt:1: '::ffff:10.0.0.1' is an IPv4-mapped IPv6 address, which no packet carries; did you mean 10.0.0.1?" },
	{ "a range that ends before it starts", IN("10.0.0.9-10.0.0.1\n"),
	  "t.txt:1: range 10.0.0.9 - 10.0.0.1 ends before it starts" },
	{ "an IPv6 range that ends before it starts", IN("2001:db8::2-2001:db8::1\n"),
	  "t.txt:1: range 2001:db8::2 - 2001:db8::1 ends before it starts" },
	{ "a range of mixed families", IN("10.0.0.1-2001:db8::1\n"),
	  "t.txt:1: range 10.0.0.1 - 2001:db8::1 mixes IPv4 and IPv6" },
	{ "a two-column range that ends before it starts",
	  IN("10.0.0.9\t10.0.0.1\t32\n"),
	  "t.txt:1: range 10.0.0.9 - 10.0.0.1 ends before it starts" },
	{ "two addresses on a line (not a range without DShield's column 3)",
	  IN("45.9.148.1 185.220.101.5\n"),
	  "t.txt:1: '45.9.148.1' and '185.220.101.5': two addresses on one line (one entry a line; a range is START-END or START - END)" },
	{ "two prefixes on a line", IN("1.2.3.0/24 1.2.4.0/24\n"),
	  "t.txt:1: '1.2.3.0/24' and '1.2.4.0/24': two addresses on one line (one entry a line; a range is START-END or START - END)" },
	{ "an address and a prefix on a line", IN("10.0.0.1\t2001:db8::/32\n"),
	  "t.txt:1: '10.0.0.1' and '2001:db8::/32': two addresses on one line (one entry a line; a range is START-END or START - END)" },
	{ "two IPv6 addresses on a line", IN("2001:db8::1 2001:db8::9\n"),
	  "t.txt:1: '2001:db8::1' and '2001:db8::9': two addresses on one line (one entry a line; a range is START-END or START - END)" },
	{ "two addresses and a word (not DShield's number)",
	  IN("79.124.58.0\t79.124.58.255\t-\t-\n"),
	  "t.txt:1: '79.124.58.0' and '79.124.58.255': two addresses on one line (one entry a line; a range is START-END or START - END)" },
	{ "a range followed by an address", IN("10.0.0.0-10.0.0.3 10.0.0.9\n"),
	  "t.txt:1: '10.0.0.0-10.0.0.3' and '10.0.0.9': two addresses on one line (one entry a line; a range is START-END or START - END)" },
	{ "START - END followed by an address", IN("10.0.0.0 - 10.0.0.3 10.0.0.9\n"),
	  "t.txt:1: '10.0.0.0 - 10.0.0.3' and '10.0.0.9': two addresses on one line (one entry a line; a range is START-END or START - END)" },
	{ "START - without an end", IN("10.0.0.0 -\n"),
	  "t.txt:1: range '10.0.0.0 - ' needs an address on both sides of '-'" },
	{ "a DShield range that is not one prefix",
	  IN("10.0.0.1 10.0.0.6 24\n"),
	  "t.txt:1: range 10.0.0.1 - 10.0.0.6 is 4 prefixes, but column 3 says one /24" },
	{ "a two-column range of mixed families", IN("2001:db8::1 10.0.0.1 32\n"),
	  "t.txt:1: range 2001:db8::1 - 10.0.0.1 mixes IPv4 and IPv6" },
	{ "a two-column range with a bad end", IN("10.0.0.1\t10.0.0.256\t24\n"),
	  "t.txt:1: '10.0.0.256' is not a valid IPv4 address" },
	{ "a DShield prefix length that disagrees",
	  IN("79.124.58.0\t79.124.58.255\t23\n"),
	  "t.txt:1: range 79.124.58.0 - 79.124.58.255 is a /24, but column 3 says 23" },
	{ "a range of prefixes", IN("10.0.0.0/24-10.0.1.0\n"),
	  "t.txt:1: range '10.0.0.0/24-10.0.1.0': a range is two addresses, not prefixes" },
	{ "a range without an end", IN("10.0.0.1-\n"),
	  "t.txt:1: range '10.0.0.1-' needs an address on both sides of '-'" },
	{ "a range without a start", IN("-10.0.0.1\n"),
	  "t.txt:1: range '-10.0.0.1' needs an address on both sides of '-'" },
	{ "a range of three addresses", IN("10.0.0.1-10.0.0.2-10.0.0.3\n"),
	  "t.txt:1: '10.0.0.2-10.0.0.3' is not an IPv4 or IPv6 address (names are not resolved)" },
	{ "line numbers count CRLF, CR, LF and blank lines",
	  IN("# a\r\n10.0.0.1\r\r\n\n10.0.0.x"),
	  "t.txt:5: '10.0.0.x' is not an IPv4 or IPv6 address (names are not resolved)" },
	{ "a BOM does not shift line numbers", IN("\xef\xbb\xbf" "bad\n"),
	  "t.txt:1: 'bad' is not an IPv4 or IPv6 address (names are not resolved)" },
};

static void test_bad(void)
{
	char err[SG_ERR_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct sg_prefix *p = (struct sg_prefix *)1;
		size_t n = 99;
		int r;

		err[0] = '\0';
		r = sg_feed_parse(bad[i].in, bad[i].len, "t.txt", false, &p, &n,
				  NULL, err, sizeof(err));
		if (!ktap_ok(r == -1 && !p && !n && !strcmp(err, bad[i].err),
			     "refuses %s", bad[i].desc))
			ktap_diag("r=%d n=%zu err '%s' want '%s'", r, n, err,
				  bad[i].err);
	}
}

static void test_strict_stats(void)
{
	char err[SG_ERR_LEN];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	size_t n;
	int r;

	r = sg_feed_parse(IN("10.0.0.1\n2001:db8::1\nbad\n10.0.0.3\n"), "t.txt",
			  false, &p, &n, &st, err, sizeof(err));
	ktap_ok(r == -1 && !p && st.lines == 4 && st.entries == 3 &&
		st.v4 == 2 && st.v6 == 1 && st.bad == 1 && st.nerrors == 1 &&
		!strcmp(err, "t.txt:3: 'bad' is not an IPv4 or IPv6 address (names are not resolved)"),
		"a strict failure still reads the whole file and counts it");
}

/* Every malformed line is reported, the first 20 with their text. */
static void test_many_errors(void)
{
	char buf[4096], err[SG_ERR_LEN], out[8192];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	size_t n, o = 0, i;
	FILE *fp;
	int r;

	for (i = 1; i <= 25; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "10.0.0.%zu\nx%zu\n",
				      i, i);
	r = sg_feed_parse(buf, o, "m.txt", false, &p, &n, &st, err, sizeof(err));
	ktap_ok(r == -1 && !p && st.bad == 25 && st.nerrors == SG_FEED_NOTES_MAX &&
		!strcmp(st.errors[0].msg, "m.txt:2: 'x1' is not an IPv4 or IPv6 address (names are not resolved)") &&
		!strcmp(st.errors[19].msg, "m.txt:40: 'x20' is not an IPv4 or IPv6 address (names are not resolved)") &&
		!strcmp(err, st.errors[0].msg),
		"25 malformed lines: all counted, the first 20 kept with FILE:LINE");
	fp = fmemopen(out, sizeof(out), "w");
	sg_feed_report(fp, "prog", &st, "m.txt", SG_FEED_REPORT_ERRORS);
	fclose(fp);
	ktap_ok(!strncmp(out, "prog: m.txt:2: 'x1' is not", 26) &&
		strstr(out, "prog: m.txt:40: 'x20'") &&
		!strstr(out, "m.txt:42:") &&
		strstr(out, "prog: m.txt: 5 more lines not shown\n"),
		"the report prints 20 errors and how many more there are");
}

/* Special-purpose and wide space: warned of, one line each, loaded all the same. */
static void test_warnings(void)
{
	static const char in[] =
		"# FireHOL level 1 style\n"
		"10.0.0.0/8\n"
		"224.0.0.0/3\n"
		"192.0.2.1\n"
		"169.254.0.0-169.254.255.255\n"
		"2001:db8::/32\n"
		"fe80::/10\n"
		"2000::/3\n"
		"2.0.0.0/7\n"
		"100.64.0.1\n"
		"fd00::1\n";
	char err[SG_ERR_LEN], out[4096];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	size_t n;
	FILE *fp;
	int r;

	r = sg_feed_parse(in, sizeof(in) - 1, "w.txt", false, &p, &n, &st, err,
			  sizeof(err));
	if (!ktap_ok(r == 0 && n == 10 && st.special == 5 && st.wide == 4 &&
		     st.nwarnings == 9,
		     "counts lines with special-purpose space (5) and wide entries (4)"))
		ktap_diag("r=%d n=%zu special=%zu wide=%zu nwarnings=%zu", r, n,
			  st.special, st.wide, st.nwarnings);
	free(p);
	ktap_ok(!strcmp(st.warnings[0].msg, "w.txt:2: 10.0.0.0/8 overlaps 10.0.0.0/8, private space (RFC 1918): blocking it may cut off your own network") &&
		!strcmp(st.warnings[1].msg, "w.txt:3: 224.0.0.0/3 is wider than a /8") &&
		!strcmp(st.warnings[2].msg, "w.txt:3: 224.0.0.0/3 overlaps 224.0.0.0/4, multicast space: blocking it may cut off your own network") &&
		!strcmp(st.warnings[3].msg, "w.txt:5: 169.254.0.0/16 overlaps 169.254.0.0/16, link-local space: blocking it may cut off your own network") &&
		!strcmp(st.warnings[4].msg, "w.txt:7: fe80::/10 is wider than a /16") &&
		!strcmp(st.warnings[6].msg, "w.txt:8: 2000::/3 is wider than a /16") &&
		!strcmp(st.warnings[7].msg, "w.txt:9: 2.0.0.0/7 is wider than a /8") &&
		!strcmp(st.warnings[8].msg, "w.txt:11: fd00::1 overlaps fc00::/7, private space (unique local, RFC 4193): blocking it may cut off your own network"),
		"each warning names its line, the entry and the space");
	fp = fmemopen(out, sizeof(out), "w");
	sg_feed_report(fp, "prog", &st, "w.txt", SG_FEED_REPORT_WARNINGS);
	fclose(fp);
	ktap_ok(strstr(out, "prog: warning: w.txt:2: 10.0.0.0/8 overlaps") &&
		!strstr(out, "wider than"),
		"without SG_FEED_REPORT_WIDE (--allow-wide) wide entries pass quietly");
}

/* sg_feed_merge: duplicates and prefixes inside wider ones go, counted. */
static void test_merge(void)
{
	static const char in[] =
		"10.0.0.7\n10.0.0.0/24\n10.0.0.7\n10.0.0.128/25\n10.0.1.0/24\n"
		"10.0.0.0/24\n2001:db8::1\n2001:db8::/32\n10.0.2.1\n";
	char err[SG_ERR_LEN], got[512];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	size_t n;
	int r;

	r = sg_feed_parse(in, sizeof(in) - 1, "g.txt", false, &p, &n, &st, err,
			  sizeof(err));
	n = sg_feed_merge(p, n, &st);
	join(p, n, got, sizeof(got));
	if (!ktap_ok(r == 0 && n == 4 && st.duplicates == 2 && st.overlaps == 3 &&
		     !strcmp(got, "10.0.0.0/24,10.0.1.0/24,10.0.2.1,2001:db8::/32"),
		     "merging keeps 4 of 9: 2 duplicates and 3 inside a wider entry dropped"))
		ktap_diag("n=%zu dup=%zu over=%zu got '%s'", n, st.duplicates,
			  st.overlaps, got);
	free(p);
}

/* Lines of exactly SG_FEED_LINE_MAX bytes pass, one byte more does not. */
static void test_long_lines(void)
{
	size_t len = 2 * (SG_FEED_LINE_MAX + 1) + 1, n;
	char *buf = malloc(len + 1), err[SG_ERR_LEN];
	struct sg_prefix *p;
	int r;

	/* "10.0.0.1 #xxx...\n" of 4096 bytes, then a comment of 4097. */
	memset(buf, 'x', len);
	memcpy(buf, "10.0.0.1 #", 10);
	buf[SG_FEED_LINE_MAX] = '\n';
	buf[SG_FEED_LINE_MAX + 1] = '#';
	buf[len - 1] = '\n';
	r = sg_feed_parse(buf, SG_FEED_LINE_MAX + 1, "t.txt", false, &p, &n,
			  NULL, err, sizeof(err));
	ktap_ok(r == 0 && n == 1, "reads a line of %d bytes", SG_FEED_LINE_MAX);
	free(p);
	r = sg_feed_parse(buf, len, "t.txt", false, &p, &n, NULL, err,
			  sizeof(err));
	if (!ktap_ok(r == -1 && !strcmp(err, "t.txt:2: line is longer than 4096 bytes"),
		     "refuses a line of %d bytes", SG_FEED_LINE_MAX + 1))
		ktap_diag("r=%d err '%s'", r, err);
	free(buf);
}

static void test_stats(void)
{
	static const char in[] =
		"\xef\xbb\xbf# header\r\n"
		"#\r\n"
		"\r\n"
		"   \r\n"
		"1.10.16.0/20 ; SBL1\r\n"
		"77.90.185.20\t10\r\n"
		"10.0.0.1-10.0.0.6\r\n"
		"79.124.58.0\t79.124.58.255\t24\r\n"
		"2001:db8::/32\r\n"
		"2001:db8::/32\r\n"
		"; EOF";
	char err[SG_ERR_LEN], got[512];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	size_t n;
	int r;

	r = sg_feed_parse(in, sizeof(in) - 1, "t.txt", false, &p, &n, &st,
			  err, sizeof(err));
	join(p, n, got, sizeof(got));
	if (!ktap_ok(r == 0 && st.lines == 11 && st.entries == 9 && n == 9 &&
		     st.v4 == 7 && st.v6 == 2 && st.ranges == 2 &&
		     st.skipped == 0 && st.comments == 3 && st.blank == 2,
		     "counts lines, entries, families, ranges, comments, blanks"))
		ktap_diag("r=%d lines=%zu entries=%zu v4=%zu v6=%zu ranges=%zu skipped=%zu comments=%zu blank=%zu",
			  r, st.lines, st.entries, st.v4, st.v6, st.ranges,
			  st.skipped, st.comments, st.blank);
	ktap_ok(!strcmp(got, "1.10.16.0/20,77.90.185.20,10.0.0.1,10.0.0.2/31,10.0.0.4/31,10.0.0.6,79.124.58.0/24,2001:db8::/32,2001:db8::/32"),
		"a mixed feed gives its prefixes in file order");
	n = sg_prefix_unique(p, n);
	ktap_ok(n == 8, "sg_prefix_unique() drops the duplicate");
	free(p);
}

static void test_skip_bad(void)
{
	static const char in[] =
		"10.0.0.1\n"
		"10.0.0.256\n"
		"010.0.0.1\n"
		"10.0.0.9-10.0.0.1\n"
		"10.0.0.2\n"
		"79.124.58.0\t79.124.58.255\t23\n"
		"\xff\n";
	char err[SG_ERR_LEN], got[256];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	size_t n;
	int r;

	r = sg_feed_parse(in, sizeof(in) - 1, "f.txt", true, &p, &n, &st, err,
			  sizeof(err));
	join(p, n, got, sizeof(got));
	if (!ktap_ok(r == 0 && st.skipped == 5 && st.lines == 7 &&
		     !strcmp(got, "10.0.0.1,10.0.0.2") && st.entries == 2 &&
		     st.ranges == 0,
		     "skip_bad skips and counts malformed lines, adding nothing from them"))
		ktap_diag("r=%d skipped=%zu got '%s' ranges=%zu", r, st.skipped,
			  got, st.ranges);
	ktap_ok(!strcmp(err, "f.txt:2: '10.0.0.256' is not a valid IPv4 address"),
		"skip_bad keeps the message of the first malformed line");
	free(p);

	r = sg_feed_parse(IN("10.0.0.1\n"), "f.txt", true, &p, &n, &st, err,
			  sizeof(err));
	ktap_ok(r == 0 && n == 1 && st.skipped == 0 && !err[0],
		"skip_bad with nothing to skip leaves err empty");
	free(p);

	r = sg_feed_parse(IN("bad\n79.124.58.0 79.124.58.255 23\n"), "f.txt",
			  true, &p, &n, &st, err, sizeof(err));
	ktap_ok(r == 0 && n == 0 && !p && st.skipped == 2 && st.entries == 0,
		"skip_bad on a feed of nothing but bad lines returns no prefixes");
	free(p);
}

/* Many lines: the output array grows, nothing is lost. */
static void test_large(void)
{
	size_t lines = 70000, cap = lines * 20, o = 0, i, n;
	char *buf = malloc(cap), err[SG_ERR_LEN];
	struct sg_feed_stats st;
	struct sg_prefix *p;
	uint64_t v4;
	unsigned __int128 v6;
	int r;

	for (i = 0; i < lines; i++)
		o += (size_t)snprintf(buf + o, cap - o, "10.%zu.%zu.%zu\t%zu\n",
				      i >> 16, (i >> 8) & 255, i & 255, i % 10);
	r = sg_feed_parse(buf, o, "big", false, &p, &n, &st, err, sizeof(err));
	ktap_ok(r == 0 && n == lines && st.lines == lines && p &&
		p[lines - 1].addr[1] == 1 && p[lines - 1].addr[3] == (lines - 1) % 256,
		"reads %zu lines in order", lines);
	sg_feed_covered(p, n, &v4, &v6);
	ktap_ok(v4 == lines && v6 == 0, "they cover %zu addresses", lines);
	free(p);
	free(buf);
}

static int prefixes(const char *const *in, size_t n, struct sg_prefix *p)
{
	char err[SG_ERR_LEN];
	size_t i;

	for (i = 0; i < n; i++)
		if (sg_parse_prefix(in[i], &p[i], err, sizeof(err)))
			return -1;
	return 0;
}

static const struct {
	const char *desc;
	const char *in[6];
	uint64_t v4;
	const char *v6;
} coverage[] = {
	{ "nothing", { NULL }, 0, "0" },
	{ "one address", { "10.0.0.1" }, 1, "0" },
	{ "overlaps counted once",
	  { "10.0.0.0/24", "10.0.0.0/25", "10.0.0.128/32", "10.0.1.0/24", "10.0.0.0/24" },
	  512, "0" },
	{ "a wide prefix after the ones it holds",
	  { "27.124.17.0/24", "27.124.1.1", "27.124.0.0/18" }, 16384, "0" },
	{ "adjacent prefixes", { "10.0.0.0/25", "10.0.0.128/25" }, 256, "0" },
	{ "disjoint prefixes", { "10.0.0.0/24", "10.0.2.0/24", "192.0.2.1" }, 513, "0" },
	{ "the families apart",
	  { "10.0.0.0/24", "2001:db8::/64", "2001:db8::/32", "10.0.0.0/8" },
	  16777216, "79228162514264337593543950336" },
	{ "all of IPv4", { "0.0.0.0/0", "10.0.0.0/8" }, 4294967296ULL, "0" },
	{ "IPv6 at the top of the space",
	  { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff::/16", "ffff::1" },
	  0, "5192296858534827628530496329220096" },
	{ "the upper half of IPv6", { "8000::/1" }, 0, "170141183460469231731687303715884105728" },
	{ "the lower half of IPv6", { "::/1", "::1" }, 0, "170141183460469231731687303715884105728" },
	{ "all of IPv6 saturates at 2^128 - 1", { "::/0", "2001:db8::/32" },
	  0, "340282366920938463463374607431768211455" },
	{ "both halves of IPv6 saturate too", { "::/1", "8000::/1" },
	  0, "340282366920938463463374607431768211455" },
};

static void test_covered(void)
{
	char s[SG_U128_STRLEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(coverage); i++) {
		struct sg_prefix p[6];
		unsigned __int128 v6 = 1;
		uint64_t v4 = 1;
		size_t n = 0;
		int r;

		while (n < ARRAY_SIZE(coverage[i].in) && coverage[i].in[n])
			n++;
		r = prefixes(coverage[i].in, n, p) ||
		    sg_feed_covered(p, n, &v4, &v6);
		sg_u128_str(v6, s, sizeof(s));
		if (!ktap_ok(r == 0 && v4 == coverage[i].v4 &&
			     !strcmp(s, coverage[i].v6),
			     "coverage of %s", coverage[i].desc))
			ktap_diag("r=%d v4=%llu v6=%s", r,
				  (unsigned long long)v4, s);
	}
}

static void test_u128(void)
{
	char s[SG_U128_STRLEN], small[4];

	ktap_ok(!strcmp(sg_u128_str(0, s, sizeof(s)), "0") &&
		!strcmp(sg_u128_str(14863616, s, sizeof(s)), "14863616") &&
		!strcmp(sg_u128_str((unsigned __int128)1 << 64, s, sizeof(s)),
			"18446744073709551616") &&
		!strcmp(sg_u128_str(~(unsigned __int128)0, s, sizeof(s)),
			"340282366920938463463374607431768211455"),
		"128-bit counts in decimal");
	ktap_ok(!strcmp(sg_u128_str(123456, small, sizeof(small)), "123"),
		"a short buffer is cut, not overrun");
}

static const struct {
	const char *path;
	const char *name;	/* NULL: refused, err then contains msg */
	const char *msg;
} names[] = {
	{ "/x/spamhaus_drop.netset", "spamhaus_drop", NULL },
	{ "drop.txt", "drop", NULL },
	{ "feeds/firehol_level1.netset", "firehol_level1", NULL },
	{ "lists/2026-08.feed.txt", "2026-08.feed", NULL },
	{ "noext", "noext", NULL },
	{ "/x.d/feed", "feed", NULL },
	{ "./a", "a", NULL },
	{ "/x/abcdefghijklmnopqrstuvwxyz01234.txt", "abcdefghijklmnopqrstuvwxyz01234", NULL },
	{ "/x/abcdefghijklmnopqrstuvwxyz012345.txt", NULL,
	  "cannot name the feed after '/x/abcdefghijklmnopqrstuvwxyz012345.txt': 'abcdefghijklmnopqrstuvwxyz012345...' is longer than 31 characters" },
	{ "/x/.hidden", NULL,
	  "cannot name the feed after '/x/.hidden': '.hidden' is not made of A-Z a-z 0-9 . _ - starting with a letter or digit" },
	{ "_drop.txt", NULL, "'_drop' is not made of" },
	{ "my feed.txt", NULL, "'my feed' is not made of" },
	{ "-", NULL, "'-' is not made of" },
	{ "/x/dir/", NULL, "'/x/dir/' has no file name to name the feed after" },
	{ "", NULL, "'' has no file name to name the feed after" },
	{ "caf\xc3\xa9.txt", NULL, "'caf\\xc3\\xa9' is not made of" },
};

static void test_names(void)
{
	char name[SG_FEED_NAME_MAX + 1], err[SG_ERR_LEN], tiny[4];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		int r;

		err[0] = '\0';
		r = sg_feed_name_from_path(names[i].path, name, sizeof(name),
					   err, sizeof(err));
		if (names[i].name) {
			if (!ktap_ok(r == 0 && !strcmp(name, names[i].name),
				     "feed name of '%s' is '%s'", names[i].path,
				     names[i].name))
				ktap_diag("r=%d name '%s' err '%s'", r, name, err);
		} else if (!ktap_ok(r == -1 && strstr(err, names[i].msg) && !name[0],
				    "no feed name from '%s'", names[i].path)) {
			ktap_diag("r=%d name '%s' err '%s'", r, name, err);
		}
	}
	ktap_ok(sg_feed_name_from_path("/x/drop.txt", tiny, sizeof(tiny), err,
				       sizeof(err)) == -1 && !tiny[0],
		"a name buffer too small is refused");
	ktap_ok(sg_feed_name_ok("manual") && sg_feed_name_ok("a") &&
		sg_feed_name_ok("9.x_Y-z") &&
		sg_feed_name_ok("abcdefghijklmnopqrstuvwxyz01234") &&
		!sg_feed_name_ok("") && !sg_feed_name_ok("-a") &&
		!sg_feed_name_ok(".a") && !sg_feed_name_ok("_a") &&
		!sg_feed_name_ok("a/b") && !sg_feed_name_ok("a b") &&
		!sg_feed_name_ok("abcdefghijklmnopqrstuvwxyz012345"),
		"sg_feed_name_ok(): 1..31 of [A-Za-z0-9._-], led by a letter or digit");
}

static void test_read(void)
{
	static const char data[] = "10.0.0.1\n\0\xff";
	char path[] = "/tmp/test-feed.XXXXXX", err[SG_ERR_LEN], *buf;
	size_t len;
	int fd, saved, r;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, data, sizeof(data) - 1) != (ssize_t)sizeof(data) - 1) {
		ktap_ok(false, "make a temporary file");
		return;
	}
	close(fd);

	r = sg_feed_read(path, &buf, &len, err, sizeof(err));
	ktap_ok(r == 0 && len == sizeof(data) - 1 &&
		!memcmp(buf, data, len) && buf[len] == '\0',
		"reads a whole file, NUL bytes included, NUL-terminated");
	if (!r)
		free(buf);

	/* "-" is standard input. */
	saved = dup(STDIN_FILENO);
	fd = open(path, O_RDONLY);
	dup2(fd, STDIN_FILENO);
	close(fd);
	r = sg_feed_read("-", &buf, &len, err, sizeof(err));
	dup2(saved, STDIN_FILENO);
	close(saved);
	ktap_ok(r == 0 && len == sizeof(data) - 1 && !memcmp(buf, data, len),
		"reads '-' as standard input");
	if (!r)
		free(buf);

	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	r = sg_feed_read(path, &buf, &len, err, sizeof(err));
	ktap_ok(r == 0 && len == 0 && buf && buf[0] == '\0',
		"reads an empty file");
	if (!r)
		free(buf);
	unlink(path);

	r = sg_feed_read(path, &buf, &len, err, sizeof(err));
	if (!ktap_ok(r == -1 && !buf && !strncmp(err, path, strlen(path)) &&
		     !strcmp(err + strlen(path), ": No such file or directory"),
		     "a missing file: 'FILE: No such file or directory'"))
		ktap_diag("err '%s'", err);
	r = sg_feed_read("/", &buf, &len, err, sizeof(err));
	if (!ktap_ok(r == -1 && !strcmp(err, "/: Is a directory"),
		     "a directory: 'FILE: Is a directory'"))
		ktap_diag("err '%s'", err);
}

int main(void)
{
	ktap_header();
	test_good();
	test_bad();
	test_strict_stats();
	test_many_errors();
	test_warnings();
	test_merge();
	test_long_lines();
	test_stats();
	test_skip_bad();
	test_large();
	test_covered();
	test_u128();
	test_names();
	test_read();
	return ktap_finish();
}
