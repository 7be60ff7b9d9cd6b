#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every real feed in ../shared/data/blocklists (SG_BLOCKLISTS overrides)
# loads into the kernel; the addresses the kernel's entries cover equal an
# independent count (feed_count.py, Python's ipaddress) of the file; the
# first address of sampled entries is blocked and the address just past
# each sampled entry is not, unless another entry covers it; a few sampled
# addresses carry real traffic through the router.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip python3
sg_require_module_file
dir=${SG_BLOCKLISTS:-$SG_ROOT/../shared/data/blocklists}
[[ -d $dir ]] || skip_all "real feeds not found at $dir (set SG_BLOCKLISTS)"
sg_init
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die

# Big files: the kernel count is compared with the tool's parse; the
# Python count of every address runs on the host (feed_check.sh), it
# would take minutes here.
BIG=200000

total=0
for f in "$dir"/*; do
	[[ $f == *.md ]] && continue
	name=$(basename "${f%.*}")
	out=$(sgctl "$NS_RTR" block load --replace "$f" 2>&1)
	check_err $? "block load $f failed: $out"
	want=$(sgctl "$NS_RTR" -j block load --dry-run "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')
	got=$(sgctl "$NS_RTR" -j block feeds | python3 -c "import json,sys; print(sum(x['entries'] for x in json.load(sys.stdin) if x['feed'] == '$name'))")
	expect_eq "$name: entries in the kernel" "$want" "$got"
	total=$((total + got))
	if (($(wc -c <"$f") < BIG)); then
		sgctl "$NS_RTR" -j block list feed "$name" >"$SG_TMP/list.json"
		python3 - "$SG_TMP/list.json" "$(python3 "$SG_SELFTESTS/feed_count.py" "$f")" <<'PY' ||
import ipaddress, json, sys
nets = [ipaddress.ip_network(e["prefix"]) for e in json.load(open(sys.argv[1]))]
cov = {4: 0, 6: 0}
for v in (4, 6):
    cov[v] = sum(n.num_addresses for n in ipaddress.collapse_addresses(x for x in nets if x.version == v))
words = sys.argv[2].split()
want = {4: int(words[words.index("covered4") + 1]), 6: int(words[words.index("covered6") + 1])}
if cov != want:
    print(f"kernel covers {cov}, the file {want}")
    sys.exit(1)
PY
			sg_fail "$name: addresses covered by the kernel's entries differ from feed_count.py"
	fi
	log_test "$name: loads; entries and covered addresses match"
done
# Feeds overlap (drop.txt and spamhaus_drop.netset are one edition), so the
# set holds fewer entries than the feeds together; each has a feed.
sgctl "$NS_RTR" -j block list >"$SG_TMP/all.json"
read -r listed orphans < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
print(len(e), sum(1 for x in e if not x["feeds"]))' "$SG_TMP/all.json")
expect_eq "block_entries vs entries listed" "$listed" "$(sg_stat "$NS_RTR" block_entries)"
expect_eq "entries without a feed" 0 "$orphans"
((listed <= total)) || sg_fail "$listed entries but the feeds hold only $total"
sg_diag "$total entries in the feeds, $listed distinct"
log_test "all feeds together: every entry listed once, each with its feeds"

# Sampled entries: the first address is blocked, the one just past the end
# is not unless some entry covers it too.
python3 - "$SG_TMP/all.json" >"$SG_TMP/samples" <<'PY'
import ipaddress, json, random, sys
nets = [ipaddress.ip_network(e["prefix"]) for e in json.load(open(sys.argv[1]))]
random.seed(7)
for n in random.sample(nets, 40):
    print(n.network_address, "in")
    past = int(n.broadcast_address) + 1
    if past < 2 ** n.max_prefixlen:
        a = ipaddress.ip_address(past)
        print(a, "in" if any(a in m for m in nets if m.version == n.version) else "out")
PY
bad=0
while read -r addr want; do
	sgctl "$NS_RTR" block test "$addr" >/dev/null
	rc=$?
	if [[ $want == in && $rc -ne 0 ]] || [[ $want == out && $rc -ne 1 ]]; then
		sg_fail "block test $addr exited $rc, expected it $want"
		bad=$((bad + 1))
	fi
done <"$SG_TMP/samples"
sg_diag "$(wc -l <"$SG_TMP/samples") sampled addresses, $bad wrong"
log_test "sampled listed addresses are blocked, their outside neighbours are not"

# drop.txt and spamhaus_drop.netset are one edition: both cover exactly
# 14863616 addresses (SOURCES.md), and each entry is listed by both feeds.
if [[ -r $dir/drop.txt && -r $dir/spamhaus_drop.netset ]]; then
	out=$(sgctl "$NS_RTR" block test 2.57.17.1)
	if ! grep -q "drop" <<<"$out" || ! grep -q "spamhaus_drop" <<<"$out"; then
		sg_fail "2.57.17.1 should be listed by drop and spamhaus_drop: $out"
	fi
	log_test "an address in two feeds names both"
fi

sg_feed_loaded()
{
	sgctl "$NS_RTR" block feeds | awk -v f="$1" '$1 == f { found = 1 } END { exit !found }'
}

# Listed addresses cannot do IPv6 neighbour discovery through smtpguard:
# static entries for the router and, below, for each listed address.
sg_static_neighbours()
{
	local mac

	mac=$(ip -n "$NS_RTR" -br link show dev out0 | awk '{print $3}')
	ip -n "$NS_OUT" -6 neigh replace "$RTR_OUT6" lladdr "$mac" dev eth0 nud permanent &&
		OUT_MAC=$(ip -n "$NS_OUT" -br link show dev eth0 | awk '{print $3}')
}

# Real listed addresses on the wire: a few sampled entries become addresses
# of the outside host; traffic to and from them is dropped over the router
# and for the router itself, their unlisted neighbours pass.  FireHOL
# level 1 lists the bogons, the documentation ranges of the topology among
# them, so it goes first.
if sg_feed_loaded firehol_level1; then
	sg_ctl_ok "$NS_RTR" block flush feed firehol_level1
fi
for a in "$CLI4" "$OUT4" "$RTR_CLI4" "$RTR_OUT4" "$CLI6" "$OUT6" "$RTR_CLI6" "$RTR_OUT6"; do
	sgctl "$NS_RTR" block test "$a" >/dev/null && sg_fail "topology address $a is listed by a feed"
done
sgctl "$NS_RTR" -j block list >"$SG_TMP/all.json"
python3 - "$SG_TMP/all.json" >"$SG_TMP/wire" <<'PY'
import ipaddress, json, random, sys
nets = [ipaddress.ip_network(e["prefix"]) for e in json.load(open(sys.argv[1]))]
random.seed(11)
def covered(a):
    return any(a in m for m in nets if m.version == a.version)
for version, want in ((4, 3), (6, 1)):
    picked = 0
    pool = [x for x in nets if x.version == version]
    for n in random.sample(pool, min(200, len(pool))):
        past = int(n.broadcast_address) + 1
        if past >= 2 ** n.max_prefixlen or n.network_address.is_private:
            continue
        a, b = n.network_address + (1 if n.num_addresses > 2 else 0), ipaddress.ip_address(past)
        if covered(b) or b.is_private or b.is_multicast or b.is_reserved:
            continue
        print(a, b)
        picked += 1
        if picked == want:
            break
PY
PROBE=(python3 "$SG_SELFTESTS/netprobe.py")
reaches()
{
	ip netns exec "$1" "${PROBE[@]}" reach "$2" ${3:+--src "$3"} --timeout 2
}

if [[ -s $SG_TMP/wire ]] && sg_static_neighbours; then
	while read -r listed neigh; do
		for a in "$listed" "$neigh"; do
			if [[ $a == *:* ]]; then
				ip -n "$NS_OUT" addr add "$a/128" dev eth0 nodad
				ip -n "$NS_RTR" -6 route add "$a/128" dev out0
				ip -n "$NS_RTR" -6 neigh replace "$a" lladdr "$OUT_MAC" dev out0 nud permanent
			else
				ip -n "$NS_OUT" addr add "$a/32" dev eth0
				ip -n "$NS_RTR" route add "$a/32" dev out0
			fi
		done
		cli=$CLI4 rtr=$RTR_OUT4
		[[ $listed == *:* ]] && cli=$CLI6 rtr=$RTR_OUT6
		reaches "$NS_CLI" "$listed" && sg_fail "client reached listed $listed"
		reaches "$NS_OUT" "$cli" "$listed" && sg_fail "listed $listed reached the client"
		reaches "$NS_RTR" "$listed" && sg_fail "the router reached listed $listed"
		reaches "$NS_OUT" "$rtr" "$listed" && sg_fail "listed $listed reached the router"
		reaches "$NS_CLI" "$neigh" || sg_fail "client did not reach unlisted $neigh"
		reaches "$NS_OUT" "$cli" "$neigh" || sg_fail "unlisted $neigh did not reach the client"
		sg_diag "on the wire: $listed dropped, $neigh passes"
	done <"$SG_TMP/wire"
	log_test "sampled real feed addresses are dropped both ways, forwarded and local"
else
	log_skip "sampled real feed addresses on the wire" "no sample or no topology"
fi

sg_ctl_ok "$NS_RTR" block flush
expect_eq "block_bytes after flush" 0 "$(sg_stat "$NS_RTR" block_bytes)"
log_test "flushing every feed returns block_bytes to 0"

sg_check_kernel_clean
ksft_finish
