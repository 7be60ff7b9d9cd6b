// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of smtpguardctl against a fake kernel: the tool's own
 * main() (built as smtpguardctl_main) runs in a child whose libmnl socket
 * calls are replaced by a model of the smtpguard family that follows
 * include/uapi/linux/smtpguard.h.  This checks what the kernel cannot be
 * loaded here to check: request layout, NLM_F_ACK, reply parsing, dumps,
 * extack errors, and the exact plain and JSON output of every command.
 *
 * The model's state lives in a shared mapping, so what one command changes
 * the next one sees, and the test can inspect every request.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/smtpguard.h>

#include "addr.h"
#include "ktap.h"
#include "run.h"

#define FAKE_FAMILY_ID	0x1234
#define FAKE_PORTID	4242
#define FAKE_MAX_PFX	64

int smtpguardctl_main(int argc, char **argv);

struct fake_state {
	bool family;			/* registered, i.e. module loaded */
	uint8_t mode;
	bool explicit;
	struct sg_prefix pfx[FAKE_MAX_PFX];
	size_t npfx;
	uint16_t ports[SMTPGUARD_MAX_PORTS];
	size_t nports;
	uint64_t inspected, allowed, dropped, would_drop;
	uint8_t fail_cmd;		/* answer this command with fail_errno */
	int fail_errno;
	char fail_msg[128];
	char warn_msg[128];		/* extack text on a successful ack */
	bool dump_intr;
	bool uncapped;			/* errors echo the request (no CAP_ACK) */
	bool garble;			/* MODE attribute with a wrong size */
	unsigned int sends;
	unsigned int bad_flags;		/* requests without REQUEST|ACK */
	int ext_ack, cap_ack;
	uint8_t last_cmd;
	uint16_t last_flags;
	unsigned char last[65536];
	size_t last_len;
};

static struct fake_state *fk;

/* ---- the reply queue of the process that talks to the fake ---- */

struct datagram {
	unsigned char buf[4096];
	size_t len;
};

static struct datagram queue[80];
static size_t q_head, q_tail;

static struct nlmsghdr *msg_new(const struct nlmsghdr *req, uint16_t type,
				uint16_t flags, bool same_datagram)
{
	struct datagram *d;
	struct nlmsghdr *nlh;

	if (!same_datagram || q_tail == q_head)
		queue[q_tail++].len = 0;
	d = &queue[q_tail - 1];
	nlh = mnl_nlmsg_put_header(d->buf + d->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = FAKE_PORTID;
	return nlh;
}

static void msg_end(struct nlmsghdr *nlh)
{
	queue[q_tail - 1].len += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *genl_new(const struct nlmsghdr *req, uint8_t cmd,
				 uint16_t flags, bool same)
{
	struct nlmsghdr *nlh = msg_new(req, req->nlmsg_type, flags, same);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = SMTPGUARD_GENL_VERSION;
	return nlh;
}

static void ack(const struct nlmsghdr *req, int err, const char *msg)
{
	bool echo = err && fk->uncapped;
	struct nlmsghdr *nlh = msg_new(req, NLMSG_ERROR,
				       echo ? 0 : NLM_F_CAPPED, false);
	struct nlmsgerr *e;

	/* As the kernel does: the whole request after the header if uncapped. */
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + (echo ?
				       req->nlmsg_len - sizeof(*req) : 0));
	e->error = err;
	memcpy(&e->msg, req, echo ? req->nlmsg_len : sizeof(*req));
	if (msg && *msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	msg_end(nlh);
}

static void done(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = msg_new(req, NLMSG_DONE, NLM_F_MULTI, false);
	int *v = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*v = 0;
	msg_end(nlh);
}

/* ---- the model of the family ---- */

static int pfx_index(const struct sg_prefix *p)
{
	size_t i;

	for (i = 0; i < fk->npfx; i++)
		if (!sg_prefix_cmp(&fk->pfx[i], p))
			return (int)i;
	return -1;
}

/* Strict, like a kernel policy: exact sizes, no unknown attributes. */
static int parse_prefixes(const struct nlmsghdr *req, struct sg_prefix *out,
			  size_t *n, const char **why)
{
	const struct nlattr *a, *b;

	*n = 0;
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		struct sg_prefix p = { 0 };
		bool fam = false, addr = false;
		size_t alen;
		uint8_t chk[16];

		if (mnl_attr_get_type(a) != SMTPGUARD_A_PREFIX) {
			*why = "unexpected attribute";
			return -EINVAL;
		}
		mnl_attr_for_each_nested(b, a) {
			switch (mnl_attr_get_type(b)) {
			case SMTPGUARD_PREFIX_A_FAMILY:
				if (mnl_attr_get_payload_len(b) != 2)
					return *why = "bad family size", -EINVAL;
				p.family = mnl_attr_get_u16(b);
				fam = true;
				break;
			case SMTPGUARD_PREFIX_A_ADDR:
				alen = mnl_attr_get_payload_len(b);
				if (alen != 4 && alen != 16)
					return *why = "bad address size", -EINVAL;
				memcpy(p.addr, mnl_attr_get_payload(b), alen);
				addr = true;
				break;
			case SMTPGUARD_PREFIX_A_PREFIXLEN:
				if (mnl_attr_get_payload_len(b) != 1)
					return *why = "bad length size", -EINVAL;
				p.len = mnl_attr_get_u8(b);
				break;
			default:
				return *why = "unknown prefix attribute", -EINVAL;
			}
		}
		alen = sg_addr_len(p.family);
		if (!fam || !addr || !alen || p.len > alen * 8)
			return *why = "incomplete prefix", -EINVAL;
		memcpy(chk, p.addr, 16);
		for (size_t i = 0; i < alen; i++) {
			unsigned int bits = p.len > i * 8 ? p.len - i * 8 : 0;
			uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

			if (chk[i] & ~m)
				return *why = "host bits set", -EINVAL;
		}
		if (*n == FAKE_MAX_PFX)
			return *why = "too many", -ENOSPC;
		out[(*n)++] = p;
	}
	return 0;
}

static void put_ports(struct nlmsghdr *nlh)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PORTS);
	size_t i;

	for (i = 0; i < fk->nports; i++)
		mnl_attr_put_u16(nlh, SMTPGUARD_PORTS_A_PORT, fk->ports[i]);
	mnl_attr_nest_end(nlh, nest);
}

