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
sg_require_cmd ip python3 jq
sg_require_module_file
sg_require_python
dir=${SG_BLOCKLISTS:-$SG_ROOT/../shared/data/blocklists}
[[ -d $dir ]] || skip_all "real feeds not found at $dir (set SG_BLOCKLISTS)"
feeds=()
for f in "$dir"/*; do
	[[ $f == *.md ]] || feeds+=("$f")
done
((${#feeds[@]})) || skip_all "no feed files in $dir"
sg_init
two_editions=0
[[ -r $dir/drop.txt && -r $dir/spamhaus_drop.netset ]] && two_editions=1
sg_plan $((${#feeds[@]} + 5 + two_editions))
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die

# What the checks below sample, computed from the files by Python on the
# host (check.sh: check/feed_samples.py into build/feeds/, kept while the
# feeds do not change); here only when that is missing or stale, slowly.
samples=$SG_ROOT/build/feeds
stamp=$(for f in "${feeds[@]}"; do stat -c '%n %s %Y' "$f"; done | sed 's#^.*/##')
if [[ ! -r $samples/stamp || "$(cat "$samples/stamp")" != "$stamp" ]]; then
	sg_diag "build/feeds/ is missing or stale: sampling the feeds here"
	samples=$SG_TMP/feeds
	"$PYTHON" "$SG_ROOT/check/feed_samples.py" "$dir" "$samples" ||
		sg_fail "check/feed_samples.py $dir failed"
fi

# Big files: the kernel count is compared with the tool's parse; the
# Python count of every address runs on the host (check/feeds.sh), it
# would take minutes here.
BIG=200000

total=0
for f in "${feeds[@]}"; do
	name=$(basename "${f%.*}")
	out=$(sgctl "$NS_RTR" block load --replace "$f" 2>&1)
	check_err $? "block load $f failed: $out"
	want=$(sgctl "$NS_RTR" -j block load --dry-run "$f" | jq -r .entries)
	got=$(sgctl "$NS_RTR" -j block feeds | jq --arg f "$name" '[.[] | select(.feed == $f) | .entries] | add')
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
read -r listed orphans < <(jq -r '[length, (map(select(.feeds | length == 0)) | length)] | @tsv' "$SG_TMP/all.json")
expect_eq "block_entries vs entries listed" "$listed" "$(sg_stat "$NS_RTR" block_entries)"
expect_eq "entries without a feed" 0 "$orphans"
((listed <= total)) || sg_fail "$listed entries but the feeds hold only $total"
sg_diag "$total entries in the feeds, $listed distinct"
log_test "all feeds together: every entry listed once, each with its feeds"

# Sampled entries: the first address is blocked, the one just past the end
# is not unless some entry covers it too.
[[ -s $samples/samples ]] || sg_fail "no samples in $samples/samples"
bad=0
while read -r addr want; do
	sgctl "$NS_RTR" block test "$addr" >/dev/null
	rc=$?
	if [[ $want == in && $rc -ne 0 ]] || [[ $want == out && $rc -ne 1 ]]; then
		sg_fail "block test $addr exited $rc, expected it $want"
		bad=$((bad + 1))
	fi
done <"$samples/samples"
sg_diag "$(wc -l <"$samples/samples") sampled addresses, $bad wrong"
log_test "sampled listed addresses are blocked, their outside neighbours are not"

# drop.txt and spamhaus_drop.netset are one edition: both cover exactly
# 14863616 addresses (SOURCES.md), and each entry is listed by both feeds.
if ((two_editions)); then
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
# dropped FROM SRC TO DST CSRC CDST: one direction, proven on its own.
dropped()
{
	sg_oneway_dropped "$1" "$2" "$3" "$4" 5 "$5" "$6" "$NS_RTR" cnc_dropped
}

if [[ -s $samples/wire ]] && sg_static_neighbours; then
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
		sgctl "$NS_RTR" block test "$listed" >/dev/null || sg_fail "$listed is not listed"
		cli=$CLI4 rtr=$RTR_OUT4
		[[ $listed == *:* ]] && cli=$CLI6 rtr=$RTR_OUT6
		dropped "$NS_CLI" "$cli" "$NS_OUT" "$listed" "$cli" "$neigh"
		dropped "$NS_OUT" "$listed" "$NS_CLI" "$cli" "$neigh" "$cli"
		dropped "$NS_RTR" "$rtr" "$NS_OUT" "$listed" "$rtr" "$neigh"
		dropped "$NS_OUT" "$listed" "$NS_RTR" "$rtr" "$neigh" "$rtr"
		sg_oneway_passes "$NS_CLI" "$cli" "$NS_OUT" "$neigh" 5
		sg_oneway_passes "$NS_OUT" "$neigh" "$NS_CLI" "$cli" 5
		sg_diag "on the wire: $listed dropped each way, $neigh passes"
	done <"$samples/wire"
	log_test "sampled real feed addresses are dropped each way, forwarded and local; their neighbours pass"
else
	sg_fail "no wire sample in $samples/wire, or no static neighbours"
	log_test "sampled real feed addresses on the wire"
fi

sg_ctl_ok "$NS_RTR" block flush
expect_eq "block_bytes after flush" 0 "$(sg_stat "$NS_RTR" block_bytes)"
log_test "flushing every feed returns block_bytes to 0"

sg_check_kernel_clean
ksft_finish
