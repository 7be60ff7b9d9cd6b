// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: policy snapshots and the allow-list.
 *
 * A snapshot keeps the configured prefixes sorted (for listing and exact
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

/*
 * One allocation holds the header and all arrays, so one kvfree_rcu()
 * releases a snapshot.  At SMTPGUARD_MAX_ALLOW entries this is a few hundred
 * KiB, hence kvmalloc rather than kmalloc.
 */
static struct sg_policy *sg_policy_alloc(u32 nr4, u32 nr6)
{
	struct sg_policy *pol;
	size_t size;

	size = size_add(sizeof(*pol), array_size(nr6, sizeof(struct sg_range6)));
	size = size_add(size, array_size(nr4, sizeof(struct sg_range4)));
	size = size_add(size, array_size(size_add(nr4, nr6),
					 sizeof(struct sg_prefix)));
	pol = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!pol)
		return NULL;

	pol->ranges6 = (const struct sg_range6 *)pol->data;
	pol->ranges4 = (const struct sg_range4 *)(pol->ranges6 + nr6);
	pol->prefixes = (const struct sg_prefix *)(pol->ranges4 + nr4);
	refcount_set(&pol->refcnt, 1);
	return pol;
}

static void sg_policy_copy_settings(struct sg_policy *pol,
				    const struct sg_policy *old)
{
	pol->mode = old->mode;
	pol->mode_explicit = old->mode_explicit;
	pol->smtp_armed = old->smtp_armed;
	pol->nr_ports = old->nr_ports;
	memcpy(pol->ports, old->ports, sizeof(pol->ports));
}

