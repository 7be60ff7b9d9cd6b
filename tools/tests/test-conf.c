// SPDX-License-Identifier: GPL-2.0
/*
 * The save format (conf.c): a configuration written by sg_conf_write()
 * parses back into the same configuration and the same text; every parser
 * error names FILE:LINE and the reason; referenced feed files are read;
 * feeds.conf and its errors; when a feed is due.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "feed.h"
#include "ktap.h"

static struct sg_prefix pfx(const char *s)
{
	struct sg_prefix p;
	char err[SG_ERR_LEN];

	if (sg_parse_prefix(s, &p, err, sizeof(err)) < 0) {
		fprintf(stderr, "bad test prefix %s: %s\n", s, err);
		exit(2);
	}
	return p;
}

/* sg_conf_write() into a malloc'ed string. */
static char *write_str(const struct sg_conf *c, const char *header)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	if (!fp)
		exit(2);
	sg_conf_write(fp, c, header);
	fclose(fp);
	return buf;
}

static bool conf_equal(const struct sg_conf *a, const struct sg_conf *b)
{
	size_t i;

	if (a->mode != b->mode || a->explicit != b->explicit ||
	    a->nports != b->nports || a->nallow != b->nallow ||
	    a->nfeeds != b->nfeeds || a->nblock != b->nblock ||
	    memcmp(a->ports, b->ports, a->nports * sizeof(a->ports[0])))
		return false;
	for (i = 0; i < a->nallow; i++)
		if (sg_prefix_cmp(&a->allow[i], &b->allow[i]))
			return false;
	for (i = 0; i < a->nfeeds; i++)
		if (strcmp(a->feeds[i].name, b->feeds[i].name) ||
		    !a->feeds[i].file != !b->feeds[i].file ||
		    (a->feeds[i].file && strcmp(a->feeds[i].file, b->feeds[i].file)))
			return false;
	for (i = 0; i < a->nblock; i++)
		if (sg_prefix_cmp(&a->block[i].p, &b->block[i].p) ||
		    a->block[i].feed != b->block[i].feed ||
		    a->block[i].timeout != b->block[i].timeout)
			return false;
	if (a->nexcept != b->nexcept || a->ninside != b->ninside ||
	    a->nrole_ifs[0] != b->nrole_ifs[0] ||
	    a->nrole_ifs[1] != b->nrole_ifs[1] ||
	    memcmp(a->role_ifs, b->role_ifs, sizeof(a->role_ifs)))
		return false;
	for (i = 0; i < a->nexcept; i++)
		if (sg_prefix_cmp(&a->except[i], &b->except[i]))
			return false;
	for (i = 0; i < a->ninside; i++)
		if (sg_prefix_cmp(&a->inside[i], &b->inside[i]))
			return false;
	return true;
}

