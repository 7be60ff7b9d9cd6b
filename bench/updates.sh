#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The blocklist's update cost and memory, guest side (bench/run.sh
# --updates boots the VM and runs this; never on a host).  smtpguard's
# blocklist against ipset (hash:ip) and nftables (a plain ipv4_addr set),
# in the guest's own namespace, no traffic.  Method and figures:
# bench/README.md, "Updates and memory".
#
# Per list size N (BENCH_UPD_SIZES, default "200000 1000000" random /32s
# from blockgen.py exact):
#   load      the whole list: smtpguardctl block load, ipset restore, nft -f
#   memory    block_bytes / entries and ipset's "Size in memory" / entries
#   single    BENCH_UPD_ROUNDS (5) rounds, the tools interleaved, each a new
#             address: one process per change, as a script or fail2ban
#             runs it (smtpguardctl block add / block del / block add with
#             a timeout on a listed address, i.e. a re-time; ipset add /
#             del; nft add / delete element), and each tool's read-only
#             process (smtpguardctl block test, ipset test) for the cost
#             of starting one
#   changes   the 10,000-change run (BENCH_UPD_CHANGES): ipset restore of
#             that many "add" lines, then of as many "del" lines, timed
#             whole; smtpguard's single-change processes timed on a
#             sample of BENCH_UPD_SAMPLE (20) and scaled, and, when the
#             tool has -batch, all the changes as one -batch of "block
#             add" lines, then of "block del" lines (each line one netlink
#             request), with the rebuilds they caused; `block add -` of
#             all the changes (one request set, not single changes)
# BENCH_UPD_DATA: a directory with the lists bench/run-updates.sh made.
# Then IPv6: 1M /128s (BENCH_UPD_SIZE6) loaded into both, bytes per entry.
#
# Times: the CPU time each command used, its kernel work included
# (bench/cputime.py; with QEMU's instruction counting 1 ns = 1
# instruction), and beside it the guest time that passed (wall_ns).
# Output: "UPD key=value ..." lines on stdout and in $BENCH_OUT.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
SIZES=${BENCH_UPD_SIZES:-"200000 1000000"}
ROUNDS=${BENCH_UPD_ROUNDS:-5}
CHANGES=${BENCH_UPD_CHANGES:-10000}
SAMPLE=${BENCH_UPD_SAMPLE:-20}
SIZE6=${BENCH_UPD_SIZE6:-1000000}
KVER=$(uname -r)
OUT=${BENCH_OUT:-bench/results/raw-updates-$KVER.txt}
HERE=$(cd "$(dirname "$0")" && pwd)
TOOLS=${SMTPGUARD_TOOLS:-$PWD/tools}
CTL=$TOOLS/smtpguardctl
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/bench-upd.XXXXXX)

die() { echo "bench: FATAL: $*" >&2; echo "BENCH_FATAL $*"; exit 1; }
log() { echo "bench: $*" >&2; }
emit() { echo "UPD $*"; echo "UPD $*" >>"$OUT"; }
# timed NAME RC CMD...: run CMD, which must exit RC (else the measurement
# is broken, not a result); print "ns=CPU wall_ns=ELAPSED": the CPU time
# it used, its netlink requests' kernel work included (bench/cputime.py;
# under instruction counting: the instructions it executed), and the
# guest time that passed, which also jumps over each wait for the 9p file
# server the binaries and libraries come from.
timed()
{
	local out cpu wall rc

	out=$($PY "$HERE/cputime.py" "${@:3}") || die "$1: cputime.py ${*:3}"
	read -r cpu wall rc <<<"$out"
	[ "${rc#rc=}" = "$2" ] || die "$1: ${*:3}: exit ${rc#rc=}, expected $2"
	echo "ns=${cpu#cpu_ns=} wall_ns=${wall#wall_ns=}"
}

