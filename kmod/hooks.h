/* SPDX-License-Identifier: GPL-2.0 */
/* smtpguard: the packet path of one namespace, registered and not. */
#ifndef _SG_HOOKS_H
#define _SG_HOOKS_H

struct sg_net;

int sg_hooks_register(struct sg_net *sn);
void sg_hooks_unregister(struct sg_net *sn);
int sg_prerouting_register(struct sg_net *sn);
void sg_prerouting_unregister(struct sg_net *sn);

#endif /* _SG_HOOKS_H */
