/* SPDX-License-Identifier: GPL-2.0 */
/* smtpguard: /proc/net/smtpguard of one namespace. */
#ifndef _SG_PROC_H
#define _SG_PROC_H

struct net;
struct sg_net;

int sg_proc_init_net(struct net *net, struct sg_net *sn);
void sg_proc_exit_net(struct net *net);

#endif /* _SG_PROC_H */
