// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of offender.c and monitor.c without a kernel: offender records
 * and events are built by hand as the UAPI header lays them out, then
 * parsed and printed, plain and JSON, in fixed time zones.  Also the time
 * formats (local "YYYY-MM-DD HH:MM:SS", RFC 3339 with the offset), the
 * reason words and the destination text.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/smtpguard.h>

#include "addr.h"
#include "ktap.h"
#include "print.h"
#include "smtpguardctl.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define FAMILY_ID	0x1234

/* 2026-11-23 18:04:05 UTC, and earlier moments of that day. */
#define T_EVENT		1795457045ULL
#define T_FIRST		1795453200ULL	/* 17:00:00 */
#define T_LAST		1795456801ULL	/* 18:00:01 */

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* ---- building messages ---- */

static char mbuf[16384];

static struct nlmsghdr *msg(uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(mbuf, 0, sizeof(mbuf));
	nlh = mnl_nlmsg_put_header(mbuf);
	nlh->nlmsg_type = FAMILY_ID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SMTPGUARD_GENL_VERSION;
	return nlh;
}

/* A configuration event, as the kernel sends it: CHANGE names the command. */
static struct nlmsghdr *cfg(uint8_t change)
{
	struct nlmsghdr *nlh = msg(SMTPGUARD_CMD_CONFIG_CHANGE);

	mnl_attr_put_u8(nlh, SMTPGUARD_A_CHANGE, change);
	return nlh;
}

/* A prefix nest; the length only when it is not the full one. */
static void put_prefix(struct nlmsghdr *nlh, uint16_t type, const char *text)
{
	char err[SG_ERR_LEN];
	struct sg_prefix p;
	struct nlattr *nest;

	if (sg_parse_prefix(text, &p, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	nest = mnl_attr_nest_start(nlh, type);
	mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, p.family);
	mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR, sg_addr_len(p.family), p.addr);
	if (p.len != sg_addr_len(p.family) * 8)
		mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN, p.len);
	mnl_attr_nest_end(nlh, nest);
}

struct dest_spec {
	const char *addr;
	int port;		/* -1: none */
	uint8_t proto;
	uint32_t reason;
	const char *feed;	/* NULL: none */
};

struct off_spec {
	const char *addr;
	const uint8_t *mac;	/* NULL: none */
	uint32_t ifindex;
	const char *ifname;	/* NULL: none */
	uint32_t reasons;
	uint64_t packets, smtp, cnc, first, last;
	const struct dest_spec *dests;
	size_t ndests;
};

static const uint8_t mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void put_offender(struct nlmsghdr *nlh, const struct off_spec *s)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_OFFENDER);
	size_t i;

	/* As nla_put_u64_64bit() may: a PAD first, to skip. */
	mnl_attr_put(nlh, SMTPGUARD_OFFENDER_A_PAD, 0, NULL);
	put_prefix(nlh, SMTPGUARD_OFFENDER_A_ADDR, s->addr);
	if (s->mac)
		mnl_attr_put(nlh, SMTPGUARD_OFFENDER_A_MAC, 6, s->mac);
	mnl_attr_put_u32(nlh, SMTPGUARD_OFFENDER_A_IFINDEX, s->ifindex);
	if (s->ifname)
		mnl_attr_put_strz(nlh, SMTPGUARD_OFFENDER_A_IFNAME, s->ifname);
	mnl_attr_put_u32(nlh, SMTPGUARD_OFFENDER_A_REASONS, s->reasons);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_PACKETS, s->packets);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_SMTP_PACKETS, s->smtp);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_CNC_PACKETS, s->cnc);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_FIRST_SEEN, s->first);
	mnl_attr_put_u64(nlh, SMTPGUARD_OFFENDER_A_LAST_SEEN, s->last);
	for (i = 0; i < s->ndests; i++) {
		const struct dest_spec *d = &s->dests[i];
		struct nlattr *dn = mnl_attr_nest_start(nlh, SMTPGUARD_OFFENDER_A_DEST);

		put_prefix(nlh, SMTPGUARD_DEST_A_ADDR, d->addr);
		if (d->port >= 0)
			mnl_attr_put_u16(nlh, SMTPGUARD_DEST_A_PORT, (uint16_t)d->port);
		mnl_attr_put_u8(nlh, SMTPGUARD_DEST_A_PROTO, d->proto);
		mnl_attr_put_u32(nlh, SMTPGUARD_DEST_A_REASON, d->reason);
		if (d->feed)
			mnl_attr_put_strz(nlh, SMTPGUARD_DEST_A_FEED, d->feed);
		mnl_attr_nest_end(nlh, dn);
	}
	/* A member from a newer kernel: ignored, not an error. */
	mnl_attr_put_u32(nlh, __SMTPGUARD_OFFENDER_A_LAST, 7);
	mnl_attr_nest_end(nlh, nest);
}

