// SPDX-License-Identifier: GPL-2.0
/*
 * save | restore [--dry-run] [FILE|-]
 *
 * save reads the whole configuration of the namespace and prints it in the
 * format of conf.h; a feed defined in feeds.conf whose last good download
 * is in the state directory is written as a reference to that file.
 *
 * restore reads, parses and validates the whole file (and every feed file
 * it references) before a socket exists: a bad line exits 2 and nothing
 * is sent.  Then, with a snapshot of the current configuration taken:
 *   1. every feed with permanent entries is staged in its own transaction
 *      (TXN_BEGIN with REPLACE, then the chunks), at most RESTORE_TXNS at
 *      once; a failure here aborts them and nothing has changed;
 *   2. an explicit mode is set, the ports, the allow-list (the new
 *      prefixes added first, then the old ones deleted: a mail server in
 *      both is never missing);
 *   3. the staged feeds are committed, each an atomic swap; further
 *      batches staged and committed; feeds not in the file flushed; the
 *      entries with a timeout added;
 *   4. an automatic mode is checked and set if it differs.
 * If a step of 2-4 fails, the snapshot is applied the same way (rollback)
 * and the exit status is 3.  The kernel has no transaction across objects,
 * so between the steps a packet may meet the new allow-list and the old
 * feeds; it never meets a half-loaded feed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "conf.h"
#include "feed.h"
#include "nl.h"
#include "persist.h"
#include "print.h"
#include "smtpguardctl.h"

/* Prefixes per message, as block load does: about 40 KiB. */
#define CHUNK		1024
/* Transactions open at once; the kernel allows 8 per namespace. */
#define RESTORE_TXNS	8

#define U32_ATTR_SIZE	(MNL_ATTR_HDRLEN + MNL_ALIGN(sizeof(uint32_t)))
#define FLAG_ATTR_SIZE	MNL_ATTR_HDRLEN

static size_t feed_attr_size(const char *feed)
{
	return MNL_ATTR_HDRLEN + MNL_ALIGN(strlen(feed) + 1);
}

static struct nlmsghdr *msg(struct sg_nl *nl, uint8_t cmd, uint16_t flags,
			    size_t payload)
{
	struct nlmsghdr *nlh = sg_nl_msg(nl, cmd, flags, payload);

	if (!nlh)
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
	return nlh;
}

const char *sg_feeds_conf_path(void)
{
	const char *p = getenv("SMTPGUARD_FEEDS_CONF");

	return p && *p ? p : SG_FEEDS_CONF_PATH;
}

const char *sg_feeds_state_dir(const char *netns, char *buf, size_t len)
{
	const char *base = getenv("SMTPGUARD_STATE_DIR");

	if (!base || !*base)
		base = SG_STATE_DIR;
	if (netns)
		snprintf(buf, len, "%s/netns/%s/feeds", base, netns);
	else
		snprintf(buf, len, "%s/feeds", base);
	return buf;
}

/* ---- reading the kernel's configuration ------------------------------- */

struct ports_reply {
	bool has;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t n;
};

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ports_reply *r = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != SMTPGUARD_A_PORTS)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    sg_ports_from_nest(attr, r->ports, &r->n) < 0)
			return MNL_CB_ERROR;
		r->has = true;
	}
	return MNL_CB_OK;
}

/* An ALLOW_GET or EXCEPT_GET dump into one prefix list of the conf. */
struct prefix_sink {
	struct sg_conf *c;
	int (*add)(struct sg_conf *c, const struct sg_prefix *p);
};

static int prefixes_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct prefix_sink *sink = data;
	const struct nlattr *attr;
	struct sg_prefix p;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != SMTPGUARD_A_PREFIX)
			continue;
		if (sg_prefix_from_nest(attr, &p) < 0 ||
		    sink->add(sink->c, &p) < 0)
			return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int prefixes_collect(struct sg_nl *nl, uint8_t cmd, struct sg_conf *c,
			    int (*add)(struct sg_conf *c,
				       const struct sg_prefix *p))
{
	struct prefix_sink sink = { .c = c, .add = add };
	struct nlmsghdr *nlh = msg(nl, cmd, NLM_F_DUMP, 0);

	return nlh ? sg_nl_do(nl, nlh, prefixes_cb, &sink) : SG_EXIT_KERNEL;
}

/* The configured roles into c; none: derived. */
static int roles_collect(struct sg_nl *nl, struct sg_conf *c)
{
	struct sg_roles *r = malloc(sizeof(*r));
	size_t i;
	int k, ret;

	if (!r) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_KERNEL;
	}
	ret = sg_roles_get(nl, r);
	for (k = 0; !ret && k < 2; k++)
		for (i = 0; i < r->ifs[k].n; i++)
			sg_conf_add_role_if(c, k, r->ifs[k].names[i]);
	for (i = 0; !ret && i < r->nprefixes; i++) {
		if (sg_conf_add_inside(c, &r->prefixes[i])) {
			fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
			ret = SG_EXIT_KERNEL;
		}
	}
	free(r);
	return ret;
}

struct kfeeds {
	struct sg_kfeed *f;
	size_t n;
};

static int kfeeds_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kfeeds *k = data;
	struct sg_feed_info f;

	/* A feed the kernel sends without its count is saved with 0. */
	if (sg_feed_from_msg(nlh, &f) < 0 || !f.name ||
	    strlen(f.name) > SMTPGUARD_FEED_NAME_MAX || k->n == SG_KFEEDS_MAX)
		return MNL_CB_ERROR;
	strcpy(k->f[k->n].name, f.name);
	k->f[k->n].action = f.action;
	k->f[k->n].direction = f.direction;
	k->f[k->n++].entries = f.entries;
	return MNL_CB_OK;
}

int sg_kfeeds_get(struct sg_nl *nl, struct sg_kfeed *out, size_t *n)
{
	struct kfeeds k = { .f = out, .n = 0 };
	struct nlmsghdr *nlh;
	int ret;

	*n = 0;
	nlh = msg(nl, SMTPGUARD_CMD_FEED_GET, NLM_F_DUMP, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, kfeeds_cb, &k);
	*n = k.n;
	return ret;
}

