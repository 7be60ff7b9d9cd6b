#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# feeds update against a local HTTP server inside the guest (the hub's
# http.server on 127.0.0.1:8080 in the router namespace; no traffic leaves
# the guest): a good feed is loaded; a 404 and a malformed file keep the old
# entries, each with one line saying which feed and why, and the exit
# status says a feed failed; "every" is respected without --force (no
# download at all), a changed file is picked up when due or forced; a
# local file source; feeds status.  Politely: a conditional GET (an
# unchanged list is a 304, not a download), the size limit held by the
# tool when the server sends no length, curl as nobody without a
# capability and with retries, one update at a time.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_root
sg_require_cmd ip curl jq
sg_require_module_file
sg_init
sg_plan 16
sg_setup_topology || skip_all "cannot build the topology"
sg_load_module_or_die
sg_hub_ready >/dev/null 2>&1 || skip_all "no sg_hub.py for the HTTP server"

export SMTPGUARD_FEEDS_CONF=$SG_TMP/feeds.conf SMTPGUARD_STATE_DIR=$SG_TMP/state
ctl() { smtpguardctl -n "$NS_RTR" "$@"; }
www=$SG_TMP/feeds-www
mkdir -p "$www"
url=http://127.0.0.1:8080
if ! sg_hub listen http "$NS_RTR" 127.0.0.1 8080 "$www"; then
	skip_all "no HTTP server in $NS_RTR: $SG_HUB_REPLY"
fi
gets() { grep -c "GET /$1 " "$SG_HUB_DIR/hub.log"; }
entries() { ctl -j block feeds | jq -r --arg f "$1" '[.[] | select(.feed == $f) | .entries] | add // 0'; }

printf '# good\n203.0.113.1\n203.0.113.2\n198.51.100.64/26\n' >"$www/good.txt"
printf '203.0.113.9\nthis is not an address\n' >"$www/broken.txt"
printf '203.0.113.10\n' >"$www/fast.txt"
printf '192.0.2.200\n' >"$SG_TMP/local.txt"
cat >"$SMTPGUARD_FEEDS_CONF" <<EOF
# feeds of the test
feed good url $url/good.txt every 1h
feed missing url $url/missing.txt every 1h
feed broken url $url/broken.txt every 1h
feed fast url $url/fast.txt every 5s
feed local file $SG_TMP/local.txt
EOF
# What "missing" and "broken" had before: must stay.
printf '203.0.113.201\n' | ctl block load --replace --feed missing - >/dev/null &&
	printf '203.0.113.202\n203.0.113.203\n' | ctl block load --replace --feed broken - >/dev/null
check_err $? "cannot load the old entries"
log_test "setup: HTTP server on 127.0.0.1:8080 in the router, old entries for missing and broken"

# 1: the first update.
ctl feeds update >"$SG_TMP/out" 2>"$SG_TMP/err"
rc=$?
sg_diag "$(cat "$SG_TMP/out" "$SG_TMP/err")"
expect_eq "exit of feeds update with two failures" 3 "$rc"
expect_eq "entries of good" 3 "$(entries good)"
expect_eq "entries of fast" 1 "$(entries fast)"
expect_eq "entries of local" 1 "$(entries local)"
ctl block test 198.51.100.100 >/dev/null || sg_fail "198.51.100.100 (good) not blocked"
grep -q "^feed good: replaced with 3 entries from $url/good.txt$" "$SG_TMP/out" || sg_fail "no success line for good"
log_test "a good feed is downloaded and loaded; a file source is read"

expect_eq "entries of missing" 1 "$(entries missing)"
ctl block test 203.0.113.201 >/dev/null || sg_fail "the old entry of missing is gone"
grep -qx "smtpguardctl: feed missing: download of $url/missing.txt failed: curl: (22) The requested URL returned error: 404.*; keeping the 1 entry loaded" "$SG_TMP/err" ||
	sg_fail "no one-line reason for missing: $(grep missing "$SG_TMP/err")"
log_test "a 404 keeps the old entries: one line names the feed, the URL and curl's 404"

