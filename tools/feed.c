// SPDX-License-Identifier: GPL-2.0
/*
 * Blocklist feed files: read, parse into prefixes, count what they cover.
 *
 * One pass over the buffer, one line at a time through a fixed line buffer;
 * the only allocation is the output array, grown by doubling.  Every line
 * is all or nothing: a malformed line adds no prefix, even in skip_bad mode.
 * The whole line, comment included, must be printable ASCII or TAB: a NUL,
 * a byte >= 0x80 or a control character means the file is not a feed (or
 * is UTF-16, or HTML, ...), and is refused with its column.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/smtpguard.h>

#include "feed.h"

#ifdef SMTPGUARD_FEED_NAME_MAX
_Static_assert(SG_FEED_NAME_MAX == SMTPGUARD_FEED_NAME_MAX,
	       "feed name length differs from the UAPI");
#endif

typedef unsigned __int128 u128;

#define U128_MAX	(~(u128)0)
#define BLANKS		" \t"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- reading ---------------------------------------------------------- */

int sg_feed_read(const char *path, char **buf, size_t *len,
		 char *err, size_t errlen)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "stdin" : path;
	size_t cap = 64 * 1024, n = 0;
	char *b, *nb;
	struct stat sb;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(err, errlen, "%s: %s", name, strerror(errno));
	/* A regular file fits at once; the read that returns 0 needs no room. */
	if (!fstat(fd, &sb) && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
	    (unsigned long long)sb.st_size <= SG_FEED_FILE_MAX)
		cap = (size_t)sb.st_size + 1;
	b = malloc(cap + 1);
	if (!b)
		goto nomem;

	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap > SG_FEED_FILE_MAX) {
				errf(err, errlen, "%s: larger than %u MiB",
				     name, SG_FEED_FILE_MAX >> 20);
				goto fail;
			}
			cap = cap * 2 > SG_FEED_FILE_MAX ?
			      SG_FEED_FILE_MAX + 1 : cap * 2;
			nb = realloc(b, cap + 1);
			if (!nb)
				goto nomem;
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			errf(err, errlen, "%s: %s", name, strerror(errno));
			goto fail;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	if (!is_stdin)
		close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;

nomem:
	errf(err, errlen, "%s: %s", name, strerror(ENOMEM));
fail:
	free(b);
	if (!is_stdin)
		close(fd);
	return -1;
}

/* ---- parsing ---------------------------------------------------------- */

struct parser {
	struct sg_prefix *out;
	size_t n, cap;
	struct sg_feed_stats *st;
	const char *fname;
	char msg[SG_ERR_LEN];	/* what is wrong with the current line */
};

/* Line outcomes. */
enum { LINE_OK, LINE_BAD, LINE_NOMEM };

static int bad(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ps->msg, sizeof(ps->msg), fmt, ap);
	va_end(ap);
	return LINE_BAD;
}

static int emit(struct parser *ps, const struct sg_prefix *p)
{
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 1024;
		struct sg_prefix *o;

		if (cap > SIZE_MAX / sizeof(*o))
			return LINE_NOMEM;
		o = realloc(ps->out, cap * sizeof(*o));
		if (!o)
			return LINE_NOMEM;
		ps->out = o;
		ps->cap = cap;
	}
	ps->out[ps->n++] = *p;
	return LINE_OK;
}

static u128 addr_to_u128(const uint8_t *a, size_t alen)
{
	u128 v = 0;
	size_t i;

	for (i = 0; i < alen; i++)
		v = v << 8 | a[i];
	return v;
}

static void u128_to_addr(u128 v, uint8_t *a, size_t alen)
{
	size_t i;

	for (i = alen; i-- > 0; v >>= 8)
		a[i] = (uint8_t)v;
}

/* The low k bits set; k may be the full 128. */
static u128 low_mask(unsigned int k)
{
	return k >= 128 ? U128_MAX : ((u128)1 << k) - 1;
}

/* Trailing zero bits of v, at most bits (v == 0 has bits of them). */
static unsigned int tzcount(u128 v, unsigned int bits)
{
	unsigned int k = 0;

	while (k < bits && !(v >> k & 1))
		k++;
	return k;
}