static int entries_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sg_conf *c = data;
	const struct nlattr *attr;
	struct sg_block_entry e;
	size_t i;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		uint32_t t;
		int f;

		if (mnl_attr_get_type(attr) != SMTPGUARD_A_BLOCK_ENTRY)
			continue;
		if (sg_block_entry_from_nest(attr, &e) < 0)
			return MNL_CB_ERROR;
		for (i = 0; i < e.nfeeds; i++) {
			/* Each feed's listing with its own timeout; about
			 * to expire is still timed, not permanent.
			 */
			t = e.timed[i] ? (e.feed_expires[i] ? e.feed_expires[i] : 1) : 0;
			if (t > SMTPGUARD_MAX_TIMEOUT)
				t = SMTPGUARD_MAX_TIMEOUT;
			f = sg_conf_feed(c, e.feeds[i], true);
			if (f < 0 || sg_conf_add_block(c, &e.pfx, f, t) < 0)
				return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

/* Each feed's action and direction; a feed with only those is kept too. */
static int modes_collect(struct sg_nl *nl, struct sg_conf *c)
{
	struct sg_kfeed kf[SG_KFEEDS_MAX];
	size_t n, i;
	int ret, f;

	ret = sg_kfeeds_get(nl, kf, &n);
	for (i = 0; !ret && i < n; i++) {
		if (!kf[i].action && !kf[i].direction)
			continue;
		f = sg_conf_feed(c, kf[i].name, true);
		if (f < 0) {
			fprintf(stderr, PROG_NAME ": more feeds than %d\n",
				SMTPGUARD_MAX_FEEDS);
			return SG_EXIT_KERNEL;
		}
		c->feeds[f].action = kf[i].action;
		c->feeds[f].direction = kf[i].direction;
	}
	return ret;
}

int sg_conf_collect(struct sg_nl *nl, struct sg_conf *c)
{
	struct ports_reply pr = { 0 };
	struct sg_mode_reply mr;
	struct nlmsghdr *nlh;
	int ret;

	ret = sg_mode_get(nl, &mr);
	if (ret)
		return ret;
	c->has_mode = true;
	c->mode = mr.mode;
	c->explicit = mr.explicit;
	c->smtp_policy = mr.smtp_policy;

	nlh = msg(nl, SMTPGUARD_CMD_PORTS_GET, 0, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, ports_cb, &pr);
	if (ret)
		return ret;
	if (!pr.has) {
		fprintf(stderr, PROG_NAME ": the kernel sent no port set\n");
		return SG_EXIT_KERNEL;
	}
	c->has_ports = true;
	memcpy(c->ports, pr.ports, pr.n * sizeof(pr.ports[0]));
	c->nports = pr.n;

	ret = prefixes_collect(nl, SMTPGUARD_CMD_ALLOW_GET, c, sg_conf_add_allow);
	if (ret)
		return ret;
	/* A module older than the SMTP policy flag: a list means it. */
	if (!mr.has_smtp_policy)
		c->smtp_policy = c->nallow > 0;

	ret = prefixes_collect(nl, SMTPGUARD_CMD_EXCEPT_GET, c,
			       sg_conf_add_except);
	if (!ret)
		ret = roles_collect(nl, c);
	if (ret)
		return ret;

	nlh = msg(nl, SMTPGUARD_CMD_BLOCK_GET, NLM_F_DUMP, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, entries_cb, c);
	if (!ret)
		ret = modes_collect(nl, c);
	if (ret)
		return ret;
	sg_conf_sort(c);
	return SG_EXIT_OK;
}

/* ---- changing it ------------------------------------------------------ */

struct txn_reply {
	bool has_txn;
	uint32_t txn;
};

static int txn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct txn_reply *r = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != SMTPGUARD_A_TXN_ID)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		r->has_txn = true;
		r->txn = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

static int txn_begin(struct sg_nl *nl, const char *feed, uint32_t *txn)
{
	struct txn_reply r = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = msg(nl, SMTPGUARD_CMD_BLOCK_TXN_BEGIN, 0,
		  feed_attr_size(feed) + FLAG_ATTR_SIZE);
	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feed);
	mnl_attr_put(nlh, SMTPGUARD_A_REPLACE, 0, NULL);
	ret = sg_nl_do(nl, nlh, txn_cb, &r);
	if (ret)
		return ret;
	if (!r.has_txn) {
		fprintf(stderr, PROG_NAME ": the kernel sent no transaction id\n");
		return SG_EXIT_KERNEL;
	}
	*txn = r.txn;
	return SG_EXIT_OK;
}

static int txn_stage(struct sg_nl *nl, uint32_t txn,
		     const struct sg_prefix *p, size_t n)
{
	struct nlmsghdr *nlh;
	size_t off, k;
	int ret;

	for (off = 0; off < n; off += k) {
		k = n - off < CHUNK ? n - off : CHUNK;
		nlh = msg(nl, SMTPGUARD_CMD_BLOCK_ADD, 0,
			  U32_ATTR_SIZE + k * SG_PREFIX_NEST_SIZE);
		if (!nlh)
			return SG_EXIT_KERNEL;
		mnl_attr_put_u32(nlh, SMTPGUARD_A_TXN_ID, txn);
		sg_put_prefixes(nlh, p + off, k);
		ret = sg_nl_do(nl, nlh, NULL, NULL);
		if (ret)
			return ret;
	}
	return SG_EXIT_OK;
}

