/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the policy of one namespace (mode, SMTP ports, allow-list)
 * as an immutable snapshot.  A data structure only: it knows nothing of
 * netlink, hooks or namespaces.
 */
#ifndef _SG_ALLOW_H
#define _SG_ALLOW_H

#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/types.h>

#include <linux/smtpguard.h>

#include "prefix.h"

#define SG_DEFAULT_PORT		25

/* Inclusive address ranges, derived from the prefixes, host byte order. */
struct sg_range4 {
	u32 first;
	u32 last;
};

struct sg_u128 {
	u64 hi;
	u64 lo;
};

struct sg_range6 {
	struct sg_u128 first;
	struct sg_u128 last;
};

/*
 * Writers build a new snapshot under the namespace's lock and swap the
 * pointer; the data path reads it under RCU.  The first cache line holds
 * all a non-SMTP packet looks at.
 *
 * smtp_armed: an allow-list was configured (ALLOW_ADD, or ALLOW_FLUSH
 * asking for it).  Until then SMTP is not inspected at all, so that a
 * namespace that only blocks C&C addresses never loses its mail; after
 * it, an empty allow-list drops all SMTP, as the seed chain with no
 * ACCEPT line would.
 *
 * refcnt is only for readers that must keep a snapshot across sleeps (a
 * netlink dump); the RCU readers in the data path take no reference.
 */
struct sg_policy {
	u8 mode;			/* enum smtpguard_mode */
	u8 nr_ports;
	bool mode_explicit;		/* set by MODE_SET at least once */
	bool smtp_armed;
	u16 ports[SMTPGUARD_MAX_PORTS];	/* sorted, distinct */
	u32 nr_ranges4;
	u32 nr_ranges6;
	u32 nr_prefixes;
	const struct sg_range4 *ranges4;	/* sorted, disjoint */
	const struct sg_range6 *ranges6;	/* sorted, disjoint */
	const struct sg_prefix *prefixes;	/* sorted, distinct */
	refcount_t refcnt;
	struct rcu_head rcu;
	/* ranges6[], ranges4[] and prefixes[] follow, in that order */
	u64 data[];
};

const char *sg_mode_name(u8 mode);
struct sg_policy *sg_policy_new_default(void);
struct sg_policy *sg_policy_copy(const struct sg_policy *old);
struct sg_policy *sg_policy_copy_settings_only(const struct sg_policy *old);
int sg_policy_add(const struct sg_policy *old, struct sg_prefix *add,
		  u32 nr_add, struct sg_policy **newp);
int sg_policy_del(const struct sg_policy *old, struct sg_prefix *del,
		  u32 nr_del, struct sg_policy **newp);
bool sg_policy_has_prefix(const struct sg_policy *pol,
			  const struct sg_prefix *p);
bool sg_allow_lookup4(const struct sg_policy *pol, __be32 addr);
bool sg_allow_lookup6(const struct sg_policy *pol, const struct in6_addr *a);
void sg_policy_put(struct sg_policy *pol);

static inline void sg_policy_get(struct sg_policy *pol)
{
	refcount_inc(&pol->refcnt);
}

#endif /* _SG_ALLOW_H */
