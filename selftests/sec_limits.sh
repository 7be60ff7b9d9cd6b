#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-namespace resource limits (issue 6, item 4), hit from a "container":
# a network namespace whose configuration runs in a memory cgroup v2 child
# of its own, while another namespace, "the host" (lib.sh's router with
# its client, mail server and outside MX), keeps its configuration and its
# traffic verdicts and can still change its own set.
#
#   max_block_entries (module parameter, set to 1000 here): ENOSPC with a
#     message, the set unchanged; the hash-slot bound it implies (4 slots
#     per allowed entry) for prefixes that expand to many slots;
#   64 feeds per namespace: the 65th is refused (ENOSPC), a flushed feed
#     frees its slot;
#   8 open transactions per namespace: the 9th is refused (EBUSY), closing
#     a socket aborts its transaction and frees the slot;
#   a transaction larger than max_block_entries: ENOSPC while staging;
#   the allow-list's 4096 prefixes: ENOSPC;
#   max_offenders: a flood of new hosts evicts the least recently seen
#     (no error), offenders_evicted counts them;
#   memory: a big feed and a big ledger are charged to the container's
#     cgroup (the ledger even when the packets come from elsewhere), and
#     flush gives it back.
# Each section puts back the module parameters it changed.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq python3 smtpguardctl timeout
sg_require_module_file
sg_require_python
FLOOD=$SG_HELPERS/sg_flood
sg_require_helper sg_flood
sg_init
sg_plan 13
sg_setup_topology || skip_all "cannot build the topology"

export PYTHONDONTWRITEBYTECODE=1
SECNL=$SG_SELFTESTS/sec_nl.py
PARAMS=/sys/module/smtpguard/parameters
NS_C=sg-ctr-$SG_ID
NS_L=sg-ctrlan-$SG_ID
CNC=203.0.113.66
CAP=1000
BIG=${SG_LIMITS_BIG:-100000}

# in_cg CMD...: CMD inside the container: its namespace and its cgroup.
in_cg()
{
	sg_cg_exec "$NS_C" "$@"
}

ctl_c()
{
	in_cg smtpguardctl "$@"
}

# The host's configuration, without what traffic changes (hits, counters).
host_conf()
{
	sgctl "$NS_RTR" -j mode
	sgctl "$NS_RTR" -j ports
	sgctl "$NS_RTR" -j allow list
	sgctl "$NS_RTR" -j block list | jq -c 'map(del(.hits, .last_hit))'
	# the configuration: not the per-feed counters, which verdicts move
	sgctl "$NS_RTR" -j block feeds | jq -c 'map(del(.dropped, .would_drop))'
	sgctl "$NS_RTR" -j except list
	sgctl "$NS_RTR" -j inside
}

# The host works as before: the same configuration, the same verdicts, and
# it can still change its own set (a temporary feed of one entry).
host_ok()
{
	local d out

	d=$(diff "$SG_TMP/host.conf" <(host_conf))
	[[ -z $d ]] || sg_fail "the host's configuration changed:"$'\n'"$d"
	sg_reach "$NS_CLI" "$CNC" - 443 1
	expect_eq "host: client -> C&C $CNC (1: dropped)" 1 $?
	sg_reach "$NS_CLI" "$OUT4" - 9 5
	expect_eq "host: client -> $OUT4:9 (0: answered)" 0 $?
	sg_reach "$NS_CLI" "$OUT4" - 25 1
	expect_eq "host: client -> $OUT4:25 SMTP (1: dropped)" 1 $?
	sg_reach "$NS_MAIL" "$OUT4" - 25 5
	expect_eq "host: mail server -> $OUT4:25 SMTP (0: passed)" 0 $?
	out=$(sgctl "$NS_RTR" block 203.0.113.99 feed hosttmp 2>&1) ||
		sg_fail "the host cannot add to its own set: $out"
	out=$(sgctl "$NS_RTR" block flush feed hosttmp 2>&1) ||
		sg_fail "the host cannot flush its own feed: $out"
}

