#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inside and outside, and exceptions: the ledger names only our own hosts.
#
# lib.sh's topology with the router's default routes out of out0 (the
# Internet), and a second LAN:
#
#   client 192.0.2.10, 2001:db8:1::10 (PC 1) -- cli0 [router] out0 -- out
#   pc2    10.20.0.20, 2001:db8:20::20 (PC 2) -- lan2 [router]
#   out holds the Internet: 198.51.100.25 (an MX), the C&C addresses
#   203.0.113.66 and 2001:db8:66::66, and sends forged sources from
#   198.18.0.0/15 (RFC 2544) with sg_flood
#
#  1. derived roles: 10,000 SYNs to port 25 from 2,000 outside addresses
#     (to a LAN PC and to the router), 10,000 forged datagrams from a
#     listed address to the LAN's IPv4 /24 and 2,000 addresses of its /64, the MX on the uplink's
#     own subnet, and one LAN's addresses forged on another: all dropped
#     and counted (smtp_outside, cnc_outside),
#     none recorded; PC 1 spamming and PC 2 calling the C&C over IPv6 are
#     the only two records and the only two "new offender" log lines;
#  2. 'inside' shows derived roles and the default routes' interface;
#  3. explicit roles where the default route is not the outside (the LAN
#     sits behind it): derived, a LAN sender is not recorded; 'inside cli0'
#     records it; 'outside out0' keeps Internet senders out even then;
#     a typo, a name given both roles, a missing one: errors, no change;
#  4. save and restore carry roles and exceptions;
#  5. exceptions: FireHOL level 1 (from ../shared) cuts the LAN off; with
#     'except 10.0.0.0/8 192.0.2.0/24 198.51.100.25' the LAN reaches the
#     mail server and the MX again, a level-1 address beside them is still
#     blocked both ways, cnc_excepted counts the excepted packets, and
#     'block test' says "listed ... but excepted" with exit 1.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq python3 smtpguardctl
sg_require_module_file
sg_require_helper sg_flood
sg_init
sg_plan 16
sg_setup_topology || skip_all "cannot build the topology"

NS_PC2=sg-pc2-$SG_ID
PC2_4=10.20.0.20	PC2_6=2001:db8:20::20
CNC4=203.0.113.66	CNC6=2001:db8:66::66
LEVEL1=${SG_BLOCKLISTS:-$SG_ROOT/../shared/data/blocklists}/firehol_level1.netset
[[ -r $LEVEL1 ]] || sg_fail "FireHOL level 1 not found at $LEVEL1 (set SG_BLOCKLISTS): the exception checks cannot run"

sg_add_ns "$NS_PC2" || skip_all "cannot add $NS_PC2"
sg_link "$NS_RTR" lan2 10.20.0.1/24 2001:db8:20::1/64 \
	"$NS_PC2" eth0 "$PC2_4/24" "$PC2_6/64" || skip_all "cannot link $NS_PC2"
ip -n "$NS_PC2" route add default via 10.20.0.1
ip -n "$NS_PC2" route add ::/0 via 2001:db8:20::1
# The Internet is out0's side: default routes, as on an office router.
ip -n "$NS_RTR" route add default via "$OUT4" dev out0
ip -n "$NS_RTR" route add ::/0 via "$OUT6" dev out0
ip -n "$NS_OUT" addr add "$CNC4/32" dev eth0
ip -n "$NS_OUT" addr add "$CNC6/128" dev eth0 nodad
ip netns exec "$NS_RTR" sysctl -q -w net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.out0.rp_filter=0 \
	net.ipv4.conf.cli0.rp_filter=0 net.ipv4.conf.lan2.rp_filter=0 >/dev/null
busywait $((WAIT_TIMEOUT * 1000)) sg_link_up "$NS_PC2" eth0
CLI_MAC=$(ip -n "$NS_CLI" -br link show dev eth0 | awk '{print $3}')
PC2_MAC=$(ip -n "$NS_PC2" -br link show dev eth0 | awk '{print $3}')

##############################################################################
# Helpers

