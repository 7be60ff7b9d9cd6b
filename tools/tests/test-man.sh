#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The man page against the tool, so that they cannot drift apart:
#
#   test-man.sh ./smtpguardctl ../doc/smtpguardctl.8 VERSION [README]
#
# - man(1) and groff format it without a single warning;
# - every command line that 'smtpguardctl help' lists (OBJECT, COMMAND and
#   each keyword or --option of it) has an entry in the man page whose tag
#   line holds the same words;
# - every option, file and variable of 'help' and every exit status appear
#   there, the exit statuses of 'help' are exactly those of enum sg_exit,
#   and the README names each of them;
# - .TH carries the version of dkms.conf, the one --version prints.
# KTAP output; exit 1 if anything failed.
set -uo pipefail

tool=${1:?usage: test-man.sh TOOL MANPAGE VERSION [README]}
page=${2:?}
version=${3:?}
readme=${4:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
header=$here/../smtpguardctl.h

n=0 failed=0
ok() {	# ok COND-STATUS DESCRIPTION [DIAG...]
	local st=$1 desc=$2
	shift 2
	n=$((n + 1))
	if ((st == 0)); then
		echo "ok $n $desc"
	else
		echo "not ok $n $desc"
		failed=$((failed + 1))
		local d
		for d in "$@"; do
			printf '# %s\n' "$d"
		done
	fi
}

echo "TAP version 13"

if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	echo "ok 1 man page checks # SKIP man or groff missing (selftests/vm/deps.sh installs man-db, groff-base)"
	echo "1..1"
	exit 0
fi

# 1. No warnings from man (as a reader sees it) nor from groff -ww.
w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 "$page" 2>&1 >/dev/null)
ok "$([[ -z $w ]]; echo $?)" "man --warnings -l -Tutf8: no warnings" "$w"
w=$(groff -man -ww -z "$page" 2>&1)
ok "$([[ -z $w ]]; echo $?)" "groff -man -ww -z: no warnings" "$w"

# The page as plain text, wide enough that no tag line wraps or hyphenates.
text=$(groff -man -Tascii -P-cbou -rLL=250n -rHY=0 "$page" 2>/dev/null |
       sed -e 's/^[[:space:]]*//')
help=$("$tool" help)
ok "$([[ -n $text && -n $help ]]; echo $?)" "the page renders and the tool prints its help"

# 2. Every command of help: a tag line in the page that starts with its
# object and holds each of its words (keywords, --options).
words() {	# the lowercase words and --options of a synopsis
	tr -s '[]|{}' ' ' <<<"$1" | tr ' ' '\n' |
		grep -E '^(-{1,2}[a-z][a-z-]*|[a-z][a-z-]*)$' || true
}
commands=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | grep -E '^  [a-z]' |
	   sed -E 's/^  //; s/ {2,}.*//')
objects=()
while IFS= read -r cmd; do
	mapfile -t ws < <(words "$cmd")
	obj=${ws[0]}
	[[ " ${objects[*]} " == *" $obj "* ]] || objects+=("$obj")
	missing=()
	found=0
	while IFS= read -r line; do
		lw=" $(words "$line" | tr '\n' ' ')"
		missing=()
		for x in "${ws[@]}"; do
			[[ $lw == *" $x "* ]] || missing+=("$x")
		done
		if ((${#missing[@]} == 0)); then
			found=1
			break
		fi
	done < <(grep -E "^$obj( |$)" <<<"$text")
	ok "$((found ? 0 : 1))" "help's '$cmd' has an entry in the man page" \
		"no line of the page starts with '$obj' and holds: ${ws[*]}"
done <<<"$commands"
ok "$(( ${#objects[@]} >= 8 ? 0 : 1 ))" "help lists ${#objects[@]} objects (${objects[*]})"

# The objects of the "missing object" message are the objects of help.
msg=$("$tool" 2>&1 >/dev/null)
for obj in "${objects[@]}"; do
	[[ $msg == *"$obj"* ]] || { bad_obj=$obj; break; }
done
ok "$([[ -z ${bad_obj:-} ]]; echo $?)" "the 'missing object' message names every object of help" "$msg"
listed=$(grep -E '^OBJECT :=' <<<"$text")
miss=()
for obj in "${objects[@]}"; do
	[[ " $listed " == *" $obj "* ]] || miss+=("$obj")
done
ok "${#miss[@]}" "the SYNOPSIS's OBJECT := lists every object" "missing: ${miss[*]}"

# 3. Options.
options=$(sed -n '/^Options/,/^$/p' <<<"$help" | grep -oE -- '(^|[ ,])-(-[a-z-]+|[a-zA-Z])\b' |
	  sed -E 's/^[ ,]//' | sort -u)
miss=()
for o in $options; do
	grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" <<<"$text" || miss+=("$o")
done
ok "$(( $(wc -w <<<"$options") >= 10 && ${#miss[@]} == 0 ? 0 : 1 ))" \
	"every option of help ($(tr "\n" " " <<<"$options")) is in the man page" "missing: ${miss[*]}"

# Files and environment variables that help names (if it has a Files:
# section): each in the man page.
files=$(sed -n '/^Files:/,/^$/p' <<<"$help" | grep -oE '(^|[ (;])(/[A-Za-z0-9_./-]+|\$[A-Z_]+)' |
	tr -d '$ (;' | sort -u)
miss=()
for f in $files; do
	grep -qF -- "$f" <<<"$text" || miss+=("$f")
done
ok "${#miss[@]}" "every file and variable of help's Files: ($(tr '\n' ' ' <<<"$files")) is in the man page" \
	"missing: ${miss[*]}"

# 4. Exit statuses: the header's enum, help, the man page, the README.
enum=$(sed -n '/^enum sg_exit/,/^};/p' "$header" | grep -oE '= *[0-9]+' | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
hcodes=$(sed -n '/^Exit status:/,/^$/p' <<<"$help" | grep -oE '^  [0-9]+' | tr -d ' ' | sort -n | tr '\n' ' ')
ok "$([[ -n $enum && $enum == "$hcodes" ]]; echo $?)" "help's exit statuses ($hcodes) are enum sg_exit's ($enum)"
mcodes=$(sed -n '/^EXIT STATUS/,/^[A-Z][A-Z ]*$/p' <<<"$text" | sed '1d;$d' |
	 grep -oE '^[0-9]+( |$)' | tr -d ' ' | sort -n | tr '\n' ' ')
ok "$([[ $mcodes == "$hcodes" ]]; echo $?)" "the man page's EXIT STATUS lists the same ($mcodes)"
if [[ -n $readme ]]; then
	# The paragraph that holds "Exit status:", from there on.
	para=$(awk -v RS= '/Exit status:/ { gsub(/\n/, " "); sub(/.*Exit status:/, "Exit status:"); print; exit }' "$readme")
	miss=()
	for c in $hcodes; do
		grep -qE "(^|[^0-9])$c([^0-9]|$)" <<<"${para#Exit status:}" || miss+=("$c")
	done
	ok "$([[ -n $para && ${#miss[@]} -eq 0 ]]; echo $?)" "the README's 'Exit status:' names each of them" \
		"paragraph: ${para:-none}" "missing: ${miss[*]}"
fi

# 5. The version.
th=$(grep -E '^\.TH ' "$page")
ok "$([[ $th == *"\"smtpguard $version\""* ]]; echo $?)" ".TH names smtpguard $version, as --version does" "$th"

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
((failed == 0))