/*
 * A dotted quad with an octet like "010" is octal to inet_aton() and
 * decimal to a human: refuse it rather than guess.
 */
static bool v4_leading_zero(const char *tok)
{
	size_t hostlen = strcspn(tok, "/"), dots = 0, i;
	bool lz = false;

	for (i = 0; i < hostlen; i++) {
		if (tok[i] == '.')
			dots++;
		else if (tok[i] < '0' || tok[i] > '9')
			return false;
		else if (tok[i] == '0' && (i == 0 || tok[i - 1] == '.') &&
			 i + 1 < hostlen && tok[i + 1] != '.')
			lz = true;
	}
	return lz && dots == 3;
}

static int parse_prefix(struct parser *ps, const char *tok,
			struct sg_prefix *p)
{
	char q[SG_QUOTE_LEN];

	if (v4_leading_zero(tok))
		return bad(ps, "'%s' has an octet with a leading zero, which is ambiguous (octal or decimal?)",
			   sg_quote(tok, q, sizeof(q)));
	if (sg_parse_prefix(tok, p, ps->msg, sizeof(ps->msg)))
		return LINE_BAD;
	return LINE_OK;
}

static int parse_addr(struct parser *ps, const char *tok, const char *range,
		      struct sg_prefix *p)
{
	char q[SG_QUOTE_LEN];

	if (!*tok)
		return bad(ps, "range '%s' needs an address on both sides of '-'",
			   sg_quote(range, q, sizeof(q)));
	if (strchr(tok, '/'))
		return bad(ps, "range '%s': a range is two addresses, not prefixes",
			   sg_quote(range, q, sizeof(q)));
	return parse_prefix(ps, tok, p);
}

/*
 * Is a column meant as an address or a prefix?  Hex digits, dots and
 * colons (a dotted quad, or IPv6 with at least two colons), maybe /LEN.
 * An ipsum count ("10") or a DShield name ("NET") is not.
 */
