#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bounded under a flood of new hosts: module parameters offender_inserts
# (new records a second per namespace) and offender_events (new-offender
# events a second).  Past them a new host is counted, not allocated
# (offenders_suppressed), and its event is held back (events_suppressed);
# one summary event a second says how many.
#
#   client -- cli0 [router] out0 -- out; the client sends SYNs to port 25
#   from 3,000 spoofed inside sources (198.18.0.0/15, routed via cli0)
#
#  1. the parameters, their defaults and ranges; the new /proc keys;
#  2. with offender_inserts 40 and offender_events 5, a monitor listening:
#     records + offenders_suppressed = the sources exactly, records within
#     40 a second, new-offender events within 5 a second, and the events
#     plus the summaries' counts = the records exactly;
#  3. offender_inserts 0: no limit, every new source recorded.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq smtpguardctl
sg_require_module_file
sg_require_helper sg_flood
sg_init
sg_plan 4
sg_setup_topology || skip_all "cannot build the topology"

PARAMS=/sys/module/smtpguard/parameters
ip -n "$NS_RTR" route add 198.18.0.0/15 via "$CLI4" dev cli0
ip netns exec "$NS_RTR" sysctl -q -w net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.cli0.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null

ctr() { sg_stat "$NS_RTR" "$1"; }

##############################################################################

sg_load_module_or_die
expect_eq "offender_inserts" 1000 "$(cat $PARAMS/offender_inserts)"
expect_eq "offender_events" 20 "$(cat $PARAMS/offender_events)"
echo 1048577 >$PARAMS/offender_inserts 2>/dev/null && sg_fail "offender_inserts took 1048577"
echo 100001 >$PARAMS/offender_events 2>/dev/null && sg_fail "offender_events took 100001"
echo -1 >$PARAMS/offender_events 2>/dev/null && sg_fail "offender_events took -1"
expect_eq "offender_inserts after bad writes" 1000 "$(cat $PARAMS/offender_inserts)"
expect_eq "offender_events after bad writes" 20 "$(cat $PARAMS/offender_events)"
for k in offenders_suppressed events_suppressed; do
	expect_eq "/proc $k" 0 "$(ctr "$k")"
done
log_test "offender_inserts 1000, offender_events 20 by default, out of range refused; /proc has offenders_suppressed, events_suppressed"

# 2: a flood of new inside hosts, with a monitor listening.
sg_ctl_ok "$NS_RTR" allow "$MAIL4"
echo 40 >$PARAMS/offender_inserts
echo 5 >$PARAMS/offender_events
mon=$SG_TMP/mon.json
smtpguardctl -n "$NS_RTR" -j monitor all >"$mon" 2>"$mon.err" &
SG_PIDS+=("$!")
synced() { sgctl "$NS_RTR" ports 25 >/dev/null; sg_sleep 0.2; [[ -s $mon ]]; }
busywait $((WAIT_TIMEOUT * 1000)) synced || sg_fail "the monitor printed nothing: $(cat "$mon.err")"
t0=$(sg_now_ms)
sg_flood_in "$NS_CLI" -n 3000 -k 3000 198.18.0.1 "$OUT4" 25
secs=$(((($(sg_now_ms) - t0) + 999) / 1000))
all_seen() { (($(ctr offenders) + $(ctr offenders_suppressed) >= 3000)); }
busywait "$(sg_bound 10000)" all_seen
recs=$(ctr offenders) supp=$(ctr offenders_suppressed)
expect_eq "records + offenders_suppressed" 3000 $((recs + supp))
((recs >= 40 && recs <= 40 * (secs + 1))) ||
	sg_fail "$recs records in a flood of $secs s: not within 40 a second"
news() { jq -c 'select(.event == "offender-new")' "$mon" | wc -l; }
summed() { jq -s '[.[] | select(.event == "offender-suppressed") | .count] | add // 0' "$mon"; }
accounted() { (($(news) + $(summed) >= recs)); }
busywait "$(sg_bound 10000)" accounted
n=$(news) s=$(summed)
expect_eq "new-offender events + the summaries' counts" "$recs" $((n + s))
expect_eq "events_suppressed" "$s" "$(ctr events_suppressed)"
((n <= 5 * (secs + 2))) || sg_fail "$n new-offender events in $secs s: not within 5 a second"
((s > 0)) || sg_fail "no summary event although $recs records were made"
sg_diag "flood of $secs s: $recs records, $supp suppressed; $n new-offender events, $s held back in $(jq -c 'select(.event == "offender-suppressed")' "$mon" | wc -l) summaries"
log_test "3,000 new hosts: records + suppressed exact, within 40 records and 5 events a second, events + summaries = records"

# 3: no limit.
echo 0 >$PARAMS/offender_inserts
sg_ctl_ok "$NS_RTR" offenders flush
s0=$(ctr offenders_suppressed)
sg_flood_in "$NS_CLI" -n 1000 -k 1000 198.19.0.1 "$OUT4" 25
thousand() { [[ $(ctr offenders) == 1000 ]]; }
busywait "$(sg_bound 10000)" thousand
expect_eq "records with offender_inserts 0" 1000 "$(ctr offenders)"
expect_eq "offenders_suppressed with offender_inserts 0" "$s0" "$(ctr offenders_suppressed)"
echo 1000 >$PARAMS/offender_inserts
echo 20 >$PARAMS/offender_events
log_test "offender_inserts 0: no limit, 1,000 new sources all recorded"

sg_check_kernel_clean
ksft_finish
