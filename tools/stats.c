// SPDX-License-Identifier: GPL-2.0
/*
 * stats [show] | stats reset
 *
 * Plain output is /proc/net/smtpguard line for line: same keys, same
 * order, same numbers.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

static int stats_nest_cb(const struct nlattr *attr, void *data)
{
	struct sg_stats *s = data;
	bool dummy, *has = &dummy;
	uint64_t *slot;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_STATS_A_SMTP_INSPECTED:
		slot = &s->inspected;
		break;
	case SMTPGUARD_STATS_A_SMTP_ALLOWED:
		slot = &s->allowed;
		break;
	case SMTPGUARD_STATS_A_SMTP_DROPPED:
		slot = &s->dropped;
		break;
	case SMTPGUARD_STATS_A_SMTP_WOULD_DROP:
		slot = &s->would_drop;
		break;
	case SMTPGUARD_STATS_A_CNC_DROPPED:
		slot = &s->cnc_dropped;
		has = &s->has_cnc_dropped;
		break;
	case SMTPGUARD_STATS_A_CNC_WOULD_DROP:
		slot = &s->cnc_would_drop;
		has = &s->has_cnc_would_drop;
		break;
	case SMTPGUARD_STATS_A_BLOCK_BYTES:
		slot = &s->block_bytes;
		has = &s->has_block_bytes;
		break;
	case SMTPGUARD_STATS_A_OFFENDERS_EVICTED:
		slot = &s->offenders_evicted;
		has = &s->has_offenders_evicted;
		break;
	case SMTPGUARD_STATS_A_EVENTS_SENT:
		slot = &s->events_sent;
		has = &s->has_events_sent;
		break;
	case SMTPGUARD_STATS_A_EVENTS_DROPPED:
		slot = &s->events_dropped;
		has = &s->has_events_dropped;
		break;
	case SMTPGUARD_STATS_A_SMTP_OUTSIDE:
		slot = &s->smtp_outside;
		has = &s->has_scope;
		break;
	case SMTPGUARD_STATS_A_CNC_OUTSIDE:
		slot = &s->cnc_outside;
		has = &s->has_scope;
		break;
	case SMTPGUARD_STATS_A_CNC_EXCEPTED:
		slot = &s->cnc_excepted;
		has = &s->has_scope;
		break;
	case SMTPGUARD_STATS_A_CNC_OTHER_DIRECTION:
		slot = &s->cnc_other_direction;
		has = &s->has_other_direction;
		break;
	case SMTPGUARD_STATS_A_OFFENDERS_SUPPRESSED:
		slot = &s->offenders_suppressed;
		has = &s->has_suppressed;
		break;
	case SMTPGUARD_STATS_A_EVENTS_SUPPRESSED:
		slot = &s->events_suppressed;
		has = &s->has_suppressed;
		break;
	case SMTPGUARD_STATS_A_BLOCK_REBUILDS:
		slot = &s->block_rebuilds;
		has = &s->has_block_rebuilds;
		break;
	case SMTPGUARD_STATS_A_BLOCK_HITS_UNRECORDED:
		slot = &s->block_hits_unrecorded;
		has = &s->has_block_hits_unrecorded;
		break;
	default:	/* PAD, and counters newer than this tool */
		return MNL_CB_OK;
	}
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	*slot = mnl_attr_get_u64(attr);
	*has = true;
	return MNL_CB_OK;
}

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	struct sg_stats *s = data;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_A_MODE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		s->has_mode = true;
		s->mode = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_MODE_EXPLICIT:
		s->explicit = true;
		break;
	case SMTPGUARD_A_ALLOW_ENTRIES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		s->allow_entries = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_BLOCK_ENTRIES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		s->has_block_entries = true;
		s->block_entries = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_BLOCK_FEEDS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		s->has_block_feeds = true;
		s->block_feeds = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_OFFENDERS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		s->has_offenders = true;
		s->offenders = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_SMTP_POLICY:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		s->has_smtp_policy = true;
		s->smtp_policy = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_OFFENDERS_HASHSIZE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		s->has_offenders_hashsize = true;
		s->offenders_hashsize = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_EXCEPT_ENTRIES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		s->except_entries = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_ROLES_CONFIGURED:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		s->has_roles = true;
		s->roles_configured = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_PORTS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    sg_ports_from_nest(attr, s->ports, &s->nports) < 0)
			return MNL_CB_ERROR;
		break;
	case SMTPGUARD_A_STATS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(attr, stats_nest_cb, s) < 0)
			return MNL_CB_ERROR;
		s->has_stats = true;
		break;
	}
	return MNL_CB_OK;
}

