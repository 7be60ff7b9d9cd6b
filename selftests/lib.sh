#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the smtpguard selftests.  Sourced by every smtp_*.sh
# script and by demo.sh; runs INSIDE the test VM as root (the module is
# loaded and unloaded by each script, never left behind).
#
# The topology every script builds (namespace names carry a per-run suffix):
#
#       client ns ("infected PC")                       out ns ("outside MX")
#      +-------------------------+                 +----------------------------+
#      | eth0 192.0.2.10/24      |                 | eth0 198.51.100.25/24      |
#      |      2001:db8:1::10/64  |                 |      2001:db8:2::25/64     |
#      | gw 192.0.2.1            |                 | SMTP :25 (:2525), HTTP :80 |
#      +-----------|-------------+                 +-------------|--------------+
#                  | veth                                   veth |
#      +-----------|---------------------------------------------|--------------+
#      |         cli0 192.0.2.1/24                 out0 198.51.100.1/24         |
#      |              2001:db8:1::1/64                  2001:db8:2::1/64        |
#      |                                                                        |
#      |   router ns: ip_forward=1, ipv6 forwarding=1, smtpguard is set here    |
#      |                                                                        |
#      |                     mail0 10.10.10.1/24, 2001:db8:10::1/64             |
#      +-----------------------------|------------------------------------------+
#                                    | veth
#                       +------------|--------------+
#                       | eth0 10.10.10.10/24       |
#                       |      2001:db8:10::10/64   |
#                       | SMTP :25  gw 10.10.10.1   |
#                       +---------------------------+
#                         mail ns ("office mail server")
#
# There is no network device in the guest: every packet stays between these
# namespaces.  Only documentation ranges and 10.10.10.0/24 are used.
#
# Output is KTAP: "ok N desc" / "not ok N desc" per check, diagnostics as
# "# ..." lines, the plan "1..N" and "# Totals: ..." at the end.  Exit code:
# 0 all passed, 1 a check failed, 4 skipped (the reason is printed).

ksft_pass=0
ksft_fail=1
ksft_skip=4

SG_SELFTESTS=$(dirname "$(readlink -e "${BASH_SOURCE[0]}")")
SG_ROOT=$(dirname "$SG_SELFTESTS")
# The built helpers (sg_flood, nl_fuzz, sg_libnl_events): beside the
# scripts when installed (make install), else in build/selftests/.
SG_HELPERS=$SG_ROOT/build/selftests
[[ -x $SG_SELFTESTS/sg_flood ]] && SG_HELPERS=$SG_SELFTESTS

# Prefer the tool on PATH (the harness puts it there), else the tree's.
if ! command -v smtpguardctl >/dev/null 2>&1 && [[ -x $SG_ROOT/tools/smtpguardctl ]]; then
	PATH=$SG_ROOT/tools:$PATH
fi
PATH=$PATH:/usr/sbin:/sbin

# How many times slower than Debian's kernel under TCG this guest runs:
# check-debug.sh sets it (KASAN and lockdep).  Every bound on how long
# the guest may take for work that must happen is multiplied by it
# (sg_bound); a bound that decides that something did NOT happen (a SYN
# dropped) is not, it stays short and exact.
SG_TIME_SCALE=${SMTPGUARD_TIME_SCALE:-1}
if [[ ! $SG_TIME_SCALE =~ ^[1-9][0-9]?$ ]]; then
	echo "lib.sh: SMTPGUARD_TIME_SCALE '$SG_TIME_SCALE': want a whole number from 1 to 99" >&2
	exit 2
fi

# sg_bound N: N (seconds or milliseconds) scaled for this guest.
sg_bound()
{
	echo $(($1 * SG_TIME_SCALE))
}

: "${WAIT_TIMEOUT:=$(sg_bound 20)}"		# seconds, for every poll
: "${SMTP_OK_TIMEOUT:=$(sg_bound 20)}"	# SMTP client timeout where delivery must work
# How long an SMTP connection attempt that must be dropped waits for an
# answer to its SYN.  A connection the router lets through is established
# within milliseconds even under TCG (veth delivers synchronously), so two
# seconds (two SYNs: the first retransmission comes after one), scaled for
# a slow guest, leave a wide margin.  A drop is never judged by the wait
# alone: every check that calls one a drop also sees its counter move.
: "${SMTP_DROP_TIMEOUT:=${SMTPGUARD_DROP_TIMEOUT:-$(sg_bound 2)}}"
: "${HTTP_TIMEOUT:=$(sg_bound 15)}"
# Which client sg_smtp and sg_smtp_blocked use: "hub" (default: the
# long-lived helper sg_hub.py, smtplib / a bare connect) or "swaks" (one
# swaks process per attempt, as the scripts that call sg_swaks always do).
: "${SG_SMTP_CLIENT:=${SMTPGUARD_SMTP_CLIENT:-hub}}"

SG_ID=$$-$RANDOM
NS_CLI=sg-cli-$SG_ID
NS_RTR=sg-rtr-$SG_ID
NS_MAIL=sg-mail-$SG_ID
NS_OUT=sg-out-$SG_ID

CLI4=192.0.2.10		CLI6=2001:db8:1::10
RTR_CLI4=192.0.2.1	RTR_CLI6=2001:db8:1::1
MAIL4=10.10.10.10	MAIL6=2001:db8:10::10
RTR_MAIL4=10.10.10.1	RTR_MAIL6=2001:db8:10::1
OUT4=198.51.100.25	OUT6=2001:db8:2::25
RTR_OUT4=198.51.100.1	RTR_OUT6=2001:db8:2::1

SG_NS_LIST=()
SG_PIDS=()
SG_HUB_PID=
SG_HUB_OWN=1
SG_HUB_DIR=
SG_HUB_FD=
SG_HUB_PORT=
SG_HUB_REPLY=
SG_SLEEP_FD=
SG_TMP=
SG_CG=
SG_LOADED=0
SG_TEST_NUM=0
SG_PLAN=
SG_PASSED=0
SG_FAILED=0
SG_SKIPPED=0
SG_KLOG_START=
SG_KLOG_MARK=
SG_TAINT_START=0
RET=0
RET_MSGS=()
PYTHON=

##############################################################################
# KTAP output and per-check bookkeeping

