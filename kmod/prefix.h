/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: an IPv4 or IPv6 prefix, the unit of both the allow-list and
 * the blocklist, and the sorting they share.  The bottom layer: it knows
 * nothing of netlink, namespaces or packets.
 */
#ifndef _SG_PREFIX_H
#define _SG_PREFIX_H

#include <linux/in6.h>
#include <linux/socket.h>
#include <linux/types.h>

/* As configured: the network address, host bits 0. */
struct sg_prefix {
	struct in6_addr addr;	/* AF_INET: the address is in s6_addr32[0] */
	u16 family;
	u8 len;
};

static inline u8 sg_prefix_max_len(u16 family)
{
	return family == AF_INET ? 32 : 128;
}

int sg_prefix_cmp(const void *a, const void *b);
int sg_prefixes_sort_unique(struct sg_prefix *p, u32 nr, u32 *kept);
int sg_prefix_check_host_bits(const struct sg_prefix *p,
			      struct sg_prefix *masked);

#endif /* _SG_PREFIX_H */
