#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# save and restore on the router of lib.sh's topology, always with -n:
# configure everything (explicit mode, ports, allow-list, a manual feed, a
# timed entry, a feed of feeds.conf loaded from its file), save, flush it
# all, restore, and the second save equals the first (timeouts aside: they
# count down); traffic is enforced as before.  A broken file (a bad line, a
# broken referenced feed file) changes nothing; a file with a feed
# reference reads that file, relative to itself, and replaces the rest; a
# restore that fails half-way (the blocklist cap) puts everything back.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip jq
sg_require_module_file
sg_init
sg_plan 12
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die
sg_hub_ready >/dev/null 2>&1

export SMTPGUARD_FEEDS_CONF=$SG_TMP/feeds.conf SMTPGUARD_STATE_DIR=$SG_TMP/state
ctl() { smtpguardctl -n "$NS_RTR" "$@"; }
# save without its comment lines, the seconds left of a timeout as T
norm() { sed -e '/^#/d' -e 's/ timeout [0-9]*$/ timeout T/'; }
state() { ctl save | norm; }

# 0: a namespace nobody configured.
expect_eq "save of an unconfigured namespace" $'mode off auto\nports 25' "$(state)"
log_test "save of an unconfigured namespace: 'mode off auto', 'ports 25'"

# 1: a configuration of every kind, the feed "cnc" from feeds.conf.
printf '198.51.100.26\n203.0.113.0/28 ; a C&C range\n' >"$SG_TMP/cnc.txt"
echo "feed cnc file $SG_TMP/cnc.txt every 1h" >"$SMTPGUARD_FEEDS_CONF"
ctl mode enforce &&
	ctl ports 25 587 &&
	ctl allow "$MAIL4" "$MAIL6" 192.0.2.128/25 >/dev/null &&
	ctl block 203.0.113.77 2001:db8:bad::/48 &&
	ctl block 198.51.100.0/30 feed drop &&
	ctl block 203.0.113.99 feed temp timeout 1h &&
	out=$(ctl feeds update 2>&1)
check_err $? "configuring failed: $out"
ctl save >"$SG_TMP/saved.conf"
check_err $? "save failed"
saved=$(norm <"$SG_TMP/saved.conf")
sg_diag "$(cat "$SG_TMP/saved.conf")"
for want in "mode enforce" "ports 25 587" "allow $MAIL4" "allow $MAIL6" \
	"allow 192.0.2.128/25" "block 203.0.113.77 feed manual" \
	"block 2001:db8:bad::/48 feed manual" "block 198.51.100.0/30 feed drop" \
	"block 203.0.113.99 feed temp timeout T" \
	"feed cnc file $SMTPGUARD_STATE_DIR/netns/$NS_RTR/feeds/cnc.txt"; do
	grep -qxF "$want" <<<"$saved" || sg_fail "save lacks '$want'"
done
grep -q '^block 203.0.113.0/28' <<<"$saved" && sg_fail "the feed of feeds.conf is written entry by entry, not by reference"
head -n1 "$SG_TMP/saved.conf" | grep -q '^# smtpguard configuration, saved by smtpguardctl .* at 20..-..-..T' ||
	sg_fail "no header with version and date: $(head -n1 "$SG_TMP/saved.conf")"
js=$(ctl -j save)
jq -e '.mode == "enforce" and .explicit and .ports == [25, 587] and (.allow | length) == 3 and
	([.feeds[].name] == ["cnc", "drop", "manual", "temp"]) and
	(.feeds[0].file | endswith("/cnc.txt")) and .feeds[1].entries == [{"prefix": "198.51.100.0/30", "timeout": null}] and
	(.feeds[3].entries[0].timeout > 3000)' <<<"$js" >/dev/null || sg_fail "save -j: $js"
log_test "save: mode, ports, allow-list, feeds, timeouts, a feeds.conf feed by reference; -j"

# 2: flush everything, restore, the same save.
ctl allow flush && ctl block flush && ctl ports 25 && ctl mode off
check_err $? "flushing failed"
expect_ne "save after the flush" "$saved" "$(state)"
out=$(ctl restore "$SG_TMP/saved.conf" 2>&1)
check_err $? "restore failed: $out"
grep -q "^restored $SG_TMP/saved.conf: mode enforce" <<<"$out" || sg_fail "no summary line: $out"
js=$(ctl -j restore "$SG_TMP/saved.conf")
jq -e '.mode == "enforce" and .explicit and .allow == 3 and .feeds == 4 and .timed_entries == 1' <<<"$js" >/dev/null ||
	sg_fail "restore -j: $js"
