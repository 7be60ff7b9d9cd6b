// SPDX-License-Identifier: GPL-2.0
/*
 * sg_canary: commits, on purpose, one bug of each kind the debug kernel's
 * checkers are there to catch, so that check-debug.sh can show that each
 * checker is live and that the harness turns its report into a failure.
 * A clean run of the selftests on that kernel means something only if this
 * module's run is caught.  Loaded only in the canary boot of the debug
 * kernel; init always fails, so nothing stays behind.
 *
 *   insmod sg_canary.ko bugs=rcu,sleep,lockorder,timerfree,uaf,leak,warn,lockup
 *
 * The order matters: a lockdep report switches lockdep (and with it the RCU
 * checks) off, and so does the taint of a KASAN report; debug objects and
 * kmemleak go on regardless.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>

static char *bugs = "";
module_param(bugs, charp, 0444);
MODULE_PARM_DESC(bugs, "comma-separated: rcu, sleep, lockorder, timerfree, uaf, leak, warn, lockup");

struct canary_obj {
	int value;
	char pad[60];
};

static struct canary_obj __rcu *canary_ptr;
static DEFINE_SPINLOCK(canary_lock);
static DEFINE_MUTEX(canary_mutex_a);
static DEFINE_MUTEX(canary_mutex_b);

/* PROVE_RCU: an RCU-protected pointer read outside any read-side section. */
static void canary_rcu(void)
{
	struct canary_obj *p = rcu_dereference(canary_ptr);

	pr_info("rcu: read %p without rcu_read_lock()\n", p);
}

/* DEBUG_ATOMIC_SLEEP: a may-sleep point under a spinlock. */
static void canary_sleep(void)
{
	spin_lock(&canary_lock);
	might_sleep();
	spin_unlock(&canary_lock);
}

/* KASAN: a read of freed memory. */
static noinline int canary_uaf(void)
{
	struct canary_obj *p = kmalloc(sizeof(*p), GFP_KERNEL);
	int v;

	if (!p)
		return -ENOMEM;
	p->value = 1;
	kfree(p);
	v = READ_ONCE(p->value);
	pr_info("uaf: read %d from freed memory\n", v);
	return 0;
}

/*
 * KMEMLEAK: allocations whose only pointers are dropped.  kmemleak is
 * conservative: any stale copy of a pointer hides a leak.  SLUB keeps its
 * free list inside free objects, so an object allocated without zeroing
 * still points at the one handed out after it: these are zeroed, and there
 * are several, since the first may still be pointed at by whoever got the
 * object before it.
 */
#define CANARY_LEAKS 8

static noinline int canary_leak(void)
{
	int i;

	for (i = 0; i < CANARY_LEAKS; i++) {
		struct canary_obj *p = kzalloc(sizeof(*p), GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		WRITE_ONCE(p->value, i + 1);
	}
	pr_info("leak: dropped the only pointers to %d %zu-byte objects\n",
		CANARY_LEAKS, sizeof(struct canary_obj));
	return 0;
}

/* PROVE_LOCKING: A then B, later B then A (one task, so no real deadlock). */
static void canary_lockorder(void)
{
	mutex_lock(&canary_mutex_a);
	mutex_lock(&canary_mutex_b);
	mutex_unlock(&canary_mutex_b);
	mutex_unlock(&canary_mutex_a);

	mutex_lock(&canary_mutex_b);
	mutex_lock(&canary_mutex_a);
	mutex_unlock(&canary_mutex_a);
	mutex_unlock(&canary_mutex_b);
}

struct canary_timer {
	struct timer_list timer;
};

static void canary_timer_fn(struct timer_list *t)
{
}

/*
 * DEBUG_OBJECTS_TIMERS: freeing an armed timer.  The checker's fixup
 * deactivates it before the memory goes, so nothing fires later.
 */
static noinline int canary_timerfree(void)
{
	struct canary_timer *ct = kmalloc(sizeof(*ct), GFP_KERNEL);

	if (!ct)
		return -ENOMEM;
	timer_setup(&ct->timer, canary_timer_fn, 0);
	mod_timer(&ct->timer, jiffies + 3600 * HZ);
	kfree(ct);
	return 0;
}

/* A CPU held without scheduling past the soft lockup threshold (20 s). */
static void canary_lockup(void)
{
	preempt_disable();
	mdelay(26 * 1000);
	preempt_enable();
}

static int __init canary_init(void)
{
	char *list, *cur, *name;
	int err = 0;

	list = kstrdup(bugs, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while (!err && (name = strsep(&cur, ",")) != NULL) {
		if (!*name)
			continue;
		pr_info("committing %s\n", name);
		if (!strcmp(name, "rcu")) {
			canary_rcu();
		} else if (!strcmp(name, "sleep")) {
			canary_sleep();
		} else if (!strcmp(name, "uaf")) {
			err = canary_uaf();
		} else if (!strcmp(name, "leak")) {
			err = canary_leak();
		} else if (!strcmp(name, "timerfree")) {
			err = canary_timerfree();
		} else if (!strcmp(name, "warn")) {
			WARN(1, "sg_canary: a warning on purpose\n");
		} else if (!strcmp(name, "lockorder")) {
			canary_lockorder();
		} else if (!strcmp(name, "lockup")) {
			canary_lockup();
		} else {
			pr_err("unknown bug '%s'\n", name);
			err = -EINVAL;
		}
	}
	kfree(list);
	/* Nothing to keep loaded: every bug is committed at init. */
	return err ? err : -EAGAIN;
}
module_init(canary_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("smtpguard debug-kernel canary: deliberate bugs for the checkers");
