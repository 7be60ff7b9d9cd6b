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
# The blocklist part (after the rest, same boot; bench/README.md):
# BENCH_BLOCK (1; 0: skip it; only: run only it), BENCH_BLOCK_RUNS
# (BENCH_RUNS), BENCH_BLOCK_COUNT (pktgen packets per measurement, 50000),
# BENCH_BLOCK_CONFIGS (default all), BENCH_BLOCK_DATA (directory with the
# list files bench/run.sh wrote; else they are generated in /tmp).

set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

RUNS=${BENCH_RUNS:-5}
COUNT=${BENCH_COUNT:-200000}
WARMUP=${BENCH_WARMUP:-5000}
CONFIGS=${BENCH_CONFIGS:-"base sg_unconf sg_allow10 ipt_legacy ipt_nft sg_noledger sg_cnc sg_cnc_noledger nft_drop_early"}
TCP=${BENCH_TCP:-1}
TCP_COUNT=${BENCH_TCP_COUNT:-20000}
BLOCK=${BENCH_BLOCK:-1}
BLOCK_RUNS=${BENCH_BLOCK_RUNS:-$RUNS}
BLOCK_COUNT=${BENCH_BLOCK_COUNT:-50000}
BLOCK_CONFIGS=${BENCH_BLOCK_CONFIGS:-"b_none b_allow10 sg_1k sg_100k sg_1m sg_plen4 sg_plen25 sg_real sg_real_scope ips_1k ips_100k ips_1m ips_plen4 ips_plen25 ips_real nft_1k nft_100k nft_plen25 nft_real b6_none b6_allow10 sg6_1k sg6_1m sg6_real ips6_1k ips6_1m ips6_real"}
BLOCK_DATA=${BENCH_BLOCK_DATA:-}
FEEDS=${BENCH_FEEDS:-/work/shared/data/blocklists}
[ "$BLOCK" = only ] && CONFIGS=""
[ "$BLOCK" = 0 ] && BLOCK_CONFIGS=""
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
# The C&C address sg_cnc* block (the router's route to the sink covers it).
CNC_IP=203.0.113.99
# The blocklist part's IPv6 traffic (configurations b6_*, sg6_*, ips6_*).
SND6=2001:db8:100::1 RTR6_IN=2001:db8:100::fe RTR6_OUT=2001:db8:200::1
SINK6=2001:db8:200::2 DST6=2001:db8:300::10
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
case " $CONFIGS $BLOCK_CONFIGS " in *" sg_"*|*" b_"*)
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
pg_dev() { # device [router MAC [6]]: pktgen sends through it from now on
	local c addrs=("src_min $SND_IP" "src_max $SND_IP" "dst_min $DST_IP"
		"dst_max $DST_IP") size=60
	# IPv6: 78 bytes, the least that holds pktgen's own header.
	[ "${3:-}" = 6 ] && addrs=("src6 $SND6" "dst6 $DST6") size=78
	pgset kpktgend_0 rem_device_all
	pgset kpktgend_0 "add_device $1"
	for c in "pkt_size $size" "clone_skb 0" "burst 1" "delay 0" \
		"dst_mac ${2:-$MAC_R0}" "${addrs[@]}" "udp_src_min 9" \
		"udp_src_max 9" "udp_dst_min 9" "udp_dst_max 9"; do
		pgset "$1" "$c"
	done
	PGDEV=$1
}
# pg_run COUNT -> "elapsed_us sent"
pg_run() {
	pgset "$PGDEV" "count $1"
	rx sender sh -c "echo start > $PG/pgctrl" || die "pktgen start"
	local res
	res=$(rx sender cat "$PG/$PGDEV" | sed -n 's/^Result: OK: \([0-9]*\)(.*usec, \([0-9]*\) .*/\1 \2/p')
	[ -n "$res" ] || { rx sender cat "$PG/$PGDEV" >&2; die "pktgen: no result"; }
	echo "$res"
}
fwd_count() { rx router cat /sys/class/net/r1/statistics/tx_packets; }
[ -d $PG ] || die "no $PG (pktgen)"
rx sender test -w $PG/pgctrl || die "pktgen is not per-namespace here"
pg_dev s0

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
	local args=()
	case $1 in
	base)	;;
	sg_unconf)
		insmod "$KO" || die "insmod $KO" ;;
	sg_allow10|sg_noledger|sg_cnc|sg_cnc_noledger)
		# *noledger: the offender ledger off, every refused packet takes
		# the per-packet rate-limited log path instead.
		case $1 in *noledger) args=(max_offenders=0) ;; esac
		insmod "$KO" "${args[@]}" || die "insmod $KO ${args[*]}"
		# shellcheck disable=SC2086
		rx router "$CTL" allow $ALLOW10 >&2 || die "smtpguardctl allow"
		case $1 in sg_cnc*)
			rx router "$CTL" block add $CNC_IP >&2 ||
				die "smtpguardctl block add $CNC_IP"
			rx router "$CTL" block test $CNC_IP >/dev/null ||
				die "$CNC_IP is not blocked"
			for a in $SND_IP $DST_IP; do
				rx router "$CTL" block test "$a" >/dev/null &&
					die "$a is blocked: the traffic would be dropped"
			done
			;;
		esac
		;;
	nft_drop_early)
		# The reference drop: the cheapest place a router can drop a
		# frame with netfilter, the netdev ingress hook of the receiving
		# interface, before any IP processing; no rule, policy drop.
		rx router nft add table netdev early &&
		rx router nft add chain netdev early in \
			"{ type filter hook ingress device r0 priority -500; policy drop; }" ||
			die "nft ingress chain"
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
	sg_*)
		rmmod smtpguard || die "rmmod smtpguard" ;;
	nft_drop_early)
		rx router nft delete table netdev early || die "nft delete table netdev early" ;;
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
	nft_drop_early) rx router nft list table netdev early | tr '\n\t' '  ' >&2; echo >&2 ;;
	esac
	case $1 in sg_*)
		echo "smtpguard max_offenders=$(cat /sys/module/smtpguard/parameters/max_offenders)" >&2 ;;
	esac
}

