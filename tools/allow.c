// SPDX-License-Identifier: GPL-2.0
/*
 * allow [add] ADDR[/LEN]... | allow del ADDR[/LEN]... | allow [list|show]
 * | allow flush | allow none | allow off
 * except [add] ADDR[/LEN]... | except del ADDR[/LEN]... | except [list|show]
 * | except flush
 *
 * The SMTP policy takes effect with the first allow-list: "allow ADDR" or
 * "allow none" (configured, empty: no SMTP at all).  "allow flush" empties
 * the list and keeps the policy; "allow off" empties it and stops
 * inspecting SMTP (C&C blocking is not touched).  Exceptions are the same
 * kind of list: prefixes that no feed blocks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

static bool is_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

/* The two prefix lists with the same grammar. */
struct prefix_list {
	const char *obj;		/* "allow", "except" */
	const char *commands;		/* for "unknown command" */
	int max;
};

static const struct prefix_list allow_list_def = {
	.obj = "allow",
	.commands = "add, del, list, show, flush, none, off, help",
	.max = SMTPGUARD_MAX_ALLOW,
};

static const struct prefix_list except_list_def = {
	.obj = "except",
	.commands = "add, del, list, show, flush, help",
	.max = SMTPGUARD_MAX_EXCEPT,
};

/* implicit: "allow ADDR...", where a typo of a command lands here too. */
static int parse_prefixes(struct sg_req *req, const struct prefix_list *l,
			  const char *cmd, bool implicit, int argc, char **argv)
{
	char err[SG_ERR_LEN];
	int i;

	if (argc < 1)
		return sg_usage_err(l->obj, "%s: missing address (ADDR[/LEN]...)",
				    cmd);
	if (argc > l->max)
		return sg_usage_err(l->obj, "%s: too many prefixes: %d (at most %d)",
				    cmd, argc, l->max);
	req->prefixes = calloc((size_t)argc, sizeof(*req->prefixes));
	if (!req->prefixes) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_USAGE;
	}
	for (i = 0; i < argc; i++) {
		if (sg_parse_prefix(argv[i], &req->prefixes[i], err, sizeof(err)) < 0) {
			char q[SG_QUOTE_LEN];

			if (implicit && i == 0 && is_word(argv[i]))
				return sg_usage_err(l->obj, "unknown command '%s' (%s) and not an address",
						    sg_quote(argv[i], q, sizeof(q)),
						    l->commands);
			return sg_usage_err(l->obj, "%s", err);
		}
	}
	/* "10.0.0.1 10.0.0.1/32" is one prefix; the kernel sees each once. */
	req->nprefixes = sg_prefix_unique(req->prefixes, (size_t)argc);
	return 0;
}

void sg_put_prefixes(struct nlmsghdr *nlh, const struct sg_prefix *p,
		     size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct nlattr *nest;

		nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PREFIX);
		mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, p[i].family);
		mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR,
			     sg_addr_len(p[i].family), p[i].addr);
		mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN, p[i].len);
		mnl_attr_nest_end(nlh, nest);
	}
}

void sg_print_mode_auto(const char *by)
{
	/* A blocklist alone never touches mail: say so. */
	bool block = !strncmp(by, "block", 5);
	char line[224];

	snprintf(line, sizeof(line),
		 "mode: %s (switched automatically by the first %s; %s'"
		 PROG_NAME " mode monitor' only counts)\n",
		 sg_mode_name(SMTPGUARD_MODE_ENFORCE), by,
		 block ? "SMTP is not inspected until an allow-list is configured; " : "");
	print_string(PRINT_FP, NULL, "%s", line);
}

static struct nlmsghdr *prefix_msg(struct sg_nl *nl, uint8_t cmd,
				   const struct sg_req *req)
{
	struct nlmsghdr *nlh;

	nlh = sg_nl_msg(nl, cmd, 0, req->nprefixes * SG_PREFIX_NEST_SIZE);
	if (!nlh) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return NULL;
	}
	sg_put_prefixes(nlh, req->prefixes, req->nprefixes);
	return nlh;
}

struct add_reply {
	bool has_mode;
	uint8_t mode;
	bool has_entries;
	uint32_t entries;
	bool mode_auto;
};

static int add_attr_cb(const struct nlattr *attr, void *data)
{
	struct add_reply *r = data;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_A_MODE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		r->has_mode = true;
		r->mode = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_ALLOW_ENTRIES:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		r->has_entries = true;
		r->entries = mnl_attr_get_u32(attr);
		break;
	case SMTPGUARD_A_MODE_AUTO:
		r->mode_auto = true;
		break;
	}
	return MNL_CB_OK;
}

