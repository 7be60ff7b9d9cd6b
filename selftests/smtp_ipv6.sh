#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Story 1 over IPv6 (topology in lib.sh): the same policy as smtp_enforce.sh
# and smtp_modes.sh, with the 2001:db8:: addresses, and the families kept
# apart (an IPv4 entry does not allow the same host's IPv6 traffic).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_require_swaks6
sg_init
sg_plan 12
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_load_module_or_die

rtr_inode=$(sg_netns_inode "$NS_RTR")

# 1
out=$(sgctl "$NS_RTR" allow "$MAIL6" 2>&1)
rc=$?
check_err $rc "smtpguardctl allow $MAIL6 exited $rc: $out"
expect_eq "lines printed by the first allow" 1 "$(grep -c . <<<"$out")"
[[ $out == "mode: enforce"* ]] || sg_fail "first allow printed '$out', expected a line starting 'mode: enforce'"
expect_eq "mode" enforce "$(sg_stat "$NS_RTR" mode)"
expect_eq "allow_entries" 1 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "first allow of an IPv6 address switches to enforce and says so"

# 2
allowed=$(sg_stat "$NS_RTR" smtp_allowed)
mails=$(sg_mail_count "$NS_OUT")
sg_swaks "$NS_MAIL" "$OUT6" 25
check_err $? "swaks mail -> [$OUT6]:25 failed:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the outside MX" $((mails + 1)) "$(sg_mail_count "$NS_OUT")"
expect_gt "smtp_allowed" "$(sg_stat "$NS_RTR" smtp_allowed)" "$allowed"
log_test "IPv6: mail server sends to the outside MX (smtp_allowed grows)"

# 3
read -r _ allowed dropped _ < <(sg_counters "$NS_RTR")
mails=$(sg_mail_count "$NS_OUT")
opens=$(sg_passive_opens "$NS_OUT")
sg_klog_mark
sg_smtp_dropped "$NS_CLI" "$OUT6" 25 "swaks client -> [$OUT6]:25 succeeded, it must be dropped"
read -r _ allowed2 dropped2 _ < <(sg_counters "$NS_RTR")
expect_gt "smtp_dropped" "$dropped2" "$dropped"
expect_eq "smtp_allowed" "$allowed" "$allowed2"
expect_eq "messages at the outside MX" "$mails" "$(sg_mail_count "$NS_OUT")"
expect_eq "TCP connections accepted by the outside MX" "$opens" "$(sg_passive_opens "$NS_OUT")"
log_test "IPv6: client's direct SMTP to the outside MX is dropped"

# 4
if ! busywait $((WAIT_TIMEOUT * 1000)) sg_drop_logged "$CLI6" "$OUT6" 25 "$rtr_inode"; then
	sg_fail "no kernel log line naming $CLI6, [$OUT6]:25 and netns $rtr_inode; smtpguard lines:"$'\n'"$(sg_klog_since_mark | grep -i smtpguard | tail -n 5)"
fi
log_test "IPv6: kernel log names the client, the destination:port and the namespace"

# 5
mails=$(sg_mail_count "$NS_MAIL")
sg_swaks "$NS_OUT" "$MAIL6" 25
check_err $? "swaks out -> [$MAIL6]:25 failed:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the office mail server" $((mails + 1)) "$(sg_mail_count "$NS_MAIL")"
log_test "IPv6: inbound mail from the outside MX to the mail server passes"

# 6
inspected=$(sg_stat "$NS_RTR" smtp_inspected)
sg_http "$NS_CLI" "$OUT6" 80
check_err $? "HTTP client -> [$OUT6]:80 failed"
expect_eq "smtp_inspected after HTTP" "$inspected" "$(sg_stat "$NS_RTR" smtp_inspected)"
log_test "IPv6: client's HTTP to the outside passes and is not counted"

# 7: the families are separate: the IPv4 entry does not cover IPv6.
sg_ctl_ok "$NS_RTR" allow flush
sg_ctl_ok "$NS_RTR" allow "$MAIL4"
sg_smtp_dropped "$NS_MAIL" "$OUT6" 25 "mail server's IPv6 SMTP passed with only its IPv4 address allowed"
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "mail server's IPv4 SMTP failed with its IPv4 address allowed"
log_test "an IPv4 entry does not allow the same host's IPv6 SMTP"

# 8: a /64 covers the mail server.
sg_ctl_ok "$NS_RTR" allow 2001:db8:10::/64
sg_smtp "$NS_MAIL" "$OUT6" 25
check_err $? "mail server's IPv6 SMTP failed with 2001:db8:10::/64 allowed:"$'\n'"$(sg_swaks_log_tail)"
sg_smtp_dropped "$NS_CLI" "$OUT6" 25 "client's IPv6 SMTP passed with only 2001:db8:10::/64 allowed"
log_test "IPv6: a /64 prefix covers the mail server and not the client"

# 9
sg_ctl_ok "$NS_RTR" mode monitor
read -r _ _ dropped would < <(sg_counters "$NS_RTR")
mails=$(sg_mail_count "$NS_OUT")
sg_smtp "$NS_CLI" "$OUT6" 25
check_err $? "swaks client -> [$OUT6]:25 failed in monitor:"$'\n'"$(sg_swaks_log_tail)"
read -r _ _ dropped2 would2 < <(sg_counters "$NS_RTR")
expect_eq "messages at the outside MX" $((mails + 1)) "$(sg_mail_count "$NS_OUT")"
expect_gt "smtp_would_drop" "$would2" "$would"
expect_eq "smtp_dropped" "$dropped" "$dropped2"
log_test "IPv6: monitor passes the client's SMTP and counts smtp_would_drop"

# 10
sg_ctl_ok "$NS_RTR" mode off
before=$(sg_counters "$NS_RTR")
sg_smtp "$NS_CLI" "$OUT6" 25
check_err $? "swaks client -> [$OUT6]:25 failed in off"
expect_eq "counters (inspected allowed dropped would_drop)" "$before" "$(sg_counters "$NS_RTR")"
log_test "IPv6: off passes the client's SMTP and counts nothing"

# 11
sg_check_counter_sum "$NS_RTR"
log_test "smtp_inspected = smtp_allowed + smtp_dropped + smtp_would_drop"

sg_check_kernel_clean
ksft_finish
