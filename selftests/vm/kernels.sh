#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel releases the VM tests run on, one per line, 6.1 first:
#   6.1:  the release linux-headers-amd64 (Debian 12's default kernel) pulls in
#   6.12: the newest linux-image-6.12.N+deb12-amd64 (generic flavour; -cloud
#         has no 9p, -rt/-dbg/-unsigned are not what users run)
# SMTPGUARD_KERNELS="kver1 kver2" overrides the choice.
# Needs apt lists (apt-get update); deps.sh takes care of that.
set -euo pipefail

if [[ -n ${SMTPGUARD_KERNELS:-} ]]; then
	tr -s ' ' '\n' <<<"$SMTPGUARD_KERNELS" | sed '/^$/d'
	exit 0
fi

k61=$(apt-cache depends linux-headers-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-headers-\(6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n1)
k612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
	awk '{ sub(/^linux-image-/, "", $1); print $1 }' | sort -V | tail -n1)

if [[ -z $k61 || -z $k612 ]]; then
	echo "kernels.sh: cannot find the 6.1/6.12 kernels in the apt lists (run apt-get update or selftests/vm/deps.sh)" >&2
	exit 1
fi
printf '%s\n' "$k61" "$k612"
