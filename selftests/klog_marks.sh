#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel log checks of every other script (lib.sh's sg_klog_mark,
# sg_klog_since_mark, sg_check_kernel_clean) against the real ring buffer:
# a line before the mark is not "since", a line after it is, and both still
# hold once the buffer is full and drops its oldest lines (a stress test
# fills it; a count of dmesg lines then stops growing and every later
# "was it logged?" check saw nothing).  No module, no namespaces.

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$(readlink -e "$0")")/lib.sh"

sg_require_cmd dmesg awk
[[ -w /dev/kmsg ]] || skip_all "/dev/kmsg is not writable: the marks cannot be logged"
sg_init
sg_plan 4

# klog LEVEL TEXT: one kernel log line (each open has its own ratelimit)
klog()
{
	echo "<$1>sg-selftest: $2" >/dev/kmsg
}

tag="$$-$RANDOM"

# 1: before and after a mark
klog 6 "klog_marks before $tag"
sg_klog_mark
klog 6 "klog_marks after $tag"
since=$(sg_klog_since_mark)
grep -qF "klog_marks after $tag" <<<"$since" || sg_fail "the line after the mark is missing: $(tail -n 3 <<<"$since")"
grep -qF "klog_marks before $tag" <<<"$since" && sg_fail "the line before the mark counts as since the mark"
log_test "a line logged after the mark is since the mark, one before it is not"

# 2: fill the ring buffer until the mark drops out
old_mark=$SG_KLOG_MARK
bufsize=$(/usr/bin/python3 -c 'import ctypes; print(ctypes.CDLL(None).klogctl(10, None, 0))' 2>/dev/null)
pad=$(printf '%0200d' 0)
# a record is its text and a few dozen bytes of header; twice that to spare
max_lines=$((2 * ${bufsize:-0} / ${#pad} + 1000))
why=
if ((${bufsize:-0} <= 0)); then
	why="cannot read the ring buffer's size (klogctl)"
elif ((bufsize > 4 * 1024 * 1024)); then
	why="the ring buffer holds $bufsize bytes (log_buf_len): too long to fill, and other checks read it whole"
fi
if [[ -n $why ]]; then
	log_skip "in a full ring buffer, the line after a new mark is since it, those before are not" "$why"
	log_skip "a dropped mark: every line left is since it, status 3" "$why"
	sg_check_kernel_clean
	ksft_finish
fi
n=0
while ((n < max_lines)); do
	for ((i = 0; i < 500; i++)); do
		klog 7 "klog_marks flood $n $pad"
		n=$((n + 1))
	done
	sg_klog_has "$old_mark" || break
done
sg_klog_has "$old_mark" && sg_fail "the $bufsize-byte ring buffer still holds the mark after $n lines of ${#pad} bytes"
sg_diag "the ring buffer dropped the mark after $n lines ($(dmesg | wc -l) lines in it now)"
sg_klog_mark
klog 6 "klog_marks wrapped $tag"
since=$(sg_klog_since_mark)
expect_eq "flood lines since the mark after it" 0 "$(grep -c "klog_marks flood" <<<"$since")"
grep -qF "klog_marks wrapped $tag" <<<"$since" || sg_fail "the line after the mark is missing: $since"
log_test "in a full ring buffer, the line after a new mark is since it, those before are not"

# 3: a mark that dropped out: everything left is newer, and it says so
since=$(sg_klog_after "$old_mark")
rc=$?
expect_eq "status of sg_klog_after for a dropped mark" 3 "$rc"
grep -qF "klog_marks wrapped $tag" <<<"$since" || sg_fail "the newest line is missing"
grep -qF "klog_marks before $tag" <<<"$since" && sg_fail "a line from before the mark is back"
log_test "a dropped mark: every line left is since it, status 3"

sg_check_kernel_clean
ksft_finish
