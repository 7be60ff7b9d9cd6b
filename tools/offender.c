// SPDX-License-Identifier: GPL-2.0
/*
 * offenders [list|show] [reason smtp|cnc] | offenders flush [reason smtp|cnc]
 *
 * The offender ledger: one record per internal host that broke the policy.
 * The dump is collected whole, sorted by last seen (most recent first) and
 * printed as one table, so the infected machine is the first line.  Both
 * commands need CAP_NET_ADMIN; an EPERM says so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>

#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

#define OFFENDERS_CMDS	"list, show, flush, help"
#define EPERM_HINT	"offender data needs CAP_NET_ADMIN"

/* ---- words ------------------------------------------------------------ */

int sg_parse_reason(const char *arg, uint32_t *reason)
{
	if (!strcmp(arg, "smtp"))
		*reason = SMTPGUARD_REASON_SMTP;
	else if (!strcmp(arg, "cnc"))
		*reason = SMTPGUARD_REASON_CNC;
	else
		return -1;
	return 0;
}

const char *sg_reasons_str(uint32_t reasons, char *buf, size_t len)
{
	size_t o = 0;
	uint32_t bit;

	buf[0] = '\0';
	for (bit = 1; bit && o < len; bit <<= 1) {
		const char *name;
		char num[16];

		if (!(reasons & bit))
			continue;
		if (bit == SMTPGUARD_REASON_SMTP) {
			name = "smtp";
		} else if (bit == SMTPGUARD_REASON_CNC) {
			name = "cnc";
		} else {
			snprintf(num, sizeof(num), "%" PRIu32, bit);
			name = num;
		}
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
				      name);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}

const char *sg_mac_str(const uint8_t *mac, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static const char *proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case 1:		return "icmp";
	case 6:		return "tcp";
	case 17:	return "udp";
	case 58:	return "ipv6-icmp";
	case 132:	return "sctp";
	case 136:	return "udplite";
	}
	snprintf(buf, len, "proto %u", proto);
	return buf;
}

const char *sg_dest_str(const struct sg_dest *d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], pb[16], feed[SMTPGUARD_FEED_NAME_MAX + 4];
	bool v6 = d->addr.family == AF_INET6;
	size_t o;

	sg_format_addr(d->addr.family, d->addr.addr, a, sizeof(a));
	if (d->has_port)
		o = (size_t)snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", a,
				     d->port);
	else
		o = (size_t)snprintf(buf, len, "%s", a);
	/* TCP is the usual case, and SMTP's: only other protocols are named. */
	if (o < len && d->proto && d->proto != 6)
		o += (size_t)snprintf(buf + o, len - o,
				      d->has_port ? "/%s" : " (%s)",
				      proto_name(d->proto, pb, sizeof(pb)));
	if (o < len && d->feed[0]) {
		snprintf(feed, sizeof(feed), " [%s]", d->feed);
		snprintf(buf + o, len - o, "%s", feed);
	}
	return buf;
}

/* ---- one record ------------------------------------------------------- */

struct dest_parse {
	struct sg_dest *d;
	bool has_addr;
};

static int dest_attr_cb(const struct nlattr *attr, void *data)
{
	struct dest_parse *dp = data;
	struct sg_dest *d = dp->d;
	size_t len;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_DEST_A_ADDR:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    sg_prefix_from_nest(attr, &d->addr) < 0)
			return MNL_CB_ERROR;
		dp->has_addr = true;
		break;
	case SMTPGUARD_DEST_A_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		d->has_port = true;
		d->port = mnl_attr_get_u16(attr);
		break;
	case SMTPGUARD_DEST_A_PROTO:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		d->proto = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_DEST_A_REASON:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		d->reason = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_DEST_A_FEED:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		len = strlen(mnl_attr_get_str(attr));
		if (len > SMTPGUARD_FEED_NAME_MAX)
			return MNL_CB_ERROR;
		memcpy(d->feed, mnl_attr_get_str(attr), len + 1);
		break;
	}
	return MNL_CB_OK;
}

