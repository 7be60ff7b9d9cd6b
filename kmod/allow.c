// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: policy snapshots and their prefix sets (allow-list,
 * exceptions, inside networks).
 *
 * Each set keeps the configured prefixes sorted (for listing and exact
 * deletes) and, derived from them, disjoint sorted address ranges per
 * family, so a data-path lookup is one binary search however the prefixes
 * overlap.  Snapshots are built in process context and never modified once
 * published.
 */

#include <linux/bsearch.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "allow.h"

const char *sg_mode_name(u8 mode)
{
	switch (mode) {
	case SMTPGUARD_MODE_OFF:
		return "off";
	case SMTPGUARD_MODE_MONITOR:
		return "monitor";
	case SMTPGUARD_MODE_ENFORCE:
		return "enforce";
	}
	return "unknown";
}

static struct sg_u128 sg_u128_from_in6(const struct in6_addr *a)
{
	struct sg_u128 v;

	v.hi = (u64)ntohl(a->s6_addr32[0]) << 32 | ntohl(a->s6_addr32[1]);
	v.lo = (u64)ntohl(a->s6_addr32[2]) << 32 | ntohl(a->s6_addr32[3]);
	return v;
}

static int sg_u128_cmp(const struct sg_u128 *a, const struct sg_u128 *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

static struct sg_u128 sg_u128_hostmask(u8 len)
{
	struct sg_u128 m;

	if (len < 64) {
		m.hi = U64_MAX >> len;
		m.lo = U64_MAX;
	} else if (len < 128) {
		m.hi = 0;
		m.lo = U64_MAX >> (len - 64);
	} else {
		m.hi = 0;
		m.lo = 0;
	}
	return m;
}

static u32 sg_u32_hostmask(u8 len)
{
	return len >= 32 ? 0 : U32_MAX >> len;
}

/* Prefixes of @nr that are IPv4 (they sort first). */
static u32 sg_count_v4(const struct sg_prefix *p, u32 nr)
{
	u32 i, n = 0;

	for (i = 0; i < nr; i++)
		n += p[i].family == AF_INET;
	return n;
}

/* What a new snapshot's sets hold: the prefixes of each, to be copied. */
struct sg_policy_plan {
	const struct sg_prefix *pfx[SG_NR_SETS];
	u32 nr[SG_NR_SETS];
};

static size_t sg_pset_bytes(const struct sg_prefix *p, u32 nr)
{
	u32 n4 = sg_count_v4(p, nr);
	size_t size;

	size = array_size(nr - n4, sizeof(struct sg_range6));
	size = size_add(size, array_size(n4, sizeof(struct sg_range4)));
	return size_add(size, array_size(nr, sizeof(struct sg_prefix)));
}

/* Derive the merged ranges from set->prefixes[0..nr_prefixes). */
static void sg_pset_build_ranges(struct sg_pset *set)
{
	struct sg_range4 *r4 = (struct sg_range4 *)set->ranges4;
	struct sg_range6 *r6 = (struct sg_range6 *)set->ranges6;
	u32 i, n4 = 0, n6 = 0;

	for (i = 0; i < set->nr_prefixes; i++) {
		const struct sg_prefix *p = &set->prefixes[i];

		if (p->family == AF_INET) {
			u32 first = ntohl(p->addr.s6_addr32[0]);
			u32 last = first | sg_u32_hostmask(p->len);

			/* Sorted by first address: overlap or adjacency can
			 * only involve the previous range.
			 */
			if (n4 && (first <= r4[n4 - 1].last ||
				   first == r4[n4 - 1].last + 1)) {
				r4[n4 - 1].last = max(r4[n4 - 1].last, last);
				continue;
			}
			r4[n4].first = first;
			r4[n4].last = last;
			n4++;
		} else {
			struct sg_u128 first = sg_u128_from_in6(&p->addr);
			struct sg_u128 m = sg_u128_hostmask(p->len);
			struct sg_u128 last = { first.hi | m.hi, first.lo | m.lo };

			if (n6) {
				struct sg_u128 *prev = &r6[n6 - 1].last;
				struct sg_u128 next = *prev;

				/* next = prev + 1; prev cannot be the top of
				 * the space here, first would not exceed it.
				 */
				if (++next.lo == 0)
					next.hi++;
				if (sg_u128_cmp(&first, prev) <= 0 ||
				    !sg_u128_cmp(&first, &next)) {
					if (sg_u128_cmp(&last, prev) > 0)
						*prev = last;
					continue;
				}
			}
			r6[n6].first = first;
			r6[n6].last = last;
			n6++;
		}
	}
	set->nr_ranges4 = n4;
	set->nr_ranges6 = n6;
}

/* Lay out @set at @data with a copy of @p, and derive its ranges. */
static u8 *sg_pset_init(struct sg_pset *set, u8 *data,
			const struct sg_prefix *p, u32 nr)
{
	u32 n4 = sg_count_v4(p, nr);

	set->ranges6 = (const struct sg_range6 *)data;
	set->ranges4 = (const struct sg_range4 *)(set->ranges6 + (nr - n4));
	set->prefixes = (const struct sg_prefix *)(set->ranges4 + n4);
	memcpy((struct sg_prefix *)set->prefixes, p, array_size(nr, sizeof(*p)));
	set->nr_prefixes = nr;
	sg_pset_build_ranges(set);
	return (u8 *)(set->prefixes + nr);
}

/*
 * A snapshot with @old's settings (or the defaults) and the sets of
 * @plan.  One allocation holds the header and every array, so one
 * kvfree_rcu() releases a snapshot.  At the limits this is a few hundred
 * KiB, hence kvmalloc rather than kmalloc.
 */
static struct sg_policy *sg_policy_build(const struct sg_policy *old,
					 const struct sg_policy_plan *plan)
{
	struct sg_policy *pol;
	size_t size = sizeof(*pol);
	u8 *data;
	int k;

	for (k = 0; k < SG_NR_SETS; k++)
		size = size_add(size, sg_pset_bytes(plan->pfx[k], plan->nr[k]));
	pol = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!pol)
		return NULL;

	if (old) {
		pol->mode = old->mode;
		pol->mode_explicit = old->mode_explicit;
		pol->smtp_armed = old->smtp_armed;
		pol->nr_ports = old->nr_ports;
		memcpy(pol->ports, old->ports, sizeof(pol->ports));
		memcpy(pol->role_ifs, old->role_ifs, sizeof(pol->role_ifs));
	} else {
		pol->mode = SMTPGUARD_MODE_OFF;
		pol->ports[0] = SG_DEFAULT_PORT;
		pol->nr_ports = 1;
	}
	data = (u8 *)pol->data;
	for (k = 0; k < SG_NR_SETS; k++)
		data = sg_pset_init(&pol->sets[k], data, plan->pfx[k],
				    plan->nr[k]);
	refcount_set(&pol->refcnt, 1);
	return pol;
}