static int txn_end(struct sg_nl *nl, uint8_t cmd, uint32_t txn)
{
	struct nlmsghdr *nlh = msg(nl, cmd, 0, U32_ATTR_SIZE);

	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_u32(nlh, SMTPGUARD_A_TXN_ID, txn);
	if (cmd == SMTPGUARD_CMD_BLOCK_TXN_ABORT)
		return sg_nl_do_quiet(nl, nlh);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

int sg_feed_replace(struct sg_nl *nl, const char *feed,
		    const struct sg_prefix *p, size_t n)
{
	uint32_t txn;
	int ret;

	ret = txn_begin(nl, feed, &txn);
	if (ret)
		return ret;
	ret = txn_stage(nl, txn, p, n);
	if (!ret)
		ret = txn_end(nl, SMTPGUARD_CMD_BLOCK_TXN_COMMIT, txn);
	if (ret)
		txn_end(nl, SMTPGUARD_CMD_BLOCK_TXN_ABORT, txn);
	return ret;
}

static int mode_set(struct sg_nl *nl, uint8_t mode)
{
	struct nlmsghdr *nlh = msg(nl, SMTPGUARD_CMD_MODE_SET, 0,
				   MNL_ALIGN(MNL_ATTR_HDRLEN + 1));

	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, mode);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

static int ports_set(struct sg_nl *nl, const uint16_t *ports, size_t n)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	size_t i;

	nlh = msg(nl, SMTPGUARD_CMD_PORTS_SET, 0,
		  MNL_ATTR_HDRLEN + n * MNL_ALIGN(MNL_ATTR_HDRLEN + 2));
	if (!nlh)
		return SG_EXIT_KERNEL;
	nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);
	for (i = 0; i < n; i++)
		mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, ports[i]);
	mnl_attr_nest_end(nlh, nest);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

/* ALLOW_ADD or ALLOW_DEL (EXCEPT_ADD, EXCEPT_DEL) of n prefixes, in chunks. */
static int allow_change(struct sg_nl *nl, uint8_t cmd,
			const struct sg_prefix *p, size_t n)
{
	struct nlmsghdr *nlh;
	size_t off, k;
	int ret;

	for (off = 0; off < n; off += k) {
		k = n - off < CHUNK ? n - off : CHUNK;
		nlh = msg(nl, cmd, 0, k * SG_PREFIX_NEST_SIZE);
		if (!nlh)
			return SG_EXIT_KERNEL;
		sg_put_prefixes(nlh, p + off, k);
		ret = sg_nl_do(nl, nlh, NULL, NULL);
		if (ret)
			return ret;
	}
	return SG_EXIT_OK;
}

static int block_flush(struct sg_nl *nl, const char *feed)
{
	struct nlmsghdr *nlh = msg(nl, SMTPGUARD_CMD_BLOCK_FLUSH, 0,
				   feed_attr_size(feed));

	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feed);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

