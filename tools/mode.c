// SPDX-License-Identifier: GPL-2.0
/*
 * mode [show] | mode [set] enforce|monitor|off
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

static int mode_attr_cb(const struct nlattr *attr, void *data)
{
	struct sg_mode_reply *r = data;

	switch (mnl_attr_get_type(attr)) {
	case SMTPGUARD_A_MODE:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		r->has_mode = true;
		r->mode = mnl_attr_get_u8(attr);
		break;
	case SMTPGUARD_A_MODE_EXPLICIT:
		r->explicit = true;
		break;
	case SMTPGUARD_A_SMTP_POLICY:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		r->has_smtp_policy = true;
		r->smtp_policy = mnl_attr_get_u8(attr);
		break;
	}
	return MNL_CB_OK;
}

static int mode_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), mode_attr_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int sg_mode_get(struct sg_nl *nl, struct sg_mode_reply *r)
{
	struct nlmsghdr *nlh;
	int ret;

	memset(r, 0, sizeof(*r));
	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_MODE_GET, 0, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, mode_cb, r);
	if (ret)
		return ret;
	if (!r->has_mode) {
		fprintf(stderr, PROG_NAME ": the kernel sent no mode\n");
		return SG_EXIT_KERNEL;
	}
	return SG_EXIT_OK;
}

static int mode_show(struct sg_nl *nl, const struct sg_req *req)
{
	struct sg_mode_reply r;
	int ret;

	(void)req;
	ret = sg_mode_get(nl, &r);
	if (ret)
		return ret;
	open_json_object(NULL);
	print_string(PRINT_ANY, "mode", "%s\n", sg_mode_name(r.mode));
	print_bool(PRINT_JSON, "explicit", NULL, r.explicit);
	close_json_object();
	return SG_EXIT_OK;
}

static int mode_set(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh;

	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_MODE_SET, 0,
			MNL_ALIGN(MNL_ATTR_HDRLEN + 1));
	if (!nlh)
		return SG_EXIT_KERNEL;
	mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, req->mode);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

int mode_parse(struct sg_req *req, int argc, char **argv)
{
	char q[SG_QUOTE_LEN];
	const char *word;

	if (argc == 0 || !strcmp(argv[0], "show")) {
		req->run = mode_show;
		return argc ? sg_no_more_args("mode", argc - 1, argv + 1) : 0;
	}
	if (!strcmp(argv[0], "help"))
		return sg_help("mode", argc - 1, argv + 1);
	if (!strcmp(argv[0], "set")) {
		if (argc < 2)
			return sg_usage_err("mode", "set: missing mode (enforce, monitor, off)");
		argc--;
		argv++;
	}
	word = argv[0];
	if (sg_parse_mode(word, &req->mode) < 0)
		return sg_usage_err("mode", "'%s' is not a mode (enforce, monitor, off)",
				    sg_quote(word, q, sizeof(q)));
	req->run = mode_set;
	return sg_no_more_args("mode", argc - 1, argv + 1);
}
