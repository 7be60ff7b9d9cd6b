#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the module with the real dkms, as a user's "dkms install" would,
# for every test kernel, in a private tree: sources, dkms tree, signing key
# and temporary files all live in a temporary directory, so nothing lands
# in /usr/src, /var/lib/dkms or /lib/modules.  Prints KTAP.
#   check/dkms.sh [KVER...]     (default: selftests/vm/kernels.sh)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
if (($#)); then
	kvers=("$@")
else
	mapfile -t kvers < <(selftests/vm/kernels.sh)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src/smtpguard-$version
mkdir -p "$src" "$tmp/dkms" "$tmp/tmp"
cp -a Kbuild dkms.conf kmod include "$src/"

# The signing key dkms generates goes to the private tree too; these two
# are read from the environment unless /etc/dkms/framework.conf sets them.
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub TMPDIR=$tmp/tmp
dkms=(dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/src")

echo "TAP version 13"
echo "1..$((${#kvers[@]} + 2))"
n=1
had_system=$(compgen -G "/var/lib/dkms/smtpguard" "/usr/src/smtpguard-*" || true)

if "${dkms[@]}" add "smtpguard/$version" >"$tmp/add.log" 2>&1; then
	echo "ok $n dkms add smtpguard/$version"
else
	sed 's/^/# /' "$tmp/add.log"
	echo "not ok $n dkms add smtpguard/$version"
fi

for k in "${kvers[@]}"; do
	n=$((n + 1))
	if ! "${dkms[@]}" build "smtpguard/$version" -k "$k" >"$tmp/build.log" 2>&1; then
		sed 's/^/# /' "$tmp/build.log"
		log=$tmp/dkms/smtpguard/$version/build/make.log
		[[ -r $log ]] && tail -n 40 "$log" | sed 's/^/# make.log: /'
		echo "not ok $n dkms build for $k"
		continue
	fi
	ko=$(compgen -G "$tmp/dkms/smtpguard/$version/$k/*/module/smtpguard.ko*" | head -n1 || true)
	if [[ -n $ko ]] && modinfo -F vermagic "$ko" | grep -q "^$k "; then
		echo "ok $n dkms build for $k"
	else
		sed 's/^/# /' "$tmp/build.log"
		echo "not ok $n dkms build for $k: no smtpguard.ko for $k"
	fi
done

n=$((n + 1))
now_system=$(compgen -G "/var/lib/dkms/smtpguard" "/usr/src/smtpguard-*" || true)
if [[ $now_system == "$had_system" ]]; then
	echo "ok $n dkms left /usr/src and /var/lib/dkms alone"
else
	echo "not ok $n dkms wrote outside its private tree: $now_system"
fi
"${dkms[@]}" remove "smtpguard/$version" --all >/dev/null 2>&1 || true
