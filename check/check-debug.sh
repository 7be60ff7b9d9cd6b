#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the whole VM selftest suite, the netlink fuzzer among
# it, on the debug kernel (selftests/vm/debug-kernel.sh: KASAN, lockdep and
# PROVE_RCU, KMEMLEAK, DEBUG_ATOMIC_SLEEP, debug objects), failing on any
# report.  Not part of make check: the first kernel build alone takes about
# 15 minutes on 2 cores, and the suite under KASAN and lockdep runs several
# times slower than on Debian's kernels.
#
#   1. deps, the debug kernel (cached), smtpguard.ko and the canary for it,
#      the tool and the selftest helpers;
#   2. the canary boot: sg_canary.ko commits one bug per checker; every
#      checker must report it (else a clean run below would prove nothing);
#   3. the suite boot: debug-guest.sh -- run_tests.sh; every checker must
#      stay silent.
#
# Knobs: SMTPGUARD_VM_SMP (default 2 here: lockdep sees real concurrency),
# SMTPGUARD_VM_MEM (2048), SMTPGUARD_TEST_TIMEOUT (per script, 2700),
# SMTPGUARD_TIME_SCALE (5: the tests' time bounds, see lib.sh),
# SMTPGUARD_DEBUG_TIMEOUT (the suite boot, 14400 s), and the suite's own
# (SMTPGUARD_NLFUZZ_BAD/MIX...).  Arguments: test script names, to run only
# those.  Ends with "N passed, N failed, N skipped".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
cache=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}
kdir=$cache/debug-kernel/build

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ktap_begin, step, record, boot_failed, finish
# shellcheck source-path=SCRIPTDIR source=tally.sh
source check/tally.sh

# must NAME LABEL CMD...: a host step every later one needs; the end of
# the run if it fails.
must() {
	local name=$1
	shift 2
	step "$name" "$@" || finish
}

ktap_begin
t0=$SECONDS
must deps deps selftests/vm/deps.sh --debug-kernel
build_kernel() {
	selftests/vm/debug-kernel.sh >"$tmp/kver" && kver=$(tail -n1 "$tmp/kver") && [[ -n $kver ]]
}
kver=
# not through step's pipe: kver is set in this shell
t=$SECONDS
rc=0
build_kernel >"$tmp/kernel.out" 2>&1 || rc=$?
echo "debug kernel ${kver:-not built} (linux-source-6.12, selftests/vm/debug.config)" >>"$tmp/kernel.out"
record debug-kernel "$rc" $((SECONDS - t)) "$tmp/kernel.out"
[[ -n $kver ]] || finish

# smtpguard.ko where run.sh's SMTPGUARD_KO points
must module "smtpguard.ko for $kver (W=1)" make -s module-all KERNELS="$kver" MODULE_KDIR="$kdir"
build_canary() {
	local d=$root/build/canary-$kver
	mkdir -p "$d" && cp -a selftests/vm/canary/. "$d/" &&
		make -s -C "$kdir" M="$d" W=1 modules
}
must canary-module "sg_canary.ko for $kver" build_canary
must tool "tool and helpers" make -s tool
must helpers "selftest helpers" make -s -C selftests

# q35: the pc machine's DSDT builds its PCI routing table in an AML loop
# that takes over 30 s per device under KASAN and lockdep in TCG (ACPI
# aborts it: AE_AML_LOOP_TIMEOUT); q35's table is static.
export SMTPGUARD_VM_MACHINE=${SMTPGUARD_VM_MACHINE:-q35}
smp=${SMTPGUARD_VM_SMP:-2}
mem=${SMTPGUARD_VM_MEM:-2048}
export SMTPGUARD_TEST_TIMEOUT=${SMTPGUARD_TEST_TIMEOUT:-2700}
# lib.sh multiplies every "must be done within" bound by it (sg_bound):
# KASAN and lockdep make the guest about this many times slower.
export SMTPGUARD_TIME_SCALE=${SMTPGUARD_TIME_SCALE:-5}
# debug-guest.sh reads the whole run's reports from the ring buffer: 32 MiB
# holds hours of the suite; debug.config's 1 MiB may not (sec_stress.sh logs a lot).
export SMTPGUARD_VM_APPEND="log_buf_len=32M ${SMTPGUARD_VM_APPEND:-}"

# The canary: every checker must catch its bug, and run.sh must fail.
bugs=rcu,sleep,lockorder,timerfree,uaf,leak,warn,lockup
rc=0
t=$SECONDS
selftests/vm/run.sh --kernel "$kver" --smp "$smp" --mem "$mem" --timeout 900 -- \
	selftests/vm/debug-guest.sh -- \
	bash -c "insmod build/canary-$kver/sg_canary.ko bugs=$bugs 2>/dev/null; true" \
	>"$tmp/canary.out" 2>&1 || rc=$?
# The boot's own results are the canary's bugs being reported: kept as
# diagnostics; the canary's results are whether each checker spoke.
sed 's/^/# canary: /' "$tmp/canary.out" >"$tmp/canary.tap"
cn=0 cfail=0
canary() { # canary CHECKER WHAT
	cn=$((cn + 1))
	if grep -qE "^not ok - $1:" "$tmp/canary.out"; then
		echo "ok $cn canary: $1 reported $2"
	else
		echo "not ok $cn canary: $1 did not report $2"
		cfail=1
	fi >>"$tmp/canary.tap"
}
canary PROVE_RCU "rcu_dereference() outside a read-side section"
canary DEBUG_ATOMIC_SLEEP "might_sleep() under a spinlock"
canary lockdep "an A-B / B-A mutex order"
canary DEBUG_OBJECTS "an armed timer freed"
canary KASAN "a use after free"
canary kmemleak "dropped allocations"
canary "other kernel reports" "a plain WARN()"
canary "soft lockups and RCU stalls" "a CPU held for 26 s"
cn=$((cn + 1))
if ((rc != 0)) && grep -q "^run.sh: $kver: kernel trouble" "$tmp/canary.out"; then
	echo "ok $cn canary: run.sh failed the boot on the reports (status $rc)"
else
	echo "not ok $cn canary: run.sh did not fail the boot (status $rc)"
	cfail=1
fi >>"$tmp/canary.tap"
echo "1..$cn" >>"$tmp/canary.tap"
record canary "$cfail" $((SECONDS - t)) "$tmp/canary.tap"

# the suite with lifetime.sh, which needs the 2 vCPUs of this boot
suite() {
	local rc=0
	echo "$kver, $smp vCPUs, ${mem} MB"
	SMTPGUARD_WITH_LIFETIME=1 selftests/vm/run.sh --kernel "$kver" --smp "$smp" --mem "$mem" \
		--timeout "${SMTPGUARD_DEBUG_TIMEOUT:-14400}" -- \
		selftests/vm/debug-guest.sh -- selftests/run_tests.sh "$@" >"$tmp/suite.raw" 2>&1 || rc=$?
	cat "$tmp/suite.raw"
	if boot_failed "$kver" "$tmp/suite.raw" "$rc"; then
		echo "the suite's boot failed (status $rc, console in build/vm/$kver.console.log)"
	fi
	return "$rc"
}
step suite suite "$@"
echo "# check-debug: $kver, $smp vCPUs, $((SECONDS - t0)) s in all"
finish
