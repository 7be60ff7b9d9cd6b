// SPDX-License-Identifier: GPL-2.0
/*
 * ports [show] | ports [set] PORT...
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>

#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

int sg_ports_from_nest(const struct nlattr *nest, uint16_t *ports,
		       size_t *n)
{
	const struct nlattr *attr;

	*n = 0;
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != SMTPGUARD_PORTS_A_PORT)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0 ||
		    *n >= SMTPGUARD_MAX_PORTS)
			return -1;
		ports[(*n)++] = mnl_attr_get_u16(attr);
	}
	return 0;
}

void sg_print_ports(const char *key, const char *first, const char *next,
		    const uint16_t *ports, size_t n)
{
	size_t i;

	open_json_array(key);
	for (i = 0; i < n; i++)
		print_uint(PRINT_ANY, NULL, i ? next : first, ports[i]);
	close_json_array();
}

struct ports_reply {
	bool has_ports;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t n;
};

static int ports_attr_cb(const struct nlattr *attr, void *data)
{
	struct ports_reply *r = data;

	if (mnl_attr_get_type(attr) != SMTPGUARD_A_PORTS)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
	    sg_ports_from_nest(attr, r->ports, &r->n) < 0)
		return MNL_CB_ERROR;
	r->has_ports = true;
	return MNL_CB_OK;
}

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), ports_attr_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int ports_show(struct sg_nl *nl, const struct sg_req *req)
{
	struct ports_reply r = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	(void)req;
	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_PORTS_GET, 0, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	ret = sg_nl_do(nl, nlh, ports_cb, &r);
	if (ret)
		return ret;
	if (!r.has_ports) {
		fprintf(stderr, PROG_NAME ": the kernel sent no port set\n");
		return SG_EXIT_KERNEL;
	}
	open_json_object(NULL);
	sg_print_ports("ports", "%u", " %u", r.ports, r.n);
	print_string(PRINT_FP, NULL, "%s", "\n");
	close_json_object();
	return SG_EXIT_OK;
}

static int ports_set(struct sg_nl *nl, const struct sg_req *req)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	size_t i;

	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_PORTS_SET, 0,
			MNL_ATTR_HDRLEN +
			req->nports * MNL_ALIGN(MNL_ATTR_HDRLEN + 2));
	if (!nlh)
		return SG_EXIT_KERNEL;
	nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);
	for (i = 0; i < req->nports; i++)
		mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, req->ports[i]);
	mnl_attr_nest_end(nlh, nest);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

static bool is_lower_word(const char *s)
{
	return *s && s[strspn(s, "abcdefghijklmnopqrstuvwxyz")] == '\0';
}

int ports_parse(struct sg_req *req, int argc, char **argv)
{
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	char err[SG_ERR_LEN];
	bool implicit = true;
	size_t n = 0;
	int i;

	if (argc == 0 || sg_is_list(argv[0])) {
		req->run = ports_show;
		return argc ? sg_no_more_args("ports", argc - 1, argv + 1) : 0;
	}
	if (!strcmp(argv[0], "help"))
		return sg_help("ports", argc - 1, argv + 1);
	if (!strcmp(argv[0], "set")) {
		argc--;
		argv++;
		implicit = false;
		if (argc == 0)
			return sg_usage_err("ports", "set: missing port (PORT...)");
	}
	for (i = 0; i < argc; i++) {
		uint16_t port;
		size_t j;

		if (sg_parse_port(argv[i], &port, err, sizeof(err)) < 0) {
			char q[SG_QUOTE_LEN];

			/* "ports sohw": a mistyped command, not a bad port. */
			if (implicit && i == 0 && is_lower_word(argv[i]))
				return sg_usage_err("ports", "unknown command '%s' (show, set, help) and not a port",
						    sg_quote(argv[i], q, sizeof(q)));
			return sg_usage_err("ports", "%s", err);
		}
		/* The kernel wants distinct ports; "25 25" means {25}. */
		for (j = 0; j < n; j++)
			if (ports[j] == port)
				break;
		if (j < n)
			continue;
		if (n == SMTPGUARD_MAX_PORTS)
			return sg_usage_err("ports", "too many ports (at most %d distinct)",
					    SMTPGUARD_MAX_PORTS);
		ports[n++] = port;
	}
	n = sg_port_unique(ports, n);
	memcpy(req->ports, ports, n * sizeof(ports[0]));
	req->nports = n;
	req->run = ports_set;
	return 0;
}