static bool looks_like_addr(const char *s)
{
	size_t dots = 0, colons = 0;

	for (; *s && *s != '/'; s++) {
		if (*s == '.')
			dots++;
		else if (*s == ':')
			colons++;
		else if (!((*s >= '0' && *s <= '9') ||
			   (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	}
	if (*s == '/' && (!s[1] || s[1 + strspn(s + 1, "0123456789")]))
		return false;
	return colons >= 2 || dots == 3;
}

/* A decimal prefix length of at most three digits (DShield's column 3). */
static bool is_length(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n && n <= 3 && !s[n];
}

/*
 * Splits [a, b] into the fewest prefixes: from the start, each time the
 * largest aligned block that does not pass the end.  Works on 128-bit
 * integers and stops on the last block instead of stepping past it, so the
 * whole address space neither overflows nor loops.  col3 (may be NULL) is
 * DShield's prefix length column.
 */
static int split_range(struct parser *ps, const struct sg_prefix *a,
		       const struct sg_prefix *b, const char *col3)
{
	size_t alen = sg_addr_len(a->family), n0 = ps->n;
	unsigned int bits = (unsigned int)alen * 8;
	char sa[INET6_ADDRSTRLEN], sb[INET6_ADDRSTRLEN];
	u128 start, end;

	sg_format_addr(a->family, a->addr, sa, sizeof(sa));
	sg_format_addr(b->family, b->addr, sb, sizeof(sb));
	if (a->family != b->family)
		return bad(ps, "range %s - %s mixes IPv4 and IPv6", sa, sb);
	start = addr_to_u128(a->addr, alen);
	end = addr_to_u128(b->addr, alen);
	if (end < start)
		return bad(ps, "range %s - %s ends before it starts", sa, sb);

	for (;;) {
		unsigned int k = tzcount(start, bits);
		struct sg_prefix p = { .family = a->family };
		u128 last;

		while (k > 0 && (start | low_mask(k)) > end)
			k--;
		last = start | low_mask(k);
		p.len = (uint8_t)(bits - k);
		u128_to_addr(start, p.addr, alen);
		if (emit(ps, &p))
			return LINE_NOMEM;
		if (last >= end)
			break;
		start = last + 1;
	}

	if (col3 && (ps->n - n0 != 1 ||
		     strtoul(col3, NULL, 10) != ps->out[n0].len)) {
		unsigned int len = ps->out[n0].len;
		size_t parts = ps->n - n0;

		ps->n = n0;
		if (parts != 1)
			return bad(ps, "range %s - %s is %zu prefixes, but column 3 says one /%s",
				   sa, sb, parts, col3);
		return bad(ps, "range %s - %s is a /%u, but column 3 says %s",
			   sa, sb, len, col3);
	}
	ps->st->ranges++;
	return LINE_OK;
}

/*
 * Special-purpose space a blocklist should not hold (RFC 6890): what a
 * router's own networks use.  Documentation, benchmarking and the shared
 * carrier-grade NAT space (100.64.0.0/10) are left out: real feeds and
 * test networks list them, and blocking them cuts off no LAN.
 */
static const struct {
	const char *prefix;
	const char *what;
} special_space[] = {
	{ "0.0.0.0/8", "reserved space ('this network', RFC 791)" },
	{ "10.0.0.0/8", "private space (RFC 1918)" },
	{ "127.0.0.0/8", "loopback space" },
	{ "169.254.0.0/16", "link-local space" },
	{ "172.16.0.0/12", "private space (RFC 1918)" },
	{ "192.168.0.0/16", "private space (RFC 1918)" },
	{ "224.0.0.0/4", "multicast space" },
	{ "240.0.0.0/4", "reserved space (RFC 1112) and broadcast" },
	{ "::/128", "the unspecified address" },
	{ "::1/128", "the loopback address" },
	{ "fc00::/7", "private space (unique local, RFC 4193)" },
	{ "fe80::/10", "link-local space" },
	{ "ff00::/8", "multicast space" },
};

/* Do a and b share an address (one holds the other)? */
static bool prefixes_meet(const struct sg_prefix *a, const struct sg_prefix *b)
{
	unsigned int len = a->len < b->len ? a->len : b->len, i;

	if (a->family != b->family)
		return false;
	for (i = 0; i < len; i++)
		if ((a->addr[i / 8] ^ b->addr[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static void note(struct parser *ps, enum sg_feed_note_kind kind,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(struct parser *ps, enum sg_feed_note_kind kind,
		 const char *fmt, ...)
{
	struct sg_feed_stats *st = ps->st;
	bool err = kind == SG_FEED_NOTE_ERROR;
	size_t *n = err ? &st->nerrors : &st->nwarnings;
	struct sg_feed_note *nt;
	size_t off;
	va_list ap;

	if (*n == SG_FEED_NOTES_MAX)
		return;
	nt = err ? &st->errors[*n] : &st->warnings[*n];
	nt->kind = kind;
	off = (size_t)snprintf(nt->msg, sizeof(nt->msg), "%s:%zu: ",
			       ps->fname, st->lines);
	if (off < sizeof(nt->msg)) {
		va_start(ap, fmt);
		vsnprintf(nt->msg + off, sizeof(nt->msg) - off, fmt, ap);
		va_end(ap);
	}
	(*n)++;
}

/* Warnings for the prefixes a good line gave: one of each kind per line. */
static void check_space(struct parser *ps, size_t n0)
{
	static struct sg_prefix special_prefix[ARRAY_SIZE(special_space)];
	static bool parsed;
	char text[SG_PREFIX_STRLEN];
	bool special = false, wide = false;
	size_t i, k;

	/* The table is text for the reader; parsed once (it cannot fail). */
	for (k = 0; !parsed && k < ARRAY_SIZE(special_space); k++)
		sg_parse_prefix(special_space[k].prefix, &special_prefix[k],
				NULL, 0);
	parsed = true;

	for (i = n0; i < ps->n; i++) {
		const struct sg_prefix *p = &ps->out[i];
		unsigned int limit = p->family == AF_INET ? SG_FEED_WIDE_V4 :
							    SG_FEED_WIDE_V6;

		if (wide && special)
			break;
		if (!wide && p->len < limit) {
			sg_format_prefix(p, text, sizeof(text));
			wide = true;
			ps->st->wide++;
			note(ps, SG_FEED_NOTE_WIDE,
			     "%s is wider than a /%u",
			     text, limit);
		}
		for (k = 0; !special && k < ARRAY_SIZE(special_space); k++) {
			if (!prefixes_meet(p, &special_prefix[k]))
				continue;
			sg_format_prefix(p, text, sizeof(text));
			special = true;
			ps->st->special++;
			note(ps, SG_FEED_NOTE_SPECIAL,
			     "%s overlaps %s, %s: blocking it may cut off your own network",
			     text, special_space[k].prefix,
			     special_space[k].what);
		}
	}
}

/* A second column that is an address: two entries, or a range misspelt. */
static int two_entries(struct parser *ps, const char *first, const char *second)
{
	char q1[SG_QUOTE_LEN], q2[SG_QUOTE_LEN];

	return bad(ps, "'%s' and '%s': two addresses on one line (one entry a line; a range is START-END or START - END)",
		   sg_quote(first, q1, sizeof(q1)),
		   sg_quote(second, q2, sizeof(q2)));
}

/* One line, without its line end; len <= SG_FEED_LINE_MAX. */
static int parse_line(struct parser *ps, const char *s, size_t len)
{
	char line[SG_FEED_LINE_MAX + 1], range[SG_FEED_LINE_MAX + 4];
	char *tok[4] = { NULL }, *save, *t, *dash;
	struct sg_prefix a, b;
	bool comment = false;
	size_t i, ntok = 0, cut = len;
	int r;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			return bad(ps, "NUL byte at column %zu", i + 1);
		if (c >= 0x80)
			return bad(ps, "non-ASCII byte 0x%02x at column %zu (a feed is plain ASCII)",
				   c, i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return bad(ps, "control character 0x%02x at column %zu",
				   c, i + 1);
		if ((c == '#' || c == ';') && !comment) {
			comment = true;
			cut = i;
		}
	}
	len = cut;
	memcpy(line, s, len);
	line[len] = '\0';

	for (t = strtok_r(line, BLANKS, &save); t && ntok < 4;
	     t = strtok_r(NULL, BLANKS, &save))
		tok[ntok++] = t;
	if (!ntok) {
		if (comment)
			ps->st->comments++;
		else
			ps->st->blank++;
		return LINE_OK;
	}

	/* "START - END", as RIPE's inetnum writes it */
	if (ntok > 1 && !strcmp(tok[1], "-")) {
		snprintf(range, sizeof(range), "%s - %s", tok[0],
			 ntok > 2 ? tok[2] : "");
		r = parse_addr(ps, tok[0], range, &a);
		if (!r)
			r = parse_addr(ps, ntok > 2 ? tok[2] : "", range, &b);
		if (!r && ntok > 3 && looks_like_addr(tok[3]))
			r = two_entries(ps, range, tok[3]);
		return r ? r : split_range(ps, &a, &b, NULL);
	}

	dash = strchr(tok[0], '-');
	if (dash) {
		strcpy(range, tok[0]);
		*dash = '\0';
		r = parse_addr(ps, tok[0], range, &a);
		if (!r)
			r = parse_addr(ps, dash + 1, range, &b);
		if (!r && ntok > 1 && looks_like_addr(tok[1]))
			r = two_entries(ps, range, tok[1]);
		return r ? r : split_range(ps, &a, &b, NULL);
	}

	r = parse_prefix(ps, tok[0], &a);
	if (r)
		return r;
	if (ntok > 1 && looks_like_addr(tok[1])) {
		/* DShield: START END LEN, the range exactly that prefix */
		if (strchr(tok[0], '/') || strchr(tok[1], '/') || ntok < 3 ||
		    !is_length(tok[2]))
			return two_entries(ps, tok[0], tok[1]);
		r = parse_prefix(ps, tok[1], &b);
		return r ? r : split_range(ps, &a, &b, tok[2]);
	}
	return emit(ps, &a);
}

int sg_feed_parse(const char *buf, size_t len, const char *fname,
		  bool skip_bad, struct sg_prefix **out, size_t *nout,
		  struct sg_feed_stats *st, char *err, size_t errlen)
{
	struct sg_feed_stats local;
	struct parser ps = { .out = NULL };
	size_t pos = 0, i;
	int ret = 0;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	ps.st = st;
	ps.fname = fname;
	*out = NULL;
	*nout = 0;
	if (err && errlen)
		err[0] = '\0';

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		size_t start = pos, end, n0 = ps.n;
		int r;

		while (pos < len && buf[pos] != '\n' && buf[pos] != '\r')
			pos++;
		end = pos;
		/* LF, CRLF or a bare CR. */
		if (pos + 1 < len && buf[pos] == '\r' && buf[pos + 1] == '\n')
			pos += 2;
		else if (pos < len)
			pos++;
		st->lines++;

		if (end - start > SG_FEED_LINE_MAX)
			r = bad(&ps, "line is longer than %d bytes",
				SG_FEED_LINE_MAX);
		else
			r = parse_line(&ps, buf + start, end - start);
		if (r == LINE_NOMEM) {
			errf(err, errlen, "%s: out of memory", fname);
			ret = -1;
			break;
		}
		if (r == LINE_OK) {
			check_space(&ps, n0);
			continue;
		}
		/* Every malformed line is reported; none adds a prefix. */
		if (!st->bad)
			errf(err, errlen, "%s:%zu: %s", fname, st->lines, ps.msg);
		note(&ps, SG_FEED_NOTE_ERROR, "%s", ps.msg);
		st->bad++;
		if (skip_bad)
			st->skipped++;
		else
			ret = -1;
	}

	for (i = 0; i < ps.n; i++) {
		if (ps.out[i].family == AF_INET)
			st->v4++;
		else
			st->v6++;
	}
	st->entries = ps.n;
	if (ret || !ps.n) {
		free(ps.out);
		return ret;
	}
	*out = ps.out;
	*nout = ps.n;
	return 0;
}

size_t sg_feed_merge(struct sg_prefix *p, size_t n, struct sg_feed_stats *st)
{
	size_t i, o, dup = 0, inner = 0;

	if (n < 2)
		return n;
	qsort(p, n, sizeof(*p), sg_prefix_cmp);
	/*
	 * Sorted by family, address, then length: a wider prefix comes
	 * before every prefix it holds, so the last one kept is the only
	 * one that can hold the next.
	 */
	for (i = 1, o = 1; i < n; i++) {
		if (!sg_prefix_cmp(&p[i - 1], &p[i])) {
			dup++;
			continue;
		}
		if (prefixes_meet(&p[o - 1], &p[i])) {
			inner++;
			continue;
		}
		p[o++] = p[i];
	}
	if (st) {
		st->duplicates = dup;
		st->overlaps = inner;
	}
	return o;
}

static void report_more(FILE *fp, const char *prog, const char *fname,
			const char *kind, size_t total, size_t shown)
{
	if (total > shown)
		fprintf(fp, "%s: %s%s: %zu more line%s not shown\n", prog, kind,
			fname, total - shown, total - shown == 1 ? "" : "s");
}

void sg_feed_report(FILE *fp, const char *prog,
		    const struct sg_feed_stats *st, const char *fname,
		    unsigned int what)
{
	bool wide = what & SG_FEED_REPORT_WIDE;
	size_t i, shown = 0, total = 0;

	if (what & SG_FEED_REPORT_ERRORS) {
		for (i = 0; i < st->nerrors; i++)
			fprintf(fp, "%s: %s\n", prog, st->errors[i].msg);
		report_more(fp, prog, fname, "", st->bad, st->nerrors);
	}
	for (i = 0; i < st->nwarnings; i++) {
		bool is_wide = st->warnings[i].kind == SG_FEED_NOTE_WIDE;

		if (!(is_wide ? wide : what & SG_FEED_REPORT_WARNINGS))
			continue;
		fprintf(fp, "%s: warning: %s\n", prog, st->warnings[i].msg);
		shown++;
	}
	if (what & SG_FEED_REPORT_WARNINGS)
		total += st->special;
	if (wide)
		total += st->wide;
	report_more(fp, prog, fname, "warning: ", total, shown);
}

/* ---- coverage --------------------------------------------------------- */

static u128 add_sat(u128 a, u128 b)
{
	return a > U128_MAX - b ? U128_MAX : a + b;
}

int sg_feed_covered(const struct sg_prefix *p, size_t n, uint64_t *v4,
		    unsigned __int128 *v6)
{
	struct sg_prefix *s;
	u128 total[2] = { 0, 0 }, lo = 0, hi = 0;
	size_t i;
	int cur = -1;

	*v4 = 0;
	*v6 = 0;
	if (!n)
		return 0;
	s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	memcpy(s, p, n * sizeof(*s));
	qsort(s, n, sizeof(*s), sg_prefix_cmp);

	/*
	 * Sorted by family, then start: a sweep that extends the current
	 * interval [lo, hi] while the next prefix starts inside it, and
	 * counts it when a gap (or another family, or the end) follows.
	 */
	for (i = 0; i <= n; i++) {
		size_t alen = i < n ? sg_addr_len(s[i].family) : 0;
		int fam = i < n ? (s[i].family == AF_INET6) : -1;
		u128 a = 0, b = 0;

		if (i < n) {
			if (!alen || s[i].len > alen * 8)
				continue;	/* not a prefix: ignore it */
			a = addr_to_u128(s[i].addr, alen);
			b = a | low_mask((unsigned int)alen * 8 - s[i].len);
		}
		if (cur == fam && a <= hi) {
			if (b > hi)
				hi = b;
			continue;
		}
		if (cur >= 0)
			total[cur] = add_sat(total[cur],
					     hi - lo == U128_MAX ? U128_MAX : hi - lo + 1);
		cur = fam;
		lo = a;
		hi = b;
	}
	free(s);
	*v4 = (uint64_t)total[0];
	*v6 = total[1];
	return 0;
}

const char *sg_u128_str(unsigned __int128 v, char *buf, size_t buflen)
{
	char tmp[SG_U128_STRLEN];
	size_t i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + (unsigned int)(v % 10));
		v /= 10;
	} while (v);
	if (buflen)
		snprintf(buf, buflen, "%s", tmp + i);
	return buf;
}

/* ---- names ------------------------------------------------------------ */

static const char *const action_names[] = { "enforce", "monitor" };
static const char *const direction_names[] = { "both", "in", "out" };

static int word_index(const char *const *names, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], word))
			return (int)i;
	return -1;
}

int sg_parse_action(const char *word)
{
	return word_index(action_names, 2, word);
}

int sg_parse_direction(const char *word)
{
	return word_index(direction_names, 3, word);
}

const char *sg_action_name(unsigned int action)
{
	return action < 2 ? action_names[action] : "unknown";
}

const char *sg_direction_name(unsigned int direction)
{
	return direction < 3 ? direction_names[direction] : "unknown";
}

int sg_feed_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (!len || len > SG_FEED_NAME_MAX)
		return 0;
	if (!((name[0] >= 'A' && name[0] <= 'Z') ||
	      (name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= '0' && name[0] <= '9')))
		return 0;
	return name[strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "abcdefghijklmnopqrstuvwxyz0123456789._-")] == '\0';
}

