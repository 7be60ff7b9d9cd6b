#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Small changes to a big blocklist are made in place: adding, deleting or
# re-timing a few host addresses within feeds that stay in use builds no
# new snapshot (block_rebuilds stays), yet each takes effect at once for
# traffic, block test and block list, and changes nothing else.  Whatever
# cannot be done in place (a new feed, a prefix, a feed's last entry, a
# replace, an expiry, more than the in-place budget) is rebuilt whole, as
# before, and sees every in-place change.
#
#   client 192.0.2.10 <-> out 198.51.100.25 (added and deleted in place)
#   client            <-> out 198.51.100.26 (the unlisted control)

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq python3 smtpguardctl
sg_require_module_file
sg_require_python
sg_init
sg_plan 10
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die

NEIGH4=198.51.100.26
ip -n "$NS_OUT" addr add "$NEIGH4/24" dev eth0
N=4000
WANT=$SG_TMP/want.txt

# N distinct /32s in 100.64.0.0/10 and 40 /128s, never sent a packet.
python3 - "$N" >"$WANT" <<'PY'
import random, sys
rng = random.Random(19)
n = int(sys.argv[1])
seen = set()
while len(seen) < n:
    seen.add(0x64400000 | rng.getrandbits(22))
for a in sorted(seen):
    print(f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}")
for i in range(40):
    print(f"2001:db8:4000::{i * 7 + 1:x}")
PY

rebuilds() { sg_stat "$NS_RTR" block_rebuilds; }

# same_list: block list (-j, one dump over several messages) holds exactly
# the addresses of $WANT, in the kernel's order (IPv4 first, by address).
same_list()
{
	sgctl "$NS_RTR" -j block list >"$SG_TMP/list.json" ||
		{ sg_fail "block list failed"; return 1; }
	python3 - "$SG_TMP/list.json" "$WANT" <<'PY' || { sg_fail "block list differs: $(cat "$SG_TMP/diff")"; return 1; }
import ipaddress, json, sys
got = [e["prefix"] for e in json.load(open(sys.argv[1]))]
want = set(l.strip() for l in open(sys.argv[2]) if l.strip())
def key(a):
    n = ipaddress.ip_network(a)
    return (n.version, int(n.network_address), n.prefixlen)
msg = []
if got != sorted(got, key=key):
    msg.append("not in order")
if len(got) != len(set(got)):
    msg.append("an entry twice")
if set(got) != want:
    msg.append(f"missing {sorted(want - set(got))[:3]}, extra {sorted(set(got) - want)[:3]}")
open(sys.argv[1].rsplit("/", 1)[0] + "/diff", "w").write("; ".join(msg))
sys.exit(1 if msg else 0)
PY
}

want_add() { printf '%s\n' "$@" >>"$WANT"; }
want_del()
{
	local a

	for a in "$@"; do
		grep -vxF "$a" "$WANT" >"$WANT.new"
		mv "$WANT.new" "$WANT"
	done
}

# tested ADDR EXIT: block test exits EXIT for ADDR.
tested()
{
	sgctl "$NS_RTR" block test "$1" >/dev/null 2>&1
	expect_eq "block test $1" "$2" "$?"
}

# 1: the load is one rebuild; the list is the file.
sg_ctl_ok "$NS_RTR" block load --feed big "$WANT"
expect_eq "block_rebuilds after the load" 1 "$(rebuilds)"
expect_eq "block_entries" $((N + 40)) "$(sg_stat "$NS_RTR" block_entries)"
same_list
log_test "a $((N + 40))-entry feed loads in one rebuild; block list is the file, in order"

# 2: single adds and deletes, IPv4 and IPv6, change only what they name.
r0=$(rebuilds)
sg_ctl_ok "$NS_RTR" block 100.127.255.254 feed big
sg_ctl_ok "$NS_RTR" block 2001:db8:4000::ffff feed big
sg_ctl_ok "$NS_RTR" block 100.64.0.0 feed big
# A /64 the feed has nothing in: its lookup bitmap bit is set in place too.
sg_ctl_ok "$NS_RTR" block 2001:db8:4001:1::1 feed big
want_add 100.127.255.254 2001:db8:4000::ffff 100.64.0.0 2001:db8:4001:1::1
first=$(sed -n 1p "$WANT") mid=$(sed -n 2000p "$WANT") v6=$(grep -m1 : "$WANT")
sg_ctl_ok "$NS_RTR" block del "$mid" "$v6" feed big
want_del "$mid" "$v6"
expect_eq "block_rebuilds after 6 single changes" "$r0" "$(rebuilds)"
expect_eq "block_entries" $((N + 40 + 2)) "$(sg_stat "$NS_RTR" block_entries)"
tested 100.127.255.254 0
tested 2001:db8:4000::ffff 0
tested 2001:db8:4001:1::1 0
tested "$mid" 1
tested "$v6" 1
tested "$first" 0
expect_eq "feed big's entries" $((N + 42)) \
	"$(sgctl "$NS_RTR" -j block feeds | jq '.[] | select(.feed == "big") | .entries')"