# one_error DESC OUT RC PATTERN: the tool failed with exit 3 and one
# "Error: " line matching PATTERN.
one_error()
{
	local desc=$1 out=$2 rc=$3 re=$4

	if ((rc != 3)) || [[ $(grep -c . <<<"$out") != 1 || $out != Error:* ]] ||
		! grep -qiE "$re" <<<"$out"; then
		sg_fail "$desc: expected exit 3 and one 'Error: ...$re...' line, got exit $rc:"$'\n'"$out"
	fi
}

c_state()
{
	ctl_c -j block list
	ctl_c -j block feeds
	ctl_c -j allow list
}

sg_cg_init smtpguard-limits || skip_all "no cgroup2 memory controller"
sg_load_module_or_die
T0=$(sg_now_ms)
orig_max_block=$(<$PARAMS/max_block_entries)
orig_max_off=$(<$PARAMS/max_offenders)
sg_add_ns "$NS_C" "$NS_L" || skip_all "cannot create $NS_C and $NS_L"

# The host: NAT-less router with an allow-list, a C&C address, a feed.
ip -n "$NS_OUT" addr add "$CNC/32" dev eth0
ip -n "$NS_RTR" route add "$CNC/32" via "$OUT4"
printf '203.0.113.66\n203.0.113.67\n198.51.100.192/26\n' >"$SG_TMP/host.txt"
sg_ctl_ok "$NS_RTR" allow "$MAIL4" "$MAIL6"
sg_ctl_ok "$NS_RTR" block load --replace --feed hostfeed "$SG_TMP/host.txt"
sg_ctl_ok "$NS_RTR" block 203.0.113.5
# (a feed that was there and is flushed again, as host_ok does)
sg_ctl_ok "$NS_RTR" block 203.0.113.99 feed hosttmp
sg_ctl_ok "$NS_RTR" block flush feed hosttmp
host_conf >"$SG_TMP/host.conf"
# The container: a router of its own (its LAN namespace behind c0, a
# route to 203.0.113.128/25 out of c2), first configured from its cgroup
# (the ledger's memory is charged there).
ip link add name c0 netns "$NS_C" type veth peer name eth0 netns "$NS_L"
ip -n "$NS_C" link add c2 type veth peer name c3
ip -n "$NS_C" -batch - <<-EOF2
	addr add 192.168.77.1/24 dev c0
	addr add 203.0.113.129/25 dev c2
	link set c0 up
	link set c2 up
	link set c3 up
EOF2
ip -n "$NS_L" -batch - <<-EOF2
	addr add 192.168.77.2/24 dev eth0
	link set eth0 up
	route add default via 192.168.77.1
EOF2
ip netns exec "$NS_C" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.c0.rp_filter=0 >/dev/null
# the LAN's spoofed sources are routed back through it: inside hosts
ip -n "$NS_C" route add 198.18.0.0/15 via 192.168.77.2 dev c0
out=$(ctl_c allow 192.0.2.200 2>&1)
check_err $? "container: allow: $out"
expect_eq "container mode" enforce "$(sg_stat "$NS_C" mode)"
host_ok
log_test "host configured (enforce, 4 entries in 2 feeds), container configured from cgroup ${SG_CG##*/}"

##############################################################################
# The writable parameters take only what the code can build.

# param_refused NAME VALUE: the write fails and the value stays.
param_refused()
{
	local before err

	before=$(<"$PARAMS/$1")
	err=$( (echo "$2" >"$PARAMS/$1") 2>&1) && sg_fail "$1=$2 was accepted"
	expect_eq "$1 after writing $2 ($err)" "$before" "$(<"$PARAMS/$1")"
}
for v in 0 4194305 4294967295 -1 lots; do
	param_refused max_block_entries "$v"
done
for v in 1048577 4294967295 -1; do
	param_refused max_offenders "$v"
done
for v in 0 86401; do
	param_refused offender_interval "$v"
