#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side check of the systemd units in systemd/ (check.sh runs it; no
# systemd needs to be running): "systemd-analyze verify" passes without a
# single message, offline, in a scratch root that holds the host's unit
# files, the built smtpguardctl and modprobe, so that the commands the
# units name resolve as they would on an installed machine; and the units
# say what the README promises (restore before the network, no flush on
# stop, the timer every 15 minutes, a unit per namespace, the metrics
# every minute); every service is confined: "systemd-analyze security"
# rates its exposure at most 3.5 (MAX_EXPOSURE); and the example alerting
# rules pass "promtool check rules" and their unit tests.  KTAP on stdout.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
units=(smtpguard.service smtpguard-feeds.service smtpguard-feeds.timer smtpguard@.service
	smtpguard-metrics.service smtpguard-metrics.timer)
# what is verified and rated: the template through one instance
checked=(smtpguard.service smtpguard-feeds.service smtpguard-feeds.timer smtpguard@office.service
	smtpguard-metrics.service smtpguard-metrics.timer)
services=(smtpguard.service smtpguard-feeds.service smtpguard@office.service smtpguard-metrics.service)
MAX_EXPOSURE=3.5
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $*"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }

echo "TAP version 13"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify" "systemd-analyze not found (package systemd)"
elif [[ ! -x $root/tools/smtpguardctl ]]; then
	nok "systemd-analyze verify: build tools/smtpguardctl first"
else
	r=$tmp/root
	mkdir -p "$r/usr/lib/systemd" "$r/usr/sbin" "$r/etc/smtpguard"
	cp -r /usr/lib/systemd/system "$r/usr/lib/systemd/"
	cp "$root/tools/smtpguardctl" "$r/usr/sbin/"
	cp -L "$(command -v modprobe)" "$r/usr/sbin/modprobe"
	for u in "${units[@]}"; do
		cp "$root/systemd/$u" "$r/usr/lib/systemd/system/$u"
	done
	out=$(cd "$r" && systemd-analyze verify --man=no --root="$r" "${checked[@]}" 2>&1)
	rc=$?
	if ((rc == 0)) && [[ -z $out ]]; then
		ok "systemd-analyze verify: ${checked[*]}"
	else
		echo "$out" | sed 's/^/# /'
		nok "systemd-analyze verify: ${checked[*]} (exit $rc)"
	fi
	for u in "${services[@]}"; do
		out=$(cd "$r" && systemd-analyze security --offline=true --root="$r" "$u" 2>&1)
		level=$(sed -n 's/^.*Overall exposure level for [^:]*: \([0-9.]*\) .*$/\1/p' <<<"$out")
		if [[ -n $level ]] && awk -v l="$level" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(l <= m) }'; then
			ok "systemd-analyze security $u: exposure $level (at most $MAX_EXPOSURE)"
		else
			grep '✗' <<<"$out" | sed 's/^/# /'
			nok "systemd-analyze security $u: exposure ${level:-unknown}, more than $MAX_EXPOSURE"
		fi
	done
fi

# key UNIT KEY VALUE: the unit has the line KEY=VALUE.
has() { grep -qxF "$2=$3" "$root/systemd/$1" || { echo "# $1: no '$2=$3'"; return 1; }; }
s=smtpguard.service
if has $s DefaultDependencies no && has $s Before network-pre.target &&
	has $s Wants network-pre.target && has $s Type oneshot &&
	has $s RemainAfterExit yes &&
	has $s ConditionPathExists /etc/smtpguard/smtpguard.conf &&
	has $s ExecStartPre "+modprobe smtpguard" &&
	has $s ExecStart "smtpguardctl restore /etc/smtpguard/smtpguard.conf" &&
	has $s ExecReload "smtpguardctl restore /etc/smtpguard/smtpguard.conf" &&
	! grep -q '^ExecStop' "$root/systemd/$s"; then
	ok "$s: modprobe and restore before network-pre.target, oneshot, reload re-applies, no ExecStop"
else
	nok "$s: ordering, type or commands"
fi
if has smtpguard-feeds.service ExecStart "smtpguardctl feeds update" &&
	has smtpguard-feeds.service Type oneshot &&
	has smtpguard-feeds.timer OnUnitActiveSec 15min &&
	has smtpguard-feeds.timer WantedBy timers.target; then
	ok "smtpguard-feeds.timer runs 'smtpguardctl feeds update' every 15 minutes"
else
	nok "smtpguard-feeds.service/timer"
fi
s=smtpguard@.service
if has $s NetworkNamespacePath /run/netns/%i &&
	has $s ConditionPathExists /etc/smtpguard/netns/%i.conf &&
	has $s ExecStartPre "+modprobe smtpguard" &&
	has $s ExecStart "smtpguardctl restore /etc/smtpguard/netns/%i.conf" &&
	! grep -q '^ExecStop' "$root/systemd/$s"; then
	ok "$s: restores /etc/smtpguard/netns/NETNS.conf inside /run/netns/NETNS, no ExecStop"
else
	nok "$s: namespace, file or commands"
fi
if has smtpguard-metrics.service ExecStart "smtpguardctl stats --format prometheus -f /var/lib/prometheus/node-exporter/smtpguard.prom" &&
	has smtpguard-metrics.service ConditionPathIsDirectory /var/lib/prometheus/node-exporter &&
	has smtpguard-metrics.timer OnUnitActiveSec 1min &&
	has smtpguard-metrics.timer WantedBy timers.target; then
	ok "smtpguard-metrics.timer writes the textfile collector's smtpguard.prom every minute"
else
	nok "smtpguard-metrics.service/timer"
fi

# The example alerting rules: valid, and each alert fires when it should.
rules=$root/contrib/prometheus/smtpguard.rules.yml
if ! command -v promtool >/dev/null; then
	nok "promtool not found (package prometheus; selftests/vm/deps.sh installs it)"
else
	out=$(promtool check rules "$rules" 2>&1)
	if (($? == 0)); then
		ok "promtool check rules: contrib/prometheus/smtpguard.rules.yml"
	else
		echo "$out" | sed 's/^/# /'
		nok "promtool check rules: contrib/prometheus/smtpguard.rules.yml"
	fi
	out=$(cd "${rules%/*}" && promtool test rules smtpguard.rules.test.yml 2>&1)
	if (($? == 0)); then
		ok "promtool test rules: a new offender and a feed stale for two intervals fire, and only then"
	else
		echo "$out" | sed 's/^/# /'
		nok "promtool test rules: contrib/prometheus/smtpguard.rules.test.yml"
	fi
fi
echo "1..$n"
((fails == 0))
