#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side static checks, one KTAP line each: the module builds with W=1
# and without a single warning for every test kernel, sparse (C=2) reports
# nothing in our files, checkpatch --strict is clean, the YNL spec
# matches the UAPI header, cppcheck finds nothing in the userspace C, and
# nor does shellcheck in the shell scripts.
#
# usage: check/static.sh KVER...
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}
ksrc=$cache/linux-source-6.12
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
result() { # result OK DESC [DETAILS_FILE]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
		[ -n "${3:-}" ] && sed 's/^/#   /' "$3" | head -n 40
	fi
}

# A private copy per kernel and tool, so that the object files never mix.
build_copy() { # build_copy DIR KVER MAKEFLAGS...
	local dir=$1 kver=$2
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$root/Kbuild" "$root/kmod" "$root/include" "$dir/"
	make -C "/lib/modules/$kver/build" M="$dir" "$@" modules >"$dir.log" 2>&1
}

# One build per kernel serves both: gcc with W=1 (its warnings carry their
# [-W...] option) and sparse (C=2, its reports do not).
for k in "$@"; do
	build_copy "$tmp/b-$k" "$k" W=1 C=2
	rc=$?
	grep -E 'warning:|error:' "$tmp/b-$k.log" | grep -E '\[-W' >"$tmp/w1-$k.warn"
	[ "$rc" = 0 ] && [ ! -s "$tmp/w1-$k.warn" ]
	result $? "static: module builds with W=1 without warnings on $k" "$tmp/w1-$k.warn"

	# No two files of kmod/ call each other, through any chain.
	/usr/bin/python3 "$root/check/kmod_layers.py" "$tmp/b-$k/kmod" >"$tmp/layers-$k.out" 2>&1
	result $? "static: kmod/ has no dependency circle (nm of the $k objects)" "$tmp/layers-$k.out"

	# Only our own sources: kernel headers have their own sparse noise.
	grep -E '^[^ ]*kmod/.*(warning|error):' "$tmp/b-$k.log" | grep -vE '\[-W' >"$tmp/sparse-$k.warn"
	[ "$rc" = 0 ] && [ ! -s "$tmp/sparse-$k.warn" ]
	result $? "static: sparse (C=2) clean on $k" "$tmp/sparse-$k.warn"
done

# No writer waits for a grace period: the namespace's lock is held by
# every configuration change, and an unprivileged user namespace can send
# them.  Waits are allowed only where the module goes (*_module_exit).
awk '/^[a-z_].*[a-z0-9_]+\(/ { fn = $0; sub(/\(.*/, "", fn); sub(/.* \**/, "", fn) }
	/synchronize_(rcu|net|rcu_expedited)\(|rcu_barrier\(/ && fn !~ /_module_exit$/ {
		print FILENAME ":" FNR ": " fn ": " $0 }' "$root"/kmod/*.c >"$tmp/grace.out"
[ ! -s "$tmp/grace.out" ]
result $? "static: no grace-period wait outside module exit (kmod/*.c)" "$tmp/grace.out"

# DKMS names the package after dkms.conf; modinfo shows the module's own.
dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$root/dkms.conf")
module_version=$(sed -n 's/^#define SMTPGUARD_VERSION[[:space:]]*"\(.*\)"/\1/p' "$root/kmod/version.h")
[ -n "$dkms_version" ] && [ "$dkms_version" = "$module_version" ]
result $? "static: dkms.conf version ($dkms_version) equals the module's ($module_version)"

if [ -x "$ksrc/scripts/checkpatch.pl" ]; then
	(cd "$root" && "$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types -f kmod/*.c kmod/*.h) >"$tmp/checkpatch" 2>&1
	grep -E '(ERROR|WARNING|CHECK):' "$tmp/checkpatch" >"$tmp/checkpatch.warn"
	[ ! -s "$tmp/checkpatch.warn" ]
	result $? "static: checkpatch --strict clean for kmod/" "$tmp/checkpatch.warn"

	# Its own numbering: the counters only look at ok / not ok.
	/usr/bin/python3 "$root/check/spec_check.py" "$ksrc" | grep -E '^(not )?ok'
	[ "${PIPESTATUS[0]}" = 0 ] || failed=1
else
	n=$((n + 1))
	echo "ok $n static: checkpatch and spec check # SKIP linux-source-6.12 not extracted in $cache"
fi

# The userspace C (tool, its tests and fuzz targets, the selftests'
# helpers): cppcheck's warning, performance and portability checks.
if command -v cppcheck >/dev/null; then
	(cd "$root/tools" && cppcheck --enable=warning,performance,portability \
		--std=c11 --inline-suppr --error-exitcode=1 -q -I. \
		-I../include/uapi -D_GNU_SOURCE -DSMTPGUARD_VERSION='"0"' \
		./*.c tests/*.c fuzz/*.c ../selftests/*.c) >"$tmp/cppcheck" 2>&1
	result $? "static: cppcheck clean for tools/ and the selftests' C helpers" "$tmp/cppcheck"
else
	n=$((n + 1))
	echo "ok $n static: cppcheck # SKIP cppcheck is not installed"
fi

# Every shell script (and the bash completion): shellcheck's warnings.
if command -v shellcheck >/dev/null; then
	(cd "$root" && shellcheck -x -S warning .ci/run bench/*.sh selftests/*.sh \
		check/*.sh check/pkg/*.sh check/mutants/*.sh selftests/vm/*.sh tools/fuzz/*.sh tools/tests/*.sh &&
		shellcheck -s bash -S warning completion/smtpguardctl) >"$tmp/shellcheck" 2>&1
	result $? "static: shellcheck clean for every shell script" "$tmp/shellcheck"
else
	n=$((n + 1))
	echo "ok $n static: shellcheck # SKIP shellcheck is not installed"
fi

exit "$failed"