done
echo 4194304 >$PARAMS/max_block_entries || sg_fail "max_block_entries=4194304 refused"
echo 1 >$PARAMS/max_block_entries || sg_fail "max_block_entries=1 refused"
out=$(ctl_c block 100.100.0.1 2>&1)
check_err $? "container: one entry with max_block_entries 1: $out"
out=$(ctl_c block 100.100.0.2 2>&1)
one_error "container: a second entry with max_block_entries 1" "$out" $? "blocklist is full.*max_block_entries"
sg_ctl_ok "$NS_C" block flush
echo "$orig_max_block" >$PARAMS/max_block_entries
host_ok
log_test "max_block_entries 1..4194304, max_offenders 0..1048576, offender_interval 1..86400: other values refused, nothing changed"

##############################################################################
# max_block_entries

echo $CAP >$PARAMS/max_block_entries || sg_fail "cannot set max_block_entries"
python3 - "$CAP" >"$SG_TMP/cap.txt" <<'PY'
import ipaddress, sys
base = int(ipaddress.ip_address("100.64.0.0"))
for i in range(int(sys.argv[1])):
    print(ipaddress.ip_address(base + i))
PY
out=$(ctl_c block load --replace --feed capfeed "$SG_TMP/cap.txt" 2>&1)
check_err $? "container: loading $CAP entries with max_block_entries $CAP: $out"
expect_eq "container block_entries" $CAP "$(sg_stat "$NS_C" block_entries)"
c_state >"$SG_TMP/c.full"
out=$(ctl_c block 100.127.0.1 2>&1)
one_error "container: one entry past the cap" "$out" $? "blocklist is full"
sg_diag "past the cap: $out"
res=$(in_cg python3 "$SECNL" add - 100.127.0.1 2>&1)
[[ $res == "add ENOSPC "* ]] || sg_fail "raw BLOCK_ADD past the cap: $res (expected ENOSPC)"
out=$(printf '100.127.0.2\n100.127.0.3\n' | ctl_c block load --feed other - 2>&1)
one_error "container: a load past the cap" "$out" $? "blocklist is full"
d=$(diff "$SG_TMP/c.full" <(c_state))
[[ -z $d ]] || sg_fail "the container's set changed:"$'\n'"$d"
expect_eq "container block_entries" $CAP "$(sg_stat "$NS_C" block_entries)"
host_ok
log_test "max_block_entries $CAP: ENOSPC '${out#Error: }', the set unchanged, the host unaffected"

# a transaction larger than the cap: refused while staging
out=$(ctl_c block flush 2>&1)
check_err $? "container: block flush: $out"
c_state >"$SG_TMP/c.empty"
# the hash-slot bound: prefixes that expand to 128 slots each (IPv6 /57
# lives at the /64 level); 4 slots per allowed entry, at least 4096
wide=()
for i in $(seq 0 39); do
	wide+=("$(printf '2001:db8:%x::/57' $((i * 2)))")
done
res=$(in_cg python3 "$SECNL" add wide "${wide[@]}" 2>&1)
sg_diag "40 IPv6 /57s (5120 slots) with max_block_entries $CAP: $res"
[[ $res == "add ENOSPC "*slots* ]] || sg_fail "40 /57s past the slot bound: $res (expected ENOSPC naming the slots)"
d=$(diff "$SG_TMP/c.empty" <(c_state))
[[ -z $d ]] || sg_fail "the container's set changed:"$'\n'"$d"
log_test "prefixes expanding past 4 x max(max_block_entries, 1024) hash slots: ENOSPC, nothing changes"

res=$(in_cg python3 "$SECNL" stage big $((CAP + 1)) 2>&1)
sg_diag "a transaction of $((CAP + 1)): $res"
[[ $res == "stage ENOSPC "*max_block_entries* ]] || sg_fail "staging $((CAP + 1)) entries: $res (expected ENOSPC)"
python3 - $((CAP + 500)) >"$SG_TMP/over.txt" <<'PY'
import ipaddress, sys
base = int(ipaddress.ip_address("100.96.0.0"))
for i in range(int(sys.argv[1])):
    print(ipaddress.ip_address(base + i))
