#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: stories 1 and 2 told for a newcomer, inside the test VM.
#
# Story 2 (steps 8-12): the router masquerades the office; a PC with a
# banking trojan calls a C&C address of a feed in abuse.ch's Feodo format
# (selftests/data/feodo.ipset, a sample the project carries: a fresh clone
# tells both stories); the feed is loaded with "block load", "smtpguardctl monitor" runs in
# the background, the calls are dropped while the Internet scans the
# router and forges packets from the C&C address, and "smtpguardctl
# offenders" names the PC behind the NAT by its LAN address and MAC, and
# nothing else.
#
# An office network: a PC infected by a spambot, the office mail server, and
# a router to the outside world where some other company's mail server (MX)
# lives.  The spambot sends spam straight to outside MX servers on port 25.
# The fix, as the seed iptables chain did it: only the office mail server
# may speak SMTP to the outside.  smtpguard does it with one command.
#
# Topology (see lib.sh for the full drawing):
#
#   infected PC 192.0.2.10 ---+                  +--- outside MX 198.51.100.25
#                              +---- router -----+
#   mail server 10.10.10.10 ---+  (smtpguard)
#
# Exit 0 when every step of the story came out as told.

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "$(readlink -e "$0")")/../lib.sh"

DEMO_FAIL=0

step()
{
	echo
	echo "=== $* ==="
}

say()
{
	echo "    $*"
}

bad()
{
	echo "    !!! $*"
	DEMO_FAIL=1
}

