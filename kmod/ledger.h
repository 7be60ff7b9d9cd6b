/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the offender ledger of one namespace, records only.  It
 * knows nothing of netlink or events: the hooks tell it about a refused
 * packet and learn whether that packet is the one that reports.
 */
#ifndef _SG_LEDGER_H
#define _SG_LEDGER_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <linux/smtpguard.h>

#include "memcg.h"

struct nf_hook_state;
struct sk_buff;

/* The other end of an offence, as a record keeps it. */
struct sg_offender_dest {
	struct in6_addr addr;
	int port;		/* the peer's port; -1: none */
	u16 family;
	u8 proto;
	u8 reason;		/* enum smtpguard_reason */
	char feed[SMTPGUARD_FEED_NAME_MAX + 1];	/* cnc: the listing feed */
};

/* One offending host (see ledger.c for who writes what, when). */
struct sg_offender {
	struct hlist_node hnode;	/* RCU hash chain */
	struct list_head lru;		/* under ledger->lock, newest first */
	struct in6_addr addr;
	u16 family;
	bool dead;			/* unlinked; under ledger->lock */
	atomic64_t smtp_packets;
	atomic64_t cnc_packets;
	u64 first_seen;			/* unix seconds */
	u64 last_seen;
	unsigned long lru_stamp;	/* jiffies of the last LRU move */
	unsigned long next_report;	/* jiffies; claimed by cmpxchg */
	/* Protects the fields below; written only when they change. */
	spinlock_t lock;
	u32 reasons;			/* OR of enum smtpguard_reason */
	int ifindex;
	char ifname[IFNAMSIZ];
	u8 mac[ETH_ALEN];
	bool has_mac;
	u8 nr_dests;
	struct sg_offender_dest dests[SMTPGUARD_OFFENDER_DESTS];
	struct rcu_head rcu;
};

/* Everything a record says, copied out under its lock. */
struct sg_offender_view {
	struct in6_addr addr;
	u16 family;
	u8 mac[ETH_ALEN];
	bool has_mac;
	int ifindex;
	char ifname[IFNAMSIZ];
	u32 reasons;
	u64 smtp_packets;
	u64 cnc_packets;
	u64 first_seen;
	u64 last_seen;
	u8 nr_dests;
	struct sg_offender_dest dests[SMTPGUARD_OFFENDER_DESTS];
};

struct sg_ledger_table {
	struct rcu_head rcu;
	u32 mask;			/* buckets - 1 */
	struct hlist_head buckets[];
};

/*
 * Embedded in the namespace's state; the table exists from the first
 * configuration (sg_ledger_start) until namespace exit.
 */
struct sg_ledger {
	spinlock_t lock;		/* inserts, evictions, LRU, migration */
	struct list_head lru;
	u32 count;
	u32 gen;			/* bumped when records come, go or move */
	bool stopped;			/* no resize may be queued */
	/* offender_inserts a second: under lock, peeked without it */
	unsigned long budget_end;	/* jiffies: the second ends */
	u32 budget_used;
	struct sg_ledger_table __rcu *table;
	struct sg_ledger_table __rcu *future;	/* a resize in progress */
	struct mutex resize_lock;	/* a resize against a flush */
	struct work_struct resize_work;
	struct sg_memcg payer;		/* charged for the records */
};

/*
 * What the hooks tell the ledger about one refused packet.  The host is
 * its source, an inside sender: the hooks decide who is (roles.c).
 */
struct sg_offence {
	u32 reason;		/* enum smtpguard_reason */
	int port;		/* the peer's port; -1: none */
	u8 proto;
	u8 mode;
	const char *feed;	/* cnc: the feed listing the peer */
};

enum sg_report {
	SG_REPORT_OFF,		/* no ledger: log per packet, rate-limited */
	SG_REPORT_NONE,		/* counted; nothing to say this time */
	SG_REPORT_NEW,		/* the host's first offence */
	SG_REPORT_UPDATE,	/* its interval ran out */
};

/* The outcome of sg_ledger_record() besides the report. */
struct sg_ledger_note {
	struct sg_offender *o;	/* under RCU; NULL with SG_REPORT_OFF/NONE */
	u32 evicted;		/* records dropped to make room */
	bool suppressed;	/* a new host past the insertion budget */
};

/* Where a dump stopped: a bucket and the position in its chain. */
struct sg_ledger_cursor {
	unsigned long bucket;
	long pos;
};

int __init sg_ledger_module_init(void);
void sg_ledger_module_exit(void);
void sg_ledger_init(struct sg_ledger *l);
int sg_ledger_start(struct sg_ledger *l);
void sg_ledger_stop(struct sg_ledger *l);
void sg_ledger_destroy(struct sg_ledger *l);
u32 sg_ledger_count(struct sg_ledger *l);
u32 sg_ledger_hashsize(struct sg_ledger *l);
u32 sg_ledger_flush(struct sg_ledger *l, u32 reason);
int sg_param_set_bounded(const char *val, const struct kernel_param *kp,
			 unsigned int min, unsigned int max);
enum sg_report sg_ledger_record(struct sg_ledger *l,
				const struct nf_hook_state *state,
				const struct sk_buff *skb,
				const struct sg_offence *off,
				struct sg_ledger_note *note);
void sg_offender_view(struct sg_offender *o, struct sg_offender_view *v);
bool sg_offender_matches(const struct sg_offender *o, u32 reason);
u32 sg_ledger_gen(struct sg_ledger *l);
int sg_ledger_walk(struct sg_ledger *l, struct sg_ledger_cursor *c,
		   u32 reason, int (*fn)(struct sg_offender *o, void *arg),
		   void *arg);

#endif /* _SG_LEDGER_H */
