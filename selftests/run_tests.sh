#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side runner (run.sh --kernel K -- selftests/run_tests.sh [NAME...]):
# runs every test script in order and speaks KTAP/TAP like kselftest's
# runner.  The scripts are the executable selftests/*.sh except the
# harness's own and the host-side checks check.sh runs itself (lib.sh,
# check.sh, static_check.sh, dkms_build.sh, feed_check.sh, run_tests.sh,
# demo.sh, systemd_check.sh, reboot.sh, tally.sh, and lifetime.sh, which
# check.sh runs in a boot with 2 vCPUs), or the names listed in
# selftests/TESTS (one per line, # comments).
# Each script's own "ok N desc" / "not ok N desc" / "ok N desc # SKIP why"
# lines pass through under a "# selftests: smtpguard: NAME" header; a script
# that fails (exit not 0 and not 4) without any "not ok" gets one
# synthesized "not ok", one that exits 4 with no result lines a "# SKIP".
# Scripts load and unload the module themselves; a module left loaded at the
# end is reported and removed.  Timeout per script: SMTPGUARD_TEST_TIMEOUT
# (default 300 s) or a "timeout=N" line in selftests/settings.
set -uo pipefail

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$dir/.." || exit 1

tmo=${SMTPGUARD_TEST_TIMEOUT:-}
if [[ -z $tmo && -r $dir/settings ]]; then
	tmo=$(sed -n 's/^timeout=\([0-9]\+\)$/\1/p' "$dir/settings")
fi
tmo=${tmo:-300}

tests=()
if (($#)); then
	tests=("$@")
elif [[ -r $dir/TESTS ]]; then
	mapfile -t tests < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$dir/TESTS")
else
	for f in "$dir"/*.sh; do
		case ${f##*/} in
		lib.sh | check.sh | static_check.sh | dkms_build.sh | feed_check.sh | run_tests.sh | demo.sh | systemd_check.sh | reboot.sh | lifetime.sh | tally.sh) continue ;;
		esac
		[[ -x $f ]] && tests+=("${f##*/}")
	done
	# A boot with 2 vCPUs or more (check-debug.sh) runs the lifetimes too.
	[[ ${SMTPGUARD_WITH_LIFETIME:-0} == 1 ]] && tests+=(lifetime.sh)
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
[[ ! -r $dir/TESTS ]] && (($# == 0)) && for f in "$dir"/*.sh; do
	case ${f##*/} in lib.sh | check.sh | static_check.sh | dkms_build.sh | feed_check.sh | run_tests.sh | demo.sh | systemd_check.sh | reboot.sh) ;;
	tally.sh | lifetime.sh) ;;
	*) [[ -x $f ]] || echo "# warning: ${f##*/} is not executable: not run" ;;
	esac
done
echo "# smtpguard selftests on $(uname -r): ${#tests[@]} scripts"
failed=0
for t in "${tests[@]}"; do
	t=${t##*/}
	echo "# selftests: smtpguard: $t"
	if [[ ! -x $dir/$t ]]; then
		echo "not ok - $t is missing or not executable"
		failed=1
		continue
	fi
	start=$SECONDS
	# Live output, kept to count its result lines afterwards.
	timeout -k 10 "$tmo" "$dir/$t" </dev/null 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	nok=$(grep -cE '^[[:space:]]*not ok\b' "$out")
	nres=$(grep -cE '^[[:space:]]*(not )?ok\b' "$out")
	if ((rc == 124 || rc == 137)); then
		echo "not ok - $t timed out after ${tmo}s"
		failed=1
	elif ((nok > 0)); then
		failed=1
	elif ((rc == 4 && nres == 0)); then
		echo "ok - $t # SKIP"
	elif ((rc != 0 && rc != 4)); then
		echo "not ok - $t exited with status $rc"
		failed=1
	elif ((nres == 0)); then
		echo "ok - $t"
	fi
	echo "# $t: exit $rc in $((SECONDS - start))s"
done

if [[ -d /sys/module/smtpguard ]]; then
	if rmmod smtpguard; then
		echo "# smtpguard was still loaded after the tests: removed"
	else
		echo "not ok - smtpguard left loaded after the tests and rmmod failed"
		failed=1
	fi
fi
exit "$failed"