PY
out=$(ctl_c block load --replace --feed over "$SG_TMP/over.txt" 2>&1)
one_error "container: load of $((CAP + 500)) entries" "$out" $? "max_block_entries"
d=$(diff "$SG_TMP/c.empty" <(c_state))
[[ -z $d ]] || sg_fail "the container's set changed:"$'\n'"$d"
expect_eq "open transactions left (a new load works)" 0 "$(ctl_c block load --feed small - <<<"100.100.100.1" >/dev/null 2>&1; echo $?)"
sg_ctl_ok "$NS_C" block flush
host_ok
log_test "a transaction larger than max_block_entries: ENOSPC '${out#Error: }', nothing changes"

# All open transactions of a namespace together stage at most
# max_block_entries prefixes: 8 sockets cannot pin 8 times the cap.
rm -f "$SG_TMP/held.go"
in_cg python3 "$SECNL" hold held $((CAP * 3 / 4)) "$SG_TMP/held.go" >"$SG_TMP/held.out" 2>&1 &
hold_pid=$!
SG_PIDS+=("$hold_pid")
busywait "$(sg_bound 30000)" grep -q '^held ' "$SG_TMP/held.out" ||
	sg_fail "the first transaction was not staged: $(cat "$SG_TMP/held.out")"
res=$(in_cg python3 "$SECNL" stage second $((CAP / 2)) 2>&1)
sg_diag "a second transaction of $((CAP / 2)) beside one of $((CAP * 3 / 4)): $res"
[[ $res == "stage ENOSPC open transactions stage more than max_block_entries"* ]] ||
	sg_fail "staging past the namespace's bound: $res (expected ENOSPC)"
touch "$SG_TMP/held.go"
wait "$hold_pid"
res=$(in_cg python3 "$SECNL" stage second $((CAP / 2)) 2>&1)
expect_eq "the same transaction once the first socket closed" "commit OK" "$res"
sg_ctl_ok "$NS_C" block flush
host_ok
log_test "open transactions together stage at most max_block_entries: ENOSPC, then room once one closes"

echo "$orig_max_block" >$PARAMS/max_block_entries

##############################################################################
# 64 feeds

res=$(in_cg python3 "$SECNL" feeds 64 2>&1)
expect_eq "64 feeds" "feeds ok 64" "$res"
expect_eq "container block_feeds" 64 "$(sg_stat "$NS_C" block_feeds)"
c_state >"$SG_TMP/c.feeds"
out=$(ctl_c block 100.101.0.1 feed f65 2>&1)
one_error "container: a 65th feed" "$out" $? "too many feeds"
res=$(in_cg python3 "$SECNL" add f66 100.101.0.2 2>&1)
[[ $res == "add ENOSPC "* ]] || sg_fail "raw 66th feed: $res (expected ENOSPC)"
out2=$(printf '100.101.0.3\n' | ctl_c block load --feed f67 - 2>&1)
one_error "container: a load into a 67th feed" "$out2" $? "too many feeds"
d=$(diff "$SG_TMP/c.feeds" <(c_state))
[[ -z $d ]] || sg_fail "the container's set changed:"$'\n'"$d"
# an existing feed still takes entries, a flushed one frees its slot
sg_ctl_ok "$NS_C" block 100.101.0.4 feed f64
sg_ctl_ok "$NS_C" block flush feed f1
sg_ctl_ok "$NS_C" block 100.101.0.5 feed f65
expect_eq "container block_feeds" 64 "$(sg_stat "$NS_C" block_feeds)"
host_ok
log_test "64 feeds: the 65th ENOSPC '${out#Error: }', an existing feed grows, flushing one frees its slot"
sg_ctl_ok "$NS_C" block flush

##############################################################################
# 8 open transactions

