// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: per-CPU counters with a resettable baseline.
 */

#include <linux/cpumask.h>
#include <linux/lockdep.h>
#include <linux/string.h>

#include "stats.h"

int sg_counters_init(struct sg_counters *c, struct mutex *lock)
{
	memset(c, 0, sizeof(*c));
	seqcount_mutex_init(&c->baseline_seq, lock);
	c->pcpu = alloc_percpu_gfp(struct sg_stats, GFP_KERNEL_ACCOUNT);
	return c->pcpu ? 0 : -ENOMEM;
}

void sg_counters_free(struct sg_counters *c)
{
	free_percpu(c->pcpu);
	c->pcpu = NULL;
}

static void sg_counters_sum(struct sg_counters *c, struct sg_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct sg_stats *s = per_cpu_ptr(c->pcpu, cpu);

		sum->allowed += READ_ONCE(s->allowed);
		sum->dropped += READ_ONCE(s->dropped);
		sum->would_drop += READ_ONCE(s->would_drop);
		sum->cnc_dropped += READ_ONCE(s->cnc_dropped);
		sum->cnc_would_drop += READ_ONCE(s->cnc_would_drop);
		sum->offenders_evicted += READ_ONCE(s->offenders_evicted);
		sum->events_sent += READ_ONCE(s->events_sent);
		sum->events_dropped += READ_ONCE(s->events_dropped);
		sum->smtp_outside += READ_ONCE(s->smtp_outside);
		sum->cnc_outside += READ_ONCE(s->cnc_outside);
		sum->cnc_excepted += READ_ONCE(s->cnc_excepted);
		sum->cnc_other_direction += READ_ONCE(s->cnc_other_direction);
		sum->offenders_suppressed += READ_ONCE(s->offenders_suppressed);
		sum->events_suppressed += READ_ONCE(s->events_suppressed);
		sum->block_rebuilds += READ_ONCE(s->block_rebuilds);
		sum->block_hits_unrecorded +=
			READ_ONCE(s->block_hits_unrecorded);
	}
}

/*
 * Lock-free for readers: the sum is taken inside the seqcount section, so a
 * reset racing with us makes us retry, and since the counters only grow,
 * "current - baseline" never goes below zero.
 */
void sg_counters_read(struct sg_counters *c, struct sg_stats_report *r)
{
	struct sg_stats now, base;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&c->baseline_seq);
		base = c->baseline;
		sg_counters_sum(c, &now);
	} while (read_seqcount_retry(&c->baseline_seq, seq));

	r->allowed = now.allowed - base.allowed;
	r->dropped = now.dropped - base.dropped;
	r->would_drop = now.would_drop - base.would_drop;
	r->inspected = r->allowed + r->dropped + r->would_drop;
	r->cnc_dropped = now.cnc_dropped - base.cnc_dropped;
	r->cnc_would_drop = now.cnc_would_drop - base.cnc_would_drop;
	r->offenders_evicted = now.offenders_evicted - base.offenders_evicted;
	r->events_sent = now.events_sent - base.events_sent;
	r->events_dropped = now.events_dropped - base.events_dropped;
	r->smtp_outside = now.smtp_outside - base.smtp_outside;
	r->cnc_outside = now.cnc_outside - base.cnc_outside;
	r->cnc_excepted = now.cnc_excepted - base.cnc_excepted;
	r->cnc_other_direction = now.cnc_other_direction -
				 base.cnc_other_direction;
	r->offenders_suppressed = now.offenders_suppressed -
				  base.offenders_suppressed;
	r->events_suppressed = now.events_suppressed - base.events_suppressed;
	r->block_rebuilds = now.block_rebuilds - base.block_rebuilds;
	r->block_hits_unrecorded = now.block_hits_unrecorded -
				   base.block_hits_unrecorded;
}

/* Under the lock given to sg_counters_init(); the data path keeps counting. */
void sg_counters_reset(struct sg_counters *c)
{
	struct sg_stats now;

	sg_counters_sum(c, &now);
	write_seqcount_begin(&c->baseline_seq);
	c->baseline = now;
	write_seqcount_end(&c->baseline_seq);
}
