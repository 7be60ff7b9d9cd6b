// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: charging the namespace's configurer for data-path allocations.
 *
 * Offender records are allocated in softirq context, where "current" is
 * whoever happened to run; they are charged instead to the memory cgroup
 * of the process that first configured the namespace.  The kernel's own
 * users keep an obj_cgroup for this, which is reparented when its cgroup
 * is deleted; that API is not exported to modules.  So a reference to the
 * mem_cgroup is kept, and once that cgroup is offline (deleted) it is
 * traded for its nearest online ancestor: the deleted cgroup is not kept
 * alive by smtpguard, and the charges go where the kernel moves the old
 * ones.  The trade happens whenever the reference is used.
 */

#include <linux/atomic.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

#include "memcg.h"

/* Process context: the caller's cgroup becomes the payer. */
void sg_memcg_init_current(struct sg_memcg *m)
{
	struct mem_cgroup *memcg = NULL;

	if (!mem_cgroup_disabled() && current->mm)
		memcg = get_mem_cgroup_from_mm(current->mm);
	RCU_INIT_POINTER(m->memcg, memcg);
}

/* Nobody uses @m any more (after a grace period, at namespace exit). */
void sg_memcg_release(struct sg_memcg *m)
{
	struct mem_cgroup *memcg = rcu_dereference_protected(m->memcg, true);

	RCU_INIT_POINTER(m->memcg, NULL);
	mem_cgroup_put(memcg);
}

/*
 * Under RCU, any context.  The css is freed a grace period after its last
 * reference goes, so a reader that still holds the old pointer is safe.
 */
static struct mem_cgroup *sg_memcg_current(struct sg_memcg *m)
{
	struct mem_cgroup *memcg = rcu_dereference(m->memcg), *up;

	if (!memcg || likely(mem_cgroup_online(memcg)))
		return memcg;
	for (up = parent_mem_cgroup(memcg); up; up = parent_mem_cgroup(up)) {
		if (css_tryget_online(&up->css))
			break;
	}
	if (cmpxchg((struct mem_cgroup __force **)&m->memcg, memcg, up) ==
	    memcg) {
		mem_cgroup_put(memcg);
		return up;
	}
	/* Another CPU traded it first. */
	mem_cgroup_put(up);
	return rcu_dereference(m->memcg);
}

/* Process context: a reference to the payer, for mem_cgroup_put(). */
struct mem_cgroup *sg_memcg_get(struct sg_memcg *m)
{
	struct mem_cgroup *memcg;

	rcu_read_lock();
	memcg = sg_memcg_current(m);
	if (memcg)
		css_get(&memcg->css);
	rcu_read_unlock();
	return memcg;
}

/* Under RCU: allocations until sg_memcg_end() are charged to @m's cgroup. */
struct mem_cgroup *sg_memcg_begin(struct sg_memcg *m)
{
	return set_active_memcg(sg_memcg_current(m));
}

void sg_memcg_end(struct mem_cgroup *old)
{
	set_active_memcg(old);
}
