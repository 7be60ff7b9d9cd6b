#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion, driven as bash drives it: COMP_WORDS and COMP_CWORD
# in, COMPREPLY out.  Twice: with bash-completion's helpers loaded (as on a
# Debian machine) and with none (plain bash).  'ip' and 'smtpguardctl' are
# stubs on PATH: the namespaces and the feeds are made up.
#
#   test-completion.sh ../completion/smtpguardctl [BASH_COMPLETION]
#
# KTAP output; exit 1 if anything failed.
set -u

comp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
bc=${2:-/usr/share/bash-completion/bash_completion}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/files/lists"
cat >"$tmp/bin/ip" <<'EOF'
#!/bin/sh
[ "$1 $2" = "netns list" ] && printf 'office (id: 0)\nlab\n'
EOF
# "block feeds" answers; with -n lab, other feeds (the namespace is used).
cat >"$tmp/bin/smtpguardctl" <<'EOF'
#!/bin/sh
if [ "$1" = -n ]; then
	[ "$2" = lab ] && [ "$3 $4" = "block feeds" ] && printf 'labfeed 3\n'
	exit 0
fi
[ "$1 $2" = "block feeds" ] && printf 'drop 1699\nfeodo 5\nmanual 1\n'
[ "$1 $2" = "allow list" ] && printf '10.10.10.10\n2001:db8:10::10\n'
[ "$1 $2" = "except list" ] && printf '192.0.2.0/24\n'
[ "$1 $2" = "block list" ] &&
	printf '198.51.100.7 feeds manual hits 0 last_hit never expires never\n203.0.113.0/24 feeds drop hits 3 last_hit 2026-11-23 18:04:05 expires never\n'
exit 0
EOF
chmod +x "$tmp/bin/ip" "$tmp/bin/smtpguardctl"
touch "$tmp/files/feodo.ipset" "$tmp/files/drop.txt" "$tmp/files/smtpguard.conf"
printf '# the feeds\nfeed feodo url https://feodotracker.abuse.ch/downloads/ipblocklist.txt every 1h\nfeed office file /srv/office.txt\n' \
	>"$tmp/feeds.conf"
export SMTPGUARD_FEEDS_CONF=$tmp/feeds.conf

cat >"$tmp/driver.sh" <<'EOF'
# $1: "bc" to load bash-completion first, or "plain".  Reads cases from
# stdin: "WANT<TAB>LINE", LINE completed where it ends, at "|" (after a
# space: an empty word); WANT is the sorted COMPREPLY, space separated.
set -u
mode=$1 comp=$2 bc=$3
if [[ $mode == bc ]]; then
	# shellcheck disable=SC1090
	source "$bc" || { echo "Bail out! cannot source $bc"; exit 1; }
fi
# shellcheck disable=SC1090
source "$comp"
if [[ $mode == plain ]] && declare -F _init_completion >/dev/null; then
	echo "Bail out! plain run has bash-completion loaded"
	exit 1
