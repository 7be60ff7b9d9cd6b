#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Standard clients: the ABI driven by programs we did not write.
#
# 1. The kernel's own generic YNL client, tools/net/ynl/cli.py of Debian's
#    linux-source-6.12 (extracted by vm/deps.sh into the cache), reads only
#    Documentation/netlink/specs/smtpguard.yaml and, in the router
#    namespace: adds allow-list prefixes and dumps the list, adds to the
#    blocklist and dumps it (whole and one feed), dumps the offender ledger,
#    reads the stats, and joins the "events" group (--subscribe events).
#    Every answer is compared with smtpguardctl's view (-j) or with
#    /proc/net/smtpguard.
# 2. sg_libnl_events (sg_libnl_events.c, libnl-genl-3 and the UAPI header
#    only) resolves the family and the group through the controller, joins
#    it and prints the events it receives while a configuration change and
#    two offences (IPv4, IPv6) happen; what it printed is compared with
#    smtpguardctl's view.
#
# Each half skips on its own, with the reason, when its client is missing
# (the YNL library, python3-yaml; libnl-genl-3-dev at build time).

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq python3 smtpguardctl timeout
sg_require_module_file

KSRC=${SMTPGUARD_CACHE:-$HOME/.cache/smtpguard}/linux-source-6.12
YNL_DIR=$KSRC/tools/net/ynl
YNL_CLI=$YNL_DIR/cli.py
YNL_SCHEMA=$KSRC/Documentation/netlink/genetlink-legacy.yaml
SPEC=$SG_ROOT/Documentation/netlink/specs/smtpguard.yaml
LIBNL=$SG_HELPERS/sg_libnl_events
FLOOD=$SG_HELPERS/sg_flood

sg_require_helper sg_flood

YNL_SKIP=
if [[ ! -r $YNL_CLI || ! -d $YNL_DIR/lib ]]; then
	YNL_SKIP="the kernel's YNL client is not at $YNL_CLI (selftests/vm/deps.sh extracts linux-source-6.12)"
elif [[ ! -r $YNL_SCHEMA ]]; then
	YNL_SKIP="the genetlink-legacy schema is not at $YNL_SCHEMA"
elif ! python3 -c 'import yaml' >/dev/null 2>&1; then
	YNL_SKIP="python3 cannot import yaml (python3-yaml), which the YNL library needs"
fi
LIBNL_SKIP=
if [[ ! -x $LIBNL ]]; then
	LIBNL_SKIP="$LIBNL not built: libnl-genl-3.0 not found by pkg-config (libnl-genl-3-dev)"
fi
[[ -n $YNL_SKIP && -n $LIBNL_SKIP ]] && skip_all "$YNL_SKIP; $LIBNL_SKIP"

sg_init
sg_plan 8
sg_setup_topology || skip_all "cannot build the topology"
CLI_MAC=$(ip -n "$NS_CLI" -br link show dev eth0 | awk '{print $3}')
BLK4=198.51.100.99	# on out0's link, no host: a "C&C" address to count hits on

##############################################################################
# Helpers

# jq: every prefix nest ({"family", "addr" as hex}) also given "address"
# as text, as smtpguardctl prints it (RFC 5952 for IPv6, as inet_ntop).
# shellcheck disable=SC2016 # jq's own $variables
YNL_JQ_ADDRS='
def hexval: explode | map(if . >= 97 then . - 87 elif . >= 65 then . - 55 else . - 48 end) | reduce .[] as $d (0; . * 16 + $d);
def hex2ip:
  if length == 8 then [range(0; 8; 2) as $i | .[$i:$i + 2] | hexval | tostring] | join(".")
  else [range(0; 32; 4) as $i | .[$i:$i + 4] | ascii_downcase | sub("^0{1,3}"; "")] as $g
    # the first longest run of two or more zero groups becomes "::"
    | (reduce range(0; 8) as $i ({best: -1, blen: 1, cur: -1, clen: 0};
        if $g[$i] == "0" then
          (if .clen == 0 then .cur = $i else . end) | .clen += 1
          | if .clen > .blen then .best = .cur | .blen = .clen else . end
        else .clen = 0 end)) as $r
    | if $r.best < 0 then $g | join(":")
      else ($g[0:$r.best] | join(":")) + "::" + ($g[$r.best + $r.blen:] | join(":")) end
  end;
