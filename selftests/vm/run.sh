#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one of Debian's kernels under QEMU (TCG) and run a command in it.
#
#   run.sh [--kernel KVER] [--smp N] [--mem MB] [--icount] [--timeout SECS]
#          [--systemd] [--demo | -- COMMAND [ARGS...]]
#
# Defaults: the first kernel of kernels.sh, 1 vCPU (SMTPGUARD_VM_SMP),
# 1536 MB (SMTPGUARD_VM_MEM), 1200 s.  SMTPGUARD_VM_APPEND adds to the
# kernel command line, SMTPGUARD_VM_MACHINE picks QEMU's machine type
# (default: QEMU's, pc).
#
# The guest sees the host's root read-only and the project directory
# writable at the same path (both over 9p, virtme style), the cached
# kernel's modules on /lib/modules, tmpfs on /run, /tmp, /var/tmp, /root.
# The command runs as root in the project directory with
#   PATH=<standard>:<project>/tools  SMTPGUARD_KVER=<kver>
#   SMTPGUARD_KO=<project>/build/<kver>/smtpguard.ko (unless the caller set it)
# and every other SMTPGUARD_* variable of the caller's environment (the
# selftests' knobs, e.g. SMTPGUARD_TEST_TIMEOUT, SMTPGUARD_SMTP_CLIENT).
# Its output is this script's output, live (second serial port); the kernel
# console goes to build/vm/<kver>.console.log, the guest's dmesg to
# build/vm/<kver>.dmesg.log.  Exit status: the command's; 1 if the kernel
# panicked, oopsed, warned or hit a BUG (printed), or if the guest died or
# did not power off within the timeout.  The guest has no network device.
#
# --systemd: systemd is PID 1, on a writable overlay (tmpfs) of the host's
# root, booting multi-user.target with the host's own services of that
# target masked and an empty fstab; the command runs as a unit ordered
# after multi-user.target.  Before systemd starts, SMTPGUARD_VM_SETUP, a
# command line, runs in the guest as root (to install units, files,
# modules that the boot must find).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
proj=$(cd "$here/../.." && pwd -P)
cache=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}

usage() {
	sed -n 's/^#   \{0,1\}//p' "${BASH_SOURCE[0]}" | sed -n '/^run.sh/,/^$/p' >&2
	exit 2
}