# After the first round's measurements: did smtpguard count what it
# refused, and how many offender records does the ledger hold (for the log).
cfg_after() {
	case $1 in sg_*)
		rx router sed -n 's/^\(smtp_dropped\|cnc_dropped\|offenders\|offenders_evicted\) /\1=/p' \
			/proc/net/smtpguard | tr '\n' ' ' | sed "s/^/after $1: /" >&2
		echo >&2 ;;
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
# SMTP from a source that is not allowed (dropped: no "fwd"), and
# non-SMTP to the C&C address (dropped by sg_cnc*, forwarded elsewhere).
TCP_KINDS="tcp443:$SND_IP:$DST_IP:443 smtp_ok:10.10.10.10:$DST_IP:25 smtp_drop:$SND_IP:$DST_IP:25 cnc_drop:$SND_IP:$CNC_IP:443"
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
		[ "$run" = 1 ] && cfg_after "$c"
		cfg_down "$c"
		i=$((i + 1))
	done
done

# ------------------------------------------------------------ blocklist
# One router namespace per configuration, set up once: loading 1M entries
# takes minutes under TCG, far too long to redo for every measurement.
# Namespace b_<config> is its own router, joined to the sender by veth
# s<i>/r0 and to the sink by r1/k<i>, with the same addresses, routes and
# static neighbours as "router"; pktgen switches to s<i> for each
# measurement.  smtpguard stays loaded for the whole part; b_none (nothing
# configured: no hooks) and b_allow10 (the 10-entry allow-list, as
# sg_allow10) are the references.  The traffic (192.0.2.1 -> 203.0.113.10)
# is listed in no set: the common case, every packet is forwarded.  The
# configurations with a 6 (b6_none, b6_allow10, sg6_*, ips6_*) forward
# IPv6 instead (2001:db8:100::1 -> 2001:db8:300::10), with IPv6 lists.
bdata() { # name -> file, made if missing (bench/run.sh makes them on the host)
	local f=$BDIR/$1.txt
	if [ ! -s "$f" ]; then
		case $1 in
		exact_1k) $PY "$HERE/blockgen.py" exact 1000 ;;
		exact_100k) $PY "$HERE/blockgen.py" exact 100000 ;;
		exact_1m) $PY "$HERE/blockgen.py" exact 1000000 ;;
		plen25) $PY "$HERE/blockgen.py" plen 40 ;;
		plen4) $PY "$HERE/blockgen.py" plen 8:40,16:320,24:320,32:320 ;;
		real) $PY "$HERE/blockgen.py" real "$FEEDS/spamhaus_drop.netset" "$FEEDS/firehol_level1.netset" ;;
		real_collapsed) $PY "$HERE/blockgen.py" real --collapse "$FEEDS/spamhaus_drop.netset" "$FEEDS/firehol_level1.netset" ;;
		exact6_1k) $PY "$HERE/blockgen.py" exact6 1000 ;;
		exact6_1m) $PY "$HERE/blockgen.py" exact6 1000000 ;;
		real6) $PY "$HERE/blockgen.py" real6 "$FEEDS/dropv6.txt" ;;
		esac >"$f.tmp" && mv "$f.tmp" "$f" || die "blockgen $1"
	fi
	echo "$f"
}
blist() { # config -> list name
	case $1 in
	*6_1k) echo exact6_1k ;; *6_1m) echo exact6_1m ;; *6_real) echo real6 ;;
	*_1k) echo exact_1k ;; *_100k) echo exact_100k ;; *_1m) echo exact_1m ;;
	*_plen25) echo plen25 ;; *_plen4) echo plen4 ;; nft_real) echo real_collapsed ;; *_real) echo real ;;
	*_real_scope) echo real ;;
	esac
}
now_ns() { local t; read -r t _ </proc/uptime; echo "${t%.*}${t#*.}0000000"; }

