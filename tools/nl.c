// SPDX-License-Identifier: GPL-2.0
/*
 * libmnl plumbing: the socket, family resolution, and one request/reply
 * loop shared by "do" requests (ended by the ack) and dumps (ended by
 * NLMSG_DONE).  Every request carries NLM_F_ACK so that a do command that
 * has no reply still reports success or failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/utsname.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/smtpguard.h>

#include "nl.h"
#include "smtpguardctl.h"

const char *sg_netns_run_dir = "/run/netns";
/* The namespace file sg_netns_enter() opened: what monitor watches. */
static struct {
	bool set;
	dev_t dev;
	ino_t ino;
} netns_id;
/* The kernel never builds a dump skb larger than this for one recvmsg. */
#define SG_RX_SIZE	32768

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK	11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK	10
#endif

int sg_netns_name_ok(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..") && strlen(name) <= NAME_MAX;
}

int sg_netns_enter(const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", sg_netns_run_dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		fprintf(stderr, PROG_NAME ": no network namespace \"%s\" (%s does not exist; see 'ip netns list')\n",
			name, path);
		return SG_EXIT_UNAVAILABLE;
	}
	if (fd < 0) {
		fprintf(stderr, PROG_NAME ": cannot open network namespace \"%s\": %s\n",
			name, strerror(errno));
		return errno == EACCES || errno == EPERM ? SG_EXIT_KERNEL :
							   SG_EXIT_UNAVAILABLE;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		/* A permission problem, not a missing namespace: say so. */
		fprintf(stderr, PROG_NAME ": cannot enter network namespace \"%s\": %s%s\n",
			name, strerror(e), e == EPERM ?
			" (entering a namespace needs CAP_SYS_ADMIN over it)" : "");
		close(fd);
		return e == EPERM ? SG_EXIT_KERNEL : SG_EXIT_UNAVAILABLE;
	}
	netns_id.set = !fstat(fd, &st);
	netns_id.dev = st.st_dev;
	netns_id.ino = st.st_ino;
	close(fd);
	return SG_EXIT_OK;
}

int sg_netns_still_there(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", sg_netns_run_dir, name);
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : 1;
	return !netns_id.set ||
	       (st.st_dev == netns_id.dev && st.st_ino == netns_id.ino);
}

static struct nlmsghdr *msg_start(struct sg_nl *nl, uint16_t type,
				  uint8_t cmd, uint8_t version,
				  uint16_t flags, size_t payload)
{
	size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
		      MNL_ALIGN(payload);
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;

	if (need > nl->txlen) {
		char *tx = realloc(nl->tx, need);

		if (!tx)
			return NULL;
		nl->tx = tx;
		nl->txlen = need;
	}
	memset(nl->tx, 0, need);
	nlh = mnl_nlmsg_put_header(nl->tx);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *sg_nl_msg(struct sg_nl *nl, uint8_t cmd, uint16_t flags,
			   size_t payload)
{
	return msg_start(nl, nl->family_id, cmd, SMTPGUARD_GENL_VERSION,
			 flags, payload);
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*msg = attr;
	return MNL_CB_OK;
}

int sg_nl_parse_status(const struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	const struct nlattr *text = NULL;
	size_t hlen;
	int err;

	if (msglen)
		msg[0] = '\0';
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (plen < sizeof(*e))
			return -EBADMSG;
		err = e->error;
		hlen = sizeof(*e);
		/* Without NLM_F_CAPPED the request is echoed before the TLVs. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
				return err;
			hlen += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		int v;

		if (plen < sizeof(v))
			return 0;
		memcpy(&v, mnl_nlmsg_get_payload(nlh), sizeof(v));
		err = v;
		hlen = sizeof(v);
	} else {
		return -EBADMSG;
	}
	if (err > 0)	/* not an errno; never sent, but don't trust it */
		err = -EPROTO;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || MNL_ALIGN(hlen) > plen)
		return err;
	if (mnl_attr_parse(nlh, (unsigned int)hlen, extack_attr_cb, &text) < 0)
		return err;
	if (text && msglen)
		snprintf(msg, msglen, "%s", mnl_attr_get_str(text));
	return err;
}

void sg_nl_print_error(int err, const char *msg)
{
	const char *text = msg && *msg ? msg : strerror(err < 0 ? -err : err);
	size_t n = strlen(text);

	fprintf(stderr, "Error: %s%s\n", text,
		n && text[n - 1] == '.' ? "" : ".");
}

