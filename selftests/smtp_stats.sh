#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counters and their three views: /proc/net/smtpguard, `smtpguardctl stats`
# (plain) and `smtpguardctl -j stats` (JSON); `stats reset`.  The topology
# is drawn in lib.sh; traffic makes every counter non-zero first.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 9
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_load_module_or_die

PROC_KEYS="mode mode_explicit allow_entries smtp_ports smtp_inspected smtp_allowed smtp_dropped smtp_would_drop"

# The keys are ABI: never renamed or reordered, new ones only appended (the
# blocklist's come after these).  KEYS... -> the first as many as PROC_KEYS.
first_keys()
{
	local n

	n=$(wc -w <<<"$PROC_KEYS")
	head -n "$n" | awk '{ print $1 }' | xargs
}

# /proc/net/smtpguard as the JSON object `-j stats` must print.
proc_as_json()
{
	sg_proc "$1" | jq -R -s '
		[split("\n")[] | select(length > 0) |
		 capture("^(?<key>[a-z_]+) ?(?<value>.*)$")] | from_entries |
		with_entries(
			if .key == "mode" then .
			elif .key == "mode_explicit" or .key == "smtp_policy" then .value |= (. == "1")
			elif .key == "smtp_ports" then
				.value |= (if . == "" then [] else split(",") | map(tonumber) end)
			else .value |= tonumber end)'
}

