#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Listed traffic is dropped ahead of conntrack: a flood from a listed
# address never costs the router a conntrack entry.  The router runs
# conntrack (an nft masquerade rule on the uplink, and an inet table that
# counts packets in conntrack state "new", for both families):
#
#  1. 100,000 UDP datagrams from 10,000 source ports of a listed address to
#     a LAN host: none arrives, cnc_dropped and cnc_outside grow by
#     100,000, nf_conntrack_count (conntrack -C) stays where it was and
#     conntrack saw none of them: a chain that runs right after conntrack
#     (same priority, registered later) counts no packet in state new;
#  2. the same flood to the router's own address;
#  3. IPv6: 300 datagrams from 300 ports of a listed address to a LAN host
#     and to the router, the same;
#  4. a LAN PC calling the listed address through the masquerade is
#     dropped before conntrack too, and recorded with its own address;
#     the listed address is never recorded;
#  5. an entry of a feed with a direction is judged after conntrack, which
#     knows the direction, and exactly once (conntrack saw each packet; a
#     packet dropped after conntrack never confirms its entry, so
#     nf_conntrack_count cannot tell the two positions apart: the counter
#     after conntrack can);
#  6. control: the same flood from an address no entry lists arrives, the
#     counter after conntrack sees every packet in state new (so it does
#     run after conntrack) and conntrack keeps 10,000 entries.
#
#   client 192.0.2.10 -- cli0 [router: conntrack, masquerade out0] out0 -- out
#   listed: 203.0.113.66, 2001:db8:66::66 (sent from "out", routed to it
#   like the rest of the Internet, not on the uplink's link: a listed
#   neighbour could not even answer neighbour discovery); 203.0.113.67 in
#   a feed with direction in; 203.0.113.70 listed nowhere

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq nft smtpguardctl
sg_require_python
sg_require_module_file
sg_require_helper sg_flood
sg_init
sg_plan 7
sg_setup_topology || skip_all "cannot build the topology"

L4=203.0.113.66
L6=2001:db8:66::66
D4=203.0.113.67
U4=203.0.113.70
FLOOD=100000
PORTS=10000
# on lo: neighbour discovery for the router then speaks from OUT6
ip -n "$NS_OUT" addr add "$L6/128" dev lo nodad
ip -n "$NS_RTR" route add default via "$OUT4" dev out0
ip -n "$NS_RTR" route add ::/0 via "$OUT6" dev out0

# Counters at conntrack's own priority, registered before conntrack's
# hooks (their "ct state" brings conntrack in, after the chains exist):
# of hooks at one priority the later registered runs first, so these run
# right after conntrack, and a packet they count was seen by it.  The
# control (6) proves the order.
ip netns exec "$NS_RTR" nft -f - <<-EOF || sg_fail "nft: cannot set up the conntrack counters"
	table inet sgct {
		chain pre {
			type filter hook prerouting priority -200; policy accept;
			ct state new counter
		}
		chain out {
			type filter hook output priority -200; policy accept;
			ct state new counter
		}
	}
EOF
ip netns exec "$NS_RTR" nft -f - <<-EOF || sg_fail "nft: cannot set up conntrack and masquerade"
	table ip sgnat {
		chain post {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "out0" masquerade
		}
	}
EOF

# The router's conntrack table size (what conntrack -C prints).
ct_count() { ip netns exec "$NS_RTR" cat /proc/sys/net/netfilter/nf_conntrack_count; }

# Packets conntrack saw in state new, arriving and sent by the router
# (counted right after conntrack).
ct_new()
{
	ip netns exec "$NS_RTR" nft -j list table inet sgct |
		jq '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add'
}

# UDP datagrams a namespace received: InDatagrams + NoPorts + InErrors.
# shellcheck disable=SC2016 # awk's fields, not the shell's
udp_in()
{
	ip netns exec "$1" awk '/^Udp: [0-9]/ { print $2 + $3 + $4; exit }' /proc/net/snmp
}
# shellcheck disable=SC2016 # awk's fields, not the shell's
udp6_in()
{
	ip netns exec "$1" awk '$1 == "Udp6InDatagrams" || $1 == "Udp6NoPorts" ||
		$1 == "Udp6InErrors" { n += $2 } END { print n }' /proc/net/snmp6
}

# flood_dropped TO DST: the listed flood from L4 never reaches DST in TO.
flood_dropped()
{
	local to=$1 dst=$2 ct0 new0 in0 drop0 out0

	ct0=$(ct_count) new0=$(ct_new) in0=$(udp_in "$to")
	drop0=$(sg_stat "$NS_RTR" cnc_dropped) out0=$(sg_stat "$NS_RTR" cnc_outside)
	sg_flood_in "$NS_OUT" -u -n "$FLOOD" -p "$PORTS" -s 20000 "$L4" "$dst" 4444
	expect_eq "datagrams the flood sent" "$FLOOD" "$FLOOD_SENT"
	expect_eq "cnc_dropped after the flood to $dst" $((drop0 + FLOOD)) "$(sg_stat "$NS_RTR" cnc_dropped)"
	expect_eq "cnc_outside after the flood to $dst" $((out0 + FLOOD)) "$(sg_stat "$NS_RTR" cnc_outside)"
	expect_eq "UDP datagrams $to received" "$in0" "$(udp_in "$to")"
	expect_eq "nf_conntrack_count after the flood to $dst" "$ct0" "$(ct_count)"
	expect_eq "packets conntrack saw as new" "$new0" "$(ct_new)"
}

##############################################################################

