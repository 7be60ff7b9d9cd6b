#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The three modes over IPv4 (topology in lib.sh), and the rule that the first
# allow switches to enforce only while the mode was never set explicitly:
#   monitor  the client's SMTP passes, counted as smtp_would_drop and logged
#   enforce  the client's SMTP is dropped
#   off      everything passes and nothing is counted

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 12
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_load_module_or_die

rtr_inode=$(sg_netns_inode "$NS_RTR")

# 1
expect_eq "initial mode" off "$(sg_stat "$NS_RTR" mode)"
expect_eq "initial mode_explicit" 0 "$(sg_stat "$NS_RTR" mode_explicit)"
out=$(sgctl "$NS_RTR" mode 2>&1)
check_err $? "smtpguardctl mode failed: $out"
grep -qw off <<<"$out" || sg_fail "smtpguardctl mode printed '$out', expected it to say off"
log_test "an unconfigured namespace is in mode off, not explicit"

# 1b: hooks come only with a mode that is not off, and go with off: the
# kernel's own list of the namespace's netfilter hooks (nft list hooks).
hooks() { ip netns exec "$NS_RTR" nft list hooks 2>&1 | grep -c 'smtpguard'; }
# The blocklist's two PRE_ROUTING hooks (priority -201, ahead of conntrack)
prerouting_hooks() { ip netns exec "$NS_RTR" nft list hooks 2>&1 | grep -cE -- '-0*201 .*smtpguard'; }
desc="no hooks without configuration, 6 in enforce, 8 with a blocklist (PRE_ROUTING), kept when it empties, none after mode off (nft list hooks)"
if ! modprobe -n nfnetlink_hook >/dev/null 2>&1; then
	# Debian's 6.1 is built without it: nft then lists no hooks at all.
	log_skip "$desc" "nfnetlink_hook is not in this kernel (CONFIG_NETFILTER_NETLINK_HOOK)"
else
	if ! ip netns exec "$NS_RTR" nft list hooks >/dev/null 2>&1; then
		sg_fail "nft list hooks does not work here: $(ip netns exec "$NS_RTR" nft list hooks 2>&1 | head -n 2)"
	fi
	expect_eq "smtpguard hooks of the unconfigured router" 0 "$(hooks)"
	sg_ctl_ok "$NS_RTR" mode enforce
	expect_eq "smtpguard hooks in enforce (IPv4 and IPv6 at forward, input, output)" 6 "$(hooks)"
	expect_eq "smtpguard hooks of the untouched client namespace" 0 \
		"$(ip netns exec "$NS_CLI" nft list hooks 2>&1 | grep -c smtpguard)"
	sg_ctl_ok "$NS_RTR" block 203.0.113.99
	expect_eq "smtpguard hooks with a blocklist" 8 "$(hooks)"
	expect_eq "smtpguard hooks at prerouting, priority -201" 2 "$(prerouting_hooks)"
	sg_ctl_ok "$NS_RTR" block flush
	expect_eq "smtpguard hooks after the blocklist emptied" 8 "$(hooks)"
	sg_ctl_ok "$NS_RTR" mode off
	expect_eq "smtpguard hooks after mode off" 0 "$(hooks)"
	sg_ctl_ok "$NS_RTR" mode enforce
	expect_eq "smtpguard hooks in enforce, the blocklist empty" 6 "$(hooks)"
	sg_ctl_ok "$NS_RTR" mode off
	sg_ctl_ok "$NS_RTR" block 203.0.113.99
	expect_eq "smtpguard hooks in mode off with a blocklist" 0 "$(hooks)"
	sg_ctl_ok "$NS_RTR" mode monitor
	expect_eq "smtpguard hooks when a mode comes to a blocklist" 8 "$(hooks)"
	sg_ctl_ok "$NS_RTR" mode off
	log_test "$desc"
	sg_unload_module
	sg_load_module_or_die
fi

# 2: mode set explicitly, then allow: no switch, no mode line.
out=$(sgctl "$NS_RTR" mode monitor 2>&1)
check_err $? "smtpguardctl mode monitor failed: $out"
expect_eq "mode_explicit after 'mode monitor'" 1 "$(sg_stat "$NS_RTR" mode_explicit)"
out=$(sgctl "$NS_RTR" allow "$MAIL4" 2>&1)
check_err $? "smtpguardctl allow $MAIL4 failed: $out"
grep -q '^mode:' <<<"$out" && sg_fail "allow after an explicit mode printed a mode line: $out"
expect_eq "mode after allow" monitor "$(sg_stat "$NS_RTR" mode)"
expect_eq "allow_entries" 1 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "first allow does not switch a mode that was set explicitly (monitor stays)"

