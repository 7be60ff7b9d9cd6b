#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many single-entry changes from one smtpguardctl process (issue 19, goal
# 1): 10,000 addresses through 'block add -' (stdin, one transaction), and
# 10,000 'block add' and 'block del' lines of one -batch file (one request
# each, one socket).  Then what goes wrong: a batch stops at its first
# failing line and keeps what the lines before it did (a batch is not a
# transaction, as with ip -batch); a bad word of 'block add -' changes
# nothing; -n and -j before -batch apply to every line; a line that
# would read the batch's own stdin is refused.  State through
# smtpguardctl in one namespace; no traffic.  The times are printed as
# diagnostics, never judged.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_module_file
sg_require_cmd ip jq awk smtpguardctl insmod rmmod dmesg
sg_init
sg_plan 12
NS=sg-bat-$SG_ID
sg_add_ns "$NS" || skip_all "cannot create a namespace"
sg_load_module_or_die

N=10000

# addrs PREFIX FROM COUNT: PREFIX.X.Y for FROM..FROM+COUNT-1, one a line
# (PREFIX is two octets: 100.64 gives 100.64.0.0 to 100.64.39.15).
addrs()
{
	awk -v p="$1" -v from="$2" -v n="$3" \
		'BEGIN { for (i = from; i < from + n; i++) printf "%s.%d.%d\n", p, int(i / 256), i % 256 }'
}

# entries FEED: how many entries FEED has ("block feeds"), 0 if none.
entries()
{
	local n

	n=$(sgctl "$NS" -j block feeds | jq --arg f "$1" '[.[] | select(.feed == $f) | .entries] | add // 0')
	echo "${n:-?}"
}

# listed: the number of lines of 'block list'.
listed()
{
	sgctl "$NS" block list | wc -l
}

# blocked ADDR: the exit status of 'block test ADDR' (0 blocked, 1 not).
blocked()
{
	sgctl "$NS" block test "$1" >/dev/null 2>&1
	echo $?
}

# snapshot: the whole blocklist, for "nothing changed".
# The blocklist, without the seconds that tick (a timed listing stays
# timed).
snapshot()
{
	sgctl "$NS" -j block list |
		jq -c '[.[] | {prefix, feeds, listings: [.listings[] | {feed, timed: has("expires")}]}]'
}

# 1: 10,000 addresses on stdin: one transaction, all of them listed.
addrs 100.64 0 "$N" >"$SG_TMP/bulk.txt"
t0=$(timestamp_ms)
out=$(sgctl "$NS" block add - feed bulk <"$SG_TMP/bulk.txt" 2>&1)
check_err $? "block add - of $N addresses failed: $out"
sg_diag "block add - of $N addresses: $(($(timestamp_ms) - t0)) ms"
expect_eq "entries of feed bulk" "$N" "$(entries bulk)"
expect_eq "lines of block list" "$N" "$(listed)"
expect_eq "block test of the first address" 0 "$(blocked 100.64.0.0)"
expect_eq "block test of the last address" 0 "$(blocked 100.64.39.15)"
expect_eq "block test of one in the middle" 0 "$(blocked 100.64.19.136)"
expect_eq "block test of the next address (not on stdin)" 1 "$(blocked 100.64.39.16)"
log_test "block add - of $N addresses: every one listed, in feed bulk"

# 2: the same again, and up to 1024 with a timeout in one plain request.
out=$(sgctl "$NS" block add - feed bulk <"$SG_TMP/bulk.txt" 2>&1)
check_err $? "adding the same $N again failed: $out"
expect_eq "entries of feed bulk after adding them again" "$N" "$(entries bulk)"
addrs 100.66 0 1000 >"$SG_TMP/timed.txt"
out=$(sgctl "$NS" block add - feed timed timeout 1h <"$SG_TMP/timed.txt" 2>&1)
check_err $? "block add - feed timed timeout 1h of 1000 failed: $out"
expect_eq "entries of feed timed" 1000 "$(entries timed)"
timed=$(sgctl "$NS" -j block list feed timed |
	jq '[.[] | select(.listings[] | .feed == "timed" and .expires >= 3500 and .expires <= 3600)] | length')
expect_eq "listings of feed timed with 1h left" 1000 "$timed"
sg_ctl_ok "$NS" block flush feed timed
log_test "block add - again changes nothing; 1000 with timeout 1h: each listing timed"

# 3: 10,000 'block add' lines in one batch: one request each, one process.
addrs 100.65 0 "$N" | sed 's/^/block add /; s/$/ feed single/' >"$SG_TMP/add.batch"
t0=$(timestamp_ms)
out=$(sgctl "$NS" -batch "$SG_TMP/add.batch" 2>&1)
check_err $? "-batch of $N 'block add' lines failed: $out"
sg_diag "-batch of $N 'block add' lines: $(($(timestamp_ms) - t0)) ms"
expect_eq "entries of feed single" "$N" "$(entries single)"
expect_eq "block test of the last line's address" 0 "$(blocked 100.65.39.15)"
log_test "-batch FILE of $N 'block add ADDR' lines: all applied"

