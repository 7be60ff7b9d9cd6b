#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Story 2: the C&C blocklist on the router of lib.sh's topology.  Any
# packet from or to a listed address is dropped, forwarded or local, in both
# directions; the address just outside a listed prefix passes.  Each
# direction is proven on its own, with one-way datagrams that never arrive
# while a control datagram from an unlisted address, sent after them on the
# same path, does, and with cnc_dropped growing by exactly their number.
#
#   client 192.0.2.10 <-> out 198.51.100.25 (listed by 198.51.100.24/31)
#   client            <-> out 198.51.100.26 (the unlisted neighbour)
#   client 2001:db8:1::10 <-> out 2001:db8:2::25 (listed by 2001:db8:2::20/123,
#                                 which leaves the router's ::1 unlisted)
#   client            <-> out 2001:db8:2::40 (just past it)
#   client            ->  out 2001:db8:5::25 (listed by 2001:db8:5::/48)
#   client            ->  out 100.70.200.25 (listed by 100.70.128.0/17),
#                             100.70.5.25 (not: the other half of its /16)

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip python3 ping
sg_require_module_file
sg_require_python
sg_init
sg_plan 25
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die

NEIGH4=198.51.100.26
NEIGH6=2001:db8:2::40
ip -n "$NS_OUT" addr add "$NEIGH4/24" dev eth0
ip -n "$NS_OUT" addr add "$NEIGH6/64" dev eth0 nodad
# The out namespace would solicit its router from its first address, which
# gets listed below; a static entry keeps the neighbour's replies flowing.
rtr_mac=$(ip -n "$NS_RTR" -br link show dev out0 | awk '{print $3}')
ip -n "$NS_OUT" -6 neigh replace "$RTR_OUT6" lladdr "$rtr_mac" dev eth0 nud permanent

# expect_blocked / expect_passes NS DST [SRC] DESCRIPTION: a TCP SYN from
# NS (from SRC) gets no answer / its RST back.
expect_blocked()
{
	sg_dropped "$1" "$2" "${3:--}" || sg_fail "$4: $2 reached from $1${3:+ (src $3)}, it must be dropped"
}

expect_passes()
{
	sg_passes "$1" "$2" "${3:--}" || sg_fail "$4: $2 not reached from $1${3:+ (src $3)}"
}

# dropped FROM SRC TO DST CSRC CDST: 20 datagrams one way, see lib.sh.
dropped()
{
	sg_oneway_dropped "$1" "$2" "$3" "$4" 20 "$5" "$6" "$NS_RTR" cnc_dropped
}

# 1: nothing is blocked before configuration.
expect_passes "$NS_CLI" "$OUT4" "" "before any block"
log_test "loading the module blocks nothing"

# 2: the first block switches the router to enforce and says so.
out=$(sgctl "$NS_RTR" block 198.51.100.24/31 2001:db8:2::20/123 2>&1)
check_err $? "block add failed: $out"
grep -q '^mode: enforce' <<<"$out" || sg_fail "first block did not announce enforce: $out"
expect_eq "mode" enforce "$(sg_stat "$NS_RTR" mode)"
expect_eq "block_entries" 2 "$(sg_stat "$NS_RTR" block_entries)"
expect_eq "block_feeds" 1 "$(sg_stat "$NS_RTR" block_feeds)"
expect_gt "block_bytes" "$(sg_stat "$NS_RTR" block_bytes)" 0
log_test "first block switches to enforce; /proc shows entries, feeds and bytes"

# 3: forwarded, each direction on its own, IPv4.
sg_klog_mark
dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" "$CLI4" "$NEIGH4"
log_test "IPv4, forwarded, client -> listed: 20 datagrams dropped (control to the neighbour arrives), cnc_dropped +20"
dropped "$NS_OUT" "$OUT4" "$NS_CLI" "$CLI4" "$NEIGH4" "$CLI4"
log_test "IPv4, forwarded, listed -> client: 20 datagrams dropped (control from the neighbour arrives), cnc_dropped +20"
sg_klog_since_mark | grep -q "dropped C&C $CLI4 -> $OUT4 .*listed 198.51.100.24/31 feed manual" ||
	sg_fail "no log line naming $CLI4 -> $OUT4 and the entry"
expect_blocked "$NS_CLI" "$OUT4" "" "client -> listed (TCP)"
log_test "IPv4 C&C traffic is logged with the entry; a TCP SYN to it gets no answer"

# 4: the unlisted neighbour passes.
expect_passes "$NS_CLI" "$NEIGH4" "" "client -> neighbour"
expect_passes "$NS_OUT" "$CLI4" "$NEIGH4" "neighbour -> client"
sg_oneway_passes "$NS_OUT" "$NEIGH4" "$NS_CLI" "$CLI4" 20
log_test "the address just outside the prefix passes"

