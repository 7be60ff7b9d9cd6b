// SPDX-License-Identifier: GPL-2.0
/*
 * stats --format prometheus [-f FILE]
 *
 * Every counter of every namespace the caller may see, in the Prometheus
 * text exposition format (version 0.0.4, the one node_exporter's textfile
 * collector and "promtool check metrics" read): the /proc/net/smtpguard
 * keys as smtpguard_KEY (gauges) or smtpguard_KEY_total (counters), the
 * feeds' entries and packets (label feed), the ledger by reason (label
 * reason, when the caller may read the ledger), and each feed of
 * feeds.conf with its interval and last success (for "failed to update"
 * alerts).  Label netns: the /run/netns name, "" for the namespace the
 * tool runs in.  Without -n, the tool visits its own namespace and every
 * one in /run/netns it may enter; with -n, only that one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "conf.h"
#include "nl.h"
#include "persist.h"
#include "smtpguardctl.h"

/* One feed as FEED_GET sends it, its name copied out of the message. */
struct feed_metric {
	char name[SMTPGUARD_FEED_NAME_MAX + 1];
	struct sg_feed_info f;
};

/* What one namespace gives. */
struct ns_metrics {
	char netns[NAME_MAX + 1];	/* "": the tool's own */
	struct sg_stats s;
	struct feed_metric feeds[SG_KFEEDS_MAX];
	size_t nfeeds;
	bool has_ledger;		/* the caller may read the ledger */
	uint64_t by_reason[2];		/* records with SMTP, with C&C */
};

struct metrics {
	struct ns_metrics *ns;
	size_t n;
	struct sg_feeds_conf fc;	/* feeds.conf, if there is one */
	bool has_fc;
};

static int feed_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ns_metrics *m = data;
	struct feed_metric *fm;
	struct sg_feed_info f;

	if (sg_feed_from_msg(nlh, &f) < 0 || !f.name)
		return MNL_CB_ERROR;
	if (m->nfeeds == SG_KFEEDS_MAX)
		return MNL_CB_OK;
	fm = &m->feeds[m->nfeeds++];
	snprintf(fm->name, sizeof(fm->name), "%s", f.name);
	fm->f = f;
	fm->f.name = fm->name;
	return MNL_CB_OK;
}

/* The numbers of the namespace nl talks to. */
static int collect(struct sg_nl *nl, struct ns_metrics *m)
{
	struct sg_offender *o;
	struct nlmsghdr *nlh;
	size_t n, i;
	int ret;

	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_STATS_GET, 0, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, sg_stats_parse, &m->s);
	if (ret)
		return ret;
	if (!m->s.has_mode || !m->s.has_stats) {
		fprintf(stderr, PROG_NAME ": the kernel sent incomplete statistics\n");
		return SG_EXIT_KERNEL;
	}
	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_FEED_GET, NLM_F_DUMP, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, feed_cb, m);
	if (ret)
		return ret;
	/* the ledger needs CAP_NET_ADMIN: without it, no by-reason series */
	nl->quiet_eperm = true;
	ret = sg_offenders_get(nl, 0, &o, &n);
	nl->quiet_eperm = false;
	if (ret)
		return 0;
	m->has_ledger = true;
	for (i = 0; i < n; i++) {
		m->by_reason[0] += !!(o[i].reasons & SMTPGUARD_REASON_SMTP);
		m->by_reason[1] += !!(o[i].reasons & SMTPGUARD_REASON_CNC);
	}
	free(o);
	return 0;
}

static struct ns_metrics *new_ns(struct metrics *mx, const char *name)
{
	struct ns_metrics *p = reallocarray(mx->ns, mx->n + 1, sizeof(*p));

	if (!p)
		return NULL;
	mx->ns = p;
	p = &mx->ns[mx->n];
	memset(p, 0, sizeof(*p));
	snprintf(p->netns, sizeof(p->netns), "%s", name);
	return p;
}

/*
 * Every /run/netns namespace but the tool's own: entered, asked on a
 * socket of its own, left.  One that may not be entered is skipped with
 * a line on stderr; the tool's own namespace is entered again after.
 */