struct offender_parse {
	struct sg_offender *o;
	bool has_addr;
};

static int offender_attr_cb(const struct nlattr *attr, void *data)
{
	struct offender_parse *op = data;
	struct sg_offender *o = op->o;
	uint64_t *slot = NULL;
	size_t len;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_OFFENDER_A_ADDR:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    sg_prefix_from_nest(attr, &o->addr) < 0)
			return MNL_CB_ERROR;
		op->has_addr = true;
		break;
	case SMTPGUARD_OFFENDER_A_MAC:
		if (mnl_attr_get_payload_len(attr) != 6)
			return MNL_CB_ERROR;
		memcpy(o->mac, mnl_attr_get_payload(attr), 6);
		o->has_mac = true;
		break;
	case SMTPGUARD_OFFENDER_A_IFINDEX:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		o->ifindex = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_OFFENDER_A_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		len = strlen(mnl_attr_get_str(attr));
		if (len >= sizeof(o->ifname))
			return MNL_CB_ERROR;
		memcpy(o->ifname, mnl_attr_get_str(attr), len + 1);
		break;
	case SMTPGUARD_OFFENDER_A_REASONS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		o->reasons = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_OFFENDER_A_PACKETS:
		slot = &o->packets;
		break;
	case SMTPGUARD_OFFENDER_A_SMTP_PACKETS:
		slot = &o->smtp_packets;
		break;
	case SMTPGUARD_OFFENDER_A_CNC_PACKETS:
		slot = &o->cnc_packets;
		break;
	case SMTPGUARD_OFFENDER_A_FIRST_SEEN:
		slot = &o->first_seen;
		break;
	case SMTPGUARD_OFFENDER_A_LAST_SEEN:
		slot = &o->last_seen;
		break;
	case SMTPGUARD_OFFENDER_A_DEST: {
		struct sg_dest d = { .proto = 0 };
		struct dest_parse dp = { .d = &d, .has_addr = false };

		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(attr, dest_attr_cb, &dp) < 0 ||
		    !dp.has_addr)
			return MNL_CB_ERROR;
		/* More than the header promises: the first (newest) ones. */
		if (o->ndests < SMTPGUARD_OFFENDER_DESTS)
			o->dests[o->ndests++] = d;
		break;
	}
	}	/* PAD, and members newer than this tool: skipped */
	if (slot) {
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return MNL_CB_ERROR;
		*slot = mnl_attr_get_u64(attr);
	}
	return MNL_CB_OK;
}

int sg_offender_from_nest(const struct nlattr *nest, struct sg_offender *o)
{
	struct offender_parse op = { .o = o, .has_addr = false };

	memset(o, 0, sizeof(*o));
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    mnl_attr_parse_nested(nest, offender_attr_cb, &op) < 0 ||
	    !op.has_addr)
		return -1;
	return 0;
}

/* ---- printing --------------------------------------------------------- */

static const char *ifname_str(const struct sg_offender *o, char *buf,
			      size_t len)
{
	if (o->ifname[0])
		return o->ifname;
	if (o->ifindex)
		snprintf(buf, len, "if%" PRIu32, o->ifindex);
	else
		snprintf(buf, len, "-");
	return buf;
}

