// SPDX-License-Identifier: GPL-2.0
/*
 * The save file and feeds.conf: parsing, canonical order, formatting.
 * See conf.h for both grammars.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "feed.h"

#define LINE_MAX_LEN	8192
#define MAX_TOKENS	(SMTPGUARD_MAX_ALLOW + 8)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void errors_add(struct sg_errors *e, const char *msg)
{
	if (e->n < SG_ERRORS_MAX)
		snprintf(e->msg[e->n++], sizeof(e->msg[0]), "%s", msg);
	e->total++;
}

void sg_errors_print(FILE *fp, const char *prog, const struct sg_errors *e,
		     const char *fname)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(fp, "%s: %s\n", prog, e->msg[i]);
	if (e->total > e->n)
		fprintf(fp, "%s: %s: %zu more error%s not shown\n", prog, fname,
			e->total - e->n, e->total - e->n == 1 ? "" : "s");
}

void sg_conf_init(struct sg_conf *c)
{
	memset(c, 0, sizeof(*c));
}

void sg_conf_free(struct sg_conf *c)
{
	size_t i;

	for (i = 0; i < c->nfeeds; i++)
		free(c->feeds[i].file);
	free(c->allow);
	free(c->block);
	free(c->except);
	free(c->inside);
	sg_conf_init(c);
}

int sg_conf_feed(struct sg_conf *c, const char *name, bool create)
{
	size_t i;

	for (i = 0; i < c->nfeeds; i++)
		if (!strcmp(c->feeds[i].name, name))
			return (int)i;
	if (!create || c->nfeeds == SMTPGUARD_MAX_FEEDS ||
	    strlen(name) > SMTPGUARD_FEED_NAME_MAX)
		return -1;
	memset(&c->feeds[c->nfeeds], 0, sizeof(c->feeds[0]));
	strcpy(c->feeds[c->nfeeds].name, name);
	return (int)c->nfeeds++;
}

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / size)
		return -1;
	n = realloc(*arr, ncap * size);
	if (!n)
		return -1;
	*arr = n;
	*cap = ncap;
	return 0;
}

static int add_prefix(struct sg_prefix **arr, size_t *n, size_t *cap,
		      const struct sg_prefix *p)
{
	if (grow((void **)arr, cap, *n + 1, sizeof(**arr)))
		return -1;
	(*arr)[(*n)++] = *p;
	return 0;
}

int sg_conf_add_allow(struct sg_conf *c, const struct sg_prefix *p)
{
	return add_prefix(&c->allow, &c->nallow, &c->allow_cap, p);
}

int sg_conf_add_except(struct sg_conf *c, const struct sg_prefix *p)
{
	return add_prefix(&c->except, &c->nexcept, &c->except_cap, p);
}

int sg_conf_add_inside(struct sg_conf *c, const struct sg_prefix *p)
{
	return add_prefix(&c->inside, &c->ninside, &c->inside_cap, p);
}

int sg_conf_add_role_if(struct sg_conf *c, int role, const char *name)
{
	size_t i, n = c->nrole_ifs[role];

	for (i = 0; i < n; i++)
		if (!strcmp(c->role_ifs[role][i], name))
			return 0;
	if (n == SMTPGUARD_MAX_ROLE_IFS)
		return -1;
	snprintf(c->role_ifs[role][n], sizeof(c->role_ifs[role][n]), "%s",
		 name);
	c->nrole_ifs[role]++;
	return 0;
}

static int ifname_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int sg_conf_add_block(struct sg_conf *c, const struct sg_prefix *p,
		      int feed, uint32_t timeout)
{
	struct sg_conf_entry *e;

	if (grow((void **)&c->block, &c->block_cap, c->nblock + 1,
		 sizeof(*c->block)))
		return -1;
	e = &c->block[c->nblock++];
	e->p = *p;
	e->timeout = timeout;
	e->feed = (uint8_t)feed;
	return 0;
}

/* ---- canonical order -------------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
	const struct sg_conf_entry *x = a, *y = b;
	int r;

	if (x->feed != y->feed)
		return x->feed < y->feed ? -1 : 1;
	r = sg_prefix_cmp(&x->p, &y->p);
	if (r)
		return r;
	/* Permanent (0) first, then the longest timeout. */
	if (x->timeout == y->timeout)
		return 0;
	if (!x->timeout || !y->timeout)
		return x->timeout ? 1 : -1;
	return x->timeout > y->timeout ? -1 : 1;
}

static int feed_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sg_conf_feed *)a)->name,
		      ((const struct sg_conf_feed *)b)->name);
}