static const struct nlattr *find_attr(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

/* ---- capturing output ---- */

static char *obuf;
static size_t olen;
static FILE *ofp;

static void start(bool json)
{
	ofp = open_memstream(&obuf, &olen);
	print_init(ofp, json, false);
}

/* Ends the capture; the text stays in obuf until the next start(). */
static const char *stop(void)
{
	static char *last;

	print_finish();
	fclose(ofp);
	free(last);
	last = obuf;
	return obuf;
}

static bool str_is(const char *got, const char *want, const char *what)
{
	bool ok = ktap_ok(!strcmp(got, want), "%s", what);

	if (!ok)
		ktap_diag("got  [%s]\n# want [%s]", got, want);
	return ok;
}

/* ---- the tests ---- */

static void test_time(void)
{
	char b[SG_TIME_STRLEN];

	set_tz("UTC");
	str_is(sg_rfc3339(T_EVENT, b, sizeof(b)), "2026-11-23T18:04:05+00:00",
	       "RFC 3339 in UTC: +00:00");
	str_is(sg_local_time(T_EVENT, b, sizeof(b)), "2026-11-23 18:04:05",
	       "local time in UTC");
	set_tz("CET-1");
	str_is(sg_rfc3339(T_EVENT, b, sizeof(b)), "2026-11-23T19:04:05+01:00",
	       "RFC 3339 one hour east: +01:00");
	str_is(sg_local_time(T_EVENT, b, sizeof(b)), "2026-11-23 19:04:05",
	       "local time one hour east");
	set_tz("XST+5:30");
	str_is(sg_rfc3339(T_EVENT, b, sizeof(b)), "2026-11-23T12:34:05-05:30",
	       "RFC 3339 five and a half hours west: -05:30");
	set_tz("UTC");
	str_is(sg_rfc3339(0, b, sizeof(b)), "1970-01-01T00:00:00+00:00",
	       "RFC 3339 of the epoch");
	str_is(sg_rfc3339(UINT64_MAX, b, sizeof(b)), "18446744073709551615",
	       "a time past what the calendar takes: the number");
}

static void test_words(void)
{
	static const struct {
		const char *in;
		int ret;
		uint32_t want;
	} r[] = {
		{ "smtp", 0, SMTPGUARD_REASON_SMTP }, { "cnc", 0, SMTPGUARD_REASON_CNC },
		{ "SMTP", -1, 0 }, { "", -1, 0 }, { "both", -1, 0 },
		{ "smtp,cnc", -1, 0 }, { "1", -1, 0 },
	};
	static const struct {
		struct sg_dest d;
		const char *addr;
		const char *want;
	} d[] = {
		{ { .has_port = true, .port = 443, .proto = 6, .feed = "feodo" },
		  "198.51.100.77", "198.51.100.77:443 [feodo]" },
		{ { .has_port = true, .port = 25, .proto = 6 },
		  "2001:db8::25", "[2001:db8::25]:25" },
		{ { .has_port = true, .port = 53, .proto = 17 },
		  "198.51.100.53", "198.51.100.53:53/udp" },
		{ { .proto = 1, .feed = "drop" },
		  "203.0.113.5", "203.0.113.5 (icmp) [drop]" },
		{ { .proto = 47 }, "2001:db8::1", "2001:db8::1 (proto 47)" },
	};
	char b[SG_DEST_STRLEN], err[SG_ERR_LEN];
	size_t i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(r); i++) {
		uint32_t v = 0;
		int ret = sg_parse_reason(r[i].in, &v);

		if (ret != r[i].ret || (!ret && v != r[i].want)) {
			ktap_diag("reason '%s': %d %u", r[i].in, ret, v);
			bad++;
		}
	}
	ktap_ok(!bad, "reason words: smtp and cnc, nothing else");
	str_is(sg_reasons_str(3, b, sizeof(b)), "smtp,cnc", "reasons 3: smtp,cnc");
	str_is(sg_reasons_str(0, b, sizeof(b)), "-", "reasons 0: -");
	str_is(sg_reasons_str(6, b, sizeof(b)), "cnc,4", "an unknown reason bit: its number");

	for (i = 0; i < ARRAY_SIZE(d); i++) {
		struct sg_dest x = d[i].d;

		if (sg_parse_prefix(d[i].addr, &x.addr, err, sizeof(err)) < 0)
			bad++;
		sg_dest_str(&x, b, sizeof(b));
		if (strcmp(b, d[i].want)) {
			ktap_diag("dest [%s], want [%s]", b, d[i].want);
			bad++;
		}
	}
	ktap_ok(!bad, "destinations: addr:port, [v6]:port, other protocols named, the feed in brackets");
	str_is(sg_mac_str(mac1, b, sizeof(b)), "52:54:00:12:34:56", "MAC text");
}

