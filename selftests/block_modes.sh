#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-feed action and direction ("block feed NAME action enforce|monitor
# direction in|out|both"), each direction proven one way with its counters:
#
#  1. a monitor feed never drops (it counts would-drop and records the PC)
#     while an enforce feed listing the same address does; counters per
#     feed equal the packets sent (block feeds -j, stats -j);
#  2. direction out: a LAN PC calling the address is dropped, an
#     unsolicited packet from it passes (cnc_other_direction);
#  3. direction in: the reverse;
#  4. with conntrack in the router: an answer to the PC's own call is "out"
#     (the PC opened it), so an "in" feed lets it through, while a new
#     packet from the same address is dropped;
#  5. the namespace's mode rules: mode monitor drops nothing;
#  6. a setting made before the feed has entries holds when it is loaded,
#     save and restore carry it, enforce and both forget it, mistakes
#     change nothing.
#
#   client 192.0.2.10 -- cli0 [router] out0 -- out (198.51.100.25, and the
#   listed addresses 203.0.113.81..85 on its eth0)

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq python3 smtpguardctl nft ss
sg_require_module_file
sg_init
sg_plan 10
sg_setup_topology || skip_all "cannot build the topology"

A=203.0.113.81	# feed trial (monitor) only
B=203.0.113.82	# feed cc (enforce) only
C=203.0.113.83	# both feeds
D=203.0.113.84	# feed outbound (direction out)
E=203.0.113.85	# feed inbound (direction in)
for x in $A $B $C $D $E; do
	ip -n "$NS_OUT" addr add "$x/32" dev eth0
done
ip -n "$NS_RTR" route add default via "$OUT4" dev out0

ctr() { sg_stat "$NS_RTR" "$1"; }

# feed_ctr NAME KEY: a feed's counter (dropped, would_drop) per block feeds -j.
feed_ctr()
{
	sgctl "$NS_RTR" -j block feeds |
		jq -r --arg f "$1" --arg k "$2" '.[] | select(.feed == $f) | .[$k]'
}

# passes_counted FROM SRC TO DST N FEED KEY: N datagrams arrive, and the
# feed's KEY counter (or a /proc key when FEED is "-") grows by exactly N.
passes_counted()
{
	local before

	if [[ $6 == - ]]; then before=$(ctr "$7"); else before=$(feed_ctr "$6" "$7"); fi
	sg_oneway_passes "$1" "$2" "$3" "$4" "$5"
	if [[ $6 == - ]]; then
		expect_eq "/proc $7 after $5 datagrams $2 -> $4" $((before + $5)) "$(ctr "$7")"
	else
		expect_eq "feed $6 $7 after $5 datagrams $2 -> $4" $((before + $5)) "$(feed_ctr "$6" "$7")"
	fi
}

##############################################################################

sg_load_module_or_die
sg_ctl_ok "$NS_RTR" block feed trial action monitor
sg_ctl_ok "$NS_RTR" block "$A" "$C" feed trial
sg_ctl_ok "$NS_RTR" block "$B" "$C" feed cc
sg_ctl_ok "$NS_RTR" block feed outbound direction out
sg_ctl_ok "$NS_RTR" block "$D" feed outbound
sg_ctl_ok "$NS_RTR" block "$E" feed inbound
sg_ctl_ok "$NS_RTR" block feed inbound direction in
expect_eq "block feeds" "cc 2 action enforce direction both dropped 0 would_drop 0
inbound 1 action enforce direction in dropped 0 would_drop 0
outbound 1 action enforce direction out dropped 0 would_drop 0
trial 2 action monitor direction both dropped 0 would_drop 0" "$(sgctl "$NS_RTR" block feeds | sort)"
log_test "settings before and after the entries: block feeds shows each feed's action, direction and zero counters"

# 1: monitor vs enforce.
w0=$(ctr cnc_would_drop)
passes_counted "$NS_CLI" "$CLI4" "$NS_OUT" "$A" 4 trial would_drop
expect_eq "cnc_would_drop" $((w0 + 4)) "$(ctr cnc_would_drop)"
expect_eq "feed trial dropped" 0 "$(feed_ctr trial dropped)"
sgctl "$NS_RTR" -j offenders | jq -e --arg a "$CLI4" '.[] | select(.address == $a) | .reasons | index("cnc")' >/dev/null ||
	sg_fail "the monitor feed did not record the PC"
log_test "a monitor feed never drops: 4 datagrams to $A arrive, trial would_drop +4, the PC recorded"

t0=$(feed_ctr trial would_drop)
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$C" 3 "$CLI4" "$OUT4" "$NS_RTR" cnc_dropped
expect_eq "feed cc dropped" 3 "$(feed_ctr cc dropped)"
expect_eq "feed trial would_drop" $((t0 + 3)) "$(feed_ctr trial would_drop)"
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$B" 2 "$CLI4" "$OUT4" "$NS_RTR" cnc_dropped
expect_eq "feed cc dropped" 5 "$(feed_ctr cc dropped)"
expect_eq "stats -j feeds: cc dropped" 5 \
	"$(sgctl "$NS_RTR" -j stats | jq '.feeds[] | select(.feed == "cc") | .dropped')"
log_test "$C in both feeds: dropped (cc dropped +3, trial would_drop +3); $B: cc dropped +2; stats -j has the feeds"

# 2: direction out.
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$D" 3 "$CLI4" "$OUT4" "$NS_RTR" cnc_dropped
expect_eq "feed outbound dropped" 3 "$(feed_ctr outbound dropped)"
passes_counted "$NS_OUT" "$D" "$NS_CLI" "$CLI4" 4 - cnc_other_direction
expect_eq "feed outbound dropped after the inbound ones" 3 "$(feed_ctr outbound dropped)"
log_test "direction out: the PC calling $D is dropped; 4 unsolicited datagrams from it arrive, counted in cnc_other_direction"