# 5: the router itself (LOCAL_OUT and LOCAL_IN), each direction.
dropped "$NS_RTR" "$RTR_OUT4" "$NS_OUT" "$OUT4" "$RTR_OUT4" "$NEIGH4"
log_test "IPv4, router -> listed (LOCAL_OUT): refused with EPERM, nothing arrives, cnc_dropped +20"
dropped "$NS_OUT" "$OUT4" "$NS_RTR" "$RTR_OUT4" "$NEIGH4" "$RTR_OUT4"
log_test "IPv4, listed -> router (LOCAL_IN): dropped, the control arrives, cnc_dropped +20"
expect_passes "$NS_RTR" "$NEIGH4" "" "router -> neighbour"

# 6: IPv6, every direction, and the neighbour just past the /123.
dropped "$NS_CLI" "$CLI6" "$NS_OUT" "$OUT6" "$CLI6" "$NEIGH6"
log_test "IPv6, forwarded, client -> listed: dropped, cnc_dropped +20"
dropped "$NS_OUT" "$OUT6" "$NS_CLI" "$CLI6" "$NEIGH6" "$CLI6"
log_test "IPv6, forwarded, listed -> client: dropped, cnc_dropped +20"
dropped "$NS_RTR" "$RTR_OUT6" "$NS_OUT" "$OUT6" "$RTR_OUT6" "$NEIGH6"
log_test "IPv6, router -> listed (LOCAL_OUT): dropped, cnc_dropped +20"
dropped "$NS_OUT" "$OUT6" "$NS_RTR" "$RTR_OUT6" "$NEIGH6" "$RTR_OUT6"
log_test "IPv6, listed -> router (LOCAL_IN): dropped, cnc_dropped +20"
sg_oneway_passes "$NS_CLI" "$CLI6" "$NS_OUT" "$NEIGH6" 20
sg_oneway_passes "$NS_OUT" "$NEIGH6" "$NS_CLI" "$CLI6" 20
expect_passes "$NS_CLI" "$NEIGH6" "" "client -> v6 neighbour"
log_test "IPv6: the neighbour just past the /123 passes both ways"

# 6a: an IPv6 prefix of level 32 to 56 (a /48), which has a presence
# filter of its own; reached through the unlisted neighbour.
FAR6=2001:db8:5::25
ip -n "$NS_OUT" addr add "$FAR6/128" dev eth0 nodad
ip -n "$NS_RTR" -6 route add 2001:db8:5::/48 via "$NEIGH6" dev out0
sg_oneway_passes "$NS_CLI" "$CLI6" "$NS_OUT" "$FAR6" 5
sg_ctl_ok "$NS_RTR" block 2001:db8:5::/48 feed far
dropped "$NS_CLI" "$CLI6" "$NS_OUT" "$FAR6" "$CLI6" "$NEIGH6"
sg_ctl_ok "$NS_RTR" block flush feed far
sg_oneway_passes "$NS_CLI" "$CLI6" "$NS_OUT" "$FAR6" 5
log_test "IPv6 /48: client -> an address in it dropped, cnc_dropped +20; it passes before and after"

# 6b: many /17s in /16s spread over several words of level 24's exact
# filter (a feed clustered as DROP's is: its keys cost less there than in
# the sized filter), alternate halves, so that a wrong /16 or /24 bit
# shows: each listed half's first or last /24 is listed, the other half
# not, and traffic to an address in one is dropped.
clust=() listed=() unlisted=()
i=0
for a in 100 101 102; do
	for b in 0 5 9 63 64 70 100 127 128 129 200 255; do
		h=$(((i % 2) * 128))
		clust+=("$a.$b.$h.0/17")
		if ((i % 2)); then listed+=("$a.$b.$((h + 127)).254"); else listed+=("$a.$b.$h.1"); fi
		((i % 3)) || unlisted+=("$a.$b.$((128 - h)).1")
		i=$((i + 1))
	done
done
sg_ctl_ok "$NS_RTR" block "${clust[@]}" feed clustered
for a in "${listed[@]}"; do
	sgctl "$NS_RTR" block test "$a" >/dev/null || sg_fail "block test $a: not listed, but in a listed /17"
done
for a in "${unlisted[@]}" 100.1.0.1 102.254.128.1; do
	sgctl "$NS_RTR" block test "$a" >/dev/null
	rc=$?
	((rc == 1)) || sg_fail "block test $a: exit $rc, want 1 (listed nowhere)"