/* Two hosts: the v4 one seen last; dests most recent first. */
static const struct dest_spec dests1[] = {
	{ "203.0.113.5", 443, 6, SMTPGUARD_REASON_CNC, "feodo" },
	{ "198.51.100.25", 25, 6, SMTPGUARD_REASON_SMTP, NULL },
};
static const struct dest_spec dests2[] = {
	{ "2001:db8:ff::25", 587, 6, SMTPGUARD_REASON_SMTP, NULL },
};
static const struct off_spec off1 = {
	"192.0.2.10", mac1, 3, "r-lan", 3, 10235, 10234, 1, T_FIRST, T_EVENT,
	dests1, 2,
};
static const struct off_spec off2 = {
	"2001:db8:1::10", NULL, 4, NULL, 1, 7, 7, 0, T_FIRST, T_LAST,
	dests2, 1,
};

#define OFF1_JSON "\"address\":\"192.0.2.10\",\"mac\":\"52:54:00:12:34:56\"," \
	"\"ifindex\":3,\"ifname\":\"r-lan\",\"reasons\":[\"smtp\",\"cnc\"]," \
	"\"packets\":10235,\"smtp_packets\":10234,\"cnc_packets\":1," \
	"\"first_seen\":\"2026-11-23T17:00:00+00:00\"," \
	"\"last_seen\":\"2026-11-23T18:04:05+00:00\",\"destinations\":[" \
	"{\"address\":\"203.0.113.5\",\"port\":443,\"proto\":6,\"reason\":\"cnc\",\"feed\":\"feodo\"}," \
	"{\"address\":\"198.51.100.25\",\"port\":25,\"proto\":6,\"reason\":\"smtp\",\"feed\":null}]"
#define OFF2_JSON "\"address\":\"2001:db8:1::10\",\"mac\":null,\"ifindex\":4," \
	"\"ifname\":null,\"reasons\":[\"smtp\"],\"packets\":7,\"smtp_packets\":7," \
	"\"cnc_packets\":0,\"first_seen\":\"2026-11-23T17:00:00+00:00\"," \
	"\"last_seen\":\"2026-11-23T18:00:01+00:00\",\"destinations\":[" \
	"{\"address\":\"2001:db8:ff::25\",\"port\":587,\"proto\":6,\"reason\":\"smtp\",\"feed\":null}]"

