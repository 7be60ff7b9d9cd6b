#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Story 1 over IPv4: a router that lets only the office mail server speak
# SMTP to the outside.  The topology is drawn in lib.sh.
#
#   client 192.0.2.10 --SMTP--> out 198.51.100.25:25   dropped, logged
#   mail 10.10.10.10  --SMTP--> out 198.51.100.25:25   allowed (src listed)
#   out               --SMTP--> mail 10.10.10.10:25    allowed (dst listed)
#   client            --HTTP--> out :80                 not SMTP, untouched

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 12
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_load_module_or_die

rtr_inode=$(sg_netns_inode "$NS_RTR")

# 1: the first allow in an unconfigured namespace switches it to enforce.
out=$(sgctl "$NS_RTR" allow "$MAIL4" 2>&1)
rc=$?
check_err $rc "smtpguardctl allow $MAIL4 exited $rc: $out"
expect_eq "lines printed by the first allow" 1 "$(grep -c . <<<"$out")"
[[ $out == "mode: enforce"* ]] || sg_fail "first allow printed '$out', expected a line starting 'mode: enforce'"
expect_eq "mode" enforce "$(sg_stat "$NS_RTR" mode)"
expect_eq "mode_explicit" 0 "$(sg_stat "$NS_RTR" mode_explicit)"
expect_eq "allow_entries" 1 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "first allow switches the router to enforce and says so in one line"

# 2: a second allow prints no mode line (the mode is no longer unset).
out=$(sgctl "$NS_RTR" allow "$MAIL4" 2>&1)
rc=$?
check_err $rc "second smtpguardctl allow $MAIL4 exited $rc: $out"
grep -q '^mode:' <<<"$out" && sg_fail "second allow printed a mode line: $out"
expect_eq "allow_entries after re-adding the same prefix" 1 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "adding the same prefix again is idempotent and silent about the mode"

# 3: the mail server delivers to the outside MX.
allowed=$(sg_stat "$NS_RTR" smtp_allowed)
mails=$(sg_mail_count "$NS_OUT")
sg_swaks "$NS_MAIL" "$OUT4" 25
check_err $? "swaks mail -> $OUT4:25 failed:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the outside MX" $((mails + 1)) "$(sg_mail_count "$NS_OUT")"
expect_gt "smtp_allowed" "$(sg_stat "$NS_RTR" smtp_allowed)" "$allowed"
log_test "mail server sends to the outside MX (smtp_allowed grows)"

# 4: the infected client's direct SMTP is dropped at the router.
read -r _ allowed dropped _ < <(sg_counters "$NS_RTR")
mails=$(sg_mail_count "$NS_OUT")
opens=$(sg_passive_opens "$NS_OUT")
sg_klog_mark
sg_smtp_dropped "$NS_CLI" "$OUT4" 25 "swaks client -> $OUT4:25 succeeded, it must be dropped"
read -r _ allowed2 dropped2 _ < <(sg_counters "$NS_RTR")
expect_gt "smtp_dropped" "$dropped2" "$dropped"
expect_eq "smtp_allowed" "$allowed" "$allowed2"
expect_eq "messages at the outside MX" "$mails" "$(sg_mail_count "$NS_OUT")"
expect_eq "TCP connections accepted by the outside MX" "$opens" "$(sg_passive_opens "$NS_OUT")"
log_test "client's direct SMTP to the outside MX is dropped (smtp_dropped grows, MX got nothing)"

# 5: ... and the kernel says who tried.
if ! busywait $((WAIT_TIMEOUT * 1000)) sg_drop_logged "$CLI4" "$OUT4" 25 "$rtr_inode"; then
	sg_fail "no kernel log line naming $CLI4, $OUT4:25 and netns $rtr_inode; smtpguard lines since the drop:"$'\n'"$(sg_klog_since_mark | grep -i smtpguard | tail -n 5)"
fi
log_test "kernel log names the client, the destination:port and the namespace"

