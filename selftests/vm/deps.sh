#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build, the unit tests and the VM tests need, on a
# Debian 12 machine, idempotently: Debian packages (only the missing ones),
# the headers of both test kernels, both kernel images extracted into the
# cache (never installed on the host), the kernel source tree (checkpatch,
# kselftest headers, YNL client).  Cache: ${SMTPGUARD_CACHE:-~/.cache/smtpguard}.
# apt's lists are refreshed first, so that the kernels chosen are the newest
# Debian has (kernels.sh); kernel images no longer chosen leave the cache,
# linux-source-6.12 is upgraded when Debian has a newer one and re-extracted
# when the package moved.  SMTPGUARD_APT_UPDATE=0 skips the refresh (the
# lists at hand are used; an update that fails with lists present too).
# --debug-kernel: also what building the debug kernel needs (check-debug).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}
export DEBIAN_FRONTEND=noninteractive

say() { echo "deps: $*"; }

updated=
apt_update() {
	[[ -n $updated ]] && return 0
	say "apt-get update"
	apt-get update -qq
	updated=1
}

installed() { [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == "ii " ]]; }

debug_kernel=0
case ${1:-} in
'') ;;
--debug-kernel) debug_kernel=1 ;;
*)
	echo "deps.sh: unknown argument '$1' (the only one is --debug-kernel)" >&2
	exit 2
	;;
esac

if [[ $(id -u) -ne 0 ]]; then
	echo "deps.sh: must run as root (apt-get, dkms, qemu with 9p)" >&2
	exit 1
fi

if [[ ${SMTPGUARD_APT_UPDATE:-1} != 0 ]]; then
	say "apt-get update"
	if apt-get update -qq; then
		updated=1
	elif compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
		say "apt-get update failed: choosing from the lists at hand"
	else
		echo "deps.sh: apt-get update failed and there are no apt lists" >&2
		exit 1
	fi
fi
# Empty apt lists on a fresh machine: nothing can be resolved before an update.
kernels=$("$here/kernels.sh" 2>/dev/null) || { apt_update; kernels=$("$here/kernels.sh"); }
mapfile -t kvers <<<"$kernels"
say "kernels to test: ${kvers[*]}"

pkgs=(
	make build-essential pkg-config kmod dkms sparse cpio xz-utils jq clang cppcheck shellcheck
	systemd curl prometheus ansible-core
	debhelper dh-dkms dpkg-dev fakeroot lintian
	qemu-system-x86 busybox-static
	libmnl-dev libnl-genl-3-dev
	iproute2 iptables ipset nftables iputils-ping
	man-db groff-base bash-completion
	swaks libio-socket-inet6-perl python3 python3-aiosmtpd python3-yaml python3-jsonschema
	linux-source-6.12
)
for k in "${kvers[@]}"; do
	pkgs+=("linux-headers-$k")
done
[[ ${kvers[0]} == 6.1.0-* ]] && pkgs+=(linux-headers-amd64)
# selftests/vm/debug-kernel.sh checks for the same list
debug_kernel_pkgs=(flex bison bc libelf-dev libssl-dev)
((debug_kernel)) && pkgs+=("${debug_kernel_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
# The kernel source moves with the 6.12 kernels: take Debian's newest.
if installed linux-source-6.12; then
	have=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	cand=$(apt-cache policy linux-source-6.12 | sed -n 's/^ *Candidate: //p')
	if [[ -n $cand && $cand != "(none)" && $cand != "$have" ]]; then
		missing+=(linux-source-6.12)
	fi
fi
if ((${#missing[@]})); then
	apt_update
	say "installing ${missing[*]}"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	say "all ${#pkgs[@]} packages present"
fi

# Kernel images: downloaded and extracted into the cache, then depmod'ed
# there; run.sh boots them with -kernel and shares their modules.
mkdir -p "$cache/kernels"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Debian kernels cached for an earlier choice (the debug kernel stays).
for dst in "$cache"/kernels/*; do
	k=${dst##*/}
	[[ $k =~ ^6\.1\.0-[0-9]+-amd64$|^6\.12\.[0-9]+\+deb12-amd64$ ]] || continue
	[[ " ${kvers[*]} " == *" $k "* ]] && continue
	say "kernel $k no longer tested: removed from the cache"
	rm -rf "$dst"
done
for k in "${kvers[@]}"; do
	dst=$cache/kernels/$k
	if [[ -e $dst/.done ]]; then
		say "kernel $k in cache"
		continue
	fi
	say "downloading linux-image-$k"
	rm -rf "$dst" "$dst.tmp"
	# As root, apt warns that the download is unsandboxed: harmless.
	if ! (cd "$tmp" && apt-get download -qq "linux-image-$k" 2>/dev/null); then
		apt_update
		(cd "$tmp" && apt-get download -qq "linux-image-$k")
	fi
	deb=$(compgen -G "$tmp/linux-image-${k}_*.deb" | head -n1)
	dpkg-deb -x "$deb" "$dst.tmp"
	# Debian 12 ships modules in /lib/modules; be robust to /usr/lib/modules.
	if [[ ! -d $dst.tmp/lib/modules/$k && -d $dst.tmp/usr/lib/modules/$k ]]; then
		mkdir -p "$dst.tmp/lib"
		mv "$dst.tmp/usr/lib/modules" "$dst.tmp/lib/modules"
	fi
	depmod -b "$dst.tmp" -F "$dst.tmp/boot/System.map-$k" "$k"
	touch "$dst.tmp/.done"
	mv "$dst.tmp" "$dst"
	rm -f "$deb"
	say "kernel $k extracted to $dst"
done

src=$cache/linux-source-6.12
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
if [[ -e $src/Makefile && $(cat "$src/.smtpguard-version" 2>/dev/null) == "$srcver" ]]; then
	say "linux-source-6.12 $srcver in cache"
else
	say "extracting linux-source-6.12 $srcver to $src"
	rm -rf "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$src.tmp" --strip-components=1
	echo "$srcver" >"$src.tmp/.smtpguard-version"
	rm -rf "$src"
	mv "$src.tmp" "$src"
fi
