/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smtpguard: the counters of one namespace.  Per CPU, written only by the
 * CPU that owns them; a reset moves a baseline instead of writing them.
 */
#ifndef _SG_STATS_H
#define _SG_STATS_H

#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/types.h>

struct sg_stats {
	u64 allowed;
	u64 dropped;
	u64 would_drop;
	u64 cnc_dropped;
	u64 cnc_would_drop;
	u64 offenders_evicted;
	u64 events_sent;
	u64 events_dropped;
	u64 smtp_outside;	/* refused SMTP from an outside sender */
	u64 cnc_outside;	/* refused C&C traffic blamed on no one */
	u64 cnc_excepted;	/* listed, but an exception lets it pass */
	u64 cnc_other_direction;	/* listed by feeds for the other way */
	u64 offenders_suppressed;	/* past the insertion budget */
	u64 events_suppressed;		/* past the event budget */
	u64 block_rebuilds;		/* blocklist snapshots built whole */
	u64 block_hits_unrecorded;	/* hit table of packed hosts full */
};

/* What /proc and STATS_GET report: current counters minus the baseline. */
struct sg_stats_report {
	u64 inspected;
	u64 allowed;
	u64 dropped;
	u64 would_drop;
	u64 cnc_dropped;
	u64 cnc_would_drop;
	u64 offenders_evicted;
	u64 events_sent;
	u64 events_dropped;
	u64 smtp_outside;	/* refused SMTP from an outside sender */
	u64 cnc_outside;	/* refused C&C traffic blamed on no one */
	u64 cnc_excepted;	/* listed, but an exception lets it pass */
	u64 cnc_other_direction;	/* listed by feeds for the other way */
	u64 offenders_suppressed;	/* past the insertion budget */
	u64 events_suppressed;		/* past the event budget */
	u64 block_rebuilds;		/* blocklist snapshots built whole */
	u64 block_hits_unrecorded;	/* hit table of packed hosts full */
};

struct sg_counters {
	/* Counted with this_cpu_inc(), in any context. */
	struct sg_stats __percpu *pcpu;
	/* The baseline is written under the namespace's lock. */
	seqcount_mutex_t baseline_seq;
	struct sg_stats baseline;
};

int sg_counters_init(struct sg_counters *c, struct mutex *lock);
void sg_counters_free(struct sg_counters *c);
void sg_counters_read(struct sg_counters *c, struct sg_stats_report *r);
void sg_counters_reset(struct sg_counters *c);

#endif /* _SG_STATS_H */