# spray NS SRC NET N: N UDP datagrams from SRC (an address of NS) to the
# addresses of NET in turn ("192.0.2." hosts 2..254, or 2,000 hosts of
# "2001:db8:1::" from 0x1000 on); prints the number sent.
spray()
{
	ip netns exec "$1" python3 - "$2" "$3" "$4" <<-'PY'
		import socket, sys
		src, net, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
		fam = socket.AF_INET6 if ":" in src else socket.AF_INET
		s = socket.socket(fam, socket.SOCK_DGRAM)
		s.bind((src, 0))
		sent = 0
		for i in range(n):
		    # IPv6: 2,000 addresses of the /64 in turn; IPv4: the /24's 253
		    dst = net + (format(0x1000 + i % 2000, "x") if fam == socket.AF_INET6
		                 else str(2 + i % 253))
		    sent += s.sendto(b"forged", (dst, 5353)) > 0
		print(sent)
	PY
}

# udp NS SRC DST N: N datagrams, the number sent printed.
udp()
{
	ip netns exec "$1" python3 - "$2" "$3" "$4" <<-'PY'
		import socket, sys
		src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
		fam = socket.AF_INET6 if ":" in src else socket.AF_INET
		s = socket.socket(fam, socket.SOCK_DGRAM)
		s.bind((src, 0))
		print(sum(s.sendto(b"x", (dst, 5353)) > 0 for _ in range(n)))
	PY
}

ctr() { sg_stat "$NS_RTR" "$1"; }

# The ledger as JSON in $SG_TMP/off.json.
off_dump()
{
	sgctl "$NS_RTR" -j offenders >"$SG_TMP/off.json" 2>"$SG_TMP/off.err" &&
		jq -e 'type == "array"' "$SG_TMP/off.json" >/dev/null 2>&1 && return 0
	sg_fail "'smtpguardctl -j offenders' failed: $(head -c 600 "$SG_TMP/off.json" "$SG_TMP/off.err")"
	echo '[]' >"$SG_TMP/off.json"
	return 1
}

off_addrs() { jq -r '[.[].address] | sort | join(" ")' "$SG_TMP/off.json"; }

# counters_wait KEY VALUE: until /proc says so (the senders are done when
# they return, the router may still be forwarding).
counters_wait()
{
	# shellcheck disable=SC2317 # called by busywait
	at() { [[ $(ctr "$1") == "$2" ]]; }
	busywait "$(sg_bound 20000)" at "$1" "$2" ||
		expect_eq "/proc $1" "$2" "$(ctr "$1")"
}

##############################################################################

sg_load_module_or_die
sg_ctl_ok "$NS_RTR" allow "$MAIL4" "$MAIL6"
sg_ctl_ok "$NS_RTR" block "$CNC4" "$CNC6" feed cnc
expect_eq "mode after the first allow" enforce "$(ctr mode)"
expect_eq "roles_configured" 0 "$(ctr roles_configured)"
log_test "set up: allow the mail server, block the C&C addresses; roles derived"

# 1a: the Internet scans port 25: LAN PC and router, 2,000 sources; a
# monitor listens all the while (one line per event).
mon=$SG_TMP/mon.json
smtpguardctl -n "$NS_RTR" -j monitor all >"$mon" 2>"$mon.err" &
SG_PIDS+=("$!")
# subscribed once it prints a configuration change (the same port set)
# shellcheck disable=SC2317 # called by busywait
joined() { sgctl "$NS_RTR" ports 25 >/dev/null; sg_sleep 0.2; [[ -s $mon ]]; }
busywait $((WAIT_TIMEOUT * 1000)) joined || sg_fail "the monitor printed nothing: $(cat "$mon.err")"
sg_klog_mark
d0=$(ctr smtp_dropped) o0=$(ctr smtp_outside)
sg_flood_in "$NS_OUT" -n 5000 -k 2000 198.18.0.1 "$CLI4" 25
sent=$FLOOD_SENT
sg_flood_in "$NS_OUT" -n 5000 -k 2000 198.18.0.1 "$RTR_OUT4" 25
sent=$((sent + FLOOD_SENT))
expect_eq "SYNs sent" 10000 "$sent"
counters_wait smtp_outside $((o0 + sent))
expect_eq "smtp_dropped" $((d0 + sent)) "$(ctr smtp_dropped)"
expect_eq "offenders after the scan" 0 "$(ctr offenders)"
log_test "10,000 SYNs to port 25 from 2,000 outside addresses: dropped, counted in smtp_outside, no record"