static void test_round_trip(void)
{
	static const char want[] =
		"# saved by a test\n"
		"# second line\n"
		"mode monitor\n"
		"ports 25 465 587\n"
		"allow 10.10.10.10\n"
		"allow 192.0.2.0/24\n"
		"allow 2001:db8:10::10\n"
		"except 10.0.0.0/8\n"
		"except 2001:db8:20::/64\n"
		"inside lan0\n"
		"inside lan1\n"
		"inside 10.20.0.0/16\n"
		"outside wan0\n"
		"block 198.51.100.0/24 feed drop\n"
		"block 203.0.113.7 feed drop\n"
		"block 2001:db8:bad::/48 feed drop\n"
		"block 198.51.100.9 feed manual timeout 3600\n"
		"block 203.0.113.7 feed manual\n";
	struct sg_conf c, d;
	char err[SG_ERR_LEN], *text, *text2;
	struct sg_prefix p;
	int f;

	/* Built the way save builds it: out of order, with duplicates. */
	sg_conf_init(&c);
	c.has_mode = true;
	c.mode = SMTPGUARD_MODE_MONITOR;
	c.explicit = true;
	c.has_ports = true;
	c.ports[0] = 587;
	c.ports[1] = 25;
	c.ports[2] = 465;
	c.nports = 3;
	c.nports = sg_port_unique(c.ports, c.nports);
	p = pfx("2001:db8:10::10");
	sg_conf_add_allow(&c, &p);
	p = pfx("10.10.10.10");
	sg_conf_add_allow(&c, &p);
	p = pfx("192.0.2.0/24");
	sg_conf_add_allow(&c, &p);
	sg_conf_add_allow(&c, &p);
	p = pfx("2001:db8:20::/64");
	sg_conf_add_except(&c, &p);
	p = pfx("10.0.0.0/8");
	sg_conf_add_except(&c, &p);
	sg_conf_add_except(&c, &p);
	sg_conf_add_role_if(&c, 0, "lan1");
	sg_conf_add_role_if(&c, 0, "lan0");
	sg_conf_add_role_if(&c, 0, "lan1");
	sg_conf_add_role_if(&c, 1, "wan0");
	p = pfx("10.20.0.0/16");
	sg_conf_add_inside(&c, &p);
	f = sg_conf_feed(&c, "manual", true);
	p = pfx("203.0.113.7");
	sg_conf_add_block(&c, &p, f, 0);
	p = pfx("198.51.100.9");
	sg_conf_add_block(&c, &p, f, 3600);
	f = sg_conf_feed(&c, "drop", true);
	p = pfx("2001:db8:bad::/48");
	sg_conf_add_block(&c, &p, f, 0);
	p = pfx("203.0.113.7");
	sg_conf_add_block(&c, &p, f, 0);
	p = pfx("198.51.100.0/24");
	sg_conf_add_block(&c, &p, f, 0);
	sg_conf_add_block(&c, &p, f, 60);	/* permanent wins */
	sg_conf_sort(&c);

	text = write_str(&c, "saved by a test\nsecond line");
	ktap_ok(!strcmp(text, want), "save format: canonical text, sorted, one statement per line");
	if (strcmp(text, want))
		ktap_diag("got:\n%s", text);

	sg_conf_init(&d);
	ktap_ok(sg_conf_parse(text, strlen(text), "t.conf", &d, err,
			      sizeof(err)) == 0, "save format parses back");
	sg_conf_sort(&d);
	ktap_ok(conf_equal(&c, &d), "round trip: the same configuration");
	text2 = write_str(&d, "saved by a test\nsecond line");
	ktap_ok(!strcmp(text, text2), "round trip: the same text");
	free(text);
	free(text2);
	sg_conf_free(&c);
	sg_conf_free(&d);

	/* Automatic mode, default ports, nothing else. */
	sg_conf_init(&c);
	c.has_mode = true;
	c.mode = SMTPGUARD_MODE_ENFORCE;
	c.ports[0] = 25;
	c.nports = 1;
	text = write_str(&c, NULL);
	ktap_ok(!strcmp(text, "mode enforce auto\nports 25\n"),
		"automatic mode written as 'mode enforce auto'");
	sg_conf_init(&d);
	sg_conf_parse(text, strlen(text), "t.conf", &d, err, sizeof(err));
	ktap_ok(d.has_mode && !d.explicit && d.mode == SMTPGUARD_MODE_ENFORCE,
		"'mode enforce auto' parses as automatic");
	ktap_ok(!d.smtp_policy, "no allow line: the SMTP policy is not in effect");
	free(text);
	sg_conf_free(&d);

	/* The SMTP policy with an empty allow-list. */
	c.smtp_policy = true;
	text = write_str(&c, NULL);
	ktap_ok(!strcmp(text, "mode enforce auto\nports 25\nallow none\n"),
		"an armed empty allow-list is written as 'allow none'");
	sg_conf_init(&d);
	ktap_ok(!sg_conf_parse(text, strlen(text), "t.conf", &d, err,
			       sizeof(err)) && d.smtp_policy && !d.nallow,
		"'allow none' parses as the policy with no prefix");
	free(text);
	sg_conf_free(&d);
	sg_conf_init(&d);
	ktap_ok(sg_conf_parse("allow none 10.0.0.1\n", 20, "t.conf", &d, err,
			      sizeof(err)) < 0 &&
		!strcmp(err, "t.conf:1: allow none: unexpected '10.0.0.1'"),
		"'allow none ADDR' is refused: %s", err);
	sg_conf_free(&d);
	sg_conf_init(&d);
	ktap_ok(!sg_conf_parse("allow 10.0.0.1\n", 15, "t.conf", &d, err,
			       sizeof(err)) && d.smtp_policy && d.nallow == 1,
		"'allow ADDR' puts the SMTP policy in effect");
	sg_conf_free(&c);
	sg_conf_free(&d);
}