expect_eq "entries of broken" 2 "$(entries broken)"
ctl block test 203.0.113.203 >/dev/null || sg_fail "the old entries of broken are gone"
ctl block test 203.0.113.9 >/dev/null && sg_fail "a line of the malformed file was loaded"
grep -qx "smtpguardctl: feed broken: $url/broken.txt:2: .*; keeping the 2 entries loaded" "$SG_TMP/err" ||
	sg_fail "no one-line reason for broken: $(grep broken "$SG_TMP/err")"
expect_eq "lines on stderr (one per failed feed)" 2 "$(wc -l <"$SG_TMP/err")"
log_test "a malformed file keeps the old entries: one line with FILE:LINE: reason"

# 2: status.
out=$(ctl feeds status)
sg_diag "$out"
grep -q "^good  *1h  *20..-..-.. ..:..:..  *[0-9hms]*  *3  $url/good.txt$" <<<"$out" || sg_fail "status line of good: $out"
grep -q "^missing  *1h  *never  *due  *1  $url/missing.txt$" <<<"$out" || sg_fail "status line of missing"
grep -q "^  last attempt .* failed: download of $url/missing.txt failed: curl: (22)" <<<"$out" || sg_fail "status shows no error of missing"
js=$(ctl -j feeds status)
jq -e '.[] | select(.feed == "good") | .due == false and .entries == 3 and (.last_success | test("^20"))' <<<"$js" >/dev/null ||
	sg_fail "JSON status of good: $js"
log_test "feeds status: interval, last success, next, entries, source, last error"

# 3: every is respected without --force; a changed file is picked up when forced.
printf '203.0.113.1\n203.0.113.4\n' >"$www/good.txt"
n=$(gets good.txt)
out=$(ctl feeds update good 2>&1)
check_err $? "update of a feed not due failed: $out"
grep -q "^feed good: 3 entries, not due (next update in " <<<"$out" || sg_fail "not-due line: $out"
expect_eq "downloads of good.txt when not due" "$n" "$(gets good.txt)"
expect_eq "entries of good (not due)" 3 "$(entries good)"
out=$(ctl feeds update --force good 2>&1)
check_err $? "forced update failed: $out"
expect_eq "entries of good after --force" 2 "$(entries good)"
ctl block test 203.0.113.4 >/dev/null || sg_fail "the changed file's new entry is not blocked"
ctl block test 198.51.100.100 >/dev/null && sg_fail "the entry the changed file dropped is still blocked"
log_test "every is respected without --force (no download); --force picks up the changed file"

# 4: a feed whose interval has passed is fetched without --force.
ctl feeds update --force fast >/dev/null
printf '203.0.113.10\n203.0.113.11\n' >"$www/fast.txt"
out=$(ctl feeds update fast 2>&1)
grep -q "not due" <<<"$out" || sg_fail "fast was due at once: $out"
expect_eq "entries of fast before its interval passed" 1 "$(entries fast)"
# until feeds status says it is due (its 5 s have passed)
due() { [[ $(ctl -j feeds status | jq -r '.[] | select(.feed == "fast") | .next') == 0 ]]; }
busywait "$(sg_bound 15000)" due || sg_fail "fast is not due 15 s after its update: $(ctl feeds status)"
out=$(ctl feeds update fast 2>&1)
check_err $? "update of fast: $out"
expect_eq "entries of fast after its interval" 2 "$(entries fast)"
log_test "after 'every 5s' the changed file is picked up without --force"

# 5: once the file is fixed, the broken feed loads.
printf '203.0.113.9\n' >"$www/broken.txt"
out=$(ctl feeds update broken 2>&1)
check_err $? "update of the fixed feed: $out"
expect_eq "entries of broken once fixed" 1 "$(entries broken)"
[[ -s $SMTPGUARD_STATE_DIR/netns/$NS_RTR/feeds/broken.txt ]] || sg_fail "no copy of the last good file in the state directory"
log_test "a fixed file is loaded; the last good file is kept in the state directory"

