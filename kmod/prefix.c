// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: prefixes and their order.
 *
 * A feed may stage millions of prefixes, so sorting them must not hold a
 * CPU for seconds: it sorts runs of SG_SORT_RUN with the kernel's sort()
 * and merges the runs bottom-up, rescheduling between steps.  smtpguardctl
 * sends feeds sorted; that case is one linear check.
 */

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "prefix.h"

/* Prefixes sorted by sort() at once: a few hundred microseconds. */
#define SG_SORT_RUN		2048
/* Prefixes checked or merged between two cond_resched(). */
#define SG_SORT_STEP		65536

int sg_prefix_cmp(const void *a, const void *b)
{
	const struct sg_prefix *pa = a, *pb = b;
	int ret;

	/* AF_INET sorts before AF_INET6: IPv4 entries come first. */
	if (pa->family != pb->family)
		return pa->family < pb->family ? -1 : 1;
	ret = memcmp(&pa->addr, &pb->addr, sizeof(pa->addr));
	if (ret)
		return ret;
	if (pa->len != pb->len)
		return pa->len < pb->len ? -1 : 1;
	return 0;
}

static bool sg_prefixes_sorted(const struct sg_prefix *p, u32 nr)
{
	u32 i;

	for (i = 1; i < nr; i++) {
		if (sg_prefix_cmp(&p[i - 1], &p[i]) > 0)
			return false;
		if (!(i % SG_SORT_STEP))
			cond_resched();
	}
	return true;
}

/* Merge the sorted runs [lo, mid) and [mid, hi) of @src into @dst. */
static void sg_prefixes_merge(struct sg_prefix *dst,
			      const struct sg_prefix *src,
			      u32 lo, u32 mid, u32 hi)
{
	u32 i = lo, j = mid, k = lo;

	while (i < mid && j < hi) {
		if (sg_prefix_cmp(&src[i], &src[j]) <= 0)
			dst[k++] = src[i++];
		else
			dst[k++] = src[j++];
		if (!(k % SG_SORT_STEP))
			cond_resched();
	}
	memcpy(&dst[k], &src[i], (mid - i) * sizeof(*dst));
	k += mid - i;
	memcpy(&dst[k], &src[j], (hi - j) * sizeof(*dst));
}

static int sg_prefixes_sort(struct sg_prefix *p, u32 nr)
{
	struct sg_prefix *tmp, *src = p, *dst;
	u32 run, lo;

	if (nr <= SG_SORT_RUN) {
		sort(p, nr, sizeof(*p), sg_prefix_cmp, NULL);
		return 0;
	}
	/* Charged to whoever sent the prefixes, like the prefixes. */
	tmp = kvmalloc_array(nr, sizeof(*tmp), GFP_KERNEL_ACCOUNT);
	if (!tmp)
		return -ENOMEM;
	for (lo = 0; lo < nr; lo += SG_SORT_RUN) {
		sort(&p[lo], min(SG_SORT_RUN, nr - lo), sizeof(*p),
		     sg_prefix_cmp, NULL);
		cond_resched();
	}
	dst = tmp;
	for (run = SG_SORT_RUN; run < nr; run *= 2) {
		for (lo = 0; lo < nr; lo += 2 * run) {
			u32 mid = min(lo + run, nr);
			u32 hi = min(lo + 2 * run, nr);

			sg_prefixes_merge(dst, src, lo, mid, hi);
		}
		swap(src, dst);
		cond_resched();
	}
	if (src != p)
		memcpy(p, src, nr * sizeof(*p));
	kvfree(tmp);
	return 0;
}

/*
 * Sort and drop duplicates in place; *@kept is the number left.  Fails
 * only for lack of memory, leaving @p in some order.
 */
int sg_prefixes_sort_unique(struct sg_prefix *p, u32 nr, u32 *kept)
{
	u32 i, n;
	int err;

	*kept = 0;
	if (!nr)
		return 0;
	if (!sg_prefixes_sorted(p, nr)) {
		err = sg_prefixes_sort(p, nr);
		if (err)
			return err;
	}
	for (i = 1, n = 1; i < nr; i++) {
		if (sg_prefix_cmp(&p[n - 1], &p[i]))
			p[n++] = p[i];
		if (!(i % SG_SORT_STEP))
			cond_resched();
	}
	*kept = n;
	return 0;
}

static u32 sg_u32_hostmask(u8 len)
{
	return len >= 32 ? 0 : U32_MAX >> len;
}

/*
 * Returns 0 when @p has no host bits set, else -EINVAL with the network
 * address (host bits cleared) in @masked, for the error message.
 */
int sg_prefix_check_host_bits(const struct sg_prefix *p,
			      struct sg_prefix *masked)
{
	bool set = false;
	unsigned int i;

	*masked = *p;
	if (p->family == AF_INET) {
		u32 a = ntohl(p->addr.s6_addr32[0]);
		u32 m = sg_u32_hostmask(p->len);

		set = a & m;
		masked->addr.s6_addr32[0] = htonl(a & ~m);
		return set ? -EINVAL : 0;
	}
	for (i = 0; i < 4; i++) {
		int bits = clamp((int)p->len - 32 * (int)i, 0, 32);
		u32 a = ntohl(p->addr.s6_addr32[i]);
		u32 m = sg_u32_hostmask(bits);

		set |= a & m;
		masked->addr.s6_addr32[i] = htonl(a & ~m);
	}
	return set ? -EINVAL : 0;
}