# 6: inbound mail from the outside to the office mail server passes.
allowed=$(sg_stat "$NS_RTR" smtp_allowed)
mails=$(sg_mail_count "$NS_MAIL")
sg_swaks "$NS_OUT" "$MAIL4" 25
check_err $? "swaks out -> $MAIL4:25 failed:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the office mail server" $((mails + 1)) "$(sg_mail_count "$NS_MAIL")"
expect_gt "smtp_allowed" "$(sg_stat "$NS_RTR" smtp_allowed)" "$allowed"
log_test "inbound mail from the outside MX to the mail server passes"

# 7: the client may still hand its mail to the office server.
mails=$(sg_mail_count "$NS_MAIL")
sg_swaks "$NS_CLI" "$MAIL4" 25
check_err $? "swaks client -> $MAIL4:25 failed:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the office mail server" $((mails + 1)) "$(sg_mail_count "$NS_MAIL")"
log_test "client's SMTP to the office mail server passes (destination listed)"

# 8: non-SMTP traffic of the client is neither blocked nor inspected.
inspected=$(sg_stat "$NS_RTR" smtp_inspected)
sg_http "$NS_CLI" "$OUT4" 80
check_err $? "HTTP client -> $OUT4:80 failed"
expect_eq "smtp_inspected after HTTP" "$inspected" "$(sg_stat "$NS_RTR" smtp_inspected)"
log_test "client's HTTP to the outside passes and is not counted as SMTP"

# 9: a prefix covers every address in it.
sg_ctl_ok "$NS_RTR" allow del "$MAIL4"
sg_smtp_dropped "$NS_MAIL" "$OUT4" 25 "mail server delivered with an empty allow-list in enforce"
sg_ctl_ok "$NS_RTR" allow 10.10.10.0/24
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "mail server could not deliver with 10.10.10.0/24 allowed:"$'\n'"$(sg_swaks_log_tail)"
log_test "an allow-list prefix (10.10.10.0/24) covers the mail server"

# 10: RFC 1858: a first fragment too short to hold the TCP ports could
# hide port 25: refused whatever its addresses while enforcing, and only
# then.  The outside's ReasmReqds counts the fragments that reached it.
reasm() { sg_ns_read "$1" snmp && awk '$1 == "Ip:" && !h { for (i = 1; i <= NF; i++) k[i] = $i; h = 1; next }
	$1 == "Ip:" { for (i = 1; i <= NF; i++) if (k[i] == "ReasmReqds") print $i }' <<<"$(printf '%s\n' "${SG_LINES[@]}")"; }
frag() { ip netns exec "$NS_CLI" /usr/bin/python3 "$SG_SELFTESTS/fragprobe.py" "$@" 2>&1; }
d0=$(sg_stat "$NS_RTR" smtp_dropped)
r0=$(reasm "$NS_OUT")
expect_eq "fragprobe" "sent 5" "$(frag "$CLI4" "$OUT4" 5)"
expect_eq "smtp_dropped after 5 tiny first fragments" $((d0 + 5)) "$(sg_stat "$NS_RTR" smtp_dropped)"
expect_eq "fragments the outside received" "$r0" "$(reasm "$NS_OUT")"
sg_ctl_ok "$NS_RTR" mode monitor
w0=$(sg_stat "$NS_RTR" smtp_would_drop)
expect_eq "fragprobe" "sent 5" "$(frag "$CLI4" "$OUT4" 5)"
expect_eq "smtp_would_drop after 5 tiny first fragments in monitor" "$w0" "$(sg_stat "$NS_RTR" smtp_would_drop)"
received() { (($(reasm "$NS_OUT") >= r0 + 5)); }
busywait "$(sg_bound 10000)" received || sg_fail "the outside got $(($(reasm "$NS_OUT") - r0)) of 5 tiny fragments in monitor mode"
sg_ctl_ok "$NS_RTR" mode enforce
expect_eq "fragprobe 8 bytes" "sent 5" "$(frag "$CLI4" "$OUT4" 5 8)"
expect_eq "smtp_dropped after 5 first fragments with the ports (to 25)" $((d0 + 5)) "$(sg_stat "$NS_RTR" smtp_dropped)"
log_test "a tiny first fragment is dropped when enforcing (RFC 1858), passes in monitor; one holding the ports is judged by them"

# 11
sg_check_counter_sum "$NS_RTR"
log_test "smtp_inspected = smtp_allowed + smtp_dropped + smtp_would_drop"

sg_check_kernel_clean
ksft_finish
