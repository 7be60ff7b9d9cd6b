#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The selftests' runner, in the shape of the kernel's kselftest runner:
#
#   run_tests.sh [NAME...]
#
# Without names it runs the default list: kselftest-list.txt beside it when
# installed, else "make list_tests" (TEST_PROGS in selftests/Makefile);
# SMTPGUARD_WITH_LIFETIME=1 appends lifetime.sh (a TEST_PROGS_EXTENDED that
# needs 2 vCPUs).  One KTAP stream: "TAP version 13", the plan "1..N", and
# per script a "# selftests: smtpguard: NAME" header, the script's own
# lines prefixed with "# ", and one "ok N selftests: smtpguard: NAME"
# ("# SKIP" when it exits 4) or "not ok N ..." with "# exit=RC",
# "# TIMEOUT S seconds", "# planned P, printed R" (a script that declared
# a plan and printed another number of results) or "# left smtpguard
# loaded" (every script unloads what it loaded).  Timeout per script:
# SMTPGUARD_TEST_TIMEOUT, else "timeout=N" in settings, else 300 s.
# Exit status: 0 when every script passed or skipped, else 1.
set -uo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$dir" || exit 1

tmo=${SMTPGUARD_TEST_TIMEOUT:-}
if [[ -z $tmo && -r settings ]]; then
	tmo=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' settings)
fi
tmo=${tmo:-300}

tests=()
if (($#)); then
	tests=("${@##*/}")
else
	if [[ -r kselftest-list.txt ]]; then
		list=$(<kselftest-list.txt)
	elif ! list=$(make -s --no-print-directory -C "$dir" list_tests 2>&1); then
		echo "run_tests.sh: 'make list_tests' failed: $list" >&2
		exit 2
	fi
	mapfile -t tests < <(sed -n 's/^smtpguard://p' <<<"$list")
	[[ ${SMTPGUARD_WITH_LIFETIME:-0} == 1 ]] && tests+=(lifetime.sh)
fi
if ((${#tests[@]} == 0)); then
	echo "run_tests.sh: no tests to run" >&2
	exit 2
fi

out=$(mktemp)
hub=$(mktemp -d)
trap 'rm -rf "$out" "$hub"' EXIT

# One traffic helper (sg_hub.py: the SMTP/HTTP servers and clients) for all
# the scripts: python3 importing aiosmtpd costs seconds under TCG.  lib.sh
# uses it while it answers and starts a script's own otherwise; it goes
# with this runner (PR_SET_PDEATHSIG).  SMTPGUARD_SHARED_HUB=0: one per script.
if [[ ${SMTPGUARD_SHARED_HUB:-1} != 0 && -x /usr/bin/python3 ]]; then
	/usr/bin/python3 "$dir/sg_hub.py" "$hub/hub.log" "$hub/hub.port" </dev/null >/dev/null 2>&1 &
	export SG_HUB_SHARED_PID=$! SG_HUB_SHARED_DIR=$hub
fi

echo "TAP version 13"
echo "1..${#tests[@]}"
echo "# smtpguard selftests on $(uname -r), timeout ${tmo}s per script"
failed=0
num=0
for t in "${tests[@]}"; do
	num=$((num + 1))
	hdr="selftests: smtpguard: $t"
	echo "# $hdr"
	if [[ ! -x $dir/$t ]]; then
		echo "# $t is missing or not executable"
		echo "not ok $num $hdr # exit=127"
		failed=1
		continue
	fi
	start=$SECONDS
	# Live output, prefixed, kept to compare its results with its plan.
	timeout -k 10 "$tmo" "$dir/$t" </dev/null 2>&1 | tee "$out" | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	plan=$(sed -n 's/^1\.\.\([0-9]\+\).*/\1/p' "$out" | head -n 1)
	nres=$(grep -cE '^(not )?ok [0-9]+\b' "$out")
	note=
	if ((rc == 124 || rc == 137)); then
		note=" # TIMEOUT $tmo seconds"
	elif ((rc != 0 && rc != 4)); then
		note=" # exit=$rc"
	elif [[ -n $plan ]] && ((plan != nres)); then
		note=" # planned $plan, printed $nres"
	elif [[ -d /sys/module/smtpguard ]]; then
		rmmod smtpguard 2>/dev/null
		note=" # left smtpguard loaded"
	fi
	echo "# $t: exit $rc in $((SECONDS - start)) s"
	if [[ -n $note ]]; then
		echo "not ok $num $hdr$note"
		failed=1
	elif ((rc == 4)); then
		echo "ok $num $hdr # SKIP"
	else
		echo "ok $num $hdr"
	fi
	# A script that failed may have left the module behind: the next
	# one starts clean.
	[[ -d /sys/module/smtpguard ]] && rmmod smtpguard 2>/dev/null
done
exit "$failed"
