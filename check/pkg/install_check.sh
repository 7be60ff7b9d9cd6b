#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The install paths of the README, run for real on the host (check.sh's
# "install" step), as root, in a scratch system: an overlay of the host's
# root (writes go to build/pkgtest/, the host's /usr/src, /var/lib/dkms,
# /lib/modules and dpkg database are never touched) entered with chroot.
# Prints KTAP.
#
#   install_check.sh [KVER...]      (default: selftests/vm/kernels.sh)
#
# 1. make install DESTDIR=... PREFIX=/usr and PREFIX=/usr/local: exactly
#    the expected files, the binary runs.
# 2. make deb (DEB_BUILD_OPTIONS=nocheck: the unit tests are a step of
#    their own): two .deb files; their contents (dpkg-deb -c) and control;
#    lintian --pedantic reports no error and no warning.
# 3. In the scratch system, each test kernel "installed" (its modules tree
#    from the cache on /lib/modules/KVER, its System.map in /boot, the
#    headers are the host's): "make dkms-install KERNELRELEASE=<first>" as
#    the README says; for the other kernels what a kernel upgrade runs,
#    /etc/kernel/postinst.d/dkms KVER (dkms autoinstall, AUTOINSTALL=yes);
#    a second make dkms-install rebuilds.  Then each kernel boots in the VM
#    with that /lib/modules/KVER (the cached kernel's modules plus what DKMS
#    installed and depmod wrote, nothing else) and check/pkg/guest.sh
#    checks generic netlink autoload by the first smtpguardctl call and
#    plain "modprobe smtpguard".  make dkms-remove leaves no trace.
# 4. In the same scratch system: apt-get install ./build/deb/*.deb (real
#    maintainer scripts: dh-dkms's postinst registers the module), the
#    installed smtpguardctl runs, its units are enabled, the postinst (or
#    else dkms install) built /usr/src/smtpguard-VERSION for the first test
#    kernel, apt-get purge removes every file again.
#
# VM boots go through run.sh; SMTPGUARD_VM_WRAPPER is put in front of it
# (e.g. a slot lock).  SMTPGUARD_VM_PARALLEL as in check.sh.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$root" || exit 1
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
if (($#)); then
	kvers=("$@")
else
	mapfile -t kvers < <(selftests/vm/kernels.sh)
fi
cache=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
# check DESC CMD...: ok when CMD succeeds.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
# show FILE [N]: the end of a log as TAP diagnostics; diag: stdin as such.
show() { [[ -r $1 ]] && tail -n "${2:-30}" "$1" | sed 's/^/# /'; }
diag() { sed "s/^/# ${1:-}/"; }

echo "TAP version 13"
if (($(id -u) != 0)); then
	echo "1..0 # SKIP needs root (chroot, overlay mounts)"
	exit 4
fi

work=${SMTPGUARD_PKGTEST_DIR:-$root/build/pkgtest}
R=$work/root
umount_all() {
	local m
	# Deepest first; lazily if busy.
	awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
		done
}
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	umount_all
	# Never delete through a mount that is still there (/dev, the project).
	if awk -v w="$work/" 'index($5, w) == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		echo "# install_check.sh: mounts left under $work, not deleted" >&2
	else
		rm -rf --one-file-system "$work"
	fi
}
cleanup
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$work"/{upper,ovl,root,log}

host_state() {
	ls -a /usr/src /var/lib/dkms 2>/dev/null
	find /lib/modules/ -name 'smtpguard*' 2>/dev/null
	dpkg-query -W 'smtpguard*' 2>/dev/null
	md5sum /lib/modules/*/modules.dep 2>/dev/null
}
host_before=$(host_state)

# --- 1. make install ---------------------------------------------------------
expect_install() { # PREFIX UNITDIR -> the expected file list
	local p=$1 u=$2 f
	echo "$p/sbin/smtpguardctl"
	for f in doc/*.8; do [[ -e $f ]] && echo "$p/share/man/man8/${f##*/}"; done
	[[ -e completion/smtpguardctl ]] && echo "$p/share/bash-completion/completions/smtpguardctl"
	for f in systemd/*.service systemd/*.timer; do [[ -e $f ]] && echo "$u/${f##*/}"; done
}
for pfx in /usr /usr/local; do
	d=$work/destdir$((${#pfx}))
	unitdir=$pfx/lib/systemd/system
	[[ $pfx == /usr ]] && unitdir=/lib/systemd/system
	if ! make -s install DESTDIR="$d" PREFIX="$pfx" >"$work/log/install.log" 2>&1; then
		show "$work/log/install.log"
		nok "make install DESTDIR=\$tmp PREFIX=$pfx"
		continue
	fi
	got=$(cd "$d" && find . -type f -printf '/%P\n' | sort)
	want=$(expect_install "$pfx" "$unitdir" | sort)
	if [[ $got == "$want" ]]; then
		ok "make install PREFIX=$pfx lays out exactly: ${want//$'\n'/ }"
	else
		diff <(echo "$want") <(echo "$got") | diag
		nok "make install PREFIX=$pfx: unexpected file list"
	fi
	check "installed $pfx/sbin/smtpguardctl --version says $version" \
		grep -qw -- "$version" <("$d$pfx/sbin/smtpguardctl" --version 2>&1)
	if [[ -e systemd ]] && compgen -G "$d$unitdir/*" >/dev/null; then
		# every command line that runs the tool names it by its path
		execs=$(grep -h '^Exec[A-Za-z]*=.*smtpguardctl' "$d$unitdir"/*)
		others=$(grep -v "^Exec[A-Za-z]*=$pfx/sbin/smtpguardctl " <<<"$execs")
		if [[ -n $execs && -z $others ]]; then
			ok "units installed with PREFIX=$pfx run $pfx/sbin/smtpguardctl ($(grep -c . <<<"$execs") command lines)"
		else
			printf '%s\n' "${others:-no Exec line runs smtpguardctl}" | diag
			nok "units installed with PREFIX=$pfx: a command line that does not run $pfx/sbin/smtpguardctl"
		fi
	fi
done

# --- 2. make deb -------------------------------------------------------------
debs_ok=
# The tool's unit tests are check.sh's own step: not again in the package build.
if DEB_BUILD_OPTIONS=nocheck make deb >"$work/log/deb.log" 2>&1; then
	mapfile -t debs < <(cd build/deb && ls -1 ./*.deb)
	if [[ ${debs[*]} == "./smtpguard-dkms_${version}_all.deb ./smtpguard-tools_${version}_$(dpkg --print-architecture).deb" ]]; then
		ok "make deb: build/deb/ holds smtpguard-dkms and smtpguard-tools $version"
		debs_ok=1
	else
		nok "make deb: unexpected files in build/deb: ${debs[*]}"
	fi
else
	show "$work/log/deb.log" 40
	nok "make deb failed"
fi
if [[ -n $debs_ok ]]; then
	dd=build/deb/smtpguard-dkms_${version}_all.deb
	td=build/deb/smtpguard-tools_${version}_$(dpkg --print-architecture).deb
	dc=$(dpkg-deb -c "$dd" | awk '{ print $NF }')
	tc=$(dpkg-deb -c "$td" | awk '{ print $NF }')
	want=(dkms.conf Kbuild include/uapi/linux/smtpguard.h)
	for f in kmod/*.c kmod/*.h; do want+=("$f"); done
	miss=()
	for f in "${want[@]}"; do
		grep -qx "./usr/src/smtpguard-$version/$f" <<<"$dc" || miss+=("$f")
	done
	if ((${#miss[@]} == 0)) && ! grep -v -e '^./usr/src/' -e '^./usr/share/doc/' -e '^./$' -e '^./usr/$' -e '^./usr/share/$' <<<"$dc" | grep -q .; then
		ok "smtpguard-dkms holds /usr/src/smtpguard-$version (dkms.conf, Kbuild, kmod/, include/) and its docs only"
	else
		diag <<<"$dc"
		nok "smtpguard-dkms contents: missing ${miss[*]:-nothing}, or extra files"
	fi
	check "smtpguard-dkms ships the tree's dkms.conf unchanged" \
		cmp -s dkms.conf <(dpkg-deb --fsys-tarfile "$dd" | tar -xOf - "./usr/src/smtpguard-$version/dkms.conf")
	check "smtpguard-dkms depends on dkms and has dh-dkms's maintainer scripts" \
		bash -c "dpkg-deb -f '$dd' Depends | grep -q '\bdkms\b' &&
			dpkg-deb -I '$dd' postinst | grep -q 'common.postinst' &&
			dpkg-deb -I '$dd' prerm | grep -q 'dkms remove'"
	want=(./usr/sbin/smtpguardctl)
	for f in doc/*.8; do [[ -e $f ]] && want+=("./usr/share/man/man8/${f##*/}.gz"); done
	[[ -e completion/smtpguardctl ]] && want+=(./usr/share/bash-completion/completions/smtpguardctl)
	for f in systemd/*.service systemd/*.timer; do [[ -e $f ]] && want+=("./lib/systemd/system/${f##*/}"); done
	miss=()
	for f in "${want[@]}"; do grep -qx -- "$f" <<<"$tc" || miss+=("$f"); done
	if ((${#miss[@]} == 0)); then
		ok "smtpguard-tools holds ${want[*]}"
	else
		diag <<<"$tc"
		nok "smtpguard-tools lacks ${miss[*]}"
	fi
	check "smtpguard-tools depends on libmnl0" \
		bash -c "dpkg-deb -f '$td' Depends | grep -q libmnl0"
	check "smtpguard-tools ships example smtpguard.conf and feeds.conf under /usr/share/doc" \
		bash -c "grep -qx ./usr/share/doc/smtpguard-tools/examples/smtpguard.conf <<<'$tc' &&
			grep -qx ./usr/share/doc/smtpguard-tools/examples/feeds.conf <<<'$tc'"
	if command -v lintian >/dev/null; then
		lintian --pedantic --info --fail-on error,warning \
			build/deb/smtpguard_"${version}"_*.changes >"$work/log/lintian.log" 2>&1
		lrc=$?
		if ((lrc == 0)) && ! grep -qE '^[EW]: ' "$work/log/lintian.log"; then
			ok "lintian --pedantic: no error or warning for the packages"
		else
			show "$work/log/lintian.log" 40
			nok "lintian --pedantic: errors or warnings (exit $lrc)"
		fi
	else
		nok "lintian is not installed (selftests/vm/deps.sh installs it)"
	fi
fi

# --- the scratch system ------------------------------------------------------
if ! mount -t overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/ovl" scratch "$R" 2>"$work/log/mount.log"; then
	show "$work/log/mount.log"
	nok "overlay of / for the scratch system: cannot mount"
	echo "1..$n"
	exit 1
fi
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --bind /dev "$R/dev"
mount --make-private "$R/dev"
mount -t tmpfs tmpfs "$R/run"
# The project, read-only, at its own path (make runs from it).
mount --bind "$root" "$R$root"
mount -o remount,bind,ro "$R$root"
# in_root CMD: a login-like root shell in the scratch system.
in_root() {
	chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive bash -c "$1"
}

# Each test kernel installed as its linux-image package would: modules
# under /lib/modules/KVER (an overlay: the cached tree, the host's headers
# link; what DKMS and depmod write lands in build/pkgtest/mods/KVER, which
# the VM gets), System.map and config in /boot.
kok=()
for k in "${kvers[@]}"; do
	kd=$cache/kernels/$k
	if [[ ! -e $kd/.done || ! -e /lib/modules/$k/build ]]; then
		nok "kernel $k: not in $cache/kernels or no headers (run selftests/vm/deps.sh)"
		continue
	fi
	mkdir -p "$work/mods/$k" "$work/modswork/$k" "$R/lib/modules/$k"
	if ! mount -t overlay -o "lowerdir=$kd/lib/modules/$k:/lib/modules/$k,upperdir=$work/mods/$k,workdir=$work/modswork/$k" \
		"mods-$k" "$R/lib/modules/$k" 2>"$work/log/mount.log"; then
		show "$work/log/mount.log"
		nok "kernel $k: cannot mount its modules tree in the scratch system"
		continue
	fi
	cp -n "$kd/boot/System.map-$k" "$kd/boot/config-$k" "$R/boot/"
	kok+=("$k")
done

# --- 3. DKMS -----------------------------------------------------------------
installed_ko() { # KVER -> path of the DKMS-installed module in the scratch system
	compgen -G "$R/lib/modules/$1/updates/dkms/smtpguard.ko*" | head -n1
}
# dkms_ok KVER HOW: installed for KVER, by the right kernel, known to depmod.
dkms_ok() {
	local k=$1 how=$2 ko
	ko=$(installed_ko "$k")
	if [[ -z $ko ]]; then
		nok "$how: no smtpguard.ko in /lib/modules/$k/updates/dkms"
		return 1
	fi
	if ! grep -q ': installed' <<<"$(in_root "dkms status smtpguard/$version -k $k" 2>/dev/null)"; then
		in_root "dkms status" 2>&1 | diag
		nok "$how: dkms status does not say installed for $k"
		return 1
	fi
	if ! modinfo -F vermagic "$ko" 2>/dev/null | grep -q "^$k "; then
		nok "$how: $ko is not built for $k"
		return 1
	fi
	if ! grep -q '^updates/dkms/smtpguard.ko[^:]*:' "$R/lib/modules/$k/modules.dep" ||
		! grep -q 'genl-family-smtpguard\|family-smtpguard' "$R/lib/modules/$k/modules.alias"; then
		nok "$how: depmod did not index it for $k (modules.dep, modules.alias)"
		return 1
	fi
	ok "$how: /lib/modules/$k/${ko#"$R/lib/modules/$k/"}, dkms status installed, in modules.dep and modules.alias"
}

if ((${#kok[@]})); then
	k1=${kok[0]}
	if in_root "cd $root && make dkms-install KERNELRELEASE=$k1" >"$work/log/dkms-install.log" 2>&1; then
		dkms_ok "$k1" "make dkms-install KERNELRELEASE=$k1"
	else
		show "$work/log/dkms-install.log" 40
		nok "make dkms-install KERNELRELEASE=$k1 failed"
	fi
	check "the sources DKMS builds from are /usr/src/smtpguard-$version" \
		diff -r -q "$R/usr/src/smtpguard-$version/kmod" kmod
	for k in "${kok[@]:1}"; do
		# What linux-image-KVER's postinst runs when that kernel arrives.
		if in_root "/etc/kernel/postinst.d/dkms $k" >"$work/log/autoinstall.log" 2>&1; then
			dkms_ok "$k" "kernel upgrade to $k: /etc/kernel/postinst.d/dkms (dkms autoinstall)"
		else
			show "$work/log/autoinstall.log"
			nok "kernel upgrade to $k: /etc/kernel/postinst.d/dkms failed"
		fi
	done
	# Run again (after a git pull, same version): rebuilt from the tree.
	# to the nanosecond: a rebuild is a new file, even within a second
	before=$(stat -c %y "$(installed_ko "$k1")" 2>/dev/null)
	if in_root "cd $root && make dkms-install KERNELRELEASE=$k1" >"$work/log/dkms-again.log" 2>&1 &&
		[[ $(stat -c %y "$(installed_ko "$k1")" 2>/dev/null) != "$before" ]]; then
		ok "make dkms-install a second time rebuilds and reinstalls for $k1"
	else
		show "$work/log/dkms-again.log"
		nok "make dkms-install a second time failed or installed nothing new"
	fi
fi

# The VM: each kernel with /lib/modules/KVER = what DKMS left (lower) over
# the cached modules tree; guest.sh loads the module from there.
vm() {
	local k=$1
	# shellcheck disable=SC2086 # the wrapper may be a command with arguments
	${SMTPGUARD_VM_WRAPPER:-} selftests/vm/run.sh --kernel "$k" --timeout 600 -- \
		check/pkg/guest.sh "$work/mods/$k" >"$work/log/vm-$k.out" 2>&1
	echo $? >"$work/log/vm-$k.rc"
}
if ((${#kok[@]})); then
	parallel=${SMTPGUARD_VM_PARALLEL:-$(($(nproc) >= ${#kok[@]}))}
	pids=()
	for k in "${kok[@]}"; do
		if [[ -z $(installed_ko "$k") ]]; then
			nok "kernel $k: nothing installed by DKMS to boot with"
			continue
		fi
		if ((parallel)); then
			vm "$k" &
			pids+=($!)
		else
			vm "$k"
		fi
	done
	((${#pids[@]})) && wait "${pids[@]}"
	for k in "${kok[@]}"; do
		[[ -e $work/log/vm-$k.rc ]] || continue
		out=$work/log/vm-$k.out
		# The guest's result lines, renumbered into this plan.
		while IFS= read -r l; do
			case $l in
			"ok "*) ok "${l#ok }" ;;
			"not ok "*) nok "${l#not ok }" ;;
			"#"*) echo "$l" ;;
			esac
		done < <(sed -E 's/^(not ok|ok) +[0-9]* *-? */\1 /' "$out")
		rc=$(<"$work/log/vm-$k.rc")
		if ((rc != 0)) && ! grep -q '^not ok' "$out"; then
			grep -v '^\(not \)\{0,1\}ok ' "$out" | tail -n 20 | sed 's/^/# /'
			nok "kernel $k: VM run failed (status $rc)"
		fi
	done
fi

if ((${#kok[@]})); then
	if in_root "cd $root && make dkms-remove" >"$work/log/dkms-remove.log" 2>&1; then
		left=$(
			compgen -G "$R/usr/src/smtpguard-*"
			compgen -G "$R/var/lib/dkms/smtpguard"
			for k in "${kok[@]}"; do
				compgen -G "$R/lib/modules/$k/updates/dkms/smtpguard.ko*"
				grep -l smtpguard "$R/lib/modules/$k/modules.dep"
			done
		)
		if [[ -z $left ]]; then
			ok "make dkms-remove: no sources, no dkms tree, no module, not in modules.dep"
		else
			diag "left: " <<<"$left"
			nok "make dkms-remove left files behind"
		fi
	else
		show "$work/log/dkms-remove.log"
		nok "make dkms-remove failed"
	fi
fi

# --- 4. the packages in the scratch system ----------------------------------
if [[ -n $debs_ok && ${#kok[@]} -gt 0 ]]; then
	k1=${kok[0]}
	if in_root "cd $root && apt-get install -y --no-install-recommends ./build/deb/smtpguard-dkms_${version}_all.deb ./$td" \
		>"$work/log/apt.log" 2>&1 &&
		in_root "dpkg-query -W -f='\${Status}\n' smtpguard-dkms smtpguard-tools" | grep -c '^install ok installed$' | grep -qx 2; then
		ok "apt-get install ./build/deb/*.deb: both packages installed (maintainer scripts run)"
	else
		show "$work/log/apt.log"
		nok "apt-get install ./build/deb/*.deb failed"
	fi
	check "installed /usr/sbin/smtpguardctl --version says $version" \
		bash -c "chroot '$R' /usr/sbin/smtpguardctl --version 2>&1 | grep -qw -- '$version'"
	if [[ -e doc/smtpguardctl.8 ]]; then
		check "man -w smtpguardctl finds the packaged man page" \
			bash -c "chroot '$R' man -w smtpguardctl 2>/dev/null | grep -qx /usr/share/man/man8/smtpguardctl.8.gz"
	fi
	# dh_installsystemd: each packaged unit with an [Install] section enabled.
	units=() missing=()
	for u in "$R"/lib/systemd/system/smtpguard*; do
		[[ -e $u ]] || continue
		# a template is enabled per instance, by the admin
		[[ ${u##*/} == *@.service ]] && continue
		units+=("${u##*/}")
		while read -r w; do
			[[ -L $R/etc/systemd/system/$w.wants/${u##*/} ]] || missing+=("$w.wants/${u##*/}")
		done < <(sed -n 's/^WantedBy=//p' "$u" | tr ' ' '\n' | sed '/^$/d')
	done
	if ((${#units[@]})); then
		if ((${#missing[@]} == 0)); then
			ok "the packaged units are enabled: ${units[*]}"
		else
			nok "packaged units not enabled: ${missing[*]}"
		fi
	fi
	st=$(in_root "dkms status smtpguard/$version" 2>/dev/null)
	if grep -q "^smtpguard/$version" <<<"$st"; then
		ok "the package's postinst registered smtpguard/$version with DKMS"
	else
		show "$work/log/apt.log"
		nok "dkms does not know smtpguard/$version after the package install"
	fi
	# Built by the postinst (every kernel with headers, on a first
	# install), else now as an admin would.
	by="the package's postinst"
	if [[ -z $(installed_ko "$k1") ]]; then
		by="dkms install"
		in_root "dkms install smtpguard/$version -k $k1" >"$work/log/deb-dkms.log" 2>&1 || show "$work/log/deb-dkms.log"
	fi
	dkms_ok "$k1" "smtpguard-dkms's /usr/src/smtpguard-$version built and installed by $by for $k1"
	# make dkms-install and dkms-remove keep their hands off the package's tree
	sum0=$(in_root "cd /usr/src/smtpguard-$version && find . -type f -exec md5sum {} + | sort" 2>/dev/null)
	for t in dkms-install dkms-remove; do
		out=$(in_root "cd $root && make $t" 2>&1)
		rc=$?
		if ((rc != 0)) && grep -q "/usr/src/smtpguard-$version belongs to the smtpguard-dkms package: use apt, not make $t" <<<"$out" &&
			[[ $(in_root "cd /usr/src/smtpguard-$version && find . -type f -exec md5sum {} + | sort" 2>/dev/null) == "$sum0" ]]; then
			ok "make $t refuses the package's /usr/src/smtpguard-$version, which stays as it was"
		else
			printf '%s\n' "$out" | tail -n 5 | diag
			nok "make $t with the package installed: exit $rc, or the package's tree changed"
		fi
	done
	if in_root "apt-get purge -y smtpguard-dkms smtpguard-tools" >"$work/log/purge.log" 2>&1; then
		left=$(
			compgen -G "$R/usr/src/smtpguard-*"
			compgen -G "$R/var/lib/dkms/smtpguard"
			compgen -G "$R/usr/sbin/smtpguardctl"
			compgen -G "$R/etc/smtpguard"
			find "$R/etc/systemd/system" -name 'smtpguard*' 2>/dev/null
			for k in "${kok[@]}"; do compgen -G "$R/lib/modules/$k/updates/dkms/smtpguard.ko*"; done
		)
		if [[ -z $left ]]; then
			ok "apt-get purge: module, dkms tree, sources, tool, /etc/smtpguard and the unit links gone"
		else
			diag "left: " <<<"$left"
			nok "apt-get purge left files behind"
		fi
	else
		show "$work/log/purge.log"
		nok "apt-get purge smtpguard-dkms smtpguard-tools failed"
	fi
fi

umount_all
if [[ $(host_state) == "$host_before" ]]; then
	ok "the host's /usr/src, /var/lib/dkms, /lib/modules and dpkg database are untouched"
else
	diff <(echo "$host_before") <(host_state) | diag
	nok "the host changed outside build/"
fi
echo "1..$n"
((fails == 0))
