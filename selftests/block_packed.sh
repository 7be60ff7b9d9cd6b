#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Permanent host entries are packed (kmod/block_table.h): no entry object,
# their hit counts in a table on the side that holds only the hosts that
# were hit.  What an entry object did, a packed host does too: hits and
# last hit survive rebuilds and feed changes; a timed listing turns it
# into an object in place (hits kept) and a rebuild packs it again (hits
# kept); deleted and listed again, it counts from 0.  The side table grows
# as hosts are hit, and every hit that finds no room is counted.
#
#   client 192.0.2.10 -> out 198.51.100.25 (listed, packed)
#   client            -> 198.51.100.100-139 (listed, packed, no receiver)
#   client            -> out 198.51.100.26 (the unlisted control)

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq python3 smtpguardctl
sg_require_module_file
sg_require_python
sg_init
sg_plan 8
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die

NEIGH4=198.51.100.26
ip -n "$NS_OUT" addr add "$NEIGH4/24" dev eth0
N=20000
FEED=$SG_TMP/feed.txt

# N random /32s in 100.64.0.0/10, 40 hosts next to the client's peer, the
# peer, and 200 /128s.
python3 - "$N" "$OUT4" >"$FEED" <<'PY'
import random, sys
rng = random.Random(25)
n = int(sys.argv[1])
seen = set()
while len(seen) < n:
    seen.add(0x64400000 | rng.getrandbits(22))
for a in sorted(seen):
    print(f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}")
for i in range(100, 140):
    print(f"198.51.100.{i}")
print(sys.argv[2])
for i in range(200):
    print(f"2001:db8:5000::{i * 11 + 1:x}")
PY

rebuilds() { sg_stat "$NS_RTR" block_rebuilds; }
# entry ADDR: its block test answer, as JSON.
entry() { sgctl "$NS_RTR" -j block test "$1" | jq -c '.entry'; }
hits_of() { entry "$1" | jq '.hits // 0'; }
feeds_of() { entry "$1" | jq -r '.feeds | join(",")'; }

# 1: a load packs its hosts: a few bytes each.
sg_ctl_ok "$NS_RTR" block load --feed big "$FEED"
total=$((N + 241))
expect_eq "block_entries" "$total" "$(sg_stat "$NS_RTR" block_entries)"
bytes=$(sg_stat "$NS_RTR" block_bytes)
sg_diag "block_bytes $bytes for $total host entries: $((bytes / total)) bytes each"
# Entry objects alone would take 56 bytes each; packed: keys, ids, a
# directory, the filter and room for in-place adds.
((bytes < total * 24)) || sg_fail "block_bytes $bytes: $((bytes / total)) bytes a host entry"
log_test "$total host entries load packed: under 24 bytes each (block_bytes)"

# 2: traffic to a packed host is dropped and counted on its entry; the
# count survives a rebuild and a feed added in place.
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 20 "$CLI4" "$NEIGH4" "$NS_RTR" cnc_dropped
expect_eq "hits of $OUT4" 20 "$(hits_of "$OUT4")"
entry "$OUT4" | jq -e '.last_hit | test("^20[0-9-]+T")' >/dev/null ||
	sg_fail "no last hit: $(entry "$OUT4")"
r0=$(rebuilds)
sg_ctl_ok "$NS_RTR" block 100.63.0.0/24 feed big
expect_eq "block_rebuilds after a prefix" $((r0 + 1)) "$(rebuilds)"
expect_eq "hits of $OUT4 after a rebuild" 20 "$(hits_of "$OUT4")"
r1=$(rebuilds)
sg_ctl_ok "$NS_RTR" block "$OUT4" 100.64.0.1 feed second
expect_eq "block_rebuilds after a second feed, opened in place" "$r1" "$(rebuilds)"
expect_eq "feeds of $OUT4" "big,second" "$(feeds_of "$OUT4")"
expect_eq "hits of $OUT4 after feed changes" 20 "$(hits_of "$OUT4")"
r1=$(rebuilds)
sg_ctl_ok "$NS_RTR" block del "$OUT4" feed second
expect_eq "block_rebuilds after a feed left in place" "$r1" "$(rebuilds)"
expect_eq "feeds of $OUT4" "big" "$(feeds_of "$OUT4")"
log_test "a packed host counts its hits (20); they survive a rebuild and feed changes"

# 3: a timed listing makes it an object in place, hits kept; it drops
# traffic all along; a rebuild keeps it timed; once the timed listing
# goes, a rebuild packs it again, hits kept.
r0=$(rebuilds)
sg_ctl_ok "$NS_RTR" block "$OUT4" feed temp timeout 3600
expect_eq "block_rebuilds after a timed listing of a packed host" "$r0" "$(rebuilds)"
e=$(entry "$OUT4")
jq -e '.hits == 20 and .expires == null and
	([.listings[] | select(.feed == "temp") | .expires] | .[0] > 3500)' <<<"$e" >/dev/null ||
	sg_fail "after the timed listing: $e"
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 5 "$CLI4" "$NEIGH4" "$NS_RTR" cnc_dropped
expect_eq "hits of $OUT4, timed" 25 "$(hits_of "$OUT4")"
sg_ctl_ok "$NS_RTR" block 100.63.1.0/24 feed big
expect_eq "hits of $OUT4 after a rebuild, timed" 25 "$(hits_of "$OUT4")"
sg_ctl_ok "$NS_RTR" block del "$OUT4" feed temp
sg_ctl_ok "$NS_RTR" block 100.63.2.0/24 feed big
expect_eq "hits of $OUT4, packed again" 25 "$(hits_of "$OUT4")"
expect_eq "feeds of $OUT4" "big" "$(feeds_of "$OUT4")"
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 5 "$CLI4" "$NEIGH4" "$NS_RTR" cnc_dropped
expect_eq "hits of $OUT4, packed again and hit" 30 "$(hits_of "$OUT4")"
log_test "a timed listing makes a packed host an object in place and back at a rebuild: hits 20, 25, 30"