def addrs: walk(if type == "object" and (.addr | type) == "string" and has("family") then .address = (.addr | hex2ip) else . end);
addrs'

# The JSON lines on stdin (cli.py prints a few notices too), addresses as text.
ynl_text()
{
	grep -E '^(\{|\[|null)' | jq -c "$YNL_JQ_ADDRS"
}

# ynl OPTIONS...: the kernel's cli.py with our spec, in the router
# namespace, JSON output.  Its answer (addresses also as text) in
# $SG_TMP/ynl.json, its whole output in $SG_TMP/ynl.out; 0 on success,
# else the running check fails with the command and what it printed.
# YNL_SCHEMA_ARGS: "--schema FILE" validates the spec first (the kernel's
# jsonschema check; seconds under TCG), "--no-schema" does not.
YNL_SCHEMA_ARGS=(--no-schema)
ynl()
{
	local rc t0

	t0=$(sg_now_ms)
	ip netns exec "$NS_RTR" python3 "$YNL_CLI" --spec "$SPEC" "${YNL_SCHEMA_ARGS[@]}" \
		--output-json "$@" >"$SG_TMP/ynl.out" 2>&1
	rc=$?
	YNL_MS=$(($(sg_now_ms) - t0))
	ynl_text <"$SG_TMP/ynl.out" >"$SG_TMP/ynl.json"
	if ((rc)) || [[ ! -s $SG_TMP/ynl.json ]]; then
		sg_fail "cli.py $* exited $rc: $(head -c 1500 "$SG_TMP/ynl.out")"
		return 1
	fi
	return 0
}

# ynl_q JQ: JQ on the last answer, raw output.
ynl_q()
{
	jq -r "$1" "$SG_TMP/ynl.json"
}

# "address/len" lines, sorted, of smtpguardctl -j allow list.
ctl_allow()
{
	sgctl "$NS_RTR" -j allow list | jq -r '.[] | "\(.address)/\(.prefixlen)"' | sort
}

# One line per blocklist entry, sorted: "addr/len feeds hits expiring".
ctl_block()
{
	sgctl "$NS_RTR" -j block list "$@" |
		jq -r '.[] | "\(.address)/\(.prefixlen) \(.feeds | sort | join(",")) \(.hits // 0) \(if .expires then "expiring" else "permanent" end)"' | sort
}

ynl_block()
{
	ynl_q '.[] | ."block-entry" | "\(.prefix.address)/\(.prefix.prefixlen) \(.feed | sort | join(",")) \(.hits // 0) \(if .expires then "expiring" else "permanent" end)"' | sort
}

# One line per offender: "addr mac ifname reasons packets smtp cnc dests".
ctl_offenders()
{
	sgctl "$NS_RTR" -j offenders |
		jq -r '.[] | "\(.address) \(.mac) \(.ifname) \(.reasons | sort | join(",")) \(.packets) \(.smtp_packets) \(.cnc_packets) \([.destinations[] | "\(.address):\(.port // "-")"] | join(","))"' | sort
}

ynl_offenders()
{
	ynl_q '.[] | .offender | "\(.addr.address) \(.mac) \(.ifname) \(.reasons | sort | join(",")) \(.packets) \(."smtp-packets" // 0) \(."cnc-packets" // 0) \([.dest[]? | "\(.addr.address):\(.port // "-")"] | join(","))"' | sort
}

# flood NS ARGS...: sg_flood in NS; every packet must go out.
flood()
{
	local ns=$1 out
	shift

	out=$(ip netns exec "$ns" "$FLOOD" "$@" 2>&1)
	[[ $out == "sent "* && $out != *$'\n'* ]] || sg_fail "sg_flood $*: $out"
}

# shellcheck disable=SC2317 # called by busywait
# events_grew N: the module sent more than N events (someone listens):
# the port set is set again to what it is, a configuration event.
events_grew()
{
	sgctl "$NS_RTR" ports 25 >/dev/null 2>&1
	sg_stat_above "$NS_RTR" events_sent "$1"
}

##############################################################################

sg_load_module_or_die

