#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A timeout belongs to one feed's listing of an entry, not to the entry:
# feed a's timed listing of X runs out on a's schedule while feed b keeps
# X blocked, a replace of b does not touch a's timeout, and an expiry
# removes X from a only.  State through smtpguardctl -j block list in one
# namespace; no traffic (block_traffic.sh drops it).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_module_file
sg_require_cmd ip jq smtpguardctl insmod rmmod dmesg
sg_init
sg_plan 6
NS=sg-lst-$SG_ID
sg_add_ns "$NS" || skip_all "cannot create a namespace"
sg_load_module_or_die

X=198.51.100.77
Y=203.0.113.9
Z=192.0.2.99

# listings ADDR: "feed[:seconds] ..." of its entry, sorted; "-" if absent.
listings()
{
	local out

	out=$(sgctl "$NS" -j block list | jq -r --arg p "$1" '
		.[] | select(.prefix == $p) | .listings[] |
		if .expires then "\(.feed):\(.expires)" else .feed end' | sort | tr '\n' ' ')
	out=${out% }
	echo "${out:--}"
}

# feeds_of ADDR: the feeds listing it, from "feeds" (not "listings").
feeds_of()
{
	sgctl "$NS" -j block list | jq -r --arg p "$1" \
		'.[] | select(.prefix == $p) | .feeds | join(" ")'
}

gone_from_a()
{
	[[ $(feeds_of "$1") != *a* ]]
}

echo "$X" >"$SG_TMP/b.txt"

# 1: a timed listing by a, then b's file lists the same address.
sg_ctl_ok "$NS" block "$X" feed a timeout 3
sg_ctl_ok "$NS" block load --replace --feed b "$SG_TMP/b.txt"
got=$(listings "$X")
[[ $got =~ ^a:[1-3]\ b$ ]] || sg_fail "after b's replace: '$got', want 'a:<1-3> b'"
busywait "$(sg_bound 10000)" gone_from_a "$X" ||
	sg_fail "a's 3 s listing is still there after 10 s: $(listings "$X")"
expect_eq "X's listings after a's timeout" b "$(listings "$X")"
sgctl "$NS" block test "$X" >/dev/null
expect_eq "block test of X (still listed by b)" 0 "$?"
log_test "a replace of feed b leaves feed a's timeout alone; a's listing expires, b's keeps X blocked"

# 2: two timed listings: the shorter goes, the longer stays with its time.
sg_ctl_ok "$NS" block "$Y" feed a timeout 2
sg_ctl_ok "$NS" block "$Y" feed b timeout 60
busywait "$(sg_bound 10000)" gone_from_a "$Y" ||
	sg_fail "a's 2 s listing of Y is still there: $(listings "$Y")"
got=$(listings "$Y")
[[ $got =~ ^b:(5[0-9]|60)$ ]] || sg_fail "Y after a's expiry: '$got', want 'b:<50-60>'"
entry=$(sgctl "$NS" -j block list | jq -c --arg p "$Y" '.[] | select(.prefix == $p)')
jq -e '.expires >= 50 and .expires <= 60' <<<"$entry" >/dev/null ||
	sg_fail "the entry's own expires is not b's: $entry"
log_test "two timed listings: a's 2 s goes alone, b's 60 s stays, and the entry expires with it"

# 3: the same feed, timed then permanent: permanent wins.
sg_ctl_ok "$NS" block "$Z" feed a timeout 2
sg_ctl_ok "$NS" block "$Z" feed a
expect_eq "Z's listings" a "$(listings "$Z")"
sg_sleep 3
expect_eq "Z's listings after 3 s" a "$(listings "$Z")"
log_test "a permanent listing by the same feed replaces its timed one"

# 4: an expiry removes the listing, and the entry with its last listing.
sg_ctl_ok "$NS" block "$Z" feed c timeout 2
sg_ctl_ok "$NS" block del "$Z" feed a
expect_eq "Z's listings" "c:2" "$(listings "$Z" | sed -E 's/c:1/c:2/')"
unlisted() { [[ $(listings "$1") == - ]]; }
busywait "$(sg_bound 10000)" unlisted "$Z" ||
	sg_fail "Z stays after its only listing expired: $(listings "$Z")"
sgctl "$NS" block test "$Z" >/dev/null
expect_eq "block test of Z" 1 "$?"
log_test "the last listing expiring takes the entry with it"

# 5: save writes each listing with its own timeout; restore brings it back.
sg_ctl_ok "$NS" block "$Y" feed a timeout 600
sgctl "$NS" save >"$SG_TMP/saved.conf"
grep -qE "^block $Y feed a timeout (59[0-9]|600)$" "$SG_TMP/saved.conf" ||
	sg_fail "save has no timed 'block $Y feed a': $(grep "$Y" "$SG_TMP/saved.conf")"
grep -qE "^block $Y feed b timeout [0-9]+$" "$SG_TMP/saved.conf" ||
	sg_fail "save has no timed 'block $Y feed b': $(grep "$Y" "$SG_TMP/saved.conf")"
grep -qE "^block $X feed b$" "$SG_TMP/saved.conf" ||
	sg_fail "save has no permanent 'block $X feed b': $(grep "$X" "$SG_TMP/saved.conf")"
sg_ctl_ok "$NS" block flush
sg_ctl_ok "$NS" restore "$SG_TMP/saved.conf"
got=$(listings "$Y")
[[ $got =~ ^a:(59[0-9]|600)\ b:[0-9]+$ ]] || sg_fail "Y after restore: '$got'"
expect_eq "X after restore" b "$(listings "$X")"
log_test "save writes every listing with its own timeout, restore brings them back"

sg_check_kernel_clean
ksft_finish
