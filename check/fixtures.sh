#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fixtures.sh FEED_DIR: the big inputs of the VM selftests, made on the
# host once into build/ rather than by Python under TCG in every boot:
#   build/feeds/    samples of the real feeds (feed_samples.py) for
#                   block_feeds.sh, remade when the feeds change
#   build/fixtures/ block_scale.sh's two feeds of 1,000,000 addresses
#                   (100.64.0.0 upwards, the second from the 500,000th,
#                   each with the listed target 198.51.100.25 first)
# KTAP on stdout.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
feeds=${1:?usage: fixtures.sh FEED_DIR}

echo "TAP version 13"
echo "1..2"
stamp=$(for f in "$feeds"/*; do [[ $f == *.md ]] || stat -c '%n %s %Y' "$f"; done | sed 's#^.*/##')
if [[ -r $root/build/feeds/stamp && "$(cat "$root/build/feeds/stamp")" == "$stamp" ]]; then
	echo "ok 1 feed samples (build/feeds/, unchanged feeds: kept)"
elif python3 "$root/check/feed_samples.py" "$feeds" "$root/build/feeds"; then
	echo "ok 1 feed samples (build/feeds/)"
else
	echo "not ok 1 feed samples: check/feed_samples.py $feeds failed"
fi

n=1000000
dir=$root/build/fixtures
mkdir -p "$dir"
# 100.64.0.0 + i as a dotted quad; awk is exact to 2^53.
write_feed()
{
	awk -v name="$1" -v first="$2" -v n="$n" 'BEGIN {
		print "# " name
		print "198.51.100.25"
		base = 100 * 16777216 + 64 * 65536
		for (i = first; i < first + n; i++) {
			a = base + i
			printf "%d.%d.%d.%d\n", int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256, a % 256
		}
	}' >"$dir/scale-$1.tmp" && mv "$dir/scale-$1.tmp" "$dir/scale-$1.txt"
}
if [[ -s $dir/scale-old.txt && -s $dir/scale-new.txt ]] ||
	{ write_feed old 0 && write_feed new $((n / 2)); }; then
	echo "ok 2 block_scale feeds (build/fixtures/, $n addresses each)"
else
	echo "not ok 2 block_scale feeds: writing $dir failed"
fi