# 4: ... and 10,000 'block del' lines.
addrs 100.65 0 "$N" | sed 's/^/block del /' >"$SG_TMP/del.batch"
t0=$(timestamp_ms)
out=$(sgctl "$NS" -batch "$SG_TMP/del.batch" 2>&1)
check_err $? "-batch of $N 'block del' lines failed: $out"
sg_diag "-batch of $N 'block del' lines: $(($(timestamp_ms) - t0)) ms"
expect_eq "entries of feed single" 0 "$(entries single)"
expect_eq "block test of the last line's address" 1 "$(blocked 100.65.39.15)"
expect_eq "entries of feed bulk (untouched)" "$N" "$(entries bulk)"
log_test "-batch FILE of $N 'block del ADDR' lines: all applied, feed bulk untouched"

# 5: a batch of add and del lines, comments and blank lines: exactly applied.
cat >"$SG_TMP/mixed.batch" <<'EOF'
# a batch of changes

block add 198.51.100.1 feed mixed
  block add 198.51.100.2 198.51.100.3 feed mixed   # two in one line
block add 2001:db8:77::/48 feed mixed timeout 1h
	block del 198.51.100.2 feed mixed
block add 203.0.113.0/24 feed mixed
block del 100.64.0.0 feed bulk
block test 198.51.100.3
EOF
out=$(sgctl "$NS" -batch "$SG_TMP/mixed.batch" 2>&1)
check_err $? "the mixed batch failed: $out"
got=$(sgctl "$NS" -j block list feed mixed | jq -r '.[].prefix' | sort | xargs)
expect_eq "feed mixed" "198.51.100.1 198.51.100.3 2001:db8:77::/48 203.0.113.0/24" "$got"
expect_eq "entries of feed bulk after its one del" $((N - 1)) "$(entries bulk)"
[[ $out == *"198.51.100.3 is blocked"* ]] || sg_fail "the test line's answer is not in the output: $out"
log_test "a batch of add, del and test lines, comments and blank lines: exactly its changes"

# 6: a line the kernel refuses ends the batch; the lines before it stay.
cat >"$SG_TMP/stop.batch" <<'EOF'
block add 192.0.2.1 feed stop
block add 192.0.2.2 feed stop
block del 192.0.2.77 feed stop
block add 192.0.2.3 feed stop
EOF
out=$(sgctl "$NS" -batch "$SG_TMP/stop.batch" 2>&1 >/dev/null)
rc=$?
expect_eq "exit status of the batch" 3 "$rc"
[[ $out == *"Error: "* ]] || sg_fail "no kernel error for line 3: $out"
[[ $out == *"smtpguardctl: $SG_TMP/stop.batch:3: failed (exit 3); the lines after it were not run"* ]] ||
	sg_fail "no 'FILE:3: failed (exit 3)' line: $out"
expect_eq "192.0.2.1 (line 1, before the failure)" 0 "$(blocked 192.0.2.1)"
expect_eq "192.0.2.2 (line 2, before the failure)" 0 "$(blocked 192.0.2.2)"
expect_eq "192.0.2.3 (line 4, after the failure)" 1 "$(blocked 192.0.2.3)"
log_test "a refused line ends the batch with exit 3 and FILE:LINE; the lines before it stay applied (not a transaction)"

# 7: so does a line with a bad word, before it sends anything.
printf 'block add 192.0.2.4 feed stop\nblock add 192.0.2.256 feed stop\nblock add 192.0.2.5 feed stop\n' \
	>"$SG_TMP/parse.batch"
out=$(sgctl "$NS" -batch "$SG_TMP/parse.batch" 2>&1 >/dev/null)
rc=$?
expect_eq "exit status of the batch" 2 "$rc"
[[ $out == *"'192.0.2.256'"*"$SG_TMP/parse.batch:2: failed (exit 2)"* ]] ||
	sg_fail "no bad word and 'FILE:2: failed (exit 2)': $out"
expect_eq "192.0.2.4 (line 1)" 0 "$(blocked 192.0.2.4)"
expect_eq "192.0.2.5 (line 3)" 1 "$(blocked 192.0.2.5)"
log_test "a line with a bad word ends the batch with exit 2; line 1 applied, line 3 not"