expect_eq "save after restore" "$saved" "$(state)"
log_test "flush all, restore: save prints the same configuration"

# 3: and it is enforced.
d0=$(sg_stat "$NS_RTR" smtp_dropped)
sg_dropped "$NS_CLI" "$OUT4" "" 25 || sg_fail "SMTP to the outside passes after restore"
expect_gt "smtp_dropped (port 25)" "$(sg_stat "$NS_RTR" smtp_dropped)" "$d0"
sg_passes "$NS_CLI" "$MAIL4" "" 25 || sg_fail "SMTP to the mail server is dropped after restore"
d0=$(sg_stat "$NS_RTR" smtp_dropped)
sg_dropped "$NS_CLI" "$OUT4" "" 587 || sg_fail "port 587 passes after restore"
expect_gt "smtp_dropped (port 587)" "$(sg_stat "$NS_RTR" smtp_dropped)" "$d0"
sg_passes "$NS_CLI" "$OUT4" "" 80 || sg_fail "HTTP is dropped after restore"
ctl block test 203.0.113.5 >/dev/null || sg_fail "203.0.113.5 (feed cnc, restored from its file) not blocked"
log_test "restored: SMTP out dropped, to the mail server passes, the feed file is loaded"

# 4: a bad line: exit 2, FILE:LINE, nothing changed.
before=$(state)
{ cat "$SG_TMP/saved.conf"; echo "allow 10.10.10.5/24"; } >"$SG_TMP/bad.conf"
n=$(wc -l <"$SG_TMP/bad.conf")
ctl allow flush
mid=$(state)
out=$(ctl restore "$SG_TMP/bad.conf" 2>&1)
expect_eq "exit of restore with a bad line" 2 "$?"
grep -q "^smtpguardctl: $SG_TMP/bad.conf:$n: 10.10.10.5/24 has host bits set" <<<"$out" ||
	sg_fail "message does not name bad.conf:$n: $out"
expect_eq "save after a refused restore" "$mid" "$(state)"
ctl restore "$SG_TMP/saved.conf" >/dev/null
expect_eq "save after restoring again" "$before" "$(state)"
log_test "a file with a bad line: FILE:LINE: reason, exit 2, nothing changed"

# 5: a broken referenced feed file: the same.
cp "$SG_TMP/saved.conf" "$SG_TMP/broken.conf"
printf '192.0.2.1\nnot-an-address\n' >"$SG_TMP/broken.txt"
echo "feed broken file broken.txt" >>"$SG_TMP/broken.conf"
n=$(wc -l <"$SG_TMP/broken.conf")
ctl allow del 192.0.2.128/25
mid=$(state)
out=$(ctl restore "$SG_TMP/broken.conf" 2>&1)
expect_eq "exit of restore with a broken feed file" 2 "$?"
grep -q "broken.conf:$n: feed broken: $SG_TMP/broken.txt:2: " <<<"$out" || sg_fail "message: $out"
expect_eq "save after a refused restore" "$mid" "$(state)"
log_test "a broken referenced feed file: FILE:LINE: feed NAME: FILE:LINE: reason, nothing changed"

# 6: a reference read relative to the file; restore replaces the rest.
mkdir -p "$SG_TMP/conf.d"
printf '# extra\n203.0.113.50\n2001:db8:ee::/64\n' >"$SG_TMP/conf.d/extra.txt"
printf 'mode monitor\nallow %s\nfeed extra file extra.txt\n' "$MAIL4" >"$SG_TMP/conf.d/small.conf"
out=$(cd / && ctl restore "$SG_TMP/conf.d/small.conf" 2>&1)
check_err $? "restore small.conf: $out"
want=$(printf 'mode monitor\nports 25\nallow %s\nblock 203.0.113.50 feed extra\nblock 2001:db8:ee::/64 feed extra\n' "$MAIL4")
expect_eq "save after restoring small.conf" "$want" "$(state)"
ctl block test 203.0.113.50 >/dev/null || sg_fail "203.0.113.50 of extra.txt not blocked"
ctl block test 203.0.113.5 >/dev/null && sg_fail "feed cnc is not in small.conf but still blocks"
log_test "a feed reference is read (relative to the file); feeds, ports, allow-list not in it are gone"