int sg_feed_name_from_path(const char *path, char *name, size_t namelen,
			   char *err, size_t errlen)
{
	char q[SG_QUOTE_LEN], cand[SG_FEED_NAME_MAX + 2];
	const char *base = strrchr(path, '/'), *dot;
	size_t n;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	if (namelen)
		name[0] = '\0';
	if (!n)
		return errf(err, errlen, "'%s' has no file name to name the feed after",
			    sg_quote(path, q, sizeof(q)));

	/* Too long is cut one past the limit, so that the check refuses it. */
	if (n > SG_FEED_NAME_MAX + 1)
		n = SG_FEED_NAME_MAX + 1;
	memcpy(cand, base, n);
	cand[n] = '\0';
	if (!sg_feed_name_ok(cand)) {
		char qn[SG_QUOTE_LEN];

		sg_quote(path, q, sizeof(q));
		sg_quote(cand, qn, sizeof(qn));
		if (n > SG_FEED_NAME_MAX)
			return errf(err, errlen,
				    "cannot name the feed after '%s': '%s...' is longer than %d characters",
				    q, qn, SG_FEED_NAME_MAX);
		return errf(err, errlen,
			    "cannot name the feed after '%s': '%s' is not made of A-Z a-z 0-9 . _ - starting with a letter or digit",
			    q, qn);
	}
	if (n >= namelen)
		return errf(err, errlen, "feed name buffer too small");
	memcpy(name, cand, n + 1);
	return 0;
}