static void test_file_reference(void)
{
	char dir[] = "/tmp/sg-test-conf.XXXXXX", path[64], err[SG_ERR_LEN];
	static const char conf[] =
		"feed feodo file feodo.txt\r\n"
		"block 203.0.113.9\n";
	struct sg_conf c;
	char *text;
	FILE *fp;
	int r;

	if (!mkdtemp(dir)) {
		ktap_ok(false, "feed file reference: mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/feodo.txt", dir);
	fp = fopen(path, "w");
	fputs("# feodo\n198.51.100.7\n198.51.100.8/31 ; two\n", fp);
	fclose(fp);

	sg_conf_init(&c);
	r = sg_conf_parse(conf, strlen(conf), "s.conf", &c, err, sizeof(err));
	if (!r)
		r = sg_conf_load_files(&c, "s.conf", dir, err, sizeof(err));
	sg_conf_sort(&c);
	ktap_ok(!r && c.nfeeds == 2 && c.nblock == 3,
		"feed NAME file PATH: the file's entries, relative to the save file");
	if (r)
		ktap_diag("%s", err);
	text = write_str(&c, NULL);
	ktap_ok(strstr(text, "feed feodo file feodo.txt\n") &&
		!strstr(text, "198.51.100.7") &&
		strstr(text, "block 203.0.113.9 feed manual\n"),
		"a referenced feed is written as its reference, not its entries");
	free(text);
	sg_conf_free(&c);

	/* A broken feed file: the save file's line, then the feed's. */
	fp = fopen(path, "w");
	fputs("198.51.100.7\nnot-an-address\n", fp);
	fclose(fp);
	sg_conf_init(&c);
	r = sg_conf_parse(conf, strlen(conf), "s.conf", &c, err, sizeof(err));
	if (!r)
		r = sg_conf_load_files(&c, "s.conf", dir, err, sizeof(err));
	ktap_ok(r < 0 && !strncmp(err, "s.conf:1: feed feodo: ", 22) &&
		strstr(err, "feodo.txt:2: "),
		"a broken referenced file: s.conf:1: feed feodo: FILE:2: reason");
	if (r == 0 || strncmp(err, "s.conf:1: feed feodo: ", 22))
		ktap_diag("got '%s'", err);
	sg_conf_free(&c);
	unlink(path);
	rmdir(dir);
}

struct err_case {
	const char *text;
	const char *err;	/* the message must start with this */
};

static const struct err_case errors[] = {
	{ "bogus 1\n", "f:1: unknown statement 'bogus' (mode, ports, allow, except, inside, outside, block, feed)" },
	{ "\n\n# c\nmode\n", "f:4: mode: missing mode" },
	{ "mode enforcing\n", "f:1: 'enforcing' is not a mode" },
	{ "mode enforce\nmode off\n", "f:2: mode given twice (first on line 1)" },
	{ "mode enforce now\n", "f:1: mode: unexpected 'now'" },
	{ "mode off auto x\n", "f:1: mode: unexpected 'x'" },
	{ "ports\n", "f:1: ports: missing port" },
	{ "ports 0\n", "f:1: '0' is not a valid port" },
	{ "ports 25\nports 587\n", "f:2: ports given twice (first on line 1)" },
	{ "allow\n", "f:1: allow: missing address" },
	{ "allow 10.10.10.5/24\n", "f:1: 10.10.10.5/24 has host bits set; did you mean 10.10.10.0/24?" },
	{ "allow mail.example.com\n", "f:1: 'mail.example.com'" },
	{ "except\n", "f:1: except: missing address" },
	{ "except 10.0.0.1/8\n", "f:1: 10.0.0.1/8 has host bits set" },
	{ "inside\n", "f:1: inside: missing interface or prefix" },
	{ "outside 10.0.0.0/8\n", "f:1: outside: takes interface names only" },
	{ "inside 10.0.0.256\n", "f:1: inside: '10.0.0.256'" },
	{ "inside a/b\n", "f:1: inside: 'a/b'" },
	{ "inside averyveryverylongname\n", "f:1: inside: 'averyveryverylongname' is neither an interface name" },
	{ "block\n", "f:1: block: missing address" },
	{ "block feed x\n", "f:1: block: missing address" },
	{ "block 192.0.2.1 feed\n", "f:1: block: feed: missing NAME" },
	{ "block 192.0.2.1 feed a feed b\n", "f:1: block: feed given twice" },
	{ "block 192.0.2.1 feed -x\n", "f:1: block: '-x' is not a feed name" },
	{ "block 192.0.2.1 timeout\n", "f:1: block: timeout: missing SECONDS" },
	{ "block 192.0.2.1 timeout 0\n", "f:1: block: timeout '0' is out of range" },
	{ "block 192.0.2.1 timeout 31d\n", "f:1: block: timeout '31d' is out of range (1 second to 30d, 2592000 seconds)" },
	{ "block 192.0.2.1 timeout 1x\n", "f:1: block: '1x' is not a timeout (seconds, or a number with s, m, h or d" },
	{ "block 300.0.0.1\n", "f:1: '300.0.0.1' is not a valid IPv4 address" },
	{ "feed x\n", "f:1: feed: expected 'feed NAME [file PATH] [action A] [direction D]'" },
	{ "feed x url http://a/\n", "f:1: feed: unexpected 'url' (file PATH, action A, direction D" },
	{ "feed x file a b\n", "f:1: feed: unexpected 'b' (file PATH" },
	{ "feed x action drop\n", "f:1: 'drop' is not an action (enforce, monitor)" },
	{ "feed x direction up\n", "f:1: 'up' is not a direction (in, out, both)" },
	{ "feed x action monitor action enforce\n", "f:1: action given twice" },
	{ "feed x direction\n", "f:1: feed: expected" },
	{ "feed x action monitor\nfeed x direction in\n", "f:2: feed x given twice (first on line 1)" },
	{ "feed x file a\nfeed x file b\n", "f:2: feed x given twice (first on line 1)" },
	{ "block 192.0.2.1 feed x\nfeed x file a\n", "f:2: feed x has block lines (line 1)" },
	{ "feed x file a\nblock 192.0.2.1 feed x\n", "f:2: feed x is read from a file (line 1)" },
	{ "allow 10.0.0.1\n\x01\n", "f:2: control character 0x01 at column 1" },
	{ "allow 10.0.0.1\0\n", "f: has a NUL byte" },
};

static void test_errors(void)
{
	char err[SG_ERR_LEN];
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const struct err_case *e = &errors[i];
		size_t len = strlen(e->text);
		struct sg_conf c;
		bool ok;
		int r;

		if (strstr(e->err, "NUL"))
			len += 2;	/* the text goes on past its NUL */
		sg_conf_init(&c);
		err[0] = '\0';
		r = sg_conf_parse(e->text, len, "f", &c, err, sizeof(err));
		ok = r < 0 && !strncmp(err, e->err, strlen(e->err));
		ktap_ok(ok, "parser error: %s", e->err);
		if (!ok)
			ktap_diag("got %d '%s'", r, err);
		sg_conf_free(&c);
	}
}

