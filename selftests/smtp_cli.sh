#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# smtpguardctl's contract: bad input gets one clear line and exit 2 (bad
# command line) or 3 (kernel refused) and changes nothing; allow add is
# idempotent, allow del / flush work (and what they mean for traffic);
# exit 4 when the module is not loaded.  Topology in lib.sh.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 30
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"

# before insmod
out=$(sgctl "$NS_RTR" stats 2>&1)
rc=$?
expect_eq "exit code of 'stats' without the module" 4 "$rc"
expect_eq "lines printed" 1 "$(grep -c . <<<"$out")"
out=$(sgctl "$NS_RTR" allow "$MAIL4" 2>&1)
rc=$?
expect_eq "exit code of 'allow' without the module" 4 "$rc"
[[ -z $out ]] && sg_fail "'allow' without the module printed nothing"
log_test "without the module: exit 4 and one line of explanation"

sg_load_module_or_die

# help needs no socket (iproute2 style: 'help'; getopt style: -h)
ok=0
for h in help -h --help; do
	out=$(smtpguardctl "$h" 2>&1) && grep -q allow <<<"$out" && ok=1 && break
done
((ok)) || sg_fail "none of 'smtpguardctl help', -h, --help exits 0 with a usage naming 'allow'"
log_test "smtpguardctl prints its usage on request"

sg_ctl_ok "$NS_RTR" allow "$MAIL4" 2001:db8:10::/64
sg_ctl_ok "$NS_RTR" ports 25 587
sg_smtp_blocked "$NS_CLI" "$OUT4" 25	# some non-zero counters to compare
expect_eq "allow_entries" 2 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "configure: allow $MAIL4 2001:db8:10::/64, ports 25 587"

list=$(sgctl "$NS_RTR" allow list 2>&1)
check_err $? "allow list failed: $list"
grep -Eq "(^|[^0-9])10\.10\.10\.10(/32)?([^0-9/]|$)" <<<"$list" || sg_fail "allow list lacks $MAIL4: $list"
grep -Eq "2001:db8:10::/64" <<<"$list" || sg_fail "allow list lacks 2001:db8:10::/64: $list"
expect_eq "allow list lines" 2 "$(grep -c . <<<"$list")"
out=$(sgctl "$NS_RTR" ports 2>&1)
expect_eq "ports" "25 587" "$(xargs <<<"$out")"
log_test "allow list and ports show the configuration"

# bad_input DESC RC ARGS...: exit RC (2: the tool refused the command
# line, 3: the kernel refused it), one line, nothing changed.
bad_input()
{
	local desc=$1 want=$2; shift 2
	local before after out rc

	before=$(sg_snapshot "$NS_RTR")
	out=$(sgctl "$NS_RTR" "$@" 2>&1)
	rc=$?
	after=$(sg_snapshot "$NS_RTR")
	expect_eq "exit of 'smtpguardctl $*' ($out)" "$want" "$rc"
	expect_eq "lines printed by 'smtpguardctl $*' ($out)" 1 "$(grep -c . <<<"$out")"
	[[ $after == "$before" ]] || sg_fail "smtpguardctl $* changed the state:"$'\n'"$(diff <(echo "$before") <(echo "$after"))"
	sg_diag "smtpguardctl $* -> exit $rc: $out"
	log_test "bad input refused, nothing changed: $desc"
}