# compare_views NS: every key of /proc equals the same key of -j stats.
compare_views()
{
	local ns=$1 pj jj diff

	pj=$(proc_as_json "$ns") || { sg_fail "cannot parse /proc/net/smtpguard: $(sg_proc "$ns")"; return; }
	jj=$(sgctl "$ns" -j stats 2>&1)
	# the /proc keys, and "feeds": per feed (block feeds -j), not in /proc
	if ! jq -e 'type == "object" and (.feeds | type == "array")' >/dev/null 2>&1 <<<"$jj"; then
		sg_fail "smtpguardctl -j stats is not a JSON object with a feeds array: $jj"
		return
	fi
	jj=$(jq -c 'del(.feeds)' <<<"$jj")
	diff=$(jq -n -r --argjson p "$pj" --argjson j "$jj" '
		($p | keys) as $pk | ($j | keys) as $jk |
		(if $pk != $jk then "keys differ: proc \($pk) json \($jk)" else empty end),
		($pk[] as $k | select($p[$k] != $j[$k]) |
		 "\($k): proc \($p[$k] | tojson) json \($j[$k] | tojson)")')
	[[ -z $diff ]] || sg_fail "/proc and -j stats disagree:"$'\n'"$diff"
}

# 1: the /proc file starts with the documented keys, in order.
expect_eq "/proc/net/smtpguard keys" "$PROC_KEYS" "$(sg_proc "$NS_RTR" | first_keys)"
expect_eq "fresh mode" off "$(sg_stat "$NS_RTR" mode)"
expect_eq "fresh counters" "0 0 0 0" "$(sg_counters "$NS_RTR")"
expect_eq "fresh smtp_ports" 25 "$(sg_stat "$NS_RTR" smtp_ports)"
log_test "/proc/net/smtpguard starts with the documented keys; fresh namespace: off, port 25, zero counters"

# Traffic: allowed and dropped in enforce, would-drop in monitor.
sg_ctl_ok "$NS_RTR" allow "$MAIL4"
sg_smtp "$NS_MAIL" "$OUT4" 25
sg_smtp "$NS_OUT" "$MAIL4" 25
sg_smtp_blocked "$NS_CLI" "$OUT4" 25
sg_ctl_ok "$NS_RTR" mode monitor
sg_smtp "$NS_CLI" "$OUT4" 25
sg_ctl_ok "$NS_RTR" ports 25 587

# 2
read -r i a d w < <(sg_counters "$NS_RTR")
for v in "$i" "$a" "$d" "$w"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || sg_fail "a counter is zero or missing after traffic: inspected $i allowed $a dropped $d would_drop $w"
done
sg_check_counter_sum "$NS_RTR"
expect_eq "smtp_ports" 25,587 "$(sg_stat "$NS_RTR" smtp_ports)"
log_test "traffic in enforce and monitor moves every counter, inspected = allowed + dropped + would_drop"

# 3
compare_views "$NS_RTR"
log_test "/proc/net/smtpguard and 'smtpguardctl -j stats' agree on every key (types included)"

# 4
plain=$(sgctl "$NS_RTR" stats 2>&1)
check_err $? "smtpguardctl stats failed: $plain"
expect_eq "plain stats keys" "$PROC_KEYS" "$(first_keys <<<"$plain")"
for k in mode mode_explicit allow_entries smtp_inspected smtp_allowed smtp_dropped smtp_would_drop; do
	expect_eq "plain stats $k" "$(sg_stat "$NS_RTR" "$k")" "$(awk -v k="$k" '$1 == k { print $2 }' <<<"$plain")"
done
log_test "plain 'smtpguardctl stats' has the /proc keys and values"

# 5
pretty=$(sgctl "$NS_RTR" -j -p stats 2>&1)
check_err $? "smtpguardctl -j -p stats failed"
expect_eq "-j -p stats parsed equals -j stats parsed" \
	"$(sgctl "$NS_RTR" -j stats | jq -S -c .)" "$(jq -S -c . <<<"$pretty" 2>&1)"
expect_ne "-j -p output line count" 1 "$(grep -c . <<<"$pretty")"
log_test "'smtpguardctl -j -p stats' is the same object, pretty-printed"

# 6
out=$(sgctl "$NS_RTR" stats reset 2>&1)
check_err $? "smtpguardctl stats reset failed: $out"
expect_eq "counters after reset" "0 0 0 0" "$(sg_counters "$NS_RTR")"
expect_eq "mode after reset" monitor "$(sg_stat "$NS_RTR" mode)"
expect_eq "allow_entries after reset" 1 "$(sg_stat "$NS_RTR" allow_entries)"
expect_eq "smtp_ports after reset" 25,587 "$(sg_stat "$NS_RTR" smtp_ports)"
expect_eq "-j counters after reset" "0 0 0 0" \
	"$(sgctl "$NS_RTR" -j stats | jq -r '"\(.smtp_inspected) \(.smtp_allowed) \(.smtp_dropped) \(.smtp_would_drop)"')"
compare_views "$NS_RTR"
log_test "stats reset zeroes every counter (both views) and keeps the configuration"

# 7
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "swaks client -> $OUT4:25 failed in monitor"
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "swaks mail -> $OUT4:25 failed in monitor"
read -r i a d w < <(sg_counters "$NS_RTR")
((a > 0 && w > 0)) || sg_fail "counting after reset: allowed $a would_drop $w"
expect_eq "smtp_dropped after reset, in monitor" 0 "$d"
sg_check_counter_sum "$NS_RTR"
compare_views "$NS_RTR"
log_test "counting restarts from zero after a reset"

# 8: reading needs no privilege; resetting does.
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1; then
	out=$(ip netns exec "$NS_RTR" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all cat /proc/net/smtpguard 2>&1)
	check_err $? "unprivileged read of /proc/net/smtpguard failed: $out"
	out=$(ip netns exec "$NS_RTR" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all "$(command -v smtpguardctl)" stats 2>&1)
	check_err $? "unprivileged smtpguardctl stats failed: $out"
	before=$(sg_counters "$NS_RTR")
	out=$(ip netns exec "$NS_RTR" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all --bounding-set=-all "$(command -v smtpguardctl)" stats reset 2>&1)
	rc=$?
	expect_eq "exit code of an unprivileged stats reset ($out)" 3 "$rc"
	expect_eq "counters after a refused reset" "$before" "$(sg_counters "$NS_RTR")"
	log_test "an unprivileged user can read the stats but not reset them"
else
	log_skip "an unprivileged user can read the stats but not reset them" "no nobody user or setpriv"
fi

sg_check_kernel_clean
ksft_finish