static void sg_policy_plan_of(struct sg_policy_plan *plan,
			      const struct sg_policy *old)
{
	int k;

	for (k = 0; k < SG_NR_SETS; k++) {
		plan->pfx[k] = old->sets[k].prefixes;
		plan->nr[k] = old->sets[k].nr_prefixes;
	}
}

struct sg_policy *sg_policy_new_default(void)
{
	struct sg_policy_plan plan = {};

	return sg_policy_build(NULL, &plan);
}

/* A private copy of @old that the caller may change before publishing. */
struct sg_policy *sg_policy_copy(const struct sg_policy *old)
{
	struct sg_policy_plan plan;

	sg_policy_plan_of(&plan, old);
	return sg_policy_build(old, &plan);
}

/* @old with set @kind empty: ALLOW_FLUSH, EXCEPT_FLUSH, ROLE_FLUSH. */
struct sg_policy *sg_policy_copy_flushed(const struct sg_policy *old,
					 enum sg_set_kind kind)
{
	struct sg_policy_plan plan;

	sg_policy_plan_of(&plan, old);
	plan.nr[kind] = 0;
	return sg_policy_build(old, &plan);
}

/*
 * New snapshot = @old with @add (validated, any order, may repeat or
 * already be present) added to set @kind.  @add is sorted in place.
 * -ENOSPC if the union would exceed the set's limit.  Adding to the
 * allow-list arms the SMTP policy: an allow-list exists.
 */
int sg_policy_add(const struct sg_policy *old, enum sg_set_kind kind,
		  struct sg_prefix *add, u32 nr_add, struct sg_policy **newp)
{
	const struct sg_pset *cur = &old->sets[kind];
	struct sg_policy_plan plan;
	struct sg_prefix *merged;
	struct sg_policy *pol;
	u32 i = 0, j = 0, n = 0;
	int err;

	err = sg_prefixes_sort_unique(add, nr_add, &nr_add);
	if (err)
		return err;
	merged = kvmalloc_array(size_add(cur->nr_prefixes, nr_add),
				sizeof(*merged), GFP_KERNEL_ACCOUNT);
	if (!merged)
		return -ENOMEM;

