#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading the module alone changes no traffic: the same SMTP and HTTP flows
# of the lib.sh topology work before insmod and after it, in namespaces that
# existed before the load, and every namespace reads "mode off" with zero
# counters.  Setting ports does not switch the mode either.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 6
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"

# all_flows TAG: every flow of the topology must work.
all_flows()
{
	local tag=$1 mails_out mails_mail

	mails_out=$(sg_mail_count "$NS_OUT")
	mails_mail=$(sg_mail_count "$NS_MAIL")
	sg_smtp "$NS_CLI" "$OUT4" 25
	check_err $? "$tag: client -> $OUT4:25 failed:"$'\n'"$(sg_swaks_log_tail)"
	sg_smtp "$NS_MAIL" "$OUT4" 25
	check_err $? "$tag: mail -> $OUT4:25 failed"
	sg_smtp "$NS_OUT" "$MAIL4" 25
	check_err $? "$tag: out -> $MAIL4:25 failed"
	sg_http "$NS_CLI" "$OUT4" 80
	check_err $? "$tag: client HTTP -> $OUT4:80 failed"
	if sg_smtp6_ok; then
		sg_smtp "$NS_CLI" "$OUT6" 25
		check_err $? "$tag: client -> [$OUT6]:25 failed"
		sg_smtp "$NS_OUT" "$MAIL6" 25
		check_err $? "$tag: out -> [$MAIL6]:25 failed"
		mails_out=$((mails_out + 1))
		mails_mail=$((mails_mail + 1))
	fi
	sg_http "$NS_CLI" "$OUT6" 80
	check_err $? "$tag: client HTTP -> [$OUT6]:80 failed"
	expect_eq "$tag: messages at the outside MX" $((mails_out + 2)) "$(sg_mail_count "$NS_OUT")"
	expect_eq "$tag: messages at the mail server" $((mails_mail + 1)) "$(sg_mail_count "$NS_MAIL")"
}

# 1
all_flows "before insmod"
[[ -e /proc/net/smtpguard ]] && sg_fail "/proc/net/smtpguard exists before insmod"
log_test "before insmod: client, mail server and outside exchange SMTP and HTTP (v4, v6)"

sg_load_module_or_die

# 2
all_flows "after insmod"
log_test "after insmod: exactly the same flows work"

# 3
for ns in "$NS_CLI" "$NS_RTR" "$NS_MAIL" "$NS_OUT"; do
	expect_eq "$ns mode" off "$(sg_stat "$ns" mode)"
	expect_eq "$ns mode_explicit" 0 "$(sg_stat "$ns" mode_explicit)"
	expect_eq "$ns allow_entries" 0 "$(sg_stat "$ns" allow_entries)"
	expect_eq "$ns counters" "0 0 0 0" "$(sg_counters "$ns")"
done
expect_eq "init_net mode" off "$(awk '$1 == "mode" { print $2 }' /proc/net/smtpguard)"
log_test "every namespace reads mode off, no entries, zero counters"

# 4
out=$(sgctl "$NS_RTR" ports 25 587 2>&1)
check_err $? "ports 25 587 failed: $out"
grep -q '^mode:' <<<"$out" && sg_fail "ports printed a mode line: $out"
expect_eq "mode after ports" off "$(sg_stat "$NS_RTR" mode)"
expect_eq "mode_explicit after ports" 0 "$(sg_stat "$NS_RTR" mode_explicit)"
expect_eq "smtp_ports" 25,587 "$(sg_stat "$NS_RTR" smtp_ports)"
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "client -> $OUT4:25 failed after ports were set"
expect_eq "router counters" "0 0 0 0" "$(sg_counters "$NS_RTR")"
log_test "setting ports does not switch the mode: traffic still untouched"

# 5: unload; traffic still untouched
sg_unload_module
check_err $? "rmmod failed"
sg_module_loaded && sg_fail "/sys/module/smtpguard still present"
all_flows "after rmmod"
log_test "after rmmod: the same flows work"

sg_check_kernel_clean
ksft_finish