done
FAR4=100.70.200.25 NEAR4=100.70.5.25
ip -n "$NS_OUT" addr add "$FAR4/32" dev eth0
ip -n "$NS_OUT" addr add "$NEAR4/32" dev eth0
ip -n "$NS_RTR" route add 100.70.0.0/16 via "$NEIGH4" dev out0
dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$FAR4" "$CLI4" "$NEIGH4"
sg_oneway_passes "$NS_CLI" "$CLI4" "$NS_OUT" "$NEAR4" 5
sg_ctl_ok "$NS_RTR" block flush feed clustered
log_test "IPv4, ${#clust[@]} /17s in ${#clust[@]} /16s: ${#listed[@]} listed and $((${#unlisted[@]} + 2)) unlisted addresses tested; client -> listed dropped, cnc_dropped +20; its /16's other half passes"

# 6c: other protocols than TCP and UDP: ICMP echo to a listed address.
before=$(sg_stat "$NS_RTR" cnc_dropped)
ip netns exec "$NS_CLI" ping -c 3 -i 0.2 -W 1 -q "$OUT4" >/dev/null 2>&1 &&
	sg_fail "ping $OUT4 (listed) got an answer"
expect_eq "cnc_dropped after 3 ICMP echoes to $OUT4" $((before + 3)) "$(sg_stat "$NS_RTR" cnc_dropped)"
ip netns exec "$NS_CLI" ping -c 1 -W 5 -q "$NEIGH4" >/dev/null 2>&1 ||
	sg_fail "ping $NEIGH4 (unlisted) got no answer"
log_test "ICMP echo to a listed address is dropped and counted; the neighbour answers"

# 7: block test answers like ipset test / grep.
sgctl "$NS_RTR" block test "$OUT4" >/dev/null
check_err $? "block test $OUT4 should exit 0"
sgctl "$NS_RTR" block test "$NEIGH4" >/dev/null
rc=$?
expect_eq "exit of block test $NEIGH4" 1 "$rc"
out=$(sgctl "$NS_RTR" block test "$OUT6")
check_err $? "block test $OUT6 should exit 0"
grep -q '2001:db8:2::20/123' <<<"$out" || sg_fail "block test $OUT6 does not name the entry: $out"
sg_ctl_ok "$NS_RTR" block 2001:db8::/33 10.0.0.0/9 feed expand
for a in 2001:db8:7fff::1 10.127.255.255; do
	sgctl "$NS_RTR" block test "$a" >/dev/null || sg_fail "$a is inside a listed /33 or /9"
done
for a in 2001:db8:8000::1 2001:db9::1 10.128.0.0; do
	sgctl "$NS_RTR" block test "$a" >/dev/null && sg_fail "$a is outside every listed prefix"
done
sg_ctl_ok "$NS_RTR" block flush feed expand
sgctl "$NS_RTR" block test 198.51.100.0/24 >/dev/null 2>&1
rc=$?
expect_eq "exit of block test with a prefix (bad input)" 2 "$rc"
log_test "block test: 0 listed, 1 not listed, 2+ bad input"

# 8: hits and last hit are counted per entry.
out=$(sgctl "$NS_RTR" -j block list)
python3 - "$out" <<'PY' || sg_fail "hits of 198.51.100.24/31 not counted: $out"
import json, sys
e = {x["prefix"]: x for x in json.loads(sys.argv[1])}["198.51.100.24/31"]
sys.exit(0 if e["hits"] > 0 and "last_hit" in e else 1)
PY
log_test "per-entry hit count and last-hit time"

# 9: monitor counts but lets it pass; enforce again drops.
sg_ctl_ok "$NS_RTR" mode monitor
before=$(sg_stat "$NS_RTR" cnc_would_drop)
expect_passes "$NS_CLI" "$OUT4" "" "monitor mode"
expect_gt "cnc_would_drop" "$(sg_stat "$NS_RTR" cnc_would_drop)" "$before"
sg_ctl_ok "$NS_RTR" mode enforce
expect_blocked "$NS_CLI" "$OUT4" "" "enforce again"
log_test "monitor counts cnc_would_drop and passes; enforce drops again"

# 10: an address listed by two feeds stays blocked until both drop it.
sg_ctl_ok "$NS_RTR" block flush
sg_ctl_ok "$NS_RTR" block "$OUT4" feed feed-a
sg_ctl_ok "$NS_RTR" block 198.51.100.0/24 feed feed-b
expect_eq "block_feeds" 2 "$(sg_stat "$NS_RTR" block_feeds)"
sg_ctl_ok "$NS_RTR" block flush feed feed-b
expect_blocked "$NS_CLI" "$OUT4" "" "still in feed-a"
expect_passes "$NS_CLI" "$NEIGH4" "" "feed-b flushed"
sg_ctl_ok "$NS_RTR" block "$OUT4" feed feed-b
sg_ctl_ok "$NS_RTR" block del "$OUT4" feed feed-a
expect_blocked "$NS_CLI" "$OUT4" "" "still in feed-b"
sg_ctl_ok "$NS_RTR" block del "$OUT4" feed feed-b
expect_passes "$NS_CLI" "$OUT4" "" "dropped by both feeds"
expect_eq "block_entries" 0 "$(sg_stat "$NS_RTR" block_entries)"
expect_eq "block_bytes after the last entry" 0 "$(sg_stat "$NS_RTR" block_bytes)"
log_test "overlapping feeds: blocked until every feed drops it"