# 3: direction in.
sg_oneway_dropped "$NS_OUT" "$E" "$NS_CLI" "$CLI4" 3 "$OUT4" "$CLI4" "$NS_RTR" cnc_dropped
expect_eq "feed inbound dropped" 3 "$(feed_ctr inbound dropped)"
passes_counted "$NS_CLI" "$CLI4" "$NS_OUT" "$E" 2 - cnc_other_direction
log_test "direction in: unsolicited datagrams from $E are dropped; the PC's to it arrive (cnc_other_direction)"

# 4: conntrack decides who opened it.
ip netns exec "$NS_RTR" nft -f - <<-EOF || sg_fail "nft: cannot add the conntrack rule"
	table ip sgtest {
		chain forward_ct {
			type filter hook forward priority 0; policy accept;
			ct state established counter accept
		}
	}
EOF
ip netns exec "$NS_OUT" python3 - "$E" >"$SG_TMP/served" 2>&1 <<-'PY' &
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind((sys.argv[1], 5400))
	s.settimeout(30)
	data, peer = s.recvfrom(100)
	s.sendto(b"answer", peer)
	print("served", peer[0])
	PY
srv=$!
SG_PIDS+=("$srv")
listening() { ip netns exec "$NS_OUT" ss -Hlun "src $E:5400" | grep -q .; }
busywait "$(sg_bound 10000)" listening || sg_fail "the answering socket on $E did not start"
ans=$(ip netns exec "$NS_CLI" python3 - "$CLI4" "$E" <<-'PY'
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind((sys.argv[1], 40000))
	s.settimeout(5)
	for _ in range(5):
	    s.sendto(b"call", (sys.argv[2], 5400))
	    try:
	        print(s.recvfrom(100)[0].decode())
	        break
	    except socket.timeout:
	        pass
	else:
	    print("no answer")
	PY
)
wait "$srv"
expect_eq "the answer from $E to the PC's own call" answer "$ans"
before=$(feed_ctr inbound dropped)
sg_oneway_dropped "$NS_OUT" "$E" "$NS_CLI" "$CLI4" 2 "$OUT4" "$CLI4" "$NS_RTR" cnc_dropped
expect_eq "feed inbound dropped" $((before + 2)) "$(feed_ctr inbound dropped)"
ip netns exec "$NS_RTR" nft delete table ip sgtest
log_test "with conntrack: the answer to the PC's call passes an 'in' feed (the PC opened it); new datagrams from $E are dropped"

# 5: the namespace's mode rules.
sg_ctl_ok "$NS_RTR" mode monitor
w0=$(feed_ctr cc would_drop)
passes_counted "$NS_CLI" "$CLI4" "$NS_OUT" "$B" 3 cc would_drop
sg_ctl_ok "$NS_RTR" mode enforce
log_test "mode monitor: an enforce feed drops nothing (cc would_drop +3)"

# 6: setting before entries, save/restore, forgetting, mistakes.
sg_ctl_ok "$NS_RTR" block feed later action monitor direction out
expect_eq "a setting without entries" "later 0 action monitor direction out dropped 0 would_drop 0" \
	"$(sgctl "$NS_RTR" block feeds | grep '^later ')"
sg_ctl_ok "$NS_RTR" block "$OUT4" feed later
passes_counted "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 2 later would_drop
sgctl "$NS_RTR" save >"$SG_TMP/saved.conf" || sg_fail "save failed"
for line in "feed inbound direction in" "feed later action monitor direction out" \
	"feed outbound direction out" "feed trial action monitor"; do
	grep -qx "$line" "$SG_TMP/saved.conf" || sg_fail "save lacks '$line': $(grep '^feed' "$SG_TMP/saved.conf")"
done
want=$(sgctl "$NS_RTR" -j block feeds | jq -c '[.[] | {feed, entries, action, direction}] | sort_by(.feed)')
for f in later trial outbound inbound; do
	sg_ctl_ok "$NS_RTR" block feed "$f" action enforce direction both
done
expect_eq "settings after enforce and both" "" "$(sgctl "$NS_RTR" block feeds | grep -v 'action enforce direction both')"
sg_ctl_ok "$NS_RTR" restore "$SG_TMP/saved.conf"
expect_eq "feeds after restore" "$want" \
	"$(sgctl "$NS_RTR" -j block feeds | jq -c '[.[] | {feed, entries, action, direction}] | sort_by(.feed)')"
log_test "a setting made before the entries holds (monitor: no drop); save writes it, restore puts it back"

before=$(sgctl "$NS_RTR" -j block feeds | jq -c '[.[] | {feed, action, direction}]')
out=$(sgctl "$NS_RTR" block feed trial action drop 2>&1); rc=$?
expect_eq "action drop: exit" 2 "$rc"
out=$(sgctl "$NS_RTR" block feed trial direction sideways 2>&1); rc=$?
expect_eq "direction sideways: exit" 2 "$rc"
out=$(sgctl "$NS_RTR" block feed 'bad name' action monitor 2>&1); rc=$?
expect_eq "a bad feed name: exit" 2 "$rc"
expect_eq "settings after the mistakes" "$before" "$(sgctl "$NS_RTR" -j block feeds | jq -c '[.[] | {feed, action, direction}]')"
log_test "an unknown action or direction, a bad name: exit 2, nothing changed"

sg_check_kernel_clean

ksft_finish
