#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The blocklist at feed scale: a 1M-entry feed replaced twice while a flow
# to a listed address runs (the receiver must see zero packets), listed in
# full, flushed and unloaded with all of its memory returned.
# SG_SCALE_ENTRIES sets the size (default 1000000).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip python3
sg_require_module_file
sg_require_python
sg_init
sg_plan 7
sg_setup_topology || skip_all "cannot build the topology"

N=${SG_SCALE_ENTRIES:-1000000}
PROBE=(python3 "$SG_SELFTESTS/netprobe.py")

# Two feeds of N addresses in 100.64.0.0/10 that share half their entries;
# both also list the target, the outside host.
# The two feeds: made on the host (check/fixtures.sh) for the default size,
# else here.
fixtures=$SG_ROOT/build/fixtures
if ((N == 1000000)) && [[ -s $fixtures/scale-old.txt && -s $fixtures/scale-new.txt ]]; then
	ln -s "$fixtures/scale-old.txt" "$SG_TMP/old.txt"
	ln -s "$fixtures/scale-new.txt" "$SG_TMP/new.txt"
else
	python3 - "$N" "$OUT4" "$SG_TMP" <<'PY' || skip_all "cannot write the feed files"
import ipaddress, sys
n, target, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
base = int(ipaddress.ip_address("100.64.0.0"))
for name, start in (("old", 0), ("new", n // 2)):
    with open(f"{tmp}/{name}.txt", "w") as f:
        f.write(f"# {name}\n{target}\n")
        f.writelines(f"{ipaddress.ip_address(base + start + i)}\n" for i in range(n))
PY
fi

# Every allocation of the set is charged to the memory cgroup of the
# process that configures it (GFP_KERNEL_ACCOUNT): run smtpguardctl in a
# cgroup of its own and read what stays charged there.
# sgctl_cg ARGS...: smtpguardctl in the router namespace, in the cgroup.
sgctl_cg()
{
	sg_cg_exec "$NS_RTR" smtpguardctl "$@"
}

sg_cg_init smtpguard || skip_all "no cgroup2 memory controller to account the set"
sg_load_module_or_die

# 1: load N+1 entries.
t0=$(timestamp_ms)
cg_base=$(sg_cg_bytes)
out=$(sgctl_cg block load --replace --feed big "$SG_TMP/old.txt" 2>&1)
check_err $? "loading $N entries failed: $out"
sg_diag "loaded $((N + 1)) entries in $(($(timestamp_ms) - t0)) ms; block_bytes $(sg_stat "$NS_RTR" block_bytes)"
expect_eq "block_entries" $((N + 1)) "$(sg_stat "$NS_RTR" block_entries)"
sgctl "$NS_RTR" block test 100.64.0.1 >/dev/null || sg_fail "100.64.0.1 is listed"
# Permanent hosts are packed: issue 19's 16 bytes an IPv4 /32 at most.
bytes=$(sg_stat "$NS_RTR" block_bytes)
((bytes <= 16 * (N + 1))) || sg_fail "block_bytes $bytes: more than 16 bytes an entry"
log_test "a $((N + 1))-entry feed loads in one transaction, 16 bytes an entry at most"

# 2: replace it twice while a flow runs to a listed address.  The count of
# what reached it is read after a control datagram, sent afterwards on the
# same path to an unlisted neighbour, arrived.
NEIGH4=198.51.100.26
ip -n "$NS_OUT" addr add "$NEIGH4/24" dev eth0
sg_udp_count "$NS_OUT" "$OUT4" 5353 >/dev/null && sg_udp_count "$NS_OUT" "$NEIGH4" 5353 >/dev/null ||
	sg_fail "no receivers: $SG_HUB_REPLY"
ip netns exec "$NS_CLI" "${PROBE[@]}" send "$OUT4" 5353 600 100 >/dev/null &
SG_PIDS+=($!)
spid=$!
busywait "$(sg_bound 20000)" sg_stat_above "$NS_RTR" cnc_dropped 20 || sg_fail "the flow does not reach the router"
before=$(sg_stat "$NS_RTR" cnc_dropped)
for f in new old; do
	t0=$(timestamp_ms)
	out=$(sgctl_cg block load --replace --feed big "$SG_TMP/$f.txt" 2>&1)
	check_err $? "replace with $f failed: $out"
	sg_diag "replaced with $f.txt in $(($(timestamp_ms) - t0)) ms"
done
busywait "$(sg_bound 20000)" sg_stat_above "$NS_RTR" cnc_dropped $((before + 20)) ||
	sg_fail "cnc_dropped did not keep growing during the replaces"
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
sg_udp_send "$NS_CLI" - "$NEIGH4" 5353 1 || sg_fail "the control datagram: $SG_HUB_REPLY"
ctrl_in() { (($(sg_udp_count "$NS_OUT" "$NEIGH4" 5353) >= 1)); }
busywait "$(sg_bound 10000)" ctrl_in || sg_fail "the control datagram to $NEIGH4 did not arrive"
expect_eq "datagrams that reached the listed host" 0 "$(sg_udp_count "$NS_OUT" "$OUT4" 5353)"
sg_diag "dropped while replacing: $(($(sg_stat "$NS_RTR" cnc_dropped) - before))"
log_test "replacing the feed twice under traffic leaks zero packets"

# 3: the receiver does count when nothing blocks (so the zero above means it).
sg_ctl_ok "$NS_RTR" block del "$OUT4"
sg_oneway_passes "$NS_CLI" - "$NS_OUT" "$OUT4" 50
log_test "the receiver counts the flow once the target is unlisted"

# 4: a full listing of the feed.
t0=$(timestamp_ms)
lines=$(sgctl "$NS_RTR" block list feed big | wc -l)
sg_diag "listed $lines entries in $(($(timestamp_ms) - t0)) ms"
expect_eq "entries listed" "$N" "$lines"
log_test "block list streams all $N entries"

# 5: flush returns the set's memory, rmmod the rest.  A little slack for
# the namespace's own per-CPU and slab leftovers charged on the way.  On a
# KASAN kernel (check-debug) a freed object waits in KASAN's quarantine,
# still charged, until the quarantine (1/32 of RAM, plus 1 MiB a CPU)
# overflows or its cache is destroyed: after a flush up to that much may
# stay; after rmmod (the caches destroyed) nothing may.
slack=$((2 * 1024 * 1024))
quarantine=0
if dmesg | grep -q 'KernelAddressSanitizer initialized'; then
	# the global quarantine, and a batch of up to 1 MiB per CPU
	quarantine=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024 / 32 + $(nproc) * 1024 * 1024))
	sg_diag "KASAN: up to $quarantine bytes may wait in its quarantine after the flush"
