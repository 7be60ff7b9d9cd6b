// SPDX-License-Identifier: GPL-2.0
/*
 * smtpguard: /proc/net/smtpguard, one "key value" per line.  The keys are
 * ABI (scripts parse them): never rename or reorder, only append.
 */

#include <linux/fs.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>

#include "netns.h"
#include "proc.h"

#define SG_PROC_NAME	"smtpguard"

static int sg_proc_show(struct seq_file *seq, void *v)
{
	struct sg_net *sn = pde_data(file_inode(seq->file));
	const struct sg_blockset *set;
	const struct sg_policy *pol;
	struct sg_stats_report st;
	u32 entries, feeds;
	u32 except_entries;
	bool smtp_armed, roles;
	size_t bytes;
	u8 i;

	rcu_read_lock();
	pol = rcu_dereference(sn->policy);
	seq_printf(seq, "mode %s\n", sg_mode_name(pol->mode));
	seq_printf(seq, "mode_explicit %d\n", pol->mode_explicit);
	seq_printf(seq, "allow_entries %u\n",
		   pol->sets[SG_SET_ALLOW].nr_prefixes);
	seq_puts(seq, "smtp_ports ");
	for (i = 0; i < pol->nr_ports; i++)
		seq_printf(seq, "%s%u", i ? "," : "", pol->ports[i]);
	seq_putc(seq, '\n');
	smtp_armed = pol->smtp_armed;
	except_entries = pol->sets[SG_SET_EXCEPT].nr_prefixes;
	roles = sg_policy_has_roles(pol);
	set = rcu_dereference(sn->block.set);
	entries = set ? READ_ONCE(set->nr_entries) : 0;
	feeds = set ? set->nr_feeds : 0;
	bytes = set ? READ_ONCE(set->bytes) : 0;
	rcu_read_unlock();

	sg_counters_read(&sn->counters, &st);
	seq_printf(seq, "smtp_inspected %llu\n", st.inspected);
	seq_printf(seq, "smtp_allowed %llu\n", st.allowed);
	seq_printf(seq, "smtp_dropped %llu\n", st.dropped);
	seq_printf(seq, "smtp_would_drop %llu\n", st.would_drop);
	seq_printf(seq, "block_entries %u\n", entries);
	seq_printf(seq, "block_feeds %u\n", feeds);
	seq_printf(seq, "block_bytes %zu\n", bytes);
	seq_printf(seq, "cnc_dropped %llu\n", st.cnc_dropped);
	seq_printf(seq, "cnc_would_drop %llu\n", st.cnc_would_drop);
	seq_printf(seq, "offenders %u\n", sg_ledger_count(&sn->ledger));
	seq_printf(seq, "offenders_evicted %llu\n", st.offenders_evicted);
	seq_printf(seq, "events_sent %llu\n", st.events_sent);
	seq_printf(seq, "events_dropped %llu\n", st.events_dropped);
	/* 1: an allow-list was configured, SMTP is inspected. */
	seq_printf(seq, "smtp_policy %d\n", smtp_armed);
	seq_printf(seq, "offenders_hashsize %u\n",
		   sg_ledger_hashsize(&sn->ledger));
	/* Refused, but the sender is not an inside host: not recorded. */
	seq_printf(seq, "smtp_outside %llu\n", st.smtp_outside);
	seq_printf(seq, "cnc_outside %llu\n", st.cnc_outside);
	seq_printf(seq, "cnc_excepted %llu\n", st.cnc_excepted);
	seq_printf(seq, "except_entries %u\n", except_entries);
	/* 1: inside/outside configured; 0: derived from the routes. */
	seq_printf(seq, "roles_configured %d\n", roles);
	/* Listed, but only by feeds for the other direction: passed. */
	seq_printf(seq, "cnc_other_direction %llu\n", st.cnc_other_direction);
	/* New hosts past offender_inserts, events past offender_events. */
	seq_printf(seq, "offenders_suppressed %llu\n", st.offenders_suppressed);
	seq_printf(seq, "events_suppressed %llu\n", st.events_suppressed);
	/* Changes that built the blocklist whole, not in place. */
	seq_printf(seq, "block_rebuilds %llu\n", st.block_rebuilds);
	/* Hits of packed host entries that found no room to be counted. */
	seq_printf(seq, "block_hits_unrecorded %llu\n",
		   st.block_hits_unrecorded);
	return 0;
}

/* The entry finds its namespace's state through its data, @sn. */
int sg_proc_init_net(struct net *net, struct sg_net *sn)
{
	if (!IS_ENABLED(CONFIG_PROC_FS))
		return 0;
	if (!proc_create_net_single(SG_PROC_NAME, 0444, net->proc_net,
				    sg_proc_show, sn))
		return -ENOMEM;
	return 0;
}

/* Waits for readers still inside sg_proc_show(). */
void sg_proc_exit_net(struct net *net)
{
	remove_proc_entry(SG_PROC_NAME, net->proc_net);
}