int sg_stats_parse(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), stats_attr_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* The /proc keys, in /proc's order, in an open JSON object. */
static void print_stats_keys(const struct sg_stats *s)
{
	print_string(PRINT_ANY, "mode", "mode %s\n", sg_mode_name(s->mode));
	print_bool(PRINT_ANY, "mode_explicit", "mode_explicit %d\n",
		   s->explicit);
	print_uint(PRINT_ANY, "allow_entries", "allow_entries %u\n",
		   s->allow_entries);
	print_string(PRINT_FP, NULL, "%s", "smtp_ports ");
	sg_print_ports("smtp_ports", "%u", ",%u", s->ports, s->nports);
	print_string(PRINT_FP, NULL, "%s", "\n");
	print_u64(PRINT_ANY, "smtp_inspected", "smtp_inspected %" PRIu64 "\n",
		  s->inspected);
	print_u64(PRINT_ANY, "smtp_allowed", "smtp_allowed %" PRIu64 "\n",
		  s->allowed);
	print_u64(PRINT_ANY, "smtp_dropped", "smtp_dropped %" PRIu64 "\n",
		  s->dropped);
	print_u64(PRINT_ANY, "smtp_would_drop", "smtp_would_drop %" PRIu64 "\n",
		  s->would_drop);
	/* An older module sends none of these: print nothing, not zeros. */
	if (s->has_block_entries)
		print_uint(PRINT_ANY, "block_entries", "block_entries %u\n",
			   s->block_entries);
	if (s->has_block_feeds)
		print_uint(PRINT_ANY, "block_feeds", "block_feeds %u\n",
			   s->block_feeds);
	if (s->has_block_bytes)
		print_u64(PRINT_ANY, "block_bytes", "block_bytes %" PRIu64 "\n",
			  s->block_bytes);
	if (s->has_cnc_dropped)
		print_u64(PRINT_ANY, "cnc_dropped", "cnc_dropped %" PRIu64 "\n",
			  s->cnc_dropped);
	if (s->has_cnc_would_drop)
		print_u64(PRINT_ANY, "cnc_would_drop",
			  "cnc_would_drop %" PRIu64 "\n", s->cnc_would_drop);
	if (s->has_offenders)
		print_uint(PRINT_ANY, "offenders", "offenders %u\n",
			   s->offenders);
	if (s->has_offenders_evicted)
		print_u64(PRINT_ANY, "offenders_evicted",
			  "offenders_evicted %" PRIu64 "\n", s->offenders_evicted);
	if (s->has_events_sent)
		print_u64(PRINT_ANY, "events_sent", "events_sent %" PRIu64 "\n",
			  s->events_sent);
	if (s->has_events_dropped)
		print_u64(PRINT_ANY, "events_dropped",
			  "events_dropped %" PRIu64 "\n", s->events_dropped);
	if (s->has_smtp_policy)
		print_bool(PRINT_ANY, "smtp_policy", "smtp_policy %d\n",
			   s->smtp_policy);
	if (s->has_offenders_hashsize)
		print_uint(PRINT_ANY, "offenders_hashsize",
			   "offenders_hashsize %u\n", s->offenders_hashsize);
	/* The same keys, in the same order, as /proc/net/smtpguard. */
	if (s->has_scope) {
		print_u64(PRINT_ANY, "smtp_outside", "smtp_outside %" PRIu64 "\n",
			  s->smtp_outside);
		print_u64(PRINT_ANY, "cnc_outside", "cnc_outside %" PRIu64 "\n",
			  s->cnc_outside);
		print_u64(PRINT_ANY, "cnc_excepted", "cnc_excepted %" PRIu64 "\n",
			  s->cnc_excepted);
	}
	if (s->has_roles) {
		print_uint(PRINT_ANY, "except_entries", "except_entries %u\n",
			   s->except_entries);
		/* a number, as /proc says it (smtp_stats.sh compares) */
		print_uint(PRINT_ANY, "roles_configured",
			   "roles_configured %u\n", s->roles_configured);
	}
	if (s->has_other_direction)
		print_u64(PRINT_ANY, "cnc_other_direction",
			  "cnc_other_direction %" PRIu64 "\n",
			  s->cnc_other_direction);
	if (s->has_suppressed) {
		print_u64(PRINT_ANY, "offenders_suppressed",
			  "offenders_suppressed %" PRIu64 "\n",
			  s->offenders_suppressed);
		print_u64(PRINT_ANY, "events_suppressed",
			  "events_suppressed %" PRIu64 "\n", s->events_suppressed);
	}
	if (s->has_block_rebuilds)
		print_u64(PRINT_ANY, "block_rebuilds",
			  "block_rebuilds %" PRIu64 "\n", s->block_rebuilds);
	if (s->has_block_hits_unrecorded)
		print_u64(PRINT_ANY, "block_hits_unrecorded",
			  "block_hits_unrecorded %" PRIu64 "\n",
			  s->block_hits_unrecorded);
}