bad_input "bad IPv4 address" 2		allow 300.1.2.3
bad_input "not an address" 2		allow mail.example.org
bad_input "IPv4 prefix /33" 2		allow 10.0.0.0/33
bad_input "IPv6 prefix /129" 2		allow 2001:db8::/129
bad_input "negative prefix length" 2	allow 10.0.0.0/-1
bad_input "host bits set (10.10.10.10/24)" 2 allow 10.10.10.10/24
bad_input "host bits set (IPv6)" 2	allow 2001:db8:10::10/64
bad_input "one bad prefix fails the whole add" 2 allow 192.0.2.99 300.1.2.3
bad_input "delete of an absent prefix" 3	allow del 192.0.2.99
bad_input "delete of present + absent" 3 allow del "$MAIL4" 192.0.2.99
bad_input "port 0" 2			ports 0
bad_input "port 65536" 2			ports 65536
bad_input "port not a number" 2		ports smtp
bad_input "port list with one bad port" 2 ports 25 0
bad_input "unknown mode" 2		mode bogus
bad_input "unknown command" 2		frobnicate
bad_input "unknown allow subcommand" 2	allow frobnicate list
bad_input "unknown option" 2		--bogus stats
bad_input "stats with junk" 2		stats frobnicate

# allow del of an absent prefix is the kernel's refusal: exit 3, 'Error: ...'.
out=$(sgctl "$NS_RTR" allow del 192.0.2.99 2>&1)
rc=$?
expect_eq "exit code of deleting an absent prefix" 3 "$rc"
[[ $out == Error:* ]] || sg_fail "kernel refusal printed '$out', expected 'Error: <extack>.'"
log_test "a kernel refusal prints 'Error: ...' and exits 3"

# re-adding is idempotent
out=$(sgctl "$NS_RTR" allow "$MAIL4" 2>&1)
check_err $? "re-adding $MAIL4 failed: $out"
expect_eq "allow_entries after re-adding" 2 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "allow of a present prefix succeeds and adds nothing"

# allow del: the entry goes, and so does the mail server's right to send.
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "mail server could not send before allow del"
out=$(sgctl "$NS_RTR" allow del "$MAIL4" 2>&1)
check_err $? "allow del $MAIL4 failed: $out"
expect_eq "allow_entries after del" 1 "$(sg_stat "$NS_RTR" allow_entries)"
grep -q "10\.10\.10\.10" <<<"$(sgctl "$NS_RTR" allow list)" && sg_fail "$MAIL4 still listed after del"
sg_smtp_dropped "$NS_MAIL" "$OUT4" 25 "mail server's IPv4 SMTP passed after its entry was deleted"
log_test "allow del removes the entry and the mail server's IPv4 SMTP is dropped again"

# flush: empty list, mode stays enforce, all SMTP dropped.
out=$(sgctl "$NS_RTR" allow flush 2>&1)
check_err $? "allow flush failed: $out"
expect_eq "allow_entries after flush" 0 "$(sg_stat "$NS_RTR" allow_entries)"
expect_eq "allow list after flush" "" "$(sgctl "$NS_RTR" allow list 2>&1)"
expect_eq "mode after flush" enforce "$(sg_stat "$NS_RTR" mode)"
if sg_smtp6_ok; then
	sg_smtp_dropped "$NS_MAIL" "$OUT6" 25 "mail server's IPv6 SMTP passed after flush"
fi
log_test "allow flush empties the list, keeps enforce, and SMTP is dropped"

# several prefixes at once, deleted at once
out=$(sgctl "$NS_RTR" allow "$MAIL4" 203.0.113.0/24 2001:db8:10::10 2>&1)
check_err $? "allow of three prefixes failed: $out"
expect_eq "allow_entries" 3 "$(sg_stat "$NS_RTR" allow_entries)"
out=$(sgctl "$NS_RTR" allow del 203.0.113.0/24 2001:db8:10::10 2>&1)
check_err $? "allow del of two prefixes failed: $out"
expect_eq "allow_entries" 1 "$(sg_stat "$NS_RTR" allow_entries)"
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "mail server could not send after re-adding its entry"
log_test "allow and allow del take several prefixes at once"

# JSON list
out=$(sgctl "$NS_RTR" -j allow list 2>&1)
jq -e . >/dev/null 2>&1 <<<"$out" || sg_fail "-j allow list is not JSON: $out"
grep -q "10\.10\.10\.10" <<<"$out" || sg_fail "-j allow list lacks $MAIL4: $out"
log_test "'smtpguardctl -j allow list' is JSON"

sg_check_kernel_clean
ksft_finish