static int block_add_timed(struct sg_nl *nl, const char *feed,
			   uint32_t timeout, const struct sg_prefix *p,
			   size_t n)
{
	struct nlmsghdr *nlh = msg(nl, SMTPGUARD_CMD_BLOCK_ADD, 0,
				   feed_attr_size(feed) + U32_ATTR_SIZE +
				   n * SG_PREFIX_NEST_SIZE);

	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_strz(nlh, SMTPGUARD_A_FEED, feed);
	mnl_attr_put_u32(nlh, SMTPGUARD_A_TIMEOUT, timeout);
	sg_put_prefixes(nlh, p, n);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

/* Prefixes of a (sorted) that are not in b (sorted), into out. */
static size_t prefix_minus(const struct sg_prefix *a, size_t na,
			   const struct sg_prefix *b, size_t nb,
			   struct sg_prefix *out)
{
	size_t i = 0, j = 0, n = 0;

	while (i < na) {
		int r = j < nb ? sg_prefix_cmp(&a[i], &b[j]) : -1;

		if (r < 0)
			out[n++] = a[i++];
		else if (r > 0)
			j++;
		else
			i++, j++;
	}
	return n;
}

/*
 * in_file: the feeds of t get t's action and direction (before their
 * entries are committed); else the feeds only cur has go back to the
 * default (after they were flushed: a monitor feed never enforces on
 * the way).
 */
static int modes_apply(struct sg_nl *nl, const struct sg_conf *t,
		       const struct sg_conf *cur, bool in_file)
{
	const struct sg_conf *from = in_file ? t : cur;
	size_t i;
	int ret;

	for (i = 0; i < from->nfeeds; i++) {
		const struct sg_conf_feed *f = &from->feeds[i];
		int k = sg_conf_feed((struct sg_conf *)(in_file ? cur : t),
				     f->name, false);
		uint8_t a = 0, d = 0;

		if (in_file) {
			a = f->action;
			d = f->direction;
			if (k >= 0 ? cur->feeds[k].action == a &&
				     cur->feeds[k].direction == d :
				     !a && !d)
				continue;
		} else if (k >= 0 || (!f->action && !f->direction)) {
			continue;
		}
		ret = sg_feed_set(nl, f->name, a, d);
		if (ret)
			return ret;
	}
	return SG_EXIT_OK;
}

static bool roles_equal(const struct sg_conf *a, const struct sg_conf *b)
{
	int k;

	for (k = 0; k < 2; k++)
		if (a->nrole_ifs[k] != b->nrole_ifs[k] ||
		    memcmp(a->role_ifs[k], b->role_ifs[k],
			   a->nrole_ifs[k] * sizeof(a->role_ifs[k][0])))
			return false;
	/* memcmp() of NULL, even for 0 bytes, is undefined */
	return a->ninside == b->ninside &&
	       (!a->ninside ||
		!memcmp(a->inside, b->inside, a->ninside * sizeof(*a->inside)));
}

/*
 * Roles decide only who is recorded, never what is dropped: replaced by
 * a flush and the new ones (an interface may move between roles).
 */
static int roles_apply(struct sg_nl *nl, const struct sg_conf *t,
		       const struct sg_conf *cur)
{
	size_t off, k;
	int ret;

	if (roles_equal(t, cur))
		return SG_EXIT_OK;
	ret = sg_role_flush(nl, 0);
	if (!ret && t->nrole_ifs[0])
		ret = sg_role_change(nl, SMTPGUARD_CMD_ROLE_ADD,
				     SMTPGUARD_ROLE_INSIDE,
				     (const char (*)[16])t->role_ifs[0],
				     t->nrole_ifs[0], NULL, 0);
	for (off = 0; !ret && off < t->ninside; off += k) {
		k = t->ninside - off < CHUNK ? t->ninside - off : CHUNK;
		ret = sg_role_change(nl, SMTPGUARD_CMD_ROLE_ADD,
				     SMTPGUARD_ROLE_INSIDE, NULL, 0,
				     t->inside + off, k);
	}
	if (!ret && t->nrole_ifs[1])
		ret = sg_role_change(nl, SMTPGUARD_CMD_ROLE_ADD,
				     SMTPGUARD_ROLE_OUTSIDE,
				     (const char (*)[16])t->role_ifs[1],
				     t->nrole_ifs[1], NULL, 0);
	return ret;
}

/* Does any entry of c belong to feed f? */
static bool conf_feed_listed(const struct sg_conf *c, size_t f)
{
	size_t i;

	for (i = 0; i < c->nblock; i++)
		if (c->block[i].feed == f)
			return true;
	return false;
}

/* The permanent (timed: the timed) entries of feed f, into out. */
static size_t feed_entries(const struct sg_conf *c, size_t f, bool timed,
			   struct sg_prefix *out)
{
	size_t i, n = 0;

	for (i = 0; i < c->nblock; i++)
		if (c->block[i].feed == f && !!c->block[i].timeout == timed)
			out[n++] = c->block[i].p;
	return n;
}

struct staged {
	size_t feed;		/* index in the target's feeds[] */
	uint32_t txn;
};

static void abort_all(struct sg_nl *nl, struct staged *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		txn_end(nl, SMTPGUARD_CMD_BLOCK_TXN_ABORT, s[i].txn);
}

/*
 * Stages the feeds of t with permanent entries from *next on, at most
 * RESTORE_TXNS; *next moves past them.  On failure nothing stays open.
 */
static int stage_batch(struct sg_nl *nl, const struct sg_conf *t,
		       size_t *next, struct sg_prefix *buf,
		       struct staged *s, size_t *ns)
{
	size_t n;
	int ret;

	*ns = 0;
	for (; *next < t->nfeeds && *ns < RESTORE_TXNS; ++*next) {
		n = feed_entries(t, *next, false, buf);
		if (!n)
			continue;
		ret = txn_begin(nl, t->feeds[*next].name, &s[*ns].txn);
		if (!ret) {
			s[*ns].feed = *next;
			++*ns;
			ret = txn_stage(nl, s[*ns - 1].txn, buf, n);
		}
		if (ret) {
			fprintf(stderr, PROG_NAME ": restore: staging feed %s failed\n",
				t->feeds[*next].name);
			abort_all(nl, s, *ns);
			*ns = 0;
			return ret;
		}
	}
	return SG_EXIT_OK;
}

static int commit_batch(struct sg_nl *nl, const struct sg_conf *t,
			struct staged *s, size_t ns)
{
	size_t i;
	int ret;

	for (i = 0; i < ns; i++) {
		ret = txn_end(nl, SMTPGUARD_CMD_BLOCK_TXN_COMMIT, s[i].txn);
		if (ret) {
			fprintf(stderr, PROG_NAME ": restore: committing feed %s failed\n",
				t->feeds[s[i].feed].name);
			abort_all(nl, s + i + 1, ns - i - 1);
			return ret;
		}
	}
	return SG_EXIT_OK;
}

static const uint16_t default_ports[] = { 25 };

/*
 * Makes the namespace's configuration t (sorted).  *changed: something was
 * changed (a rollback is needed if this fails).
 */
static int apply(struct sg_nl *nl, const struct sg_conf *t, bool *changed,
		 bool quiet)
{
	struct staged s[RESTORE_TXNS];
	struct sg_conf cur;
	struct sg_prefix *buf = NULL;
	const uint16_t *ports = t->has_ports ? t->ports : default_ports;
	size_t nports = t->has_ports ? t->nports : 1;
	size_t next = 0, ns = 0, n, i, j, bufn;
	int ret;

	*changed = false;
	sg_conf_init(&cur);
	ret = sg_conf_collect(nl, &cur);
	if (ret)
		goto out;
	bufn = t->nblock > t->nallow ? t->nblock : t->nallow;
	if (cur.nallow > bufn)
		bufn = cur.nallow;
	if (t->nexcept > bufn)
		bufn = t->nexcept;
	if (cur.nexcept > bufn)
		bufn = cur.nexcept;
	buf = malloc((bufn ? bufn : 1) * sizeof(*buf));
	if (!buf) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		ret = SG_EXIT_KERNEL;
		goto out;
	}

	/* 1: the first batch of feeds, staged: invisible until committed. */
	ret = stage_batch(nl, t, &next, buf, s, &ns);
	if (ret)
		goto out;

	/* 2: mode (explicit), ports, allow-list. */
	*changed = true;
	if (t->has_mode && t->explicit &&
	    (!cur.explicit || cur.mode != t->mode)) {
		ret = mode_set(nl, t->mode);
		if (ret)
			goto abort;
	}
	if (cur.nports != nports ||
	    memcmp(cur.ports, ports, nports * sizeof(ports[0]))) {
		ret = ports_set(nl, ports, nports);
		if (ret)
			goto abort;
	}
	n = prefix_minus(t->allow, t->nallow, cur.allow, cur.nallow, buf);
	ret = allow_change(nl, SMTPGUARD_CMD_ALLOW_ADD, buf, n);
	if (ret)
		goto abort;
	n = prefix_minus(cur.allow, cur.nallow, t->allow, t->nallow, buf);
	ret = allow_change(nl, SMTPGUARD_CMD_ALLOW_DEL, buf, n);
	if (ret)
		goto abort;
	/*
	 * "allow none" arms an empty list; a file without allow lines
	 * leaves SMTP uninspected (the list is empty by now).
	 */
	if (t->smtp_policy != cur.smtp_policy && !t->nallow) {
		ret = sg_allow_flush(nl, t->smtp_policy, NULL);
		if (ret)
			goto abort;
	}
	/* Each feed's action and direction before its entries change. */
	ret = modes_apply(nl, t, &cur, true);
	if (ret)
		goto abort;
	/* New exceptions before the feeds they protect from; old ones go
	 * after the feeds that needed them are replaced.
	 */
	n = prefix_minus(t->except, t->nexcept, cur.except, cur.nexcept, buf);
	ret = allow_change(nl, SMTPGUARD_CMD_EXCEPT_ADD, buf, n);
	if (!ret)
		ret = roles_apply(nl, t, &cur);
	if (ret)
		goto abort;

	/* 3: the feeds. */
	ret = commit_batch(nl, t, s, ns);
	ns = 0;
	if (ret)
		goto out;
	while (next < t->nfeeds) {
		ret = stage_batch(nl, t, &next, buf, s, &ns);
		if (!ret)
			ret = commit_batch(nl, t, s, ns);
		ns = 0;
		if (ret)
			goto out;
	}
	for (i = 0; i < cur.nfeeds; i++) {
		int f = sg_conf_feed((struct sg_conf *)t, cur.feeds[i].name,
				     false);

		/* Not in the file, or only timed entries there: flush
		 * (a feed with only a setting has nothing to flush).
		 */
		if ((f >= 0 && feed_entries(t, (size_t)f, false, buf)) ||
		    !conf_feed_listed(&cur, i))
			continue;
		ret = block_flush(nl, cur.feeds[i].name);
		if (ret)
			goto out;
	}
	for (i = 0; i < t->nblock; i = j) {
		const struct sg_conf_entry *e = &t->block[i];

		for (j = i; j < t->nblock && j - i < CHUNK &&
		     t->block[j].feed == e->feed &&
		     t->block[j].timeout == e->timeout; j++)
			buf[j - i] = t->block[j].p;
		if (!e->timeout)
			continue;
		ret = block_add_timed(nl, t->feeds[e->feed].name, e->timeout,
				      buf, j - i);
		if (ret)
			goto out;
	}
	n = prefix_minus(cur.except, cur.nexcept, t->except, t->nexcept, buf);
	ret = allow_change(nl, SMTPGUARD_CMD_EXCEPT_DEL, buf, n);
	if (!ret)
		ret = modes_apply(nl, t, &cur, false);
	if (ret)
		goto out;

	/* 4: an automatic mode the adds did not reach by themselves. */
	if (t->has_mode && !t->explicit) {
		struct sg_mode_reply mr;

		ret = sg_mode_get(nl, &mr);
		if (ret)
			goto out;
		if (mr.mode != t->mode) {
			ret = mode_set(nl, t->mode);
			if (ret)
				goto out;
			if (!quiet)
				fprintf(stderr, PROG_NAME ": restore: mode %s set explicitly (the file says automatic, but the namespace would be %s)\n",
					sg_mode_name(t->mode),
					sg_mode_name(mr.mode));
		}
	}
	goto out;

abort:
	abort_all(nl, s, ns);
out:
	free(buf);
	sg_conf_free(&cur);
	return ret;
}