bfamily() { # config -> 6 for the IPv6 configurations, else 4
	case $1 in b6_*|sg6_*|ips6_*) echo 6 ;; *) echo 4 ;; esac
}
bsetup() { # config index
	local c=$1 i=$2 ns=b_$1 x f n hs t0 t1 bytes v6=0 fam=inet a ipt
	local traffic_addrs
	x=$(printf '%02x' "$i")
	[ "$(bfamily "$c")" = 6 ] && v6=1 fam=inet6
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || die "ip netns add $ns"
	rx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=$((1 - v6)) \
		net.ipv6.conf.default.disable_ipv6=$((1 - v6)) \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	rx "$ns" ip link set lo up
	ip link add "s$i" netns sender address "02:00:00:$x:00:01" type veth \
		peer name r0 netns "$ns" address "02:00:00:$x:00:02" || die "veth s$i"
	ip link add r1 netns "$ns" address "02:00:00:$x:00:03" type veth \
		peer name "k$i" netns sink address "02:00:00:$x:00:04" || die "veth k$i"
	rx sender ip addr add $SND_IP/24 dev "s$i"
	rx "$ns" ip addr add $RTR_IN/24 dev r0
	rx "$ns" ip addr add $RTR_OUT/24 dev r1
	rx sink ip addr add $SINK_IP/24 dev "k$i"
	rx sender ip link set "s$i" up
	rx "$ns" ip link set r0 up
	rx "$ns" ip link set r1 up
	rx sink ip link set "k$i" up
	rx "$ns" sysctl -qw net.ipv4.ip_forward=1
	rx "$ns" ip route add 203.0.113.0/24 via $SINK_IP dev r1
	rx "$ns" ip neigh replace $SINK_IP lladdr "02:00:00:$x:00:04" dev r1 nud permanent
	rx "$ns" ip neigh replace $SND_IP lladdr "02:00:00:$x:00:01" dev r0 nud permanent
	rx sink ip neigh replace $RTR_OUT lladdr "02:00:00:$x:00:03" dev "k$i" nud permanent
	if [ $v6 = 1 ]; then
		# The sink has IPv6 off: it drops what the router forwards on
		# receipt, without an ICMPv6 reply.
		rx "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		rx "$ns" ip -6 addr add $RTR6_IN/64 dev r0 nodad &&
		rx "$ns" ip -6 addr add $RTR6_OUT/64 dev r1 nodad &&
		rx "$ns" ip -6 route add 2001:db8:300::/64 via $SINK6 dev r1 &&
		rx "$ns" ip -6 neigh replace $SINK6 lladdr "02:00:00:$x:00:04" dev r1 nud permanent &&
		rx "$ns" ip -6 neigh replace $SND6 lladdr "02:00:00:$x:00:01" dev r0 nud permanent ||
			die "IPv6 set-up of $ns"
	fi

	case $c in b_allow10|b6_allow10|sg_*|sg6_*)
		# shellcheck disable=SC2086
		"$CTL" -n "$ns" allow $ALLOW10 >&2 || die "smtpguardctl allow ($ns)" ;;
	esac
	case $c in b_*|b6_*) ;; *) f=$(bdata "$(blist "$c")") ;; esac
	t0=$(now_ns)
	case $c in
	sg_*|sg6_*)
		"$CTL" -n "$ns" block load --feed bench "$f" >&2 ||
			die "smtpguardctl block load $f ($ns)"
		"$CTL" -n "$ns" block test "$(head -n1 "$f" | cut -d/ -f1)" >/dev/null ||
			die "$ns: the first entry of $f is not blocked"
		# sg_real_scope: roles and exceptions configured as well (the
		# traffic is listed nowhere, so neither is consulted for it)
		if [ "$c" = sg_real_scope ]; then
			"$CTL" -n "$ns" except 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 >&2 &&
				"$CTL" -n "$ns" inside r0 >&2 &&
				"$CTL" -n "$ns" outside r1 >&2 ||
				die "smtpguardctl except/inside/outside ($ns)"
		fi
		for a in $SND_IP $DST_IP $SND6 $DST6; do
			"$CTL" -n "$ns" block test "$a" >/dev/null &&
				die "$ns: $a is blocked: the traffic would be dropped"
		done
		;;
	ips_*|ips6_*)
		n=$(wc -l <"$f")
		# Sized for speed: about one entry per bucket, no resizing.
		hs=1024
		while [ "$hs" -lt "$n" ]; do hs=$((hs * 2)); done
		{
			echo "create bl hash:net family $fam hashsize $hs maxelem $((n > 65536 ? 2 * n : 65536))"
			sed 's/^/add bl /' "$f"
		} | rx "$ns" ipset restore || die "ipset restore $f ($ns)"
		ipt=iptables-nft
		[ $v6 = 1 ] && ipt=ip6tables-nft
		rx "$ns" $ipt -A FORWARD -m set --match-set bl src -j DROP &&
		rx "$ns" $ipt -A FORWARD -m set --match-set bl dst -j DROP ||
			die "$ipt -m set ($ns)"
		rx "$ns" ipset test bl "$(head -n1 "$f")" 2>/dev/null ||
			die "$ns: the first entry of $f is not in the set"
		traffic_addrs="$SND_IP $DST_IP"
		[ $v6 = 1 ] && traffic_addrs="$SND6 $DST6"
		for a in $traffic_addrs; do
			rx "$ns" ipset test bl "$a" 2>/dev/null &&
				die "$ns: $a is in the set: the traffic would be dropped"
		done
		;;
	nft_*)
		{
			echo "table ip bl {"
			echo "  set x { type ipv4_addr; flags interval;"
			echo "    elements = {"
			sed 's/$/,/' "$f"
			echo "    }"
			echo "  }"
			echo "  chain blk { type filter hook forward priority filter - 1; policy accept;"
			echo "    ip saddr @x drop"
			echo "    ip daddr @x drop"
			echo "  }"
			echo "}"
		} >/tmp/bench-nft.conf
		rx "$ns" nft -f /tmp/bench-nft.conf || die "nft -f ($ns, $f)"
		rm -f /tmp/bench-nft.conf
		;;
	esac
	t1=$(now_ns)
	case $c in
	sg_*|sg6_*)
		n=$(rx "$ns" sed -n 's/^block_entries //p' /proc/net/smtpguard)
		bytes=$(rx "$ns" sed -n 's/^block_bytes //p' /proc/net/smtpguard) ;;
	ips_*|ips6_*)
		n=$(rx "$ns" ipset list -t bl | sed -n 's/^Number of entries: //p')
		bytes=$(rx "$ns" ipset list -t bl | sed -n 's/^Size in memory: //p') ;;
	nft_*)
		n=$(wc -l <"$f") bytes=NA ;;
	*)	return 0 ;;
	esac
	emit "kver=$KVER memory config=$c entries=$n bytes=$bytes load_ns=$((t1 - t0))"
}
bshow() {
	case $1 in
	sg_*|sg6_*|b_allow10|b6_allow10) rx "b_$1" cat /proc/net/smtpguard | tr '\n' ' ' >&2; echo >&2 ;;
	ips_*) { rx "b_$1" iptables-nft -S FORWARD; rx "b_$1" ipset list -t bl; } | tr '\n' ';' >&2; echo >&2 ;;
	ips6_*) { rx "b_$1" ip6tables-nft -S FORWARD; rx "b_$1" ipset list -t bl; } | tr '\n' ';' >&2; echo >&2 ;;
	nft_*) rx "b_$1" nft list chain ip bl blk | tr '\n' ' ' >&2; echo >&2 ;;
	esac
}
bmeasure() { # config index run
	local f0 f1 r us sent fwd fam traffic=udp_block
	fam=$(bfamily "$1")
	[ "$fam" = 6 ] && traffic=udp6_block
	pg_dev "s$2" "02:00:00:$(printf '%02x' "$2"):00:02" "$fam"
	pg_run "$WARMUP" >/dev/null
	f0=$(rx "b_$1" cat /sys/class/net/r1/statistics/tx_packets)
	r=$(pg_run "$BLOCK_COUNT")
	f1=$(rx "b_$1" cat /sys/class/net/r1/statistics/tx_packets)
	us=${r% *} sent=${r#* } fwd=$((f1 - f0))
	[ "$fwd" = "$sent" ] || log "WARNING: $1: $fwd of $sent packets forwarded"
	emit "kver=$KVER traffic=$traffic config=$1 run=$3 sent=$sent fwd=$fwd elapsed_ns=$((us * 1000))"
}

if [ -n "$BLOCK_CONFIGS" ]; then
	for m in ip_set ip_set_hash_net xt_set; do
		modprobe "$m" 2>/dev/null || log "modprobe $m failed"
	done
	for t in ipset nft iptables-nft; do
		command -v $t >/dev/null || die "$t missing (selftests/vm/deps.sh)"
	done
	lsmod | grep -q '^smtpguard ' || insmod "$KO" || die "insmod $KO"
	BDIR=$BLOCK_DATA
	[ -n "$BDIR" ] && [ -d "$BDIR" ] || { BDIR=/tmp/bench-block; mkdir -p $BDIR; }
	log "blocklist part: runs $BLOCK_RUNS, udp count $BLOCK_COUNT, configs: $BLOCK_CONFIGS"
	set -- $BLOCK_CONFIGS
	ncfg=$#
	i=1
	for c in $BLOCK_CONFIGS; do
		log "setting up b_$c"
		bsetup "$c" "$i"
		bshow "$c"
		i=$((i + 1))
	done
	for run in $(seq 1 "$BLOCK_RUNS"); do
		i=0
		for _ in $BLOCK_CONFIGS; do
			idx=$(( (i + run - 1) % ncfg + 1 ))
			bmeasure "${!idx}" "$idx" "$run"
			i=$((i + 1))
		done
	done
	# Every address of these rounds is listed nowhere: what smtpguard
	# dropped must be 0, so a round that lost packets is told apart
	# from a drop of ours.
	for c in $BLOCK_CONFIGS; do
		case $c in
		sg_*|sg6_*)
			emit "kver=$KVER drops config=$c $(rx "b_$c" sed -n \
				's/^\(cnc_dropped\|cnc_would_drop\) /\1=/p' \
				/proc/net/smtpguard | tr '\n' ' ')" ;;
		esac
	done
	for c in $BLOCK_CONFIGS; do
		ip netns del "b_$c"
	done
	rmmod smtpguard || log "rmmod smtpguard failed"
fi
echo "$CONSOLE_LEVEL" >/proc/sys/kernel/printk
log "iptables LOG lines still in the dmesg ring buffer (it keeps only the last ones): $(dmesg | grep -c "SMTP-DROP ")"
if dmesg | grep -E 'WARNING:|BUG:|Oops|general protection|Call Trace' >&2; then
	die "kernel trouble in dmesg (above)"
fi
echo "BENCH_DONE"