enum talk_fail {
	TALK_OK,
	TALK_KERNEL,		/* the kernel answered with an error */
	TALK_REPLY,		/* a reply we could not parse */
	TALK_LOCAL,		/* send/receive failed */
	TALK_INTR,		/* a dump raced a change */
};

struct talk {
	struct sg_nl *nl;
	mnl_cb_t cb;
	void *data;
	enum talk_fail fail;
	int err;
};

static int talk_data(const struct nlmsghdr *nlh, void *arg)
{
	struct talk *t = arg;
	int ret;

	if (!t->cb)
		return MNL_CB_OK;
	ret = t->cb(nlh, t->data);
	if (ret == MNL_CB_ERROR) {
		t->fail = TALK_REPLY;
		t->err = -EBADMSG;
	}
	return ret;
}

static int talk_status(const struct nlmsghdr *nlh, void *arg)
{
	struct talk *t = arg;
	int err;

	err = sg_nl_parse_status(nlh, t->nl->errmsg, sizeof(t->nl->errmsg));
	if (err) {
		t->fail = TALK_KERNEL;
		t->err = err;
		errno = -err;
		return MNL_CB_ERROR;
	}
	/* A successful ack may still carry a warning. */
	if (t->nl->errmsg[0]) {
		size_t n = strlen(t->nl->errmsg);

		fprintf(stderr, "Warning: %s%s\n", t->nl->errmsg,
			t->nl->errmsg[n - 1] == '.' ? "" : ".");
	}
	return MNL_CB_STOP;
}

static int talk_noop(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(void)arg;
	return MNL_CB_OK;
}

/* Not const: mnl_cb_run2() takes a plain pointer. */
static mnl_cb_t talk_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP]	= talk_noop,
	[NLMSG_ERROR]	= talk_status,
	[NLMSG_DONE]	= talk_status,
	[NLMSG_OVERRUN]	= talk_noop,
};

static int talk_run(struct sg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		    void *data, enum talk_fail *fail)
{
	struct talk t = { .nl = nl, .cb = cb, .data = data };
	ssize_t len;
	int ret;

	nl->errmsg[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		*fail = TALK_LOCAL;
		return -errno;
	}
	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->rx, nl->rxlen);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			*fail = TALK_LOCAL;
			return -errno;
		}
		ret = mnl_cb_run2(nl->rx, (size_t)len, nlh->nlmsg_seq,
				  nl->portid, talk_data, &t, talk_ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR) {
			/* libmnl itself stops at NLM_F_DUMP_INTR, with EINTR. */
			if (t.fail == TALK_OK && errno == EINTR) {
				t.fail = TALK_INTR;
			} else if (t.fail == TALK_OK) {	/* seq/portid/length */
				t.fail = TALK_LOCAL;
				t.err = -errno;
			}
			break;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
	*fail = t.fail;
	return t.fail == TALK_OK ? 0 : (t.err ? t.err : -EINTR);
}

int sg_nl_do(struct sg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	enum talk_fail fail;
	int err;

	err = talk_run(nl, nlh, cb, data, &fail);
	switch (fail) {
	case TALK_OK:
		return SG_EXIT_OK;
	case TALK_KERNEL:
		if (err == -EPERM && nl->quiet_eperm)
			break;
		if (err == -EPERM && nl->eperm_hint) {
			const char *text = nl->errmsg[0] ? nl->errmsg :
							    strerror(EPERM);
			size_t n = strlen(text);

			fprintf(stderr, "Error: %.*s; %s.\n",
				(int)(n && text[n - 1] == '.' ? n - 1 : n),
				text, nl->eperm_hint);
			break;
		}
		sg_nl_print_error(err, nl->errmsg);
		break;
	case TALK_REPLY:
		fprintf(stderr, PROG_NAME ": the kernel sent a reply this tool does not understand\n");
		break;
	case TALK_INTR:
		fprintf(stderr, PROG_NAME ": the set changed during the listing; run again for a consistent view\n");
		break;
	case TALK_LOCAL:
		fprintf(stderr, PROG_NAME ": netlink: %s\n", strerror(-err));
		break;
	}
	return SG_EXIT_KERNEL;
}

int sg_nl_do_quiet(struct sg_nl *nl, struct nlmsghdr *nlh)
{
	enum talk_fail fail;

	talk_run(nl, nlh, NULL, NULL, &fail);
	return fail == TALK_OK ? SG_EXIT_OK : SG_EXIT_KERNEL;
}

struct family_info {
	uint16_t id;
	uint32_t events_group;
};

