/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the "events" multicast group: configuration changes and
 * offender notifications, for smtpguardctl monitor (as nft monitor).
 */
#ifndef _SG_EVENTS_H
#define _SG_EVENTS_H

#include <linux/types.h>

struct sg_net;
struct sg_offender;
struct sg_prefix;
struct sg_role_ifs;

/* What a configuration event says besides mode and entry counts. */
struct sg_event_config {
	const char *feed;
	const struct sg_prefix *pfx;
	u32 nr_pfx;
	const struct sg_role_ifs *ifs;	/* ROLE_ADD, ROLE_DEL */
	u8 role;			/* enum smtpguard_role; 0: none */
	u8 action;			/* FEED_SET: enum smtpguard_action + 1 */
	u8 direction;			/* FEED_SET: enum ... + 1 */
	u32 count;
	bool has_count;
	bool replace;
	bool mode_auto;
};

void sg_event_config(struct sg_net *sn, u8 cmd,
		     const struct sg_event_config *ev);
void sg_event_prefixes(struct sg_net *sn, u8 cmd, const struct sg_prefix *pfx,
		       u32 nr, bool mode_auto);
void sg_event_offender(struct sg_net *sn, struct sg_offender *o, u8 cmd,
		       u8 mode);

#endif /* _SG_EVENTS_H */
