#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (KASAN, lockdep with PROVE_RCU, KMEMLEAK,
# DEBUG_ATOMIC_SLEEP, debug objects) from Debian's linux-source-6.12, with
# selftests/vm/debug.config on top of allnoconfig, and put it in the cache
# where run.sh boots kernels from:
#
#   $SMTPGUARD_CACHE/debug-kernel/build     the O= build tree (KDIR for modules)
#   $SMTPGUARD_CACHE/kernels/<release>/     boot/vmlinuz-<release>, lib/modules
#
# Prints the release on its last line.  Rebuilds only when the config
# fragment, the kernel source or the compiler changed (the key in
# kernels/<release>/.key); a rebuild reuses the build tree's objects.
# A first build takes about 15 minutes on 2 cores.  Its packages come from
# selftests/vm/deps.sh --debug-kernel.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}
src=$cache/linux-source-6.12
bld=$cache/debug-kernel/build
frag=$here/debug.config
jobs=${SMTPGUARD_JOBS:-$(($(nproc) + 1))}

say() { echo "debug-kernel: $*" >&2; }

# What a kernel build needs beyond a module build (deps.sh installs it).
missing=()
for p in flex bison bc libelf-dev libssl-dev; do
	[[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == "ii " ]] || missing+=("$p")
done
if ((${#missing[@]})); then
	say "${missing[*]} missing: run selftests/vm/deps.sh --debug-kernel"
	exit 2
fi
if [[ ! -e $src/Makefile ]]; then
	say "$src is missing: run selftests/vm/deps.sh"
	exit 2
fi

key=$({
	dpkg-query -W -f='${Version}\n' linux-source-6.12
	make -s -C "$src" kernelversion
	gcc --version | head -n1
	cat "$frag"
} | sha256sum | cut -c1-16)

mkdir -p "$bld"
# allnoconfig with the fragment as the "all" values: everything not named
# (or selected by what is named) stays off, which keeps the build small.
KCONFIG_ALLCONFIG=$frag make -s -C "$src" O="$bld" allnoconfig >/dev/null
bad=0
while IFS= read -r line; do
	case $line in
	'' | '#'*' is not set') ;;
	'#'*) continue ;;
	esac
	[[ -z $line ]] && continue
	if ! grep -qxF -- "$line" "$bld/.config"; then
		say "debug.config asks for '$line', the kernel's Kconfig did not take it"
		bad=1
	fi
done <"$frag"
((bad == 0)) || exit 1

kver=$(make -s -C "$src" O="$bld" kernelrelease)
dst=$cache/kernels/$kver
if [[ -e $dst/.done && $(cat "$dst/.key" 2>/dev/null) == "$key" && -r $bld/Module.symvers ]]; then
	say "$kver in cache ($dst)"
	echo "$kver"
	exit 0
fi

say "building $kver in $bld with -j$jobs (log: $bld/build.log)"
t0=$SECONDS
if ! make -C "$src" O="$bld" -j"$jobs" bzImage modules >"$bld/build.log" 2>&1; then
	tail -n 30 "$bld/build.log" >&2
	say "the kernel build failed (log: $bld/build.log)"
	exit 1
fi
say "built in $((SECONDS - t0)) s"

rm -rf "$dst" "$dst.tmp"
mkdir -p "$dst.tmp/boot"
cp "$bld/arch/x86/boot/bzImage" "$dst.tmp/boot/vmlinuz-$kver"
cp "$bld/System.map" "$dst.tmp/boot/System.map-$kver"
cp "$bld/.config" "$dst.tmp/boot/config-$kver"
make -s -C "$src" O="$bld" INSTALL_MOD_PATH="$dst.tmp" modules_install >/dev/null
depmod -b "$dst.tmp" -F "$dst.tmp/boot/System.map-$kver" "$kver"
echo "$key" >"$dst.tmp/.key"
touch "$dst.tmp/.done"
mv "$dst.tmp" "$dst"
say "$kver installed in $dst"
echo "$kver"