# 7: a restore that fails half-way is rolled back.  Everything stages
# (all open transactions together stay within the cap), but feed aaa's
# commit comes while feed zzz, which the file drops, still holds its
# entries: past the cap after the mode and allow-list already changed.
ctl restore "$SG_TMP/saved.conf" >/dev/null
for i in $(seq 201 210); do echo "198.51.100.$i"; done | ctl block load --feed zzz - >/dev/null
before=$(state)
entries=$(sg_stat "$NS_RTR" block_entries)
param=/sys/module/smtpguard/parameters/max_block_entries
old_cap=$(cat $param)
echo "$((entries + 5))" >$param
{
	echo "mode monitor"
	echo "allow 192.0.2.99"
	grep -v '^#' "$SG_TMP/saved.conf" | grep -v '^mode\|^allow'
	for i in $(seq 1 10); do echo "block 198.51.100.$((100 + i)) feed aaa"; done
} >"$SG_TMP/toobig.conf"
out=$(ctl restore "$SG_TMP/toobig.conf" 2>&1)
rc=$?
echo "$old_cap" >$param
expect_eq "exit of a restore past the cap" 3 "$rc"
grep -q "previous configuration is back" <<<"$out" || sg_fail "no rollback message: $out"
expect_eq "save after the rolled back restore" "$before" "$(state)"
ctl block flush feed zzz
before=$(state)
log_test "a restore refused half-way (blocklist cap) puts the previous configuration back"

# 8: restore from stdin, and --dry-run changes nothing.
ctl allow flush
mid=$(state)
out=$(ctl restore --dry-run "$SG_TMP/saved.conf" 2>&1)
check_err $? "restore --dry-run: $out"
expect_eq "save after --dry-run" "$mid" "$(state)"
ctl restore - <"$SG_TMP/saved.conf" >/dev/null
check_err $? "restore - (stdin) failed"
expect_eq "save after restore from stdin" "$before" "$(state)"
log_test "restore --dry-run changes nothing; restore - reads stdin"

# 9: more feeds than the kernel lets a namespace open transactions for (8):
# staged and committed 8 at a time, every one of them restored.
{
	echo "mode enforce"
	echo "ports 25"
	echo "allow $MAIL4"
	for f in $(seq 1 11); do
		echo "block 203.0.113.$f feed f$f"
		echo "block 198.51.100.$((100 + f)) feed f$f"
	done
} >"$SG_TMP/eleven.conf"
out=$(ctl restore "$SG_TMP/eleven.conf" 2>&1)
check_err $? "restore of 11 feeds: $out"
expect_eq "feeds after restoring 11" 11 "$(sg_stat "$NS_RTR" block_feeds)"
expect_eq "entries after restoring 11 feeds" 22 "$(sg_stat "$NS_RTR" block_entries)"
expect_eq "save after restoring 11 feeds" "$(norm <"$SG_TMP/eleven.conf" | sort)" "$(state | sort)"
log_test "a file with 11 feeds: all restored (8 transactions at a time)"

# 10: 'mode X auto' into a namespace whose mode was set: set explicitly,
# and said so on stderr.
ctl mode monitor
printf 'mode enforce auto\nallow %s\n' "$MAIL4" >"$SG_TMP/auto.conf"
out=$(ctl restore "$SG_TMP/auto.conf" 2>&1)
check_err $? "restore of 'mode enforce auto': $out"
expect_eq "mode after restoring 'mode enforce auto' over monitor" enforce "$(sg_stat "$NS_RTR" mode)"
expect_eq "mode_explicit" 1 "$(sg_stat "$NS_RTR" mode_explicit)"
grep -q "restore: mode enforce set explicitly" <<<"$out" || sg_fail "no word about setting the mode explicitly: $out"
log_test "'mode enforce auto' into a namespace whose mode was set: set explicitly, and said so"

sg_check_kernel_clean
ksft_finish