sg_diag()
{
	local line

	while IFS= read -r line; do
		echo "# $line"
	done <<<"$*"
}

# Record a failure of the running check; every reason is printed.
sg_fail()
{
	RET=1
	RET_MSGS+=("$*")
}

check_err()
{
	local err=$1; shift

	[[ $err -ne 0 ]] && sg_fail "$*"
}

check_fail()
{
	local err=$1; shift

	[[ $err -eq 0 ]] && sg_fail "$*"
}

expect_eq()
{
	local what=$1 want=$2 got=$3

	[[ "$got" == "$want" ]] || sg_fail "$what: expected '$want', got '$got'"
}

expect_ne()
{
	local what=$1 unwanted=$2 got=$3

	[[ "$got" != "$unwanted" ]] || sg_fail "$what: expected anything but '$unwanted'"
}

# expect_gt WHAT AFTER BEFORE: a counter must have grown.
expect_gt()
{
	local what=$1 after=$2 before=$3

	if ! [[ $after =~ ^[0-9]+$ && $before =~ ^[0-9]+$ ]] || ((after <= before)); then
		sg_fail "$what: expected to grow from '$before', now '$after'"
	fi
}

log_test()
{
	local desc=$1 msg

	SG_TEST_NUM=$((SG_TEST_NUM + 1))
	if [[ $RET -eq 0 ]]; then
		echo "ok $SG_TEST_NUM $desc"
		SG_PASSED=$((SG_PASSED + 1))
	else
		echo "not ok $SG_TEST_NUM $desc"
		for msg in "${RET_MSGS[@]}"; do
			sg_diag "$msg"
		done
		SG_FAILED=$((SG_FAILED + 1))
	fi
	RET=0
	RET_MSGS=()
}

log_skip()
{
	local desc=$1 reason=$2

	SG_TEST_NUM=$((SG_TEST_NUM + 1))
	echo "ok $SG_TEST_NUM $desc # SKIP $reason"
	SG_SKIPPED=$((SG_SKIPPED + 1))
	RET=0
	RET_MSGS=()
}

# sg_plan N: the number of results this script prints, declared up front
# (KTAP's plan); ksft_finish and run_tests.sh fail a script that printed
# another number.
sg_plan()
{
	SG_PLAN=$1
	echo "1..$SG_PLAN"
}

# The whole script cannot run: say why and leave with 4.  After the plan,
# every result still owed is a skip with that reason, so the plan holds.
skip_all()
{
	if [[ -n $SG_PLAN ]]; then
		while ((SG_TEST_NUM < SG_PLAN)); do
			log_skip "not run" "$*"
		done
	else
		echo "1..0 # SKIP $*"
	fi
	echo "SKIP: $*" >&2
	exit $ksft_skip
}

ksft_finish()
{
	[[ -n $SG_PLAN ]] || echo "1..$SG_TEST_NUM"
	echo "# Totals: pass:$SG_PASSED fail:$SG_FAILED xfail:0 xpass:0 skip:$SG_SKIPPED error:0"
	if [[ -n $SG_PLAN ]] && ((SG_TEST_NUM != SG_PLAN)); then
		echo "# planned $SG_PLAN results, printed $SG_TEST_NUM"
		exit $ksft_fail
	fi
	if ((SG_FAILED)); then
		exit $ksft_fail
	fi
	exit $ksft_pass
}

##############################################################################
# Waiting: poll, never sleep a fixed time

# Under TCG every process start costs tens to hundreds of milliseconds, so
# the helpers below avoid them where bash can do the job itself.

# Milliseconds since the epoch, from bash's own clock (no date process).
sg_now_ms()
{
	local t=${EPOCHREALTIME/[.,]/}

	echo $((t / 1000))
}

timestamp_ms()
{
	sg_now_ms
}

# sg_sleep SECONDS: sleep without starting /bin/sleep: a read that times
# out on a pipe this shell holds both ends of.
sg_sleep()
{
	if [[ -z $SG_SLEEP_FD ]] || ! { true >&"$SG_SLEEP_FD"; } 2>/dev/null; then
		exec {SG_SLEEP_FD}<> <(:)
	fi
	read -r -t "$1" -u "$SG_SLEEP_FD" _ || true
}

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or the time is up.
# Polls every 50 ms rather than spinning: under TCG a spinning shell steals
# the only CPU from the packets it is waiting for.
busywait()
{
	local timeout_ms=$1; shift
	local start=${EPOCHREALTIME/[.,]/} now

	while true; do
		"$@" && return 0
		now=${EPOCHREALTIME/[.,]/}
		(((now - start) / 1000 > timeout_ms)) && return 1
		sg_sleep 0.05
	done
}

##############################################################################
# Requirements

sg_require_root()
{
	[[ $(id -u) -eq 0 ]] || skip_all "must run as root (inside the test VM)"
}

sg_require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "'$c' not found"
	done
}

# A python3 that has aiosmtpd (found, not imported: importing it takes
# seconds under TCG, and sg_hub.py does that once per script anyway).
sg_require_python()
{
	local p

	# Debian's python3-aiosmtpd, seen without starting python at all
	if [[ -x /usr/bin/python3 && -r /usr/lib/python3/dist-packages/aiosmtpd/smtp.py ]]; then
		PYTHON=/usr/bin/python3
		return 0
	fi
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("aiosmtpd") is None)' >/dev/null 2>&1; then
			PYTHON=$p
			return 0
		fi
	done
	skip_all "python3 with aiosmtpd not found (python3-aiosmtpd)"
}

sg_require_swaks6()
{
	perl -MIO::Socket::INET6 -e 1 >/dev/null 2>&1 ||
		skip_all "swaks cannot speak IPv6 (libio-socket-inet6-perl missing)"
}

# The module under test is not a thing to skip: a kernel whose build broke
# fails every script.
sg_require_module_file()
{
	local why=

	if [[ -z ${SMTPGUARD_KO:-} ]]; then
		why="SMTPGUARD_KO is not set"
	elif [[ ! -r $SMTPGUARD_KO ]]; then
		why="SMTPGUARD_KO=$SMTPGUARD_KO is missing"
	fi
	[[ -z $why ]] && return 0
	echo "1..1"
	echo "not ok 1 smtpguard.ko to test: $why"
	exit $ksft_fail
}