sg_load_module_or_die
sg_ctl_ok "$NS_RTR" block "$L4" "$L6" feed cc
sg_ctl_ok "$NS_RTR" block feed inbound direction in
sg_ctl_ok "$NS_RTR" block "$D4" feed inbound
[[ $(ct_new) =~ ^[0-9]+$ ]] || sg_fail "cannot read the nft counters: $(ct_new 2>&1)"
[[ $(ct_count) =~ ^[0-9]+$ ]] || sg_fail "cannot read nf_conntrack_count"

# 1
flood_dropped "$NS_CLI" "$CLI4"
log_test "$FLOOD datagrams from $PORTS ports of listed $L4 to a LAN host: dropped before conntrack (nf_conntrack_count unchanged)"

# 2
flood_dropped "$NS_RTR" "$RTR_OUT4"
log_test "$FLOOD datagrams from listed $L4 to the router: dropped before conntrack"

# 3: a new socket per datagram, so each has its own source port.
send6()
{
	ip netns exec "$NS_OUT" "$PYTHON" - "$L6" "$1" 300 <<-'EOF'
		import socket, sys
		src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
		for i in range(n):
		    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
		    s.bind((src, 0))
		    s.sendto(b"listed", (dst, 4444))
		    s.close()
		print("sent", n)
	EOF
}
# the router's link address known before the burst, which would not fit
# the neighbour queue
ip netns exec "$NS_OUT" ping -6 -c 1 -W 5 "$RTR_OUT6" >/dev/null ||
	sg_fail "ping $RTR_OUT6 from the outside host failed"
ct0=$(ct_count) new0=$(ct_new) drop0=$(sg_stat "$NS_RTR" cnc_dropped)
cli0=$(udp6_in "$NS_CLI") rtr0=$(udp6_in "$NS_RTR")
expect_eq "python sender to $CLI6" "sent 300" "$(send6 "$CLI6" 2>&1)"
expect_eq "python sender to $RTR_OUT6" "sent 300" "$(send6 "$RTR_OUT6" 2>&1)"
expect_eq "cnc_dropped after 600 IPv6 datagrams" $((drop0 + 600)) "$(sg_stat "$NS_RTR" cnc_dropped)"
expect_eq "UDP6 datagrams the LAN host received" "$cli0" "$(udp6_in "$NS_CLI")"
expect_eq "UDP6 datagrams the router received" "$rtr0" "$(udp6_in "$NS_RTR")"
expect_eq "nf_conntrack_count after the IPv6 datagrams" "$ct0" "$(ct_count)"
expect_eq "packets conntrack saw as new" "$new0" "$(ct_new)"
log_test "IPv6: 600 datagrams from 300 ports of listed $L6 to a LAN host and to the router: dropped before conntrack"

# 4
ct0=$(ct_count) new0=$(ct_new) drop0=$(sg_stat "$NS_RTR" cnc_dropped)
sg_flood_in "$NS_CLI" -u -n 1000 -p 1000 - "$L4" 4444
expect_eq "datagrams the PC sent" 1000 "$FLOOD_SENT"
expect_eq "cnc_dropped after the PC's 1000 datagrams" $((drop0 + 1000)) "$(sg_stat "$NS_RTR" cnc_dropped)"
expect_eq "nf_conntrack_count after the PC's calls" "$ct0" "$(ct_count)"
expect_eq "packets conntrack saw as new" "$new0" "$(ct_new)"
expect_eq "the ledger (address, reasons, C&C packets)" "$CLI4 cnc 1000" \
	"$(sgctl "$NS_RTR" -j offenders | jq -r '.[] | "\(.address) \(.reasons | join(",")) \(.cnc_packets)"')"
log_test "a LAN PC calling $L4 through the masquerade: dropped before conntrack, recorded as $CLI4"

# 5: the direction needs conntrack; the packet is judged after it, once.
ct0=$(ct_count) new0=$(ct_new) drop0=$(sg_stat "$NS_RTR" cnc_dropped) in0=$(udp_in "$NS_CLI")
sg_flood_in "$NS_OUT" -u -n 500 -p 500 -s 40000 "$D4" "$CLI4" 4444
expect_eq "datagrams the flood sent" 500 "$FLOOD_SENT"
expect_eq "cnc_dropped after 500 datagrams from $D4 (feed inbound)" $((drop0 + 500)) "$(sg_stat "$NS_RTR" cnc_dropped)"
expect_eq "UDP datagrams the LAN host received" "$in0" "$(udp_in "$NS_CLI")"
expect_eq "packets conntrack saw as new (judged after conntrack)" $((new0 + 500)) "$(ct_new)"
expect_eq "nf_conntrack_count (entries of dropped packets never confirmed)" "$ct0" "$(ct_count)"
log_test "an entry of a feed with a direction is judged after conntrack, each packet once"

# 6
ct0=$(ct_count) new0=$(ct_new) in0=$(udp_in "$NS_CLI") drop0=$(sg_stat "$NS_RTR" cnc_dropped)
sg_flood_in "$NS_OUT" -u -n "$FLOOD" -p "$PORTS" -s 20000 "$U4" "$CLI4" 4444
expect_eq "datagrams the control flood sent" "$FLOOD" "$FLOOD_SENT"
expect_eq "UDP datagrams the LAN host received" $((in0 + FLOOD)) "$(udp_in "$NS_CLI")"
expect_eq "cnc_dropped after the control flood" "$drop0" "$(sg_stat "$NS_RTR" cnc_dropped)"
expect_eq "packets conntrack saw as new" $((new0 + FLOOD)) "$(ct_new)"
expect_gt "nf_conntrack_count after the control flood (+$PORTS expected)" "$(ct_count)" $((ct0 + PORTS - 100))
log_test "control: the same flood from unlisted $U4 arrives, is seen by conntrack and leaves about $PORTS entries"

sg_check_kernel_clean
ksft_finish
