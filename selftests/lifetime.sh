#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lifetimes under load: the per-namespace state is freed only when nothing
# can touch it any more.  Runs with 2 vCPUs or more (check.sh boots it so):
# with one, the races below cannot happen and the test proves nothing.
#
#   1. namespace deletion while its blocklist listings expire, with an
#      events listener in another namespace (genl_has_listeners() is
#      global, so the expiry worker builds an event): the worker must be
#      stopped before the namespace's policy goes;
#   2. rmmod while a client floods refused SMTP SYNs from many addresses
#      through a router that has only an allow-list (every packet counts
#      and writes the offender ledger);
#   3. namespace deletion under the same flood.
#
# Each SMTPGUARD_LIFETIME_ROUNDS times (default 50); SMTPGUARD_LIFETIME_PARTS
# (default "1 2 3") runs only some of them, the others reported as skipped
# (to show one finding on an old module).  Afterwards the kernel log
# has no oops, BUG, WARNING or KASAN report, the module unloads and its
# slab caches are gone.
#
# Meanwhile an nft table with accept-all base chains at the module's hook
# points stays loaded in the guest's initial namespace: the kernel's
# nf_hooks_needed static keys then never go between 0 and 1 when the
# module registers or unregisters its hooks, so no kernel text is patched
# while the flood runs.  QEMU's TCG (7.2, 2 vCPUs) executes stale code
# after such a cross-modifying patch: "Oops: int3" at the jump label in
# ip_local_deliver, whatever module or chain flipped the key.  What this
# test is about, packets still inside smtpguard's hooks while its state
# goes, is untouched by it.
#
#   client ns --veth-- router ns (deleted and made again in part 3)
#   192.0.2.10          192.0.2.1, SMTP allowed only to 10.10.10.10

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

ROUNDS=${SMTPGUARD_LIFETIME_ROUNDS:-50}
PARTS=" ${SMTPGUARD_LIFETIME_PARTS:-1 2 3} "
part() { [[ $PARTS == *" $1 "* ]]; }
FLOOD=$SG_HELPERS/sg_flood
NL="/usr/bin/python3 $SG_SELFTESTS/sec_nl.py"

sg_require_root
sg_require_module_file
sg_require_cmd ip nft smtpguardctl insmod rmmod dmesg timeout
sg_require_helper sg_flood
(($(nproc) >= 2)) || skip_all "one CPU: the races this test looks for need two (run.sh --smp 2)"
sg_init
sg_plan 5

sg_add_ns "$NS_CLI" "$NS_RTR" || skip_all "cannot create namespaces"

# link_router: the router namespace, linked to the client, allow-list only.
link_router()
{
	ip link add name cli0 netns "$NS_RTR" type veth peer name eth0 netns "$NS_CLI" 2>/dev/null ||
		ip -n "$NS_CLI" link add name eth0 type veth peer name cli0 netns "$NS_RTR" || return 1
	ip -n "$NS_RTR" addr add "$RTR_CLI4/24" dev cli0 &&
		ip -n "$NS_RTR" link set cli0 up &&
		ip -n "$NS_RTR" link set lo up &&
		ip -n "$NS_CLI" addr replace "$CLI4/24" dev eth0 &&
		ip -n "$NS_CLI" link set eth0 up &&
		busywait $((WAIT_TIMEOUT * 1000)) sg_link_up "$NS_CLI" eth0
}

# flood_start: SYNs to the router's port 25 from 4096 client-side
# addresses, until killed; FLOOD_PID.
flood_start()
{
	ip netns exec "$NS_CLI" "$FLOOD" -n 100000000 -k 4096 -b 64 \
		192.0.2.100 "$RTR_CLI4" 25 >/dev/null 2>&1 &
	FLOOD_PID=$!
	SG_PIDS+=("$FLOOD_PID")
}

flood_stop()
{
	kill "$FLOOD_PID" 2>/dev/null
	wait "$FLOOD_PID" 2>/dev/null
}

# counted NS: the router refused at least one packet since it was set up.
counted()
{
	local d

	d=$(ip netns exec "$1" cat /proc/net/smtpguard 2>/dev/null | sed -n 's/^smtp_dropped //p')
	[[ -n $d ]] && ((d > 0))
}

check_log()
{
	local bad

	bad=$(sg_klog_since_mark | grep -E "$SG_OOPS_RE")
	[[ -z $bad ]] || sg_fail "kernel log:"$'\n'"$(head -n 40 <<<"$bad")"
}

nft -f - <<-EOF || skip_all "cannot load the nft table that keeps the hook keys on"
	table inet sg_keep_hooks_$$ {
		chain c_in { type filter hook input priority 0; policy accept; }
		chain c_fwd { type filter hook forward priority 0; policy accept; }
		chain c_out { type filter hook output priority 0; policy accept; }
	}
EOF
keep_table=sg_keep_hooks_$$