static void test_offenders(void)
{
	struct sg_offender o[2];
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	bool ok;

	set_tz("UTC");
	nlh = msg(SMTPGUARD_CMD_OFFENDER_GET);
	put_offender(nlh, &off2);
	a = find_attr(nlh, SMTPGUARD_A_OFFENDER);
	ok = a && sg_offender_from_nest(a, &o[0]) == 0;
	nlh = msg(SMTPGUARD_CMD_OFFENDER_GET);
	put_offender(nlh, &off1);
	a = find_attr(nlh, SMTPGUARD_A_OFFENDER);
	ok = ok && a && sg_offender_from_nest(a, &o[1]) == 0;
	ktap_ok(ok && o[1].has_mac && !o[0].has_mac && o[1].ndests == 2 &&
		o[1].dests[0].port == 443 && !strcmp(o[1].dests[0].feed, "feodo") &&
		o[1].packets == 10235 && o[1].last_seen == T_EVENT &&
		!strcmp(o[1].ifname, "r-lan") && o[0].ifname[0] == '\0',
		"an offender nest parses: PAD and unknown members skipped, optional ones absent");

	start(false);
	sg_print_offenders(o, 2, 0);
	str_is(stop(),
	       "HOST            MAC                IN     REASONS   PACKETS   SMTP  CNC  FIRST SEEN           LAST SEEN            DESTINATIONS\n"
	       "192.0.2.10      52:54:00:12:34:56  r-lan  smtp,cnc    10235  10234    1  2026-11-23 17:00:00  2026-11-23 18:04:05  203.0.113.5:443 [feodo], 198.51.100.25:25\n"
	       "2001:db8:1::10  -                  if4    smtp            7      7    0  2026-11-23 17:00:00  2026-11-23 18:00:01  [2001:db8:ff::25]:587\n",
	       "offenders table: sorted by last seen, one row per host, local time");

	start(true);
	sg_print_offenders(o, 2, 0);
	str_is(stop(), "[{" OFF1_JSON "},{" OFF2_JSON "}]\n",
	       "offenders -j: an array, RFC 3339 times, numbers as numbers, null for what is absent");

	set_tz("CET-1");
	start(false);
	sg_print_offenders(o, 1, 0);
	ok = strstr(stop(), "  2026-11-23 18:00:00  2026-11-23 19:04:05  ") != NULL;
	start(true);
	sg_print_offenders(o, 1, 0);
	ok = ok && strstr(stop(), "\"last_seen\":\"2026-11-23T19:04:05+01:00\"");
	ktap_ok(ok, "offenders in another zone: local time, and its offset in JSON");
	set_tz("UTC");

	start(false);
	sg_print_offenders(NULL, 0, 0);
	str_is(stop(), "no offenders\n", "empty ledger: a one-line note");
	start(false);
	sg_print_offenders(NULL, 0, SMTPGUARD_REASON_CNC);
	str_is(stop(), "no offenders with reason cnc\n", "empty with a filter: the note names it");
	start(true);
	sg_print_offenders(NULL, 0, SMTPGUARD_REASON_CNC);
	str_is(stop(), "[]\n", "empty ledger -j: []");

	/* Malformed records are refused, not half printed. */
	nlh = msg(SMTPGUARD_CMD_OFFENDER_GET);
	a = mnl_attr_nest_start(nlh, SMTPGUARD_A_OFFENDER);
	put_prefix(nlh, SMTPGUARD_OFFENDER_A_ADDR, "192.0.2.1");
	mnl_attr_put(nlh, SMTPGUARD_OFFENDER_A_MAC, 5, mac1);
	mnl_attr_nest_end(nlh, (struct nlattr *)a);
	ok = sg_offender_from_nest(find_attr(nlh, SMTPGUARD_A_OFFENDER), &o[0]) < 0;
	nlh = msg(SMTPGUARD_CMD_OFFENDER_GET);
	a = mnl_attr_nest_start(nlh, SMTPGUARD_A_OFFENDER);
	mnl_attr_put_u32(nlh, SMTPGUARD_OFFENDER_A_REASONS, 1);
	mnl_attr_nest_end(nlh, (struct nlattr *)a);
	ok = ok && sg_offender_from_nest(find_attr(nlh, SMTPGUARD_A_OFFENDER), &o[0]) < 0;
	nlh = msg(SMTPGUARD_CMD_OFFENDER_GET);
	a = mnl_attr_nest_start(nlh, SMTPGUARD_A_OFFENDER);
	put_prefix(nlh, SMTPGUARD_OFFENDER_A_ADDR, "192.0.2.1");
	mnl_attr_put_u32(nlh, SMTPGUARD_OFFENDER_A_PACKETS, 1);
	mnl_attr_nest_end(nlh, (struct nlattr *)a);
	ok = ok && sg_offender_from_nest(find_attr(nlh, SMTPGUARD_A_OFFENDER), &o[0]) < 0;
	ktap_ok(ok, "a 5-byte MAC, a record without an address, a u32 packet count: refused");
}

/* ---- events ---- */

/* Prints one event as the monitor would, plain or JSON; its return in *ret. */
static const char *event(const struct nlmsghdr *nlh, bool json,
			 unsigned int mask, int *ret)
{
	int r;

	start(json);
	r = sg_event_print(nlh, mask, (time_t)T_EVENT);
	if (ret)
		*ret = r;
	return stop();
}

#define T_PLAIN	"2026-11-23 18:04:05 "
#define T_JSON	"{\"time\":\"2026-11-23T18:04:05+00:00\","