static void put_mode(struct nlmsghdr *nlh)
{
	if (fk->garble)
		mnl_attr_put_u32(nlh, SMTPGUARD_A_MODE, fk->mode);
	else
		mnl_attr_put_u8(nlh, SMTPGUARD_A_MODE, fk->mode);
}

static void family_request(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	static struct sg_prefix p[FAKE_MAX_PFX];
	const char *why = NULL;
	struct nlmsghdr *nlh;
	const struct nlattr *a, *b;
	size_t n, i;
	int err;

	fk->last_cmd = g->cmd;
	if (fk->fail_cmd && g->cmd == fk->fail_cmd) {
		ack(req, -fk->fail_errno, fk->fail_msg);
		return;
	}
	switch (g->cmd) {
	case SMTPGUARD_CMD_ALLOW_ADD:
		err = parse_prefixes(req, p, &n, &why);
		if (err) {
			ack(req, err, why);
			return;
		}
		for (i = 0; i < n; i++)
			if (pfx_index(&p[i]) < 0 && fk->npfx < FAKE_MAX_PFX)
				fk->pfx[fk->npfx++] = p[i];
		qsort(fk->pfx, fk->npfx, sizeof(fk->pfx[0]), sg_prefix_cmp);
		nlh = genl_new(req, g->cmd, 0, false);
		if (!fk->explicit && fk->mode != SMTPGUARD_MODE_ENFORCE) {
			fk->mode = SMTPGUARD_MODE_ENFORCE;
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_AUTO, 0, NULL);
		}
		put_mode(nlh);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES, (uint32_t)fk->npfx);
		msg_end(nlh);
		break;
	case SMTPGUARD_CMD_ALLOW_DEL:
		err = parse_prefixes(req, p, &n, &why);
		if (err) {
			ack(req, err, why);
			return;
		}
		for (i = 0; i < n; i++)
			if (pfx_index(&p[i]) < 0) {
				ack(req, -ENOENT, "prefix is not in the allow-list");
				return;
			}
		for (i = 0; i < n; i++) {
			int k = pfx_index(&p[i]);

			fk->pfx[k] = fk->pfx[--fk->npfx];
		}
		qsort(fk->pfx, fk->npfx, sizeof(fk->pfx[0]), sg_prefix_cmp);
		break;
	case SMTPGUARD_CMD_ALLOW_FLUSH:
		fk->npfx = 0;
		break;
	case SMTPGUARD_CMD_ALLOW_GET:
		if (!(req->nlmsg_flags & NLM_F_DUMP)) {
			ack(req, -EOPNOTSUPP, NULL);
			return;
		}
		/* Two prefixes per datagram: the tool must walk them all. */
		for (i = 0; i < fk->npfx; i++) {
			struct nlattr *nest;

			nlh = genl_new(req, g->cmd, NLM_F_MULTI |
				       (fk->dump_intr ? NLM_F_DUMP_INTR : 0),
				       i % 2);
			nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_PREFIX);
			mnl_attr_put_u16(nlh, SMTPGUARD_PREFIX_A_FAMILY, fk->pfx[i].family);
			mnl_attr_put(nlh, SMTPGUARD_PREFIX_A_ADDR,
				     sg_addr_len(fk->pfx[i].family), fk->pfx[i].addr);
			/* Full-length prefixes leave the optional length out. */
			if (fk->pfx[i].len != sg_addr_len(fk->pfx[i].family) * 8)
				mnl_attr_put_u8(nlh, SMTPGUARD_PREFIX_A_PREFIXLEN,
						fk->pfx[i].len);
			mnl_attr_nest_end(nlh, nest);
			msg_end(nlh);
		}
		done(req);
		return;		/* a successful dump is not acked */
	case SMTPGUARD_CMD_PORTS_SET: {
		uint16_t ports[SMTPGUARD_MAX_PORTS];

		n = 0;
		mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
			if (mnl_attr_get_type(a) != SMTPGUARD_A_PORTS) {
				ack(req, -EINVAL, "unexpected attribute");
				return;
			}
			mnl_attr_for_each_nested(b, a) {
				uint16_t port;

				if (mnl_attr_get_type(b) != SMTPGUARD_PORTS_A_PORT ||
				    mnl_attr_get_payload_len(b) != 2) {
					ack(req, -EINVAL, "bad port attribute");
					return;
				}
				port = mnl_attr_get_u16(b);
				for (i = 0; i < n; i++)
					if (ports[i] == port) {
						ack(req, -EINVAL, "duplicate port");
						return;
					}
				if (!port || n == SMTPGUARD_MAX_PORTS) {
					ack(req, -EINVAL, "bad port");
					return;
				}
				ports[n++] = port;
			}
		}
		memcpy(fk->ports, ports, n * sizeof(ports[0]));
		fk->nports = sg_port_unique(fk->ports, n);
		break;
	}
	case SMTPGUARD_CMD_PORTS_GET:
		nlh = genl_new(req, g->cmd, 0, false);
		put_ports(nlh);
		msg_end(nlh);
		break;
	case SMTPGUARD_CMD_MODE_SET:
		a = NULL;
		mnl_attr_for_each(b, req, sizeof(struct genlmsghdr))
			if (mnl_attr_get_type(b) == SMTPGUARD_A_MODE)
				a = b;
		if (!a || mnl_attr_get_payload_len(a) != 1 ||
		    mnl_attr_get_u8(a) > SMTPGUARD_MODE_MAX) {
			ack(req, -EINVAL, "bad mode");
			return;
		}
		fk->mode = mnl_attr_get_u8(a);
		fk->explicit = true;
		break;
	case SMTPGUARD_CMD_MODE_GET:
		nlh = genl_new(req, g->cmd, 0, false);
		put_mode(nlh);
		if (fk->explicit)
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_EXPLICIT, 0, NULL);
		msg_end(nlh);
		break;
	case SMTPGUARD_CMD_STATS_GET: {
		struct nlattr *nest;

		nlh = genl_new(req, g->cmd, 0, false);
		put_mode(nlh);
		if (fk->explicit)
			mnl_attr_put(nlh, SMTPGUARD_A_MODE_EXPLICIT, 0, NULL);
		mnl_attr_put_u32(nlh, SMTPGUARD_A_ALLOW_ENTRIES, (uint32_t)fk->npfx);
		put_ports(nlh);
		nest = mnl_attr_nest_start(nlh, SMTPGUARD_A_STATS);
		/* As nla_put_u64_64bit() may: a PAD attribute to skip. */
		mnl_attr_put(nlh, SMTPGUARD_STATS_A_PAD, 0, NULL);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_INSPECTED, fk->inspected);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_ALLOWED, fk->allowed);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_DROPPED, fk->dropped);
		mnl_attr_put_u64(nlh, SMTPGUARD_STATS_A_SMTP_WOULD_DROP, fk->would_drop);
		/* A counter from a newer kernel: ignored, not an error. */
		mnl_attr_put_u64(nlh, __SMTPGUARD_STATS_A_LAST, 7);
		mnl_attr_nest_end(nlh, nest);
		msg_end(nlh);
		break;
	}
	case SMTPGUARD_CMD_STATS_RESET:
		fk->inspected = fk->allowed = fk->dropped = fk->would_drop = 0;
		break;
	default:
		ack(req, -EOPNOTSUPP, NULL);
		return;
	}
	ack(req, 0, fk->warn_msg);
}