# scaled "ns=A wall_ns=B": both times scaled from the sample to CHANGES
scaled()
{
	local cpu wall

	read -r cpu wall <<<"$1"
	cpu=${cpu#ns=} wall=${wall#wall_ns=}
	echo "ns=$((cpu * CHANGES / SAMPLE)) wall_ns=$((wall * CHANGES / SAMPLE))"
}

# data FILE ARGS...: blockgen.py's list, from $BENCH_UPD_DATA when the host
# made it there (Python under TCG takes minutes for 1M lines)
data()
{
	local f=$1

	shift
	if [ -n "${BENCH_UPD_DATA:-}" ] && [ -s "$BENCH_UPD_DATA/$f" ]; then
		cp "$BENCH_UPD_DATA/$f" "$WORK/$f" || die "cp $f"
	else
		$PY "$HERE/blockgen.py" "$@" >"$WORK/$f" || die "blockgen $*"
	fi
	echo "$WORK/$f"
}
sg_stat() { sed -n "s/^$1 //p" /proc/net/smtpguard; }

[ -x "$CTL" ] || die "no $CTL"
[ -n "${SMTPGUARD_KO:-}" ] || die "SMTPGUARD_KO is not set"
insmod "$SMTPGUARD_KO" || die "insmod $SMTPGUARD_KO"
mkdir -p "$(dirname "$OUT")"
: >"$OUT"
modprobe ip_set_hash_ip 2>/dev/null
modprobe nf_tables 2>/dev/null
has_batch=0
"$CTL" -batch /dev/null >/dev/null 2>&1 && has_batch=1
emit "kver=$KVER srcversion=$(cat /sys/module/smtpguard/srcversion) batch=$has_batch"

reset()
{
	"$CTL" block flush >/dev/null 2>&1
	ipset destroy bl 2>/dev/null
	nft delete table ip bl 2>/dev/null
	return 0
}

# load_sg LIST N LABEL: block load LIST (N entries); emit its cost and size
load_sg()
{
	local t entries bytes

	t=$(timed sg-load 0 "$CTL" block load --feed bench "$1") || exit 1
	entries=$(sg_stat block_entries) bytes=$(sg_stat block_bytes)
	((entries == $2)) || die "smtpguard holds $entries entries, not $2"
	emit "$3 tool=smtpguard op=load $t entries=$entries bytes=$bytes"
}

# load_ipset LIST N FAMILY MAXELEM LABEL: a hash:ip set "bl" sized for N
# (about one entry per bucket), restored from LIST
load_ipset()
{
	local t entries bytes hs=1024

	while ((hs < $2)); do hs=$((hs * 2)); done
	{
		echo "create bl hash:ip family $3 hashsize $hs maxelem $4"
		sed 's/^/add bl /' "$1"
	} >"$WORK/ipset.txt"
	t=$(timed ips-load 0 ipset restore -f "$WORK/ipset.txt") || exit 1
	entries=$(ipset list -t bl | sed -n 's/^Number of entries: //p')
	bytes=$(ipset list -t bl | sed -n 's/^Size in memory: //p')
	((entries == $2)) || die "ipset holds $entries entries, not $2"
	emit "$5 tool=ipset op=load $t entries=$entries bytes=$bytes"
}

for n in $SIZES; do
	log "size $n: lists"
	list=$(data "list-$n.txt" exact "$n")
	# addresses listed nowhere yet: one per round, then the changes
	mapfile -t fresh <"$(data "new-$n-$((ROUNDS + CHANGES)).txt" exact $((ROUNDS + CHANGES)) "$n")"
	changes=("${fresh[@]:ROUNDS}")

	reset
	log "size $n: loads"
	load_sg "$list" "$n" "size=$n"
	load_ipset "$list" "$n" inet $((2 * n + 2 * CHANGES)) "size=$n"
	{
		echo "table ip bl {"
		echo "  set x { type ipv4_addr; size $((2 * n + 2 * CHANGES));"
		echo "    elements = {"
		sed 's/$/,/' "$list"
		echo "    }"
		echo "  }"
		echo "}"
	} >"$WORK/nft.conf"
	t=$(timed nft-load 0 nft -f "$WORK/nft.conf") || exit 1
	emit "size=$n tool=nft op=load $t entries=$n bytes=NA"

	log "size $n: single changes, $ROUNDS rounds"
	for ((r = 0; r < ROUNDS; r++)); do
		a=${fresh[r]}
		t=$(timed sg-test 1 "$CTL" block test "$a") || exit 1
		emit "size=$n tool=smtpguard op=start round=$r $t"
		t=$(timed sg-add 0 "$CTL" block add "$a") || exit 1
		emit "size=$n tool=smtpguard op=add round=$r $t"
		t=$(timed sg-retime 0 "$CTL" block add "$a" timeout 1h) || exit 1
		emit "size=$n tool=smtpguard op=retime round=$r $t"
		t=$(timed sg-del 0 "$CTL" block del "$a") || exit 1
		emit "size=$n tool=smtpguard op=del round=$r $t"
		t=$(timed ips-test 1 ipset test bl "$a") || exit 1
		emit "size=$n tool=ipset op=start round=$r $t"
		t=$(timed ips-add 0 ipset add bl "$a") || exit 1
		emit "size=$n tool=ipset op=add round=$r $t"
		t=$(timed ips-del 0 ipset del bl "$a") || exit 1
		emit "size=$n tool=ipset op=del round=$r $t"
		t=$(timed nft-add 0 nft add element ip bl x "{ $a }") || exit 1
		emit "size=$n tool=nft op=add round=$r $t"
		t=$(timed nft-del 0 nft delete element ip bl x "{ $a }") || exit 1
		emit "size=$n tool=nft op=del round=$r $t"
	done
	[ "$(sg_stat block_entries)" = "$n" ] || die "smtpguard: the single changes did not undo themselves"

	log "size $n: $CHANGES changes"
	sed 's/^/add bl /' <(printf '%s\n' "${changes[@]}") >"$WORK/add.txt"
	sed 's/^/del bl /' <(printf '%s\n' "${changes[@]}") >"$WORK/del.txt"
	t=$(timed ips-restore-add 0 ipset restore -f "$WORK/add.txt") || exit 1
	emit "size=$n tool=ipset op=changes_add count=$CHANGES $t"
	t=$(timed ips-restore-del 0 ipset restore -f "$WORK/del.txt") || exit 1
	emit "size=$n tool=ipset op=changes_del count=$CHANGES $t"
	for a in "${changes[@]:0:SAMPLE}"; do
		echo "'$CTL' block add $a"
	done >"$WORK/processes.sh"
	t=$(timed sg-processes 0 sh -e "$WORK/processes.sh") || exit 1
	emit "size=$n tool=smtpguard op=changes_add_processes count=$CHANGES sample=$SAMPLE $(scaled "$t")"
	"$CTL" block del "${changes[@]:0:SAMPLE}" >/dev/null || die "smtpguardctl block del (sample)"
	if ((has_batch)); then
		# All of them: the budget of in-place changes and the rebuild
		# that follows it are part of the cost.
		r0=$(sg_stat block_rebuilds)
		printf 'block add %s\n' "${changes[@]}" >"$WORK/batch.txt"
		t=$(timed sg-batch 0 "$CTL" -batch "$WORK/batch.txt") || exit 1
		emit "size=$n tool=smtpguard op=changes_add_batch count=$CHANGES $t rebuilds=$(($(sg_stat block_rebuilds) - ${r0:-0}))"
		r0=$(sg_stat block_rebuilds)
		printf 'block del %s\n' "${changes[@]}" >"$WORK/batch-del.txt"
		t=$(timed sg-batch-del 0 "$CTL" -batch "$WORK/batch-del.txt") || exit 1
		emit "size=$n tool=smtpguard op=changes_del_batch count=$CHANGES $t rebuilds=$(($(sg_stat block_rebuilds) - ${r0:-0}))"
		[ "$(sg_stat block_entries)" = "$n" ] || die "smtpguard: the batches did not undo themselves"
		printf '%s\n' "${changes[@]}" >"$WORK/words.txt"
		t=$(timed sg-stdin 0 "$CTL" block add - <"$WORK/words.txt") || exit 1
		emit "size=$n tool=smtpguard op=changes_add_stdin count=$CHANGES $t"
	fi
	reset
done

log "IPv6: $SIZE6 /128s"
list6=$(data "list6-$SIZE6.txt" exact6 "$SIZE6")
load_sg "$list6" "$SIZE6" "size=$SIZE6 family=6"
load_ipset "$list6" "$SIZE6" inet6 $((2 * SIZE6)) "size=$SIZE6 family=6"
reset
rm -rf "$WORK"
rmmod smtpguard || die "rmmod smtpguard"
echo "UPD done"
