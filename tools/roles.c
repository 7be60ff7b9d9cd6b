// SPDX-License-Identifier: GPL-2.0
/*
 * inside [add] IFNAME|ADDR/LEN... | inside del IFNAME|ADDR/LEN...
 * | inside flush | inside [list|show]
 * outside [add] IFNAME... | outside del IFNAME... | outside flush
 * | outside [list|show]
 *
 * Which senders are our own hosts, the only ones the offender ledger
 * records.  Without configuration the kernel derives it from the routing
 * table; the listing then names the interfaces the default routes leave
 * by (read here over rtnetlink), since those are where outside senders
 * come in.
 */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/rtnetlink.h>

#include "nl.h"
#include "print.h"
#include "smtpguardctl.h"

#define IFNAME_ATTR_SIZE	(MNL_ATTR_HDRLEN + MNL_ALIGN(IFNAMSIZ))
#define ROLE_ATTR_SIZE		(MNL_ATTR_HDRLEN + MNL_ALIGN(1))

static const char *role_obj(uint8_t role)
{
	return role == SMTPGUARD_ROLE_OUTSIDE ? "outside" : "inside";
}

static int parse_items(struct sg_req *req, const char *cmd, int argc,
		       char **argv)
{
	const char *obj = role_obj(req->role);
	char err[SG_ERR_LEN], q[SG_QUOTE_LEN];
	int i;

	if (argc < 1)
		return sg_usage_err(obj, "%s: missing %s", cmd,
				    req->role == SMTPGUARD_ROLE_OUTSIDE ?
				    "interface (IFNAME...)" :
				    "interface or prefix (IFNAME|ADDR/LEN...)");
	if (argc > SMTPGUARD_MAX_INSIDE + SMTPGUARD_MAX_ROLE_IFS)
		return sg_usage_err(obj, "%s: too many arguments: %d", cmd, argc);
	req->prefixes = calloc((size_t)argc, sizeof(*req->prefixes));
	if (!req->prefixes) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_USAGE;
	}
	for (i = 0; i < argc; i++) {
		int r = sg_parse_role_item(argv[i],
					   &req->prefixes[req->nprefixes],
					   err, sizeof(err));

		if (r < 0)
			return sg_usage_err(obj, "%s: %s", cmd, err);
		if (r == 1 && req->role == SMTPGUARD_ROLE_OUTSIDE)
			return sg_usage_err(obj, "%s: '%s' is an address; outside takes interface names (a sender is outside by the interface it comes in on)",
					    cmd, sg_quote(argv[i], q, sizeof(q)));
		if (r == 1) {
			req->nprefixes++;
			continue;
		}
		if (req->nifnames == SMTPGUARD_MAX_ROLE_IFS)
			return sg_usage_err(obj, "%s: too many interfaces (at most %d)",
					    cmd, SMTPGUARD_MAX_ROLE_IFS);
		snprintf(req->ifnames[req->nifnames++], IFNAMSIZ, "%s", argv[i]);
	}
	if (req->nprefixes > SMTPGUARD_MAX_INSIDE)
		return sg_usage_err(obj, "%s: too many prefixes: %zu (at most %d)",
				    cmd, req->nprefixes, SMTPGUARD_MAX_INSIDE);
	req->nprefixes = sg_prefix_unique(req->prefixes, req->nprefixes);
	return 0;
}

int sg_role_change(struct sg_nl *nl, uint8_t cmd, uint8_t role,
		   const char (*ifnames)[16], size_t nifnames,
		   const struct sg_prefix *prefixes, size_t nprefixes)
{
	struct nlmsghdr *nlh;
	size_t i;

	nlh = sg_nl_msg(nl, cmd, 0, ROLE_ATTR_SIZE +
			nifnames * IFNAME_ATTR_SIZE +
			nprefixes * SG_PREFIX_NEST_SIZE);
	if (!nlh) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_KERNEL;
	}
	mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, role);
	for (i = 0; i < nifnames; i++)
		mnl_attr_put_strz(nlh, SMTPGUARD_A_IFNAME, ifnames[i]);
	sg_put_prefixes(nlh, prefixes, nprefixes);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