same_list
log_test "single adds and deletes (IPv4, IPv6) build nothing; test, list and counts follow"

# 3: traffic sees an address added in place, and its deletion.
r0=$(rebuilds)
sg_ctl_ok "$NS_RTR" block "$OUT4" feed big
sg_oneway_dropped "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 20 "$CLI4" "$NEIGH4" "$NS_RTR" cnc_dropped
hits=$(sgctl "$NS_RTR" -j block list | jq --arg p "$OUT4" '.[] | select(.prefix == $p) | .hits')
expect_eq "hits of $OUT4" 20 "$hits"
sg_ctl_ok "$NS_RTR" block del "$OUT4" feed big
sg_oneway_passes "$NS_CLI" "$CLI4" "$NS_OUT" "$OUT4" 5
expect_eq "block_rebuilds" "$r0" "$(rebuilds)"
log_test "an address added in place drops traffic at once (cnc_dropped +20, hits 20); deleted, it passes"

# 4: added again: listed anew, hits from 0; a re-time stays in place.
sg_ctl_ok "$NS_RTR" block "$OUT4" feed big
entry=$(sgctl "$NS_RTR" -j block list | jq -c --arg p "$OUT4" '.[] | select(.prefix == $p)')
jq -e '(.hits // 0) == 0 and .last_hit == null' <<<"$entry" >/dev/null ||
	sg_fail "re-added entry kept its hits: $entry"
sg_ctl_ok "$NS_RTR" block "$OUT4" feed big timeout 3600
entry=$(sgctl "$NS_RTR" -j block list | jq -c --arg p "$OUT4" '.[] | select(.prefix == $p)')
jq -e '.expires == null' <<<"$entry" >/dev/null ||
	sg_fail "a timeout made a permanent listing timed: $entry"
sg_ctl_ok "$NS_RTR" block 100.127.0.1 feed big timeout 3600
entry=$(sgctl "$NS_RTR" -j block list | jq -c '.[] | select(.prefix == "100.127.0.1")')
jq -e '.expires > 3500 and .expires <= 3600' <<<"$entry" >/dev/null ||
	sg_fail "timed add: $entry"
want_add "$OUT4" 100.127.0.1
expect_eq "block_rebuilds" "$r0" "$(rebuilds)"
same_list
log_test "re-added in place: hits start at 0; a timed add keeps its timeout; nothing rebuilt"

# 5: a timed host entry expires in place; a timed prefix takes a rebuild
# when it is added and when it expires, and keeps the in-place changes.
sg_ctl_ok "$NS_RTR" block 100.126.0.9 feed big timeout 2
gone() { sgctl "$NS_RTR" block test "$1" >/dev/null 2>&1; (($? == 1)); }
busywait "$(sg_bound 10000)" gone 100.126.0.9 || sg_fail "100.126.0.9 did not expire"
expect_eq "block_rebuilds after an in-place expiry" "$r0" "$(rebuilds)"
same_list
sg_ctl_ok "$NS_RTR" block 100.120.0.0/24 feed big timeout 2
busywait "$(sg_bound 10000)" gone 100.120.0.5 || sg_fail "100.120.0.0/24 did not expire"
expect_eq "block_rebuilds after a timed prefix came and went" $((r0 + 2)) "$(rebuilds)"
same_list
tested "$OUT4" 0
log_test "a timed host entry expires in place; a timed prefix rebuilds twice and keeps the in-place changes"

# 6: a feed opened and emptied in place, with its mode from the start;
# a prefix rebuilds; a refused change changes nothing.
WATCH=198.51.100.27
ip -n "$NS_OUT" addr add "$WATCH/24" dev eth0
r0=$(rebuilds)
sg_ctl_ok "$NS_RTR" block feed watch action monitor
w0=$(sg_stat "$NS_RTR" cnc_would_drop)
sg_ctl_ok "$NS_RTR" block "$WATCH" feed watch
sg_oneway_passes "$NS_CLI" "$CLI4" "$NS_OUT" "$WATCH" 5
expect_eq "cnc_would_drop of the monitor feed opened in place" $((w0 + 5)) "$(sg_stat "$NS_RTR" cnc_would_drop)"
expect_eq "feed watch's would_drop" 5 \
	"$(sgctl "$NS_RTR" -j block feeds | jq '.[] | select(.feed == "watch") | .would_drop')"
