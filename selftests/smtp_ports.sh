#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SMTP port set.  Topology in lib.sh; the outside MX also listens on
# 198.51.100.25:2525 (a submission-style port).
#
#   default {25}:      client -> out:2525 passes (not an SMTP port)
#   ports 25 2525:     client -> out:2525 dropped, mail -> out:2525 passes
#   ports 2525:        client -> out:25 passes again

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 10
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_start_smtp "$NS_OUT" "$OUT4" 2525 || skip_all "cannot start the SMTP server on 2525"
sg_load_module_or_die

# 1
out=$(sgctl "$NS_RTR" ports 2>&1)
check_err $? "smtpguardctl ports failed: $out"
expect_eq "smtpguardctl ports" 25 "$(xargs <<<"$out")"
expect_eq "smtp_ports" 25 "$(sg_stat "$NS_RTR" smtp_ports)"
log_test "the default port set is {25}"

sg_ctl_ok "$NS_RTR" allow "$MAIL4"
expect_eq "mode" enforce "$(sg_stat "$NS_RTR" mode)"
log_test "router enforces with the mail server allowed"

# 3
inspected=$(sg_stat "$NS_RTR" smtp_inspected)
mails=$(sg_mail_count "$NS_OUT")
sg_smtp "$NS_CLI" "$OUT4" 2525
check_err $? "client -> $OUT4:2525 failed with ports {25}:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the outside MX" $((mails + 1)) "$(sg_mail_count "$NS_OUT")"
expect_eq "smtp_inspected" "$inspected" "$(sg_stat "$NS_RTR" smtp_inspected)"
sg_smtp_dropped "$NS_CLI" "$OUT4" 25 "client -> $OUT4:25 passed in enforce"
log_test "with the default set, SMTP on 2525 is neither blocked nor inspected (25 is)"

# 4
out=$(sgctl "$NS_RTR" ports 25 2525 2>&1)
check_err $? "ports 25 2525 failed: $out"
expect_eq "smtpguardctl ports" "25 2525" "$(sgctl "$NS_RTR" ports 2>&1 | xargs)"
expect_eq "smtp_ports" 25,2525 "$(sg_stat "$NS_RTR" smtp_ports)"
expect_eq "mode after ports" enforce "$(sg_stat "$NS_RTR" mode)"
expect_eq "-j stats smtp_ports" "[25,2525]" "$(sgctl "$NS_RTR" -j stats | jq -c .smtp_ports)"
log_test "ports 25 2525 is shown by 'ports', /proc and -j stats"

# 5
dropped=$(sg_stat "$NS_RTR" smtp_dropped)
mails=$(sg_mail_count "$NS_OUT")
sg_smtp_dropped "$NS_CLI" "$OUT4" 2525 "client -> $OUT4:2525 passed with 2525 in the set"
expect_gt "smtp_dropped" "$(sg_stat "$NS_RTR" smtp_dropped)" "$dropped"
expect_eq "messages at the outside MX" "$mails" "$(sg_mail_count "$NS_OUT")"
sg_smtp "$NS_MAIL" "$OUT4" 2525
check_err $? "mail -> $OUT4:2525 failed:"$'\n'"$(sg_swaks_log_tail)"
log_test "with 2525 in the set, the client's SMTP to 2525 is dropped, the mail server's passes"

# 6
out=$(sgctl "$NS_RTR" ports 2525 2>&1)
check_err $? "ports 2525 failed: $out"
expect_eq "smtp_ports" 2525 "$(sg_stat "$NS_RTR" smtp_ports)"
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "client -> $OUT4:25 failed with ports {2525}"
sg_smtp_dropped "$NS_CLI" "$OUT4" 2525 "client -> $OUT4:2525 passed with ports {2525}"
log_test "ports replaces the whole set: {2525} lets 25 through"

# 7
out=$(sgctl "$NS_RTR" ports 587 25 465 2>&1)
check_err $? "ports 587 25 465 failed: $out"
expect_eq "smtpguardctl ports" "25 465 587" "$(sgctl "$NS_RTR" ports 2>&1 | xargs)"
expect_eq "smtp_ports" 25,465,587 "$(sg_stat "$NS_RTR" smtp_ports)"
log_test "the set is shown sorted"

# 8: the limit is SMTPGUARD_MAX_PORTS (32) distinct ports.
mapfile -t p32 < <(seq 1001 1032)
out=$(sgctl "$NS_RTR" ports "${p32[@]}" 2>&1)
check_err $? "setting 32 ports failed: $out"
expect_eq "number of ports" 32 "$(sgctl "$NS_RTR" ports 2>&1 | wc -w)"
before=$(sg_snapshot "$NS_RTR")
out=$(sgctl "$NS_RTR" ports "${p32[@]}" 1033 2>&1)
rc=$?
expect_eq "exit of 33 ports: the tool refuses first, as README says ($out)" 2 "$rc"
expect_eq "lines printed for 33 ports ($out)" 1 "$(grep -c . <<<"$out")"
expect_eq "state after 33 ports" "$before" "$(sg_snapshot "$NS_RTR")"
log_test "32 ports are accepted, 33 refused with one line and nothing changed"

# 9: ports in another, unconfigured namespace do not switch it on.
out=$(sgctl "$NS_OUT" ports 25 2525 2>&1)
check_err $? "ports in $NS_OUT failed: $out"
expect_eq "out mode" off "$(sg_stat "$NS_OUT" mode)"
expect_eq "out mode_explicit" 0 "$(sg_stat "$NS_OUT" mode_explicit)"
sg_ctl_ok "$NS_RTR" ports 25
sg_smtp "$NS_CLI" "$OUT4" 2525
check_err $? "client -> $OUT4:2525 failed; out has ports set but mode off"
expect_eq "out counters" "0 0 0 0" "$(sg_counters "$NS_OUT")"
log_test "setting ports does not switch an unconfigured namespace on"

sg_check_kernel_clean
ksft_finish