static void ctrl_request(const struct nlmsghdr *req)
{
	const struct nlattr *a;
	const char *name = NULL;
	struct nlmsghdr *nlh;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME)
			name = mnl_attr_get_str(a);
	if (!fk->family || !name || strcmp(name, SMTPGUARD_GENL_NAME)) {
		ack(req, -ENOENT, NULL);	/* what the controller says */
		return;
	}
	nlh = genl_new(req, CTRL_CMD_NEWFAMILY, 0, false);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY_ID);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SMTPGUARD_GENL_NAME);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, SMTPGUARD_GENL_VERSION);
	msg_end(nlh);
	ack(req, 0, NULL);
}

/* ---- libmnl's socket calls, replaced (the executable's symbols win) ---- */

static char fake_socket;

struct mnl_socket *mnl_socket_open2(int bus, int flags)
{
	(void)flags;
	if (bus != NETLINK_GENERIC) {
		errno = EPROTONOSUPPORT;
		return NULL;
	}
	return (struct mnl_socket *)&fake_socket;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	int v = len == sizeof(int) ? *(int *)buf : -1;

	(void)nl;
	if (type == NETLINK_EXT_ACK)
		fk->ext_ack = v;
	if (type == NETLINK_CAP_ACK)
		fk->cap_ack = v;
	return 0;
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	(void)nl;
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	fk->sends++;
	if (len > sizeof(fk->last) || len < sizeof(*req) || req->nlmsg_len != len) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(fk->last, buf, len);
	fk->last_len = len;
	fk->last_flags = req->nlmsg_flags;
	if ((req->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) !=
	    (NLM_F_REQUEST | NLM_F_ACK))
		fk->bad_flags++;
	if (req->nlmsg_type == GENL_ID_CTRL)
		ctrl_request(req);
	else if (req->nlmsg_type == FAKE_FAMILY_ID)
		family_request(req);
	else
		ack(req, -EINVAL, NULL);
	return (ssize_t)len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t len)
{
	struct datagram *d;

	(void)nl;
	if (q_head == q_tail) {
		errno = EAGAIN;		/* the tool waited for nothing: a bug */
		return -1;
	}
	d = &queue[q_head++];
	if (q_head == q_tail)
		q_head = q_tail = 0;
	if (d->len > len) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, d->buf, d->len);
	return (ssize_t)d->len;
}