static void test_too_many(void)
{
	char err[SG_ERR_LEN], *text = malloc(80 * 64);
	size_t off = 0, i;
	struct sg_conf c;
	int r;

	for (i = 0; i <= SMTPGUARD_MAX_FEEDS; i++)
		off += (size_t)sprintf(text + off, "block 192.0.2.1 feed f%zu\n", i);
	sg_conf_init(&c);
	r = sg_conf_parse(text, off, "f", &c, err, sizeof(err));
	ktap_ok(r < 0 && strstr(err, "f:65: too many feeds (at most 64)"),
		"the 65th feed: too many feeds");
	sg_conf_free(&c);
	free(text);
}

static const struct err_case feed_errors[] = {
	{ "feeds x\n", "feeds.conf:1: unknown statement 'feeds'" },
	{ "feed x\n", "feeds.conf:1: expected 'feed NAME url URL|file PATH [every DURATION]'" },
	{ "feed x ftp a\n", "feeds.conf:1: expected 'feed NAME url URL|file PATH" },
	{ "feed x url ftp://a/\n", "feeds.conf:1: 'ftp://a/' is not an http:// or https:// URL" },
	{ "feed x file rel.txt\n", "feeds.conf:1: file 'rel.txt' must be an absolute path" },
	{ "feed x url http://a/ every\n", "feeds.conf:1: every: missing DURATION" },
	{ "feed x url http://a/ every 0\n", "feeds.conf:1: every: '0' is out of range" },
	{ "feed x url http://a/ every 1w\n", "feeds.conf:1: every: '1w' is not a duration" },
	{ "feed x url http://a/ daily\n", "feeds.conf:1: unexpected 'daily'" },
	{ "feed x url http://a/ every 1h every 2h\n", "feeds.conf:1: every given twice" },
	{ "feed a/b url http://a/\n", "feeds.conf:1: 'a/b' is not a feed name" },
	{ "feed x url http://a/\nfeed x file /a\n", "feeds.conf:2: feed x defined twice (first on line 1)" },
};

