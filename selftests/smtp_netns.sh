#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every network namespace has its own smtpguard, and `smtpguardctl -n NETNS`
# works like `ip -n`.  Besides the topology of lib.sh, two namespaces made
# after the module is loaded, joined by one veth and not routed anywhere:
#
#   peer1 ns                         peer2 ns
#   eth0 203.0.113.1/24  <-------->  eth0 203.0.113.2/24
#        2001:db8:3::1/64                 2001:db8:3::2/64, SMTP :25

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 8
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_load_module_or_die

NS_P1=sg-peer1-$SG_ID
NS_P2=sg-peer2-$SG_ID
P1=203.0.113.1
P2=203.0.113.2

sg_add_ns "$NS_P1" "$NS_P2" || skip_all "cannot create the peer namespaces"
sg_link "$NS_P1" eth0 "$P1/24" 2001:db8:3::1/64 "$NS_P2" eth0 "$P2/24" 2001:db8:3::2/64 ||
	skip_all "cannot link the peer namespaces"
busywait $((WAIT_TIMEOUT * 1000)) sg_link_up "$NS_P2" eth0
sg_start_smtp "$NS_P2" "$P2" 25 || skip_all "cannot start the SMTP server in peer2"

fresh_state()
{
	local ns=$1

	expect_eq "$ns mode" off "$(sg_stat "$ns" mode)"
	expect_eq "$ns mode_explicit" 0 "$(sg_stat "$ns" mode_explicit)"
	expect_eq "$ns allow_entries" 0 "$(sg_stat "$ns" allow_entries)"
	expect_eq "$ns smtp_ports" 25 "$(sg_stat "$ns" smtp_ports)"
	expect_eq "$ns counters" "0 0 0 0" "$(sg_counters "$ns")"
}

# 1: a namespace created after the module was loaded is untouched.
fresh_state "$NS_P1"
mails=$(sg_mail_count "$NS_P2")
sg_smtp "$NS_P1" "$P2" 25
check_err $? "swaks peer1 -> $P2:25 failed:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at peer2" $((mails + 1)) "$(sg_mail_count "$NS_P2")"
expect_eq "peer1 counters after SMTP" "0 0 0 0" "$(sg_counters "$NS_P1")"
log_test "a namespace made after module load is unconfigured and its direct SMTP works"

# 2: configure the router; the peers do not notice.
sg_ctl_ok "$NS_RTR" allow "$MAIL4"
sg_smtp_dropped "$NS_CLI" "$OUT4" 25 "client -> out SMTP passed although the router enforces"
sg_smtp "$NS_P1" "$P2" 25
check_err $? "swaks peer1 -> $P2:25 failed while the router enforces"
fresh_state "$NS_P1"
fresh_state "$NS_P2"
fresh_state "$NS_CLI"
fresh_state "$NS_OUT"
log_test "router config affects no other namespace (their /proc: off, no entries, zero counters)"

# 3: configure peer1 (LOCAL_OUT there); the router does not notice.
rtr_before=$(sg_snapshot "$NS_RTR")
out=$(sgctl "$NS_P1" allow 203.0.113.99 2>&1)
check_err $? "allow in peer1 failed: $out"
[[ $out == "mode: enforce"* ]] || sg_fail "first allow in peer1 printed '$out'"
sg_smtp_dropped "$NS_P1" "$P2" 25 "peer1 -> peer2 SMTP passed although peer1 enforces" "$NS_P1"
expect_gt "peer1 smtp_dropped" "$(sg_stat "$NS_P1" smtp_dropped)" 0
expect_eq "router state" "$rtr_before" "$(sg_snapshot "$NS_RTR")"
fresh_state "$NS_P2"
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "mail -> out SMTP failed after peer1 was configured"
log_test "config in another namespace leaves the router's state alone"

# 4: -n NETNS reads what ip netns exec reads.
for ns in "$NS_RTR" "$NS_P1" "$NS_P2"; do
	a=$(smtpguardctl -n "$ns" stats 2>&1)
	check_err $? "smtpguardctl -n $ns stats failed: $a"
	b=$(sgctl "$ns" stats 2>&1)
	expect_eq "smtpguardctl -n $ns stats vs ip netns exec" "$b" "$a"
	a=$(smtpguardctl -n "$ns" -j stats 2>&1)
	b=$(sgctl "$ns" -j stats 2>&1)
	expect_eq "smtpguardctl -n $ns -j stats vs ip netns exec" "$b" "$a"
	a=$(smtpguardctl -n "$ns" allow list 2>&1)
	b=$(sgctl "$ns" allow list 2>&1)
	expect_eq "smtpguardctl -n $ns allow list vs ip netns exec" "$b" "$a"
done
log_test "-n NETNS reads the named namespace (stats, -j stats, allow list)"

# 5: -n NETNS writes to the named namespace only.
rtr_before=$(sg_snapshot "$NS_RTR")
out=$(smtpguardctl -n "$NS_P2" mode monitor 2>&1)
check_err $? "smtpguardctl -n $NS_P2 mode monitor failed: $out"
out=$(smtpguardctl -n "$NS_P2" ports 25 2525 2>&1)
check_err $? "smtpguardctl -n $NS_P2 ports failed: $out"
out=$(smtpguardctl -n "$NS_P2" allow 198.51.100.0/24 2>&1)
check_err $? "smtpguardctl -n $NS_P2 allow failed: $out"
expect_eq "peer2 mode" monitor "$(sg_stat "$NS_P2" mode)"
expect_eq "peer2 smtp_ports" 25,2525 "$(sg_stat "$NS_P2" smtp_ports)"
expect_eq "peer2 allow_entries" 1 "$(sg_stat "$NS_P2" allow_entries)"
expect_eq "router state" "$rtr_before" "$(sg_snapshot "$NS_RTR")"
# and the shell's own namespace (the guest's init_net) is untouched as well
expect_eq "init_net mode" off "$(awk '$1 == "mode" { print $2 }' /proc/net/smtpguard)"
expect_eq "init_net allow_entries" 0 "$(awk '$1 == "allow_entries" { print $2 }' /proc/net/smtpguard)"
log_test "-n NETNS changes the named namespace only"

# 6
out=$(smtpguardctl -n "sg-nonexistent-$SG_ID" stats 2>&1)
rc=$?
expect_eq "exit code for a missing namespace ($out)" 4 "$rc"
expect_eq "lines printed" 1 "$(grep -c . <<<"$out")"
log_test "-n with a namespace that does not exist: exit 4 and one line"

# 7: deleting a configured namespace while the module is loaded.
sg_del_ns "$NS_P1"
check_err $? "ip netns del $NS_P1 failed"
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "mail -> out SMTP failed after a configured namespace was deleted"
expect_eq "router allow_entries" 1 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "deleting a configured namespace leaves the others working"

sg_check_kernel_clean
ksft_finish