/* Derive the merged ranges from pol->prefixes[0..nr_prefixes). */
static void sg_policy_build_ranges(struct sg_policy *pol)
{
	struct sg_range4 *r4 = (struct sg_range4 *)pol->ranges4;
	struct sg_range6 *r6 = (struct sg_range6 *)pol->ranges6;
	u32 i, n4 = 0, n6 = 0;

	for (i = 0; i < pol->nr_prefixes; i++) {
		const struct sg_prefix *p = &pol->prefixes[i];

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
	pol->nr_ranges4 = n4;
	pol->nr_ranges6 = n6;
}

static u32 sg_count_v4(const struct sg_prefix *p, u32 nr)
{
	u32 i, n = 0;

	for (i = 0; i < nr; i++)
		n += p[i].family == AF_INET;
	return n;
}

struct sg_policy *sg_policy_new_default(void)
{
	struct sg_policy *pol = sg_policy_alloc(0, 0);

	if (!pol)
		return NULL;
	pol->mode = SMTPGUARD_MODE_OFF;
	pol->ports[0] = SG_DEFAULT_PORT;
	pol->nr_ports = 1;
	return pol;
}

/* A private copy of @old that the caller may change before publishing. */
struct sg_policy *sg_policy_copy(const struct sg_policy *old)
{
	u32 n4 = sg_count_v4(old->prefixes, old->nr_prefixes);
	struct sg_policy *pol;

	pol = sg_policy_alloc(n4, old->nr_prefixes - n4);
	if (!pol)
		return NULL;
	sg_policy_copy_settings(pol, old);
	memcpy((struct sg_prefix *)pol->prefixes, old->prefixes,
	       array_size(old->nr_prefixes, sizeof(*old->prefixes)));
	pol->nr_prefixes = old->nr_prefixes;
	sg_policy_build_ranges(pol);
	return pol;
}

/* @old's settings with an empty allow-list: ALLOW_FLUSH. */
struct sg_policy *sg_policy_copy_settings_only(const struct sg_policy *old)
{
	struct sg_policy *pol = sg_policy_alloc(0, 0);

	if (pol)
		sg_policy_copy_settings(pol, old);
	return pol;
}

/*
 * New snapshot = @old plus @add (validated, any order, may repeat or already
 * be present).  @add is sorted in place.  -ENOSPC if the union would exceed
 * SMTPGUARD_MAX_ALLOW.  The new snapshot is armed: an allow-list exists.
 */
int sg_policy_add(const struct sg_policy *old, struct sg_prefix *add,
		  u32 nr_add, struct sg_policy **newp)
{
	const struct sg_prefix *cur = old->prefixes;
	u32 i = 0, j = 0, n = 0, n4 = 0;
	struct sg_prefix *out;
	struct sg_policy *pol;
	int err;

	err = sg_prefixes_sort_unique(add, nr_add, &nr_add);
	if (err)
		return err;

	/* First pass counts the union, second pass writes it. */
	while (i < old->nr_prefixes || j < nr_add) {
		const struct sg_prefix *p;
		int c;

		if (i == old->nr_prefixes)
			c = 1;
		else if (j == nr_add)
			c = -1;
		else
			c = sg_prefix_cmp(&cur[i], &add[j]);
		p = c <= 0 ? &cur[i] : &add[j];
		i += c <= 0;
		j += c >= 0;
		n++;
		n4 += p->family == AF_INET;
	}
	if (n > SMTPGUARD_MAX_ALLOW)
		return -ENOSPC;

	pol = sg_policy_alloc(n4, n - n4);
	if (!pol)
		return -ENOMEM;
	sg_policy_copy_settings(pol, old);

	out = (struct sg_prefix *)pol->prefixes;
	for (i = 0, j = 0; i < old->nr_prefixes || j < nr_add; ) {
		int c;

		if (i == old->nr_prefixes)
			c = 1;
		else if (j == nr_add)
			c = -1;
		else
			c = sg_prefix_cmp(&cur[i], &add[j]);
		*out++ = c <= 0 ? cur[i] : add[j];
		i += c <= 0;
		j += c >= 0;
	}
	pol->nr_prefixes = n;
	pol->smtp_armed = true;
	sg_policy_build_ranges(pol);
	*newp = pol;
	return 0;
}

/*
 * New snapshot = @old minus @del.  The caller has checked with
 * sg_policy_has_prefix() that every entry of @del is present.  @del is
 * sorted in place.
 */
int sg_policy_del(const struct sg_policy *old, struct sg_prefix *del,
		  u32 nr_del, struct sg_policy **newp)
{
	u32 i, j = 0, n, n4;
	struct sg_prefix *out;
	struct sg_policy *pol;
	int err;

	err = sg_prefixes_sort_unique(del, nr_del, &nr_del);
	if (err)
		return err;
	if (WARN_ON_ONCE(nr_del > old->nr_prefixes))
		return -EINVAL;
	n = old->nr_prefixes - nr_del;
	n4 = sg_count_v4(old->prefixes, old->nr_prefixes) -
	     sg_count_v4(del, nr_del);

	pol = sg_policy_alloc(n4, n - n4);
	if (!pol)
		return -ENOMEM;
	sg_policy_copy_settings(pol, old);

	out = (struct sg_prefix *)pol->prefixes;
	for (i = 0; i < old->nr_prefixes; i++) {
		if (j < nr_del && !sg_prefix_cmp(&old->prefixes[i], &del[j])) {
			j++;
			continue;
		}
		*out++ = old->prefixes[i];
	}
	pol->nr_prefixes = n;
	sg_policy_build_ranges(pol);
	*newp = pol;
	return 0;
}

bool sg_policy_has_prefix(const struct sg_policy *pol,
			  const struct sg_prefix *p)
{
	return bsearch(p, pol->prefixes, pol->nr_prefixes, sizeof(*p),
		       sg_prefix_cmp);
}

/* Data path: called under RCU from the netfilter hooks. */
bool sg_allow_lookup4(const struct sg_policy *pol, __be32 addr)
{
	const struct sg_range4 *r = pol->ranges4;
	u32 a = ntohl(addr), lo = 0, hi = pol->nr_ranges4;

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

bool sg_allow_lookup6(const struct sg_policy *pol, const struct in6_addr *addr)
{
	const struct sg_range6 *r = pol->ranges6;
	struct sg_u128 a = sg_u128_from_in6(addr);
	u32 lo = 0, hi = pol->nr_ranges6;

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