void sg_print_stats(const struct sg_stats *s)
{
	open_json_object(NULL);
	print_stats_keys(s);
	close_json_object();
}

static int stats_show(struct sg_nl *nl, const struct sg_req *req)
{
	struct sg_stats s = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	(void)req;
	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_STATS_GET, 0, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, sg_stats_parse, &s);
	if (ret)
		return ret;
	if (!s.has_mode || !s.has_stats) {
		fprintf(stderr, PROG_NAME ": the kernel sent incomplete statistics\n");
		return SG_EXIT_KERNEL;
	}
	if (!is_json()) {
		sg_print_stats(&s);
		return SG_EXIT_OK;
	}
	/* JSON: the /proc keys and "feeds", each feed as block feeds -j */
	open_json_object(NULL);
	print_stats_keys(&s);
	ret = sg_feeds_print(nl, "feeds");
	close_json_object();
	return ret;
}

static int stats_reset(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh = sg_nl_msg(nl, SMTPGUARD_CMD_STATS_RESET, 0, 0);

	(void)req;
	return nlh ? sg_nl_do(nl, nlh, NULL, NULL) : SG_EXIT_KERNEL;
}

/* [show] [--format prometheus [-f FILE]] */
static int parse_show(struct sg_req *req, int argc, char **argv)
{
	char q[SG_QUOTE_LEN];
	bool prometheus = false;
	int i = argc && !strcmp(argv[0], "show");

	req->run = stats_show;
	for (; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (!strcmp(a, "--format") || !strcmp(a, "-o")) {
			if (i + 1 == argc)
				return sg_usage_err("stats", "%s: missing FORMAT (prometheus)", a);
			v = argv[++i];
		} else if (!strncmp(a, "--format=", 9)) {
			v = a + 9;
		} else if (!strcmp(a, "-f")) {
			if (i + 1 == argc || !argv[i + 1][0])
				return sg_usage_err("stats", "-f: missing FILE");
			req->file = argv[++i];
			continue;
		} else {
			return sg_usage_err("stats", "unexpected argument '%s' (show, --format prometheus, -f FILE)",
					    sg_quote(a, q, sizeof(q)));
		}
		if (strcmp(v, "prometheus"))
			return sg_usage_err("stats", "--format: '%s' is not a format (prometheus; -j gives JSON)",
					    sg_quote(v, q, sizeof(q)));
		prometheus = true;
	}
	if (req->file && !prometheus)
		return sg_usage_err("stats", "-f FILE goes with --format prometheus");
	if (prometheus)
		req->run = sg_metrics_run;
	return 0;
}

int stats_parse(struct sg_req *req, int argc, char **argv)
{
	char q[SG_QUOTE_LEN];

	if (argc == 0 || !strcmp(argv[0], "show") || argv[0][0] == '-')
		return parse_show(req, argc, argv);
	if (!strcmp(argv[0], "reset")) {
		req->run = stats_reset;
		return sg_no_more_args("stats", argc - 1, argv + 1);
	}
	if (!strcmp(argv[0], "help"))
		return sg_help("stats", argc - 1, argv + 1);
	return sg_usage_err("stats", "unknown command '%s' (show, reset, help)",
			    sg_quote(argv[0], q, sizeof(q)));
}