static void test_offender_events(void)
{
	static const struct dest_spec cnc1[] = {
		{ "203.0.113.5", 443, 6, SMTPGUARD_REASON_CNC, "feodo" },
	};
	static const struct off_spec o_new = {
		"192.0.2.10", mac1, 3, "r-lan", SMTPGUARD_REASON_CNC, 1, 0, 1,
		T_EVENT, T_EVENT, cnc1, 1,
	};
	static const struct dest_spec smtp1[] = {
		{ "198.51.100.25", 25, 6, SMTPGUARD_REASON_SMTP, NULL },
	};
	static const struct off_spec o_upd = {
		"192.0.2.10", mac1, 3, "r-lan", SMTPGUARD_REASON_SMTP, 10234,
		10234, 0, T_FIRST, T_EVENT, smtp1, 1,
	};
	static const struct off_spec o_both = {
		"2001:db8:1::10", NULL, 0, NULL, 3, 12, 10, 2, T_FIRST, T_EVENT,
		NULL, 0,
	};
	struct nlmsghdr *nlh;
	int ret;

	set_tz("UTC");
	nlh = msg(SMTPGUARD_CMD_OFFENDER_NEW);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	put_offender(nlh, &o_new);
	str_is(event(nlh, false, SG_EV_ALL, &ret),
	       T_PLAIN "new offender 192.0.2.10 mac 52:54:00:12:34:56 in r-lan cnc 1 packet -> 203.0.113.5:443 [feodo]\n",
	       "OFFENDER_NEW: host, MAC, interface, reasons, packets, the destination");
	ktap_ok(ret == 1, "a printed event returns 1");
	str_is(event(nlh, true, SG_EV_ALL, NULL),
	       T_JSON "\"event\":\"offender-new\",\"mode\":\"enforce\","
	       "\"address\":\"192.0.2.10\",\"mac\":\"52:54:00:12:34:56\",\"ifindex\":3,"
	       "\"ifname\":\"r-lan\",\"reasons\":[\"cnc\"],\"packets\":1,\"smtp_packets\":0,"
	       "\"cnc_packets\":1,\"first_seen\":\"2026-11-23T18:04:05+00:00\","
	       "\"last_seen\":\"2026-11-23T18:04:05+00:00\",\"destinations\":[{\"address\":"
	       "\"203.0.113.5\",\"port\":443,\"proto\":6,\"reason\":\"cnc\",\"feed\":\"feodo\"}]}\n",
	       "OFFENDER_NEW -j: time, event, mode and the offender's fields, one line");

	nlh = msg(SMTPGUARD_CMD_OFFENDER_UPDATE);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	put_offender(nlh, &o_upd);
	str_is(event(nlh, false, SG_EV_OFFENDER, NULL),
	       T_PLAIN "offender 192.0.2.10 still active: 10234 packets (smtp 10234) last 198.51.100.25:25\n",
	       "OFFENDER_UPDATE: the counts so far and the last destination");
	ktap_ok(strstr(event(nlh, true, SG_EV_ALL, NULL), T_JSON "\"event\":\"offender-update\",") != NULL,
		"OFFENDER_UPDATE -j: event offender-update");
	event(nlh, false, SG_EV_CONFIG, &ret);
	ktap_ok(ret == 0 && !obuf[0], "monitor config: offender events filtered out, nothing printed");

	/* The summary of a second that held new-offender events back. */
	nlh = msg(SMTPGUARD_CMD_OFFENDER_SUPPRESSED);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_COUNT, 35);
	str_is(event(nlh, false, SG_EV_OFFENDER, NULL),
	       T_PLAIN "35 new offenders not reported (offender_events a second)\n",
	       "OFFENDER_SUPPRESSED: how many new-offender events were held back");
	str_is(event(nlh, true, SG_EV_ALL, NULL),
	       T_JSON "\"event\":\"offender-suppressed\",\"count\":35}\n",
	       "OFFENDER_SUPPRESSED -j: event offender-suppressed, count");
	event(nlh, false, SG_EV_CONFIG, &ret);
	ktap_ok(ret == 0 && !obuf[0], "monitor config: the summary filtered out");
	nlh = msg(SMTPGUARD_CMD_OFFENDER_SUPPRESSED);
	event(nlh, false, SG_EV_ALL, &ret);
	ktap_ok(ret == -1, "OFFENDER_SUPPRESSED without its count: malformed");

	nlh = msg(SMTPGUARD_CMD_OFFENDER_UPDATE);
	put_offender(nlh, &o_both);
	str_is(event(nlh, false, SG_EV_ALL, NULL),
	       T_PLAIN "offender 2001:db8:1::10 still active: 12 packets (smtp 10, cnc 2)\n",
	       "OFFENDER_UPDATE of both reasons, no destination");
	nlh = msg(SMTPGUARD_CMD_OFFENDER_NEW);
	put_offender(nlh, &o_both);
	str_is(event(nlh, false, SG_EV_ALL, NULL),
	       T_PLAIN "new offender 2001:db8:1::10 smtp,cnc 12 packets\n",
	       "OFFENDER_NEW without MAC, interface or destination");

	nlh = msg(SMTPGUARD_CMD_OFFENDER_NEW);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	event(nlh, false, SG_EV_ALL, &ret);
	ktap_ok(ret == -1 && !obuf[0], "OFFENDER_NEW without an offender: malformed, nothing printed");
}

