#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "smtpguardctl stats --format prometheus" on a real kernel, run in the
# guest's initial namespace: every namespace it may enter (the router with
# an allow-list and a feed, the mail server's with a feed of its own, its
# own without any), the same numbers as each /proc/net/smtpguard,
# "promtool check metrics" accepts the text, labels netns, feed and
# reason, feeds.conf's update times; -f FILE replaced whole; an
# unprivileged caller gets its own namespace only, without the ledger.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip promtool setpriv
sg_require_module_file
sg_init
sg_plan 6
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die

export SMTPGUARD_FEEDS_CONF=$SG_TMP/feeds.conf SMTPGUARD_STATE_DIR=$SG_TMP/state
printf '203.0.113.77\n' >"$SG_TMP/feodo.txt"
printf 'feed feodo file %s every 1h\n' "$SG_TMP/feodo.txt" >"$SMTPGUARD_FEEDS_CONF"
sg_ctl_ok "$NS_RTR" allow "$MAIL4"
# -n: the state goes to STATE/netns/NAME, where the metrics of NAME look
smtpguardctl -n "$NS_RTR" feeds update >/dev/null || sg_fail "feeds update in $NS_RTR failed"
sg_ctl_ok "$NS_MAIL" block add 198.51.100.99 feed other
# a refused SMTP SYN: counters, a ledger record (reason smtp)
sg_dropped "$NS_CLI" "$OUT4" "" 25 || sg_fail "SMTP to the outside was not dropped"

prom=$SG_TMP/all.prom
smtpguardctl stats --format prometheus >"$prom" 2>"$SG_TMP/err"
check_err $? "stats --format prometheus: $(cat "$SG_TMP/err")"
out=$(promtool check metrics <"$prom" 2>&1)
check_err $? "promtool check metrics: $out"
for ns in "$NS_RTR" "$NS_MAIL"; do
	grep -q "^smtpguard_mode{netns=\"$ns\",mode=\"enforce\"} 1$" "$prom" || sg_fail "no enforce series for $ns"
done
grep -q '^smtpguard_mode{netns="",mode="off"} 1$' "$prom" || sg_fail "the initial namespace (netns \"\") is missing"
log_test "every namespace (the tool's own as netns=\"\"), and promtool check metrics accepts the text"

# value NAME NETNS [LABELS]: the sample's value
value() { sed -n "s/^$1{netns=\"$2\"$3} \\([0-9]*\\)$/\\1/p" "$prom"; }
for k in smtp_inspected smtp_allowed smtp_dropped cnc_dropped offenders_evicted events_sent; do
	expect_eq "$k of $NS_RTR" "$(sg_stat "$NS_RTR" "$k")" "$(value "smtpguard_${k}_total" "$NS_RTR")"
done
for k in allow_entries block_entries block_feeds offenders except_entries; do
	expect_eq "$k of $NS_RTR" "$(sg_stat "$NS_RTR" "$k")" "$(value "smtpguard_$k" "$NS_RTR")"
	expect_eq "$k of $NS_MAIL" "$(sg_stat "$NS_MAIL" "$k")" "$(value "smtpguard_$k" "$NS_MAIL")"
done
[[ $(value smtpguard_smtp_dropped_total "$NS_RTR") -ge 1 ]] || sg_fail "no dropped SMTP counted"
log_test "the samples are the numbers of each namespace's /proc/net/smtpguard"

expect_eq "feed feodo entries" 1 "$(value smtpguard_feed_entries "$NS_RTR" ',feed="feodo"')"
expect_eq "feed other entries" 1 "$(value smtpguard_feed_entries "$NS_MAIL" ',feed="other"')"
expect_eq "offenders by reason smtp" 1 "$(value smtpguard_offenders_by_reason "$NS_RTR" ',reason="smtp"')"
expect_eq "offenders by reason cnc" 0 "$(value smtpguard_offenders_by_reason "$NS_RTR" ',reason="cnc"')"
t=$(value smtpguard_feed_last_success_timestamp_seconds "$NS_RTR" ',feed="feodo"')
((t > 1700000000)) || sg_fail "feodo's last success in $NS_RTR: '$t'"
expect_eq "feodo's last success where it was never updated" 0 \
	"$(value smtpguard_feed_last_success_timestamp_seconds "" ',feed="feodo"')"
expect_eq "feodo's interval" 3600 "$(value smtpguard_feed_update_interval_seconds "$NS_RTR" ',feed="feodo"')"
expect_eq "feodo's last update failed" 0 "$(value smtpguard_feed_last_update_failed "$NS_RTR" ',feed="feodo"')"
log_test "labels feed and reason: feed entries, the ledger by reason, feeds.conf's interval and last success"

# -f FILE: the same text; a run that fails leaves the file as it was.
file=$SG_TMP/node-exporter/smtpguard.prom
mkdir -p "${file%/*}"
smtpguardctl stats --format prometheus -f "$file"
check_err $? "stats -f"
smtpguardctl stats --format prometheus >"$SG_TMP/again.prom"
if ! diff -q "$file" "$SG_TMP/again.prom" >/dev/null; then
	sg_fail "-f FILE differs from the output: $(diff "$file" "$SG_TMP/again.prom" | head -n 5)"
fi
before=$(md5sum <"$file")
smtpguardctl -n no-such-ns-$SG_ID stats --format prometheus -f "$file" 2>/dev/null
expect_eq "exit of a run for a missing namespace" 4 "$?"
expect_eq "the file after a failed run" "$before" "$(md5sum <"$file")"
[[ -z $(find "${file%/*}" -name '.smtpguard.prom.*') ]] || sg_fail "a temporary file was left"
log_test "-f FILE holds the same text, and a failed run leaves the last one"

# An unprivileged caller: no other namespace, no ledger, still valid.
out=$(setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	smtpguardctl stats --format prometheus 2>"$SG_TMP/nobody.err")
check_err $? "stats as nobody: $(cat "$SG_TMP/nobody.err")"
grep -q "netns=\"$NS_RTR\"" <<<"$out" && sg_fail "nobody entered $NS_RTR"
grep -q "netns $NS_RTR skipped: Operation not permitted" "$SG_TMP/nobody.err" ||
	sg_fail "no word of the skipped namespace: $(cat "$SG_TMP/nobody.err")"
grep -q '^smtpguard_offenders_by_reason{' <<<"$out" && sg_fail "nobody read the ledger"
grep -q '^smtpguard_mode{netns="",mode="off"} 1$' <<<"$out" || sg_fail "nobody's own namespace is missing"
promtool check metrics <<<"$out" >/dev/null 2>&1 || sg_fail "promtool refuses nobody's text"
log_test "unprivileged: its own namespace only, no ledger, one line per namespace it may not enter"

sg_check_kernel_clean
ksft_finish