static int add_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), add_attr_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int allow_add(struct sg_nl *nl, const struct sg_req *req)
{
	struct add_reply r = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = prefix_msg(nl, SMTPGUARD_CMD_ALLOW_ADD, req);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, add_cb, &r);
	if (ret)
		return ret;

	/* Plain output stays silent unless the mode changed under the user. */
	open_json_object(NULL);
	if (r.has_mode)
		print_string(PRINT_JSON, "mode", NULL, sg_mode_name(r.mode));
	if (r.has_entries)
		print_uint(PRINT_JSON, "allow_entries", NULL, r.entries);
	print_bool(PRINT_JSON, "mode_auto", NULL, r.mode_auto);
	if (r.mode_auto)
		sg_print_mode_auto("allow");
	close_json_object();
	return SG_EXIT_OK;
}

/*
 * ALLOW_FLUSH.  armed: -1 keep the SMTP policy as it is, 1 in effect (the
 * kernel then switches an unconfigured namespace to enforce, as the first
 * "allow ADDR" does), 0 not.
 */
int sg_allow_flush(struct sg_nl *nl, int armed, bool *mode_auto)
{
	struct add_reply r = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_ALLOW_FLUSH, 0,
			armed < 0 ? 0 : MNL_ALIGN(MNL_ATTR_HDRLEN + 1));
	if (!nlh)
		return SG_EXIT_KERNEL;
	if (armed >= 0)
		mnl_attr_put_u8(nlh, SMTPGUARD_A_SMTP_POLICY, (uint8_t)armed);
	ret = sg_nl_do(nl, nlh, add_cb, &r);
	if (mode_auto)
		*mode_auto = r.mode_auto;
	return ret;
}

static int allow_flush(struct sg_nl *nl, const struct sg_req *req)
{
	(void)req;
	return sg_allow_flush(nl, -1, NULL);
}

static int allow_none(struct sg_nl *nl, const struct sg_req *req)
{
	bool mode_auto = false;
	int ret;

	(void)req;
	ret = sg_allow_flush(nl, 1, &mode_auto);
	if (!ret && mode_auto)
		sg_print_mode_auto("allow");
	return ret;
}

static int allow_off(struct sg_nl *nl, const struct sg_req *req)
{
	(void)req;
	return sg_allow_flush(nl, 0, NULL);
}

static int allow_del(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh = prefix_msg(nl, SMTPGUARD_CMD_ALLOW_DEL, req);

	return nlh ? sg_nl_do(nl, nlh, NULL, NULL) : SG_EXIT_KERNEL;
}

/* Exceptions change no mode; the reply's count is for JSON. */
static int except_add(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh = prefix_msg(nl, SMTPGUARD_CMD_EXCEPT_ADD, req);

	return nlh ? sg_nl_do(nl, nlh, NULL, NULL) : SG_EXIT_KERNEL;
}

static int except_del(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh = prefix_msg(nl, SMTPGUARD_CMD_EXCEPT_DEL, req);

	return nlh ? sg_nl_do(nl, nlh, NULL, NULL) : SG_EXIT_KERNEL;
}

static int except_flush(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh;

	(void)req;
	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_EXCEPT_FLUSH, 0, 0);
	return nlh ? sg_nl_do(nl, nlh, NULL, NULL) : SG_EXIT_KERNEL;
}

struct prefix_attrs {
	const struct nlattr *tb[SMTPGUARD_PREFIX_A_MAX + 1];
};

static int prefix_attr_cb(const struct nlattr *attr, void *data)
{
	struct prefix_attrs *pa = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= SMTPGUARD_PREFIX_A_MAX)	/* newer kernels may add more */
		pa->tb[type] = attr;
	return MNL_CB_OK;
}

/* Reads one SMTPGUARD_A_PREFIX nest; -1 if it is malformed. */
int sg_prefix_from_nest(const struct nlattr *nest, struct sg_prefix *p)
{
	struct prefix_attrs pa = { { NULL } };
	const struct nlattr **tb = pa.tb;
	size_t alen;

	memset(p, 0, sizeof(*p));
	if (mnl_attr_parse_nested(nest, prefix_attr_cb, &pa) < 0)
		return -1;
	if (!tb[SMTPGUARD_PREFIX_A_FAMILY] || !tb[SMTPGUARD_PREFIX_A_ADDR] ||
	    mnl_attr_validate(tb[SMTPGUARD_PREFIX_A_FAMILY], MNL_TYPE_U16) < 0)
		return -1;
	p->family = mnl_attr_get_u16(tb[SMTPGUARD_PREFIX_A_FAMILY]);
	alen = sg_addr_len(p->family);
	if (!alen || mnl_attr_get_payload_len(tb[SMTPGUARD_PREFIX_A_ADDR]) != alen)
		return -1;
	memcpy(p->addr, mnl_attr_get_payload(tb[SMTPGUARD_PREFIX_A_ADDR]), alen);
	p->len = (uint8_t)(alen * 8);
	if (tb[SMTPGUARD_PREFIX_A_PREFIXLEN]) {
		if (mnl_attr_validate(tb[SMTPGUARD_PREFIX_A_PREFIXLEN], MNL_TYPE_U8) < 0)
			return -1;
		p->len = mnl_attr_get_u8(tb[SMTPGUARD_PREFIX_A_PREFIXLEN]);
		if (p->len > alen * 8)
			return -1;
	}
	return 0;
}