# run CMD...: show the command as a newcomer would type it, then run it.
run()
{
	echo "  \$ $*"
	"$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

# in_ns NS CMD...: the same, shown without the namespace plumbing.
in_ns()
{
	local ns=$1 label=$2; shift 2

	echo "  [$label]\$ $*"
	ip netns exec "$ns" "$@" 2>&1 | sed 's/^/    /'
	return "${PIPESTATUS[0]}"
}

send_mail()
{
	local ns=$1 label=$2 server=$3 t=${4:-$SMTP_OK_TIMEOUT}

	echo "  [$label]\$ swaks --server $server --to postmaster@example.org ..."
	if sg_swaks "$ns" "$server" 25 "$t"; then
		say "-> delivered: $(grep -E '^<-  250 ' "$SG_TMP/swaks.log" | tail -n 2 | head -n 1 | sed 's/^<-  //')"
		return 0
	fi
	say "-> not delivered: $(grep -E '^\*\*\*' "$SG_TMP/swaks.log" | tail -n 1 | sed 's/^\*\*\*[[:space:]]*//')"
	return 1
}

sg_require_all
sg_init >/dev/null

step "1. Build the office network (four network namespaces, veth links)"
sg_setup_topology || skip_all "cannot build the topology"
sg_start_servers || skip_all "cannot start the SMTP/HTTP servers"
say "infected PC   192.0.2.10      (namespace $NS_CLI)"
say "mail server   10.10.10.10     (namespace $NS_MAIL, a real SMTP server)"
say "router        forwards between them (namespace $NS_RTR)"
say "outside MX    198.51.100.25   (namespace $NS_OUT, a real SMTP server)"

step "2. Load smtpguard: by itself it changes nothing"
run insmod "$SMTPGUARD_KO" || { bad "insmod failed"; exit 1; }
SG_LOADED=1
in_ns "$NS_RTR" router cat /proc/net/smtpguard
before=$(sg_mail_count "$NS_OUT")
if send_mail "$NS_CLI" "infected PC" "$OUT4"; then
	say "The spambot's mail reached the outside MX: nothing is configured yet."
else
	bad "the spambot's SMTP failed although nothing is configured"
fi
say "Messages the outside MX has received so far: $(sg_mail_count "$NS_OUT") (was $before)"

step "3. Allow SMTP only for the office mail server"
out=$(ip netns exec "$NS_RTR" smtpguardctl allow "$MAIL4" 2>&1)
rc=$?
echo "  [router]\$ smtpguardctl allow $MAIL4"
printf "%s\n" "$out" | sed "s/^/    /"
[[ $rc -eq 0 ]] || bad "smtpguardctl allow exited $rc"
[[ $out == "mode: enforce"* ]] || bad "expected the tool to say it switched to enforce"
say "The first allow-list entry switched the router to enforce mode."

step "4. The spambot tries again"
sg_klog_mark
before=$(sg_mail_count "$NS_OUT")
if send_mail "$NS_CLI" "infected PC" "$OUT4" "$SMTP_DROP_TIMEOUT"; then
	bad "the spambot's SMTP still got through"
elif grep -q '^=== Connected to' "$SG_TMP/swaks.last"; then
	bad "the spambot still reached the outside MX (TCP connected)"
else
	say "Blocked: the router dropped the connection attempt."
fi
[[ $(sg_mail_count "$NS_OUT") -eq $before ]] || bad "the outside MX received the spam"
say "Messages at the outside MX: still $(sg_mail_count "$NS_OUT")"

step "5. The office mail server still delivers"
before=$(sg_mail_count "$NS_OUT")
send_mail "$NS_MAIL" "mail server" "$OUT4" || bad "the mail server could not deliver"
say "Messages at the outside MX: $(sg_mail_count "$NS_OUT") (was $before)"
send_mail "$NS_OUT" "outside MX" "$MAIL4" || bad "inbound mail to the mail server failed"
say "Inbound mail to the office keeps working too."
echo "  [infected PC]\$ (HTTP to the outside, port 80)"
if sg_http "$NS_CLI" "$OUT4" 80; then
	say "-> HTTP works: only SMTP is restricted."
else
	bad "the PC's HTTP failed"
fi

step "6. What the router counted"
in_ns "$NS_RTR" router cat /proc/net/smtpguard
in_ns "$NS_RTR" router smtpguardctl allow list
dropped=$(sg_stat "$NS_RTR" smtp_dropped)
allowed=$(sg_stat "$NS_RTR" smtp_allowed)
[[ ${dropped:-0} -gt 0 ]] || bad "smtp_dropped is not above zero"
[[ ${allowed:-0} -gt 0 ]] || bad "smtp_allowed is not above zero"

step "7. The kernel log names the infected PC"
echo "  \$ dmesg | grep smtpguard"
lines=$(sg_klog_since_mark | grep -i smtpguard | grep -F "$CLI4")
if [[ -n $lines ]]; then
	printf "%s\n" "$lines" | sed "s/^/    /"
	say "(one line per new offender, then at most one summary a minute, never"
	say " one per dropped packet; netns= is the router's namespace, 'ip netns"
	say " identify' or 'lsns -t net' name it: $(sg_netns_inode "$NS_RTR"))"
else
	bad "no kernel log line names $CLI4"
	sg_klog_since_mark | grep -i smtpguard | sed 's/^/    /'
fi

# Story 2: the router masquerades the office behind its one public address,
# so the outside (and any abuse report) sees only that address; the
# offender ledger names the PC behind it.
story2()
{
	local feed cnc mon pid out rc

	feed=$SG_ROOT/selftests/data/feodo.ipset
	step "8. Story 2: a banking trojan behind the NAT router"
	cnc=$(grep -m1 -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' "$feed")
	[[ -n $cnc ]] || { bad "no address in $feed"; return 1; }
	say "The same office; the router now hides it behind its public address"
	say "$RTR_OUT4 (masquerade), as office routers do.  The spambot's PC"
	say "carries a banking trojan too; it calls its command-and-control server"
	say "$cnc, an address of a feed in abuse.ch's Feodo tracker format"
	say "(selftests/data/feodo.ipset, a sample with documentation addresses;"
	say "the real list is fetched with 'smtpguardctl feeds update').  (The"
	say "outside namespace plays that server here.)"
	ip -n "$NS_OUT" addr add "$cnc/32" dev eth0
	# the office router's way to the Internet
	ip -n "$NS_RTR" route add default via "$OUT4" dev out0
	if command -v nft >/dev/null 2>&1; then
		in_ns "$NS_RTR" router nft add table ip nat &&
		in_ns "$NS_RTR" router nft add chain ip nat post '{ type nat hook postrouting priority 100; }' &&
		in_ns "$NS_RTR" router nft add rule ip nat post oifname out0 masquerade
	else
		in_ns "$NS_RTR" router iptables -t nat -A POSTROUTING -o out0 -j MASQUERADE
	fi || bad "setting up NAT failed"

	step "9. Watch the router's events, load the C&C feed"
	mon=$SG_TMP/monitor.txt
	echo "  [router]\$ smtpguardctl monitor > monitor.txt &"
	smtpguardctl -n "$NS_RTR" monitor >"$mon" 2>&1 &
	pid=$!
	SG_PIDS+=("$pid")
	say "The monitor prints every offence and every change of the policy."
	in_ns "$NS_RTR" router smtpguardctl block load --replace "$feed" ||
		bad "block load failed"
	# The monitor may not have joined yet: the same load again (it changes
	# nothing) until the monitor has printed one.
	busywait $((WAIT_TIMEOUT * 1000)) bash -c "[[ -s $mon ]] || { smtpguardctl -n $NS_RTR block load --replace $feed >/dev/null; sleep 0.2; [[ -s $mon ]]; }" ||
		bad "the monitor printed nothing"

	step "10. The trojan calls home"
	for port in 443 8080; do
		echo "  [infected PC]\$ (the trojan connects to $cnc:$port)"
		if sg_reach "$NS_CLI" "$cnc" - "$port" 1; then
			bad "the call to $cnc:$port got through"
		else
			say "-> no answer: the router dropped it."
		fi
	done
	in_ns "$NS_RTR" router smtpguardctl block test "$cnc"

	step "10b. Meanwhile the Internet knocks"
	say "A router on the Internet is scanned all day: 2,000 SYNs to port 25 of"
	say "its public address from 500 addresses, and 500 forged packets from the"
	say "C&C address (anyone can forge one).  All dropped, none of them blamed:"
	say "out0 is where the default route leaves, so whoever comes in there is"
	say "outside ('smtpguardctl inside' says how it decides)."
	if [[ -x $SG_HELPERS/sg_flood ]]; then
		echo "  [internet]\$ (a port scan and forged packets towards $RTR_OUT4)"
		ip netns exec "$NS_OUT" "$SG_HELPERS/sg_flood" -n 2000 -k 500 198.18.0.1 "$RTR_OUT4" 25 >/dev/null ||
			bad "the scan could not be sent"
		ip netns exec "$NS_OUT" "$SG_HELPERS/sg_flood" -u -n 500 "$cnc" "$RTR_OUT4" 4444 >/dev/null ||
			bad "the forged packets could not be sent"
		in_ns "$NS_RTR" router smtpguardctl inside
		echo "  [router]\$ grep outside /proc/net/smtpguard"
		busywait "$(sg_bound 10000)" bash -c "(( \$(ip netns exec $NS_RTR sed -n 's/^smtp_outside //p' /proc/net/smtpguard) >= 2000 ))" ||
			bad "smtp_outside did not count the scan"
		ip netns exec "$NS_RTR" grep outside /proc/net/smtpguard | sed 's/^/    /'
	else
		bad "no sg_flood helper (make -C selftests): the scan is not shown"
	fi

	step "11. Who is it?  The offender ledger"
	say "Outside, every packet of the office carries $RTR_OUT4.  The router"
	say "recorded each offender before NAT: address, MAC, interface, why."
	out=$(ip netns exec "$NS_RTR" smtpguardctl offenders 2>&1)
	rc=$?
	echo "  [router]\$ smtpguardctl offenders"
	printf '%s\n' "$out" | sed 's/^/    /'
	((rc == 0)) || bad "smtpguardctl offenders exited $rc"
	grep -qF "$CLI4" <<<"$out" || bad "the ledger does not name $CLI4"
	grep -qiF "$(ip -n "$NS_CLI" -br link show dev eth0 | awk '{print $3}')" <<<"$out" ||
		bad "the ledger does not show the PC's MAC"
	grep -qF "$cnc" <<<"$out" || bad "the ledger does not show the C&C address"
	n=$(ip netns exec "$NS_RTR" smtpguardctl -j offenders | jq length)
	[[ $n == 1 ]] || bad "the ledger holds $n records, not only the PC"
	say "One record, the PC, both offences in it (story 1's spam and the calls);"
	say "none of the scanners, none of the forged packets:"
	say "unplug $CLI4, MAC $(ip -n "$NS_CLI" -br link show dev eth0 | awk '{print $3}'), on the port behind cli0."

	step "12. What the monitor saw meanwhile"
	# until it printed the offender (events are printed as they arrive)
	busywait "$(sg_bound 10000)" grep -q "offender $CLI4" "$mon"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "  \$ cat monitor.txt"
	sed 's/^/    /' "$mon"
	grep -F "$CLI4" "$mon" | grep -qi offender ||
		bad "the monitor printed no offender event naming $CLI4"
	say "The feed load, then the PC: already known from story 1, it is"
	say "reported as still active, at most once a minute however often it calls."
}

story2

step "13. Clean up"
run rmmod smtpguard || bad "rmmod failed"
SG_LOADED=0

echo
if ((DEMO_FAIL)); then
	echo "demo: some steps did not come out as told (marked !!!)"
	exit 1
fi
echo "demo: done. The spambot is stopped, the trojan cut off and named; the office's real mail flows."
exit 0
