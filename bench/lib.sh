#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What bench/run.sh and bench/run-updates.sh share on the host: which
# kernels to boot, and a private copy of the module and the tool for
# each, with the revision they were built from.  Sourced; $proj is the
# project's top directory, and BENCH_* are read by the sourcing script.
# shellcheck disable=SC2154,SC2034

# bench_kernels BOTH KVER: the kernels to run, one a line: every test
# kernel with BOTH, else KVER, else the newest 6.12 one.
bench_kernels()
{
	local k

	if [[ -n $1 ]]; then
		"$proj/selftests/vm/kernels.sh"
	elif [[ -n $2 ]]; then
		echo "$2"
	else
		k=$("$proj/selftests/vm/kernels.sh" | grep '^6\.12\.' | tail -n1)
		[[ -n $k ]] || k=$("$proj/selftests/vm/kernels.sh" | tail -n1)
		echo "$k"
	fi
}

# bench_snapshot KVER DIR: the module built for KVER and tools/smtpguardctl
# copied into DIR, so that a rebuild during a run of many minutes cannot
# mix versions; sets BENCH_REV (the source revision, marked when kmod/,
# include/ or tools/ have uncommitted changes) and BENCH_SRCVER (the
# module's srcversion).  Fails, saying what is missing, without them.
bench_snapshot()
{
	local ko=$proj/build/$1/smtpguard.ko

	if [[ ! -f $ko || ! -x $proj/tools/smtpguardctl ]]; then
		echo "bench: $ko or tools/smtpguardctl missing: run 'make module-all tool'" >&2
		return 2
	fi
	mkdir -p "$2"
	cp "$ko" "$2/smtpguard.ko"
	cp "$proj/tools/smtpguardctl" "$2/smtpguardctl"
	BENCH_REV=$(git -C "$proj" rev-parse --short HEAD 2>/dev/null || echo unknown)
	[[ -z $(git -C "$proj" status --porcelain -- kmod include tools 2>/dev/null) ]] ||
		BENCH_REV="$BENCH_REV+uncommitted changes"
	BENCH_SRCVER=$(modinfo -F srcversion "$2/smtpguard.ko" 2>/dev/null || echo unknown)
}