ynl_part()
{
	local want got ev sent0 pid rc t0 out

	# 1: allow-add, with the kernel's schema validating the spec first.
	YNL_SCHEMA_ARGS=(--schema "$YNL_SCHEMA")
	if ynl --do allow-add --json \
		'{"prefix": [{"family": 2, "addr": "0a0a0a0a", "prefixlen": 32},
			     {"family": 10, "addr": "20010db8001000000000000000000000", "prefixlen": 64}]}'; then
		sg_diag "cli.py --schema --do allow-add: $(cat "$SG_TMP/ynl.json") (${YNL_MS} ms)"
		expect_eq "reply mode" enforce "$(ynl_q '.mode')"
		expect_eq "reply allow-entries" 2 "$(ynl_q '."allow-entries"')"
		expect_eq "reply mode-auto" true "$(ynl_q '."mode-auto"')"
	fi
	YNL_SCHEMA_ARGS=(--no-schema)
	expect_eq "smtpguardctl allow list after cli.py's allow-add" \
		"10.10.10.10/32"$'\n'"2001:db8:10::/64" "$(ctl_allow)"
	expect_eq "/proc mode" enforce "$(sg_stat "$NS_RTR" mode)"
	log_test "ynl cli.py --do allow-add (v4 and v6, spec validated by the kernel's schema): smtpguardctl lists both"

	# 2: allow-get dump of what both added.
	sg_ctl_ok "$NS_RTR" allow 192.0.2.128/25 2001:db8:aa::/48
	if ynl --dump allow-get; then
		got=$(ynl_q '.[] | .prefix[] | "\(.address)/\(.prefixlen)"' | sort)
		want=$(ctl_allow)
		expect_eq "cli.py --dump allow-get vs smtpguardctl -j allow list" "$want" "$got"
		expect_eq "entries" 4 "$(wc -l <<<"$got")"
		sg_diag "allow-get: ${got//$'\n'/ } (${YNL_MS} ms)"
	fi
	log_test "ynl cli.py --dump allow-get equals smtpguardctl -j allow list (4 prefixes)"

	# 3: --subscribe events: an offender-new event.  cli.py joins the
	# group, sleeps, then prints what was queued: every event in its
	# sleep.  The module counts events only when someone listens, so
	# events_sent growing says cli.py has joined.
	sent0=$(sg_stat "$NS_RTR" events_sent)
	t0=$(sg_now_ms)
	ip netns exec "$NS_RTR" python3 "$YNL_CLI" --spec "$SPEC" --no-schema \
		--subscribe events --sleep 10 --output-json >"$SG_TMP/ynl-sub.out" 2>&1 &
	pid=$!
	SG_PIDS+=("$pid")
	if busywait $((WAIT_TIMEOUT * 9000)) events_grew "$sent0"; then
		sg_diag "cli.py --subscribe events joined after $(($(sg_now_ms) - t0)) ms"
		flood "$NS_CLI" -n 3 - "$OUT4" 25
	else
		sg_fail "cli.py --subscribe events did not join within $((WAIT_TIMEOUT * 9)) s"
	fi
	wait "$pid"
	rc=$?
	[[ $rc -eq 0 ]] || sg_fail "cli.py --subscribe exited $rc: $(head -c 1500 "$SG_TMP/ynl-sub.out")"
	ynl_text <"$SG_TMP/ynl-sub.out" | tail -n 1 >"$SG_TMP/ynl.json"
	ev=$(ynl_q "[.[] | select(.name == \"offender-new\" and .msg.offender.addr.address == \"$CLI4\")] | .[0]")
	if [[ $ev == null || -z $ev ]]; then
		sg_fail "no offender-new event for $CLI4 in cli.py's output: $(head -c 1500 "$SG_TMP/ynl-sub.out")"
	else
		sg_diag "offender-new as cli.py decoded it: $(jq -c . <<<"$ev")"
		expect_eq "event mode" enforce "$(jq -r '.msg.mode' <<<"$ev")"
		expect_eq "event mac" "$CLI_MAC" "$(jq -r '.msg.offender.mac' <<<"$ev")"
		expect_eq "event ifname" cli0 "$(jq -r '.msg.offender.ifname' <<<"$ev")"
		expect_eq "event reasons" smtp "$(jq -r '.msg.offender.reasons | join(",")' <<<"$ev")"
		expect_eq "event destination" "$OUT4:25" "$(jq -r '.msg.offender.dest[0] | "\(.addr.address):\(.port)"' <<<"$ev")"
	fi
	# Configuration events are config-change notifications naming the
	# command that made them: cli.py names them too (here ports-set).
	ev=$(ynl_q '[.[] | select(.name == "config-change" and .msg.change == "ports-set")] | .[0]')
	if [[ $ev == null || -z $ev ]]; then
		sg_fail "no config-change event with change ports-set in cli.py's output: $(head -c 1500 "$SG_TMP/ynl-sub.out")"
	else
		sg_diag "config-change as cli.py decoded it: $(jq -c . <<<"$ev")"
		expect_eq "config-change ports" "25" "$(jq -r '[.msg.ports.port] | flatten | map(tostring) | join(",")' <<<"$ev")"
	fi
	! grep -q 'Unexpected msg id' "$SG_TMP/ynl-sub.out" ||
		sg_fail "cli.py could not name an event: $(grep -m1 -A1 'Unexpected msg id' "$SG_TMP/ynl-sub.out" | tr '\n\t' '  ')"
	log_test "ynl cli.py --subscribe events decodes offender-new ($CLI4, mac, cli0, smtp, $OUT4:25) and config-change (ports-set)"

	# 4: block-add and block-get, whole and one feed.
	if ynl --do block-add --json \
		"{\"prefix\": [{\"family\": 2, \"addr\": \"c6336463\"}], \"feed\": \"ynl\", \"timeout\": 3600}"; then
		expect_eq "block-add reply block-entries" 1 "$(ynl_q '."block-entries"')"
	fi
	sg_ctl_ok "$NS_RTR" block 203.0.113.0/24 2001:db8:bad::/48 feed feodo
	sg_ctl_ok "$NS_RTR" block 203.0.113.0/24 "$BLK4"
	flood "$NS_CLI" -u -n 7 - "$BLK4" 53
	out=$(sgctl "$NS_RTR" block test "$BLK4" 2>&1)
	check_err $? "smtpguardctl block test $BLK4: $out"
	[[ $out == *ynl* && $out == *"hits 7"* ]] || sg_fail "block test $BLK4: $out"
	if ynl --dump block-get; then
		want=$(ctl_block)
		got=$(ynl_block)
		expect_eq "cli.py --dump block-get vs smtpguardctl -j block list" "$want" "$got"
		expect_eq "entries" 3 "$(wc -l <<<"$got")"
		sg_diag "block-get: ${got//$'\n'/; }"
	fi
	if ynl --dump block-get --json '{"feed": "feodo"}'; then
		expect_eq "cli.py --dump block-get feed feodo vs block list feed feodo" \
			"$(ctl_block feed feodo)" "$(ynl_block)"
	fi
	log_test "ynl cli.py --do block-add (feed, timeout) and --dump block-get (all, one feed) equal smtpguardctl -j block list"

	# 5: offender-get, the client now with both reasons (3: smtp|cnc).
	if ynl --dump offender-get; then
		want=$(ctl_offenders)
		got=$(ynl_offenders)
		expect_eq "cli.py --dump offender-get vs smtpguardctl -j offenders" "$want" "$got"
		sg_diag "offender-get: $got"
		[[ $got == "$CLI4 "*" smtp,cnc "* || $got == "$CLI4 "*" cnc,smtp "* ]] ||
			sg_fail "the record of $CLI4 lacks smtp and cnc: $got"
	fi
	if ynl --dump offender-get --json '{"reason": "cnc"}'; then
		expect_eq "offender-get reason cnc" "$(ctl_offenders)" "$(ynl_offenders)"
	fi
	log_test "ynl cli.py --dump offender-get (whole, reason cnc) equals smtpguardctl -j offenders"

	# 6: stats-get, every number, as /proc/net/smtpguard names it.
	if ynl --do stats-get; then
		got=$(ynl_q '
			["mode \(.mode)",
			 "mode_explicit \(if ."mode-explicit" then 1 else 0 end)",
			 "smtp_ports \(.ports.port | map(tostring) | join(","))"]
			+ [to_entries[] | select(.key | IN("mode", "mode-explicit", "ports", "stats") | not)
			   | "\(.key | gsub("-"; "_")) \(.value)"]
			+ [.stats | to_entries[] | "\(.key | gsub("-"; "_")) \(.value)"]
			| sort[]')
		want=$(sg_proc "$NS_RTR" | sort)
		expect_eq "cli.py --do stats-get vs /proc/net/smtpguard" "$want" "$got"
		sg_diag "stats-get: ${got//$'\n'/, }"
	fi
	log_test "ynl cli.py --do stats-get equals /proc/net/smtpguard, every key"
}

