#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz smtpguardctl's parsers with libFuzzer for a fixed time each, seeded
# from the real feeds in ../shared/data/blocklists (slices of every file,
# made at run time, never copied into the project).  Runs accumulate: the
# corpus libFuzzer grows is kept in the cache (SMTPGUARD_CACHE, fuzz/NAME)
# and each run starts from it with a new random seed, printed so that a
# failure can be repeated (SMTPGUARD_FUZZ_SEED=N).  Prints KTAP: one line
# per target, with how many inputs it ran.  A crash, leak, sanitizer report
# or failed check fails the line; the input that did it is kept in
# build/fuzz/.
#
#   tools/fuzz/run.sh               SMTPGUARD_FUZZ_SECONDS each (default 20)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${SMTPGUARD_FUZZ_SECONDS:-20}
seed=${SMTPGUARD_FUZZ_SEED:-$((SRANDOM % 2147483646 + 1))}
corpus=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}/fuzz
feeds=${SG_BLOCKLISTS:-$root/../shared/data/blocklists}
out=$root/build/fuzz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
echo "1..2"
if ! command -v "${CLANG:-clang}" >/dev/null; then
	echo "ok 1 fuzz: feed parser # SKIP clang is not installed"
	echo "ok 2 fuzz: address parsers # SKIP clang is not installed"
	exit 0
fi
if ! make -s -C "$here" >"$tmp/build.log" 2>&1; then
	sed 's/^/# /' "$tmp/build.log"
	echo "not ok 1 fuzz: feed parser (build failed)"
	echo "not ok 2 fuzz: address parsers (build failed)"
	exit 1
fi
mkdir -p "$tmp/feed" "$tmp/addr" "$out" "$corpus/feed" "$corpus/addr"
echo "# seed $seed (SMTPGUARD_FUZZ_SEED); corpus $corpus: $(find "$corpus/feed" -type f | wc -l) feed and $(find "$corpus/addr" -type f | wc -l) address inputs"

# Seeds: the head, the tail and a middle slice of every real feed, and the
# first word of some of their lines for the address parsers.
nfeeds=0
if [[ -d $feeds ]]; then
	for f in "$feeds"/*; do
		[[ -f $f && $f != *.md ]] || continue
		b=${f##*/}
		size=$(stat -c %s "$f")
		head -c 3000 "$f" >"$tmp/feed/$b.head"
		tail -c 3000 "$f" >"$tmp/feed/$b.tail"
		tail -c +$((size / 2)) "$f" | head -c 3000 >"$tmp/feed/$b.mid"
		grep -v '^[#;]' "$f" | head -n 20 | awk '{ print $1 }' |
			split -l 1 -a 3 - "$tmp/addr/$b."
		nfeeds=$((nfeeds + 1))
	done
	echo "# seeds from $nfeeds feeds in $feeds"
else
	echo "# $feeds not found: hand-made seeds only"
fi
printf '192.0.2.0/24\n10.0.0.1-10.0.0.9\n2001:db8::/32 ; c\r\n' >"$tmp/feed/hand"
i=0
for s in 10.10.10.10 2001:db8::/48 0.0.0.0/0 ::/0 25 65535 enforce monitor off \
	90 30m 1h 2d 30d 365d; do
	i=$((i + 1))
	printf '%s' "$s" >"$tmp/addr/hand.$i"
done

n=0 failed=0
fuzz() { # fuzz NAME DESC MAXLEN
	local name=$1 desc=$2 maxlen=$3 rc runs
	n=$((n + 1))
	"$here/build/fuzz-$name" -seed="$seed" -max_total_time="$seconds" \
		-max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" \
		"$corpus/$name" "$tmp/$name" >"$tmp/$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
	if ((rc == 0)); then
		echo "ok $n fuzz: $desc: ${runs:-?} inputs in $seconds s, no crash, leak or failed check"
	else
		grep -E 'ERROR|SUMMARY|abort|artifact' "$tmp/$name.log" | head -n 20 | sed 's/^/# /'
		echo "not ok $n fuzz: $desc: failed after ${runs:-?} inputs (status $rc; input in $out/)"
		failed=1
	fi
}
fuzz feed "feed parser (sg_feed_parse, strict and --skip-bad)" 4096
fuzz addr "address, port and mode parsers and sg_quote" 256
exit "$failed"