static int role_change(struct sg_nl *nl, const struct sg_req *req,
		       uint8_t cmd)
{
	return sg_role_change(nl, cmd, req->role,
			      (const char (*)[16])req->ifnames, req->nifnames,
			      req->prefixes, req->nprefixes);
}

/*
 * A name that is no interface here is most likely a typo ("inside lna0"),
 * and would make every other interface's senders outside: refused.  The
 * restore at boot does not ask, interfaces may come later.
 */
static int role_add(struct sg_nl *nl, const struct sg_req *req)
{
	size_t i;

	for (i = 0; i < req->nifnames; i++) {
		if (!if_nametoindex(req->ifnames[i]))
			return sg_usage_err(role_obj(req->role),
					    "add: no interface '%s' here (see 'ip link'); nothing changed",
					    req->ifnames[i]);
	}
	return role_change(nl, req, SMTPGUARD_CMD_ROLE_ADD);
}

static int role_del(struct sg_nl *nl, const struct sg_req *req)
{
	return role_change(nl, req, SMTPGUARD_CMD_ROLE_DEL);
}

/* role 0: both roles, back to derived. */
int sg_role_flush(struct sg_nl *nl, uint8_t role)
{
	struct nlmsghdr *nlh;

	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_ROLE_FLUSH, 0, ROLE_ATTR_SIZE);
	if (!nlh)
		return SG_EXIT_KERNEL;
	if (role)
		mnl_attr_put_u8(nlh, SMTPGUARD_A_ROLE, role);
	return sg_nl_do(nl, nlh, NULL, NULL);
}

static int role_flush(struct sg_nl *nl, const struct sg_req *req)
{
	return sg_role_flush(nl, req->role);
}

/* The roles as configured, from ROLE_GET. */
int sg_roles_from_msg(const struct nlmsghdr *nlh, struct sg_roles *r)
{
	const struct nlattr *attr, *ifname = NULL, *pfx = NULL;
	uint8_t role = 0;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case SMTPGUARD_A_ROLE:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -1;
			role = mnl_attr_get_u8(attr);
			break;
		case SMTPGUARD_A_IFNAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
			    mnl_attr_get_payload_len(attr) > IFNAMSIZ)
				return -1;
			ifname = attr;
			break;
		case SMTPGUARD_A_PREFIX:
			pfx = attr;
			break;
		}
	}
	if (role != SMTPGUARD_ROLE_INSIDE && role != SMTPGUARD_ROLE_OUTSIDE)
		return -1;
	if (ifname) {
		struct sg_role_ifs *ifs = &r->ifs[role - 1];

		if (ifs->n == SMTPGUARD_MAX_ROLE_IFS)
			return -1;
		snprintf(ifs->names[ifs->n++], IFNAMSIZ, "%s",
			 mnl_attr_get_str(ifname));
		return 0;
	}
	if (!pfx || role != SMTPGUARD_ROLE_INSIDE ||
	    r->nprefixes == SMTPGUARD_MAX_INSIDE)
		return -1;
	return sg_prefix_from_nest(pfx, &r->prefixes[r->nprefixes++]);
}

