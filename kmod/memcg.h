/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the memory cgroup that pays for what the data path
 * allocates on behalf of a namespace (offender records).
 */
#ifndef _SG_MEMCG_H
#define _SG_MEMCG_H

#include <linux/rcupdate.h>

struct mem_cgroup;

struct sg_memcg {
	struct mem_cgroup __rcu *memcg;	/* NULL: the root, nobody pays */
};

void sg_memcg_init_current(struct sg_memcg *m);
void sg_memcg_release(struct sg_memcg *m);
struct mem_cgroup *sg_memcg_get(struct sg_memcg *m);
struct mem_cgroup *sg_memcg_begin(struct sg_memcg *m);
void sg_memcg_end(struct mem_cgroup *old);

#endif /* _SG_MEMCG_H */