void sg_print_offender_json(const struct sg_offender *o)
{
	char a[INET6_ADDRSTRLEN], m[24], t[SG_TIME_STRLEN];
	uint32_t bit;
	size_t i;

	print_string(PRINT_JSON, "address", NULL,
		     sg_format_addr(o->addr.family, o->addr.addr, a, sizeof(a)));
	if (o->has_mac)
		print_string(PRINT_JSON, "mac", NULL,
			     sg_mac_str(o->mac, m, sizeof(m)));
	else
		print_null(PRINT_JSON, "mac", NULL, NULL);
	print_uint(PRINT_JSON, "ifindex", NULL, o->ifindex);
	if (o->ifname[0])
		print_string(PRINT_JSON, "ifname", NULL, o->ifname);
	else
		print_null(PRINT_JSON, "ifname", NULL, NULL);
	open_json_array("reasons");
	for (bit = 1; bit; bit <<= 1) {
		char r[16];

		if (o->reasons & bit)
			print_string(PRINT_JSON, NULL, NULL,
				     sg_reasons_str(bit, r, sizeof(r)));
	}
	close_json_array();
	print_u64(PRINT_JSON, "packets", NULL, o->packets);
	print_u64(PRINT_JSON, "smtp_packets", NULL, o->smtp_packets);
	print_u64(PRINT_JSON, "cnc_packets", NULL, o->cnc_packets);
	print_string(PRINT_JSON, "first_seen", NULL,
		     sg_rfc3339(o->first_seen, t, sizeof(t)));
	print_string(PRINT_JSON, "last_seen", NULL,
		     sg_rfc3339(o->last_seen, t, sizeof(t)));
	open_json_array("destinations");
	for (i = 0; i < o->ndests; i++) {
		const struct sg_dest *d = &o->dests[i];
		char r[16];

		open_json_object(NULL);
		print_string(PRINT_JSON, "address", NULL,
			     sg_format_addr(d->addr.family, d->addr.addr, a,
					    sizeof(a)));
		if (d->has_port)
			print_uint(PRINT_JSON, "port", NULL, d->port);
		else
			print_null(PRINT_JSON, "port", NULL, NULL);
		print_uint(PRINT_JSON, "proto", NULL, d->proto);
		if (d->reason)
			print_string(PRINT_JSON, "reason", NULL,
				     sg_reasons_str(d->reason, r, sizeof(r)));
		else
			print_null(PRINT_JSON, "reason", NULL, NULL);
		if (d->feed[0])
			print_string(PRINT_JSON, "feed", NULL, d->feed);
		else
			print_null(PRINT_JSON, "feed", NULL, NULL);
		close_json_object();
	}
	close_json_array();
}

static int by_last_seen(const void *a, const void *b)
{
	const struct sg_offender *x = a, *y = b;

	if (x->last_seen != y->last_seen)
		return x->last_seen < y->last_seen ? 1 : -1;
	if (x->first_seen != y->first_seen)
		return x->first_seen < y->first_seen ? 1 : -1;
	return sg_prefix_cmp(&x->addr, &y->addr);
}

enum { C_HOST, C_MAC, C_IN, C_REASONS, C_PACKETS, C_SMTP, C_CNC, C_FIRST,
       C_LAST, C_DESTS, NCOLS };

static const char *const col_title[NCOLS] = {
	"HOST", "MAC", "IN", "REASONS", "PACKETS", "SMTP", "CNC",
	"FIRST SEEN", "LAST SEEN", "DESTINATIONS",
};

/* The cells of one row; the numbers right-aligned, the last not padded. */
#define CELL_LEN	(SMTPGUARD_OFFENDER_DESTS * (SG_DEST_STRLEN + 2) + 8)

static void row_cells(const struct sg_offender *o, char cells[NCOLS][CELL_LEN])
{
	char a[INET6_ADDRSTRLEN], d[SG_DEST_STRLEN];
	size_t i, off = 0;

	snprintf(cells[C_HOST], CELL_LEN, "%s",
		 sg_format_addr(o->addr.family, o->addr.addr, a, sizeof(a)));
	if (o->has_mac)
		sg_mac_str(o->mac, cells[C_MAC], CELL_LEN);
	else
		snprintf(cells[C_MAC], CELL_LEN, "-");
	snprintf(cells[C_IN], CELL_LEN, "%s",
		 ifname_str(o, a, sizeof(a)));
	sg_reasons_str(o->reasons, cells[C_REASONS], CELL_LEN);
	snprintf(cells[C_PACKETS], CELL_LEN, "%" PRIu64, o->packets);
	snprintf(cells[C_SMTP], CELL_LEN, "%" PRIu64, o->smtp_packets);
	snprintf(cells[C_CNC], CELL_LEN, "%" PRIu64, o->cnc_packets);
	sg_local_time(o->first_seen, cells[C_FIRST], CELL_LEN);
	sg_local_time(o->last_seen, cells[C_LAST], CELL_LEN);
	cells[C_DESTS][0] = '\0';
	for (i = 0; i < o->ndests && off < CELL_LEN; i++)
		off += (size_t)snprintf(cells[C_DESTS] + off, CELL_LEN - off,
					"%s%s", i ? ", " : "",
					sg_dest_str(&o->dests[i], d, sizeof(d)));
	if (!o->ndests)
		snprintf(cells[C_DESTS], CELL_LEN, "-");
}