# 7: due without --force when its source changed, or when it is not in the
# kernel (flushed, or the module was reloaded).
printf '203.0.113.1\n203.0.113.5\n203.0.113.6\n' >"$www/good2.txt"
sed -i "s|^feed good url $url/good.txt |feed good url $url/good2.txt |" "$SMTPGUARD_FEEDS_CONF"
n=$(gets good2.txt)
out=$(ctl feeds update good 2>&1)
check_err $? "update of good after its URL changed: $out"
expect_eq "downloads of good2.txt" $((n + 1)) "$(gets good2.txt)"
expect_eq "entries of good from its new source" 3 "$(entries good)"
sg_ctl_ok "$NS_RTR" block flush feed good
n=$(gets good2.txt)
out=$(ctl feeds update good 2>&1)
check_err $? "update of good after a flush: $out"
expect_eq "downloads of good2.txt once good was flushed" $((n + 1)) "$(gets good2.txt)"
expect_eq "entries of good after the flush and update" 3 "$(entries good)"
out=$(ctl feeds update good 2>&1)
grep -q "not due" <<<"$out" || sg_fail "good was due once more: $out"
log_test "due without --force: a changed source, a feed not in the kernel; then not again"

# 8: a redirect is followed (http only); a download past the size limit
# fails and keeps the old entries.
printf '%s/good.txt\n' "$url" >"$www/moved.txt.redirect"
printf 'feed moved url %s/moved.txt every 1h\n' "$url" >>"$SMTPGUARD_FEEDS_CONF"
out=$(ctl feeds update moved 2>&1)
check_err $? "update of a redirected feed: $out"
expect_eq "entries of moved (the file it redirects to)" 2 "$(entries moved)"
python3 -c 'for i in range(200): print(f"100.{i // 100}.{i % 100}.1")' >"$www/good2.txt"
out=$(SMTPGUARD_FEED_MAX_BYTES=1000 ctl feeds update --force good 2>&1)
expect_eq "exit of an update past SMTPGUARD_FEED_MAX_BYTES" 3 "$?"
grep -qi "feed good: update failed, old entries kept" <<<"$out" || sg_fail "no failure line: $out"
grep -qi "maximum file size\|exceeded\|larger than" <<<"$out" || sg_fail "the size is not named: $out"
expect_eq "entries of good after a too large download" 3 "$(entries good)"
log_test "a redirect is followed; a download larger than the limit fails, the old entries stay"

# 9: a conditional GET: an unchanged list is answered 304 and not loaded
# again; "not modified" in the output and in feeds status.
printf '203.0.113.1\n203.0.113.4\n' >"$www/polite.txt"
touch -d '-1 hour' "$www/polite.txt"
printf 'feed polite url %s/polite.txt every 1h\n' "$url" >>"$SMTPGUARD_FEEDS_CONF"
out=$(ctl feeds update polite 2>&1)
check_err $? "first update of polite: $out"
out=$(ctl feeds update --force polite 2>&1)
check_err $? "second update of polite: $out"
grep -qx "feed polite: not modified since the last download (HTTP 304), 2 entries kept" <<<"$out" ||
	sg_fail "no 'not modified' line: $out"
grep -q '"GET /polite.txt HTTP/1.1" 304' "$SG_HUB_DIR/hub.log" ||
	sg_fail "the server answered no 304: $(grep polite "$SG_HUB_DIR/hub.log")"
grep -A1 '^polite ' <<<"$(ctl feeds status)" | grep -q '^  last download .*: not modified (HTTP 304)$' ||
	sg_fail "feeds status does not say not modified: $(ctl feeds status)"
expect_eq "JSON status of polite" "304 true" \
	"$(ctl -j feeds status | jq -r '.[] | select(.feed == "polite") | "\(.http_status) \(.not_modified)"')"
printf '203.0.113.1\n' >"$www/polite.txt"
out=$(ctl feeds update --force polite 2>&1)
check_err $? "update of the changed polite: $out"
expect_eq "entries of polite once changed" 1 "$(entries polite)"
log_test "conditional GET: an unchanged list is a 304 (not modified, entries kept), a changed one is loaded"

