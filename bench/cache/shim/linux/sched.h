/* SPDX-License-Identifier: GPL-2.0 */
/* One thread, nobody to yield to. */
#ifndef _SHIM_LINUX_SCHED_H
#define _SHIM_LINUX_SCHED_H
static inline void cond_resched(void)
{
}
#endif