# 3: monitor lets the client's SMTP through and counts it.
read -r _ allowed dropped would < <(sg_counters "$NS_RTR")
mails=$(sg_mail_count "$NS_OUT")
sg_klog_mark
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "swaks client -> $OUT4:25 failed in monitor:"$'\n'"$(sg_swaks_log_tail)"
read -r _ allowed2 dropped2 would2 < <(sg_counters "$NS_RTR")
expect_eq "messages at the outside MX" $((mails + 1)) "$(sg_mail_count "$NS_OUT")"
expect_gt "smtp_would_drop" "$would2" "$would"
expect_eq "smtp_dropped" "$dropped" "$dropped2"
expect_eq "smtp_allowed" "$allowed" "$allowed2"
log_test "monitor passes the client's SMTP and counts smtp_would_drop"

# 4
if ! busywait $((WAIT_TIMEOUT * 1000)) sg_drop_logged "$CLI4" "$OUT4" 25 "$rtr_inode"; then
	sg_fail "no kernel log line naming $CLI4, $OUT4:25 and netns $rtr_inode; smtpguard lines:"$'\n'"$(sg_klog_since_mark | grep -i smtpguard | tail -n 5)"
fi
log_test "monitor logs the would-drop with client, destination:port and namespace"

# 5
allowed=$(sg_stat "$NS_RTR" smtp_allowed)
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "swaks mail -> $OUT4:25 failed in monitor"
expect_gt "smtp_allowed" "$(sg_stat "$NS_RTR" smtp_allowed)" "$allowed"
log_test "monitor counts the mail server's SMTP as smtp_allowed"

# 6
sg_ctl_ok "$NS_RTR" mode enforce
expect_eq "mode" enforce "$(sg_stat "$NS_RTR" mode)"
dropped=$(sg_stat "$NS_RTR" smtp_dropped)
mails=$(sg_mail_count "$NS_OUT")
sg_smtp_dropped "$NS_CLI" "$OUT4" 25 "swaks client -> $OUT4:25 succeeded in enforce"
expect_gt "smtp_dropped" "$(sg_stat "$NS_RTR" smtp_dropped)" "$dropped"
expect_eq "messages at the outside MX" "$mails" "$(sg_mail_count "$NS_OUT")"
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "swaks mail -> $OUT4:25 failed in enforce"
log_test "monitor -> enforce: the client's SMTP is dropped, the mail server's passes"

# 7: off passes everything and counts nothing.
sg_ctl_ok "$NS_RTR" mode off
expect_eq "mode" off "$(sg_stat "$NS_RTR" mode)"
expect_eq "mode_explicit" 1 "$(sg_stat "$NS_RTR" mode_explicit)"
before=$(sg_counters "$NS_RTR")
mails=$(sg_mail_count "$NS_OUT")
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "swaks client -> $OUT4:25 failed in off:"$'\n'"$(sg_swaks_log_tail)"
sg_smtp "$NS_MAIL" "$OUT4" 25
check_err $? "swaks mail -> $OUT4:25 failed in off"
expect_eq "messages at the outside MX" $((mails + 2)) "$(sg_mail_count "$NS_OUT")"
expect_eq "counters (inspected allowed dropped would_drop)" "$before" "$(sg_counters "$NS_RTR")"
expect_eq "allow_entries kept in off" 1 "$(sg_stat "$NS_RTR" allow_entries)"
log_test "off passes the client's SMTP and counts nothing"

# 8: an explicit off is not undone by the next allow.
out=$(sgctl "$NS_RTR" allow 10.10.10.11 2>&1)
check_err $? "smtpguardctl allow 10.10.10.11 failed: $out"
grep -q '^mode:' <<<"$out" && sg_fail "allow after 'mode off' printed a mode line: $out"
expect_eq "mode after allow" off "$(sg_stat "$NS_RTR" mode)"
log_test "first allow does not switch an explicit off to enforce"

# 9
out=$(sgctl "$NS_RTR" mode monitor 2>&1)
check_err $? "mode monitor failed: $out"
would=$(sg_stat "$NS_RTR" smtp_would_drop)
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "swaks client -> $OUT4:25 failed in monitor"
expect_gt "smtp_would_drop" "$(sg_stat "$NS_RTR" smtp_would_drop)" "$would"
log_test "off -> monitor: counting resumes"

# 10
sg_check_counter_sum "$NS_RTR"
log_test "smtp_inspected = smtp_allowed + smtp_dropped + smtp_would_drop"

sg_check_kernel_clean
ksft_finish
