#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The reboot test: a configuration saved in one VM boot is restored by a
# fresh boot exactly as smtpguard.service does it, and enforced before any
# test traffic.  Host side (check.sh runs it):
#
#   check/reboot.sh [KVER...]        default: selftests/vm/kernels.sh
#
# Per kernel, in build/reboot/KVER/:
#   - on the host, depmod of the kernel's modules plus the built
#     smtpguard.ko (extra/), so that in the guest a plain "modprobe
#     smtpguard" finds it, as on a machine where it is installed;
#   - boot 1 (--guest save): modprobe, configure the guest's initial
#     network namespace (the router): explicit mode, ports, allow-list, a
#     manual entry, a feed of feeds.conf loaded from its file by "feeds
#     update"; smtpguardctl save > build/reboot/KVER/smtpguard.conf;
#   - boot 2, a separate QEMU run with systemd as PID 1 (run.sh --systemd):
#     before systemd starts (--guest systemd-setup), the saved file goes to
#     /etc/smtpguard/smtpguard.conf, systemd/smtpguard.service to
#     /etc/systemd/system and is enabled with "systemctl enable", the
#     built smtpguardctl to /usr/local/sbin; systemd boots
#     multi-user.target; then (--guest restore) the unit must have run
#     (enabled, active, result success) before network-pre.target, with no
#     namespace and no link but lo; then client, mail server and outside
#     namespaces are linked to the router by veths and: SMTP out is
#     dropped (IPv4, IPv6), SMTP to the mail server passes, non-SMTP
#     passes, a C&C address of the restored feed file is dropped,
#     "smtpguardctl save" prints the saved file again, and "systemctl
#     reload" and "stop" leave the configuration in the kernel; then
#     smtpguard@office.service, confined as shipped, restores
#     /etc/smtpguard/netns/office.conf inside namespace office (and only
#     there), and smtpguard@nosuch.service, whose namespace does not
#     exist, fails; smtpguard-metrics.service writes both namespaces'
#     counters for node_exporter's textfile collector.
# KTAP lines on stdout; exit 1 if any check failed.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
proj=$(cd "$here/.." && pwd -P)
unit=$proj/systemd/smtpguard.service
CONF=/etc/smtpguard/smtpguard.conf

n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
diag() { sed 's/^/# /' <<<"$*"; }

# ---- guest side ----------------------------------------------------------

# reach NS ADDR PORT: 0 when the SYN got an answer (connected or refused),
# 1 when it was dropped (no answer in 2 s: a passed SYN is answered in
# milliseconds, veths deliver synchronously), 2 when it could not be tried.
reach() {
	local err rc

	err=$(ip netns exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1)
	rc=$?
	((rc == 0)) && return 0
	((rc == 124)) && return 1
	[[ $err == *"Connection refused"* ]] && return 0
	diag "reach $*: $err"
	return 2
}

overlay_modules() {
	local w=$1 k

	k=$(uname -r)
	mount -t overlay -o "lowerdir=$w/root/lib/modules/$k:/lib/modules/$k" smtpguard-mods "/lib/modules/$k"
}

save_norm() { sed '/^#/d'; }

guest_save() {
	local w=$1

	echo "TAP version 13"
	if ! overlay_modules "$w"; then
		nok "boot 1: cannot put $w/root/lib/modules/$(uname -r) over /lib/modules/$(uname -r)"
		return
	fi
	printf '# C&C feed\n203.0.113.0/28\n' >"$w/cnc.txt"
	echo "feed cnc file $w/cnc.txt every 1h" >"$SMTPGUARD_FEEDS_CONF"
	if modprobe smtpguard &&
		smtpguardctl mode enforce &&
		smtpguardctl ports 25 587 &&
		smtpguardctl allow 10.10.10.10 2001:db8:10::10 &&
		smtpguardctl block 198.51.100.200 &&
		smtpguardctl feeds update >/dev/null &&
		smtpguardctl save >"$w/smtpguard.conf.tmp" &&
		mv "$w/smtpguard.conf.tmp" "$w/smtpguard.conf"; then
		diag "$(cat "$w/smtpguard.conf")"
		ok "boot 1 ($(uname -r)): configured the initial namespace, saved to ${w#"$proj"/}/smtpguard.conf"
	else
		nok "boot 1 ($(uname -r)): configuring or saving failed"
	fi
}