# 10: no Content-Length (a chunked reply has none either): curl's
# --max-filesize cannot act, the tool's own count stops the download.
python3 -c 'for i in range(200): print(f"100.{i // 100}.{i % 100}.2")' >"$www/nolen.txt"
touch "$www/nolen.txt.nolength"
printf 'feed nolen url %s/nolen.txt every 1h\n' "$url" >>"$SMTPGUARD_FEEDS_CONF"
printf '203.0.113.77\n' | ctl block load --replace --feed nolen - >/dev/null
out=$(SMTPGUARD_FEED_MAX_BYTES=1000 ctl feeds update nolen 2>&1)
expect_eq "exit of an update past the limit without a length" 3 "$?"
grep -q "feed nolen: download of $url/nolen.txt failed: larger than 1000 bytes" <<<"$out" ||
	sg_fail "the limit is not named: $out"
expect_eq "entries of nolen after the refused download" 1 "$(entries nolen)"
out=$(ctl feeds update --force nolen 2>&1)
check_err $? "update of nolen without a limit: $out"
expect_eq "entries of nolen, within the default limit" 200 "$(entries nolen)"
log_test "a reply without a length is held to the limit by the tool itself; the old entries stay"

# 11: curl as nobody, without a capability, no_new_privs, with retries: a
# curl on PATH ahead of the real one notes who it runs as.
real_curl=$(command -v curl)
wd=$(mktemp -d /tmp/sg-curl.XXXXXX)
chmod 0755 "$wd"
: >"$wd/seen"
chmod 0666 "$wd/seen"
cat >"$wd/curl" <<EOF
#!/bin/sh
{ echo "uid \$(id -u) gid \$(id -g) groups \$(id -G)"; grep -E '^(CapEff|CapPrm|NoNewPrivs):' /proc/self/status; echo "args \$*"; } >>$wd/seen
exec $real_curl "\$@"
EOF
chmod 0755 "$wd/curl"
out=$(PATH="$wd:$PATH" ctl feeds update --force polite 2>&1)
check_err $? "update through the noting curl: $out"
sg_diag "curl ran as: $(head -n 4 "$wd/seen")"
grep -qx 'uid 65534 gid 65534 groups 65534' "$wd/seen" || sg_fail "curl's ids: $(cat "$wd/seen")"
if ! grep -qE '^CapEff:\s+0+$' "$wd/seen" || ! grep -qE '^CapPrm:\s+0+$' "$wd/seen"; then
	sg_fail "curl has capabilities: $(cat "$wd/seen")"
fi
grep -qE '^NoNewPrivs:\s+1$' "$wd/seen" || sg_fail "curl may gain privileges: $(cat "$wd/seen")"
grep -q '^args .* --retry 3 --retry-max-time 120 ' "$wd/seen" || sg_fail "no retries: $(grep args "$wd/seen")"
rm -rf "$wd"
log_test "curl runs as nobody, no capability, no_new_privs, with --retry 3 (at most 120 s)"

# 12: one update at a time: a second one waits for the first, and says so.
lock=$SMTPGUARD_STATE_DIR/netns/$NS_RTR/feeds/.update.lock
[[ -e $lock ]] || sg_fail "no lock file $lock"
flock "$lock" sleep 4 &
holder=$!
SG_PIDS+=("$holder")
busywait "$(sg_bound 5000)" bash -c "! flock -n '$lock' true" || sg_fail "the holder did not take the lock"
t0=$(timestamp_ms)
out=$(ctl feeds update --force local 2>&1)
rc=$?
waited=$(($(timestamp_ms) - t0))
wait "$holder"
check_err $rc "the waiting update: $out"
grep -qF "another 'feeds update' is running ($lock); waiting for it" <<<"$out" || sg_fail "no word of the wait: $out"
((waited >= 1000)) || sg_fail "the second update did not wait ($waited ms)"
log_test "a second feeds update waits for the running one and says so (${waited} ms)"

# 6: a name not in feeds.conf is a usage error.
out=$(ctl feeds update nosuch 2>&1)
expect_eq "exit of feeds update nosuch" 2 "$?"
grep -q "no feed 'nosuch' in $SMTPGUARD_FEEDS_CONF" <<<"$out" || sg_fail "message: $out"
log_test "feeds update of an unknown feed: exit 2"

sg_check_kernel_clean
ksft_finish