static int roles_cb(const struct nlmsghdr *nlh, void *data)
{
	if (sg_roles_from_msg(nlh, data) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int sg_roles_get(struct sg_nl *nl, struct sg_roles *r)
{
	struct nlmsghdr *nlh;

	memset(r, 0, sizeof(*r));
	nlh = sg_nl_msg(nl, SMTPGUARD_CMD_ROLE_GET, NLM_F_DUMP, 0);
	if (!nlh)
		return SG_EXIT_KERNEL;
	return sg_nl_do(nl, nlh, roles_cb, r);
}

bool sg_roles_configured(const struct sg_roles *r)
{
	return r->ifs[0].n || r->ifs[1].n || r->nprefixes;
}

/* Default routes: where they leave, by family. */
struct default_routes {
	size_t n;
	struct {
		char ifname[IFNAMSIZ];
		bool inet, inet6;
	} dev[64];
};

static void default_route_dev(struct default_routes *d, uint32_t oif,
			      uint8_t family)
{
	char name[IFNAMSIZ];
	size_t i;

	if (!if_indextoname(oif, name))
		snprintf(name, sizeof(name), "if%u", oif);
	for (i = 0; i < d->n; i++)
		if (!strcmp(d->dev[i].ifname, name))
			break;
	if (i == d->n) {
		if (d->n == sizeof(d->dev) / sizeof(d->dev[0]))
			return;
		snprintf(d->dev[d->n++].ifname, IFNAMSIZ, "%s", name);
	}
	if (family == AF_INET)
		d->dev[i].inet = true;
	else
		d->dev[i].inet6 = true;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_dst_len ||
	    rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type == RTA_OIF &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			default_route_dev(data, mnl_attr_get_u32(attr),
					  rtm->rtm_family);
		} else if (type == RTA_MULTIPATH) {
			const struct rtnexthop *nh = mnl_attr_get_payload(attr);
			size_t len = mnl_attr_get_payload_len(attr);

			while (len >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
			       nh->rtnh_len <= len) {
				size_t step = (size_t)RTNH_ALIGN(nh->rtnh_len);

				default_route_dev(data, (uint32_t)nh->rtnh_ifindex,
						  rtm->rtm_family);
				len -= step < len ? step : len;
				nh = RTNH_NEXT(nh);
			}
		}
	}
	return MNL_CB_OK;
}

/* Every table's default routes, both families; -1 with errno on failure. */
static int default_routes_get(struct default_routes *d)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	/* MNL_SOCKET_BUFFER_SIZE is the page size: not a constant. */
	static char buf[8192];
	struct mnl_socket *sock;
	unsigned int seq = 1;
	size_t f;
	int ret = 0;

	sock = mnl_socket_open(NETLINK_ROUTE);
	if (!sock)
		return -1;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	for (f = 0; f < sizeof(families); f++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct rtmsg *rtm;
		ssize_t n;

		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = ++seq;
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = families[f];
		if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
			goto fail;
		ret = MNL_CB_OK;
		while (ret > MNL_CB_STOP) {
			n = mnl_socket_recvfrom(sock, buf, sizeof(buf));
			if (n < 0)
				goto fail;
			ret = mnl_cb_run(buf, (size_t)n, seq,
					 mnl_socket_get_portid(sock), route_cb, d);
		}
		/* IPv6 disabled: no table to dump, no default route. */
		if (ret < 0 && !(families[f] == AF_INET6 &&
				 errno == EAFNOSUPPORT))
			goto fail;
	}
	mnl_socket_close(sock);
	return 0;
fail:
	ret = errno;
	mnl_socket_close(sock);
	errno = ret;
	return -1;
}

static void print_ifnames(const char *key, const struct sg_role_ifs *ifs)
{
	size_t i;

	open_json_array(key);
	for (i = 0; i < ifs->n; i++) {
		print_string(PRINT_ANY, NULL, " %s", ifs->names[i]);
	}
	close_json_array();
}

static void print_configured(const struct sg_roles *r)
{
	char text[SG_PREFIX_STRLEN];
	size_t i;

	print_string(PRINT_ANY, "roles", "roles: %s\n", "configured");
	open_json_object("inside");
	print_string(PRINT_FP, NULL, "%s", "inside:");
	print_ifnames("interfaces", &r->ifs[0]);
	open_json_array("prefixes");
	for (i = 0; i < r->nprefixes; i++)
		print_string(PRINT_ANY, NULL, " %s",
			     sg_format_prefix(&r->prefixes[i], text,
					      sizeof(text)));
	close_json_array();
	if (!r->ifs[0].n && !r->nprefixes)
		print_string(PRINT_FP, NULL, "%s",
			     " every interface that is not outside");
	print_string(PRINT_FP, NULL, "%s", "\n");
	close_json_object();
	open_json_object("outside");
	print_string(PRINT_FP, NULL, "%s", "outside:");
	print_ifnames("interfaces", &r->ifs[1]);
	if (!r->ifs[1].n)
		print_string(PRINT_FP, NULL, "%s", " none");
	print_string(PRINT_FP, NULL, "%s", "\n");
	close_json_object();
}