void sg_conf_sort(struct sg_conf *c)
{
	struct sg_conf_feed sorted[SMTPGUARD_MAX_FEEDS];
	/* Every entry's feed is one of c->feeds; zeroed all the same. */
	uint8_t map[SMTPGUARD_MAX_FEEDS] = { 0 };
	size_t i, j, n;

	c->nallow = sg_prefix_unique(c->allow, c->nallow);
	c->nexcept = sg_prefix_unique(c->except, c->nexcept);
	c->ninside = sg_prefix_unique(c->inside, c->ninside);
	for (i = 0; i < 2; i++)
		qsort(c->role_ifs[i], c->nrole_ifs[i], sizeof(c->role_ifs[i][0]),
		      ifname_cmp);

	memcpy(sorted, c->feeds, c->nfeeds * sizeof(sorted[0]));
	qsort(sorted, c->nfeeds, sizeof(sorted[0]), feed_name_cmp);
	for (i = 0; i < c->nfeeds; i++)
		for (j = 0; j < c->nfeeds; j++)
			if (!strcmp(c->feeds[i].name, sorted[j].name))
				map[i] = (uint8_t)j;
	memcpy(c->feeds, sorted, c->nfeeds * sizeof(sorted[0]));
	for (i = 0; i < c->nblock; i++)
		c->block[i].feed = map[c->block[i].feed];

	if (!c->nblock)
		return;
	qsort(c->block, c->nblock, sizeof(c->block[0]), entry_cmp);
	for (i = 1, n = 1; i < c->nblock; i++) {
		if (c->block[i].feed == c->block[n - 1].feed &&
		    !sg_prefix_cmp(&c->block[i].p, &c->block[n - 1].p))
			continue;	/* the first of a run is the one kept */
		c->block[n++] = c->block[i];
	}
	c->nblock = n;
}

/* ---- durations -------------------------------------------------------- */

#define DURATION_MAX	(365U * 86400U)

int sg_parse_duration(const char *arg, uint32_t *secs, char *err,
		      size_t errlen)
{
	char q[SG_QUOTE_LEN];

	switch (sg_parse_seconds(arg, DURATION_MAX, secs)) {
	case 0:
		return 0;
	case SG_DURATION_RANGE:
		return errf(err, errlen, "'%s' is out of range (1 second to 365d)",
			    sg_quote(arg, q, sizeof(q)));
	default:
		return errf(err, errlen,
			    "'%s' is not a duration (seconds, or a number with s, m, h or d: 90, 30m, 1h, 2d)",
			    sg_quote(arg, q, sizeof(q)));
	}
}

/* ---- lines and tokens ------------------------------------------------- */

struct lines {
	const char *buf;
	size_t len, pos, lineno;
	char line[LINE_MAX_LEN + 1];
	char *tok[MAX_TOKENS];
	size_t ntok;
};

/*
 * The next line into l->line, its comment cut, split at blanks into
 * l->tok.  Returns 1 with a line (maybe without tokens), 0 at the end, -1
 * with err for a line that is too long, has a control character or too
 * many words.
 */