fi
n=0 failed=0
while IFS=$'\t' read -r want line; do
	[[ -z $line || $want == '#'* ]] && continue
	# Split as the shell does; "|" is the cursor, after a space it is in
	# an empty word.
	read -r -a COMP_WORDS <<<"${line%|}"
	[[ $line == *' |' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=${line%|}
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_smtpguardctl smtpguardctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ')
	got=${got% }
	n=$((n + 1))
	if [[ $got == "$want" ]]; then
		echo "ok $n $mode: '$line' -> ${want:-nothing}"
	else
		echo "not ok $n $mode: '$line' -> ${want:-nothing}"
		echo "# got: ${got:-nothing}"
		failed=$((failed + 1))
	fi
done
echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
((failed == 0))
EOF

F=$tmp/files
cases=$(cat <<EOF
allow block except feeds help inside mode monitor offenders outside ports restore save stats	smtpguardctl |
block	smtpguardctl bl|
offenders	smtpguardctl off|
--batch --help --json --netns --pretty --version	smtpguardctl --|
--batch --help --json --netns --pretty --version -V -b -batch -h -j -n -p	smtpguardctl -|
$F/drop.txt $F/lists $F/feodo.ipset $F/smtpguard.conf	smtpguardctl -batch $F/|
$F/drop.txt $F/lists $F/feodo.ipset $F/smtpguard.conf	smtpguardctl -j -n lab -b $F/|
$F/drop.txt $F/lists $F/feodo.ipset $F/smtpguard.conf	smtpguardctl --batch $F/|
	smtpguardctl -batch $F/drop.txt |
	smtpguardctl -b - |
lab office	smtpguardctl -n |
office	smtpguardctl --netns of|
allow block except feeds help inside mode monitor offenders outside ports restore save stats	smtpguardctl -j -n lab |
add del delete flush help list none off show	smtpguardctl allow |
	smtpguardctl allow 10.10.10.10 |
add del delete feed feeds flush help list load show test	smtpguardctl block |
drop feodo manual	smtpguardctl block feed |
action direction	smtpguardctl block feed drop |
enforce monitor	smtpguardctl block feed drop action |
both in out	smtpguardctl block feed drop direction |
add del delete flush help list show	smtpguardctl except |
add del delete flush help list show	smtpguardctl outside |
--allow-wide --dry-run --feed --replace --skip-bad	smtpguardctl block load --|
10.10.10.10 2001:db8:10::10	smtpguardctl allow del |
2001:db8:10::10	smtpguardctl allow del 2|
192.0.2.0/24	smtpguardctl except delete |
198.51.100.7 203.0.113.0/24	smtpguardctl block del |
203.0.113.0/24	smtpguardctl block del 2|
203.0.113.0/24 feed	smtpguardctl block del 198.51.100.7 |
drop feodo manual	smtpguardctl block load --feed |
--feed=feodo	smtpguardctl block load --feed=fe|
labfeed	smtpguardctl -n lab block load --feed |
$F/feodo.ipset	smtpguardctl restore $F/fe|
$F/drop.txt $F/lists $F/feodo.ipset $F/smtpguard.conf	smtpguardctl block load --replace $F/|
feed	smtpguardctl block list |
drop feodo manual	smtpguardctl block list feed |
drop	smtpguardctl block flush feed d|
	smtpguardctl block list feed drop |
feed timeout	smtpguardctl block 203.0.113.7 |
feed timeout	smtpguardctl block add 2001:db8::1 |
feed timeout	smtpguardctl block add - |
	smtpguardctl block add |
timeout	smtpguardctl block 203.0.113.7 feed manual |
198.51.100.7 203.0.113.0/24 feed	smtpguardctl block del 203.0.113.7 |
feodo	smtpguardctl block 203.0.113.7 feed fe|
1d 1h 7d 12h 30m	smtpguardctl block 203.0.113.7 timeout |
	smtpguardctl block test |
help set show list	smtpguardctl ports |
enforce help monitor off set show	smtpguardctl mode |
enforce monitor off	smtpguardctl mode set |
	smtpguardctl mode enforce |
--format help reset show	smtpguardctl stats |
prometheus	smtpguardctl stats --format |
flush help list reason show	smtpguardctl offenders |
cnc smtp	smtpguardctl offenders reason |
cnc	smtpguardctl offenders flush reason c|
reason	smtpguardctl offenders flush |
	smtpguardctl offenders list reason cnc |
all config count events help	smtpguardctl monitor |
count	smtpguardctl monitor events |
all config events	smtpguardctl monitor count 5 |
	smtpguardctl monitor count |
	smtpguardctl monitor config count 3 |
$F/drop.txt $F/lists $F/feodo.ipset $F/smtpguard.conf	smtpguardctl restore $F/|
$F/drop.txt $F/lists $F/feodo.ipset $F/smtpguard.conf	smtpguardctl restore --dry-run $F/|
$F/drop.txt $F/lists $F/feodo.ipset $F/smtpguard.conf	smtpguardctl save -f $F/|
--allow-empty --dry-run	smtpguardctl restore --|
-f help	smtpguardctl save |
help list status update	smtpguardctl feeds |
feodo office	smtpguardctl feeds update |
office	smtpguardctl feeds update --force o|
--force	smtpguardctl feeds update -|
	smtpguardctl feeds status |
	smtpguardctl --version |
EOF
)
# compgen's order differs from sort's in places; the driver sorts, so must we.
sorted=$(while IFS=$'\t' read -r want line; do
	printf '%s\t%s\n' "$(tr ' ' '\n' <<<"$want" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//')" "$line"
done <<<"$cases")

echo "TAP version 13"
status=0
if [[ -r $bc ]]; then
	PATH=$tmp/bin:$PATH bash --norc --noprofile "$tmp/driver.sh" bc "$comp" "$bc" <<<"$sorted" |
		grep -v '^1\.\.' | sed 's/^# \([0-9]* passed\)/# with bash-completion: \1/' >"$tmp/bc.out"
	status=${PIPESTATUS[0]}
else
	echo "ok 1 with bash-completion # SKIP $bc missing (selftests/vm/deps.sh installs bash-completion)" >"$tmp/bc.out"
fi
PATH=$tmp/bin:$PATH bash --norc --noprofile "$tmp/driver.sh" plain "$comp" "$bc" <<<"$sorted" |
	grep -v '^1\.\.' | sed 's/^# \([0-9]* passed\)/# plain bash: \1/' >"$tmp/plain.out"
((PIPESTATUS[0] == 0)) || status=1
# One numbering for both runs.
cat "$tmp/bc.out" "$tmp/plain.out" | awk '
	/^(not )?ok [0-9]+ / { n++; sub(/ok [0-9]+ /, "ok " n " "); print; next }
	{ print }
	END { print "1.." n }'
exit "$status"