expect_eq "block_feeds with watch" 2 "$(sg_stat "$NS_RTR" block_feeds)"
sg_ctl_ok "$NS_RTR" block del "$WATCH" feed watch
expect_eq "block_feeds after watch's last entry" 1 "$(sg_stat "$NS_RTR" block_feeds)"
sgctl "$NS_RTR" -j block feeds | jq -e '.[] | select(.feed == "watch") | select(.entries > 0)' >/dev/null &&
	sg_fail "feed watch still has entries: $(sgctl "$NS_RTR" block feeds)"
expect_eq "block_rebuilds after a feed came and went" "$r0" "$(rebuilds)"
sg_ctl_ok "$NS_RTR" block "$WATCH" feed watch
sg_oneway_passes "$NS_CLI" "$CLI4" "$NS_OUT" "$WATCH" 3
expect_eq "feed watch's would_drop, reopened" 3 \
	"$(sgctl "$NS_RTR" -j block feeds | jq '.[] | select(.feed == "watch") | .would_drop')"
sg_ctl_ok "$NS_RTR" block del "$WATCH" feed watch
out=$(sgctl "$NS_RTR" block del 100.127.255.253 feed big 2>&1)
rc=$?
((rc >= 2)) || sg_fail "deleting an unlisted address exited $rc: $out"
[[ $out == Error:* ]] || sg_fail "no error for an unlisted address: $out"
expect_eq "block_rebuilds after a refused delete" "$r0" "$(rebuilds)"
sg_ctl_ok "$NS_RTR" block 100.125.0.0/24 feed big
want_add 100.125.0.0/24
expect_eq "block_rebuilds after a prefix" $((r0 + 1)) "$(rebuilds)"
same_list
log_test "a monitor feed opened in place monitors from its first entry, emptied it goes, counters anew; a prefix rebuilds"

# 7: the in-place budget (1024 here): five single adds, then one request
# of 1000 whose addresses fall between and around them (merged into the
# entries added in place, in order), then single changes until a rebuild
# makes room.
r0=$(rebuilds)
for a in 100.122.0.1 100.123.0.1 100.123.3.3 100.123.7.255 100.124.9.9; do
	sg_ctl_ok "$NS_RTR" block "$a" feed big
	want_add "$a"
done
python3 -c 'for i in range(1000): print(f"100.123.{i >> 7}.{(i & 127) * 2}")' >"$SG_TMP/batch.txt"
sgctl "$NS_RTR" block add - feed big <"$SG_TMP/batch.txt" >/dev/null || sg_fail "block add - failed"
cat "$SG_TMP/batch.txt" >>"$WANT"
expect_eq "block_rebuilds after 1005 in place" "$r0" "$(rebuilds)"
same_list
for i in $(seq 1 30); do
	sgctl "$NS_RTR" -batch - >/dev/null <<<"block 100.122.1.$i feed big" || sg_fail "add 100.122.1.$i"
	want_add "100.122.1.$i"
done
got=$(rebuilds)
((got == r0 + 1)) || sg_fail "block_rebuilds after the budget ran out: $got, want $((r0 + 1))"
same_list
log_test "5 single adds, 1000 in one request between them and 30 more in place, in order; past the budget one rebuild"

# 8: a replace after in-place changes is still the file, atomically.
python3 -c 'for i in range(300): print(f"100.121.{i >> 8}.{i & 255}")' >"$WANT"
r0=$(rebuilds)
sg_ctl_ok "$NS_RTR" block load --replace --feed big "$WANT"
expect_eq "block_rebuilds after the replace" $((r0 + 1)) "$(rebuilds)"
expect_eq "block_entries" 300 "$(sg_stat "$NS_RTR" block_entries)"
same_list
tested "$OUT4" 1
log_test "a replace after in-place changes lists exactly the file"

# 9: a namespace deleted with entries added and deleted in place; then rmmod.
sg_ctl_ok "$NS_RTR" block 100.121.9.9 feed big
sg_ctl_ok "$NS_RTR" block del 100.121.0.7 feed big
sg_del_ns "$NS_RTR"
sg_unload_module || sg_fail "rmmod failed"
sg_check_kernel_clean
log_test "netns deleted with in-place changes pending, rmmod: no oops, leak warning or taint"

ksft_finish