static void test_feeds_conf(void)
{
	static const char good[] =
		"# the feeds\n"
		"feed feodo url https://feodotracker.abuse.ch/downloads/ipblocklist.txt every 15m\n"
		"\n"
		"feed local file /etc/smtpguard/local.txt   # hourly, the default\n"
		"feed drop url http://127.0.0.1:8080/drop.txt every 2d\n";
	struct sg_feeds_conf fc;
	const struct sg_feed_def *d;
	char err[SG_ERR_LEN];
	size_t i;
	int r;

	r = sg_feeds_conf_parse(good, strlen(good), "feeds.conf", &fc, err,
				sizeof(err));
	ktap_ok(r == 0 && fc.n == 3, "feeds.conf: three feeds");
	d = sg_feeds_conf_find(&fc, "feodo");
	ktap_ok(d && d->is_url && d->every == 900 && d->line == 2 &&
		!strcmp(d->source, "https://feodotracker.abuse.ch/downloads/ipblocklist.txt"),
		"feeds.conf: url and every 15m");
	d = sg_feeds_conf_find(&fc, "local");
	ktap_ok(d && !d->is_url && d->every == SG_FEED_EVERY_DEFAULT &&
		!strcmp(d->source, "/etc/smtpguard/local.txt"),
		"feeds.conf: file, every defaults to 1h");
	d = sg_feeds_conf_find(&fc, "drop");
	ktap_ok(d && d->every == 2 * 86400, "feeds.conf: every 2d");
	ktap_ok(!sg_feeds_conf_find(&fc, "nope"), "feeds.conf: unknown name not found");

	for (i = 0; i < sizeof(feed_errors) / sizeof(feed_errors[0]); i++) {
		const struct err_case *e = &feed_errors[i];
		bool ok;

		err[0] = '\0';
		r = sg_feeds_conf_parse(e->text, strlen(e->text), "feeds.conf",
					&fc, err, sizeof(err));
		ok = r < 0 && !strncmp(err, e->err, strlen(e->err));
		ktap_ok(ok, "feeds.conf error: %s", e->err);
		if (!ok)
			ktap_diag("got %d '%s'", r, err);
	}
}