# 1b: forged packets from a listed address to the whole LAN, v4 and v6.
# The router's neighbour entries first: a datagram sent while one is
# being resolved may be dropped in the sender's queue, never reaching it.
if ! ip netns exec "$NS_OUT" ping -c 1 -W 5 "$RTR_OUT4" >/dev/null ||
	! ip netns exec "$NS_OUT" ping -6 -c 1 -W 5 "$RTR_OUT6" >/dev/null; then
	sg_fail "the router does not answer ping from $NS_OUT"
fi
c0=$(ctr cnc_dropped) x0=$(ctr cnc_outside)
n4=$(spray "$NS_OUT" "$CNC4" 192.0.2. 5000)
n6=$(spray "$NS_OUT" "$CNC6" 2001:db8:1:: 5000)
expect_eq "forged datagrams sent" 10000 $((n4 + n6))
counters_wait cnc_outside $((x0 + n4 + n6))
expect_eq "cnc_dropped" $((c0 + n4 + n6)) "$(ctr cnc_dropped)"
expect_eq "offenders after the forged packets" 0 "$(ctr offenders)"
log_test "10,000 packets from a listed address to the LAN's IPv4 /24 and 2,000 addresses of its IPv6 /64: dropped, cnc_outside, never blamed on a destination"

# 1c: the uplink's own subnet is outside too (the MX on out0's /24), and
# a source forged on another LAN fails the interface check (lan2 sends
# with cli0's addresses: the route back leaves by cli0).
o0=$(ctr smtp_outside)
sg_flood_in "$NS_OUT" -n 10 "$OUT4" "$CLI4" 25
sg_flood_in "$NS_PC2" -n 20 -k 20 192.0.2.100 "$OUT4" 25
counters_wait smtp_outside $((o0 + 30))
expect_eq "offenders after the uplink's neighbour and forged LAN sources" 0 "$(ctr offenders)"
log_test "SYNs from the uplink's own subnet, and with cli0's addresses forged on lan2: outside, counted, not recorded"

# 1d: the two infected PCs, one spamming over IPv4, one calling home over IPv6.
sg_flood_in "$NS_CLI" -n 3 "$CLI4" "$OUT4" 25
n=$(udp "$NS_PC2" "$PC2_6" "$CNC6" 3)
expect_eq "datagrams PC 2 sent to the C&C" 3 "$n"
# shellcheck disable=SC2317 # called by busywait
recorded() { [[ $(ctr offenders) == 2 ]]; }
busywait "$(sg_bound 10000)" recorded
off_dump
expect_eq "the ledger" "$CLI4 $PC2_6" "$(off_addrs)"
expect_eq "PC 1's MAC and reason" "$CLI_MAC smtp" \
	"$(jq -r --arg a "$CLI4" '.[] | select(.address == $a) | "\(.mac) \(.reasons | join(","))"' "$SG_TMP/off.json")"
expect_eq "PC 2's MAC and reason" "$PC2_MAC cnc" \
	"$(jq -r --arg a "$PC2_6" '.[] | select(.address == $a) | "\(.mac) \(.reasons | join(","))"' "$SG_TMP/off.json")"
lines=$(sg_klog_since_mark | grep -c "smtpguard: new offender")
expect_eq "'new offender' log lines since the scan began" 2 "$lines"
# shellcheck disable=SC2317 # called by busywait
two_events() { (($(jq -c 'select(.event == "offender-new")' "$mon" | wc -l) >= 2)); }
busywait "$(sg_bound 10000)" two_events
expect_eq "the monitor's new-offender events" "$CLI4 $PC2_6" \
	"$(jq -r 'select(.event == "offender-new") | .address' "$mon" | sort | xargs)"
expect_eq "the monitor's other offender events" 0 \
	"$(jq -c 'select(.event != "offender-new" and .event != "config")' "$mon" | wc -l)"
log_test "with all that noise, the ledger, the log and the events name exactly the two PCs (LAN addresses, MACs)"

# 2: what 'inside' says about derived roles.
out=$(sgctl "$NS_RTR" inside 2>&1)
[[ $out == "roles: derived from the routing table"* ]] || sg_fail "inside: $out"
[[ $out == *"default routes leave by: out0 (IPv4, IPv6)"* ]] || sg_fail "inside: $out"
expect_eq "inside -j" '"derived" out0 true true' \
	"$(sgctl "$NS_RTR" -j inside | jq -r '"\(.roles | tojson) \(.default_routes[0].ifname) \(.default_routes[0].inet) \(.default_routes[0].inet6)"')"