static int print_derived(void)
{
	struct default_routes d = { 0 };
	char line[64];
	size_t i;

	if (default_routes_get(&d) < 0) {
		fprintf(stderr, PROG_NAME ": reading the routing table: %s\n",
			strerror(errno));
		return SG_EXIT_KERNEL;
	}
	print_string(PRINT_ANY, "roles", "roles: %s", "derived");
	print_string(PRINT_FP, NULL, "%s",
		     " from the routing table: a sender is outside when it came in on an interface a default route leaves by, or when the route back to it is a default route or leaves by another interface\n");
	print_string(PRINT_FP, NULL, "%s", "default routes leave by:");
	open_json_array("default_routes");
	for (i = 0; i < d.n; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "ifname", " %s", d.dev[i].ifname);
		snprintf(line, sizeof(line), " (%s%s%s)",
			 d.dev[i].inet ? "IPv4" : "",
			 d.dev[i].inet && d.dev[i].inet6 ? ", " : "",
			 d.dev[i].inet6 ? "IPv6" : "");
		print_string(PRINT_FP, NULL, "%s", line);
		print_bool(PRINT_JSON, "inet", NULL, d.dev[i].inet);
		print_bool(PRINT_JSON, "inet6", NULL, d.dev[i].inet6);
		close_json_object();
	}
	close_json_array();
	if (!d.n)
		print_string(PRINT_FP, NULL, "%s",
			     " none (no sender is outside by the routes)");
	print_string(PRINT_FP, NULL, "%s", "\n");
	return SG_EXIT_OK;
}

static int role_list(struct sg_nl *nl, const struct sg_req *req)
{
	struct sg_roles *r = calloc(1, sizeof(*r));
	int ret;

	(void)req;
	if (!r) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		return SG_EXIT_KERNEL;
	}
	ret = sg_roles_get(nl, r);
	if (!ret) {
		open_json_object(NULL);
		if (sg_roles_configured(r))
			print_configured(r);
		else
			ret = print_derived();
		close_json_object();
	}
	free(r);
	return ret;
}

static int role_parse(struct sg_req *req, uint8_t role, int argc, char **argv)
{
	const char *obj = role_obj(role);
	const char *cmd = argc > 0 ? argv[0] : "list";

	req->role = role;
	if (sg_is_list(cmd)) {
		req->run = role_list;
		return argc > 0 ? sg_no_more_args(obj, argc - 1, argv + 1) : 0;
	}
	if (!strcmp(cmd, "flush")) {
		req->run = role_flush;
		return sg_no_more_args(obj, argc - 1, argv + 1);
	}
	if (!strcmp(cmd, "help"))
		return sg_help(obj, argc - 1, argv + 1);
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete")) {
		req->run = role_del;
		return parse_items(req, "del", argc - 1, argv + 1);
	}
	req->run = role_add;
	if (!strcmp(cmd, "add"))
		return parse_items(req, "add", argc - 1, argv + 1);
	return parse_items(req, "add", argc, argv);
}

int inside_parse(struct sg_req *req, int argc, char **argv)
{
	return role_parse(req, SMTPGUARD_ROLE_INSIDE, argc, argv);
}

int outside_parse(struct sg_req *req, int argc, char **argv)
{
	return role_parse(req, SMTPGUARD_ROLE_OUTSIDE, argc, argv);
}
