#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In the VM (check-mutants.sh): for each mutant built for this kernel,
# run the scripts that should catch it against it.  Prints one result per
# mutant: "ok N mutant NAME killed by SCRIPT: CHECK" when a script reported
# "not ok" (or the kernel complained), "not ok N mutant NAME survived"
# when every script passed.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 1
kver=$(uname -r)
n=0
echo "TAP version 13"
while IFS="|" read -r name _ scripts _; do
	[[ $name =~ ^[[:space:]]*(#|$) ]] && continue
	name=$(xargs <<<"$name")
	scripts=$(xargs <<<"$scripts")
	[[ -z $name || $name == \#* ]] && continue
	ko=$root/build/mutants/$name/$kver/smtpguard.ko
	[[ -r $ko ]] || continue
	n=$((n + 1))
	echo "# mutant $name: ${scripts//,/ }"
	out=$(SMTPGUARD_KO=$ko SG_SCALE_ENTRIES=100000 selftests/run_tests.sh ${scripts//,/ } 2>&1)
	killer=$(grep -m1 -E '^(# )*not ok' <<<"$out" | sed 's/^\(# \)*//')
	grep -E '^(# )*(not )?ok ' <<<"$out" | sed 's/^/#   /' | head -n 80
	if [[ -n $killer ]]; then
		echo "ok $n mutant $name killed: ${killer#*not ok }"
	else
		echo "not ok $n mutant $name survived ${scripts//,/ }"
	fi
done <check/mutants/mutants.txt
echo "1..$n"
