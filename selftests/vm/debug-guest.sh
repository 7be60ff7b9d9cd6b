#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# In the debug kernel's guest (check-debug.sh boots it with run.sh):
#
#   debug-guest.sh -- COMMAND [ARGS...]
#
# Forgets what kmemleak suspects from boot, runs COMMAND (the selftest
# suite, or the canary), unloads smtpguard if it is still there, then asks
# every checker what it saw and prints one TAP line per checker:
#   KASAN, lockdep (still on: debug_locks), PROVE_RCU, DEBUG_ATOMIC_SLEEP,
#   debug objects, kmemleak (two scans), any other BUG/WARNING/Oops.
# Exit status: COMMAND's, or 1 if a checker reported anything.
set -uo pipefail

[[ ${1:-} == -- ]] && shift
# the kernel log marks (sg_klog_put_mark, sg_klog_after)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
kml=/sys/kernel/debug/kmemleak
[[ -d /sys/kernel/debug/tracing || -e $kml ]] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

if [[ -w $kml ]]; then
	# Boot-time suspects are the kernel's, before any of our code ran.
	echo clear >"$kml"
fi
sg_klog_put_mark mark
if [[ -z $mark ]]; then
	echo "not ok - no mark in the kernel log (/dev/kmsg): the run's reports cannot be told from boot's"
	exit 1
fi

rc=0
"$@" || rc=$?

if [[ -d /sys/module/smtpguard ]]; then
	rmmod smtpguard || echo "# debug-guest: rmmod smtpguard failed"
fi

log=$(mktemp)
# Only what the kernel said after the mark.
failed=0
if ! sg_klog_after "$mark" >"$log"; then
	# the ring buffer dropped the mark: what came before what is left is lost
	echo "not ok - the kernel log wrapped during the run: what came before the $(wc -l <"$log") lines left is lost (boot with a larger log_buf_len)"
	failed=1
fi

# report NAME REGEX WHAT [FILE]: one TAP line for the lines of the log
# (or FILE) matching REGEX.
reported_re='at lib/debugobjects.c'
report() {
	local name=$1 re=$2 what=$3 file=${4:-$log} n
	reported_re+="|$re"
	n=$(grep -cE "$re" "$file")
	if ((n == 0)); then
		echo "ok - $name: no $what"
	else
		echo "not ok - $name: $n $what"
		grep -nE -m3 "$re" "$file" | sed 's/^/#   /'
		failed=1
	fi
}

report KASAN 'BUG: KASAN:' "invalid accesses"
report PROVE_RCU 'WARNING: suspicious RCU usage' "suspicious RCU usages"
report DEBUG_ATOMIC_SLEEP 'BUG: sleeping function called from invalid context|BUG: scheduling while atomic' "sleeps in atomic context"
report DEBUG_OBJECTS 'ODEBUG:' "misused timers, work items or rcu heads"
lockdep_re='WARNING: (possible (circular|recursive) locking|inconsistent lock state|bad unlock balance|held lock freed|lock held when returning|Nested lock was not taken|possible irq lock inversion|HARDIRQ-safe -> HARDIRQ-unsafe|SOFTIRQ-safe -> SOFTIRQ-unsafe)|BUG: (held lock freed|key .* has not been registered|MAX_LOCKDEP)'
report lockdep "$lockdep_re" "locking problems"
report "soft lockups and RCU stalls" 'BUG: soft lockup|rcu_.* detected stalls? on CPU|rcu: INFO: .*self-detected stall' "CPUs held too long"
# Whatever else the kernel complained about; the lines the reports above
# matched are left out (and the WARN that debug objects print with theirs),
# so one bug is not counted twice.
other_re='BUG:|WARNING:|Oops|general protection fault|kernel BUG at|UBSAN:'
grep -E "$other_re" "$log" | grep -vE "$reported_re" >"$log.other"
report "other kernel reports" . "other BUG, WARNING, Oops or UBSAN lines" "$log.other"

dl=$(awk '/debug_locks:/ { print $2 }' /proc/lockdep_stats 2>/dev/null)
if [[ $dl == 1 ]]; then
	echo "ok - lockdep still validating at the end (debug_locks 1, $(awk '/lock-classes:/ { print $2 }' /proc/lockdep_stats) lock classes)"
else
	echo "not ok - lockdep switched itself off during the run (debug_locks '${dl:-?}')"
	failed=1
fi

if [[ ! -w $kml ]] || grep -q 'kmemleak: Kernel memory leak detector disabled' "$log"; then
	echo "not ok - kmemleak: not active ($kml not writable or disabled during the run)"
	failed=1
else
	# An object counts as a leak only once it is older than 5 s, no
	# pointer to it was found, and a scan before found the same content;
	# a scan cut short (the writer had a signal pending) reports nothing.
	# So at least two scans and up to four, until one reports.
	sleep 6
	scans=0 leaks=0
	while ((scans < 4)); do
		echo scan >"$kml"
		scans=$((scans + 1))
		leaks=$(grep -c '^unreferenced object' "$kml")
		((scans >= 2 && leaks > 0)) && break
		sleep 1
	done
	if ((leaks == 0)); then
		echo "ok - kmemleak: no unreferenced objects ($scans scans after the run)"
	else
		echo "not ok - kmemleak: $leaks unreferenced objects (scan $scans)"
		head -n 40 "$kml" | sed 's/^/#   /'
		failed=1
	fi
fi
rm -f "$log" "$log.other"
((rc == 0 && failed == 0)) || exit 1
exit 0
