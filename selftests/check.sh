#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The one test command (make check), on the host: install what is missing,
# build the module for every kernel and the tool, run the tool's unit tests,
# the feed parser on the real feeds, static checks (W=1, sparse,
# checkpatch, spec), build with the real dkms, the install paths and the
# Debian packages (selftests/pkg/install_check.sh: a scratch root and two
# short VM boots), verify the systemd units,
# then boot each test kernel (selftests/vm/
# kernels.sh: Debian's 6.1 and 6.12) and run selftests/run_tests.sh in it,
# and the reboot test (selftests/reboot.sh: two more boots per kernel).
# Every "ok" / "not ok" / "ok ... # SKIP" line at the start of a line counts;
# a step or VM that fails without saying "not ok" counts as one failure.
# Ends with exactly one line: "N passed, N failed, N skipped".
# VMs get SMTPGUARD_VM_SMP vCPUs (default 1) and SMTPGUARD_VM_MEM MB (default
# 1536), and run in parallel only when there is a host core for every vCPU:
# oversubscribed TCG vCPUs slow down four-fold (lock holders preempted).
# SMTPGUARD_VM_PARALLEL=0/1 forces it.  One vCPU per kernel, both kernels at
# once, is the fastest on a 2-core machine: the tests are sequential, and a
# second vCPU only adds TCG's cross-CPU TLB flushes to every process start.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# tally, step, boot_failed, finish
# shellcheck source-path=SCRIPTDIR source=tally.sh
source selftests/tally.sh

if ! step deps selftests/vm/deps.sh; then
	tally deps "$tmp/deps.out"
	finish
fi
tally deps "$tmp/deps.out"
mapfile -t kernels < <(selftests/vm/kernels.sh)

step build make module-all tool
tally build "$tmp/build.out"

# The selftests' built helpers (sg_flood), into build/selftests/.
step helpers make -C selftests
tally "selftest helpers" "$tmp/helpers.out"

step unit-tests make -C tools check
tally "unit tests" "$tmp/unit-tests.out"

step unit-tests-asan make -C tools asan
tally "unit tests (ASan+UBSan)" "$tmp/unit-tests-asan.out"

# The man page (no warnings, every command of help) and bash completion.
step docs make -C tools check-docs
tally "man page and completion" "$tmp/docs.out"

# The feed parser against an independent count of the real feeds.
step feeds selftests/feed_check.sh tools/build/tests/feed-count
tally "real feeds" "$tmp/feeds.out"

# libFuzzer on the feed and address parsers, seeded from the real feeds.
step fuzz tools/fuzz/run.sh
tally "parser fuzzing" "$tmp/fuzz.out"

step static selftests/static_check.sh "${kernels[@]}"
tally "static checks" "$tmp/static.out"

step dkms selftests/dkms_build.sh "${kernels[@]}"
tally dkms "$tmp/dkms.out"

# make install, make deb, make dkms-install/dkms-remove, the kernel hook and
# the packages in a scratch root (an overlay of /), and the DKMS-installed
# module autoloaded and modprobed in a short VM boot per kernel.
step install selftests/pkg/install_check.sh "${kernels[@]}"
tally "install and packages" "$tmp/install.out"

# The systemd units, verified offline (systemd-analyze verify).
step systemd selftests/systemd_check.sh
tally "systemd units" "$tmp/systemd.out"

# VMs: each kernel's output buffered and printed in order.
vm() {
	local k=$1 out=$tmp/vm-$1.out rc=0
	selftests/vm/run.sh --kernel "$k" --smp "$smp" --mem "$mem" --timeout "$vm_timeout" -- selftests/run_tests.sh >"$out" 2>&1 || rc=$?
	# the tests' failures are already "not ok" lines
	if boot_failed "$k" "$out" "$rc"; then
		echo "not ok - kernel $k: VM run failed (status $rc, console in build/vm/$k.console.log)" >>"$out"
	fi
}
smp=${SMTPGUARD_VM_SMP:-1}
mem=${SMTPGUARD_VM_MEM:-1536}
# A whole suite takes about 5 minutes per kernel on an idle 2-core host
# under TCG, both kernels side by side; the scripts have their own timeouts
# (selftests/settings).
vm_timeout=${SMTPGUARD_VM_TIMEOUT:-2700}
parallel=${SMTPGUARD_VM_PARALLEL:-$(($(nproc) >= smp * ${#kernels[@]}))}
for k in "${kernels[@]}"; do
	if ((parallel)); then
		vm "$k" &
		pids+=($!)
	else
		vm "$k"
	fi
done
for k in "${kernels[@]}"; do
	if ((parallel)); then
		wait "${pids[0]}"
		pids=("${pids[@]:1}")
	fi
	echo "# === kernel $k"
	cat "$tmp/vm-$k.out"
	tally "kernel $k" "$tmp/vm-$k.out"
done

# Lifetimes (selftests/lifetime.sh: rmmod and namespace deletion under a
# flood, expiry racing namespace exit) need real concurrency: a boot with
# 2 vCPUs per kernel, one at a time.
for k in "${kernels[@]}"; do
	step "lifetime-$k" selftests/vm/run.sh --kernel "$k" --smp 2 --mem "$mem" \
		--timeout 1800 -- selftests/run_tests.sh lifetime.sh
	tally "lifetimes on $k (2 vCPUs)" "$tmp/lifetime-$k.out"
done

# The reboot test: per kernel, a boot that saves the configuration and a
# fresh boot that restores it with smtpguard.service's own command lines
# before any traffic; one VM at a time, about 30 s per boot.
step reboot selftests/reboot.sh "${kernels[@]}"
tally "reboot (restore at boot)" "$tmp/reboot.out"

finish
