#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The LOCAL_OUT and LOCAL_IN hooks: SMTP that the router itself sends, and
# SMTP to a server on the router itself.  Topology in lib.sh, plus an SMTP
# server in the router ns on 192.0.2.1:25 and [2001:db8:1::1]:25.
#
#   router 198.51.100.1 --SMTP--> out 198.51.100.25:25   LOCAL_OUT
#   client 192.0.2.10   --SMTP--> router 192.0.2.1:25     LOCAL_IN

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 8
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_start_smtp "$NS_RTR" "$RTR_CLI4" 25 || skip_all "cannot start the router's SMTP server"
sg_start_smtp "$NS_RTR" "$RTR_CLI6" 25 || skip_all "cannot start the router's SMTP server"
sg_load_module_or_die

# IPv6 is half of every check: a client that cannot speak it is no partial
# run but a skip of the whole script (deps.sh installs what swaks needs).
sg_smtp6_ok || skip_all "the SMTP client cannot speak IPv6 (swaks needs libio-socket-inet6-perl)"

sg_ctl_ok "$NS_RTR" allow "$MAIL4" "$MAIL6"
expect_eq "mode" enforce "$(sg_stat "$NS_RTR" mode)"
log_test "router enforces with the mail server allowed"

# LOCAL_OUT
dropped=$(sg_stat "$NS_RTR" smtp_dropped)
mails=$(sg_mail_count "$NS_OUT")
sg_smtp_dropped "$NS_RTR" "$OUT4" 25 "the router's own SMTP to $OUT4:25 passed"
sg_smtp_dropped "$NS_RTR" "$OUT6" 25 "the router's own SMTP to [$OUT6]:25 passed"
expect_gt "smtp_dropped" "$(sg_stat "$NS_RTR" smtp_dropped)" "$dropped"
expect_eq "messages at the outside MX" "$mails" "$(sg_mail_count "$NS_OUT")"
log_test "LOCAL_OUT: the router's own SMTP to the outside is dropped"

sg_ctl_ok "$NS_RTR" allow "$RTR_OUT4" "$RTR_OUT6"
allowed=$(sg_stat "$NS_RTR" smtp_allowed)
mails=$(sg_mail_count "$NS_OUT")
sg_smtp "$NS_RTR" "$OUT4" 25
check_err $? "the router's own SMTP to $OUT4:25 failed with $RTR_OUT4 allowed:"$'\n'"$(sg_swaks_log_tail)"
sg_smtp "$NS_RTR" "$OUT6" 25
check_err $? "the router's own SMTP to [$OUT6]:25 failed with $RTR_OUT6 allowed"
expect_eq "messages at the outside MX" $((mails + 2)) "$(sg_mail_count "$NS_OUT")"
expect_gt "smtp_allowed" "$(sg_stat "$NS_RTR" smtp_allowed)" "$allowed"
log_test "LOCAL_OUT: the router's own SMTP passes once its address is allowed"

# LOCAL_IN
dropped=$(sg_stat "$NS_RTR" smtp_dropped)
mails=$(sg_mail_count "$NS_RTR")
opens=$(sg_passive_opens "$NS_RTR")
sg_smtp_dropped "$NS_CLI" "$RTR_CLI4" 25 "client's SMTP to the router's own server $RTR_CLI4:25 passed"
sg_smtp_dropped "$NS_CLI" "$RTR_CLI6" 25 "client's SMTP to the router's own server [$RTR_CLI6]:25 passed"
expect_gt "smtp_dropped" "$(sg_stat "$NS_RTR" smtp_dropped)" "$dropped"
expect_eq "messages at the router's server" "$mails" "$(sg_mail_count "$NS_RTR")"
expect_eq "TCP connections accepted by the router" "$opens" "$(sg_passive_opens "$NS_RTR")"
log_test "LOCAL_IN: the client's SMTP to a server on the router is dropped"

# the mail server may talk to the router's server (source allowed)
mails=$(sg_mail_count "$NS_RTR")
# (the server listens on 192.0.2.1; the mail server reaches it through mail0)
sg_smtp "$NS_MAIL" "$RTR_CLI4" 25
check_err $? "mail server's SMTP to the router's server $RTR_CLI4:25 failed:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the router's server" $((mails + 1)) "$(sg_mail_count "$NS_RTR")"
log_test "LOCAL_IN: the mail server's SMTP to the router's server passes"

sg_ctl_ok "$NS_RTR" allow "$RTR_CLI4" "$RTR_CLI6"
mails=$(sg_mail_count "$NS_RTR")
sg_smtp "$NS_CLI" "$RTR_CLI4" 25
check_err $? "client's SMTP to $RTR_CLI4:25 failed with it allowed"
sg_smtp "$NS_CLI" "$RTR_CLI6" 25
check_err $? "client's SMTP to [$RTR_CLI6]:25 failed with it allowed"
expect_eq "messages at the router's server" $((mails + 2)) "$(sg_mail_count "$NS_RTR")"
log_test "LOCAL_IN: the client's SMTP to the router passes once the router's address is allowed"

# monitor: local flows pass and are counted
sg_ctl_ok "$NS_RTR" allow flush
sg_ctl_ok "$NS_RTR" mode monitor
would=$(sg_stat "$NS_RTR" smtp_would_drop)
sg_smtp "$NS_RTR" "$OUT4" 25
check_err $? "router -> $OUT4:25 failed in monitor"
sg_smtp "$NS_CLI" "$RTR_CLI4" 25
check_err $? "client -> $RTR_CLI4:25 failed in monitor"
expect_gt "smtp_would_drop" "$(sg_stat "$NS_RTR" smtp_would_drop)" "$would"
sg_check_counter_sum "$NS_RTR"
log_test "monitor: local SMTP in both directions passes and is counted"

sg_check_kernel_clean
ksft_finish