# 4: deleted in place, traffic passes; listed again in place, it drops
# and counts from 0.
r0=$(rebuilds)
sg_ctl_ok "$NS_RTR" block del "$OUT4" feed big
sgctl "$NS_RTR" block test "$OUT4" >/dev/null
expect_eq "block test of a deleted packed host" 1 "$?"
sg_oneway_passes "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 5
sg_ctl_ok "$NS_RTR" block "$OUT4" feed big
expect_eq "hits of $OUT4 listed anew" 0 "$(hits_of "$OUT4")"
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 7 "$CLI4" "$NEIGH4" "$NS_RTR" cnc_dropped
expect_eq "hits of $OUT4 listed anew and hit" 7 "$(hits_of "$OUT4")"
expect_eq "block_rebuilds" "$r0" "$(rebuilds)"
log_test "a packed host deleted in place passes traffic; listed again it drops and counts from 0"

# 5: 40 packed hosts hit, more than the first side table holds: every
# hit is counted on its entry or as unrecorded; once the table grew,
# a second round counts every one.
sum_hits()
{
	sgctl "$NS_RTR" -j block list |
		jq '[.[] | select(.prefix | test("^198\\.51\\.100\\.1[0-3][0-9]$")) | .hits // 0] | add'
}
b0=$(sg_stat "$NS_RTR" block_bytes)
u0=$(sg_stat "$NS_RTR" block_hits_unrecorded)
d0=$(sg_stat "$NS_RTR" cnc_dropped)
for i in $(seq 100 139); do
	sg_udp_send "$NS_CLI" "$CLI4" "198.51.100.$i" 5353 1 ||
		sg_fail "sending to 198.51.100.$i: $SG_HUB_REPLY"
done
dropped_all() { (($(sg_stat "$NS_RTR" cnc_dropped) >= d0 + 40)); }
busywait "$(sg_bound 10000)" dropped_all || sg_fail "cnc_dropped did not grow by 40"
u1=$(sg_stat "$NS_RTR" block_hits_unrecorded)
expect_eq "hits counted + unrecorded, round 1" 40 $(($(sum_hits) + u1 - u0))
grown() { (($(sg_stat "$NS_RTR" block_bytes) > b0)); }
busywait "$(sg_bound 10000)" grown || sg_fail "the hit table did not grow: block_bytes $(sg_stat "$NS_RTR" block_bytes)"
h1=$(sgctl "$NS_RTR" -j block list | jq -c '[.[] | select(.prefix | test("^198\\.51\\.100\\.1[0-3][0-9]$")) | .hits // 0]')
for i in $(seq 100 139); do
	sg_udp_send "$NS_CLI" "$CLI4" "198.51.100.$i" 5353 1 ||
		sg_fail "sending to 198.51.100.$i: $SG_HUB_REPLY"
done
busywait "$(sg_bound 10000)" sg_stat_above "$NS_RTR" cnc_dropped $((d0 + 79)) ||
	sg_fail "cnc_dropped did not grow by 80"
h2=$(sgctl "$NS_RTR" -j block list | jq -c '[.[] | select(.prefix | test("^198\\.51\\.100\\.1[0-3][0-9]$")) | .hits // 0]')
expect_eq "hits, round 2: each host one more" \
	"$(jq -c 'map(. + 1)' <<<"$h1")" "$h2"
expect_eq "block_hits_unrecorded in round 2" "$u1" "$(sg_stat "$NS_RTR" block_hits_unrecorded)"
sg_diag "round 1: $((u1 - u0)) of 40 hits unrecorded; block_bytes $b0 -> $(sg_stat "$NS_RTR" block_bytes)"
log_test "40 packed hosts hit: every hit counted or unrecorded; the side table grows and the next round counts all 40"

# 6: IPv6 packed hosts: listed, tested, deleted and listed again in place.
r0=$(rebuilds)
sgctl "$NS_RTR" block test 2001:db8:5000::c >/dev/null
expect_eq "block test 2001:db8:5000::c" 0 "$?"
sgctl "$NS_RTR" block test 2001:db8:5000::d >/dev/null
expect_eq "block test 2001:db8:5000::d" 1 "$?"
sg_ctl_ok "$NS_RTR" block del 2001:db8:5000::c feed big
sgctl "$NS_RTR" block test 2001:db8:5000::c >/dev/null
expect_eq "block test 2001:db8:5000::c, deleted" 1 "$?"
sg_ctl_ok "$NS_RTR" block 2001:db8:5000::c feed other
expect_eq "feeds of 2001:db8:5000::c" "other" "$(feeds_of 2001:db8:5000::c)"
expect_eq "block_rebuilds" "$r0" "$(rebuilds)"
log_test "IPv6 packed hosts: test, delete, and list again by a new feed, in place"

# 7: the namespace goes with packed hosts hit and changed; then rmmod.
sg_del_ns "$NS_RTR"
sg_unload_module || sg_fail "rmmod failed"
sg_check_kernel_clean
log_test "netns deleted with packed hosts hit and changed, rmmod: no oops, leak warning or taint"

ksft_finish
