/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: who sent a packet, one of our own hosts or the Internet.
 */
#ifndef _SG_ROLES_H
#define _SG_ROLES_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>

#include "allow.h"

bool sg_sender_inside(const struct sg_policy *pol,
		      const struct nf_hook_state *state,
		      const struct sk_buff *skb);

#endif /* _SG_ROLES_H */