# sg_require_helper NAME: a built helper (make -C selftests, which check.sh
# runs on the host before any VM).
sg_require_helper()
{
	[[ -x $SG_HELPERS/$1 ]] || skip_all "$SG_HELPERS/$1 is missing (make -C selftests)"
}

# Everything a traffic test needs; call before sg_init.
sg_require_all()
{
	sg_require_root
	sg_require_module_file
	sg_require_cmd ip ss swaks jq smtpguardctl insmod rmmod dmesg timeout
	sg_require_python
	if ! ip link add name sgvetha$$ type veth peer name sgvethb$$ >/dev/null 2>&1; then
		skip_all "no veth support in this kernel"
	fi
	ip link del sgvetha$$ >/dev/null 2>&1
}

##############################################################################
# Module

sg_module_loaded()
{
	[[ -d /sys/module/smtpguard ]]
}

sg_load_module()
{
	local out rc

	out=$(insmod "$SMTPGUARD_KO" 2>&1)
	rc=$?
	[[ $rc -eq 0 ]] && SG_LOADED=1
	[[ -n $out ]] && sg_diag "insmod: $out"
	return $rc
}

sg_unload_module()
{
	local out rc

	out=$(rmmod smtpguard 2>&1)
	rc=$?
	[[ $rc -eq 0 ]] && SG_LOADED=0
	[[ -n $out ]] && sg_diag "rmmod: $out"
	return $rc
}

# Load the module as the first check of a script; failure ends the script.
sg_load_module_or_die()
{
	sg_load_module
	check_err $? "insmod $SMTPGUARD_KO failed"
	sg_module_loaded || sg_fail "/sys/module/smtpguard missing after insmod"
	if [[ $RET -ne 0 ]]; then
		log_test "insmod smtpguard.ko"
		ksft_finish
	fi
}

##############################################################################
# Memory cgroup v2: the module charges what it allocates for a namespace to
# the cgroup of the process that configures it (GFP_KERNEL_ACCOUNT).

# sg_cg_init NAME: a new child cgroup NAME-<id> with the memory controller,
# its path in SG_CG (sg_cleanup removes it).
sg_cg_init()
{
	local root=/sys/fs/cgroup

	mountpoint -q $root || mount -t cgroup2 none $root || return 1
	grep -qw memory $root/cgroup.controllers || return 1
	echo +memory >$root/cgroup.subtree_control || return 1
	SG_CG=$root/$1-$SG_ID
	mkdir "$SG_CG"
}

# sg_cg_exec NS CMD...: CMD in namespace NS, charged to SG_CG.
sg_cg_exec()
{
	bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec ip netns exec "$@"' \
		_ "$SG_CG" "$@"
}

# sg_cg_enter: the calling (sub)shell and its children are charged to SG_CG.
sg_cg_enter()
{
	echo "$BASHPID" >"$SG_CG/cgroup.procs"
}

# sg_cg_bytes: the bytes charged to SG_CG, without the page cache (the
# tool's file reads).
sg_cg_bytes()
{
	sync
	echo 1 >/proc/sys/vm/drop_caches
	cat "$SG_CG/memory.current"
}

##############################################################################
# Kernel log

# A mark is a line of our own written into the kernel log; "since the mark"
# is what follows its last copy.  Counting dmesg lines does not work: once
# the ring buffer is full (128 KiB on Debian; a stress test fills it) the
# count stops growing while old lines drop out at the front.
SG_KLOG_SEQ=0

# sg_klog_put_mark VAR: log a new mark, its text into VAR.
sg_klog_put_mark()
{
	local -n mark_var=$1

	mark_var="sg-selftest: ${0##*/} $$ mark $((++SG_KLOG_SEQ))"
	# <6>: info, below the guest console's loglevel
	if ! echo "<6>$mark_var" 2>/dev/null >/dev/kmsg; then
		echo "# warning: cannot write to /dev/kmsg: the kernel log checks see the whole log"
		mark_var=
	fi
}

# sg_klog_has MARK: the kernel log still holds MARK.
sg_klog_has()
{
	[[ -n $1 ]] && sg_klog_after "$1" >/dev/null
}

# sg_klog_after MARK: the kernel log lines after MARK's last copy; all of
# them, and status 3, when the ring buffer has dropped MARK (everything
# left is newer then, but some lines since the mark are lost).
sg_klog_after()
{
	dmesg 2>/dev/null | awk -v mark="$1" '
		mark != "" && length($0) >= length(mark) &&
		substr($0, length($0) - length(mark) + 1) == mark { n = 0; found = 1; next }
		{ line[++n] = $0 }
		END {
			for (i = 1; i <= n; i++)
				print line[i]
			exit (found || mark == "") ? 0 : 3
		}'
}

sg_klog_mark()
{
	sg_klog_put_mark SG_KLOG_MARK
}

# Kernel log lines printed since the last sg_klog_mark.
sg_klog_since_mark()
{
	sg_klog_after "$SG_KLOG_MARK"
}

# ... since the script started (sg_init).
sg_klog_since_start()
{
	sg_klog_after "$SG_KLOG_START"
}

SG_OOPS_RE='Oops|BUG:|WARNING:|general protection|Call Trace|KASAN|UBSAN|refcount_t|list_(add|del) corruption|kernel BUG|stack-protector|RCU stall|detected stalls? on CPU|self-detected stall|soft lockup|hung_task'

# Check (as its own KTAP line) that nothing went wrong in the kernel since
# the script started: no oops/warning lines and no new D/W taint bits.
sg_check_kernel_clean()
{
	local log rc=0 bad taint

	log=$(sg_klog_since_start) || rc=$?
	bad=$(grep -E "$SG_OOPS_RE" <<<"$log")
	[[ -z $bad ]] || sg_fail "kernel log:"$'\n'"$bad"
	# the taint bits below still cover what dropped out
	((rc == 3)) &&
		echo "# the kernel log wrapped since the script started: only its last $(wc -l <<<"$log") lines were checked"
	taint=$(cat /proc/sys/kernel/tainted)
	# 128 = D (died: oops), 512 = W (warning)
	if (((taint & ~SG_TAINT_START) & (128 | 512))); then
		sg_fail "kernel taint went from $SG_TAINT_START to $taint"
	fi
	log_test "no oops, BUG or WARNING in the kernel log, no new D/W taint"
}