# Boot 2's setup, before systemd starts: what installing smtpguard and
# saving its configuration leave on a machine.
guest_systemd_setup() {
	local w=$1

	overlay_modules "$w" &&
		install -D -m 0644 "$w/smtpguard.conf" "$CONF" &&
		install -D -m 0755 "$proj/tools/smtpguardctl" /usr/local/sbin/smtpguardctl &&
		install -D -m 0644 "$unit" /etc/systemd/system/smtpguard.service &&
		install -D -m 0644 "$proj/systemd/smtpguard@.service" /etc/systemd/system/smtpguard@.service &&
		install -D -m 0644 "$proj/systemd/smtpguard-metrics.service" /etc/systemd/system/smtpguard-metrics.service &&
		mkdir -p /var/lib/prometheus/node-exporter &&
		printf 'mode enforce\nallow 10.10.10.10\nblock 203.0.113.99 feed office\n' |
		install -D -m 0644 /dev/stdin /etc/smtpguard/netns/office.conf &&
		install -D -m 0644 /etc/smtpguard/netns/office.conf /etc/smtpguard/netns/nosuch.conf &&
		systemctl enable smtpguard.service
}

# unit_time UNIT PROPERTY: a monotonic timestamp of UNIT, in microseconds.
unit_time() {
	systemctl show -P "$2" "$1"
}