static bool numeric_col(int c)
{
	return c == C_PACKETS || c == C_SMTP || c == C_CNC;
}

static void print_row(char cells[NCOLS][CELL_LEN], const size_t *w)
{
	char line[NCOLS * 48 + CELL_LEN];
	size_t o = 0;
	int c;

	for (c = 0; c < NCOLS; c++) {
		const char *sep = c ? "  " : "";

		if (c == NCOLS - 1)
			o += (size_t)snprintf(line + o, sizeof(line) - o,
					      "%s%s", sep, cells[c]);
		else
			o += (size_t)snprintf(line + o, sizeof(line) - o,
					      numeric_col(c) ? "%s%*s" : "%s%-*s",
					      sep, (int)w[c], cells[c]);
		if (o >= sizeof(line))
			break;
	}
	print_string(PRINT_FP, NULL, "%s\n", line);
}

void sg_print_offenders(struct sg_offender *o, size_t n, uint32_t filter)
{
	static char cells[NCOLS][CELL_LEN];
	size_t w[NCOLS], i;
	int c;

	if (n)
		qsort(o, n, sizeof(*o), by_last_seen);
	if (is_json()) {
		open_json_array(NULL);
		for (i = 0; i < n; i++) {
			open_json_object(NULL);
			sg_print_offender_json(&o[i]);
			close_json_object();
		}
		close_json_array();
		return;
	}
	if (!n) {
		char r[16];

		if (filter)
			print_string(PRINT_FP, NULL,
				     "no offenders with reason %s\n",
				     sg_reasons_str(filter, r, sizeof(r)));
		else
			print_string(PRINT_FP, NULL, "%s",
				     "no offenders\n");
		return;
	}
	for (c = 0; c < NCOLS; c++)
		w[c] = strlen(col_title[c]);
	for (i = 0; i < n; i++) {
		row_cells(&o[i], cells);
		for (c = 0; c < NCOLS; c++)
			if (strlen(cells[c]) > w[c])
				w[c] = strlen(cells[c]);
	}
	for (c = 0; c < NCOLS; c++)
		snprintf(cells[c], CELL_LEN, "%s", col_title[c]);
	print_row(cells, w);
	for (i = 0; i < n; i++) {
		row_cells(&o[i], cells);
		print_row(cells, w);
	}
}

/* ---- the commands ----------------------------------------------------- */

#define U32_ATTR_SIZE	(MNL_ATTR_HDRLEN + MNL_ALIGN(sizeof(uint32_t)))

struct list_ctx {
	struct sg_offender *o;
	size_t n, cap;
	bool nomem;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct list_ctx *ctx = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != SMTPGUARD_A_OFFENDER)
			continue;
		if (ctx->n == ctx->cap) {
			size_t cap = ctx->cap ? ctx->cap * 2 : 64;
			struct sg_offender *p;

			p = reallocarray(ctx->o, cap, sizeof(*p));
			if (!p) {
				ctx->nomem = true;
				errno = ENOMEM;
				return MNL_CB_STOP;
			}
			ctx->o = p;
			ctx->cap = cap;
		}
		if (sg_offender_from_nest(attr, &ctx->o[ctx->n]) < 0)
			return MNL_CB_ERROR;
		ctx->n++;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *reason_msg(struct sg_nl *nl, uint8_t cmd,
				   uint16_t flags, uint32_t reason)
{
	struct nlmsghdr *nlh = sg_nl_msg(nl, cmd, flags, U32_ATTR_SIZE);

	if (!nlh) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return NULL;
	}
	if (reason)
		mnl_attr_put_u32(nlh, SMTPGUARD_A_REASON, reason);
	nl->eperm_hint = EPERM_HINT;
	return nlh;
}