void sg_print_prefix(const struct sg_prefix *p)
{
	char a[INET6_ADDRSTRLEN], text[SG_PREFIX_STRLEN];

	open_json_object(NULL);
	/* "prefix" first, as in 'block list -j'; then its parts. */
	print_string(PRINT_JSON, "prefix", NULL,
		     sg_format_prefix(p, text, sizeof(text)));
	print_string(PRINT_JSON, "family", NULL,
		     p->family == AF_INET ? "inet" : "inet6");
	print_string(PRINT_JSON, "address", NULL,
		     sg_format_addr(p->family, p->addr, a, sizeof(a)));
	print_uint(PRINT_JSON, "prefixlen", NULL, p->len);
	print_string(PRINT_FP, NULL, "%s\n",
		     sg_format_prefix(p, text, sizeof(text)));
	close_json_object();
}

struct list_ctx {
	bool opened;		/* the JSON array was started */
};

static int list_attr_cb(const struct nlattr *attr, void *data)
{
	struct list_ctx *ctx = data;
	struct sg_prefix p;

	if (mnl_attr_get_type(attr) != SMTPGUARD_A_PREFIX)
		return MNL_CB_OK;
	if (sg_prefix_from_nest(attr, &p) < 0)
		return MNL_CB_ERROR;
	if (!ctx->opened) {
		open_json_array(NULL);
		ctx->opened = true;
	}
	sg_print_prefix(&p);
	return MNL_CB_OK;
}

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), list_attr_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

/* ALLOW_GET or EXCEPT_GET: one prefix per line, or a JSON array. */
int sg_prefix_list(struct sg_nl *nl, uint8_t cmd)
{
	struct list_ctx ctx = { .opened = false };
	struct nlmsghdr *nlh;
	int ret;

	nlh = sg_nl_msg(nl, cmd, NLM_F_DUMP, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	/*
	 * Streamed: each prefix is printed as its message arrives.  The
	 * array opens with the first one, so a dump that fails at once
	 * prints no "[]" that a script could take for an empty list.
	 */
	ret = sg_nl_do(nl, nlh, list_cb, &ctx);
	if (!ret && !ctx.opened)
		open_json_array(NULL);
	close_json_array();
	return ret;
}

static int allow_list(struct sg_nl *nl, const struct sg_req *req)
{
	(void)req;
	return sg_prefix_list(nl, SMTPGUARD_CMD_ALLOW_GET);
}

static int except_list(struct sg_nl *nl, const struct sg_req *req)
{
	(void)req;
	return sg_prefix_list(nl, SMTPGUARD_CMD_EXCEPT_GET);
}

int except_parse(struct sg_req *req, int argc, char **argv)
{
	const struct prefix_list *l = &except_list_def;
	const char *cmd = argc > 0 ? argv[0] : "list";

	if (sg_is_list(cmd)) {
		req->run = except_list;
		return argc > 0 ? sg_no_more_args(l->obj, argc - 1, argv + 1) : 0;
	}
	if (!strcmp(cmd, "flush")) {
		req->run = except_flush;
		return sg_no_more_args(l->obj, argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "help"))
		return sg_help(l->obj, argc - 1, argv + 1);
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete")) {
		req->run = except_del;
		return parse_prefixes(req, l, "del", false, argc - 1, argv + 1);
	}
	req->run = except_add;
	if (!strcmp(cmd, "add"))
		return parse_prefixes(req, l, "add", false, argc - 1, argv + 1);
	return parse_prefixes(req, l, "add", true, argc, argv);
}

int allow_parse(struct sg_req *req, int argc, char **argv)
{
	const struct prefix_list *l = &allow_list_def;
	const char *cmd = argc > 0 ? argv[0] : "list";

	if (sg_is_list(cmd)) {
		req->run = allow_list;
		return argc > 0 ? sg_no_more_args("allow", argc - 1, argv + 1) : 0;
	}
	if (!strcmp(cmd, "flush")) {
		req->run = allow_flush;
		return sg_no_more_args("allow", argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "none")) {
		req->run = allow_none;
		return sg_no_more_args("allow", argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "off")) {
		req->run = allow_off;
		return sg_no_more_args("allow", argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "help"))
		return sg_help("allow", argc - 1, argv + 1);
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete")) {
		req->run = allow_del;
		return parse_prefixes(req, l, "del", false, argc - 1, argv + 1);
	}
	req->run = allow_add;
	if (!strcmp(cmd, "add"))
		return parse_prefixes(req, l, "add", false, argc - 1, argv + 1);
	return parse_prefixes(req, l, "add", true, argc, argv);
}