guest_restore() {
	local w=$1 k t_sg t_pre links nsl state

	k=$(uname -r)
	echo "TAP version 13"
	links=$(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')
	nsl=$(ip netns list)
	if [[ $links == "lo " && -z $nsl ]]; then
		ok "boot 2 ($k): systemd booted multi-user.target; no namespace, no link but lo"
	else
		nok "boot 2 ($k): not a fresh state (links: $links; netns: $nsl)"
	fi

	# smtpguard.service, enabled as a package enables it, ran at boot
	# under systemd (PID 1), before network-pre.target.
	state=$(systemctl show -P ActiveState smtpguard.service)/$(systemctl show -P Result smtpguard.service)/$(systemctl is-enabled smtpguard.service 2>&1)
	t_sg=$(unit_time smtpguard.service ActiveEnterTimestampMonotonic)
	t_pre=$(unit_time network-pre.target ActiveEnterTimestampMonotonic)
	diag "smtpguard.service $state, active at ${t_sg} us; network-pre.target at ${t_pre} us; PID 1 is $(cat /proc/1/comm)"
	if [[ $state == active/success/enabled && $(cat /proc/1/comm) == systemd && -d /sys/module/smtpguard ]] &&
		((t_sg > 0 && t_pre > 0 && t_sg <= t_pre)); then
		ok "boot 2 ($k): systemd ran smtpguard.service (enabled, active, module loaded) before network-pre.target"
	else
		diag "$(systemctl status --no-pager smtpguard.service 2>&1 | head -n 20)"
		nok "boot 2 ($k): smtpguard.service did not restore the configuration at boot"
	fi

	# The saved configuration is what the kernel has.
	if [[ $(smtpguardctl save | save_norm) == "$(save_norm <"$w/smtpguard.conf")" ]]; then
		ok "boot 2 ($k): smtpguardctl save prints the saved file again"
	else
		diff <(save_norm <"$w/smtpguard.conf") <(smtpguardctl save | save_norm) | sed 's/^/# /'
		nok "boot 2 ($k): the restored configuration differs from the saved one"
	fi

	# The router is the initial namespace; clients behind veths.
	sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null
	ip -batch - <<-EOF
		netns add cli
		netns add mail
		netns add out
		link add cli0 type veth peer name eth0 netns cli
		link add mail0 type veth peer name eth0 netns mail
		link add out0 type veth peer name eth0 netns out
		addr add 192.0.2.1/24 dev cli0
		addr add 2001:db8:1::1/64 dev cli0 nodad
		addr add 10.10.10.1/24 dev mail0
		addr add 2001:db8:10::1/64 dev mail0 nodad
		addr add 198.51.100.1/24 dev out0
		addr add 203.0.113.1/24 dev out0
		addr add 2001:db8:2::1/64 dev out0 nodad
		link set cli0 up
		link set mail0 up
		link set out0 up
	EOF
	# host NS V4/LEN GW4 V6/LEN GW6 [V4/LEN...]: a namespace behind the router.
	host() {
		local ns=$1 v4=$2 gw4=$3 v6=$4 gw6=$5 a

		shift 5
		{
			echo "link set lo up"
			for a in "$v4" "$@"; do echo "addr add $a dev eth0"; done
			echo "addr add $v6 dev eth0 nodad"
			echo "link set eth0 up"
			echo "route add default via $gw4"
			echo "route add ::/0 via $gw6"
		} | ip -n "$ns" -batch -
	}
	host cli 192.0.2.10/24 192.0.2.1 2001:db8:1::10/64 2001:db8:1::1
	host mail 10.10.10.10/24 10.10.10.1 2001:db8:10::10/64 2001:db8:10::1
	host out 198.51.100.25/24 198.51.100.1 2001:db8:2::25/64 2001:db8:2::1 203.0.113.7/24
	# until every link carries traffic (a poll, bounded)
	local ns i
	for ns in cli mail out; do
		for ((i = 0; i < 200; i++)); do
			ip -n "$ns" link show dev eth0 | grep -q 'state UP' && break
			read -r -t 0.05 <> <(:) || true
		done
	done

	local bad=()
	reach cli 198.51.100.25 25; (($? == 1)) || bad+=("SMTP 192.0.2.10 -> 198.51.100.25:25 not dropped")
	reach cli 2001:db8:2::25 25; (($? == 1)) || bad+=("SMTP 2001:db8:1::10 -> [2001:db8:2::25]:25 not dropped")
	reach cli 198.51.100.25 587; (($? == 1)) || bad+=("port 587 (restored port set) not dropped")
	reach cli 10.10.10.10 25 || bad+=("SMTP to the mail server 10.10.10.10 does not pass")
	reach cli 2001:db8:10::10 25 || bad+=("SMTP to the mail server 2001:db8:10::10 does not pass")
	reach cli 198.51.100.25 443 || bad+=("HTTPS to 198.51.100.25 does not pass")
	if ((${#bad[@]} == 0)); then
		ok "boot 2 ($k): SMTP out dropped (v4, v6, port 587), SMTP to the mail server and other traffic pass"
	else
		diag "$(printf '%s\n' "${bad[@]}")"
		nok "boot 2 ($k): the allow-list is not enforced as saved"
	fi
	bad=()
	reach cli 203.0.113.7 443; (($? == 1)) || bad+=("192.0.2.10 -> 203.0.113.7:443 (feed cnc) not dropped")
	reach out 198.51.100.1 22; (($? == 0)) || bad+=("198.51.100.25 cannot reach the router")
	grep -q '^smtp_dropped [1-9]' /proc/net/smtpguard || bad+=("smtp_dropped is 0")
	grep -q '^cnc_dropped [1-9]' /proc/net/smtpguard || bad+=("cnc_dropped is 0")
	if ((${#bad[@]} == 0)); then
		ok "boot 2 ($k): the feed restored from its file drops C&C traffic; counters in /proc/net/smtpguard"
	else
		diag "$(printf '%s\n' "${bad[@]}")"$'\n'"$(cat /proc/net/smtpguard)"
		nok "boot 2 ($k): the restored blocklist is not enforced"
	fi
	ip netns del cli; ip netns del mail; ip netns del out

	# "systemctl reload" applies the file again; "stop" flushes nothing.
	if systemctl reload smtpguard.service && systemctl stop smtpguard.service &&
		[[ -d /sys/module/smtpguard && $(smtpguardctl save | save_norm) == "$(save_norm <"$w/smtpguard.conf")" ]]; then
		ok "boot 2 ($k): systemctl reload applies the file again, stop leaves the configuration in the kernel"
	else
		nok "boot 2 ($k): systemctl reload or stop changed the configuration"
	fi
	# A namespace per customer: smtpguard@NETNS restores its own file there.
	local before
	before=$(smtpguardctl save | save_norm)
	ip netns add office
	if systemctl start smtpguard@office.service &&
		[[ $(systemctl show -P ActiveState smtpguard@office.service)/$(systemctl show -P Result smtpguard@office.service) == active/success ]] &&
		smtpguardctl -n office allow list | grep -qx 10.10.10.10 &&
		smtpguardctl -n office block test 203.0.113.99 >/dev/null &&
		[[ $(smtpguardctl save | save_norm) == "$before" ]]; then
		ok "boot 2 ($k): smtpguard@office.service (confined) restored office.conf in namespace office, the router's own untouched"
	else
		diag "$(systemctl status --no-pager smtpguard@office.service 2>&1 | head -n 20)"
		diag "$(smtpguardctl -n office save 2>&1)"
		nok "boot 2 ($k): smtpguard@office.service did not restore namespace office"
	fi
	if ! systemctl start smtpguard@nosuch.service 2>/dev/null &&
		[[ $(systemctl show -P Result smtpguard@nosuch.service) != success ]]; then
		ok "boot 2 ($k): smtpguard@nosuch.service fails loudly: namespace nosuch does not exist ($(systemctl show -P Result smtpguard@nosuch.service))"
	else
		nok "boot 2 ($k): smtpguard@nosuch.service did not fail without its namespace"
	fi
	# The metrics unit, confined as shipped: every namespace, for the collector.
	local prom=/var/lib/prometheus/node-exporter/smtpguard.prom
	if systemctl start smtpguard-metrics.service &&
		[[ $(systemctl show -P Result smtpguard-metrics.service) == success ]] &&
		grep -q '^smtpguard_mode{netns="office",mode="enforce"} 1$' "$prom" &&
		grep -q '^smtpguard_allow_entries{netns=""} 2$' "$prom" &&
		promtool check metrics <"$prom" >/dev/null 2>&1; then
		ok "boot 2 ($k): smtpguard-metrics.service (confined) wrote $prom: both namespaces, promtool accepts it"
	else
		diag "$(systemctl status --no-pager smtpguard-metrics.service 2>&1 | head -n 20)"
		diag "$(head -n 20 "$prom" 2>&1)"
		nok "boot 2 ($k): smtpguard-metrics.service did not write the metrics"
	fi
	systemctl stop smtpguard@office.service
	ip netns del office
	rmmod smtpguard
}

if [[ ${1:-} == --guest ]]; then
	export SMTPGUARD_FEEDS_CONF=$3/feeds.conf SMTPGUARD_STATE_DIR=$3/state
	case $2 in
	save) guest_save "$3" ;;
	systemd-setup) guest_systemd_setup "$3"; exit ;;
	restore) guest_restore "$3" ;;
	esac
	echo "1..$n"
	((fails == 0))
	exit
fi

# ---- host side -----------------------------------------------------------

cache=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}
if (($# == 0)); then
	mapfile -t kernels < <("$proj/selftests/vm/kernels.sh")
else
	kernels=("$@")
fi
# One chain per kernel (save, then restore), the kernels side by side: a
# boot is one vCPU and mostly waits.  Each boot is one nested KTAP test.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chain()
{
	local k=$1 w=$proj/build/reboot/$1 mods=$cache/kernels/$1/lib/modules/$1
	local ko=$proj/build/$1/smtpguard.ko m phase prc

	rm -rf "$w"
	mkdir -p "$w/root/lib/modules/$k/extra" "$w/state"
	for phase in save restore; do
		: >"$tmp/$k.$phase.out"
		echo 1 >"$tmp/$k.$phase.rc"
	done
	if [[ ! -r $ko || ! -d $mods ]]; then
		echo "$ko or $mods missing (make module-all; selftests/vm/deps.sh)" >"$tmp/$k.save.out"
		return
	fi
	# depmod of the kernel's tree (through a link) with smtpguard in extra/.
	m=$w/root/lib/modules/$k
	ln -s "$mods/kernel" "$m/kernel"
	cp "$mods"/modules.order "$mods"/modules.builtin* "$m/"
	cp "$ko" "$m/extra/"
	if ! depmod -b "$w/root" "$k" >"$tmp/$k.save.out" 2>&1; then
		echo "depmod failed" >>"$tmp/$k.save.out"
		return
	fi
	rm "$m/kernel"
	for phase in save restore; do
		if [[ $phase == save ]]; then
			"$proj/selftests/vm/run.sh" --kernel "$k" --timeout 300 -- \
				check/reboot.sh --guest save "$w" >"$tmp/$k.$phase.out" 2>&1
		else
			SMTPGUARD_VM_SETUP="check/reboot.sh --guest systemd-setup $w" \
				"$proj/selftests/vm/run.sh" --kernel "$k" --timeout 600 --systemd -- \
				check/reboot.sh --guest restore "$w" >"$tmp/$k.$phase.out" 2>&1
		fi
		prc=$?
		echo "$prc" >"$tmp/$k.$phase.rc"
		if [[ $phase == save && ! -s $w/smtpguard.conf ]]; then
			echo "the save boot wrote no $w/smtpguard.conf" >"$tmp/$k.restore.out"
			break
		fi
	done
}
pids=()
for k in "${kernels[@]}"; do
	chain "$k" &
	pids+=($!)
done
wait "${pids[@]}"
echo "TAP version 13"
echo "1..$((2 * ${#kernels[@]}))"
n=0 rc=0
for k in "${kernels[@]}"; do
	for phase in save restore; do
		n=$((n + 1))
		sed 's/^/# /' "$tmp/$k.$phase.out"
		prc=$(<"$tmp/$k.$phase.rc")
		if ((prc == 0)); then
			echo "ok $n reboot $k: the $phase boot"
		else
			echo "not ok $n reboot $k: the $phase boot # exit=$prc"
			rc=1
		fi
	done
done
exit "$rc"