kver='' smp=${SMTPGUARD_VM_SMP:-1} mem=${SMTPGUARD_VM_MEM:-1536} icount='' timeout=1200 demo='' systemd=''
while (($#)); do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--demo) demo=1; shift ;;
	--systemd) systemd=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown option $1" >&2; usage ;;
	esac
done
if [[ -n $demo ]]; then
	if [[ ! -x $proj/selftests/vm/demo.sh ]]; then
		echo "run.sh: --demo needs selftests/vm/demo.sh, which does not exist (yet)" >&2
		exit 2
	fi
	set -- selftests/vm/demo.sh "$@"
fi
(($#)) || usage
[[ -n $kver ]] || kver=$("$here/kernels.sh" | head -n1)

kdir=$cache/kernels/$kver
vmlinuz=$kdir/boot/vmlinuz-$kver
if [[ ! -e $kdir/.done || ! -r $vmlinuz ]]; then
	echo "run.sh: kernel $kver is not in $cache/kernels: run selftests/vm/deps.sh" >&2
	exit 2
fi
for p in "$proj" "$cache"; do
	if [[ $p =~ [[:space:]] ]]; then
		echo "run.sh: '$p': paths with white space are not supported" >&2
		exit 2
	fi
done
cache=$(cd "$cache" && pwd -P)
kdir=$cache/kernels/$kver

logdir=$proj/build/vm
mkdir -p "$logdir"
rundir=$(mktemp -d "$logdir/run.XXXXXX")
qpid=
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf "$rundir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- initramfs: busybox + the modules that mount 9p, cached by content ----
busybox=/bin/busybox
if ! file_info=$(LC_ALL=C od -An -c -N4 "$busybox" 2>/dev/null) || [[ $file_info != *E*L*F* ]]; then
	echo "run.sh: $busybox missing (busybox-static): run selftests/vm/deps.sh" >&2
	exit 2
fi
# overlay: --systemd boots on a writable overlay of the host's root.
mapfile -t modpaths < <(modprobe -a -S "$kver" -d "$kdir" --show-depends virtio_pci 9pnet_virtio 9p overlay |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }')
if ((${#modpaths[@]} == 0)) && ! modprobe -S "$kver" -d "$kdir" --show-depends 9p | grep -q '^builtin'; then
	echo "run.sh: cannot resolve the 9p modules of $kver" >&2
	exit 1
fi
key=$({ echo "$kver"; sha256sum "$here/init" "$busybox" "${modpaths[@]}"; } | sha256sum | cut -c1-16)
initrd=$cache/initramfs/$kver-$key.cpio
if [[ ! -e $initrd ]]; then
	mkdir -p "$cache/initramfs"
	stage=$rundir/initramfs
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
	cp "$busybox" "$stage/bin/busybox"
	cp "$here/init" "$stage/init"
	chmod 0755 "$stage/init"
	for m in "${modpaths[@]}"; do
		b=$(basename "$m")
		case $m in
		*.ko.xz) xz -dc "$m" >"$stage/modules/${b%.xz}"; b=${b%.xz} ;;
		*.ko.zst) zstd -qdc "$m" >"$stage/modules/${b%.zst}"; b=${b%.zst} ;;
		*) cp "$m" "$stage/modules/$b" ;;
		esac
		echo "$b" >>"$stage/modules.order"
	done
	touch "$stage/modules.order"
	mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) >"$initrd.$$"
	mv "$initrd.$$" "$initrd"
	rm -rf "$stage"
fi

# --- the command, as a script in the shared run directory ----------------
{
	for v in "${!SMTPGUARD_@}"; do
		[[ $v =~ ^[A-Z0-9_]+$ ]] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$proj/tools"
	echo "export HOME=/root LANG=C.UTF-8 TERM=dumb"
	# a caller's SMTPGUARD_KO (check-mutants: a broken build) wins
	echo "export SMTPGUARD_KVER=$kver SMTPGUARD_KO=${SMTPGUARD_KO:-$proj/build/$kver/smtpguard.ko}"
	echo "export SMTPGUARD_CACHE=$cache SMTPGUARD_VM=1"
	echo "cd $proj || exit 1"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$rundir/cmd"
if [[ -n $systemd ]]; then
	{
		sed '/^exec /,$d' "$rundir/cmd"
		echo "${SMTPGUARD_VM_SETUP:-true}"
	} >"$rundir/setup"
fi

# --- boot ----------------------------------------------------------------
console=$rundir/console.log
# Under TCG the guest's TSC is the host's: constant and the same on every
# vCPU, yet the clocksource watchdog of a busy guest calls it unstable and
# falls back to the HPET, whose every read is an emulated MMIO access.
# (Not with --icount: the bench's instruction counts stay comparable.)
clock=
[[ -z $icount ]] && clock="clocksource=tsc tsc=reliable"
# shellcheck disable=SC2054 # commas belong to the QEMU options
qemu=(qemu-system-x86_64 -accel tcg -cpu max -smp "$smp" -m "$mem"
	-nographic -monitor none -nic none -no-reboot -vga none
	-serial "file:$console" -chardev stdio,id=out,signal=on -serial chardev:out
	-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=root,mount_tag=root
	-fsdev "local,id=proj,path=$proj,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=proj,mount_tag=proj
	-kernel "$vmlinuz" -initrd "$initrd"
	-append "console=ttyS0 loglevel=${SMTPGUARD_VM_LOGLEVEL:-5} panic=-1 oops=panic rdinit=/init mitigations=off random.trust_cpu=on slab_nomerge smtpguard.proj=$proj smtpguard.cache=$cache smtpguard.modules=$kdir/lib/modules smtpguard.run=$rundir ${systemd:+smtpguard.init=systemd} ${clock:-} ${SMTPGUARD_VM_APPEND:-}")
[[ -e /usr/share/qemu/qboot.rom ]] && qemu+=(-bios /usr/share/qemu/qboot.rom)
[[ -n ${SMTPGUARD_VM_MACHINE:-} ]] && qemu+=(-machine "$SMTPGUARD_VM_MACHINE")
# shellcheck disable=SC2054
[[ -n $icount ]] && qemu+=(-icount shift=0,align=off,sleep=off)

t0=$(date +%s.%N)
timeout -k 10 "$timeout" "${qemu[@]}" </dev/null &
qpid=$!
qrc=0
wait "$qpid" || qrc=$?
qpid=
t1=$(date +%s.%N)

cp "$console" "$logdir/$kver.console.log"
[[ -e $rundir/dmesg ]] && cp "$rundir/dmesg" "$logdir/$kver.dmesg.log"

rc=0
fail() { echo "run.sh: $kver: $*" >&2; rc=1; }

if ((qrc == 124 || qrc == 137)); then
	fail "the guest did not finish within ${timeout}s and was killed (console: build/vm/$kver.console.log)"
elif ((qrc != 0)); then
	fail "qemu exited with status $qrc"
fi

# Kernel trouble, from the console (escape sequences and CRs stripped) and
# from the taint flags: D (oops) 128, W (warning) 512, L (soft lockup) 16384,
# B (bad page) 32, M (machine check) 16.
# RCU stalls are only reported: an overloaded host (TCG vCPUs starved)
# produces them without any kernel bug.
bad_re='Kernel panic|Oops|BUG:|kernel BUG at|WARNING:|general protection fault|UBSAN:|KASAN:|blocked for more than [0-9]+ seconds|Call Trace:'
if stalls=$(grep -E 'rcu: INFO: .*detected stall' "$console"); then
	echo "# run.sh: note: $kver reported an RCU stall (host overloaded?):" >&2
	echo "$stalls" | head -n 3 >&2
fi
mapfile -t bad < <(sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$console" | grep -nE "$bad_re" || true)
if ((${#bad[@]})); then
	first=${bad[0]%%:*}
	fail "kernel trouble in the guest console:"
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$console" |
		sed -n "$((first > 5 ? first - 5 : 1)),$((first + 60))p" >&2
fi
if [[ -r $rundir/tainted ]]; then
	taint=$(<"$rundir/tainted")
	if ((taint & (16 | 32 | 128 | 512 | 16384))); then
		fail "kernel tainted ($taint) by a warning/oops/lockup during the run"
		((${#bad[@]})) || grep -nE "$bad_re" -A40 "$rundir/dmesg" >&2 || true
	fi
fi

status=
[[ -r $rundir/status ]] && status=$(<"$rundir/status")
boot=
[[ -r $rundir/boot ]] && boot=$(<"$rundir/boot")
if [[ -z $status ]]; then
	fail "the guest ended without the command's exit status; last console lines:"
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r//g' "$console" | tail -n 20 >&2
	exit 1
fi
echo "# vm $kver: ${boot#smtpguard-vm: } boot, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s total, exit $status" >&2
((rc)) && exit 1
exit "$status"
