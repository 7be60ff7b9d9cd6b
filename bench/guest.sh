#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# smtpguard forwarding benchmark, guest side.  Runs inside the VM started by
# selftests/vm/run.sh (as root, cwd = project root, SMTPGUARD_KO = module
# for the running kernel); never on a host.  See bench/README.md.
#
#   sender --veth--> router --veth--> sink
#
# pktgen in the sender namespace sends 64-byte UDP frames to the router's
# MAC; the router forwards them to the sink, which drops them in its input
# route lookup (it does not forward: ip_error, no ICMP).  Every
# configuration changes only the router namespace's netfilter state.
#
# Output: one "BENCH ..." line per measurement on stdout, and the same lines
# in $BENCH_OUT (default bench/results/raw-$(uname -r).txt).
#
# Knobs (environment): BENCH_RUNS (5), BENCH_COUNT (pktgen packets per
# measurement, 200000), BENCH_WARMUP (5000), BENCH_CONFIGS (space separated,
# default all), BENCH_TCP (1: also the TCP AF_PACKET measurements).

set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

RUNS=${BENCH_RUNS:-5}
COUNT=${BENCH_COUNT:-200000}
WARMUP=${BENCH_WARMUP:-5000}
CONFIGS=${BENCH_CONFIGS:-"base sg_unconf sg_allow10 ipt_legacy ipt_nft"}
TCP=${BENCH_TCP:-1}
TCP_COUNT=${BENCH_TCP_COUNT:-20000}
KVER=$(uname -r)
OUT=${BENCH_OUT:-bench/results/raw-$KVER.txt}
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=${SMTPGUARD_TOOLS:-$PWD/tools}
CTL=$TOOLS/smtpguardctl
[ -x "$CTL" ] || CTL=$(command -v smtpguardctl || echo "$CTL")
KO=${SMTPGUARD_KO:-}

# Addresses: documentation ranges only, inside the guest.
SND_IP=192.0.2.1 RTR_IN=192.0.2.254 RTR_OUT=198.51.100.1 SINK_IP=198.51.100.2
DST_IP=203.0.113.10
MAC_S0=02:00:00:00:00:01 MAC_R0=02:00:00:00:00:02
MAC_R1=02:00:00:00:00:03 MAC_K0=02:00:00:00:00:04

# The 10-entry allow-list: the user's 10.10.10.10 plus nine others, CIDRs and
# IPv6 among them.  None covers the traffic's addresses.
ALLOW10="10.10.10.10 10.10.10.11 10.20.0.0/16 172.16.0.0/12 198.18.0.0/15
	203.0.113.200 2001:db8::25 2001:db8:1::/48 2001:db8:2::10
	2001:db8:ffff::/64"

die() { echo "bench: FATAL: $*" >&2; echo "BENCH_FATAL $*"; exit 1; }
log() { echo "bench: $*" >&2; }
rx() { ip netns exec "$1" "${@:2}"; }

mkdir -p "$(dirname "$OUT")" 2>/dev/null
: >"$OUT" 2>/dev/null || OUT=/tmp/bench-raw.txt
emit() { echo "BENCH $*"; echo "$*" >>"$OUT"; }

# ---------------------------------------------------------------- modules
# Load everything any configuration needs up front, so that module presence
# is the same for all of them; only smtpguard itself comes and goes.
# Loading these registers no hooks: legacy tables are instantiated per
# namespace on first use, nf_tables only hooks base chains.
for m in veth pktgen x_tables ip_tables iptable_filter xt_tcpudp xt_LOG \
	 nf_log_syslog nf_tables nft_compat nfnetlink; do
	modprobe "$m" 2>/dev/null || log "modprobe $m failed"
done
case " $CONFIGS " in *" sg_"*)
	[ -n "$KO" ] && [ -f "$KO" ] ||
		die "SMTPGUARD_KO not set or missing (${KO:-unset})"
	[ -x "$CTL" ] || die "$CTL missing (make tool)" ;;
esac
command -v iptables-legacy >/dev/null || die "iptables-legacy missing"
command -v iptables-nft >/dev/null || die "iptables-nft missing"
lsmod | grep -q '^smtpguard ' && rmmod smtpguard