log_test "'inside' shows derived roles and the interface the default routes leave by"

# 3: the LAN behind the default route (a core router inside): derived
# roles cannot tell; configured ones do.
ip -n "$NS_RTR" route replace default via "$CLI4" dev cli0
sg_ctl_ok "$NS_RTR" offenders flush
o0=$(ctr smtp_outside)
sg_flood_in "$NS_CLI" -n 5 -k 5 198.18.50.1 "$OUT4" 25
counters_wait smtp_outside $((o0 + 5))
expect_eq "offenders, derived roles" 0 "$(ctr offenders)"
log_test "derived roles, a LAN sender reached by the default route: counted as outside, not recorded"

sg_ctl_ok "$NS_RTR" inside cli0
expect_eq "roles_configured" 1 "$(ctr roles_configured)"
sg_flood_in "$NS_CLI" -n 5 -k 5 198.18.51.1 "$OUT4" 25
# shellcheck disable=SC2317 # called by busywait
five() { [[ $(ctr offenders) == 5 ]]; }
busywait "$(sg_bound 10000)" five
expect_eq "offenders after 'inside cli0'" 5 "$(ctr offenders)"
expect_eq "inside" $'roles: configured\ninside: cli0\noutside: none' "$(sgctl "$NS_RTR" inside)"
log_test "'inside cli0': the same senders are recorded; 'inside' shows the configured roles"

sg_ctl_ok "$NS_RTR" outside out0
o0=$(ctr smtp_outside)
sg_flood_in "$NS_OUT" -n 5 -k 5 198.18.60.1 "$CLI4" 25
counters_wait smtp_outside $((o0 + 5))
x0=$(ctr cnc_outside)
n=$(udp "$NS_PC2" "$PC2_4" "$CNC4" 2)
counters_wait cnc_outside $((x0 + n))
off_dump
expect_eq "records from out0 senders" 0 "$(jq '[.[] | select(.address | startswith("198.18.60."))] | length' "$SG_TMP/off.json")"
expect_eq "PC 2 (lan2: neither role, inside named) recorded" 0 "$(jq --arg a "$PC2_4" '[.[] | select(.address == $a)] | length' "$SG_TMP/off.json")"
log_test "'outside out0': Internet senders stay out; with inside interfaces named, lan2's senders are not inside"

sg_ctl_ok "$NS_RTR" inside flush
sg_ctl_ok "$NS_RTR" outside out0
n=$(udp "$NS_PC2" "$PC2_4" "$CNC4" 2)
# shellcheck disable=SC2317 # called by busywait
recorded_pc2() { off_dump && [[ $(jq --arg a "$PC2_4" '[.[] | select(.address == $a)] | length' "$SG_TMP/off.json") == 1 ]]; }
busywait "$(sg_bound 10000)" recorded_pc2 || sg_fail "PC 2 not recorded with only 'outside out0'"
log_test "only 'outside out0': every other interface's senders are inside (PC 2 recorded)"

# Mistakes: each an error, nothing changed.
before=$(sgctl "$NS_RTR" -j inside)
out=$(sgctl "$NS_RTR" inside out0 2>&1); rc=$?
expect_eq "inside out0 (it is outside): exit" 3 "$rc"
# 6.1 has no formatted extack messages: its words name no interface
[[ $out == *"out0 is outside: delete it there first"* ||
	$out == *"interface has the other role: delete it there first"* ]] || sg_fail "inside out0: $out"
out=$(sgctl "$NS_RTR" inside lna0 2>&1); rc=$?
expect_eq "inside lna0 (a typo): exit" 2 "$rc"
out=$(sgctl "$NS_RTR" outside del cli0 2>&1); rc=$?
expect_eq "outside del cli0 (not outside): exit" 3 "$rc"
[[ $out == *"cli0 is not outside"* || $out == *"interface does not have this role"* ]] ||
	sg_fail "outside del cli0: $out"
out=$(sgctl "$NS_RTR" outside 203.0.113.0/24 2>&1); rc=$?
expect_eq "outside ADDR/LEN: exit" 2 "$rc"
expect_eq "roles after the mistakes" "$before" "$(sgctl "$NS_RTR" -j inside)"
log_test "a name in both roles, a typo, deleting what is not there, an address for outside: errors, roles unchanged"

