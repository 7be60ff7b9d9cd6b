#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the host-side test commands (check.sh, vm/check-debug.sh):
# the one way their steps run and their result lines count.  The caller
# sets $tmp, a scratch directory.  Every "ok" / "not ok" / "ok ... # SKIP"
# at the start of a line counts; the last line of finish is
# "N passed, N failed, N skipped".

: "${tmp:?tally.sh: the caller sets tmp, a scratch directory}"
total_pass=0 total_fail=0 total_skip=0
summary=()

# tally NAME FILE: count the result lines of one section.
tally()
{
	local name=$1 file=$2 p f s

	s=$(grep -cE '^ok\b.*#[[:space:]]*SKIP' "$file")
	p=$(($(grep -cE '^ok\b' "$file") - s))
	f=$(grep -cE '^not ok\b' "$file")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	summary+=("# $name: $p passed, $f failed, $s skipped")
}

# step NAME CMD...: run a host step, output live and kept in $tmp/NAME.out;
# a failing step that printed no "not ok" gets one.  Status: CMD's.
step()
{
	local name=$1 out=$tmp/$1.out rc

	shift
	echo "# === $name: $*"
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if ((rc != 0)) && ! grep -qE '^not ok\b' "$out"; then
		echo "not ok - $name: '$*' failed with status $rc" | tee -a "$out"
	fi
	return "$rc"
}

# boot_failed KVER OUT RC: a VM boot failed beyond its "not ok" lines:
# run.sh complained ("run.sh: KVER: ..." for a crash, timeout or lost
# guest) or it failed without saying "not ok".
boot_failed()
{
	grep -q "^run.sh: $1:" "$2" || { (($3 != 0)) && ! grep -qE '^not ok\b' "$2"; }
}

finish()
{
	printf '%s\n' "${summary[@]}"
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
	((total_fail == 0))
	exit
}