sg_load_module_or_die

# --- 1: namespace deletion while listings expire -----------------------
# Each namespace (monitor mode, an allow-list) gets a ledger of 8000
# records from spoofed SYNs to its loopback, a feed large enough that
# every expiry takes a while and listings that keep expiring from about a
# second on; it is deleted while they do.  Freeing a big ledger takes
# time: a worker that still ran then would meet a namespace half gone.
if part 1; then
orig_max_off=$(</sys/module/smtpguard/parameters/max_offenders)
echo 10000 >/sys/module/smtpguard/parameters/max_offenders
# all 8000 records, however fast they come (no insertion budget)
orig_inserts=$(</sys/module/smtpguard/parameters/offender_inserts)
echo 0 >/sys/module/smtpguard/parameters/offender_inserts
smtpguardctl monitor >"$SG_TMP/monitor.out" 2>&1 &
mon_pid=$!
SG_PIDS+=("$mon_pid")
sg_klog_mark
for ((r = 1; r <= ROUNDS; r++)); do
	ns=sg-life-$SG_ID-$r
	ip netns add "$ns" || { sg_fail "round $r: ip netns add"; break; }
	ip -n "$ns" link set lo up
	out=$(ip netns exec "$ns" smtpguardctl mode monitor 2>&1 &&
		ip netns exec "$ns" smtpguardctl allow "$MAIL4" 2>&1 &&
		ip netns exec "$ns" "$FLOOD" -n 8000 -k 8000 198.18.0.1 127.0.0.1 25 2>&1 &&
		ip netns exec "$ns" $NL expiry 5000 40 2>&1)
	if [[ $out != *"sent 8000"*"expiry ok" ]]; then
		sg_fail "round $r: $out"
		ip netns del "$ns"
		break
	fi
	sg_sleep 0.8
	ip netns del "$ns"
done
kill "$mon_pid" 2>/dev/null
wait "$mon_pid" 2>/dev/null
echo "$orig_max_off" >/sys/module/smtpguard/parameters/max_offenders
echo "$orig_inserts" >/sys/module/smtpguard/parameters/offender_inserts
check_log
log_test "$ROUNDS namespaces with 8000 offender records deleted while their listings expire, a monitor listening elsewhere"
else
	log_skip "namespace deletion while listings expire" "not in SMTPGUARD_LIFETIME_PARTS"
fi

# --- 2: rmmod under a flood, allow-list only -----------------------------
link_router || skip_all "cannot link the router"
if part 2; then
flood_start
sg_klog_mark
for ((r = 1; r <= ROUNDS; r++)); do
	if ! sg_module_loaded && ! sg_load_module; then
		sg_fail "round $r: insmod failed"
		break
	fi
	sg_ctl_ok "$NS_RTR" allow "$MAIL4" >/dev/null || break
	if ! busywait $((WAIT_TIMEOUT * 1000)) counted "$NS_RTR"; then
		sg_fail "round $r: the flood was not refused (smtp_dropped stays 0)"
		break
	fi
	if ! sg_unload_module; then
		sg_fail "round $r: rmmod failed"
		break
	fi
done
flood_stop
check_log
log_test "$ROUNDS times rmmod while a flood of refused SYNs from 4096 hosts writes counters and ledger"
else
	log_skip "rmmod under a flood" "not in SMTPGUARD_LIFETIME_PARTS"
fi

# --- 3: namespace deletion under the same flood --------------------------
sg_module_loaded || sg_load_module || sg_fail "insmod failed"
if part 3; then
sg_klog_mark
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r > 1)); then
		sg_add_ns "$NS_RTR" && link_router || { sg_fail "round $r: cannot make the router"; break; }
	fi
	sg_ctl_ok "$NS_RTR" allow "$MAIL4" >/dev/null || break
	flood_start
	if ! busywait $((WAIT_TIMEOUT * 1000)) counted "$NS_RTR"; then
		sg_fail "round $r: the flood was not refused (smtp_dropped stays 0)"
		flood_stop
		break
	fi
	sg_del_ns "$NS_RTR" || { sg_fail "round $r: ip netns del"; flood_stop; break; }
	flood_stop
done
check_log
log_test "$ROUNDS router namespaces deleted under a flood of refused SYNs"
else
	log_skip "namespace deletion under a flood" "not in SMTPGUARD_LIFETIME_PARTS"
fi

# --- the module goes, and all it had ------------------------------------
sg_klog_mark
sg_unload_module
check_err $? "rmmod after the rounds failed"
# sysfs has an alias even for a cache merged into another one
left=$(ls -d /sys/kernel/slab/smtpguard_* 2>/dev/null)
[[ -z $left ]] || sg_fail "a smtpguard slab cache is left: $left"
check_log
log_test "the module unloads afterwards, its slab caches gone, the log clean"

nft delete table inet "$keep_table"
sg_check_kernel_clean
ksft_finish