int sg_offenders_get(struct sg_nl *nl, uint32_t reason,
		     struct sg_offender **out, size_t *n)
{
	struct list_ctx ctx = { .o = NULL };
	struct nlmsghdr *nlh;
	int ret;

	*out = NULL;
	*n = 0;
	nlh = reason_msg(nl, SMTPGUARD_CMD_OFFENDER_GET, NLM_F_DUMP, reason);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, list_cb, &ctx);
	if (!ret && ctx.nomem) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		ret = SG_EXIT_KERNEL;
	}
	if (ret) {
		free(ctx.o);
		return ret;
	}
	*out = ctx.o;
	*n = ctx.n;
	return 0;
}

static int offenders_list(struct sg_nl *nl, const struct sg_req *req)
{
	struct sg_offender *o;
	size_t n;
	int ret;

	ret = sg_offenders_get(nl, req->reason, &o, &n);
	/* Nothing at all on an error: no "[]" to take for an empty ledger. */
	if (!ret)
		sg_print_offenders(o, n, req->reason);
	free(o);
	return ret;
}

struct flush_reply {
	bool has_count;
	uint32_t count;
};

static int flush_cb(const struct nlmsghdr *nlh, void *data)
{
	struct flush_reply *r = data;
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != SMTPGUARD_A_COUNT)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		r->has_count = true;
		r->count = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

static int offenders_flush(struct sg_nl *nl, const struct sg_req *req)
{
	struct flush_reply r = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = reason_msg(nl, SMTPGUARD_CMD_OFFENDER_FLUSH, 0, req->reason);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, flush_cb, &r);
	if (ret)
		return ret;
	if (!r.has_count) {
		fprintf(stderr, PROG_NAME ": the kernel sent no count\n");
		return SG_EXIT_KERNEL;
	}
	open_json_object(NULL);
	print_uint(PRINT_ANY, "flushed", r.count == 1 ? "flushed %u offender\n" :
		   "flushed %u offenders\n", r.count);
	close_json_object();
	return SG_EXIT_OK;
}

/* Nothing, or "reason smtp|cnc". */
static int parse_reason_only(struct sg_req *req, const char *cmd, int argc,
			     char **argv)
{
	char q[SG_QUOTE_LEN];
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "reason"))
			return sg_usage_err("offenders", "%s: unexpected argument '%s' (reason smtp|cnc)",
					    cmd, sg_quote(argv[i], q, sizeof(q)));
		if (req->reason)
			return sg_usage_err("offenders", "%s: reason given twice",
					    cmd);
		if (++i == argc)
			return sg_usage_err("offenders", "%s: reason: missing smtp or cnc",
					    cmd);
		if (sg_parse_reason(argv[i], &req->reason) < 0)
			return sg_usage_err("offenders", "%s: '%s' is not a reason (smtp, cnc)",
					    cmd, sg_quote(argv[i], q, sizeof(q)));
	}
	return 0;
}

int offenders_parse(struct sg_req *req, int argc, char **argv)
{
	const char *cmd = argc > 0 ? argv[0] : "list";
	char q[SG_QUOTE_LEN];

	if (!strcmp(cmd, "help"))
		return sg_help("offenders", argc - 1, argv + 1);
	if (!strcmp(cmd, "flush")) {
		req->run = offenders_flush;
		return parse_reason_only(req, cmd, argc - 1, argv + 1);
	}
	req->run = offenders_list;
	if (sg_is_list(cmd))
		return argc > 0 ? parse_reason_only(req, cmd, argc - 1, argv + 1) : 0;
	/* "offenders reason cnc": list is the default command. */
	if (!strcmp(cmd, "reason"))
		return parse_reason_only(req, "list", argc, argv);
	req->run = NULL;
	return sg_usage_err("offenders", "unknown command '%s' (" OFFENDERS_CMDS ")",
			    sg_quote(cmd, q, sizeof(q)));
}