libnl_part()
{
	local pid out rc line v4 v6

	# one record to flush while the client listens
	sg_ctl_ok "$NS_RTR" offenders flush
	flood "$NS_CLI" -n 1 - "$OUT4" 25
	expect_eq "records before" 1 "$(sg_stat "$NS_RTR" offenders)"
	ip netns exec "$NS_RTR" "$LIBNL" -n 4 -t "$(sg_bound 60)" >"$SG_TMP/libnl.out" 2>&1 &
	pid=$!
	SG_PIDS+=("$pid")
	busywait $((WAIT_TIMEOUT * 1000)) grep -q '^subscribed ' "$SG_TMP/libnl.out" ||
		sg_fail "sg_libnl_events did not subscribe: $(cat "$SG_TMP/libnl.out")"
	sg_ctl_ok "$NS_RTR" allow 203.0.113.64/26
	sg_ctl_ok "$NS_RTR" offenders flush
	flood "$NS_CLI" -n 2 - "$OUT4" 25
	# one IPv6 SYN to the outside MX: dropped, a new offender (the bound
	# is for bash to start and send it)
	timeout "$(sg_bound 2)" ip netns exec "$NS_CLI" bash -c ": <>/dev/tcp/$OUT6/25" 2>/dev/null
	wait "$pid"
	rc=$?
	out=$(cat "$SG_TMP/libnl.out")
	sg_diag "sg_libnl_events printed:"$'\n'"$out"
	expect_eq "exit of sg_libnl_events" 0 "$rc"
	[[ $out =~ ^subscribed\ family\ [0-9]+\ group\ [0-9]+ ]] ||
		sg_fail "no 'subscribed family N group N' line"
	line=$(grep '^allow-add ' <<<"$out")
	[[ $line == *" prefix 203.0.113.64/26"* && $line == *" allow-entries 5"* && $line == *" count 1"* ]] ||
		sg_fail "allow-add line: '$line' (want allow-entries 5, count 1, prefix 203.0.113.64/26)"
	expect_eq "allow-entries in the event vs /proc" \
		"$(sg_stat "$NS_RTR" allow_entries)" "$(sed -n 's/.* allow-entries \([0-9]*\).*/\1/p' <<<"$line")"
	line=$(grep '^offender-flush ' <<<"$out")
	[[ $line == *" count 1"* ]] || sg_fail "offender-flush line: '$line' (want count 1)"
	# the offenders as smtpguardctl sees them
	sgctl "$NS_RTR" -j offenders >"$SG_TMP/off.json"
	v4=$(jq -r --arg a "$CLI4" '.[] | select(.address == $a) | "\(.address) mode enforce reasons \(.reasons | join(",")) packets 1 smtp 1 cnc 0 in \(.ifname) mac \(.mac)"' "$SG_TMP/off.json")
	v6=$(jq -r --arg a "$CLI6" '.[] | select(.address == $a) | "\(.address) mode enforce reasons \(.reasons | join(",")) packets 1 smtp 1 cnc 0 in \(.ifname) mac \(.mac)"' "$SG_TMP/off.json")
	[[ -n $v4 && -n $v6 ]] || sg_fail "smtpguardctl -j offenders lacks $CLI4 or $CLI6: $(cat "$SG_TMP/off.json")"
	grep -qxF "offender-new $v4" <<<"$out" || sg_fail "no line 'offender-new $v4'"
	grep -qxF "offender-new $v6" <<<"$out" || sg_fail "no line 'offender-new $v6'"
	expect_eq "mac of $CLI4 (smtpguardctl)" "$CLI_MAC" "$(jq -r --arg a "$CLI4" '.[] | select(.address == $a) | .mac' "$SG_TMP/off.json")"
	log_test "libnl-genl-3 client: family and 'events' group resolved, allow-add, offender-flush, offender-new v4 and v6 match smtpguardctl"
}

if [[ -n $YNL_SKIP ]]; then
	log_skip "ynl cli.py: allow-add, allow-get, events, block-add/get, offender-get, stats-get" "$YNL_SKIP"
	# what the libnl half expects: the YNL half's state, made by smtpguardctl
	sg_ctl_ok "$NS_RTR" allow 10.10.10.10 2001:db8:10::/64 192.0.2.128/25 2001:db8:aa::/48
else
	ynl_part
fi

if [[ -n $LIBNL_SKIP ]]; then
	log_skip "libnl-genl-3 client receives the events" "$LIBNL_SKIP"
else
	libnl_part
fi

sg_check_kernel_clean
ksft_finish