##############################################################################
# Namespaces, servers, cleanup

sg_cleanup()
{
	local pid ns

	for pid in "${SG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ns in "${SG_NS_LIST[@]}"; do
		# a shared hub lives on: it lets go of this script's namespaces
		[[ -n $SG_HUB_PORT && $SG_HUB_OWN == 0 ]] && sg_hub_t 10 forget "$ns"
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for pid in "${SG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if ((SG_LOADED)) && sg_module_loaded; then
		rmmod smtpguard 2>/dev/null
	fi
	# empty once the processes above are gone
	[[ -n $SG_CG ]] && rmdir "$SG_CG" 2>/dev/null
	[[ -n $SG_TMP && -d $SG_TMP ]] && rm -rf "$SG_TMP"
}

# Start of every script: temp dir, trap, a module left by an aborted run.
sg_init()
{
	SG_TMP=$(mktemp -d /tmp/smtpguard-selftest.XXXXXX) || skip_all "mktemp failed"
	trap sg_cleanup EXIT
	trap 'exit 1' INT TERM HUP

	if sg_module_loaded; then
		echo "# smtpguard already loaded (an aborted run?), unloading it"
		rmmod smtpguard 2>/dev/null || skip_all "smtpguard is loaded and cannot be removed"
	fi
	sg_klog_put_mark SG_KLOG_START
	SG_TAINT_START=$(</proc/sys/kernel/tainted)
	echo "TAP version 13"
	# The traffic helper imports asyncio and aiosmtpd (seconds under TCG)
	# while the script builds its namespaces; run_tests.sh's shared one is
	# used even by scripts that need no servers (it reads /proc/net).
	if [[ -n $PYTHON || -n ${SG_HUB_SHARED_PID:-} ]] && sg_hub_start; then
		# a shared hub is up already (but for the first script): know
		# its port here, not in every $(sg_stat ...)
		((SG_HUB_OWN)) || sg_hub_ready
	fi
}

sg_add_ns()
{
	local ns

	for ns in "$@"; do
		ip netns add "$ns" || return 1
		SG_NS_LIST+=("$ns")
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 >/dev/null
	done
}

# Deleting a namespace frees it (and runs smtpguard's per-namespace exit)
# only when nothing holds it any more: the servers' processes are killed,
# and the hub closes its sockets and its thread there first.
sg_del_ns()
{
	local ns=$1 n keep=()

	[[ -n $SG_HUB_PID ]] && sg_hub forget "$ns"
	ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$ns" || return 1
	for n in "${SG_NS_LIST[@]}"; do
		[[ $n != "$ns" ]] && keep+=("$n")
	done
	SG_NS_LIST=("${keep[@]}")
}

# sg_link NS_A DEV_A ADDR4_A/LEN ADDR6_A/LEN NS_B DEV_B ADDR4_B/LEN ADDR6_B/LEN
sg_link()
{
	local nsa=$1 deva=$2 a4=$3 a6=$4 nsb=$5 devb=$6 b4=$7 b6=$8

	ip link add name "$deva" netns "$nsa" type veth peer name "$devb" netns "$nsb" || return 1
	ip -n "$nsa" addr add "$a4" dev "$deva"
	ip -n "$nsa" addr add "$a6" dev "$deva" nodad
	ip -n "$nsb" addr add "$b4" dev "$devb"
	ip -n "$nsb" addr add "$b6" dev "$devb" nodad
	ip -n "$nsa" link set "$deva" up
	ip -n "$nsb" link set "$devb" up
}

# The topology drawn at the top, made with as few processes as possible (a
# handful of "ip -batch" instead of one ip per address and route).
sg_setup_topology()
{
	local ns a4 a6 gw4 gw6

	printf 'netns add %s\n' "$NS_CLI" "$NS_RTR" "$NS_MAIL" "$NS_OUT" | ip -batch - || return 1
	SG_NS_LIST+=("$NS_CLI" "$NS_RTR" "$NS_MAIL" "$NS_OUT")
	# before the veths arrive: they take the namespace's defaults
	for ns in "$NS_CLI" "$NS_MAIL" "$NS_OUT"; do
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 >/dev/null || return 1
	done
	ip netns exec "$NS_RTR" sysctl -q -w net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_dad=0 net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null || return 1

	ip -batch - <<-EOF || return 1
		link add name cli0 netns $NS_RTR type veth peer name eth0 netns $NS_CLI
		link add name mail0 netns $NS_RTR type veth peer name eth0 netns $NS_MAIL
		link add name out0 netns $NS_RTR type veth peer name eth0 netns $NS_OUT
	EOF
	ip -n "$NS_RTR" -batch - <<-EOF || return 1
		link set lo up
		addr add $RTR_CLI4/24 dev cli0
		addr add $RTR_CLI6/64 dev cli0 nodad
		addr add $RTR_MAIL4/24 dev mail0
		addr add $RTR_MAIL6/64 dev mail0 nodad
		addr add $RTR_OUT4/24 dev out0
		addr add $RTR_OUT6/64 dev out0 nodad
		link set cli0 up
		link set mail0 up
		link set out0 up
	EOF
	for ns in "$NS_CLI" "$NS_MAIL" "$NS_OUT"; do
		case $ns in
		"$NS_CLI") a4=$CLI4 a6=$CLI6 gw4=$RTR_CLI4 gw6=$RTR_CLI6 ;;
		"$NS_MAIL") a4=$MAIL4 a6=$MAIL6 gw4=$RTR_MAIL4 gw6=$RTR_MAIL6 ;;
		"$NS_OUT") a4=$OUT4 a6=$OUT6 gw4=$RTR_OUT4 gw6=$RTR_OUT6 ;;
		esac
		ip -n "$ns" -batch - <<-EOF || return 1
			link set lo up
			addr add $a4/24 dev eth0
			addr add $a6/64 dev eth0 nodad
			link set eth0 up
			route add default via $gw4
			route add ::/0 via $gw6
		EOF
	done

	for ns in "$NS_CLI" "$NS_MAIL" "$NS_OUT"; do
		busywait $((WAIT_TIMEOUT * 1000)) sg_link_up "$ns" eth0 || return 1
	done
}

sg_link_up()
{
	ip -n "$1" link show dev "$2" 2>/dev/null | grep -q 'state UP'
}