# 8: a bad word of 'block add -': exit 2, its line named, nothing changed.
before=$(snapshot)
{ addrs 100.67 0 299; echo "100.67.1.43 cnc.example.com"; addrs 100.67 300 200; } >"$SG_TMP/bad-small.txt"
out=$(sgctl "$NS" block add - feed bad <"$SG_TMP/bad-small.txt" 2>&1)
rc=$?
expect_eq "exit status, 500 addresses with a bad word" 2 "$rc"
expect_eq "the message" \
	"smtpguardctl: stdin:300: 'cnc.example.com' is not an IPv4 or IPv6 address (names are not resolved)" "$out"
{ addrs 100.67 0 3000; echo 100.67.200.256; } >"$SG_TMP/bad-big.txt"
out=$(sgctl "$NS" block add - feed bad <"$SG_TMP/bad-big.txt" 2>&1)
rc=$?
expect_eq "exit status, 3000 addresses with a bad last word" 2 "$rc"
[[ $out == "smtpguardctl: stdin:3001: '100.67.200.256'"* ]] || sg_fail "the message: $out"
out=$(addrs 100.67 0 3000 | sgctl "$NS" block add - feed bad timeout 1h 2>&1)
rc=$?
expect_eq "exit status, 3000 addresses with a timeout" 2 "$rc"
[[ $out == *"3000 prefixes from stdin with a timeout"* ]] || sg_fail "the message: $out"
expect_eq "entries of feed bad" 0 "$(entries bad)"
[[ $(snapshot) == "$before" ]] || sg_fail "the blocklist changed"
log_test "block add - with a bad word (500 or 3000 addresses) or 3000 with a timeout: exit 2, nothing changed"

# 9: 'block del -': all or nothing in one request.
before=$(snapshot)
{ addrs 100.64 100 500; echo 100.99.0.1; } >"$SG_TMP/del-absent.txt"
out=$(sgctl "$NS" block del - feed bulk <"$SG_TMP/del-absent.txt" 2>&1)
rc=$?
expect_eq "exit status, a prefix that is not there" 3 "$rc"
[[ $out == "Error: "* ]] || sg_fail "the message: $out"
[[ $(snapshot) == "$before" ]] || sg_fail "the blocklist changed"
addrs 100.64 100 500 | sgctl "$NS" block del - feed bulk
check_err $? "block del - of 500 present addresses failed"
expect_eq "entries of feed bulk" $((N - 501)) "$(entries bulk)"
expect_eq "block test of a deleted one" 1 "$(blocked 100.64.0.100)"
out=$(addrs 100.64 1000 2000 | sgctl "$NS" block del - feed bulk 2>&1)
rc=$?
expect_eq "exit status, 2000 to delete" 2 "$rc"
expect_eq "entries of feed bulk after the refused 2000" $((N - 501)) "$(entries bulk)"
log_test "block del -: an absent prefix removes none (exit 3), 500 present go, more than 1024 refused"

# 10: -n and -j before -batch apply to every line; -batch - reads stdin.
out=$(printf 'block add 192.0.2.9 feed stdin\n\nblock test 192.0.2.9\nblock feeds\n' |
	smtpguardctl -n "$NS" -j -batch - 2>&1)
rc=$?
expect_eq "exit status of -n NS -j -batch -" 0 "$rc"
docs=$(jq -s 'length' <<<"$out" 2>/dev/null)
expect_eq "JSON documents printed" 3 "$docs"
jq -s -e '.[1].blocked == true and (.[2] | map(.feed) | index("stdin") != null)' <<<"$out" >/dev/null ||
	sg_fail "not the JSON of the lines: $out"
expect_eq "192.0.2.9 in the namespace" 0 "$(blocked 192.0.2.9)"
log_test "-n NS -j -batch -: every line in NS, each printing its JSON"

# 11: a line that reads stdin in -batch -, and a nested batch: refused.
out=$(printf 'block add 192.0.2.10 feed stdin\nblock add - feed stdin\n192.0.2.11\n' |
	smtpguardctl -n "$NS" -batch - 2>&1)
rc=$?
expect_eq "exit status, block add - in -batch -" 2 "$rc"
[[ $out == *"standard input holds the commands of -batch -"*"stdin:2: failed (exit 2)"* ]] ||
	sg_fail "the message: $out"
expect_eq "192.0.2.10 (line 1)" 0 "$(blocked 192.0.2.10)"
expect_eq "192.0.2.11 (never an address)" 1 "$(blocked 192.0.2.11)"
out=$(printf -- '-batch %s\n' "$SG_TMP/add.batch" | smtpguardctl -n "$NS" -batch - 2>&1)
rc=$?
expect_eq "exit status, a nested -batch" 2 "$rc"
[[ $out == *"batches do not nest"* ]] || sg_fail "the message: $out"
expect_eq "entries of feed single (the nested batch's)" 0 "$(entries single)"
log_test "-batch -: a line reading stdin or starting a batch is refused; the lines before it stay"

sg_check_kernel_clean
ksft_finish