rm -f "$SG_TMP/go-txns"
in_cg python3 "$SECNL" txns 9 "$SG_TMP/go-txns" >"$SG_TMP/txns.out" 2>&1 &
txpid=$!
SG_PIDS+=("$txpid")
busywait "$(sg_bound 60000)" grep -q '^begin 9 ' "$SG_TMP/txns.out" || sg_fail "txns: $(cat "$SG_TMP/txns.out")"
expect_eq "transactions 1..8" 8 "$(grep -c '^begin [1-8] OK ' "$SG_TMP/txns.out")"
line9=$(grep '^begin 9 ' "$SG_TMP/txns.out")
[[ $line9 == "begin 9 EBUSY "*"too many open transactions"* ]] || sg_fail "the 9th transaction: $line9 (expected EBUSY, too many open transactions)"
out=$(ctl_c block load --feed more "$SG_TMP/host.txt" 2>&1)
one_error "container: block load with 8 transactions open" "$out" $? "too many open transactions"
# the host opens, fills and commits its own meanwhile
out2=$(sgctl "$NS_RTR" block load --replace --feed hostfeed "$SG_TMP/host.txt" 2>&1)
check_err $? "the host's own load while the container holds 8: $out2"
host_ok
touch "$SG_TMP/go-txns"
wait "$txpid"
again=$(grep '^again ' "$SG_TMP/txns.out")
[[ $again == "again OK "* ]] || sg_fail "after closing one socket: $again (expected OK: its transaction aborted)"
expect_eq "container block_entries after the aborted transactions" 0 "$(sg_stat "$NS_C" block_entries)"
out2=$(ctl_c block load --feed more "$SG_TMP/host.txt" 2>&1)
check_err $? "container: a load once the sockets are closed: $out2"
sg_ctl_ok "$NS_C" block flush
log_test "8 open transactions: the 9th EBUSY '${out#Error: }', a closed socket frees its slot, the host loads"

##############################################################################
# the allow-list: 4096 prefixes

sg_ctl_ok "$NS_C" allow flush
for i in $(seq 0 7); do
	chunk=()
	for j in $(seq 0 511); do
		n=$((i * 512 + j))
		chunk+=("10.$((n / 256 + 100)).$((n % 256)).0/24")
	done
	out=$(ctl_c allow "${chunk[@]}" 2>&1) ||
		{ sg_fail "container: allow chunk $i: $out"; break; }
done
expect_eq "container allow_entries" 4096 "$(sg_stat "$NS_C" allow_entries)"
c_state >"$SG_TMP/c.allow"
out=$(ctl_c allow 10.200.0.0/24 2>&1)
one_error "container: the 4097th allow prefix" "$out" $? "allow-list is full"
d=$(diff "$SG_TMP/c.allow" <(c_state))
[[ -z $d ]] || sg_fail "the container's allow-list changed"
sg_ctl_ok "$NS_C" allow flush
host_ok
log_test "allow-list: 4096 prefixes, the 4097th ENOSPC '${out#Error: }'"

##############################################################################
# max_offenders and the ledger's memory

# spoofed SYNs to port 25 from the container's LAN, dropped where the
# container forwards them: one record per source; sg_flood itself runs
# outside the container's cgroup (and a local drop would stop it: EPERM)
cflood()
{
	local out

	out=$(ip netns exec "$NS_L" "$FLOOD" "$@" 2>&1)
	[[ $out == "sent $2" ]] || sg_fail "sg_flood $*: $out"
}

