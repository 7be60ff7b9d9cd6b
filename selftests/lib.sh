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

# Prefer the tool on PATH (the harness puts it there), else the tree's.
if ! command -v smtpguardctl >/dev/null 2>&1 && [[ -x $SG_ROOT/tools/smtpguardctl ]]; then
	PATH=$SG_ROOT/tools:$PATH
fi
PATH=$PATH:/usr/sbin:/sbin

: "${WAIT_TIMEOUT:=20}"		# seconds, for every poll
: "${SMTP_OK_TIMEOUT:=20}"	# swaks --timeout where delivery must work
: "${SMTP_DROP_TIMEOUT:=4}"	# swaks --timeout where the SYN is dropped
: "${HTTP_TIMEOUT:=15}"

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
SG_TMP=
SG_LOADED=0
SG_TEST_NUM=0
SG_PASSED=0
SG_FAILED=0
SG_SKIPPED=0
SG_KLOG_START=0
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

# The whole script cannot run: say why and leave with 4.
skip_all()
{
	echo "1..0 # SKIP $*"
	echo "SKIP: $*" >&2
	exit $ksft_skip
}

ksft_finish()
{
	echo "1..$SG_TEST_NUM"
	echo "# Totals: pass:$SG_PASSED fail:$SG_FAILED xfail:0 xpass:0 skip:$SG_SKIPPED error:0"
	if ((SG_FAILED)); then
		exit $ksft_fail
	fi
	exit $ksft_pass
}

##############################################################################
# Waiting: poll, never sleep a fixed time