/* ---- the tests ---- */

static void fake_reset(void)
{
	memset(fk, 0, sizeof(*fk));
	fk->family = true;
	fk->mode = SMTPGUARD_MODE_OFF;
	fk->ports[0] = 25;
	fk->nports = 1;
}

struct call {
	const char *const *argv;
};

static int call_main(void *arg)
{
	const struct call *c = arg;
	char *argv[64];
	int argc = 0;

	argv[argc++] = "smtpguardctl";
	while (c->argv[argc - 1] && argc < 63) {
		argv[argc] = (char *)c->argv[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	return smtpguardctl_main(argc, argv);
}

static struct result r;

static void tool_to(const char *stdout_path, const char *const *argv)
{
	struct call c = { argv };

	if (run_captured(&r, call_main, &c, stdout_path) < 0)
		r.status = -1;
}

#define TOOL(...) tool_to(NULL, (const char *const[]){ __VA_ARGS__, NULL })

/* Exact exit status, stdout and stderr. */
static bool expect(int status, const char *out, const char *err,
		   const char *what)
{
	bool ok = r.status == status && !strcmp(r.out, out) &&
		  !strcmp(r.err, err);

	if (!ktap_ok(ok, "%s", what))
		ktap_diag("exit %d (want %d)\n# stdout [%s] (want [%s])\n# stderr [%s] (want [%s])",
			  r.status, status, r.out, out, r.err, err);
	return ok;
}

#define NOT_LOADED "smtpguardctl: smtpguard is not available: the kernel module is not loaded (try: modprobe smtpguard)\n"
#define AUTO_LINE "mode: enforce (switched automatically by the first allow; 'smtpguardctl mode monitor' only counts)\n"

/* The prefixes of the last request, as the fake's strict parser sees them. */
static size_t last_prefixes(struct sg_prefix *p)
{
	const char *why = NULL;
	size_t n = 0;

	if (parse_prefixes((const struct nlmsghdr *)fk->last, p, &n, &why) < 0)
		return (size_t)-1;
	return n;
}

static void test_family(void)
{
	fake_reset();
	fk->family = false;
	TOOL("stats");
	expect(4, "", NOT_LOADED, "no family: exit 4 and the modprobe hint");
	ktap_ok(fk->sends == 1, "no family: only the controller was asked");

	fake_reset();
	TOOL("allow", "10.0.0.1", "10.0.0.300");
	ktap_ok(r.status == 2 && fk->sends == 0,
		"bad input: exit 2 before any request is sent");

	fake_reset();
	TOOL("mode");
	ktap_ok(fk->ext_ack == 1 && fk->cap_ack == 1,
		"the socket enables NETLINK_EXT_ACK and NETLINK_CAP_ACK");
	ktap_ok(fk->bad_flags == 0 && fk->sends == 2,
		"every request carries NLM_F_REQUEST | NLM_F_ACK");
}

static void test_allow(void)
{
	struct sg_prefix p[FAKE_MAX_PFX];
	char a[SG_PREFIX_STRLEN], b[SG_PREFIX_STRLEN];
	size_t n;

	fake_reset();
	TOOL("allow", "10.10.10.10", "2001:db8::25", "10.10.10.10/32");
	expect(0, AUTO_LINE, "",
	       "first allow: one line says the mode switched to enforce");
	n = last_prefixes(p);
	ktap_ok(n == 2 && fk->last_cmd == SMTPGUARD_CMD_ALLOW_ADD &&
		!strcmp(sg_format_prefix(&p[0], a, sizeof(a)), "10.10.10.10") &&
		!strcmp(sg_format_prefix(&p[1], b, sizeof(b)), "2001:db8::25") &&
		p[0].len == 32 && p[1].len == 128,
		"ALLOW_ADD carries one nest per distinct prefix: family, 4/16 bytes, length");
	ktap_ok(fk->npfx == 2 && fk->mode == SMTPGUARD_MODE_ENFORCE,
		"the fake now holds 2 prefixes and enforces");

	TOOL("allow", "add", "10.10.10.10");
	expect(0, "", "", "second allow of the same prefix: silent, exit 0");

	TOOL("-j", "allow", "192.0.2.0/24");
	expect(0, "{\"mode\":\"enforce\",\"allow_entries\":3,\"mode_auto\":false}\n",
	       "", "allow -j: an object with mode, allow_entries, mode_auto");

	TOOL("allow", "list");
	expect(0, "10.10.10.10\n192.0.2.0/24\n2001:db8::25\n", "",
	       "allow list: one prefix per line, full length bare");

	TOOL("allow");
	expect(0, "10.10.10.10\n192.0.2.0/24\n2001:db8::25\n", "",
	       "allow alone lists");
	ktap_ok(fk->last_flags & NLM_F_DUMP, "allow list is a dump (NLM_F_DUMP)");

	TOOL("-j", "allow", "show");
	expect(0, "[{\"family\":\"inet\",\"address\":\"10.10.10.10\",\"prefixlen\":32},"
		  "{\"family\":\"inet\",\"address\":\"192.0.2.0\",\"prefixlen\":24},"
		  "{\"family\":\"inet6\",\"address\":\"2001:db8::25\",\"prefixlen\":128}]\n",
	       "", "allow show -j: array of {family, address, prefixlen}");

	TOOL("-p", "allow", "list");
	expect(0, "[\n"
		  "    {\n"
		  "        \"family\": \"inet\",\n"
		  "        \"address\": \"10.10.10.10\",\n"
		  "        \"prefixlen\": 32\n"
		  "    },\n"
		  "    {\n"
		  "        \"family\": \"inet\",\n"
		  "        \"address\": \"192.0.2.0\",\n"
		  "        \"prefixlen\": 24\n"
		  "    },\n"
		  "    {\n"
		  "        \"family\": \"inet6\",\n"
		  "        \"address\": \"2001:db8::25\",\n"
		  "        \"prefixlen\": 128\n"
		  "    }\n"
		  "]\n", "", "allow list -p: pretty JSON");

	TOOL("allow", "del", "192.0.2.0/24", "10.10.10.10");
	expect(0, "", "", "allow del of two present prefixes");
	ktap_ok(fk->npfx == 1 && fk->last_cmd == SMTPGUARD_CMD_ALLOW_DEL,
		"the fake holds 1 prefix");

	TOOL("allow", "del", "10.9.9.9");
	expect(3, "", "Error: prefix is not in the allow-list.\n",
	       "allow del of an absent prefix: exit 3, the extack message");

	fk->uncapped = true;
	TOOL("allow", "del", "10.9.9.9", "2001:db8::/32");
	expect(3, "", "Error: prefix is not in the allow-list.\n",
	       "the extack message is found after an echoed request (no NLM_F_CAPPED)");
	fk->uncapped = false;

	TOOL("allow", "flush");
	expect(0, "", "", "allow flush");
	ktap_ok(fk->npfx == 0 && fk->mode == SMTPGUARD_MODE_ENFORCE,
		"flush empties the list and keeps the mode");

	TOOL("allow", "list");
	expect(0, "", "", "empty allow list: no output");
	TOOL("-j", "allow", "list");
	expect(0, "[]\n", "", "empty allow list -j: []");

	fake_reset();
	for (n = 0; n < 41; n++) {	/* spans several datagrams */
		fk->pfx[n].family = AF_INET;
		fk->pfx[n].len = 32;
		fk->pfx[n].addr[0] = 10;
		fk->pfx[n].addr[3] = (uint8_t)n;
	}
	fk->npfx = 41;
	TOOL("allow", "list");
	ktap_ok(r.status == 0 && strstr(r.out, "10.0.0.0\n10.0.0.1\n") &&
		strstr(r.out, "\n10.0.0.40\n") &&
		strlen(r.out) == 10 * 9 + 31 * 10,
		"a dump of 41 prefixes in several datagrams prints all 41");

	fk->fail_cmd = SMTPGUARD_CMD_ALLOW_GET;
	fk->fail_errno = EPERM;
	TOOL("-j", "allow", "list");
	expect(3, "", "Error: Operation not permitted.\n",
	       "a dump refused at once prints no \"[]\" that looks like an empty list");
	fk->fail_cmd = 0;

	fk->dump_intr = true;
	TOOL("allow", "list");
	if (!ktap_ok(r.status == 3 && strstr(r.err, "changed during the listing"),
		     "an interrupted dump (NLM_F_DUMP_INTR) is an error, exit 3"))
		ktap_diag("exit %d, stderr [%s]", r.status, r.err);

	fake_reset();
	fk->explicit = true;
	fk->mode = SMTPGUARD_MODE_MONITOR;
	TOOL("allow", "10.0.0.1");
	expect(0, "", "", "allow when the mode was set explicitly: no mode line");
	ktap_ok(fk->mode == SMTPGUARD_MODE_MONITOR, "and the mode is kept");

	fake_reset();
	TOOL("-j", "allow", "10.0.0.1");
	expect(0, "{\"mode\":\"enforce\",\"allow_entries\":1,\"mode_auto\":true}\n",
	       "", "first allow -j: mode_auto true, no plain line");
}

static void test_ports(void)
{
	fake_reset();
	TOOL("ports");
	expect(0, "25\n", "", "ports: the default set");

	TOOL("ports", "587", "25", "587", "2525");
	expect(0, "", "", "ports set");
	ktap_ok(fk->nports == 3 && fk->ports[0] == 25 && fk->ports[1] == 587 &&
		fk->ports[2] == 2525,
		"PORTS_SET carries each port once (the fake refuses duplicates)");

	TOOL("ports", "show");
	expect(0, "25 587 2525\n", "", "ports show: space-separated");
	TOOL("-j", "ports");
	expect(0, "{\"ports\":[25,587,2525]}\n", "", "ports -j: {\"ports\":[...]}");
}

static void test_mode(void)
{
	fake_reset();
	TOOL("mode");
	expect(0, "off\n", "", "mode: off on a fresh namespace");
	TOOL("-j", "mode");
	expect(0, "{\"mode\":\"off\",\"explicit\":false}\n", "",
	       "mode -j: explicit false");
	TOOL("mode", "monitor");
	expect(0, "", "", "mode monitor");
	ktap_ok(fk->mode == SMTPGUARD_MODE_MONITOR && fk->explicit,
		"MODE_SET reached the fake");
	TOOL("mode", "set", "enforce");
	TOOL("-j", "mode", "show");
	expect(0, "{\"mode\":\"enforce\",\"explicit\":true}\n", "",
	       "mode set enforce, then -j: explicit true");

	fk->fail_cmd = SMTPGUARD_CMD_MODE_SET;
	fk->fail_errno = EPERM;
	TOOL("mode", "off");
	expect(3, "", "Error: Operation not permitted.\n",
	       "no extack message: Error: <strerror>.");
	fk->fail_errno = EINVAL;
	snprintf(fk->fail_msg, sizeof(fk->fail_msg), "mode is out of range.");
	TOOL("mode", "off");
	expect(3, "", "Error: mode is out of range.\n",
	       "an extack message that ends in a period gets no second one");

	fake_reset();
	fk->garble = true;
	TOOL("mode");
	ktap_ok(r.status == 3 && !r.out[0] &&
		strstr(r.err, "reply this tool does not understand"),
		"a malformed reply is an error, exit 3, nothing printed");

	fake_reset();
	snprintf(fk->warn_msg, sizeof(fk->warn_msg), "nothing to change");
	TOOL("mode", "off");
	expect(0, "", "Warning: nothing to change.\n",
	       "an extack message on success is a warning");
}

static void test_stats(void)
{
	static const char plain[] =
		"mode enforce\n"
		"mode_explicit 0\n"
		"allow_entries 1\n"
		"smtp_ports 25,587\n"
		"smtp_inspected 1099511627786\n"
		"smtp_allowed 4\n"
		"smtp_dropped 1099511627776\n"
		"smtp_would_drop 6\n";
	unsigned int sends;

	fake_reset();
	TOOL("allow", "10.0.0.1");
	TOOL("ports", "25", "587");
	fk->inspected = 1099511627786ULL;
	fk->allowed = 4;
	fk->dropped = 1099511627776ULL;
	fk->would_drop = 6;
	TOOL("stats");
	expect(0, plain, "", "stats: the /proc/net/smtpguard lines");
	TOOL("stats", "show");
	expect(0, plain, "", "stats show");
	TOOL("-j", "stats");
	expect(0, "{\"mode\":\"enforce\",\"mode_explicit\":false,\"allow_entries\":1,"
		  "\"smtp_ports\":[25,587],\"smtp_inspected\":1099511627786,"
		  "\"smtp_allowed\":4,\"smtp_dropped\":1099511627776,"
		  "\"smtp_would_drop\":6}\n", "",
	       "stats -j: same keys, numbers, ports array, boolean");

	TOOL("mode", "enforce");
	sends = fk->sends;
	TOOL("stats");
	ktap_ok(r.status == 0 && strstr(r.out, "mode_explicit 1\n") &&
		fk->sends - sends == 2,
		"mode_explicit comes from the STATS_GET reply, no second request");
	TOOL("-j", "stats");
	ktap_ok(r.status == 0 && strstr(r.out, "\"mode_explicit\":true"),
		"stats -j: mode_explicit true after mode set");

	TOOL("stats", "reset");
	expect(0, "", "", "stats reset");
	ktap_ok(fk->inspected == 0 && fk->dropped == 0 &&
		fk->last_cmd == SMTPGUARD_CMD_STATS_RESET,
		"STATS_RESET reached the fake");

	tool_to("/dev/full", (const char *const[]){ "stats", NULL });
	ktap_ok(r.status == 3 && strstr(r.err, "cannot write the output"),
		"stdout that cannot be written is an error, not a silent success");
}

int main(void)
{
	fk = mmap(NULL, sizeof(*fk), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fk == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	ktap_header();
	test_family();
	test_allow();
	test_ports();
	test_mode();
	test_stats();
	munmap(fk, sizeof(*fk));
	return ktap_finish();
}
