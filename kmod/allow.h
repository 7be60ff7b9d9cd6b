/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the policy of one namespace (mode, SMTP ports, allow-list,
 * exceptions, inside and outside) as an immutable snapshot.  A data
 * structure only: it knows nothing of netlink, hooks or namespaces.
 */
#ifndef _SG_ALLOW_H
#define _SG_ALLOW_H

#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/if.h>
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
 * A set of prefixes: as configured (sorted, distinct: for listing and
 * exact deletes) and, derived from them, disjoint sorted ranges per
 * family, so a lookup is one binary search however the prefixes overlap.
 */
struct sg_pset {
	u32 nr_prefixes;
	u32 nr_ranges4;
	u32 nr_ranges6;
	const struct sg_range4 *ranges4;
	const struct sg_range6 *ranges6;
	const struct sg_prefix *prefixes;
};

/* The prefix sets of a policy. */
enum sg_set_kind {
	SG_SET_ALLOW,		/* SMTP allow-list */
	SG_SET_EXCEPT,		/* never blocked, whatever a feed lists */
	SG_SET_INSIDE,		/* senders that are our own hosts */
	SG_NR_SETS
};

struct sg_ifname {
	char name[IFNAMSIZ];
};

/* Interfaces named inside or outside (enum smtpguard_role - 1). */
struct sg_role_ifs {
	u8 nr;
	struct sg_ifname ifs[SMTPGUARD_MAX_ROLE_IFS];
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
	struct sg_pset sets[SG_NR_SETS];
	/* [0] inside, [1] outside; with sets[SG_SET_INSIDE], configured
	 * roles: see sg_policy_has_roles().
	 */
	struct sg_role_ifs role_ifs[2];
	refcount_t refcnt;
	struct rcu_head rcu;
	/* per set: ranges6[], ranges4[], prefixes[] */
	u64 data[];
};

const char *sg_mode_name(u8 mode);
struct sg_policy *sg_policy_new_default(void);
struct sg_policy *sg_policy_copy(const struct sg_policy *old);
struct sg_policy *sg_policy_copy_flushed(const struct sg_policy *old,
					 enum sg_set_kind kind);
int sg_policy_add(const struct sg_policy *old, enum sg_set_kind kind,
		  struct sg_prefix *add, u32 nr_add, struct sg_policy **newp);
int sg_policy_del(const struct sg_policy *old, enum sg_set_kind kind,
		  struct sg_prefix *del, u32 nr_del, struct sg_policy **newp);
bool sg_pset_has(const struct sg_pset *set, const struct sg_prefix *p);
bool sg_pset_lookup4(const struct sg_pset *set, __be32 addr);
bool sg_pset_lookup6(const struct sg_pset *set, const struct in6_addr *a);
const struct sg_prefix *sg_pset_cover(const struct sg_pset *set,
				      const struct sg_prefix *host);
bool sg_role_ifs_has(const struct sg_role_ifs *r, const char *name);
void sg_policy_put(struct sg_policy *pol);

/* Limits of each set, by kind. */
static inline u32 sg_set_max(enum sg_set_kind kind)
{
	switch (kind) {
	case SG_SET_ALLOW:
		return SMTPGUARD_MAX_ALLOW;
	case SG_SET_EXCEPT:
		return SMTPGUARD_MAX_EXCEPT;
	default:
		return SMTPGUARD_MAX_INSIDE;
	}
}

/* Inside or outside was configured: the routing table no longer says. */
static inline bool sg_policy_has_roles(const struct sg_policy *pol)
{
	return pol->role_ifs[0].nr || pol->role_ifs[1].nr ||
	       pol->sets[SG_SET_INSIDE].nr_prefixes;
}

static inline bool sg_allow_lookup4(const struct sg_policy *pol, __be32 addr)
{
	return sg_pset_lookup4(&pol->sets[SG_SET_ALLOW], addr);
}

static inline bool sg_allow_lookup6(const struct sg_policy *pol,
				    const struct in6_addr *a)
{
	return sg_pset_lookup6(&pol->sets[SG_SET_ALLOW], a);
}

static inline void sg_policy_get(struct sg_policy *pol)
{
	refcount_inc(&pol->refcnt);
}

#endif /* _SG_ALLOW_H */