static void test_config_events(void)
{
	static const struct {
		uint8_t cmd;
		const char *prefixes[3];
		int mode;		/* -1: none */
		bool expl, autom, replace;
		long allow, block, count;	/* -1: none (sizes: another) */
		const char *feed;
		const char *plain;
		const char *command;
	} t[] = {
		{ SMTPGUARD_CMD_ALLOW_ADD, { "10.10.10.10" }, SMTPGUARD_MODE_ENFORCE,
		  false, false, false, 1, -1, 1, NULL,
		  "config allow add 10.10.10.10/32 (allow entries 1)", "allow-add" },
		{ SMTPGUARD_CMD_ALLOW_ADD, { "10.10.10.10", "2001:db8::/32" },
		  SMTPGUARD_MODE_ENFORCE, false, true, false, 2, -1, 2, NULL,
		  "config allow add 10.10.10.10/32 2001:db8::/32 (allow entries 2), mode enforce (auto)",
		  "allow-add" },
		{ SMTPGUARD_CMD_ALLOW_ADD, { NULL }, -1, false, false, false, 100, -1, 100,
		  NULL, "config allow add 100 prefixes (allow entries 100)", "allow-add" },
		{ SMTPGUARD_CMD_ALLOW_DEL, { "192.0.2.0/24" }, -1, false, false, false, 0, -1, 1,
		  NULL, "config allow del 192.0.2.0/24 (allow entries 0)", "allow-del" },
		{ SMTPGUARD_CMD_ALLOW_FLUSH, { NULL }, -1, false, false, false, 0, -1, 3,
		  NULL, "config allow flush 3 prefixes (allow entries 0)", "allow-flush" },
		{ SMTPGUARD_CMD_PORTS_SET, { NULL }, -1, false, false, false, -1, -1, -1,
		  NULL, "config ports 25 587", "ports-set" },
		{ SMTPGUARD_CMD_MODE_SET, { NULL }, SMTPGUARD_MODE_MONITOR, true, false, false,
		  -1, -1, -1, NULL, "config mode monitor", "mode-set" },
		{ SMTPGUARD_CMD_MODE_SET, { NULL }, SMTPGUARD_MODE_ENFORCE, false, true, false,
		  -1, -1, -1, NULL, "config mode enforce (auto)", "mode-set" },
		{ SMTPGUARD_CMD_STATS_RESET, { NULL }, -1, false, false, false, -1, -1, -1,
		  NULL, "config stats reset", "stats-reset" },
		{ SMTPGUARD_CMD_BLOCK_ADD, { "203.0.113.7" }, SMTPGUARD_MODE_ENFORCE, false,
		  true, false, -1, 3, 1, "manual",
		  "config block add feed manual 203.0.113.7/32 (block entries 3), mode enforce (auto)",
		  "block-add" },
		{ SMTPGUARD_CMD_BLOCK_DEL, { "203.0.113.7" }, -1, false, false, false, -1, 2, 1,
		  NULL, "config block del 203.0.113.7/32 (block entries 2)", "block-del" },
		{ SMTPGUARD_CMD_BLOCK_FLUSH, { NULL }, -1, false, false, false, -1, 0, 1700,
		  "drop", "config block flush feed drop 1700 entries (block entries 0)",
		  "block-flush" },
		{ SMTPGUARD_CMD_BLOCK_TXN_COMMIT, { NULL }, SMTPGUARD_MODE_ENFORCE, true, false,
		  true, -1, 1240, 1234, "feodo",
		  "config block replace feed feodo 1234 entries (block entries 1240)",
		  "block-txn-commit" },
		{ SMTPGUARD_CMD_BLOCK_TXN_COMMIT, { NULL }, -1, false, false, false, -1, 1240,
		  20, "drop", "config block load feed drop 20 entries (block entries 1240)",
		  "block-txn-commit" },
		{ SMTPGUARD_CMD_OFFENDER_FLUSH, { NULL }, -1, false, false, false, -1, -1, 2,
		  NULL, "config offenders flush 2 offenders", "offender-flush" },
		{ SMTPGUARD_CMD_BLOCK_EXPIRE, { "203.0.113.7", "198.51.100.0/24" }, -1, false,
		  false, false, -1, 5, 2, NULL,
		  "config block expire 203.0.113.7/32 198.51.100.0/24 (block entries 5)",
		  "block-expire" },
	};
	char want[512];
	struct nlmsghdr *nlh;
	size_t i, j;
	int ret;

	set_tz("UTC");
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		/* As the kernel: CHANGE, MODE and both sizes every time. */
		nlh = cfg(t[i].cmd);
		mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, t[i].mode >= 0 ?
				(uint8_t)t[i].mode : SMTPGUARD_MODE_ENFORCE);
		if (t[i].expl)
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_EXPLICIT, 0, NULL);
		if (t[i].autom)
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_AUTO, 0, NULL);
		if (t[i].replace)
			mnl_attr_put(nlh, SMTPGUARD_A_REPLACE, 0, NULL);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES,
				 t[i].allow >= 0 ? (uint32_t)t[i].allow : 9);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_ENTRIES,
				 t[i].block >= 0 ? (uint32_t)t[i].block : 77);
		if (t[i].count >= 0)
			mnl_attr_put_u32(nlh, SMTPGUARD_A_COUNT, (uint32_t)t[i].count);
		if (t[i].feed)
			mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, t[i].feed);
		if (t[i].cmd == SMTPGUARD_CMD_PORTS_SET) {
			struct nlattr *n = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);

			mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, 25);
			mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, 587);
			mnl_attr_nest_end(nlh, n);
		}
		for (j = 0; j < 3 && t[i].prefixes[j]; j++)
			put_prefix(nlh, SMTPGUARD_A_PREFIX, t[i].prefixes[j]);
		snprintf(want, sizeof(want), T_PLAIN "%s\n", t[i].plain);
		str_is(event(nlh, false, SG_EV_CONFIG, &ret), want, t[i].plain);
		snprintf(want, sizeof(want), T_JSON "\"event\":\"config\",\"command\":\"%s\"",
			 t[i].command);
		if (!ktap_ok(ret == 1 && !strncmp(event(nlh, true, SG_EV_ALL, NULL), want,
						 strlen(want)) &&
			     obuf[strlen(obuf) - 2] == '}' && !strchr(obuf, '\n')[1],
			     "%s -j: time, event config, command %s, one line", t[i].plain,
			     t[i].command))
			ktap_diag("got [%s]", obuf);
		event(nlh, false, SG_EV_OFFENDER, &ret);
		if (!ret && !obuf[0])
			continue;
		ktap_ok(false, "monitor events: %s filtered out", t[i].command);
	}

	/* The whole JSON of two, every member. */
	nlh = cfg(SMTPGUARD_CMD_BLOCK_TXN_COMMIT);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	mnl_attr_put(nlh, SMTPGUARD_A_MODE_EXPLICIT, 0, NULL);
	mnl_attr_put(nlh, SMTPGUARD_A_REPLACE, 0, NULL);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_BLOCK_ENTRIES, 1240);
	mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, "feodo");
	mnl_attr_put_u32(nlh, SMTPGUARD_A_COUNT, 1234);
	str_is(event(nlh, true, SG_EV_CONFIG, NULL),
	       T_JSON "\"event\":\"config\",\"command\":\"block-txn-commit\",\"mode\":\"enforce\","
	       "\"mode_explicit\":true,\"mode_auto\":false,\"feed\":\"feodo\",\"replace\":true,"
	       "\"count\":1234,\"block_entries\":1240}\n",
	       "BLOCK_TXN_COMMIT -j: every member");
	nlh = cfg(SMTPGUARD_CMD_ALLOW_ADD);
	put_prefix(nlh, SMTPGUARD_A_PREFIX, "10.10.10.10");
	put_prefix(nlh, SMTPGUARD_A_PREFIX, "2001:db8::/32");
	mnl_attr_put_u32(nlh, SMTPGUARD_A_COUNT, 2);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES, 2);
	str_is(event(nlh, true, SG_EV_CONFIG, NULL),
	       T_JSON "\"event\":\"config\",\"command\":\"allow-add\",\"count\":2,"
	       "\"prefixes\":[\"10.10.10.10/32\",\"2001:db8::/32\"],\"allow_entries\":2}\n",
	       "ALLOW_ADD -j: the prefixes, with their lengths");
	nlh = cfg(SMTPGUARD_CMD_PORTS_SET);
	{
		struct nlattr *n = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);

		mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, 25);
		mnl_attr_nest_end(nlh, n);
	}
	str_is(event(nlh, true, SG_EV_CONFIG, NULL),
	       T_JSON "\"event\":\"config\",\"command\":\"ports-set\",\"ports\":[25]}\n",
	       "PORTS_SET -j: the ports as an array");

	/* A malformed one: a MODE of the wrong size. */
	nlh = cfg(SMTPGUARD_CMD_MODE_SET);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_MODE, 2);
	event(nlh, false, SG_EV_ALL, &ret);
	ktap_ok(ret == -1 && !obuf[0], "a config event with a malformed attribute: -1, nothing printed");
}

