#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-mutants: prove that the suite catches broken modules.  Each
# mutant of check/mutants/mutants.txt is the module with one
# deliberate bug (a perl substitution on one file of kmod/), built for
# every test kernel into build/mutants/NAME/KVER/; then one VM boot per
# kernel (both at once, as check.sh does) runs, for each mutant, the
# scripts that should catch it with SMTPGUARD_KO pointing at it
# (check/mutants/guest.sh).  A mutant is killed when one of them
# reports "not ok"; one that survives fails the target.  Prints the
# survival table; ends with "N passed, N failed, N skipped" (a mutant
# killed passes).  SMTPGUARD_MUTANTS="name ..." runs only those.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source-path=SCRIPTDIR source=tally.sh
source check/tally.sh

ktap_begin
step deps selftests/vm/deps.sh || finish
mapfile -t kernels < <(selftests/vm/kernels.sh)
step build make -s module-all tool
step helpers make -s -C selftests

# Build every mutant for every kernel; a substitution that changes
# nothing is a broken mutant, not a survivor.
build_mutants() {
	local name file subst k d ok=1
	while IFS="|" read -r name file _ subst; do
		[[ $name =~ ^[[:space:]]*(#|$) ]] && continue
		name=$(xargs <<<"$name") file=$(xargs <<<"$file")
		subst=${subst# }
		[[ -z $name || $name == \#* ]] && continue
		if [[ -n ${SMTPGUARD_MUTANTS:-} && " $SMTPGUARD_MUTANTS " != *" $name "* ]]; then
			continue
		fi
		for k in "${kernels[@]}"; do
			d=$root/build/mutants/$name/$k
			rm -rf "$d"
			mkdir -p "$d"
			# The built tree, objects and all: only the mutated file
			# is compiled again (the same flags as make module-all).
			cp -a "build/$k/." "$d/"
			rm -f "$d/smtpguard.ko"
			perl -0pi -e "$subst" "$d/kmod/$file"
			if cmp -s "kmod/$file" "$d/kmod/$file"; then
				echo "not ok - mutant $name: the substitution changes nothing in kmod/$file"
				ok=0
				continue
			fi
			if make -s -C "/lib/modules/$k/build" M="$d" W=1 modules >"$d/build.log" 2>&1; then
				echo "ok - mutant $name built for $k ($(diff "kmod/$file" "$d/kmod/$file" | grep -c '^[<>]') lines changed)"
			else
				sed 's/^/#   /' "$d/build.log" | tail -n 10
				echo "not ok - mutant $name does not build for $k"
				ok=0
			fi
		done
	done <check/mutants/mutants.txt
	((ok))
}
step mutants build_mutants

vm() {
	local k=$1 t0=$SECONDS
	selftests/vm/run.sh --kernel "$k" --timeout "${SMTPGUARD_VM_TIMEOUT:-3600}" -- \
		check/mutants/guest.sh >"$tmp/vm-$k.out" 2>&1
	local rc=$?
	if boot_failed "$k" "$tmp/vm-$k.out" "$rc"; then
		echo "not ok - kernel $k: the mutants' VM run failed (status $rc)" >>"$tmp/vm-$k.out"
	fi
	echo "$rc $((SECONDS - t0))" >"$tmp/vm-$k.rc"
}
for k in "${kernels[@]}"; do
	vm "$k" &
	pids+=($!)
done
for k in "${kernels[@]}"; do
	wait "${pids[0]}"
	pids=("${pids[@]:1}")
	read -r rc secs <"$tmp/vm-$k.rc"
	record "mutants on $k" "$rc" "$secs" "$tmp/vm-$k.out"
done
echo "# survival table (killed: a script reported not ok)" | ktap_out
for k in "${kernels[@]}"; do
	sed -n 's/^\(not \)\{0,1\}ok [0-9]* mutant \([^ ]*\) \(killed\|survived\)\(.*\)$/#   '"$k"'  \2  \3\4/p' "$tmp/vm-$k.out" | ktap_out
done
finish