static int visit_others(struct metrics *mx)
{
	struct stat self, st;
	struct dirent *de;
	int home, ret = 0;
	DIR *d;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || fstat(home, &self) < 0) {
		fprintf(stderr, PROG_NAME ": stats: /proc/self/ns/net: %s\n",
			strerror(errno));
		if (home >= 0)
			close(home);
		return SG_EXIT_KERNEL;
	}
	d = opendir(sg_netns_run_dir);
	while (d && (de = readdir(d))) {
		struct ns_metrics *m;
		struct sg_nl nl;
		int fd, r;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 ||
		    (st.st_dev == self.st_dev && st.st_ino == self.st_ino)) {
			close(fd);
			continue;
		}
		if (setns(fd, CLONE_NEWNET) < 0) {
			fprintf(stderr, PROG_NAME ": stats: netns %s skipped: %s\n",
				de->d_name, strerror(errno));
			close(fd);
			continue;
		}
		close(fd);
		m = new_ns(mx, de->d_name);
		r = m ? sg_nl_open(&nl) : SG_EXIT_KERNEL;
		if (!r) {
			r = collect(&nl, m);
			sg_nl_close(&nl);
		}
		if (m && !r)
			mx->n++;
		else if (m)
			fprintf(stderr, PROG_NAME ": stats: netns %s skipped\n",
				de->d_name);
		if (setns(home, CLONE_NEWNET) < 0) {
			fprintf(stderr, PROG_NAME ": stats: cannot return to the tool's namespace: %s\n",
				strerror(errno));
			ret = SG_EXIT_KERNEL;
			break;
		}
		if (!m) {
			ret = SG_EXIT_KERNEL;
			break;
		}
	}
	if (d)
		closedir(d);
	close(home);
	return ret;
}

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *fp, const char *key, const char *v, bool first)
{
	fprintf(fp, "%s%s=\"", first ? "" : ",", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(fp, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", fp);
		else
			fputc(*v, fp);
	}
	fputc('"', fp);
}

static void family(FILE *fp, const char *name, const char *type,
		   const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{netns="..."[,extra]} value */
static void sample(FILE *fp, const char *name, const struct ns_metrics *m,
		   const char *k2, const char *v2, uint64_t value)
{
	fprintf(fp, "%s{", name);
	label(fp, "netns", m->netns, true);
	if (k2 && v2)
		label(fp, k2, v2, false);
	fprintf(fp, "} %" PRIu64 "\n", value);
}

/* A /proc key, one sample per namespace that has it. */
struct key_metric {
	const char *name, *type, *help;
	size_t offset;		/* of the uint64_t or uint32_t in sg_stats */
	size_t has;		/* of its bool has_*; (size_t)-1: always */
	bool is32, is8;
};

#define ALWAYS	((size_t)-1)
#define U64(n, t, h, f, hs) { n, t, h, offsetof(struct sg_stats, f), hs, false, false }
#define U32(n, t, h, f, hs) { n, t, h, offsetof(struct sg_stats, f), hs, true, false }
#define HAS(f)	offsetof(struct sg_stats, f)

static const struct key_metric keys[] = {
	U32("smtpguard_allow_entries", "gauge", "Prefixes in the SMTP allow-list.",
	    allow_entries, ALWAYS),
	U64("smtpguard_smtp_inspected_total", "counter",
	    "SMTP packets inspected by the allow-list.", inspected, ALWAYS),
	U64("smtpguard_smtp_allowed_total", "counter",
	    "SMTP packets to or from an allowed address.", allowed, ALWAYS),
	U64("smtpguard_smtp_dropped_total", "counter",
	    "SMTP packets dropped (mode enforce).", dropped, ALWAYS),
	U64("smtpguard_smtp_would_drop_total", "counter",
	    "SMTP packets that would be dropped (mode monitor).", would_drop,
	    ALWAYS),
	U32("smtpguard_block_entries", "gauge", "Entries in the C&C blocklist.",
	    block_entries, HAS(has_block_entries)),
	U32("smtpguard_block_feeds", "gauge", "Feeds with entries.",
	    block_feeds, HAS(has_block_feeds)),
	U64("smtpguard_block_bytes", "gauge",
	    "Memory the blocklist holds, in bytes.", block_bytes,
	    HAS(has_block_bytes)),
	U64("smtpguard_cnc_dropped_total", "counter",
	    "Packets from or to a listed address dropped.", cnc_dropped,
	    HAS(has_cnc_dropped)),
	U64("smtpguard_cnc_would_drop_total", "counter",
	    "Packets from or to a listed address that would be dropped.",
	    cnc_would_drop, HAS(has_cnc_would_drop)),
	U32("smtpguard_offenders", "gauge", "Hosts in the offender ledger.",
	    offenders, HAS(has_offenders)),
	U64("smtpguard_offenders_evicted_total", "counter",
	    "Ledger records dropped to make room.", offenders_evicted,
	    HAS(has_offenders_evicted)),
	U64("smtpguard_events_sent_total", "counter",
	    "Events sent to monitors.", events_sent, HAS(has_events_sent)),
	U64("smtpguard_events_dropped_total", "counter",
	    "Events a monitor had no room for.", events_dropped,
	    HAS(has_events_dropped)),
	U64("smtpguard_smtp_outside_total", "counter",
	    "Refused SMTP packets from outside senders (counted, not recorded).",
	    smtp_outside, HAS(has_scope)),
	U64("smtpguard_cnc_outside_total", "counter",
	    "Refused C&C packets from outside senders (counted, not recorded).",
	    cnc_outside, HAS(has_scope)),
	U64("smtpguard_cnc_excepted_total", "counter",
	    "Packets a feed lists but an exception lets pass.", cnc_excepted,
	    HAS(has_scope)),
	U32("smtpguard_except_entries", "gauge", "Exception prefixes.",
	    except_entries, HAS(has_roles)),
	U64("smtpguard_cnc_other_direction_total", "counter",
	    "Packets of a listed address passed: its feeds block the other direction.",
	    cnc_other_direction, HAS(has_other_direction)),
	U64("smtpguard_offenders_suppressed_total", "counter",
	    "New offenders not recorded: over the insertion budget.",
	    offenders_suppressed, HAS(has_suppressed)),
	U64("smtpguard_events_suppressed_total", "counter",
	    "Offender events not sent: over the event budget.",
	    events_suppressed, HAS(has_suppressed)),
	U64("smtpguard_block_rebuilds_total", "counter",
	    "Blocklist changes that built its tables whole, not in place.",
	    block_rebuilds, HAS(has_block_rebuilds)),
	U64("smtpguard_block_hits_unrecorded_total", "counter",
	    "Hits of packed host entries that found no room to be counted.",
	    block_hits_unrecorded, HAS(has_block_hits_unrecorded)),
};

static uint64_t key_value(const struct sg_stats *s, const struct key_metric *k)
{
	const char *base = (const char *)s;
	uint64_t v64;
	uint32_t v32;

	if (k->is32) {
		memcpy(&v32, base + k->offset, sizeof(v32));
		return v32;
	}
	memcpy(&v64, base + k->offset, sizeof(v64));
	return v64;
}

static bool key_present(const struct sg_stats *s, const struct key_metric *k)
{
	bool has;

	if (k->has == ALWAYS)
		return true;
	memcpy(&has, (const char *)s + k->has, sizeof(has));
	return has;
}

/* A per-feed packet counter: dropped, or (would) would-drop. */
static void feed_family(FILE *fp, const struct metrics *mx, const char *name,
			const char *help, bool would)
{
	size_t i, j;

	family(fp, name, "counter", help);
	for (i = 0; i < mx->n; i++) {
		for (j = 0; j < mx->ns[i].nfeeds; j++) {
			const struct feed_metric *fm = &mx->ns[i].feeds[j];

			if (fm->f.has_stats)
				sample(fp, name, &mx->ns[i], "feed", fm->name,
				       would ? fm->f.would_drop : fm->f.dropped);
		}
	}
}

/*
 * One feeds.conf family from each namespace's state directory: the last
 * success, or (failed) whether the last attempt failed.
 */
static void state_family(FILE *fp, const struct metrics *mx, const char *name,
			 const char *help, bool failed)
{
	char dir[PATH_MAX];
	size_t i, j;

	family(fp, name, "gauge", help);
	for (i = 0; i < mx->n; i++) {
		sg_feeds_state_dir(mx->ns[i].netns[0] ? mx->ns[i].netns : NULL,
				   dir, sizeof(dir));
		for (j = 0; j < mx->fc.n; j++) {
			struct sg_feed_state st;

			sg_feed_state_read(dir, mx->fc.defs[j].name, &st);
			sample(fp, name, &mx->ns[i], "feed", mx->fc.defs[j].name,
			       !failed ? st.last_success :
			       st.error[0] && st.last_attempt >= st.last_success);
		}
	}
}

static const char *const mode_names[] = { "off", "monitor", "enforce" };

static int write_metrics(FILE *fp, void *data)
{
	const struct metrics *mx = data;
	size_t i, j, k;

	family(fp, "smtpguard_mode", "gauge",
	       "The namespace's mode: 1 for the one in effect.");
	for (i = 0; i < mx->n; i++)
		for (k = 0; k < 3; k++)
			sample(fp, "smtpguard_mode", &mx->ns[i], "mode",
			       mode_names[k],
			       !strcmp(sg_mode_name(mx->ns[i].s.mode), mode_names[k]));
	family(fp, "smtpguard_mode_explicit", "gauge",
	       "1 if the mode was set, 0 if the first allow or block switched it.");
	for (i = 0; i < mx->n; i++)
		sample(fp, "smtpguard_mode_explicit", &mx->ns[i], NULL, NULL,
		       mx->ns[i].s.explicit);
	family(fp, "smtpguard_smtp_policy", "gauge",
	       "1 if an allow-list is configured (SMTP inspected).");
	for (i = 0; i < mx->n; i++)
		sample(fp, "smtpguard_smtp_policy", &mx->ns[i], NULL, NULL,
		       mx->ns[i].s.smtp_policy);
	family(fp, "smtpguard_roles_configured", "gauge",
	       "1 if inside or outside items are configured (else derived from routes).");
	for (i = 0; i < mx->n; i++)
		sample(fp, "smtpguard_roles_configured", &mx->ns[i], NULL, NULL,
		       mx->ns[i].s.roles_configured);
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		bool any = false;

		for (i = 0; i < mx->n; i++)
			any |= key_present(&mx->ns[i].s, &keys[k]);
		if (!any)
			continue;
		family(fp, keys[k].name, keys[k].type, keys[k].help);
		for (i = 0; i < mx->n; i++)
			if (key_present(&mx->ns[i].s, &keys[k]))
				sample(fp, keys[k].name, &mx->ns[i], NULL, NULL,
				       key_value(&mx->ns[i].s, &keys[k]));
	}

	family(fp, "smtpguard_offenders_by_reason", "gauge",
	       "Hosts in the offender ledger with this reason (needs CAP_NET_ADMIN).");
	for (i = 0; i < mx->n; i++) {
		if (!mx->ns[i].has_ledger)
			continue;
		sample(fp, "smtpguard_offenders_by_reason", &mx->ns[i],
		       "reason", "smtp", mx->ns[i].by_reason[0]);
		sample(fp, "smtpguard_offenders_by_reason", &mx->ns[i],
		       "reason", "cnc", mx->ns[i].by_reason[1]);
	}

	family(fp, "smtpguard_feed_entries", "gauge", "Entries of a feed.");
	for (i = 0; i < mx->n; i++)
		for (j = 0; j < mx->ns[i].nfeeds; j++)
			sample(fp, "smtpguard_feed_entries", &mx->ns[i], "feed",
			       mx->ns[i].feeds[j].name,
			       mx->ns[i].feeds[j].f.entries);
	feed_family(fp, mx, "smtpguard_feed_dropped_total",
		    "Packets dropped because this feed lists their address.",
		    false);
	feed_family(fp, mx, "smtpguard_feed_would_drop_total",
		    "Packets this feed lists that were not dropped (action monitor or mode monitor).",
		    true);

	if (!mx->has_fc)
		return ferror(fp) ? -1 : 0;
	/* feeds.conf: the same file for every namespace, a state each */
	family(fp, "smtpguard_feed_update_interval_seconds", "gauge",
	       "The feed's interval in feeds.conf.");
	for (i = 0; i < mx->n; i++)
		for (j = 0; j < mx->fc.n; j++)
			sample(fp, "smtpguard_feed_update_interval_seconds",
			       &mx->ns[i], "feed", mx->fc.defs[j].name,
			       mx->fc.defs[j].every);
	state_family(fp, mx, "smtpguard_feed_last_success_timestamp_seconds",
		     "When the feed was last updated (or found not modified); 0: never.",
		     false);
	state_family(fp, mx, "smtpguard_feed_last_update_failed",
		     "1 if the feed's last update attempt failed.", true);
	return ferror(fp) ? -1 : 0;
}

/* feeds.conf, when there is one; a broken one is said and left out. */
static void read_feeds_conf(struct metrics *mx)
{
	const char *conf = sg_feeds_conf_path();
	char err[SG_ERR_LEN];
	size_t len;
	char *buf;

	if (access(conf, F_OK) < 0)
		return;
	if (sg_feed_read(conf, &buf, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG_NAME ": stats: %s; feed update metrics left out\n",
			err);
		return;
	}
	if (sg_feeds_conf_parse(buf, len, conf, &mx->fc, err, sizeof(err)) < 0)
		fprintf(stderr, PROG_NAME ": stats: %s; feed update metrics left out\n",
			err);
	else
		mx->has_fc = true;
	free(buf);
}

int sg_metrics_run(struct sg_nl *nl, const struct sg_req *req)
{
	struct metrics *mx = calloc(1, sizeof(*mx));
	struct ns_metrics *m;
	int ret;

	if (!mx) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_KERNEL;
	}
	m = new_ns(mx, req->netns ? req->netns : "");
	ret = m ? collect(nl, m) : SG_EXIT_KERNEL;
	if (!ret)
		mx->n++;
	/* with -n, that namespace alone */
	if (!ret && !req->netns)
		ret = visit_others(mx);
	if (!ret) {
		read_feeds_conf(mx);
		if (req->file)
			ret = sg_file_replace(req->file, "stats", write_metrics, mx);
		else if (write_metrics(stdout, mx) < 0)
			ret = SG_EXIT_KERNEL;
	}
	free(mx->ns);
	free(mx);
	return ret;
}