# 11: a temporary block expires by itself.  15 s: on the debug kernel the
# tool and the probe starting took more than 6 s, past a shorter timeout.
sg_ctl_ok "$NS_RTR" block "$OUT4" timeout 15
expect_blocked "$NS_CLI" "$OUT4" "" "timeout not reached"
busywait "$(sg_bound 30000)" bash -c "! ip netns exec $NS_RTR smtpguardctl block test $OUT4 >/dev/null" ||
	sg_fail "$OUT4 still blocked long after its 15 s timeout"
busywait "$(sg_bound 15000)" bash -c "[[ \$(ip netns exec $NS_RTR awk '\$1 == \"block_entries\" {print \$2}' /proc/net/smtpguard) == 0 ]]" ||
	sg_fail "the expired entry was not removed"
expect_passes "$NS_CLI" "$OUT4" "" "after expiry"
log_test "timeout: the entry expires and is removed"

# 12: a malformed feed file is refused whole, with its line number.
feed=$SG_TMP/bad.txt
printf '# test feed\n203.0.113.1\n203.0.113.0/24 ; dup ok\n10.1.2.3/24\n' >"$feed"
sg_ctl_ok "$NS_RTR" block "$OUT4" feed keep
snap=$(sgctl "$NS_RTR" block list; sg_stat "$NS_RTR" block_entries)
out=$(sgctl "$NS_RTR" block load --replace "$feed" 2>&1)
rc=$?
expect_eq "exit of block load with a bad line" 2 "$rc"
grep -q "bad.txt:4: .*10.1.2.0/24" <<<"$out" || sg_fail "message lacks bad.txt:4 and the corrected prefix: $out"
expect_eq "state after a refused load" "$snap" "$(sgctl "$NS_RTR" block list; sg_stat "$NS_RTR" block_entries)"
out=$(sgctl "$NS_RTR" block load --skip-bad --feed skipped "$feed" 2>&1)
check_err $? "--skip-bad load failed: $out"
grep -qi "skipped 1" <<<"$out" || grep -qi "1 .*skipped" <<<"$out" || sg_fail "--skip-bad does not count the skipped line: $out"
sgctl "$NS_RTR" block test 203.0.113.1 >/dev/null || sg_fail "--skip-bad did not load the good lines"
log_test "malformed feed refused with FILE:LINE, --skip-bad loads the rest"

# 13: the cap: ENOSPC with a message, the set intact.
sg_ctl_ok "$NS_RTR" block flush
sg_ctl_ok "$NS_RTR" block "$OUT4" feed keep
param=/sys/module/smtpguard/parameters/max_block_entries
old_cap=$(cat $param)
echo 100 >$param
python3 -c 'for i in range(150): print(f"203.0.{i // 256 + 113}.{i % 256}")' >"$SG_TMP/150.txt"
snap=$(sgctl "$NS_RTR" block list)
out=$(sgctl "$NS_RTR" block load "$SG_TMP/150.txt" 2>&1)
rc=$?
expect_eq "exit of a load past the cap" 3 "$rc"
grep -qi "full\|max_block_entries" <<<"$out" || sg_fail "no clear message past the cap: $out"
expect_eq "set after ENOSPC" "$snap" "$(sgctl "$NS_RTR" block list)"
echo "$old_cap" >$param
out=$(sgctl "$NS_RTR" block load "$SG_TMP/150.txt" 2>&1)
check_err $? "load under the default cap failed: $out"
expect_eq "block_entries" 151 "$(sg_stat "$NS_RTR" block_entries)"
log_test "cap reached: ENOSPC, clear message, set intact"

# 14: an aborted or half-sent transaction changes nothing.
ynl_lib=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}/linux-source-6.12/tools/net/ynl
if [[ -d $ynl_lib ]]; then
	snap=$(sgctl "$NS_RTR" block list)
	out=$(ip netns exec "$NS_RTR" python3 "$SG_SELFTESTS/txn_abort.py" "$ynl_lib" \
		"$SG_ROOT/Documentation/netlink/specs/smtpguard.yaml" 2>&1)
	check_err $? "txn_abort.py: $out"
	expect_eq "set after aborted transactions" "$snap" "$(sgctl "$NS_RTR" block list)"
	log_test "aborted, foreign and half-sent transactions change nothing"
else
	log_skip "aborted transactions change nothing" "YNL library not found at $ynl_lib"
fi

sg_check_kernel_clean
ksft_finish