fi
loaded=$(sg_cg_bytes)
sg_diag "charged to the loader's cgroup: $cg_base bytes before, $loaded with $N entries"
# A packed host's key and feed-set id alone are 6 bytes.
((loaded - cg_base > N * 6)) || sg_fail "the set is not charged to the loader's cgroup ($loaded bytes)"
sgctl_cg block flush
check_err $? "block flush failed"
expect_eq "block_bytes after flush" 0 "$(sg_stat "$NS_RTR" block_bytes)"
expect_eq "block_entries after flush" 0 "$(sg_stat "$NS_RTR" block_entries)"
# freed by a worker a grace period after the flush
returned_flush() { after=$(sg_cg_bytes); ((after - cg_base < slack + quarantine)); }
returned() { after=$(sg_cg_bytes); ((after - cg_base < slack)); }
busywait "$(sg_bound 20000)" returned_flush
sg_diag "after flush: $after bytes"
((after - cg_base < slack + quarantine)) || sg_fail "flush left $((after - cg_base)) bytes charged"
out=$(sgctl_cg block load --feed big "$SG_TMP/old.txt" 2>&1)
check_err $? "reload failed: $out"
sg_unload_module
check_err $? "rmmod with $N entries failed"
busywait "$(sg_bound 20000)" returned
sg_diag "after rmmod with $N entries: $after bytes"
((after - cg_base < slack)) || sg_fail "rmmod left $((after - cg_base)) bytes charged"
log_test "flush and rmmod with $N entries return the memory"

# 6: a transaction staged in descending order: the kernel sorts it, a
# run at a time with rescheduling in between, so no CPU stalls.
R=$((N / 4))
sg_load_module_or_die
sg_klog_mark
t0=$(timestamp_ms)
res=$(ip netns exec "$NS_RTR" /usr/bin/python3 "$SG_SELFTESTS/sec_nl.py" stage-reverse rev "$R" 2>&1)
expect_eq "an unsorted transaction of $R prefixes" "commit OK" "$res"
sg_diag "staged and committed $R prefixes in descending order in $(($(timestamp_ms) - t0)) ms"
expect_eq "block_entries" "$R" "$(sg_stat "$NS_RTR" block_entries)"
expect_eq "the first listed entry" 100.64.0.0 "$(sgctl "$NS_RTR" block list | head -n1 | cut -d' ' -f1)"
bad=$(sg_klog_since_mark | grep -E "$SG_OOPS_RE")
[[ -z $bad ]] || sg_fail "kernel log:"$'\n'"$bad"
sg_ctl_ok "$NS_RTR" block flush
log_test "$R prefixes staged in descending order: sorted, listed in order, no stall"

sg_check_kernel_clean
ksft_finish