# "ADDR:PORT", with brackets for IPv6.
sg_hostport()
{
	if [[ $1 == *:* ]]; then
		echo "[$1]:$2"
	else
		echo "$1:$2"
	fi
}

sg_listening()
{
	local ns=$1 addr=$2 port=$3

	[[ -n $(ip netns exec "$ns" ss -Hltn src "$(sg_hostport "$addr" "$port")" 2>/dev/null) ]]
}

##############################################################################
# The hub: one long-lived python3 (sg_hub.py), shared by the scripts of a
# run_tests.sh run or else one per script, runs every server and makes the
# client connections inside the namespaces (setns per thread), and reads
# their /proc/net files.  Asked over TCP on 127.0.0.1 with bash's /dev/tcp,
# so a traffic check or a counter read starts no process at all.

# Start it in the background; sg_hub_ready waits for it.
# run_tests.sh starts one hub for all the scripts of a run and exports
# SG_HUB_SHARED_PID and SG_HUB_SHARED_DIR (its hub.port and hub.log); a
# script uses that one while it answers, else starts its own.
sg_hub_start()
{
	local py

	[[ -n $SG_HUB_PID ]] && return 0
	if [[ -n ${SG_HUB_SHARED_PID:-} && -d ${SG_HUB_SHARED_DIR:-} ]] &&
		kill -0 "$SG_HUB_SHARED_PID" 2>/dev/null; then
		SG_HUB_PID=$SG_HUB_SHARED_PID
		SG_HUB_DIR=$SG_HUB_SHARED_DIR
		SG_HUB_OWN=0
		return 0
	fi
	py=${PYTHON:-$(command -v python3)} || return 1
	SG_HUB_DIR=$SG_TMP
	SG_HUB_OWN=1
	exec {SG_HUB_FD}< <(exec "$py" "$SG_SELFTESTS/sg_hub.py" \
		"$SG_HUB_DIR/hub.log" "$SG_HUB_DIR/hub.port" </dev/null)
	SG_HUB_PID=$!
	SG_PIDS+=("$SG_HUB_PID")
}

sg_hub_port_known()
{
	[[ -s $SG_HUB_DIR/hub.port ]] || ! kill -0 "$SG_HUB_PID" 2>/dev/null
}

# The hub's port in SG_HUB_PORT once it serves (waits for its start).
sg_hub_ready()
{
	local line

	[[ -n $SG_HUB_PORT ]] && return 0
	[[ -n $SG_HUB_PID ]] || sg_hub_start || return 1
	# python3 importing aiosmtpd under TCG can take a while
	if [[ ! -s $SG_HUB_DIR/hub.port && -n $SG_HUB_FD ]]; then
		# "ready PORT", or EOF if it died
		read -r -t $((WAIT_TIMEOUT * 6)) -u "$SG_HUB_FD" line
	elif [[ ! -s $SG_HUB_DIR/hub.port ]]; then
		busywait $((WAIT_TIMEOUT * 6000)) sg_hub_port_known
	fi
	[[ -s $SG_HUB_DIR/hub.port ]] && read -r SG_HUB_PORT <"$SG_HUB_DIR/hub.port"
	if ((!SG_HUB_OWN)) && ! { [[ -n $SG_HUB_PORT ]] && sg_hub_t 30 ping; }; then
		sg_diag "the shared sg_hub.py does not answer, starting one for this script"
		SG_HUB_PID='' SG_HUB_PORT='' SG_HUB_SHARED_PID=''
		sg_hub_start && sg_hub_ready
		return
	fi
	if [[ -z $SG_HUB_PORT ]]; then
		sg_diag "sg_hub.py did not start:"$'\n'"$(tail -n 20 "$SG_HUB_DIR/hub.log" 2>/dev/null)"
		return 1
	fi
}

