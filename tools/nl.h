/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink side of smtpguardctl, on libmnl: one socket with
 * extended acks, family resolution, and request/ack/dump helpers that
 * report kernel errors as "Error: <extack message>."
 */
#ifndef SG_NL_H
#define SG_NL_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct sg_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family_id;
	uint32_t events_group;		/* the "events" group; 0: none */
	const char *eperm_hint;		/* appended to an EPERM error */
	bool quiet_eperm;		/* an EPERM is no error to print */
	char *rx;			/* receive buffer */
	size_t rxlen;
	char *tx;			/* request buffer, grown on demand */
	size_t txlen;
	char errmsg[256];		/* extack text of the last error */
};

/*
 * Enters /run/netns/NAME (like ip -n).  Prints a one-line error and
 * returns SG_EXIT_UNAVAILABLE if it cannot.
 */
int sg_netns_enter(const char *name);
/* True for a name that can only mean a file in /run/netns. */
int sg_netns_name_ok(const char *name);
/*
 * After sg_netns_enter(name): 1 while /run/netns/NAME still exists and is
 * the namespace that was entered (same st_dev and st_ino), else 0.
 */
int sg_netns_still_there(const char *name);
/* "/run/netns"; the unit tests point it at a directory of their own. */
extern const char *sg_netns_run_dir;

/*
 * Opens the socket and resolves the "smtpguard" family and the id of its
 * SMTPGUARD_MCGRP_EVENTS group (nl->events_group, 0 if it has none).  Returns an exit
 * status; SG_EXIT_UNAVAILABLE (with the "not loaded" message) when the
 * family is absent.
 */
int sg_nl_open(struct sg_nl *nl);
/* Where the diagnosis of a missing module looks; the unit tests move them. */
extern const char *sg_modules_dir, *sg_sys_module_dir;
/*
 * As sg_nl_open(), but the module not being loaded is not an error: returns
 * SG_EXIT_UNAVAILABLE without a word (other failures are said as usual).
 */
int sg_nl_try_open(struct sg_nl *nl);
void sg_nl_close(struct sg_nl *nl);

/*
 * Starts a request for cmd in nl->tx with room for payload bytes of
 * attributes.  NLM_F_REQUEST and NLM_F_ACK are always set.  Returns NULL
 * (errno ENOMEM) if the buffer cannot grow.
 */
struct nlmsghdr *sg_nl_msg(struct sg_nl *nl, uint8_t cmd, uint16_t flags,
			   size_t payload);

/*
 * Sends nlh and runs cb on every reply until the ack (or NLMSG_DONE for a
 * dump).  cb may return MNL_CB_ERROR with errno EBADMSG for a reply it
 * cannot understand.  Returns an exit status, with the error printed.
 */
int sg_nl_do(struct sg_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/*
 * As sg_nl_do() without a reply callback, and silent: for a clean-up whose
 * failure would only bury the error that made it necessary.
 */
int sg_nl_do_quiet(struct sg_nl *nl, struct nlmsghdr *nlh);

/*
 * Reads an NLMSG_ERROR or NLMSG_DONE message: returns its error (0 or
 * -errno) and copies the extack text, if any, into msg ("" if none).
 * Pure, for the unit tests.
 */
int sg_nl_parse_status(const struct nlmsghdr *nlh, char *msg, size_t msglen);

/* "Error: <msg>." or "Error: <strerror>."; no doubled period. */
void sg_nl_print_error(int err, const char *msg);

#endif /* SG_NL_H */