ev0=$(sg_stat "$NS_C" offenders_evicted)
host_off=$(sg_stat "$NS_RTR" offenders)
host_ev=$(sg_stat "$NS_RTR" offenders_evicted)
echo 100 >$PARAMS/max_offenders || sg_fail "cannot set max_offenders to 100"
# every new host a record, however fast (ledger_budget.sh tests the budget)
orig_inserts=$(<$PARAMS/offender_inserts)
echo 0 >$PARAMS/offender_inserts
smtp0=$(sg_stat "$NS_C" smtp_dropped)
cflood -n 1000 -k 1000 198.18.0.1 203.0.113.130 25
expect_eq "container smtp_dropped delta" 1000 $(($(sg_stat "$NS_C" smtp_dropped) - smtp0))
expect_eq "container offenders with max_offenders 100" 100 "$(sg_stat "$NS_C" offenders)"
expect_eq "container offenders_evicted delta" 900 $(($(sg_stat "$NS_C" offenders_evicted) - ev0))
res=$(ctl_c -j offenders | python3 -c '
import ipaddress, json, sys
got = {r["address"] for r in json.load(sys.stdin)}
base = int(ipaddress.ip_address("198.18.0.1"))
want = {str(ipaddress.ip_address(base + i)) for i in range(900, 1000)}
print(f"records {len(got)} missing {len(want - got)} extra {len(got - want)}")')
expect_eq "the records are the newest 100 sources" "records 100 missing 0 extra 0" "$res"
expect_eq "host offenders" "$host_off" "$(sg_stat "$NS_RTR" offenders)"
expect_eq "host offenders_evicted" "$host_ev" "$(sg_stat "$NS_RTR" offenders_evicted)"
host_ok
log_test "max_offenders 100: 1000 new hosts, no error, 100 records, 900 evicted and counted; the host's ledger untouched"
sg_ctl_ok "$NS_C" offenders flush

echo 20000 >$PARAMS/max_offenders || sg_fail "cannot set max_offenders to 20000"
base=$(sg_cg_bytes)
cflood -n 20000 -k 20000 198.18.0.1 203.0.113.130 25
expect_eq "container offenders" 20000 "$(sg_stat "$NS_C" offenders)"
full=$(sg_cg_bytes)
out=$(ctl_c offenders flush 2>&1)
check_err $? "container: offenders flush: $out"
# records are freed a grace period after the flush
returned() { after=$(sg_cg_bytes); ((after - base < 2 * 1024 * 1024)); }
busywait "$(sg_bound 20000)" returned
sg_diag "container cgroup: $base bytes, $full with 20000 offender records (sent from outside it), $after after flush"
((full - base > 20000 * 128)) || sg_fail "the records are not charged to the container's cgroup: +$((full - base)) bytes"
((after - base < 2 * 1024 * 1024)) || sg_fail "offenders flush left $((after - base)) bytes charged"
echo "$orig_max_off" >$PARAMS/max_offenders
echo "$orig_inserts" >$PARAMS/offender_inserts
host_ok
log_test "20000 offender records charged to the container's cgroup (+$(((full - base) / 1024)) KiB), returned by flush"

# a big feed: charged to the loader's cgroup, returned by flush
python3 - "$BIG" >"$SG_TMP/big.txt" <<'PY'
import ipaddress, sys
base = int(ipaddress.ip_address("100.64.0.0"))
for i in range(int(sys.argv[1])):
    print(ipaddress.ip_address(base + i))
PY
base=$(sg_cg_bytes)
out=$(ctl_c block load --replace --feed big "$SG_TMP/big.txt" 2>&1)
check_err $? "container: loading $BIG entries: $out"
full=$(sg_cg_bytes)
bb=$(sg_stat "$NS_C" block_bytes)
out=$(ctl_c block flush 2>&1)
check_err $? "container: block flush: $out"
busywait "$(sg_bound 20000)" returned
sg_diag "container cgroup: $base bytes, $full with $BIG entries (block_bytes $bb), $after after flush"
# Packed hosts: a key and a feed-set id, 6 bytes each at the least.
((full - base > BIG * 6)) || sg_fail "the set is not charged to the container's cgroup: +$((full - base)) bytes"
((full - base >= bb * 9 / 10)) || sg_fail "charged +$((full - base)) bytes, block_bytes says $bb"
((after - base < 2 * 1024 * 1024)) || sg_fail "block flush left $((after - base)) bytes charged"
expect_eq "block_bytes after flush" 0 "$(sg_stat "$NS_C" block_bytes)"
host_ok
log_test "$BIG entries charged to the container's cgroup (+$(((full - base) / 1024)) KiB), returned by flush"

sg_diag "elapsed: $((($(sg_now_ms) - T0) / 1000)) s"

sg_unload_module
check_err $? "rmmod failed"
sg_check_kernel_clean
ksft_finish
