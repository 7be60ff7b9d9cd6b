#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod while configured and while traffic is in flight is clean: the
# module goes, nothing oopses or warns, connections open through the router
# carry on, and a new load starts from scratch.  Topology in lib.sh.
#
#   mail --(established SMTP session, held open)--> out       across rmmod
#   client --(SYN being dropped, retrying)--> out             across rmmod

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_all
sg_init
sg_plan 10
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
sg_load_module_or_die

NS_X=sg-extra-$SG_ID

# hold_session NS SERVER READY GO: an SMTP session that greets, then waits
# for the file GO, then must still get answers to NOOP and QUIT.
hold_session()
{
	timeout 120 ip netns exec "$1" "$PYTHON" - "$2" "$3" "$4" <<'EOF'
import os, socket, sys, time

host, ready, go = sys.argv[1:4]
s = socket.create_connection((host, 25), timeout=30)
f = s.makefile("rb")

def reply():
    while True:
        line = f.readline()
        if not line:
            sys.exit("connection closed")
        if line[3:4] != b"-":
            return line

if not reply().startswith(b"220"):
    sys.exit("no greeting")
s.sendall(b"EHLO hold.example\r\n")
if not reply().startswith(b"250"):
    sys.exit("EHLO refused")
open(ready, "w").close()
deadline = time.time() + 90
while not os.path.exists(go):
    if time.time() > deadline:
        sys.exit("never told to go on")
    time.sleep(0.05)
s.sendall(b"NOOP\r\n")
if not reply().startswith(b"250"):
    sys.exit("NOOP failed")
s.sendall(b"QUIT\r\n")
sys.exit(0 if reply().startswith(b"221") else "QUIT failed")
EOF
}

# Configure more than one namespace, every kind of state.
sg_ctl_ok "$NS_RTR" allow "$MAIL4" "$MAIL6" 10.10.10.0/24 2001:db8:10::/64
sg_ctl_ok "$NS_RTR" ports 25 587 2525
sg_ctl_ok "$NS_OUT" mode monitor
sg_add_ns "$NS_X" || skip_all "cannot create $NS_X"
sg_ctl_ok "$NS_X" allow 192.0.2.0/24
sg_smtp_dropped "$NS_CLI" "$OUT4" 25 "client SMTP passed in enforce"
expect_eq "router mode" enforce "$(sg_stat "$NS_RTR" mode)"
log_test "three namespaces configured (enforce, monitor, enforce), client's SMTP dropped"

# A configured namespace goes away while the module stays.
sg_del_ns "$NS_X"
check_err $? "ip netns del $NS_X failed"
log_test "deleting a configured namespace with the module loaded"

# In flight across rmmod: an established, allowed session ...
rm -f "$SG_TMP/ready" "$SG_TMP/go"
hold_session "$NS_MAIL" "$OUT4" "$SG_TMP/ready" "$SG_TMP/go" >"$SG_TMP/hold.log" 2>&1 &
hold_pid=$!
SG_PIDS+=("$hold_pid")
busywait $((WAIT_TIMEOUT * 1000)) test -e "$SG_TMP/ready" ||
	sg_fail "the held SMTP session did not get going: $(cat "$SG_TMP/hold.log")"
# ... and a connection attempt whose SYNs are being dropped.
dropped=$(sg_stat "$NS_RTR" smtp_dropped)
mails=$(sg_mail_count "$NS_OUT")
sg_smtp "$NS_CLI" "$OUT4" 25 40 &
syn_pid=$!
SG_PIDS+=("$syn_pid")
busywait $((WAIT_TIMEOUT * 1000)) sg_stat_above "$NS_RTR" smtp_dropped "$dropped" ||
	sg_fail "the client's SYN was not dropped before rmmod"
log_test "a session is open through the router and a client SYN is being dropped"

# The rmmod itself.
sg_klog_mark
sg_unload_module
check_err $? "rmmod smtpguard failed while configured"
sg_module_loaded && sg_fail "/sys/module/smtpguard still exists"
lsmod | grep -qw '^smtpguard' && sg_fail "lsmod still lists smtpguard"
for ns in "$NS_RTR" "$NS_OUT"; do
	ip netns exec "$ns" test -e /proc/net/smtpguard && sg_fail "/proc/net/smtpguard still exists in $ns"
done
out=$(sgctl "$NS_RTR" stats 2>&1)
expect_eq "smtpguardctl stats exit code after rmmod ($out)" 4 "$?"
log_test "rmmod while configured and with traffic in flight succeeds, the module is gone"

bad=$(sg_klog_since_mark | grep -E "$SG_OOPS_RE")
[[ -z $bad ]] || sg_fail "kernel log after rmmod:"$'\n'"$bad"
log_test "no oops, BUG or WARNING from rmmod"

# The open session carries on.
touch "$SG_TMP/go"
wait "$hold_pid"
check_err $? "the held SMTP session broke across rmmod: $(cat "$SG_TMP/hold.log")"
log_test "an SMTP session open across rmmod carries on (NOOP, QUIT answered)"

# The retrying client gets through once the hooks are gone.
wait "$syn_pid"
check_err $? "the client's pending SMTP did not get through after rmmod:"$'\n'"$(sg_swaks_log_tail)"
expect_eq "messages at the outside MX" $((mails + 1)) "$(sg_mail_count "$NS_OUT")"
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "client SMTP failed after rmmod"
log_test "after rmmod nothing is filtered: the retrying client's SMTP is delivered"

# A new load starts from scratch.
sg_load_module
check_err $? "insmod after rmmod failed"
for ns in "$NS_RTR" "$NS_OUT"; do
	expect_eq "$ns mode after reload" off "$(sg_stat "$ns" mode)"
	expect_eq "$ns mode_explicit after reload" 0 "$(sg_stat "$ns" mode_explicit)"
	expect_eq "$ns allow_entries after reload" 0 "$(sg_stat "$ns" allow_entries)"
	expect_eq "$ns smtp_ports after reload" 25 "$(sg_stat "$ns" smtp_ports)"
	expect_eq "$ns counters after reload" "0 0 0 0" "$(sg_counters "$ns")"
done
sg_smtp "$NS_CLI" "$OUT4" 25
check_err $? "client SMTP failed after reload"
log_test "insmod again: every namespace starts unconfigured"

# Unload under a flood of SMTP attempts in monitor mode.
sg_ctl_ok "$NS_RTR" mode monitor
sg_ctl_ok "$NS_RTR" allow "$MAIL4"
(
	end=$(($(date +%s) + 15))
	while (($(date +%s) < end)); do
		sg_smtp "$NS_CLI" "$OUT4" 25 5 || true
		[[ -e $SG_TMP/stop ]] && break
	done
) &
flood_pid=$!
SG_PIDS+=("$flood_pid")
busywait $((WAIT_TIMEOUT * 1000)) sg_stat_above "$NS_RTR" smtp_would_drop 0 ||
	sg_fail "monitor counted nothing"
sg_klog_mark
sg_unload_module
check_err $? "rmmod under traffic failed"
touch "$SG_TMP/stop"
wait "$flood_pid"
sg_module_loaded && sg_fail "/sys/module/smtpguard still exists"
bad=$(sg_klog_since_mark | grep -E "$SG_OOPS_RE")
[[ -z $bad ]] || sg_fail "kernel log after rmmod:"$'\n'"$bad"
log_test "rmmod in monitor mode while SMTP flows is clean"

sg_check_kernel_clean
ksft_finish