# The seed chain's LOG rule logs from the router namespace as it would from
# init_net on a real router (by default nf_log is silent outside init_net).
# Its lines are KERN_WARNING: keep them off the serial console while the
# bench runs (they stay in dmesg); kernel trouble is looked for at the end.
sysctl -qw net.netfilter.nf_log_all_netns=1 || die "nf_log_all_netns"
read -r CONSOLE_LEVEL _ </proc/sys/kernel/printk
echo 4 >/proc/sys/kernel/printk
trap 'echo "$CONSOLE_LEVEL" >/proc/sys/kernel/printk' EXIT

# --------------------------------------------------------------- topology
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for ns in sender router sink; do
	ip netns del $ns 2>/dev/null
	ip netns add $ns || die "ip netns add $ns"
	rx $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	rx $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	rx $ns ip link set lo up
done
ip link add s0 netns sender address $MAC_S0 type veth \
	peer name r0 netns router address $MAC_R0 || die "veth s0/r0"
ip link add r1 netns router address $MAC_R1 type veth \
	peer name k0 netns sink address $MAC_K0 || die "veth r1/k0"
rx sender ip addr add $SND_IP/24 dev s0
rx router ip addr add $RTR_IN/24 dev r0
rx router ip addr add $RTR_OUT/24 dev r1
rx sink ip addr add $SINK_IP/24 dev k0
for l in sender:s0 router:r0 router:r1 sink:k0; do
	rx ${l%%:*} ip link set ${l#*:} up
done
rx router sysctl -qw net.ipv4.ip_forward=1
rx router ip route add 203.0.113.0/24 via $SINK_IP dev r1
# Static neighbours: no ARP during or between measurements.
rx router ip neigh replace $SINK_IP lladdr $MAC_K0 dev r1 nud permanent
rx router ip neigh replace $SND_IP lladdr $MAC_S0 dev r0 nud permanent
rx sink ip neigh replace $RTR_OUT lladdr $MAC_R1 dev k0 nud permanent
# The sink has no route to 203.0.113.0/24 and does not forward: its input
# route lookup fails and ip_error() frees the packet without an ICMP reply.
rx sink sysctl -qw net.ipv4.ip_forward=0

# ---------------------------------------------------------------- pktgen
PG=/proc/net/pktgen
pgset() { # file command
	rx sender sh -c "echo '$2' > $PG/$1" || die "pktgen: $1 <- $2"
}
pg_setup() {
	pgset kpktgend_0 rem_device_all
	pgset kpktgend_0 "add_device s0"
	local c
	for c in "pkt_size 60" "clone_skb 0" "burst 1" "delay 0" \
		"dst_mac $MAC_R0" "src_min $SND_IP" "src_max $SND_IP" \
		"dst_min $DST_IP" "dst_max $DST_IP" "udp_src_min 9" \
		"udp_src_max 9" "udp_dst_min 9" "udp_dst_max 9"; do
		pgset s0 "$c"
	done
}
# pg_run COUNT -> "elapsed_us sent"
pg_run() {
	pgset s0 "count $1"
	rx sender sh -c "echo start > $PG/pgctrl" || die "pktgen start"
	local res
	res=$(rx sender cat $PG/s0 | sed -n 's/^Result: OK: \([0-9]*\)(.*usec, \([0-9]*\) .*/\1 \2/p')
	[ -n "$res" ] || { rx sender cat $PG/s0 >&2; die "pktgen: no result"; }
	echo "$res"
}
fwd_count() { rx router cat /sys/class/net/r1/statistics/tx_packets; }
[ -d $PG ] || die "no $PG (pktgen)"
rx sender test -w $PG/pgctrl || die "pktgen is not per-namespace here"
pg_setup

# ------------------------------------------------------------ TCP sender
# pktgen only builds UDP.  For TCP the sender is an AF_PACKET TX ring
# (bench/txring.py): one send() flushes a ring of prebuilt frames through
# the same veth; only the send() calls are timed.
PY=$(command -v python3)
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
tcp_run() { # config run
	local line
	# shellcheck disable=SC2046 # one --flow per word, on purpose
	$PY "$HERE/txring.py" --sender-ns sender --router-ns router \
		--dev s0 --fwd-dev r1 --src-mac $MAC_S0 --dst-mac $MAC_R0 \
		--count "$TCP_COUNT" --warmup 2000 \
		$(for k in $TCP_KINDS; do echo --flow "$k"; done) |
	while read -r line; do
		emit "kver=$KVER ${line%% *} config=$1 run=$2 ${line#* }"
	done
	[ "${PIPESTATUS[0]}" = 0 ] || die "txring.py failed"
}

# ---------------------------------------------------------- configurations
cfg_up() {
	case $1 in
	base)	;;
	sg_unconf)
		insmod "$KO" || die "insmod $KO" ;;
	sg_allow10)
		insmod "$KO" || die "insmod $KO"
		# shellcheck disable=SC2086
		rx router "$CTL" allow $ALLOW10 >&2 || die "smtpguardctl allow"
		;;
	ipt_legacy|ipt_nft)
		local ipt=iptables-legacy
		[ "$1" = ipt_nft ] && ipt=iptables-nft
		rx router $ipt -A FORWARD -p tcp --dport 25 -s 10.10.10.10 -j ACCEPT &&
		rx router $ipt -A FORWARD -p tcp --dport 25 -d 10.10.10.10 -j ACCEPT &&
		rx router $ipt -A FORWARD -p tcp --dport 25 -j LOG --log-prefix "SMTP-DROP " &&
		rx router $ipt -A FORWARD -p tcp --dport 25 -j DROP ||
			die "$ipt rules"
		;;
	*)	die "unknown config $1" ;;
	esac
}
cfg_down() {
	case $1 in
	sg_unconf|sg_allow10)
		rmmod smtpguard || die "rmmod smtpguard" ;;
	ipt_legacy)
		# The filter table's hooks stay until the table goes.
		rx router iptables-legacy -F FORWARD
		rmmod iptable_filter && modprobe iptable_filter ||
			die "iptable_filter reload" ;;
	ipt_nft)
		rx router nft delete table ip filter || die "nft delete table" ;;
	esac
}
# What is hooked in the router namespace, for the log.
cfg_show() {
	case $1 in
	sg_*)	rx router cat /proc/net/smtpguard 2>/dev/null |
			tr '\n' ' ' | sed 's/^/smtpguard: /' >&2; echo >&2 ;;
	ipt_legacy) rx router iptables-legacy -S FORWARD | tr '\n' ';' >&2; echo >&2 ;;
	ipt_nft) rx router iptables-nft -S FORWARD | tr '\n' ';' >&2; echo >&2 ;;
	esac
}

