#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the host-side test commands (check.sh, check-debug.sh,
# check-mutants.sh): one KTAP stream per run.  Each step is a test at the
# top level: its output follows prefixed with "# " (a step that runs a
# KTAP producer nests it one level deeper), then "# step NAME ... N s" and
# "ok N NAME" or "not ok N NAME # exit=RC".  finish counts the leaves of
# the whole tree (a result with no results nested under it; a "not ok"
# over passing results, a step that failed without a failing test, counts
# as one failure), checks every skip against check/skips.allow (a skip not
# on it counts as failed), and ends with "N passed, N failed, N skipped".
# The caller sets $tmp, a scratch directory.

: "${tmp:?tally.sh: the caller sets tmp, a scratch directory}"
ktap_stream=$tmp/ktap.stream
: >"$ktap_stream"
ktap_num=0
ktap_planned=
ktap_start=$SECONDS
ktap_skips_allowed=$(dirname "${BASH_SOURCE[0]}")/skips.allow

# Print and keep for finish.
ktap_out()
{
	tee -a "$ktap_stream"
}

ktap_begin()
{
	echo "TAP version 13" | ktap_out
}

# ktap_plan N: the number of steps, before the first step's result.
ktap_plan()
{
	ktap_planned=$1
	echo "1..$1" | ktap_out
}

# ktap_result NAME RC SECS: the step's timing and result line.
ktap_result()
{
	local name=$1 rc=$2 secs=$3

	ktap_num=$((ktap_num + 1))
	{
		echo "# step $name ... $secs s"
		if ((rc == 0)); then
			echo "ok $ktap_num $name"
		else
			echo "not ok $ktap_num $name # exit=$rc"
		fi
	} | ktap_out
}

# step NAME CMD...: run a host step, its output live (prefixed) and kept
# in $tmp/NAME.out.  Status: CMD's.
step()
{
	local name=$1 out=$tmp/$1.out rc t0=$SECONDS

	shift
	echo "# === $name: $*" | ktap_out
	"$@" 2>&1 | tee "$out" | sed -u 's/^/# /' | ktap_out
	rc=${PIPESTATUS[0]}
	ktap_result "$name" "$rc" $((SECONDS - t0))
	return "$rc"
}

# record NAME RC SECS FILE: a step that ran in the background (a VM),
# its output from FILE.
record()
{
	local name=$1 rc=$2 secs=$3 file=$4

	echo "# === $name" | ktap_out
	sed 's/^/# /' "$file" | ktap_out
	ktap_result "$name" "$rc" "$secs"
}

# boot_failed KVER OUT RC: a VM boot failed beyond its "not ok" lines:
# run.sh complained ("run.sh: KVER: ..." for a crash, timeout or lost
# guest) or it failed without saying "not ok".
boot_failed()
{
	grep -q "^run.sh: $1:" "$2" || { (($3 != 0)) && ! grep -qE '^ *(# )*not ok\b' "$2"; }
}

# ktap_count ALLOW STREAM: per top-level step "NAME P F S", then
# "TOTAL P F S"; every skip not on ALLOW printed as "# not allowed: ...".
ktap_count()
{
	awk -v allowfile="$1" '
	BEGIN {
		FS = "\n"
		while ((getline line < allowfile) > 0) {
			if (line ~ /^#/ || line ~ /^[[:space:]]*$/)
				continue
			sub(/\t.*/, "", line)
			allow[++nallow] = line
		}
	}
	function allowed(text,    i) {
		for (i = 1; i <= nallow; i++)
			if (text ~ allow[i])
				return 1
		return 0
	}
	{
		line = $0
		depth = 0
		while (substr(line, 1, 2) == "# ") {
			line = substr(line, 3)
			depth++
		}
		if (line ~ /^1\.\.0 # SKIP/) {
			whyskip[depth] = line
			next
		}
		if (line !~ /^(not )?ok( |$)/)
			next
		leaf = !seen[depth + 1]
		for (k = depth + 1; k <= 64; k++)
			seen[k] = 0
		seen[depth] = 1
		sub_fail = fail - fail_at[depth]
		if (leaf) {
			if (line ~ /^not ok/)
				fail++
			else if (line ~ /#[[:space:]]*SKIP/) {
				text = line " " whyskip[depth + 1]
				if (allowed(text))
					skip++
				else {
					fail++
					printf "# not allowed: %s\n", text
				}
			} else
				pass++
		} else if (line ~ /^not ok/ && sub_fail == 0) {
			fail++
		}
		delete whyskip[depth + 1]
		for (k = depth; k <= 64; k++)
			fail_at[k] = fail
		if (depth == 0) {
			name = line
			sub(/^(not )?ok [0-9]+ /, "", name)
			sub(/ #.*/, "", name)
			printf "STEP %d %d %d %s\n", pass - p0, fail - f0, skip - s0, name
			p0 = pass; f0 = fail; s0 = skip
		}
	}
	END { printf "TOTAL %d %d %d\n", pass, fail, skip }
	' "$2"
}

finish()
{
	local counts name p f s total_fail=0 line

	counts=$(ktap_count "$ktap_skips_allowed" "$ktap_stream")
	if [[ -n $ktap_planned ]] && ((ktap_num != ktap_planned)); then
		echo "# planned $ktap_planned steps, ran $ktap_num"
	else
		[[ -n $ktap_planned ]] || echo "1..$ktap_num"
	fi
	while read -r line; do
		case $line in
		"# not allowed: "*) echo "$line (a skip not on check/skips.allow)" ;;
		STEP\ *)
			read -r _ p f s name <<<"$line"
			echo "# $name: $p passed, $f failed, $s skipped"
			;;
		TOTAL\ *)
			read -r _ p f s <<<"$line"
			total_fail=$f
			[[ -n $ktap_planned ]] && ((ktap_num != ktap_planned)) && total_fail=$((f + 1))
			echo "# whole run: $((SECONDS - ktap_start)) s"
			echo "$p passed, $total_fail failed, $s skipped"
			;;
		esac
	done <<<"$counts"
	((total_fail == 0))
	exit
}
