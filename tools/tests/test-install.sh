#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a scratch DESTDIR, for PREFIX=/usr/local and /usr:
# the tool, man page and completion where README says, and every Exec
# line of the installed units naming the installed tool by its full path
# (systemd would not find a bare smtpguardctl in /usr/local/sbin at boot);
# the example files of doc/examples parse.
# KTAP output; exit 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0
ok() {	# ok STATUS DESCRIPTION [DIAG]
	n=$((n + 1))
	if (($1 == 0)); then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
		[[ -n ${3:-} ]] && printf '# %s\n' "$3"
	fi
}

echo "TAP version 13"
for prefix in /usr/local /usr; do
	d=$tmp/${prefix//\//_}
	unitdir=$prefix/lib/systemd/system
	[[ $prefix == /usr ]] && unitdir=/lib/systemd/system
	make -s -C "$here" install DESTDIR="$d" PREFIX="$prefix" UNITDIR="$unitdir" >"$tmp/log" 2>&1
	ok $? "make install PREFIX=$prefix" "$(tail -n 3 "$tmp/log")"
	[[ -x $d$prefix/sbin/smtpguardctl && -f $d$prefix/share/man/man8/smtpguardctl.8 &&
		-f $d$prefix/share/bash-completion/completions/smtpguardctl ]]
	ok $? "PREFIX=$prefix: tool, man page and completion in place"
	units=("$d$unitdir"/*.service)
	bad=$(grep -h '^Exec' "${units[@]}" | grep -Ev '^Exec[A-Za-z]*=[+]?modprobe ' |
		grep -v "^Exec[A-Za-z]*=$prefix/sbin/smtpguardctl ")
	((${#units[@]} >= 2)) && [[ -z $bad ]]
	ok $? "PREFIX=$prefix: every Exec line of the units runs $prefix/sbin/smtpguardctl" "$bad"
done
# The examples shipped under /usr/share/doc parse as they stand.
ex=$here/../doc/examples
out=$("$here/smtpguardctl" restore --dry-run "$ex/smtpguard.conf" 2>&1)
rc=$?
((rc == 0)) && grep -q '^would restore ' <<<"$out"
ok $? "doc/examples/smtpguard.conf passes restore --dry-run" "$out"
out=$(SMTPGUARD_FEEDS_CONF=$ex/feeds.conf "$here/smtpguardctl" feeds status 2>&1)
rc=$?
# the file parses (the kernel may be missing here: exit 4 then, never 2)
((rc != 2)) && ! grep -q 'feeds.conf:[0-9]' <<<"$out"
ok $? "doc/examples/feeds.conf parses" "$out"
echo "1..$n"
exit $failed
