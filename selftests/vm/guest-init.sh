#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stage 2 of the test VM: PID 1 on the host's root (read-only 9p).  Mounts
# the pseudo filesystems, runs the command run.sh left in the run directory
# with its output on the second serial port (ttyS1, run.sh's stdout), writes
# its exit status, the kernel log and the taint flags next to it, powers off.
#
# With smtpguard.init=systemd (run.sh --systemd) it prepares the boot
# instead (runs run.sh's setup command, writes the unit that will run the
# command, masks the host's own services of multi-user.target, empties
# fstab) and becomes systemd; that unit calls it again with --after-systemd
# to run the command, record its status and power off.
set -u

# run.sh's run directory, from the kernel command line (once /proc is up).
rundir=
find_rundir() {
	local w

	for w in $(</proc/cmdline); do
		case $w in smtpguard.run=*) rundir=${w#*=} ;; esac
	done
}

poweroff_now() {
	echo "smtpguard-vm: poweroff at $(cut -d" " -f1 /proc/uptime)s"
	sync
	echo o >/proc/sysrq-trigger
	# The power-off runs in a kernel worker and shuts the 9p transport
	# down before the machine: from here on nothing may be run from the
	# host's root (on a loaded host an external sleep failed with EIO,
	# PID 1 exited and the kernel panicked).  read is a builtin, and the
	# pipe it waits on is held open at both ends by this shell.
	while :; do
		read -r -t 60 <> <(:)
	done
}

# run_command: run.sh's command, its output on the second serial port
# (ttyS1, run.sh's stdout); its status, the kernel log and the taint
# flags next to it; then off.
run_command() {
	local out=/dev/ttyS1 rc

	stty -F "$out" raw -echo 2>/dev/null || out=/dev/console
	bash "$rundir/cmd" >"$out" 2>&1 </dev/null
	rc=$?
	echo "$rc" >"$rundir/status.tmp"
	dmesg >"$rundir/dmesg" 2>/dev/null
	cat /proc/sys/kernel/tainted >"$rundir/tainted"
	mv "$rundir/status.tmp" "$rundir/status"
	poweroff_now
}

if [[ ${1:-} == --after-systemd ]]; then
	find_rundir
	echo "smtpguard-vm: systemd up $(cut -d' ' -f1 /proc/uptime)s" >"$rundir/boot"
	run_command
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

find_rundir
if [[ -z $rundir || ! -r $rundir/cmd ]]; then
	echo "smtpguard-vm: no command (smtpguard.run=$rundir)"
	poweroff_now
fi

hostname smtpguard-vm
# The guest has no network: its own name in /etc/hosts and no nameserver,
# so that a lookup (swaks looks its hostname up for every message) is
# answered at once instead of timing out on the host's DNS server, which
# no namespace here can reach.
if [[ -w /run ]]; then
	{ cat /etc/hosts; echo "127.0.1.1 smtpguard-vm"; } >/run/hosts
	echo "# smtpguard test VM: no network, no DNS" >/run/resolv.conf
	mount --bind /run/hosts /etc/hosts
	mount --bind /run/resolv.conf /etc/resolv.conf
fi
ip link set lo up 2>/dev/null

if grep -qw smtpguard.init=systemd /proc/cmdline; then
	unitdir=/etc/systemd/system
	if ! bash "$rundir/setup" >"$rundir/setup.log" 2>&1; then
		echo "smtpguard-vm: the setup command failed:"
		cat "$rundir/setup.log"
		echo 1 >"$rundir/status"
		poweroff_now
	fi
	# Only what this test asks for: the host's own services (sshd, cron,
	# cloud-init...) masked, no fstab entries to wait for.
	for u in /etc/systemd/system/multi-user.target.wants/* /lib/systemd/system/multi-user.target.wants/*; do
		u=${u##*/}
		[[ $u == smtpguard* || $u == '*' ]] && continue
		ln -sf /dev/null "$unitdir/$u"
	done
	: >/etc/fstab
	cat >"$unitdir/smtpguard-vm-run.service" <<-EOF
		[Unit]
		Description=smtpguard test VM: the command of run.sh
		After=multi-user.target
		[Service]
		Type=oneshot
		ExecStart=/bin/bash ${BASH_SOURCE[0]} --after-systemd
	EOF
	mkdir -p "$unitdir/multi-user.target.wants"
	ln -sf "$unitdir/smtpguard-vm-run.service" "$unitdir/multi-user.target.wants/"
	echo "smtpguard-vm: systemd at $(cut -d' ' -f1 /proc/uptime)s"
	exec /lib/systemd/systemd --unit=multi-user.target
fi

echo "smtpguard-vm: up $(cut -d' ' -f1 /proc/uptime)s" >"$rundir/boot"
run_command