/* ---- save ------------------------------------------------------------- */

/* Feeds defined in feeds.conf with a good copy in the state directory. */
static int add_references(struct sg_conf *c, const char *netns)
{
	static struct sg_feeds_conf fc;
	char dir[PATH_MAX], path[PATH_MAX + 64], err[SG_ERR_LEN];
	const char *conf = sg_feeds_conf_path();
	struct stat st;
	size_t i, len;
	char *buf;

	if (access(conf, F_OK) < 0)
		return 0;
	if (sg_feed_read(conf, &buf, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG_NAME ": save: %s; feeds written with their entries\n",
			err);
		return 0;
	}
	if (sg_feeds_conf_parse(buf, len, conf, &fc, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG_NAME ": save: %s; feeds written with their entries\n",
			err);
		free(buf);
		return 0;
	}
	free(buf);
	sg_feeds_state_dir(netns, dir, sizeof(dir));
	for (i = 0; i < c->nfeeds; i++) {
		if (!sg_feeds_conf_find(&fc, c->feeds[i].name))
			continue;
		snprintf(path, sizeof(path), "%s/%s.txt", dir, c->feeds[i].name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		c->feeds[i].file = strdup(path);
		if (!c->feeds[i].file) {
			fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
			return -1;
		}
	}
	return 0;
}

static bool conf_has_roles(const struct sg_conf *c)
{
	return c->nrole_ifs[0] || c->nrole_ifs[1] || c->ninside;
}

/* "roles": null when derived from the routes. */
static void print_roles_json(const struct sg_conf *c)
{
	char text[SG_PREFIX_STRLEN];
	size_t i;
	int k;

	if (!conf_has_roles(c)) {
		print_null(PRINT_JSON, "roles", NULL, NULL);
		return;
	}
	open_json_object("roles");
	for (k = 0; k < 2; k++) {
		open_json_object(k ? "outside" : "inside");
		open_json_array("interfaces");
		for (i = 0; i < c->nrole_ifs[k]; i++)
			print_string(PRINT_JSON, NULL, NULL, c->role_ifs[k][i]);
		close_json_array();
		if (!k) {
			open_json_array("prefixes");
			for (i = 0; i < c->ninside; i++)
				print_string(PRINT_JSON, NULL, NULL,
					     sg_format_prefix(&c->inside[i], text,
							      sizeof(text)));
			close_json_array();
		}
		close_json_object();
	}
	close_json_object();
}

static void print_save_json(const struct sg_conf *c)
{
	char text[SG_PREFIX_STRLEN];
	size_t i, j;

	open_json_object(NULL);
	print_string(PRINT_JSON, "mode", NULL, sg_mode_name(c->mode));
	print_bool(PRINT_JSON, "explicit", NULL, c->explicit);
	sg_print_ports("ports", NULL, NULL, c->ports, c->nports);
	open_json_array("allow");
	for (i = 0; i < c->nallow; i++)
		print_string(PRINT_JSON, NULL, NULL,
			     sg_format_prefix(&c->allow[i], text, sizeof(text)));
	close_json_array();
	open_json_array("except");
	for (i = 0; i < c->nexcept; i++)
		print_string(PRINT_JSON, NULL, NULL,
			     sg_format_prefix(&c->except[i], text, sizeof(text)));
	close_json_array();
	print_roles_json(c);
	open_json_array("feeds");
	for (i = 0; i < c->nfeeds; i++) {
		open_json_object(NULL);
		print_string(PRINT_JSON, "name", NULL, c->feeds[i].name);
		print_string(PRINT_JSON, "action", NULL,
			     sg_action_name(c->feeds[i].action));
		print_string(PRINT_JSON, "direction", NULL,
			     sg_direction_name(c->feeds[i].direction));
		if (c->feeds[i].file) {
			print_string(PRINT_JSON, "file", NULL, c->feeds[i].file);
		} else {
			print_null(PRINT_JSON, "file", NULL, NULL);
			open_json_array("entries");
			for (j = 0; j < c->nblock; j++) {
				const struct sg_conf_entry *e = &c->block[j];

				if (e->feed != i)
					continue;
				open_json_object(NULL);
				print_string(PRINT_JSON, "prefix", NULL,
					     sg_format_prefix(&e->p, text, sizeof(text)));
				if (e->timeout)
					print_uint(PRINT_JSON, "timeout", NULL,
						   e->timeout);
				else
					print_null(PRINT_JSON, "timeout", NULL, NULL);
				close_json_object();
			}
			close_json_array();
		}
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

int sg_file_replace(const char *path, const char *cmd, sg_file_writer write,
		    void *ctx)
{
	char tmp[PATH_MAX], dir[PATH_MAX], base[PATH_MAX];
	mode_t mode = 0644;
	const char *what, *dname;
	struct stat sb;
	FILE *fp = NULL;
	int fd, dfd, r, e;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	/* dirname() may return a static "." rather than its argument */
	dname = dirname(dir);
	r = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dname, basename(base));
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		fprintf(stderr, PROG_NAME ": %s: '%s': path too long\n", cmd, path);
		return SG_EXIT_USAGE;
	}
	if (!stat(path, &sb)) {
		if (!S_ISREG(sb.st_mode)) {
			fprintf(stderr, PROG_NAME ": %s: '%s' is not a regular file; nothing written\n",
				cmd, path);
			return SG_EXIT_USAGE;
		}
		mode = sb.st_mode & 07777;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, PROG_NAME ": %s: cannot create a file in %s: %s; %s unchanged\n",
			cmd, dname, strerror(errno), path);
		return SG_EXIT_KERNEL;
	}
	what = "write";
	fp = fdopen(fd, "w");
	if (!fp || fchmod(fd, mode) < 0)
		goto fail;
	errno = 0;
	if (write(fp, ctx) < 0 || fflush(fp) || ferror(fp))
		goto fail;
	what = "sync";
	if (fsync(fd) < 0)
		goto fail;
	r = fclose(fp);
	fp = NULL;
	fd = -1;
	if (r)
		goto fail;
	what = "rename the new file over";
	if (rename(tmp, path) < 0)
		goto fail;
	/* The rename itself survives a crash once the directory is synced. */
	dfd = open(dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return SG_EXIT_OK;

fail:
	e = errno ? errno : EIO;
	if (fp)
		fclose(fp);
	else if (fd >= 0)
		close(fd);
	unlink(tmp);
	fprintf(stderr, PROG_NAME ": %s: cannot %s %s: %s; %s unchanged\n",
		cmd, what, path, strerror(e), path);
	return SG_EXIT_KERNEL;
}

struct save_out {
	const struct sg_conf *c;
	const char *header;
};

/* save -f's writer: the text, or the JSON with the printer pointed at fp. */
static int save_write(FILE *fp, void *data)
{
	const struct save_out *so = data;
	bool json = is_json(), pretty = is_pretty();
	int r;

	if (!json)
		return sg_conf_write(fp, so->c, so->header);
	print_init(fp, true, pretty);
	print_save_json(so->c);
	r = print_finish();
	print_init(stdout, json, pretty);
	return r;
}

static int save_run(struct sg_nl *nl, const struct sg_req *req)
{
	static char outbuf[1 << 16];
	char header[512], when[64];
	struct sg_conf c;
	time_t now = time(NULL);
	struct tm tm;
	int ret;

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	sg_conf_init(&c);
	ret = sg_conf_collect(nl, &c);
	if (!ret && add_references(&c, req->netns) < 0)
		ret = SG_EXIT_KERNEL;
	if (ret)
		goto out;
	if (!gmtime_r(&now, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "%lld", (long long)now);
	snprintf(header, sizeof(header),
		 "smtpguard configuration, saved by " PROG_NAME " %s at %s%s%s\n"
		 "apply with: " PROG_NAME "%s%s restore FILE (it replaces the whole configuration)",
		 SMTPGUARD_VERSION, when,
		 req->netns ? " from netns " : "", req->netns ? req->netns : "",
		 req->netns ? " -n " : "", req->netns ? req->netns : "");
	if (req->file) {
		struct save_out so = { &c, header };

		ret = sg_file_replace(req->file, "save", save_write, &so);
	}
	else if (is_json())
		print_save_json(&c);
	else if (sg_conf_write(stdout, &c, header) < 0)
		ret = SG_EXIT_KERNEL;
out:
	sg_conf_free(&c);
	return ret;
}

/* save [-f FILE] */
int save_parse(struct sg_req *req, int argc, char **argv)
{
	char q[SG_QUOTE_LEN];

	if (argc > 0 && !strcmp(argv[0], "help"))
		return sg_help("save", argc - 1, argv + 1);
	req->run = save_run;
	if (argc > 0 && (!strcmp(argv[0], "-f") || !strcmp(argv[0], "--file"))) {
		if (argc < 2 || !argv[1][0])
			return sg_usage_err("save", "%s: missing FILE", argv[0]);
		if (!strcmp(argv[1], "-"))
			return sg_usage_err("save", "-f -: standard output is 'save' without -f");
		req->file = argv[1];
		return sg_no_more_args("save", argc - 2, argv + 2);
	}
	if (argc > 0 && argv[0][0] == '-' && argv[0][1])
		return sg_usage_err("save", "unknown option '%s' (-f FILE)",
				    sg_quote(argv[0], q, sizeof(q)));
	return sg_no_more_args("save", argc, argv);
}

/* ---- restore ---------------------------------------------------------- */

struct restore_ctx {
	struct sg_conf c;
	bool dry_run;
	char fname[PATH_MAX];
};

static void restore_free(void *p)
{
	struct restore_ctx *r = p;

	if (!r)
		return;
	sg_conf_free(&r->c);
	free(r);
}

static size_t count_perm(const struct sg_conf *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->nblock; i++)
		n += !c->block[i].timeout;
	return n;
}

/* One "would remove" line (text) or array element (JSON). */
static void removal(const char *what, const char *item)
{
	print_string(PRINT_JSON, NULL, NULL, item);
	if (!is_json())
		printf("would remove %s %s\n", what, item);
}

static void prefix_removals(const char *key, const char *what,
			    const struct sg_prefix *a, size_t na,
			    const struct sg_prefix *b, size_t nb, size_t *n)
{
	char text[SG_PREFIX_STRLEN];
	size_t i = 0, j = 0;

	open_json_array(key);
	while (i < na) {
		int r = j < nb ? sg_prefix_cmp(&a[i], &b[j]) : -1;

		if (r > 0) {
			j++;
			continue;
		}
		if (r < 0) {
			removal(what, sg_format_prefix(&a[i], text, sizeof(text)));
			(*n)++;
		} else {
			j++;
		}
		i++;
	}
	close_json_array();
}

static bool role_if_in(const struct sg_conf *c, int k, const char *name)
{
	size_t i;

	for (i = 0; i < c->nrole_ifs[k]; i++)
		if (!strcmp(c->role_ifs[k][i], name))
			return true;
	return false;
}

/*
 * What the kernel has and the file does not: feeds with entries, allow
 * and except prefixes, the SMTP policy itself, roles.  cur NULL: the
 * module is not loaded, nothing to compare with ("remove": null).
 */
static void print_removals(const struct sg_conf *t, const struct sg_conf *cur)
{
	char label[SMTPGUARD_FEED_NAME_MAX + 48];
	size_t i, j, n = 0, entries;
	int k;

	if (!cur) {
		print_null(PRINT_JSON, "remove", NULL, NULL);
		if (!is_json())
			fprintf(stderr, PROG_NAME ": restore --dry-run: smtpguard is not loaded here; nothing to compare the file with\n");
		return;
	}
	open_json_object("remove");
	open_json_array("feeds");
	for (i = 0; i < cur->nfeeds; i++) {
		int f = sg_conf_feed((struct sg_conf *)t, cur->feeds[i].name,
				     false);

		if (f >= 0 && conf_feed_listed(t, (size_t)f))
			continue;
		for (j = 0, entries = 0; j < cur->nblock; j++)
			entries += cur->block[j].feed == i;
		if (!entries)
			continue;
		open_json_object(NULL);
		print_string(PRINT_JSON, "name", NULL, cur->feeds[i].name);
		print_u64(PRINT_JSON, "entries", NULL, entries);
		close_json_object();
		snprintf(label, sizeof(label), "%s (%zu entr%s)",
			 cur->feeds[i].name, entries, entries == 1 ? "y" : "ies");
		if (!is_json())
			printf("would remove feed %s\n", label);
		n++;
	}
	close_json_array();
	prefix_removals("allow", "allow", cur->allow, cur->nallow, t->allow,
			t->nallow, &n);
	print_bool(PRINT_JSON, "smtp_policy", NULL,
		   cur->smtp_policy && !t->smtp_policy);
	if (cur->smtp_policy && !t->smtp_policy) {
		if (!is_json())
			printf("would remove the SMTP policy: the file has no allow line, so SMTP would no longer be inspected\n");
		n++;
	}
	prefix_removals("except", "except", cur->except, cur->nexcept,
			t->except, t->nexcept, &n);
	for (k = 0; k < 2; k++) {
		const char *kw = k ? "outside" : "inside";

		open_json_array(kw);
		for (i = 0; i < cur->nrole_ifs[k]; i++) {
			if (role_if_in(t, k, cur->role_ifs[k][i]))
				continue;
			removal(kw, cur->role_ifs[k][i]);
			n++;
		}
		close_json_array();
	}
	prefix_removals("inside_prefixes", "inside", cur->inside,
			cur->ninside, t->inside, t->ninside, &n);
	close_json_object();
	if (!n && !is_json())
		printf("would remove nothing\n");
}

static void print_summary(const struct sg_conf *c, const char *fname,
			  bool dry_run, const struct sg_conf *cur)
{
	size_t perm = count_perm(c);
	char line[384];

	open_json_object(NULL);
	print_string(PRINT_JSON, "file", NULL, fname);
	print_bool(PRINT_JSON, "dry_run", NULL, dry_run);
	/* No mode line: null (print_string must never get NULL). */
	if (c->has_mode)
		print_string(PRINT_JSON, "mode", NULL, sg_mode_name(c->mode));
	else
		print_null(PRINT_JSON, "mode", NULL, NULL);
	print_bool(PRINT_JSON, "explicit", NULL, c->has_mode && c->explicit);
	print_uint(PRINT_JSON, "ports", NULL,
		   (unsigned int)(c->has_ports ? c->nports : 1));
	print_uint(PRINT_JSON, "allow", NULL, (unsigned int)c->nallow);
	print_uint(PRINT_JSON, "except", NULL, (unsigned int)c->nexcept);
	print_string(PRINT_JSON, "roles", NULL,
		     conf_has_roles(c) ? "configured" : "derived");
	print_uint(PRINT_JSON, "feeds", NULL, (unsigned int)c->nfeeds);
	/* the same numbers as the text: all entries, and how many are timed */
	print_u64(PRINT_JSON, "entries", NULL, c->nblock);
	print_u64(PRINT_JSON, "timed_entries", NULL, c->nblock - perm);
	snprintf(line, sizeof(line),
		 "%s %s: mode %s%s, %zu port%s, %zu allow prefix%s, %zu exception%s, roles %s, %zu feed%s with %zu entr%s (%zu with a timeout)\n",
		 dry_run ? "would restore" : "restored", fname,
		 c->has_mode ? sg_mode_name(c->mode) : "unchanged",
		 !c->has_mode || c->explicit ? "" : " (automatic)",
		 c->has_ports ? c->nports : (size_t)1,
		 (c->has_ports ? c->nports : 1) == 1 ? "" : "s",
		 c->nallow, c->nallow == 1 ? "" : "es",
		 c->nexcept, c->nexcept == 1 ? "" : "s",
		 conf_has_roles(c) ? "configured" : "derived",
		 c->nfeeds, c->nfeeds == 1 ? "" : "s",
		 c->nblock, c->nblock == 1 ? "y" : "ies", c->nblock - perm);
	print_string(PRINT_FP, NULL, "%s", line);
	if (dry_run)
		print_removals(c, cur);
	close_json_object();
}

static int restore_run(struct sg_nl *nl, const struct sg_req *req)
{
	struct restore_ctx *r = req->ctx;
	struct sg_conf snap;
	bool changed, dummy;
	int ret, rb;

	if (r->dry_run) {
		if (!nl) {
			print_summary(&r->c, r->fname, true, NULL);
			return SG_EXIT_OK;
		}
		sg_conf_init(&snap);
		ret = sg_conf_collect(nl, &snap);
		if (!ret) {
			sg_conf_sort(&snap);
			print_summary(&r->c, r->fname, true, &snap);
		}
		goto out;
	}
	sg_conf_init(&snap);
	ret = sg_conf_collect(nl, &snap);
	if (ret)
		goto out;
	ret = apply(nl, &r->c, &changed, false);
	if (!ret) {
		print_summary(&r->c, r->fname, false, NULL);
		goto out;
	}
	if (!changed) {
		fprintf(stderr, PROG_NAME ": restore: nothing was changed\n");
		goto out;
	}
	fprintf(stderr, PROG_NAME ": restore failed; putting the previous configuration back\n");
	rb = apply(nl, &snap, &dummy, true);
	if (rb)
		fprintf(stderr, PROG_NAME ": restore: the rollback failed too; check with '" PROG_NAME " save'\n");
	else
		fprintf(stderr, PROG_NAME ": restore: the previous configuration is back\n");
out:
	sg_conf_free(&snap);
	return ret;
}

int restore_parse(struct sg_req *req, int argc, char **argv)
{
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN], dir[PATH_MAX];
	const char *file = NULL, *shown;
	struct restore_ctx *r;
	bool dry_run = false, opts_done = false, allow_empty = false;
	size_t len;
	char *buf;
	int i;

	if (argc > 0 && !strcmp(argv[0], "help"))
		return sg_help("restore", argc - 1, argv + 1);
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (opts_done || a[0] != '-' || !a[1]) {
			if (file)
				return sg_usage_err("restore", "unexpected argument '%s' (one FILE only)",
						    sg_quote(a, q, sizeof(q)));
			file = a;
		} else if (!strcmp(a, "--")) {
			opts_done = true;
		} else if (!strcmp(a, "--dry-run")) {
			dry_run = true;
		} else if (!strcmp(a, "--allow-empty")) {
			allow_empty = true;
		} else {
			return sg_usage_err("restore", "unknown option '%s' (--dry-run, --allow-empty)",
					    sg_quote(a, q, sizeof(q)));
		}
	}
	/*
	 * No FILE: standard input when it is not a terminal ("restore <
	 * new.conf", as iptables-restore and ipset restore read it), else
	 * the file smtpguard.service restores.
	 */
	if (!file)
		file = sg_stdin_is_input() ? "-" : SG_CONF_PATH;
	if (!strcmp(file, "-") && sg_stdin_free("restore", NULL))
		return SG_EXIT_USAGE;
	shown = strcmp(file, "-") ? file : "stdin";

	r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_USAGE;
	}
	req->ctx = r;
	req->ctx_free = restore_free;
	sg_conf_init(&r->c);
	snprintf(r->fname, sizeof(r->fname), "%s", shown);

	if (sg_feed_read(file, &buf, &len, err, sizeof(err)) < 0)
		return sg_usage_err(NULL, "%s", err);
	i = sg_conf_parse(buf, len, shown, &r->c, err, sizeof(err));
	free(buf);
	if (i < 0 && r->c.errors.total) {
		/* every mistake of the file, and nothing changed */
		sg_errors_print(stderr, PROG_NAME, &r->c.errors, shown);
		return SG_EXIT_USAGE;
	}
	if (i < 0)
		return sg_usage_err(NULL, "%s", err);
	/* An empty file (a save that failed after the shell truncated it)
	 * would remove everything: never without being asked.
	 */
	if (!r->c.statements && !allow_empty)
		return sg_usage_err(NULL, "%s has no statements: restoring it would remove the whole configuration; nothing changed (--allow-empty to insist)",
				    shown);
	if (strcmp(file, "-")) {
		snprintf(dir, sizeof(dir), "%s", file);
		i = sg_conf_load_files(&r->c, shown, dirname(dir), err,
				       sizeof(err));
	} else {
		i = sg_conf_load_files(&r->c, shown, NULL, err, sizeof(err));
	}
	if (i < 0)
		return sg_usage_err(NULL, "%s", err);
	sg_conf_sort(&r->c);
	req->run = restore_run;
	r->dry_run = dry_run;
	/* a dry run compares with the kernel when there is one */
	req->kernel_optional = dry_run;
	return SG_EXIT_OK;
}
