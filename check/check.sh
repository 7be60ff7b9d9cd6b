#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The one test command (make check), on the host, as one KTAP stream
# (check/tally.sh): every step below is one top-level test, its output
# nested under it, timed ("# step NAME ... N s"), and the whole run ends
# with "N passed, N failed, N skipped", counting the leaves; a skip not on
# check/skips.allow counts as failed.
#
# The steps: install what is missing and choose the kernels (deps.sh
# refreshes apt's lists first), build the module for every kernel and the
# tool, the selftests' helpers and their kselftest install, the tool's
# unit tests (plain and ASan+UBSan), man page and completion, the feed
# parser on the real feeds, the VM fixtures (made once on the host), the
# parser fuzzers, static checks (W=1, sparse, checkpatch, spec, shellcheck),
# the blocklist's lookup tables compiled for userspace and checked,
# the real dkms, the install paths and Debian packages (scratch root and a
# short VM boot per kernel), the systemd units; then the VM suite
# (selftests/run_tests.sh) on every kernel side by side, the lifetimes
# (a 2-vCPU boot per kernel), the reboot test and the demo.
# VMs get SMTPGUARD_VM_SMP vCPUs (default 1) and SMTPGUARD_VM_MEM MB (default
# 1536), and run in parallel only when there is a host core for every vCPU:
# oversubscribed TCG vCPUs slow down four-fold (lock holders preempted).
# SMTPGUARD_VM_PARALLEL=0/1 forces it.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1

tmp=$(mktemp -d)
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	pkill -P $$ 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ktap_begin, ktap_plan, step, record, boot_failed, finish
# shellcheck source-path=SCRIPTDIR source=tally.sh
source check/tally.sh

feeds=${SG_BLOCKLISTS:-$root/../shared/data/blocklists}
smp=${SMTPGUARD_VM_SMP:-1}
mem=${SMTPGUARD_VM_MEM:-1536}
# The scripts have their own timeouts (selftests/settings).
vm_timeout=${SMTPGUARD_VM_TIMEOUT:-2700}
# Rounds of each lifetime race; check-debug runs lifetime.sh's default.
lifetime_rounds=${SMTPGUARD_LIFETIME_ROUNDS:-20}

ktap_begin
ktap_plan 20

step deps selftests/vm/deps.sh || finish

# The kernels to test: none is a failure, not an empty pass.  Each has
# every option of selftests/config (but nfnetlink_hook, which Debian's 6.1
# lacks: the one check that needs it skips there, check/skips.allow).
list_kernels()
{
	local k n=0 bad=0 opt cfg

	while read -r k; do
		echo "$k"
		n=$((n + 1))
		cfg=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}/kernels/$k/boot/config-$k
		while IFS='=' read -r opt _; do
			[[ $opt == CONFIG_NETFILTER_NETLINK_HOOK ]] && continue
			grep -qE "^$opt=(y|m)$" "$cfg" && continue
			echo "$k: $opt of selftests/config is not set in $cfg"
			bad=1
		done < <(grep -E '^CONFIG_' selftests/config)
	done < <(selftests/vm/kernels.sh)
	((n > 0)) || echo "selftests/vm/kernels.sh chose no kernel to test"
	((n > 0 && bad == 0))
}
step kernels list_kernels || finish
mapfile -t kernels < <(selftests/vm/kernels.sh)

step build make module-all tool
step helpers make -C selftests

