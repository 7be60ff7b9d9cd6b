/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the "events" multicast group: configuration changes and
 * offender notifications, for smtpguardctl monitor (as nft monitor).
 */
#ifndef _SG_EVENTS_H
#define _SG_EVENTS_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

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

/*
 * At most offender_events new-offender events a second per namespace;
 * how many were held back goes out in one summary event at the end of
 * the second (OFFENDER_SUPPRESSED).
 */
struct sg_event_budget {
	spinlock_t lock;		/* all of the below but summary */
	unsigned long window_end;	/* jiffies */
	u32 used;			/* events sent in the window */
	u32 suppressed;			/* not sent since the last summary */
	bool stopped;			/* namespace exit: no summary queued */
	struct delayed_work summary;
};

void sg_event_budget_init(struct sg_event_budget *b);
void sg_event_budget_stop(struct sg_event_budget *b);
void sg_event_config(struct sg_net *sn, u8 cmd,
		     const struct sg_event_config *ev);
void sg_event_prefixes(struct sg_net *sn, u8 cmd, const struct sg_prefix *pfx,
		       u32 nr, bool mode_auto);
void sg_event_offender(struct sg_net *sn, struct sg_offender *o, u8 cmd,
		       u8 mode);

#endif /* _SG_EVENTS_H */