measure_udp() { # config run
	local f0 f1 r us sent
	pg_run "$WARMUP" >/dev/null
	f0=$(fwd_count)
	r=$(pg_run "$COUNT")
	f1=$(fwd_count)
	us=${r% *} sent=${r#* }
	emit "kver=$KVER traffic=udp config=$1 run=$2 sent=$sent fwd=$((f1 - f0)) elapsed_ns=$((us * 1000))"
}

# TCP traffic kinds: non-SMTP (dport 443), SMTP from an allowed source,
# SMTP from a source that is not allowed (dropped: no "fwd").
TCP_KINDS="tcp443:$SND_IP:$DST_IP:443 smtp_ok:10.10.10.10:$DST_IP:25 smtp_drop:$SND_IP:$DST_IP:25"
if [ "$TCP" = 1 ]; then
	if ! $PY "$HERE/txring.py" --selftest >/dev/null 2>&1; then
		log "txring.py unusable: TCP measurements skipped"
		TCP=0
	fi
fi

log "kernel $KVER, runs $RUNS, udp count $COUNT, tcp count $TCP_COUNT, configs: $CONFIGS"
set -- $CONFIGS
ncfg=$#
for run in $(seq 1 "$RUNS"); do
	# Round-robin, rotated by one each run, so drift (if any) is spread.
	i=0
	for _ in $CONFIGS; do
		idx=$(( (i + run - 1) % ncfg + 1 ))
		c=${!idx}
		cfg_up "$c"
		[ "$run" = 1 ] && cfg_show "$c"
		measure_udp "$c" "$run"
		if [ "$TCP" = 1 ]; then
			tcp_run "$c" "$run"
		fi
		cfg_down "$c"
		i=$((i + 1))
	done
done
echo "$CONSOLE_LEVEL" >/proc/sys/kernel/printk
log "iptables LOG lines still in the dmesg ring buffer (it keeps only the last ones): $(dmesg | grep -c "SMTP-DROP ")"
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace' >&2; then
	die "kernel trouble in dmesg (above)"
fi
echo "BENCH_DONE"