timestamp_ms()
{
	local s ns

	read -r s ns < <(date -u '+%s %N')
	echo $((s * 1000 + 10#$ns / 1000000))
}

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or the time is up.
# Polls every 50 ms rather than spinning: under TCG a spinning shell steals
# the only CPU from the packets it is waiting for.
busywait()
{
	local timeout_ms=$1; shift
	local start now

	start=$(timestamp_ms)
	while true; do
		"$@" && return 0
		now=$(timestamp_ms)
		((now - start > timeout_ms)) && return 1
		sleep 0.05
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

sg_require_python()
{
	local p

	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import aiosmtpd' >/dev/null 2>&1; then
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

sg_require_module_file()
{
	[[ -n ${SMTPGUARD_KO:-} ]] || skip_all "SMTPGUARD_KO is not set"
	[[ -r $SMTPGUARD_KO ]] || skip_all "SMTPGUARD_KO=$SMTPGUARD_KO is missing"
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
# Kernel log

sg_klog_mark()
{
	SG_KLOG_MARK=$(dmesg 2>/dev/null | wc -l)
}

# Kernel log lines printed since the last sg_klog_mark.
sg_klog_since_mark()
{
	dmesg 2>/dev/null | tail -n +$((SG_KLOG_MARK + 1))
}

sg_klog_since_start()
{
	dmesg 2>/dev/null | tail -n +$((SG_KLOG_START + 1))
}

SG_OOPS_RE='Oops|BUG:|WARNING:|general protection|Call Trace|KASAN|UBSAN|refcount_t|list_(add|del) corruption|kernel BUG|stack-protector|RCU stall|soft lockup|hung_task'

# Check (as its own KTAP line) that nothing went wrong in the kernel since
# the script started: no oops/warning lines and no new D/W taint bits.
sg_check_kernel_clean()
{
	local bad taint

	bad=$(sg_klog_since_start | grep -E "$SG_OOPS_RE")
	[[ -z $bad ]] || sg_fail "kernel log:"$'\n'"$bad"
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
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	for pid in "${SG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if ((SG_LOADED)) && sg_module_loaded; then
		rmmod smtpguard 2>/dev/null
	fi
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
	SG_KLOG_START=$(dmesg 2>/dev/null | wc -l)
	SG_TAINT_START=$(cat /proc/sys/kernel/tainted)
	echo "TAP version 13"
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

sg_del_ns()
{
	local ns=$1 n keep=()

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

sg_setup_topology()
{
	local ns

	sg_add_ns "$NS_CLI" "$NS_RTR" "$NS_MAIL" "$NS_OUT" || return 1
	sg_link "$NS_RTR" cli0 "$RTR_CLI4/24" "$RTR_CLI6/64" \
		"$NS_CLI" eth0 "$CLI4/24" "$CLI6/64" || return 1
	sg_link "$NS_RTR" mail0 "$RTR_MAIL4/24" "$RTR_MAIL6/64" \
		"$NS_MAIL" eth0 "$MAIL4/24" "$MAIL6/64" || return 1
	sg_link "$NS_RTR" out0 "$RTR_OUT4/24" "$RTR_OUT6/64" \
		"$NS_OUT" eth0 "$OUT4/24" "$OUT6/64" || return 1

	ip netns exec "$NS_RTR" sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null || return 1

	ip -n "$NS_CLI" route add default via "$RTR_CLI4"
	ip -n "$NS_CLI" -6 route add default via "$RTR_CLI6"
	ip -n "$NS_MAIL" route add default via "$RTR_MAIL4"
	ip -n "$NS_MAIL" -6 route add default via "$RTR_MAIL6"
	ip -n "$NS_OUT" route add default via "$RTR_OUT4"
	ip -n "$NS_OUT" -6 route add default via "$RTR_OUT6"

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

# sg_spawn_smtp NS ADDR PORT: start a real SMTP server (aiosmtpd) that stores
# every accepted message in the namespace's maildir $SG_TMP/mail-NS.
sg_spawn_smtp()
{
	local ns=$1 addr=$2 port=$3

	# made here: two servers creating one maildir at once race in mkdir
	mkdir -p "$SG_TMP/mail-$ns"/{cur,new,tmp}
	ip netns exec "$ns" "$PYTHON" -m aiosmtpd -n \
		-c aiosmtpd.handlers.Mailbox -l "$addr:$port" "$SG_TMP/mail-$ns" \
		>>"$SG_TMP/smtpd-$ns.log" 2>&1 &
	SG_PIDS+=($!)
}

# sg_spawn_http NS ADDR PORT: serves $SG_TMP/www/probe.txt.
sg_spawn_http()
{
	local ns=$1 addr=$2 port=$3

	mkdir -p "$SG_TMP/www"
	echo smtpguard-http-ok >"$SG_TMP/www/probe.txt"
	ip netns exec "$ns" "$PYTHON" -m http.server "$port" --bind "$addr" \
		--directory "$SG_TMP/www" >>"$SG_TMP/httpd-$ns.log" 2>&1 &
	SG_PIDS+=($!)
}

# sg_wait_listening NS ADDR PORT: poll until a server listens there.
sg_wait_listening()
{
	local ns=$1 addr=$2 port=$3

	# Python starts slowly under TCG: allow three times the usual wait.
	if ! busywait $((WAIT_TIMEOUT * 3000)) sg_listening "$ns" "$addr" "$port"; then
		sg_diag "no server on $(sg_hostport "$addr" "$port") in $ns:"$'\n'"$(tail -n 5 "$SG_TMP"/*d-"$ns".log 2>/dev/null)"
		return 1
	fi
}

sg_start_smtp()
{
	sg_spawn_smtp "$@" && sg_wait_listening "$@"
}

sg_start_http()
{
	sg_spawn_http "$@" && sg_wait_listening "$@"
}

# The servers of the common topology, started side by side.
sg_start_servers()
{
	sg_spawn_smtp "$NS_OUT" "$OUT4" 25
	sg_spawn_smtp "$NS_OUT" "$OUT6" 25
	sg_spawn_smtp "$NS_MAIL" "$MAIL4" 25
	sg_spawn_smtp "$NS_MAIL" "$MAIL6" 25
	sg_spawn_http "$NS_OUT" "$OUT4" 80
	sg_spawn_http "$NS_OUT" "$OUT6" 80
	sg_wait_listening "$NS_OUT" "$OUT4" 25 &&
	sg_wait_listening "$NS_OUT" "$OUT6" 25 &&
	sg_wait_listening "$NS_MAIL" "$MAIL4" 25 &&
	sg_wait_listening "$NS_MAIL" "$MAIL6" 25 &&
	sg_wait_listening "$NS_OUT" "$OUT4" 80 &&
	sg_wait_listening "$NS_OUT" "$OUT6" 80
}

# Messages the SMTP server(s) of NS have accepted so far.
sg_mail_count()
{
	local md=$SG_TMP/mail-$1

	if [[ -d $md ]]; then
		find "$md" -path '*/new/*' -type f | wc -l
	else
		echo 0
	fi
}

# Connections the TCP stack of NS has accepted so far (v4 and v6 share it).
sg_passive_opens()
{
	# shellcheck disable=SC2016 # awk program
	ip netns exec "$1" awk '/^Tcp:/ {
		if (!col) { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") col = i }
		else print $col
	}' /proc/net/snmp
}

##############################################################################
# Traffic

# sg_smtp NS SERVER PORT [SWAKS_TIMEOUT]: send one message with swaks from
# NS; returns swaks' exit code (0 = delivered).  Its transcript is left in
# $SG_TMP/swaks.last and appended to $SG_TMP/swaks.log.
sg_smtp()
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

# sg_smtp_blocked NS SERVER PORT: an attempt that is expected to be dropped,
# with a short timeout.  Returns 0 when it was NOT blocked: delivered, or
# merely connected (a slow guest can make a connected session time out, and
# that must not count as a drop).
sg_smtp_blocked()
{
	sg_smtp "$1" "$2" "$3" "$SMTP_DROP_TIMEOUT" && return 0
	grep -q '^=== Connected to' "$SG_TMP/swaks.last" && return 0
	return 1
}

sg_swaks_log_tail()
{
	tail -n 8 "$SG_TMP/swaks.last"
}

# sg_http NS ADDR PORT: fetch the probe file, 0 when it came back.
sg_http()
{
	local ns=$1 addr=$2 port=$3 host=$2

	[[ $addr == *:* ]] && host="[$addr]"
	timeout $((HTTP_TIMEOUT + 5)) ip netns exec "$ns" "$PYTHON" - \
		"http://$host:$port/probe.txt" "$HTTP_TIMEOUT" <<'EOF' 2>>"$SG_TMP/http.log"
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])) as r:
    ok = r.status == 200 and b"smtpguard-http-ok" in r.read()
sys.exit(0 if ok else 1)
EOF
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

sg_proc()
{
	ip netns exec "$1" cat /proc/net/smtpguard
}

# sg_stat NS KEY: one value of /proc/net/smtpguard.
sg_stat()
{
	sg_proc "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $2; found = 1 } END { exit !found }'
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
	sg_proc "$1" 2>/dev/null | awk '
		$1 == "smtp_inspected" { i = $2 } $1 == "smtp_allowed" { a = $2 }
		$1 == "smtp_dropped" { d = $2 } $1 == "smtp_would_drop" { w = $2 }
		END { print i, a, d, w }'
}

# inspected == allowed + dropped + would_drop
sg_check_counter_sum()
{
	local ns=$1 i a d w

	read -r i a d w < <(sg_counters "$ns")
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