# The selftests installed as kselftest installs them, complete.
selftests_install()
{
	local dir=$root/build/kselftest/smtpguard t missing=0

	rm -rf "$dir"
	make -s -C selftests install INSTALL_PATH="$dir" || return 1
	while read -r t; do
		[[ -x $dir/${t#smtpguard:} ]] || { echo "not installed: $t"; missing=1; }
	done <"$dir/kselftest-list.txt"
	if ! diff <(make -s --no-print-directory -C selftests list_tests) "$dir/kselftest-list.txt"; then
		echo "kselftest-list.txt differs from make list_tests"
		missing=1
	fi
	for t in lib.sh run_tests.sh settings config lifetime.sh sg_flood nl_fuzz; do
		[[ -e $dir/$t ]] || { echo "not installed: $t"; missing=1; }
	done
	echo "$(wc -l <"$dir/kselftest-list.txt") tests in $dir/kselftest-list.txt"
	((missing == 0))
}
step selftests-install selftests_install

step unit-tests make -C tools check
step unit-tests-asan make -C tools asan
# The man page (no warnings, every command of help) and bash completion.
step docs make -C tools check-docs
# The feed parser against an independent count of the real feeds.
step feeds check/feeds.sh tools/build/tests/feed-count
# What the VM tests would otherwise compute with Python under TCG.
step fixtures check/fixtures.sh "$feeds"
# libFuzzer on the feed and address parsers, seeded from the real feeds.
step fuzz tools/fuzz/run.sh
step static check/static.sh "${kernels[@]}"
# kmod/block_table.c compiled for userspace (bench/cache/): its lookups
# against a reference on small tables of every prefix length, in seconds.
step block-table make -s bench-cache-quick
step dkms check/dkms.sh "${kernels[@]}"
# make install, make deb, make dkms-install/dkms-remove, the kernel hook and
# the packages in a scratch root (an overlay of /), and the DKMS-installed
# module autoloaded and modprobed in a short VM boot per kernel.
step install check/pkg/install_check.sh "${kernels[@]}"
# The systemd units, verified offline (systemd-analyze verify).
step systemd check/systemd.sh

# vm_nest NAME: one nested KTAP test per kernel from $tmp/NAME-K.{out,rc}.
vm_nest()
{
	local name=$1 k n=0 rc fail=0

	echo "TAP version 13"
	echo "1..${#kernels[@]}"
	for k in "${kernels[@]}"; do
		n=$((n + 1))
		rc=$(<"$tmp/$name-$k.rc")
		sed 's/^/# /' "$tmp/$name-$k.out"
		if ((rc == 0)) && ! boot_failed "$k" "$tmp/$name-$k.out" "$rc"; then
			echo "ok $n $name on $k"
		else
			echo "not ok $n $name on $k # exit=$rc (console in build/vm/$k.console.log)"
			fail=1
		fi
	done
	((fail == 0))
}

# vm NAME KVER RUN.SH-ARGS...: one boot, its output and status kept.
vm()
{
	local name=$1 k=$2 rc=0

	shift 2
	selftests/vm/run.sh --kernel "$k" "$@" >"$tmp/$name-$k.out" 2>&1 || rc=$?
	echo "$rc" >"$tmp/$name-$k.rc"
}

# The suite on every kernel, side by side when there is a core for each.
suite()
{
	local k pids=() parallel

	parallel=${SMTPGUARD_VM_PARALLEL:-$(($(nproc) >= smp * ${#kernels[@]}))}
	for k in "${kernels[@]}"; do
		if ((parallel)); then
			vm suite "$k" --smp "$smp" --mem "$mem" --timeout "$vm_timeout" -- selftests/run_tests.sh &
			pids+=($!)
		else
			vm suite "$k" --smp "$smp" --mem "$mem" --timeout "$vm_timeout" -- selftests/run_tests.sh
		fi
	done
	((${#pids[@]} == 0)) || wait "${pids[@]}"
	vm_nest suite
}
step suite suite

# Lifetimes (selftests/lifetime.sh: rmmod and namespace deletion under a
# flood, expiry racing namespace exit) need real concurrency: a boot with
# 2 vCPUs per kernel, one at a time.
lifetimes()
{
	local k

	for k in "${kernels[@]}"; do
		SMTPGUARD_LIFETIME_ROUNDS=$lifetime_rounds vm lifetime "$k" --smp 2 --mem "$mem" \
			--timeout 1800 -- selftests/run_tests.sh lifetime.sh
	done
	vm_nest lifetime
}
step lifetime lifetimes

# The reboot test: per kernel, a boot that saves the configuration and a
# fresh boot that restores it with smtpguard.service's own command lines
# before any traffic; the kernels side by side.
step reboot check/reboot.sh "${kernels[@]}"

# make demo, as a newcomer runs it (its exit status says whether every
# step of the story came out as told).
step demo selftests/vm/run.sh --demo

finish