static int next_line(struct lines *l, const char *fname, char *err,
		     size_t errlen)
{
	size_t start, end, i;
	char *save, *t;

	if (l->pos >= l->len)
		return 0;
	start = l->pos;
	while (l->pos < l->len && l->buf[l->pos] != '\n')
		l->pos++;
	end = l->pos;
	if (l->pos < l->len)
		l->pos++;
	if (end > start && l->buf[end - 1] == '\r')
		end--;
	l->lineno++;
	l->ntok = 0;
	if (end - start > LINE_MAX_LEN)
		return errf(err, errlen, "%s:%zu: line is longer than %d bytes",
			    fname, l->lineno, LINE_MAX_LEN);
	for (i = start; i < end; i++) {
		unsigned char ch = (unsigned char)l->buf[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return errf(err, errlen, "%s:%zu: control character 0x%02x at column %zu",
				    fname, l->lineno, ch, i - start + 1);
		if (ch == '#')
			break;
	}
	memcpy(l->line, l->buf + start, i - start);
	l->line[i - start] = '\0';
	for (t = strtok_r(l->line, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (l->ntok == MAX_TOKENS)
			return errf(err, errlen, "%s:%zu: too many words on one line (at most %d)",
				    fname, l->lineno, MAX_TOKENS);
		l->tok[l->ntok++] = t;
	}
	return 1;
}

/* ---- the save file ---------------------------------------------------- */

#define STATEMENTS	"mode, ports, allow, except, inside, outside, block, feed"

static int parse_mode(struct lines *l, const char *fname, struct sg_conf *c,
		      size_t *mode_line, char *err, size_t errlen)
{
	char q[SG_QUOTE_LEN];

	if (c->has_mode)
		return errf(err, errlen, "%s:%zu: mode given twice (first on line %zu)",
			    fname, l->lineno, *mode_line);
	if (l->ntok < 2)
		return errf(err, errlen, "%s:%zu: mode: missing mode (enforce, monitor, off)",
			    fname, l->lineno);
	if (sg_parse_mode(l->tok[1], &c->mode) < 0)
		return errf(err, errlen, "%s:%zu: '%s' is not a mode (enforce, monitor, off)",
			    fname, l->lineno, sg_quote(l->tok[1], q, sizeof(q)));
	c->explicit = true;
	if (l->ntok > 2 && !strcmp(l->tok[2], "auto")) {
		c->explicit = false;
		if (l->ntok == 3)
			goto done;
		return errf(err, errlen, "%s:%zu: mode: unexpected '%s'",
			    fname, l->lineno, sg_quote(l->tok[3], q, sizeof(q)));
	}
	if (l->ntok > 2)
		return errf(err, errlen, "%s:%zu: mode: unexpected '%s' (only 'auto' may follow the mode)",
			    fname, l->lineno, sg_quote(l->tok[2], q, sizeof(q)));
done:
	c->has_mode = true;
	*mode_line = l->lineno;
	return 0;
}

static int parse_ports(struct lines *l, const char *fname, struct sg_conf *c,
		       size_t *ports_line, char *err, size_t errlen)
{
	char e[SG_ERR_LEN];
	size_t i, j;

	if (c->has_ports)
		return errf(err, errlen, "%s:%zu: ports given twice (first on line %zu)",
			    fname, l->lineno, *ports_line);
	if (l->ntok < 2)
		return errf(err, errlen, "%s:%zu: ports: missing port (PORT...)",
			    fname, l->lineno);
	for (i = 1; i < l->ntok; i++) {
		uint16_t port;

		if (sg_parse_port(l->tok[i], &port, e, sizeof(e)) < 0)
			return errf(err, errlen, "%s:%zu: %s", fname, l->lineno, e);
		for (j = 0; j < c->nports; j++)
			if (c->ports[j] == port)
				break;
		if (j < c->nports)
			continue;
		if (c->nports == SMTPGUARD_MAX_PORTS)
			return errf(err, errlen, "%s:%zu: too many ports (at most %d distinct)",
				    fname, l->lineno, SMTPGUARD_MAX_PORTS);
		c->ports[c->nports++] = port;
	}
	c->nports = sg_port_unique(c->ports, c->nports);
	c->has_ports = true;
	*ports_line = l->lineno;
	return 0;
}

static int parse_allow(struct lines *l, const char *fname, struct sg_conf *c,
		       char *err, size_t errlen)
{
	char e[SG_ERR_LEN];
	struct sg_prefix p;
	size_t i;

	if (l->ntok < 2)
		return errf(err, errlen, "%s:%zu: allow: missing address (ADDR[/LEN]... or none)",
			    fname, l->lineno);
	c->smtp_policy = true;
	/* The allow-list is configured and empty: no SMTP at all. */
	if (!strcmp(l->tok[1], "none")) {
		if (l->ntok > 2)
			return errf(err, errlen, "%s:%zu: allow none: unexpected '%s'",
				    fname, l->lineno, l->tok[2]);
		return 0;
	}
	for (i = 1; i < l->ntok; i++) {
		if (sg_parse_prefix(l->tok[i], &p, e, sizeof(e)) < 0)
			return errf(err, errlen, "%s:%zu: %s", fname, l->lineno, e);
		if (sg_conf_add_allow(c, &p))
			return errf(err, errlen, "%s: out of memory", fname);
	}
	if (c->nallow > SMTPGUARD_MAX_ALLOW) {
		c->nallow = sg_prefix_unique(c->allow, c->nallow);
		if (c->nallow > SMTPGUARD_MAX_ALLOW)
			return errf(err, errlen, "%s:%zu: too many allow prefixes (at most %d)",
				    fname, l->lineno, SMTPGUARD_MAX_ALLOW);
	}
	return 0;
}

static int parse_except(struct lines *l, const char *fname, struct sg_conf *c,
			char *err, size_t errlen)
{
	char e[SG_ERR_LEN];
	struct sg_prefix p;
	size_t i;

	if (l->ntok < 2)
		return errf(err, errlen, "%s:%zu: except: missing address (ADDR[/LEN]...)",
			    fname, l->lineno);
	for (i = 1; i < l->ntok; i++) {
		if (sg_parse_prefix(l->tok[i], &p, e, sizeof(e)) < 0)
			return errf(err, errlen, "%s:%zu: %s", fname, l->lineno, e);
		if (sg_conf_add_except(c, &p))
			return errf(err, errlen, "%s: out of memory", fname);
	}
	if (c->nexcept > SMTPGUARD_MAX_EXCEPT) {
		c->nexcept = sg_prefix_unique(c->except, c->nexcept);
		if (c->nexcept > SMTPGUARD_MAX_EXCEPT)
			return errf(err, errlen, "%s:%zu: too many except prefixes (at most %d)",
				    fname, l->lineno, SMTPGUARD_MAX_EXCEPT);
	}
	return 0;
}

/* inside IFNAME|ADDR/LEN...; outside IFNAME... */
static int parse_role(struct lines *l, const char *fname, struct sg_conf *c,
		      int role, char *err, size_t errlen)
{
	const char *kw = role ? "outside" : "inside";
	char e[SG_ERR_LEN];
	struct sg_prefix p;
	size_t i;
	int r;

	if (l->ntok < 2)
		return errf(err, errlen, "%s:%zu: %s: missing %s", fname,
			    l->lineno, kw, role ? "interface (IFNAME...)" :
			    "interface or prefix (IFNAME|ADDR/LEN...)");
	for (i = 1; i < l->ntok; i++) {
		r = sg_parse_role_item(l->tok[i], &p, e, sizeof(e));
		if (r < 0 || (r == 1 && role))
			return errf(err, errlen, "%s:%zu: %s: %s", fname,
				    l->lineno, kw, r < 0 ? e :
				    "takes interface names only");
		if (r == 1 && sg_conf_add_inside(c, &p))
			return errf(err, errlen, "%s: out of memory", fname);
		if (r == 0 && sg_conf_add_role_if(c, role, l->tok[i]))
			return errf(err, errlen, "%s:%zu: %s: too many interfaces (at most %d)",
				    fname, l->lineno, kw,
				    SMTPGUARD_MAX_ROLE_IFS);
	}
	if (c->ninside > SMTPGUARD_MAX_INSIDE) {
		c->ninside = sg_prefix_unique(c->inside, c->ninside);
		if (c->ninside > SMTPGUARD_MAX_INSIDE)
			return errf(err, errlen, "%s:%zu: too many inside prefixes (at most %d)",
				    fname, l->lineno, SMTPGUARD_MAX_INSIDE);
	}
	return 0;
}

static int new_feed(struct lines *l, const char *fname, struct sg_conf *c,
		    const char *name, char *err, size_t errlen)
{
	char q[SG_QUOTE_LEN];
	int f;

	if (!sg_feed_name_ok(name))
		return errf(err, errlen, "%s:%zu: '%s' is not a feed name (1 to 31 of A-Z a-z 0-9 . _ -, starting with a letter or digit)",
			    fname, l->lineno, sg_quote(name, q, sizeof(q)));
	f = sg_conf_feed(c, name, true);
	if (f < 0)
		return errf(err, errlen, "%s:%zu: too many feeds (at most %d)",
			    fname, l->lineno, SMTPGUARD_MAX_FEEDS);
	if (!c->feeds[f].line)
		c->feeds[f].line = l->lineno;
	return f;
}

/* block ...: the command line's grammar, words.c's parser */
static int parse_block(struct lines *l, const char *fname, struct sg_conf *c,
		       char *err, size_t errlen)
{
	static struct sg_prefix p[MAX_TOKENS];
	struct sg_block_words w;
	char e[SG_ERR_LEN];
	size_t k;
	int f;

	if (sg_parse_block_words(l->tok + 1, l->ntok - 1, true, p, &w, e,
				 sizeof(e)) < 0)
		return errf(err, errlen, "%s:%zu: %s%s", fname, l->lineno,
			    w.bad_prefix ? "" : "block: ", e);
	f = new_feed(l, fname, c, w.feed ? w.feed : "manual", err, errlen);
	if (f < 0)
		return -1;
	if (c->feeds[f].file)
		return errf(err, errlen, "%s:%zu: feed %s is read from a file (line %zu); it cannot have block lines too",
			    fname, l->lineno, c->feeds[f].name, c->feeds[f].line);
	for (k = 0; k < w.n; k++)
		if (sg_conf_add_block(c, &p[k], f, w.timeout))
			return errf(err, errlen, "%s: out of memory", fname);
	return 0;
}

/*
 * "action A" or "direction D" at tok[*i]: into *action or *direction;
 * 0 if tok[*i] is neither keyword (nothing taken), 1 taken, -1 error.
 */
static int parse_mode_word(struct lines *l, const char *fname, size_t *i,
			   uint8_t *action, uint8_t *direction, bool *seen,
			   char *err, size_t errlen)
{
	const char *kw = l->tok[*i];
	bool is_action = !strcmp(kw, "action");
	char q[SG_QUOTE_LEN];
	int v;

	if (!is_action && strcmp(kw, "direction"))
		return 0;
	if (seen[!is_action])
		return errf(err, errlen, "%s:%zu: %s given twice", fname,
			    l->lineno, kw);
	seen[!is_action] = true;
	if (*i + 1 == l->ntok)
		return errf(err, errlen, "%s:%zu: %s: missing %s", fname,
			    l->lineno, kw, is_action ? "enforce or monitor" :
			    "in, out or both");
	(*i)++;
	v = is_action ? sg_parse_action(l->tok[*i]) :
			sg_parse_direction(l->tok[*i]);
	if (v < 0)
		return errf(err, errlen, "%s:%zu: '%s' is not %s", fname,
			    l->lineno, sg_quote(l->tok[*i], q, sizeof(q)),
			    is_action ? "an action (enforce, monitor)" :
			    "a direction (in, out, both)");
	*(is_action ? action : direction) = (uint8_t)v;
	return 1;
}

/* feed NAME [file PATH] [action A] [direction D] */
static int parse_feed(struct lines *l, const char *fname, struct sg_conf *c,
		      char *err, size_t errlen)
{
	uint8_t action = 0, direction = 0;
	bool seen[2] = { false, false };
	const char *file = NULL;
	char q[SG_QUOTE_LEN];
	size_t i;
	int f, r;

	if (l->ntok < 4)
		return errf(err, errlen, "%s:%zu: feed: expected 'feed NAME [file PATH] [action A] [direction D]'",
			    fname, l->lineno);
	for (i = 2; i < l->ntok; i++) {
		r = parse_mode_word(l, fname, &i, &action, &direction, seen,
				    err, errlen);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (strcmp(l->tok[i], "file") || file)
			return errf(err, errlen, "%s:%zu: feed: unexpected '%s' (file PATH, action A, direction D; paths with blanks are not supported)",
				    fname, l->lineno, sg_quote(l->tok[i], q, sizeof(q)));
		if (i + 1 == l->ntok)
			return errf(err, errlen, "%s:%zu: feed: file: missing PATH",
				    fname, l->lineno);
		file = l->tok[++i];
		if (strlen(file) > SG_CONF_PATH_MAX)
			return errf(err, errlen, "%s:%zu: feed: path longer than %d bytes",
				    fname, l->lineno, SG_CONF_PATH_MAX);
	}
	f = sg_conf_feed(c, l->tok[1], false);
	if (f >= 0) {
		if (c->feeds[f].line && (seen[0] || seen[1] ||
					 c->feeds[f].file))
			return errf(err, errlen, "%s:%zu: feed %s given twice (first on line %zu)",
				    fname, l->lineno, c->feeds[f].name, c->feeds[f].line);
		for (i = 0; file && i < c->nblock; i++)
			if (c->block[i].feed == f)
				return errf(err, errlen, "%s:%zu: feed %s has block lines (line %zu); it cannot be read from a file too",
					    fname, l->lineno, c->feeds[f].name, c->feeds[f].line);
	}
	f = new_feed(l, fname, c, l->tok[1], err, errlen);
	if (f < 0)
		return -1;
	c->feeds[f].line = l->lineno;
	c->feeds[f].action = action;
	c->feeds[f].direction = direction;
	if (!file)
		return 0;
	c->feeds[f].file = strdup(file);
	if (!c->feeds[f].file)
		return errf(err, errlen, "%s: out of memory", fname);
	return 0;
}

int sg_conf_parse(const char *buf, size_t len, const char *fname,
		  struct sg_conf *c, char *err, size_t errlen)
{
	static struct lines l;	/* 40 KiB of tokens: not on the stack */
	size_t mode_line = 0, ports_line = 0;
	char q[SG_QUOTE_LEN];
	int r;

	memset(&l, 0, sizeof(l));
	l.buf = buf;
	l.len = len;
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		l.pos = 3;
	if (memchr(buf, '\0', len))
		return errf(err, errlen, "%s: has a NUL byte: not a save file", fname);
	/* Every line: all its mistakes in one run, as nft -c does. */
	while ((r = next_line(&l, fname, err, errlen)) != 0) {
		const char *kw = l.ntok ? l.tok[0] : NULL;

		if (r < 0) {
			errors_add(&c->errors, err);
			continue;
		}
		if (!kw)
			continue;
		c->statements++;
		if (!strcmp(kw, "mode"))
			r = parse_mode(&l, fname, c, &mode_line, err, errlen);
		else if (!strcmp(kw, "ports"))
			r = parse_ports(&l, fname, c, &ports_line, err, errlen);
		else if (!strcmp(kw, "allow"))
			r = parse_allow(&l, fname, c, err, errlen);
		else if (!strcmp(kw, "except"))
			r = parse_except(&l, fname, c, err, errlen);
		else if (!strcmp(kw, "inside") || !strcmp(kw, "outside"))
			r = parse_role(&l, fname, c, kw[0] == 'o', err, errlen);
		else if (!strcmp(kw, "block"))
			r = parse_block(&l, fname, c, err, errlen);
		else if (!strcmp(kw, "feed"))
			r = parse_feed(&l, fname, c, err, errlen);
		else
			r = errf(err, errlen, "%s:%zu: unknown statement '%s' (" STATEMENTS ")",
				 fname, l.lineno, sg_quote(kw, q, sizeof(q)));
		if (r < 0)
			errors_add(&c->errors, err);
	}
	if (!c->errors.total)
		return 0;
	errf(err, errlen, "%s", c->errors.msg[0]);
	return -1;
}

int sg_conf_load_files(struct sg_conf *c, const char *fname,
		       const char *basedir, char *err, size_t errlen)
{
	char path[PATH_MAX + SG_CONF_PATH_MAX + 2], e[SG_ERR_LEN];
	struct sg_prefix *p;
	size_t i, k, n, len;
	char *buf;
	int r;

	for (i = 0; i < c->nfeeds; i++) {
		struct sg_conf_feed *f = &c->feeds[i];

		if (!f->file)
			continue;
		if (f->file[0] == '/' || !basedir)
			snprintf(path, sizeof(path), "%s", f->file);
		else
			snprintf(path, sizeof(path), "%s/%s", basedir, f->file);
		if (sg_feed_read(path, &buf, &len, e, sizeof(e)) < 0)
			return errf(err, errlen, "%s:%zu: feed %s: %s",
				    fname, f->line, f->name, e);
		r = sg_feed_parse(buf, len, path, false, &p, &n, NULL, e,
				  sizeof(e));
		free(buf);
		if (r < 0)
			return errf(err, errlen, "%s:%zu: feed %s: %s",
				    fname, f->line, f->name, e);
		if (!n) {
			free(p);
			return errf(err, errlen, "%s:%zu: feed %s: %s has no entries",
				    fname, f->line, f->name, path);
		}
		/* the entries a block load of the same file would give */
		n = sg_feed_merge(p, n, NULL);
		for (k = 0; k < n; k++) {
			if (sg_conf_add_block(c, &p[k], (int)i, 0)) {
				free(p);
				return errf(err, errlen, "%s: out of memory", fname);
			}
		}
		free(p);
	}
	return 0;
}

int sg_conf_write(FILE *fp, const struct sg_conf *c, const char *header)
{
	char text[SG_PREFIX_STRLEN];
	const char *h = header, *nl;
	size_t i;

	while (h && *h) {
		nl = strchr(h, '\n');
		if (!nl)
			nl = h + strlen(h);
		fprintf(fp, "# %.*s\n", (int)(nl - h), h);
		h = *nl ? nl + 1 : nl;
	}
	fprintf(fp, "mode %s%s\n", sg_mode_name(c->mode),
		c->explicit ? "" : " auto");
	fputs("ports", fp);
	for (i = 0; i < c->nports; i++)
		fprintf(fp, " %u", c->ports[i]);
	fputc('\n', fp);
	for (i = 0; i < c->nallow; i++)
		fprintf(fp, "allow %s\n",
			sg_format_prefix(&c->allow[i], text, sizeof(text)));
	if (c->smtp_policy && !c->nallow)
		fputs("allow none\n", fp);
	for (i = 0; i < c->nexcept; i++)
		fprintf(fp, "except %s\n",
			sg_format_prefix(&c->except[i], text, sizeof(text)));
	for (i = 0; i < c->nrole_ifs[0]; i++)
		fprintf(fp, "inside %s\n", c->role_ifs[0][i]);
	for (i = 0; i < c->ninside; i++)
		fprintf(fp, "inside %s\n",
			sg_format_prefix(&c->inside[i], text, sizeof(text)));
	for (i = 0; i < c->nrole_ifs[1]; i++)
		fprintf(fp, "outside %s\n", c->role_ifs[1][i]);
	for (i = 0; i < c->nfeeds; i++) {
		const struct sg_conf_feed *f = &c->feeds[i];

		if (!f->file && !f->action && !f->direction)
			continue;
		fprintf(fp, "feed %s", f->name);
		if (f->file)
			fprintf(fp, " file %s", f->file);
		if (f->action)
			fprintf(fp, " action %s", sg_action_name(f->action));
		if (f->direction)
			fprintf(fp, " direction %s",
				sg_direction_name(f->direction));
		fputc('\n', fp);
	}
	for (i = 0; i < c->nblock; i++) {
		const struct sg_conf_entry *e = &c->block[i];

		if (c->feeds[e->feed].file)
			continue;
		fprintf(fp, "block %s feed %s",
			sg_format_prefix(&e->p, text, sizeof(text)),
			c->feeds[e->feed].name);
		if (e->timeout)
			fprintf(fp, " timeout %" PRIu32, e->timeout);
		fputc('\n', fp);
	}
	return ferror(fp) ? -1 : 0;
}

/* ---- feeds.conf ------------------------------------------------------- */

/* One feed line of feeds.conf into fc->defs[fc->n]; -1 with err. */
static int parse_feed_def(struct lines *l, const char *fname,
			  struct sg_feeds_conf *fc, char *err, size_t errlen)
{
	char q[SG_QUOTE_LEN], e[SG_ERR_LEN];
	bool seen[2] = { false, false }, every_seen = false;
	struct sg_feed_def *d;
	const char *src;
	size_t i;

	if (strcmp(l->tok[0], "feed"))
		return errf(err, errlen, "%s:%zu: unknown statement '%s' (feed NAME url URL|file PATH [every DURATION] [action A] [direction D])",
			    fname, l->lineno, sg_quote(l->tok[0], q, sizeof(q)));
	if (l->ntok < 4 || (strcmp(l->tok[2], "url") && strcmp(l->tok[2], "file")))
		return errf(err, errlen, "%s:%zu: expected 'feed NAME url URL|file PATH [every DURATION]'",
			    fname, l->lineno);
	if (!sg_feed_name_ok(l->tok[1]))
		return errf(err, errlen, "%s:%zu: '%s' is not a feed name (1 to 31 of A-Z a-z 0-9 . _ -, starting with a letter or digit)",
			    fname, l->lineno, sg_quote(l->tok[1], q, sizeof(q)));
	for (i = 0; i < fc->n; i++)
		if (!strcmp(fc->defs[i].name, l->tok[1]))
			return errf(err, errlen, "%s:%zu: feed %s defined twice (first on line %zu)",
				    fname, l->lineno, l->tok[1], fc->defs[i].line);
	if (fc->n == SMTPGUARD_MAX_FEEDS)
		return errf(err, errlen, "%s:%zu: too many feeds (at most %d)",
			    fname, l->lineno, SMTPGUARD_MAX_FEEDS);
	d = &fc->defs[fc->n];
	memset(d, 0, sizeof(*d));
	strcpy(d->name, l->tok[1]);
	d->line = l->lineno;
	d->every = SG_FEED_EVERY_DEFAULT;
	d->is_url = !strcmp(l->tok[2], "url");
	src = l->tok[3];
	if (strlen(src) > SG_CONF_PATH_MAX)
		return errf(err, errlen, "%s:%zu: %s longer than %d bytes",
			    fname, l->lineno, d->is_url ? "URL" : "path",
			    SG_CONF_PATH_MAX);
	if (d->is_url && strncmp(src, "http://", 7) &&
	    strncmp(src, "https://", 8))
		return errf(err, errlen, "%s:%zu: '%s' is not an http:// or https:// URL",
			    fname, l->lineno, sg_quote(src, q, sizeof(q)));
	if (!d->is_url && src[0] != '/')
		return errf(err, errlen, "%s:%zu: file '%s' must be an absolute path",
			    fname, l->lineno, sg_quote(src, q, sizeof(q)));
	strcpy(d->source, src);
	for (i = 4; i < l->ntok; i++) {
		int m = parse_mode_word(l, fname, &i, &d->action,
					&d->direction, seen, err, errlen);

		if (m < 0)
			return -1;
		if (m)
			continue;
		if (strcmp(l->tok[i], "every"))
			return errf(err, errlen, "%s:%zu: unexpected '%s' (every DURATION, action A, direction D may follow the source)",
				    fname, l->lineno, sg_quote(l->tok[i], q, sizeof(q)));
		if (i + 1 == l->ntok)
			return errf(err, errlen, "%s:%zu: every: missing DURATION",
				    fname, l->lineno);
		if (every_seen)
			return errf(err, errlen, "%s:%zu: every given twice",
				    fname, l->lineno);
		every_seen = true;
		if (sg_parse_duration(l->tok[++i], &d->every, e, sizeof(e)) < 0)
			return errf(err, errlen, "%s:%zu: every: %s",
				    fname, l->lineno, e);
	}
	fc->n++;
	return 0;
}

int sg_feeds_conf_parse(const char *buf, size_t len, const char *fname,
			struct sg_feeds_conf *fc, char *err, size_t errlen)
{
	static struct lines l;
	int r;

	memset(&l, 0, sizeof(l));
	memset(fc, 0, sizeof(*fc));
	l.buf = buf;
	l.len = len;
	if (memchr(buf, '\0', len))
		return errf(err, errlen, "%s: has a NUL byte: not a feeds.conf", fname);
	while ((r = next_line(&l, fname, err, errlen)) != 0) {
		if (r > 0 && !l.ntok)
			continue;
		if (r < 0 || parse_feed_def(&l, fname, fc, err, errlen) < 0)
			errors_add(&fc->errors, err);
	}
	if (!fc->errors.total)
		return 0;
	errf(err, errlen, "%s", fc->errors.msg[0]);
	return -1;
}

const struct sg_feed_def *sg_feeds_conf_find(const struct sg_feeds_conf *fc,
					     const char *name)
{
	size_t i;

	for (i = 0; i < fc->n; i++)
		if (!strcmp(fc->defs[i].name, name))
			return &fc->defs[i];
	return NULL;
}

/* ---- feed state ------------------------------------------------------- */

void sg_feed_state_parse(const char *buf, size_t len,
			 struct sg_feed_state *st)
{
	size_t pos = 0;

	memset(st, 0, sizeof(*st));
	while (pos < len) {
		size_t start = pos, n;
		const char *sp;
		char line[SG_CONF_PATH_MAX + 64];

		while (pos < len && buf[pos] != '\n')
			pos++;
		n = pos - start;
		if (pos < len)
			pos++;
		if (n >= sizeof(line))
			continue;
		memcpy(line, buf + start, n);
		line[n] = '\0';
		sp = strchr(line, ' ');
		if (!sp)
			continue;
		sp++;
		if (!strncmp(line, "last_success ", 13))
			st->last_success = strtoull(sp, NULL, 10);
		else if (!strncmp(line, "last_attempt ", 13))
			st->last_attempt = strtoull(sp, NULL, 10);
		else if (!strncmp(line, "entries ", 8))
			st->entries = strtoull(sp, NULL, 10);
		else if (!strncmp(line, "source ", 7))
			snprintf(st->source, sizeof(st->source), "%s", sp);
		else if (!strncmp(line, "error ", 6))
			snprintf(st->error, sizeof(st->error), "%s", sp);
		else if (!strncmp(line, "http_status ", 12))
			st->http_status = (unsigned int)strtoul(sp, NULL, 10);
		else if (!strncmp(line, "etag ", 5))
			snprintf(st->etag, sizeof(st->etag), "%s", sp);
		else if (!strncmp(line, "last_modified ", 14))
			snprintf(st->last_modified, sizeof(st->last_modified),
				 "%s", sp);
	}
}

int sg_feed_state_write(FILE *fp, const struct sg_feed_state *st)
{
	fprintf(fp, "last_success %" PRIu64 "\n", st->last_success);
	fprintf(fp, "last_attempt %" PRIu64 "\n", st->last_attempt);
	fprintf(fp, "entries %" PRIu64 "\n", st->entries);
	fprintf(fp, "source %s\n", st->source);
	if (st->error[0])
		fprintf(fp, "error %s\n", st->error);
	if (st->http_status)
		fprintf(fp, "http_status %u\n", st->http_status);
	if (st->etag[0])
		fprintf(fp, "etag %s\n", st->etag);
	if (st->last_modified[0])
		fprintf(fp, "last_modified %s\n", st->last_modified);
	return ferror(fp) ? -1 : 0;
}

bool sg_feed_due(const struct sg_feed_def *def,
		 const struct sg_feed_state *st, uint64_t now, uint64_t *next)
{
	uint64_t at;

	*next = 0;
	if (!st->last_success || strcmp(st->source, def->source))
		return true;
	at = st->last_success + def->every;
	/* A clock set back: due now rather than in a year. */
	if (now >= at || st->last_success > now)
		return true;
	*next = at - now;
	return false;
}