/* One CTRL_ATTR_MCAST_GRP_* nest; only the events group is kept. */
static int mcast_group(const struct nlattr *grp, struct family_info *fi)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(attr, grp) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -1;
			name = mnl_attr_get_str(attr);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -1;
			id = mnl_attr_get_u32(attr);
			break;
		}
	}
	if (name && !strcmp(name, SMTPGUARD_MCGRP_EVENTS))
		fi->events_group = id;
	return 0;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_info *fi = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		fi->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS: {
		const struct nlattr *grp;

		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		mnl_attr_for_each_nested(grp, attr)
			if (mcast_group(grp, fi) < 0)
				return MNL_CB_ERROR;
		break;
	}
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			      data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

const char *sg_modules_dir = "/lib/modules";
const char *sg_sys_module_dir = "/sys/module";

/* Does modules.dep of the running kernel name an smtpguard.ko? */
static bool module_installed(const char *release)
{
	char path[PATH_MAX], line[PATH_MAX + 64];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/modules.dep", sg_modules_dir,
		 release);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *base;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		/* smtpguard.ko, .ko.xz, .ko.zst, ... */
		found = !strncmp(base, "smtpguard.ko", 12);
	}
	fclose(f);
	return found;
}

/*
 * Why the family is missing, and what to do: no module for this kernel
 * (DKMS did not build it), installed but not loaded, or loaded without
 * the family (a module of another version).
 */
static void say_unavailable(void)
{
	char path[PATH_MAX];
	struct utsname u;
	struct stat st;

	snprintf(path, sizeof(path), "%s/smtpguard", sg_sys_module_dir);
	if (!stat(path, &st)) {
		fprintf(stderr, PROG_NAME ": smtpguard is not available: the module is loaded but has no \"%s\" netlink family (another version? rmmod smtpguard; modprobe smtpguard)\n",
			SMTPGUARD_GENL_NAME);
		return;
	}
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	if (!module_installed(u.release)) {
		fprintf(stderr, PROG_NAME ": smtpguard is not available: no smtpguard module is installed for the running kernel %s (see 'dkms status'; 'make dkms-install' builds it)\n",
			u.release);
		return;
	}
	fprintf(stderr, PROG_NAME ": smtpguard is not available: the module is installed for %s but not loaded (try: modprobe smtpguard; if that fails, dmesg says why)\n",
		u.release);
}

static int nl_open(struct sg_nl *nl, bool quiet_if_missing)
{
	struct family_info fi = { 0 };
	struct nlmsghdr *nlh;
	enum talk_fail fail;
	int one = 1, err;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock) {
		fprintf(stderr, PROG_NAME ": cannot open a generic netlink socket: %s\n",
			strerror(errno));
		return SG_EXIT_KERNEL;
	}
	/* Both are best effort: kernels without them still work, less verbosely. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, PROG_NAME ": cannot bind the netlink socket: %s\n",
			strerror(errno));
		goto err_close;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	nl->rxlen = SG_RX_SIZE;
	nl->rx = malloc(nl->rxlen);
	if (!nl->rx) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		goto err_close;
	}

	nlh = msg_start(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0,
			MNL_ATTR_HDRLEN + sizeof(SMTPGUARD_GENL_NAME));
	if (!nlh) {
		fprintf(stderr, PROG_NAME ": %s\n", strerror(ENOMEM));
		goto err_close;
	}
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, SMTPGUARD_GENL_NAME);
	err = talk_run(nl, nlh, family_cb, &fi, &fail);
	if (fail == TALK_KERNEL && err == -ENOENT) {
		if (!quiet_if_missing)
			say_unavailable();
		sg_nl_close(nl);
		return SG_EXIT_UNAVAILABLE;
	}
	if (fail != TALK_OK || !fi.id) {
		if (fail == TALK_KERNEL)
			sg_nl_print_error(err, nl->errmsg);
		else
			fprintf(stderr, PROG_NAME ": cannot resolve the generic netlink family \"%s\": %s\n",
				SMTPGUARD_GENL_NAME,
				strerror(err ? -err : EBADMSG));
		goto err_close;
	}
	nl->family_id = fi.id;
	nl->events_group = fi.events_group;
	return SG_EXIT_OK;

err_close:
	sg_nl_close(nl);
	return SG_EXIT_KERNEL;
}

int sg_nl_open(struct sg_nl *nl)
{
	return nl_open(nl, false);
}

int sg_nl_try_open(struct sg_nl *nl)
{
	return nl_open(nl, true);
}

void sg_nl_close(struct sg_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->rx);
	free(nl->tx);
	memset(nl, 0, sizeof(*nl));
}
