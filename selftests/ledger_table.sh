#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The offender ledger's table and its payer:
#
#   1. the hash table grows with its records: raise max_offenders after the
#      namespace was configured, and offenders_hashsize follows the records
#      (at most 2 a bucket on average); every record stays findable while
#      the table grows under a flood (the same hosts again make no new
#      record);
#   2. the memory cgroup that pays for the records is not kept alive by
#      smtpguard once it is deleted: its charges move to the parent and
#      the cgroup is released (cgroup.stat's nr_dying_descendants).
#
#   client 192.0.2.10 --spoofed SYNs to port 25 from 198.18.0.0/15--> router

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq smtpguardctl
sg_require_module_file
FLOOD=$SG_HELPERS/sg_flood
sg_require_helper sg_flood
sg_init
sg_plan 4
sg_setup_topology || skip_all "cannot build the topology"
sg_cg_init smtpguard-payer || skip_all "no cgroup2 memory controller"
PARAMS=/sys/module/smtpguard/parameters
CGROOT=/sys/fs/cgroup

ip -n "$NS_RTR" route add 198.18.0.0/15 via "$CLI4" dev cli0
ip netns exec "$NS_RTR" sysctl -q -w net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.cli0.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null

# flood N FIRST: N SYNs from N spoofed sources starting at FIRST.
flood()
{
	local out

	out=$(ip netns exec "$NS_CLI" "$FLOOD" -n "$1" -k "$1" "$2" "$OUT4" 25 2>&1)
	[[ $out == "sent $1" ]] || sg_fail "sg_flood -n $1 from $2: $out"
}

dying()
{
	sed -n 's/^nr_dying_descendants //p' "$CGROOT/cgroup.stat"
}

sg_load_module_or_die
orig_max_off=$(<$PARAMS/max_offenders)
# tens of thousands of new hosts at once: no insertion budget here
# (ledger_budget.sh tests it)
orig_inserts=$(<$PARAMS/offender_inserts)
echo 0 >$PARAMS/offender_inserts

# --- 1: the table grows with its records --------------------------------
# the first configuration comes from the payer cgroup
out=$(sg_cg_exec "$NS_RTR" smtpguardctl allow "$MAIL4" 2>&1)
check_err $? "allow from the payer cgroup: $out"
size0=$(sg_stat "$NS_RTR" offenders_hashsize)
expect_eq "offenders_hashsize of a new ledger (max_offenders $orig_max_off)" 4096 "$size0"
echo 65536 >$PARAMS/max_offenders || sg_fail "cannot raise max_offenders"
flood 30000 198.18.0.1
expect_eq "offenders" 30000 "$(sg_stat "$NS_RTR" offenders)"
grown() { (($(sg_stat "$NS_RTR" offenders_hashsize) >= 30000 / 2)); }
busywait "$(sg_bound 30000)" grown ||
	sg_fail "offenders_hashsize stays $(sg_stat "$NS_RTR" offenders_hashsize) with 30000 records"
size1=$(sg_stat "$NS_RTR" offenders_hashsize)
# the same hosts again, while nothing moves: no duplicate, no new record
flood 30000 198.18.0.1
expect_eq "offenders after the same 30000 hosts again" 30000 "$(sg_stat "$NS_RTR" offenders)"
n=$(sgctl "$NS_RTR" -j offenders | jq 'map(.address) | unique | length')
expect_eq "distinct addresses the dump lists" 30000 "$n"
log_test "max_offenders raised: the table grows from $size0 to $size1 buckets for 30000 records, each listed once"

# a flood of new hosts while the table grows again: every record findable
flood 30000 198.18.117.49	# 198.18.0.1 + 30000
expect_eq "offenders" 60000 "$(sg_stat "$NS_RTR" offenders)"
flood 60000 198.18.0.1
expect_eq "offenders after 60000 known hosts again" 60000 "$(sg_stat "$NS_RTR" offenders)"
busywait "$(sg_bound 30000)" eval '(($(sg_stat "$NS_RTR" offenders_hashsize) >= 30000))' ||
	sg_fail "offenders_hashsize $(sg_stat "$NS_RTR" offenders_hashsize) with 60000 records"
log_test "60000 records: the table at $(sg_stat "$NS_RTR" offenders_hashsize) buckets, no host recorded twice"
sg_ctl_ok "$NS_RTR" offenders flush
echo "$orig_max_off" >$PARAMS/max_offenders
echo "$orig_inserts" >$PARAMS/offender_inserts

# --- 2: the payer cgroup is let go once deleted -------------------------
flood 100 198.19.0.1
before=$(dying)
# nothing runs in it any more; its page cache goes too
rmdir "$SG_CG" || sg_fail "rmdir ${SG_CG##*/}: it still has tasks"
SG_CG=
echo 3 >/proc/sys/vm/drop_caches
# a new record is allocated through the payer: the first use that finds
# it deleted lets it go
flood 1 198.19.1.1
released() { (($(dying) <= before)); }
busywait "$(sg_bound 30000)" released ||
	sg_fail "the deleted payer cgroup stays dying: nr_dying_descendants $(dying), $before before the rmdir"
expect_eq "offenders" 101 "$(sg_stat "$NS_RTR" offenders)"
log_test "the payer cgroup, deleted, is released (nr_dying_descendants back to $before); records keep coming"

sg_unload_module
check_err $? "rmmod"
sg_check_kernel_clean
ksft_finish