# sg_hub_t TIMEOUT WORD...: one request; the answer's text is left in
# SG_HUB_REPLY, its code is returned (125: the hub did not answer).
sg_hub_t()
{
	local t=$1 fd line rc IFS=$'\t'
	shift

	SG_HUB_REPLY="no answer from sg_hub.py"
	sg_hub_ready || return 125
	exec {fd}<>"/dev/tcp/127.0.0.1/$SG_HUB_PORT" || return 125
	printf '%s\n' "$*" >&"$fd"
	if ! read -r -t "$t" -u "$fd" line || [[ $line != [0-9]*$'\t'* ]]; then
		exec {fd}>&-
		SG_HUB_REPLY="no answer from sg_hub.py to '$*' within ${t}s"
		return 125
	fi
	exec {fd}>&-
	rc=${line%%$'\t'*}
	SG_HUB_REPLY=${line#*$'\t'}
	return "$rc"
}

sg_hub()
{
	sg_hub_t $((WAIT_TIMEOUT * 3)) "$@"
}

# sg_spawn_smtp NS ADDR PORT: a real SMTP server (aiosmtpd, Mailbox
# handler) that stores every accepted message in the namespace's maildir
# $SG_TMP/mail-NS.  Listening when this returns 0.
sg_spawn_smtp()
{
	local ns=$1 addr=$2 port=$3

	if ! sg_hub listen smtp "$ns" "$addr" "$port" "$SG_TMP/mail-$ns"; then
		sg_diag "no SMTP server on $(sg_hostport "$addr" "$port") in $ns: $SG_HUB_REPLY"
		return 1
	fi
}

# sg_spawn_http NS ADDR PORT: serves $SG_TMP/www/probe.txt.
sg_spawn_http()
{
	local ns=$1 addr=$2 port=$3

	mkdir -p "$SG_TMP/www"
	echo smtpguard-http-ok >"$SG_TMP/www/probe.txt"
	if ! sg_hub listen http "$ns" "$addr" "$port" "$SG_TMP/www"; then
		sg_diag "no HTTP server on $(sg_hostport "$addr" "$port") in $ns: $SG_HUB_REPLY"
		return 1
	fi
}

# sg_wait_listening NS ADDR PORT: poll until a server listens there.
sg_wait_listening()
{
	local ns=$1 addr=$2 port=$3

	if ! busywait $((WAIT_TIMEOUT * 3000)) sg_listening "$ns" "$addr" "$port"; then
		sg_diag "no server on $(sg_hostport "$addr" "$port") in $ns:"$'\n'"$(tail -n 5 "$SG_HUB_DIR"/hub.log 2>/dev/null)"
		return 1
	fi
}

# The hub answers a listen request once the socket listens: no polling.
sg_start_smtp()
{
	sg_spawn_smtp "$@"
}

sg_start_http()
{
	sg_spawn_http "$@"
}

# The servers of the common topology.
sg_start_servers()
{
	sg_spawn_smtp "$NS_OUT" "$OUT4" 25 &&
	sg_spawn_smtp "$NS_OUT" "$OUT6" 25 &&
	sg_spawn_smtp "$NS_MAIL" "$MAIL4" 25 &&
	sg_spawn_smtp "$NS_MAIL" "$MAIL6" 25 &&
	sg_spawn_http "$NS_OUT" "$OUT4" 80 &&
	sg_spawn_http "$NS_OUT" "$OUT6" 80
}

# Messages the SMTP server(s) of NS have accepted so far.
sg_mail_count()
{
	local f n=0

	for f in "$SG_TMP/mail-$1"/new/* "$SG_TMP/mail-$1"/new/.[!.]*; do
		[[ -f $f ]] && n=$((n + 1))
	done
	echo "$n"
}

# sg_ns_read NS FILE: the namespace's /proc/net/FILE into SG_LINES, read
# by the hub (a thread of it enters NS for the read), or with
# "ip netns exec NS cat" when there is no hub.
sg_ns_read()
{
	local ns=$1 file=$2 rc fd line n IFS=$'\t'

	SG_LINES=()
	if [[ -n $SG_HUB_PID ]] && sg_hub_ready >&2 &&
		exec {fd}<>"/dev/tcp/127.0.0.1/$SG_HUB_PORT"; then
		printf '%s\n' "cat"$'\t'"$ns"$'\t'"$file" >&"$fd"
		rc=125
		if read -r -t $((WAIT_TIMEOUT * 3)) -u "$fd" line && [[ $line == [0-9]*$'\t'* ]]; then
			rc=${line%%$'\t'*} n=${line#*$'\t'}
			if ((rc == 0)); then
				mapfile -t -n "$n" -u "$fd" SG_LINES
			else
				echo "$n" >&2
			fi
		fi
		exec {fd}>&-
		((rc != 125)) && return "$rc"
	fi
	mapfile -t SG_LINES < <(ip netns exec "$ns" cat "/proc/net/$file") || return 1
	((${#SG_LINES[@]})) || return 1
}

# Connections the TCP stack of NS has accepted so far (v4 and v6 share it).
sg_passive_opens()
{
	local hdr=() val=() line i

	sg_ns_read "$1" snmp 2>/dev/null || return 1
	for line in "${SG_LINES[@]}"; do
		[[ $line == Tcp:* ]] || continue
		if ((${#hdr[@]} == 0)); then
			read -r -a hdr <<<"$line"
		else
			read -r -a val <<<"$line"
		fi
	done
	for i in "${!hdr[@]}"; do
		[[ ${hdr[i]} == PassiveOpens ]] && echo "${val[i]}" && return 0
	done
	return 1
}

##############################################################################
# Traffic

# sg_swaks NS SERVER PORT [SWAKS_TIMEOUT]: send one message with swaks from
# NS; returns swaks' exit code (0 = delivered).  Its transcript is left in
# $SG_TMP/swaks.last and appended to $SG_TMP/swaks.log.  A real client
# process per message: the scripts use it for some of their deliveries.
sg_swaks()
{
	local ns=$1 server=$2 port=$3 t=${4:-$SMTP_OK_TIMEOUT} fam=-4 rc

	[[ $server == *:* ]] && fam=-6
	timeout $((t * 3 + 10)) ip netns exec "$ns" swaks $fam \
		--server "$server" --port "$port" --timeout "$t" \
		--helo "$ns.example" --from "robot@$ns.example" \
		--to postmaster@example.org \
		--header "Subject: smtpguard selftest $SG_ID" \
		>"$SG_TMP/swaks.last" 2>&1
	rc=$?
	{
		echo "== swaks from $ns to $server:$port: exit $rc"
		cat "$SG_TMP/swaks.last"
	} >>"$SG_TMP/swaks.log"
	return $rc
}

# sg_swaks_blocked NS SERVER PORT: sg_smtp_blocked with swaks: blocked
# only when swaks timed out connecting (a refused or failed connection is
# not a drop: the SYN went through, or never left).
sg_swaks_blocked()
{
	sg_swaks "$1" "$2" "$3" "$SMTP_DROP_TIMEOUT" && return 0
	grep -q '^=== Connected to' "$SG_TMP/swaks.last" && return 0
	if grep -qiE 'timed? ?out' "$SG_TMP/swaks.last" &&
		! grep -qiE 'refused|unreachable' "$SG_TMP/swaks.last"; then
		return 1
	fi
	sg_diag "sg_swaks_blocked $*: not a drop:"$'\n'"$(sg_swaks_log_tail)"
	return 0
}

# sg_smtp NS SERVER PORT [TIMEOUT]: send one message from NS to the SMTP
# server at SERVER:PORT; 0 = delivered (EHLO, MAIL, RCPT, DATA accepted).
# The client is the hub's smtplib (SG_SMTP_CLIENT=swaks: swaks).  The
# transcript is left in $SG_TMP/swaks.last and appended to swaks.log.
sg_smtp()
{
	local ns=$1 server=$2 port=$3 t=${4:-$SMTP_OK_TIMEOUT} rc

	[[ $SG_SMTP_CLIENT == swaks ]] && { sg_swaks "$@"; return; }
	sg_hub_t $((t * 3 + 10)) smtp "$ns" "$server" "$port" "$t" \
		"$SG_TMP/swaks.last" "$SG_TMP/swaks.log" "$ns.example" \
		"robot@$ns.example" postmaster@example.org "smtpguard selftest $SG_ID"
	rc=$?
	((rc == 125)) && echo "*** $SG_HUB_REPLY" >"$SG_TMP/swaks.last"
	return $rc
}

# sg_smtp_blocked NS SERVER PORT: an SMTP connection attempt that is
# expected to be dropped: returns 1 when no connection came about because
# the SYN got no answer within SMTP_DROP_TIMEOUT seconds (or, sent from
# this namespace, was refused with EPERM: a netfilter drop on its way
# out); 0 when it was NOT blocked (connected; then the server's greeting
# is read and QUIT sent), and also when the attempt failed otherwise: a
# refused connection means the SYN went through, a probe that could not
# be made proves nothing.  That must never pass for a drop.
sg_smtp_blocked()
{
	local rc

	[[ $SG_SMTP_CLIENT == swaks ]] && { sg_swaks_blocked "$@"; return; }
	sg_hub_t $((SMTP_DROP_TIMEOUT * 3 + 10)) connect "$1" "$2" "$3" \
		"$SMTP_DROP_TIMEOUT" "$SG_TMP/swaks.last" "$SG_TMP/swaks.log"
	rc=$?
	case $rc in
	1 | 3) return 1 ;;
	0) return 0 ;;
	esac
	echo "*** $SG_HUB_REPLY" >"$SG_TMP/swaks.last"
	sg_diag "sg_smtp_blocked $*: not a drop: $SG_HUB_REPLY"
	return 0
}

# sg_smtp_dropped NS SERVER PORT WHAT [COUNTER_NS]: the attempt is dropped
# (sg_smtp_blocked) and smtp_dropped of COUNTER_NS (default the router)
# grows; else the running check fails with WHAT.
sg_smtp_dropped()
{
	local rns=${5:-$NS_RTR} d0

	d0=$(sg_stat "$rns" smtp_dropped)
	if sg_smtp_blocked "$1" "$2" "$3"; then
		sg_fail "$4"
		return 1
	fi
	expect_gt "smtp_dropped of $rns after SMTP from $1 to $2:$3" \
		"$(sg_stat "$rns" smtp_dropped)" "$d0"
}

# Can sg_smtp speak IPv6?  The hub always can; swaks needs IO::Socket::INET6.
sg_smtp6_ok()
{
	[[ $SG_SMTP_CLIENT != swaks ]] || perl -MIO::Socket::INET6 -e 1 >/dev/null 2>&1
}

sg_swaks_log_tail()
{
	tail -n 8 "$SG_TMP/swaks.last"
}

# sg_reach NS DST [SRC] [PORT] [TIMEOUT]: does a TCP SYN from NS (from
# address SRC) to DST:PORT (default 9, where nothing listens) get an
# answer within TIMEOUT seconds (default 2, scaled)?  0: yes (connected,
# refused, or an ICMP error came back), 1: no, it was dropped (no answer,
# or EPERM on its way out of NS); 2 and up: the probe could not be made.
# The hub's version of netprobe.py's "reach", without a process per probe.
sg_reach()
{
	local ns=$1 dst=$2 src=${3:--} port=${4:-9} t=${5:-$(sg_bound 2)}

	sg_hub_t $((t * 3 + 10)) reach "$ns" "$dst" "${src:--}" "$port" "$t" && return 0
	case $? in
	1 | 3) return 1 ;;
	125) sg_diag "sg_reach $*: $SG_HUB_REPLY"; return 125 ;;
	*) sg_diag "sg_reach $*: $SG_HUB_REPLY"; return 2 ;;
	esac
}

# sg_dropped NS DST [SRC] [PORT] [TIMEOUT]: true when the SYN was dropped
# (sg_reach 1); a probe that answered or failed fails the running check
# with the reason and is not a drop.
sg_dropped()
{
	sg_reach "$@"
	case $? in
	1) return 0 ;;
	0) return 1 ;;
	*) sg_fail "sg_dropped $*: the probe failed: $SG_HUB_REPLY"; return 1 ;;
	esac
}

# sg_passes NS DST [SRC] [PORT] [TIMEOUT]: true when the SYN got an answer.
sg_passes()
{
	sg_reach "$@"
}

##############################################################################
# One-way traffic: each direction proven on its own.  A drop in one
# direction is proven by datagrams that never arrive, while a control
# datagram sent after them on the same path does, and by the counter that
# must move; a refused connection proves nothing about which way.

# sg_udp_count NS ADDR PORT: datagrams the hub's receiver on ADDR:PORT in
# NS got so far (opened by the first call, at 0).
sg_udp_count()
{
	sg_hub udpcount "$1" "$2" "$3" || { echo -1; return 1; }
	echo "$SG_HUB_REPLY"
}

# sg_udp_send NS SRC DST PORT N: N datagrams; 0 all sent, 3 all refused
# with EPERM (dropped on the way out of NS), else a failure.
sg_udp_send()
{
	sg_hub udpsend "$@"
}

# sg_oneway_dropped FROM SRC TO DST N CSRC CDST CNS KEY: N datagrams from
# SRC in FROM to DST in TO never arrive; a control datagram from CSRC to
# CDST (addresses no entry lists, the same path), sent after them, does;
# and the counter KEY in namespace CNS grows by exactly N.  From the
# router itself (LOCAL_OUT) every one is refused with EPERM.
sg_oneway_dropped()
{
	local from=$1 src=$2 to=$3 dst=$4 n=$5 csrc=$6 cdst=$7 cns=$8 key=$9
	local before cbefore ctr0 rc got

	before=$(sg_udp_count "$to" "$dst" 5353) &&
		cbefore=$(sg_udp_count "$to" "$cdst" 5353) ||
		{ sg_fail "no receiver on $dst or $cdst in $to: $SG_HUB_REPLY"; return; }
	ctr0=$(sg_stat "$cns" "$key")
	sg_udp_send "$from" "$src" "$dst" 5353 "$n"
	rc=$?
	if ((rc != 0 && rc != 3)); then
		sg_fail "sending $n datagrams $src -> $dst from $from: $SG_HUB_REPLY"
		return
	fi
	sg_udp_send "$from" "$csrc" "$cdst" 5353 1 ||
		{ sg_fail "the control datagram $csrc -> $cdst: $SG_HUB_REPLY"; return; }
	ctrl_in() { (($(sg_udp_count "$to" "$cdst" 5353) > cbefore)); }
	busywait "$(sg_bound 10000)" ctrl_in ||
		{ sg_fail "the control datagram $csrc -> $cdst did not arrive: the path is broken"; return; }
	got=$(sg_udp_count "$to" "$dst" 5353)
	# the control itself, when it went to the same receiver
	[[ $cdst == "$dst" ]] && got=$((got - 1))
	expect_eq "datagrams $src -> $dst that arrived (of $n)" "$before" "$got"
	expect_eq "$key after $n datagrams $src -> $dst" $((ctr0 + n)) "$(sg_stat "$cns" "$key")"
}

# sg_flood_in NS ARGS...: the sg_flood helper in NS (its arguments: see
# sg_flood.c); the packets it sent in FLOOD_SENT.  Anything but one line
# "sent N" fails the running check (and returns non-zero).
sg_flood_in()
{
	local ns=$1 out
	shift

	out=$(ip netns exec "$ns" "$SG_HELPERS/sg_flood" "$@" 2>&1)
	FLOOD_SENT=$(sed -n 's/^sent \([0-9]\+\)$/\1/p' <<<"$out")
	[[ -n $FLOOD_SENT ]] || FLOOD_SENT=0
	[[ $out == "sent "* && $out != *$'\n'* ]] || sg_fail "sg_flood $*: $out"
}

# sg_oneway_passes FROM SRC TO DST N: all N datagrams arrive.
sg_oneway_passes()
{
	local from=$1 src=$2 to=$3 dst=$4 n=$5 before got

	before=$(sg_udp_count "$to" "$dst" 5353) || { sg_fail "no receiver on $dst in $to: $SG_HUB_REPLY"; return; }
	sg_udp_send "$from" "$src" "$dst" 5353 "$n" ||
		{ sg_fail "sending $n datagrams $src -> $dst from $from: $SG_HUB_REPLY"; return; }
	all() { got=$(sg_udp_count "$to" "$dst" 5353); ((got >= before + n)); }
	busywait "$(sg_bound 10000)" all ||
		sg_fail "$((got - before)) of $n datagrams $src -> $dst arrived"
}

# sg_http NS ADDR PORT: fetch the probe file, 0 when it came back.
sg_http()
{
	local ns=$1 addr=$2 port=$3

	sg_hub_t $((HTTP_TIMEOUT + 5)) http "$ns" "$addr" "$port" "$HTTP_TIMEOUT" && return 0
	echo "$SG_HUB_REPLY" >>"$SG_TMP/http.log"
	return 1
}

##############################################################################
# smtpguard state

# sgctl NS ARGS...: smtpguardctl run inside NS (ip netns exec, not -n, so
# that -n itself is tested separately).
sgctl()
{
	local ns=$1; shift

	ip netns exec "$ns" smtpguardctl "$@"
}

# sg_ctl_ok NS ARGS...: smtpguardctl in NS must succeed; if it does not, the
# running check fails with the command, its exit code and its output.
sg_ctl_ok()
{
	local ns=$1; shift
	local out rc

	out=$(sgctl "$ns" "$@" 2>&1)
	rc=$?
	[[ $rc -eq 0 ]] || sg_fail "'smtpguardctl $*' in $ns exited $rc: $out"
	return $rc
}

# NS's /proc/net/smtpguard (read by bash through the hub's thread there).
sg_proc()
{
	local line

	if ! sg_ns_read "$1" smtpguard; then
		echo "cannot read /proc/net/smtpguard in $1" >&2
		return 1
	fi
	for line in "${SG_LINES[@]}"; do
		echo "$line"
	done
}

# sg_stat NS KEY: one value of /proc/net/smtpguard.
sg_stat()
{
	local line

	sg_ns_read "$1" smtpguard 2>/dev/null || return 1
	for line in "${SG_LINES[@]}"; do
		if [[ ${line%% *} == "$2" ]]; then
			line=${line#"$2"}
			line=${line# }
			echo "${line%% *}"
			return 0
		fi
	done
	return 1
}

# sg_stat_above NS KEY N: true once the counter exceeds N (for busywait).
sg_stat_above()
{
	local v

	v=$(sg_stat "$1" "$2") && [[ $v =~ ^[0-9]+$ ]] && ((v > $3))
}

# "inspected allowed dropped would_drop" of NS, for before/after checks.
sg_counters()
{
	local line i='' a='' d='' w=''

	sg_ns_read "$1" smtpguard 2>/dev/null
	for line in "${SG_LINES[@]}"; do
		case ${line%% *} in
		smtp_inspected) i=${line#* } ;;
		smtp_allowed) a=${line#* } ;;
		smtp_dropped) d=${line#* } ;;
		smtp_would_drop) w=${line#* } ;;
		esac
	done
	echo "$i $a $d $w"
}

# inspected == allowed + dropped + would_drop
sg_check_counter_sum()
{
	local ns=$1 i a d w

	read -r i a d w <<<"$(sg_counters "$ns")"
	if ! [[ $i =~ ^[0-9]+$ ]] || ((i != a + d + w)); then
		sg_fail "/proc/net/smtpguard in $ns: smtp_inspected $i != allowed $a + dropped $d + would_drop $w"
	fi
}

# Everything a command could change, for "bad input changes nothing".
sg_snapshot()
{
	local ns=$1

	echo "--- allow list"
	sgctl "$ns" allow list 2>&1
	echo "--- ports"
	sgctl "$ns" ports 2>&1
	echo "--- except list"
	sgctl "$ns" except list 2>&1
	echo "--- roles"
	sgctl "$ns" -j inside 2>&1
	echo "--- /proc/net/smtpguard"
	sg_proc "$ns" 2>&1
}

sg_netns_inode()
{
	ip netns exec "$1" stat -L -c %i /proc/self/ns/net
}

# sg_drop_logged SRC DST PORT NSINODE: a kernel log line since the mark that
# names the source, destination:port and the namespace.
sg_drop_log_lines()
{
	local src=$1 dst=$2 port=$3 src_re dst_re

	src_re=${src//./\\.}
	dst_re=${dst//./\\.}
	sg_klog_since_mark | grep -i smtpguard | grep -E "(^|[^0-9a-f:.])\[?$src_re\]?([^0-9a-f:.]|:[0-9]|$)" |
		grep -E "(\[$dst_re\]|(^|[^0-9a-f:.])$dst_re):$port([^0-9]|$)"
}

sg_drop_logged()
{
	local src=$1 dst=$2 port=$3 inode=$4

	sg_drop_log_lines "$src" "$dst" "$port" | grep -qw "$inode"
}