/* Every mistake of a file in one run: 7 of them, then 25 (20 shown). */
static void test_all_errors(void)
{
	static const char seven[] =
		"mode enforce\n"
		"mode monitor\n"			/* 2: twice */
		"ports 25 0\n"			/* 3: bad port */
		"allow 10.0.0.1/8\n"		/* 4: host bits */
		"allow 10.10.10.10\n"
		"block 192.0.2.1 timeout 31d\n"	/* 6: too long */
		"frobnicate\n"			/* 7: unknown */
		"feed x-y action drop\n"		/* 8: bad action */
		"except\n";			/* 9: missing address */
	static struct sg_feeds_conf fc;
	char err[SG_ERR_LEN], buf[4096], out[8192];
	struct sg_conf c;
	size_t i, o = 0;
	FILE *fp;
	int r;

	sg_conf_init(&c);
	r = sg_conf_parse(seven, strlen(seven), "s.conf", &c, err, sizeof(err));
	ktap_ok(r == -1 && c.errors.total == 7 && c.errors.n == 7 &&
		!strncmp(c.errors.msg[0], "s.conf:2: mode given twice", 26) &&
		!strncmp(c.errors.msg[1], "s.conf:3: ", 10) &&
		!strncmp(c.errors.msg[2], "s.conf:4: ", 10) &&
		!strncmp(c.errors.msg[3], "s.conf:6: ", 10) &&
		!strncmp(c.errors.msg[4], "s.conf:7: unknown statement", 27) &&
		!strncmp(c.errors.msg[5], "s.conf:8: ", 10) &&
		!strncmp(c.errors.msg[6], "s.conf:9: except: missing", 25) &&
		!strcmp(err, c.errors.msg[0]),
		"a save file with 7 mistakes: all 7 in one run, each FILE:LINE");
	sg_conf_free(&c);

	for (i = 1; i <= 25; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "allow 10.0.0.%zu\nbogus%zu\n",
				      i, i);
	sg_conf_init(&c);
	r = sg_conf_parse(buf, o, "m.conf", &c, err, sizeof(err));
	fp = fmemopen(out, sizeof(out), "w");
	sg_errors_print(fp, "prog", &c.errors, "m.conf");
	fclose(fp);
	ktap_ok(r == -1 && c.errors.total == 25 && c.errors.n == SG_ERRORS_MAX &&
		strstr(out, "prog: m.conf:2: unknown statement 'bogus1'") &&
		strstr(out, "prog: m.conf:40: unknown statement 'bogus20'") &&
		!strstr(out, "bogus21") &&
		strstr(out, "prog: m.conf: 5 more errors not shown\n"),
		"25 mistakes: the first 20 printed, then how many more");
	sg_conf_free(&c);

	r = sg_feeds_conf_parse("feed a url ftp://x\nfeed b file rel/path\nfeed c url https://x every 0\n"
				"feed d url https://x\nfeed d url https://y\nnonsense\n",
				strlen("feed a url ftp://x\nfeed b file rel/path\nfeed c url https://x every 0\n"
				       "feed d url https://x\nfeed d url https://y\nnonsense\n"),
				"feeds.conf", &fc, err, sizeof(err));
	ktap_ok(r == -1 && fc.errors.total == 5 && fc.n == 1 &&
		!strncmp(fc.errors.msg[0], "feeds.conf:1: ", 14) &&
		!strncmp(fc.errors.msg[1], "feeds.conf:2: ", 14) &&
		!strncmp(fc.errors.msg[2], "feeds.conf:3: ", 14) &&
		!strncmp(fc.errors.msg[3], "feeds.conf:5: feed d defined twice", 34) &&
		!strncmp(fc.errors.msg[4], "feeds.conf:6: unknown statement", 31),
		"feeds.conf with 5 mistakes: all 5 in one run");
}

static void test_due(void)
{
	struct sg_feed_def d = { .name = "x", .is_url = true,
				 .source = "http://a/x", .every = 3600 };
	struct sg_feed_state st;
	char buf[512], dur[32];
	uint64_t next;
	FILE *fp;

	memset(&st, 0, sizeof(st));
	ktap_ok(sg_feed_due(&d, &st, 1000, &next) && next == 0,
		"due: never fetched");
	st.last_success = 10000;
	strcpy(st.source, "http://a/x");
	ktap_ok(!sg_feed_due(&d, &st, 10000 + 60, &next) && next == 3540,
		"not due a minute after, next in 59m");
	ktap_ok(sg_feed_due(&d, &st, 10000 + 3600, &next), "due after every");
	ktap_ok(sg_feed_due(&d, &st, 5000, &next), "due when the clock went back");
	strcpy(st.source, "http://a/old");
	ktap_ok(sg_feed_due(&d, &st, 10000 + 60, &next), "due when the source changed");

	strcpy(st.source, "http://a/x");
	st.last_attempt = 10001;
	st.entries = 42;
	strcpy(st.error, "download of http://a/x failed: curl: (22) 404");
	fp = fmemopen(buf, sizeof(buf), "w");
	sg_feed_state_write(fp, &st);
	fclose(fp);
	memset(&st, 0, sizeof(st));
	sg_feed_state_parse(buf, strlen(buf), &st);
	ktap_ok(st.last_success == 10000 && st.last_attempt == 10001 &&
		st.entries == 42 && !strcmp(st.source, "http://a/x") &&
		!strcmp(st.error, "download of http://a/x failed: curl: (22) 404"),
		"feed state round trip");
	ktap_ok(!strcmp(sg_duration_str(3540, dur, sizeof(dur)), "59m") &&
		!strcmp(sg_duration_str(90061, dur, sizeof(dur)), "1d1h1m1s") &&
		!strcmp(sg_duration_str(0, dur, sizeof(dur)), "0s"),
		"durations printed as 59m, 1d1h1m1s, 0s");
}

int main(void)
{
	ktap_header();
	test_round_trip();
	test_file_reference();
	test_errors();
	test_too_many();
	test_feeds_conf();
	test_all_errors();
	test_due();
	return ktap_finish();
}
