#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SMTP policy takes effect only once an allow-list was configured in
# the namespace: blocking a C&C address alone never touches mail (story 2
# without story 1).  Topology in lib.sh.
#
#   block only:  client and mail server both reach the outside MX;
#                smtp_policy 0, nothing inspected
#   allow MAIL:  client dropped, mail server passes; smtp_policy 1
#   allow flush: the seed chain without ACCEPT lines: all SMTP dropped
#   allow off:   SMTP not inspected again; the blocklist stays
#   allow none:  a fresh namespace guarded with an empty list

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 8
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_load_module_or_die

# delivered NS SERVER: one message goes through; the MX counts it.
delivered()
{
	local mails

	mails=$(sg_mail_count "$NS_OUT")
	sg_smtp "$1" "$2" 25 || { sg_fail "SMTP from $1 to $2 failed:"$'\n'"$(sg_swaks_log_tail)"; return; }
	expect_eq "messages at the outside MX after SMTP from $1" $((mails + 1)) "$(sg_mail_count "$NS_OUT")"
}

# dropped NS SERVER: no answer within the drop timeout, smtp_dropped moved,
# the MX saw no connection.
dropped()
{
	local before opens

	before=$(sg_stat "$NS_RTR" smtp_dropped)
	opens=$(sg_passive_opens "$NS_OUT")
	sg_smtp_blocked "$1" "$2" 25
	check_fail $? "SMTP from $1 to $2 got through, it must be dropped"
	expect_gt "smtp_dropped (SMTP from $1)" "$(sg_stat "$NS_RTR" smtp_dropped)" "$before"
	expect_eq "connections the outside MX accepted" "$opens" "$(sg_passive_opens "$NS_OUT")"
}

# 1: one C&C block in an unconfigured router: enforce, SMTP untouched.
out=$(sgctl "$NS_RTR" block 198.51.100.250 2>&1)
check_err $? "block 198.51.100.250: $out"
expect_eq "lines printed by the first block" 1 "$(grep -c . <<<"$out")"
[[ $out == "mode: enforce "*"SMTP is not inspected until an allow-list is configured"* ]] ||
	sg_fail "the first block printed '$out'"
expect_eq "mode" enforce "$(sg_stat "$NS_RTR" mode)"
expect_eq "smtp_policy" 0 "$(sg_stat "$NS_RTR" smtp_policy)"
log_test "the first block switches to enforce and says SMTP is not inspected"

delivered "$NS_MAIL" "$OUT4"
delivered "$NS_CLI" "$OUT4"
delivered "$NS_CLI" "$OUT6"
expect_eq "smtp_inspected" 0 "$(sg_stat "$NS_RTR" smtp_inspected)"
expect_eq "smtp_dropped" 0 "$(sg_stat "$NS_RTR" smtp_dropped)"
log_test "with a blocklist only, the mail server and the client send mail (IPv4, IPv6), nothing inspected"

# 2: an allow-list puts the policy in effect.
out=$(sgctl "$NS_RTR" allow "$MAIL4" "$MAIL6" 2>&1)
check_err $? "allow: $out"
[[ -z $out ]] || sg_fail "allow into an enforcing namespace printed: $out"
expect_eq "smtp_policy" 1 "$(sg_stat "$NS_RTR" smtp_policy)"
dropped "$NS_CLI" "$OUT4"
delivered "$NS_MAIL" "$OUT4"
log_test "allow MAIL: the client's SMTP is dropped, the mail server's passes"

# 3: flush keeps the policy: no ACCEPT line left, all SMTP dropped.
sg_ctl_ok "$NS_RTR" allow flush
expect_eq "smtp_policy after allow flush" 1 "$(sg_stat "$NS_RTR" smtp_policy)"
expect_eq "allow_entries after allow flush" 0 "$(sg_stat "$NS_RTR" allow_entries)"
dropped "$NS_MAIL" "$OUT4"
log_test "allow flush keeps the SMTP policy: the mail server's SMTP is dropped too"

# 4: off: SMTP not inspected, the blocklist untouched.
sg_ctl_ok "$NS_RTR" allow off
expect_eq "smtp_policy after allow off" 0 "$(sg_stat "$NS_RTR" smtp_policy)"
expect_eq "block_entries after allow off" 1 "$(sg_stat "$NS_RTR" block_entries)"
inspected=$(sg_stat "$NS_RTR" smtp_inspected)
delivered "$NS_CLI" "$OUT4"
expect_eq "smtp_inspected after allow off" "$inspected" "$(sg_stat "$NS_RTR" smtp_inspected)"
log_test "allow off: SMTP passes uninspected, the blocklist stays"

# 5: save and restore carry the policy: "allow none" and no allow line.
sg_ctl_ok "$NS_RTR" allow none
expect_eq "smtp_policy after allow none" 1 "$(sg_stat "$NS_RTR" smtp_policy)"
sgctl "$NS_RTR" save >"$SG_TMP/none.conf"
grep -qx 'allow none' "$SG_TMP/none.conf" || sg_fail "save of an armed empty list: $(cat "$SG_TMP/none.conf")"
sg_ctl_ok "$NS_RTR" allow off
sgctl "$NS_RTR" save >"$SG_TMP/off.conf"
grep -q '^allow' "$SG_TMP/off.conf" && sg_fail "save without an allow-list has allow lines: $(cat "$SG_TMP/off.conf")"
sg_ctl_ok "$NS_RTR" restore "$SG_TMP/none.conf"
expect_eq "smtp_policy after restoring 'allow none'" 1 "$(sg_stat "$NS_RTR" smtp_policy)"
dropped "$NS_MAIL" "$OUT4"
sg_ctl_ok "$NS_RTR" restore "$SG_TMP/off.conf"
expect_eq "smtp_policy after restoring a file without allow" 0 "$(sg_stat "$NS_RTR" smtp_policy)"
log_test "save writes 'allow none' for an armed empty list and nothing when off; restore applies both"

# 6: a fresh namespace guarded by 'allow none' alone.
sg_unload_module
sg_load_module_or_die
out=$(sgctl "$NS_RTR" allow none 2>&1)
check_err $? "allow none: $out"
[[ $out == "mode: enforce (switched automatically by the first allow;"* ]] ||
	sg_fail "allow none in a fresh namespace printed '$out'"
expect_eq "smtp_policy" 1 "$(sg_stat "$NS_RTR" smtp_policy)"
dropped "$NS_CLI" "$OUT4"
log_test "allow none in a fresh namespace: enforce, every SMTP connection dropped"

sg_check_kernel_clean
ksft_finish