static void test_other_events(void)
{
	struct nlmsghdr *nlh;
	int ret;

	set_tz("UTC");
	nlh = msg(200);
	str_is(event(nlh, false, SG_EV_ALL, &ret), T_PLAIN "unknown event cmd 200\n",
	       "an unknown command: 'unknown event cmd N', not an error");
	ktap_ok(ret == 1, "and it counts as printed");
	str_is(event(nlh, true, SG_EV_ALL, NULL),
	       T_JSON "\"event\":\"unknown\",\"command\":200}\n", "unknown -j");
	event(nlh, false, SG_EV_OFFENDER | SG_EV_CONFIG, &ret);
	ktap_ok(ret == 0 && !obuf[0], "unknown commands only with monitor all");
	nlh = cfg(99);
	str_is(event(nlh, false, SG_EV_ALL, &ret), T_PLAIN "unknown config change 99\n",
	       "a config change by a command this tool does not know: said so");
	event(nlh, false, SG_EV_CONFIG, &ret);
	ktap_ok(ret == 0 && !obuf[0], "and only with monitor all");
	nlh = msg(SMTPGUARD_CMD_CONFIG_CHANGE);
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, SMTPGUARD_MODE_ENFORCE);
	event(nlh, false, SG_EV_ALL, &ret);
	ktap_ok(ret == -1 && !obuf[0], "a config change without CHANGE: -1, nothing printed");
	nlh = msg(SMTPGUARD_CMD_BLOCK_GET);	/* a request, never an event */
	event(nlh, false, SG_EV_ALL, &ret);
	ktap_ok(ret == 1 && strstr(obuf, "unknown event cmd 14\n"),
		"a known non-event command is an unknown event");

	start(false);
	sg_event_print_lost((time_t)T_EVENT);
	str_is(stop(), T_PLAIN "events lost: the socket's receive buffer overflowed\n",
	       "ENOBUFS: one line says events were lost");
	start(true);
	sg_event_print_lost((time_t)T_EVENT);
	str_is(stop(), T_JSON "\"event\":\"lost\"}\n", "ENOBUFS -j: event lost");

	set_tz("CET-1");
	nlh = cfg(SMTPGUARD_CMD_STATS_RESET);
	str_is(event(nlh, false, SG_EV_ALL, NULL), "2026-11-23 19:04:05 config stats reset\n",
	       "the event time is local");
	str_is(event(nlh, true, SG_EV_ALL, NULL),
	       "{\"time\":\"2026-11-23T19:04:05+01:00\",\"event\":\"config\",\"command\":\"stats-reset\"}\n",
	       "and RFC 3339 with its offset in JSON");
}

int main(void)
{
	ktap_header();
	test_time();
	test_words();
	test_offenders();
	test_offender_events();
	test_config_events();
	test_other_events();
	return ktap_finish();
}
