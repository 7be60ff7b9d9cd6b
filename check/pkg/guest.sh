#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of install_check.sh, in the VM (run.sh --kernel KVER --
# check/pkg/guest.sh MODS): MODS is what DKMS and its depmod wrote into
# /lib/modules/KVER of the scratch system on the host (updates/dkms/
# smtpguard.ko*, modules.dep, modules.alias, ...).  It goes over the booted
# kernel's own modules tree as /lib/modules/KVER, as on a machine where
# "make dkms-install" ran, and then:
#   - generic netlink autoload: smtpguard not loaded, the first
#     "smtpguardctl stats" loads it (MODULE_ALIAS_GENL_FAMILY);
#   - plain "modprobe smtpguard" loads the file DKMS installed.
# Prints KTAP.
set -uo pipefail

mods=${1:?usage: guest.sh MODS}
k=$(uname -r)
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $k: $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $k: $*"; }
loaded() { grep -q '^smtpguard ' /proc/modules; }
diag() { sed 's/^/# /'; }

echo "TAP version 13"
if [[ ! -d $mods/updates/dkms ]]; then
	nok "no DKMS install in $mods"
	exit 1
fi
# Read-only, two lower layers: what DKMS wrote on top of the kernel's tree.
if ! mount -t overlay -o "lowerdir=$mods:/lib/modules/$k" dkms "/lib/modules/$k"; then
	nok "cannot put $mods over /lib/modules/$k"
	exit 1
fi

path=$(modinfo -n smtpguard 2>&1)
case $path in
"/lib/modules/$k/updates/dkms/smtpguard.ko"*) ok "modinfo finds smtpguard at $path" ;;
*) nok "modinfo -n smtpguard: $path" ;;
esac
want=$(modinfo -F srcversion smtpguard 2>/dev/null)

if loaded; then
	nok "smtpguard is loaded before anything asked for it"
	rmmod smtpguard
else
	ok "lsmod: smtpguard not loaded after boot"
fi
if out=$(smtpguardctl stats 2>&1) && loaded; then
	ok "the first 'smtpguardctl stats' loaded smtpguard (genl family autoload)"
else
	diag <<<"$out"
	nok "'smtpguardctl stats' did not load smtpguard (autoload)"
fi
if [[ -n $want && $(cat /sys/module/smtpguard/srcversion 2>/dev/null) == "$want" ]]; then
	ok "the autoloaded module is the DKMS-installed file (srcversion $want)"
else
	nok "the autoloaded module is not the DKMS-installed file"
fi
rmmod smtpguard 2>/dev/null

if modprobe smtpguard && loaded &&
	[[ $(cat /sys/module/smtpguard/srcversion 2>/dev/null) == "$want" ]] &&
	[[ -r /proc/net/smtpguard ]]; then
	ok "modprobe smtpguard loads the DKMS-installed module (/proc/net/smtpguard there)"
else
	nok "modprobe smtpguard"
fi
if modprobe -r smtpguard && ! loaded; then
	ok "modprobe -r smtpguard"
else
	nok "modprobe -r smtpguard"
fi
umount "/lib/modules/$k"
((fails == 0))