	while (i < cur->nr_prefixes || j < nr_add) {
		int c;

		if (i == cur->nr_prefixes)
			c = 1;
		else if (j == nr_add)
			c = -1;
		else
			c = sg_prefix_cmp(&cur->prefixes[i], &add[j]);
		merged[n++] = c <= 0 ? cur->prefixes[i] : add[j];
		i += c <= 0;
		j += c >= 0;
	}
	err = -ENOSPC;
	if (n > sg_set_max(kind))
		goto out;

	sg_policy_plan_of(&plan, old);
	plan.pfx[kind] = merged;
	plan.nr[kind] = n;
	err = -ENOMEM;
	pol = sg_policy_build(old, &plan);
	if (!pol)
		goto out;
	if (kind == SG_SET_ALLOW)
		pol->smtp_armed = true;
	*newp = pol;
	err = 0;
out:
	kvfree(merged);
	return err;
}

/*
 * New snapshot = @old minus @del in set @kind.  The caller has checked
 * with sg_pset_has() that every entry of @del is present.  @del is
 * sorted in place.
 */
int sg_policy_del(const struct sg_policy *old, enum sg_set_kind kind,
		  struct sg_prefix *del, u32 nr_del, struct sg_policy **newp)
{
	const struct sg_pset *cur = &old->sets[kind];
	struct sg_policy_plan plan;
	struct sg_prefix *kept;
	struct sg_policy *pol;
	u32 i, j = 0, n = 0;
	int err;

	err = sg_prefixes_sort_unique(del, nr_del, &nr_del);
	if (err)
		return err;
	if (WARN_ON_ONCE(nr_del > cur->nr_prefixes))
		return -EINVAL;
	kept = kvmalloc_array(cur->nr_prefixes - nr_del ?: 1, sizeof(*kept),
			      GFP_KERNEL_ACCOUNT);
	if (!kept)
		return -ENOMEM;
	for (i = 0; i < cur->nr_prefixes; i++) {
		if (j < nr_del && !sg_prefix_cmp(&cur->prefixes[i], &del[j])) {
			j++;
			continue;
		}
		kept[n++] = cur->prefixes[i];
	}

	sg_policy_plan_of(&plan, old);
	plan.pfx[kind] = kept;
	plan.nr[kind] = n;
	pol = sg_policy_build(old, &plan);
	kvfree(kept);
	if (!pol)
		return -ENOMEM;
	*newp = pol;
	return 0;
}

bool sg_pset_has(const struct sg_pset *set, const struct sg_prefix *p)
{
	return bsearch(p, set->prefixes, set->nr_prefixes, sizeof(*p),
		       sg_prefix_cmp);
}

/*
 * The most specific configured prefix that covers @host (a full-length
 * prefix), or NULL.  Process context (BLOCK_TEST): a linear scan.
 */
const struct sg_prefix *sg_pset_cover(const struct sg_pset *set,
				      const struct sg_prefix *host)
{
	const struct sg_prefix *best = NULL;
	u32 i;

	for (i = 0; i < set->nr_prefixes; i++) {
		const struct sg_prefix *p = &set->prefixes[i];
		struct sg_prefix cut, masked;

		if (p->family != host->family || (best && best->len >= p->len))
			continue;
		cut = *host;
		cut.len = p->len;
		/* Its host bits cleared, @host at p's length is p or not. */
		sg_prefix_check_host_bits(&cut, &masked);
		if (!memcmp(&masked.addr, &p->addr, sizeof(p->addr)))
			best = p;
	}
	return best;
}

bool sg_role_ifs_has(const struct sg_role_ifs *r, const char *name)
{
	u8 i;

	for (i = 0; i < r->nr; i++)
		if (!strncmp(r->ifs[i].name, name, IFNAMSIZ))
			return true;
	return false;
}

/* Data path: called under RCU from the netfilter hooks. */
bool sg_pset_lookup4(const struct sg_pset *set, __be32 addr)
{
	const struct sg_range4 *r = set->ranges4;
	u32 a = ntohl(addr), lo = 0, hi = set->nr_ranges4;

	/* Find the last range whose first address is <= a. */
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (r[mid].first <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && a <= r[lo - 1].last;
}

bool sg_pset_lookup6(const struct sg_pset *set, const struct in6_addr *addr)
{
	const struct sg_range6 *r = set->ranges6;
	struct sg_u128 a = sg_u128_from_in6(addr);
	u32 lo = 0, hi = set->nr_ranges6;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (sg_u128_cmp(&r[mid].first, &a) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && sg_u128_cmp(&a, &r[lo - 1].last) <= 0;
}

void sg_policy_put(struct sg_policy *pol)
{
	if (pol && refcount_dec_and_test(&pol->refcnt))
		kvfree_rcu(pol, rcu);
}