# 4: save and restore.
sg_ctl_ok "$NS_RTR" inside lan2 10.30.0.0/16
sg_ctl_ok "$NS_RTR" except 10.0.0.0/8 2001:db8:20::/64
sgctl "$NS_RTR" save >"$SG_TMP/saved.conf" || sg_fail "save failed"
for line in "except 10.0.0.0/8" "inside lan2" "inside 10.30.0.0/16" "outside out0"; do
	grep -qx "$line" "$SG_TMP/saved.conf" ||
		sg_fail "save lacks '$line': $(cat "$SG_TMP/saved.conf")"
done
want=$(sgctl "$NS_RTR" -j inside; sgctl "$NS_RTR" -j except)
sg_ctl_ok "$NS_RTR" inside flush
sg_ctl_ok "$NS_RTR" outside flush
sg_ctl_ok "$NS_RTR" except flush
expect_eq "roles_configured after the flushes" 0 "$(ctr roles_configured)"
sg_ctl_ok "$NS_RTR" restore "$SG_TMP/saved.conf"
expect_eq "roles and exceptions after restore" "$want" "$(sgctl "$NS_RTR" -j inside; sgctl "$NS_RTR" -j except)"
log_test "save writes inside, outside and except lines; restore puts them back exactly"

# 5: exceptions beat FireHOL level 1, which lists the test's own ranges.
sg_ctl_ok "$NS_RTR" except flush
ip -n "$NS_RTR" route replace default via "$OUT4" dev out0
sg_ctl_ok "$NS_RTR" block load "$LEVEL1"
sg_ctl_ok "$NS_RTR" allow "$OUT4"
c0=$(ctr cnc_dropped)
sg_dropped "$NS_CLI" "$MAIL4" - 25 || sg_fail "FireHOL level 1 did not cut the LAN off from the mail server"
expect_gt "cnc_dropped after LAN -> mail server" "$(ctr cnc_dropped)" "$c0"
log_test "FireHOL level 1 (10.0.0.0/8, 192.0.2.0/24, 198.51.100.0/24 ...) cuts the LAN off: a SYN to the mail server is dropped"

sg_ctl_ok "$NS_RTR" except 10.0.0.0/8 192.0.2.0/24 "$OUT4"
sg_passes "$NS_CLI" "$MAIL4" - 25 || sg_fail "LAN -> mail server still blocked with the exceptions"
sg_passes "$NS_CLI" "$OUT4" - 25 || sg_fail "LAN -> MX still blocked with the exceptions"
e0=$(ctr cnc_excepted)
sg_oneway_passes "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 5
expect_eq "cnc_excepted after 5 datagrams LAN -> MX" $((e0 + 5)) "$(ctr cnc_excepted)"
log_test "except 10.0.0.0/8 192.0.2.0/24 $OUT4: the LAN reaches the mail server and the MX; cnc_excepted counts each packet once"

ip -n "$NS_OUT" addr add 198.51.100.26/24 dev eth0
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" 198.51.100.26 3 "$CLI4" "$OUT4" "$NS_RTR" cnc_dropped
sg_oneway_dropped "$NS_OUT" 198.51.100.26 "$NS_CLI" "$CLI4" 3 "$OUT4" "$CLI4" "$NS_RTR" cnc_dropped
log_test "198.51.100.26, listed by level 1 beside the excepted MX: blocked both ways"

out=$(sgctl "$NS_RTR" block test "$MAIL4"); rc=$?
expect_eq "block test $MAIL4: exit" 1 "$rc"
expect_eq "block test $MAIL4" "$MAIL4 is not blocked: listed by feed firehol_level1 (10.0.0.0/8) but excepted by 10.0.0.0/8" "$out"
sgctl "$NS_RTR" block test 198.51.100.26 >/dev/null; rc=$?
expect_eq "block test 198.51.100.26: exit" 0 "$rc"
out=$(sgctl "$NS_RTR" -j block test "$OUT4"); rc=$?
expect_eq "block test -j $OUT4" '1 false true "198.51.100.25"' "$rc $(jq -c '"\(.blocked) \(.listed) \(.excepted_by | tojson)"' -r <<<"$out")"
log_test "'block test': listed but excepted is exit 1 and says by what; a listed neighbour is exit 0"

ksft_finish
