#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The feed parser (tools/feed.c) against real blocklists: for every file in
# $SG_BLOCKLISTS (default ../shared/data/blocklists beside the repository),
# tools/tests/feed-count and selftests/feed_count.py, which parses and
# counts on its own with Python's ipaddress, must print the same line.
# Then the figure SOURCES.md states: drop.txt and spamhaus_drop.netset
# (the same Spamhaus DROP edition, native and aggregated) cover exactly
# 14863616 IPv4 addresses.  KTAP on stdout; a missing data directory is
# one skip.  Runs on the host, needs no kernel.
#
# usage: check/feeds.sh [FEED_COUNT]   (default tools/build/tests/feed-count,
#                                      built by make -C tools)
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$root/tools/build/tests/feed-count}
dir=${SG_BLOCKLISTS:-$root/../shared/data/blocklists}
py=$root/selftests/feed_count.py
drop_covered4=14863616

echo "TAP version 13"
if [ ! -d "$dir" ]; then
	echo "1..1"
	echo "ok 1 # SKIP real feeds not found at $dir"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "1..1"
	echo "not ok 1 - feed-count not found at $bin (make -C tools builds it)"
	exit 1
fi

files=()
for f in "$dir"/*; do
	[ -f "$f" ] && [ "${f%.md}" = "$f" ] && files+=("$f")
done
echo "1..$((${#files[@]} + 1))"

n=0 failed=0
declare -A c_out
for f in "${files[@]}"; do
	name=${f##*/}
	n=$((n + 1))
	c=$("$bin" "$f" 2>&1) || c="error: $c"
	p=$(/usr/bin/python3 "$py" "$f" 2>&1) || p="error: $p"
	c_out[$name]=$c
	if [ "$c" = "$p" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: C says $c, python says $p"
		failed=1
	fi
done

# covered4 of one file's line, or nothing.
covered4() {
	local -a w
	read -ra w <<<"${c_out[$1]:-}"
	[ "${w[6]:-}" = covered4 ] && echo "${w[7]}"
}

n=$((n + 1))
d=$(covered4 drop.txt) s=$(covered4 spamhaus_drop.netset)
if [ -z "${c_out[drop.txt]+x}" ] || [ -z "${c_out[spamhaus_drop.netset]+x}" ]; then
	echo "ok $n # SKIP drop.txt or spamhaus_drop.netset not in $dir"
elif [ "$d" = "$drop_covered4" ] && [ "$s" = "$drop_covered4" ]; then
	echo "ok $n - drop.txt and spamhaus_drop.netset both cover $drop_covered4 IPv4 addresses"
else
	echo "not ok $n - drop.txt covers '$d' and spamhaus_drop.netset '$s' IPv4 addresses, SOURCES.md says $drop_covered4"
	failed=1
fi
exit $failed
