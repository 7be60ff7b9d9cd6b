#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The blocklist's update cost and memory against ipset and nftables, host
# side (`make bench-updates`).  Makes the lists, boots one VM per kernel
# with instruction counting and one vCPU, runs bench/updates.sh in it and
# writes bench/results/latest-updates-<kver>.txt (medians; method in
# bench/README.md, "Updates and memory").
#
#   bench/run-updates.sh [--kernel KVER | --both] [--quick]
#   bench/run-updates.sh --summary RAWFILE
#
# --quick: 20,000 entries, 2 rounds, 1,000 changes, a sample of 5, 20,000
# IPv6 entries (a smoke run; for figures use the defaults: 200,000 and
# 1,000,000 entries, 5 rounds, 10,000 changes, a sample of 20, 1,000,000
# IPv6 entries).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
proj=$(cd "$here/.." && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
sizes="200000 1000000" rounds=5 changes=10000 sample=20 size6=1000000
kver=${KVER:-} both='' summary=''

usage() {
	sed -n 's/^#   \{0,1\}//p' "${BASH_SOURCE[0]}" | sed -n '/^bench\/run-updates.sh/,/^$/p' >&2
	exit 2
}
while (($#)); do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--both) both=1; shift ;;
	--quick) sizes=20000 rounds=2 changes=1000 sample=5 size6=20000; shift ;;
	--summary) summary=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "bench/run-updates.sh: unknown option $1" >&2; usage ;;
	esac
done

# summarise RAWFILE: per list size, each tool's median per operation and
# smtpguard's ratio to ipset; bytes per entry.
summarise() {
	/usr/bin/python3 - "$1" <<'PYEND'
import statistics, sys
rows, head = [], {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("UPD "):
        line = line[4:]
    kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
    if "srcversion" in kv:
        head = kv
    elif "op" in kv:
        rows.append(kv)
if not rows:
    sys.exit("no measurements in " + sys.argv[1])


def med(size, tool, op, family="4"):
    v = [int(r["ns"]) for r in rows
         if r["size"] == size and r["tool"] == tool and r["op"] == op
         and r.get("family", "4") == family]
    return statistics.median(v) if v else None


def ms(ns):
    return "n/a" if ns is None else "%.1f" % (ns / 1e6)


def ratio(a, b):
    return "n/a" if a is None or b is None else "%.2f" % (a / b)


print("smtpguard blocklist updates and memory, kernel %s, smtpguard.ko "
      "srcversion %s" % (head.get("kver", "?"), head.get("srcversion", "?")))
print("QEMU TCG, -icount shift=0, 1 vCPU: CPU time of the command (user + "
      "system, its requests' kernel work included), 1 ms = 1M instructions;")
print("medians of %d rounds; one process per change, its start included"
      % max(int(r.get("round", 0)) + 1 for r in rows))
print()
sizes = sorted({r["size"] for r in rows if r.get("family", "4") == "4"},
               key=int)
print("| entries | operation | smtpguard ms | ipset ms | nft ms "
      "| smtpguard / ipset |")
print("|---|---|---|---|---|---|")
for s in sizes:
    for op, name in (("start", "read-only process (test)"),
                     ("add", "add one"), ("del", "delete one"),
                     ("retime", "re-time one (smtpguard)"),
                     ("load", "load the list")):
        a, b, c = med(s, "smtpguard", op), med(s, "ipset", op), \
            med(s, "nft", op)
        print("| %s | %s | %s | %s | %s | %s |" % (
            s, name, ms(a), ms(b), ms(c),
            ratio(a, b) if op not in ("retime",) else ratio(a, med(s, "ipset", "add"))))
print()
count = next((r["count"] for r in rows if "count" in r), "?")
print("| entries | %s-change run | smtpguard s | ipset restore s "
      "| smtpguard / ipset |" % count)
print("|---|---|---|---|---|")
for s in sizes:
    for op, base, name in (
            ("changes_add_processes", "changes_add", "add: one process per change (scaled from a sample)"),
            ("changes_add_batch", "changes_add", "add: -batch, one request per line"),
            ("changes_del_batch", "changes_del", "delete: -batch, one request per line"),
            ("changes_add_stdin", "changes_add", "add: block add - (all in one request set)")):
        v, ips = med(s, "smtpguard", op), med(s, "ipset", base)
        if v is None or ips is None:
            continue
        rb = [x.get("rebuilds") for x in rows if x["size"] == s
              and x["op"] == op and x.get("rebuilds") is not None]
        print("| %s | %s%s | %.2f | %.2f | %s |" % (
            s, name, " (%s rebuilds)" % rb[0] if rb else "", v / 1e9,
            ips / 1e9, ratio(v, ips)))
print()
print("| family | entries | smtpguard bytes/entry | ipset bytes/entry |")
print("|---|---|---|---|")
for r in rows:
    if r["op"] == "load" and r["tool"] == "smtpguard":
        fam = r.get("family", "4")
        ips = [x for x in rows if x["op"] == "load" and x["tool"] == "ipset"
               and x["size"] == r["size"] and x.get("family", "4") == fam]
        ib = "%.1f" % (int(ips[0]["bytes"]) / int(ips[0]["entries"])) if ips else "n/a"
        print("| IPv%s | %s | %.1f | %s |" % (
            fam, r["entries"], int(r["bytes"]) / int(r["entries"]), ib))
PYEND
}

if [[ -n $summary ]]; then
	summarise "$summary"
	exit
fi

mapfile -t kvers < <(bench_kernels "$both" "$kver")
[[ -n ${kvers[0]:-} ]] || { echo "bench: no test kernel (selftests/vm/kernels.sh)" >&2; exit 2; }

# The lists, made here: Python under TCG takes minutes for 1M lines.
data=$proj/build/bench-updates
mkdir -p "$data"
gen() { # name blockgen-args...
	[[ -s $data/$1 ]] && return 0
	"$here/blockgen.py" "${@:2}" >"$data/$1.tmp" && mv "$data/$1.tmp" "$data/$1"
}
for n in $sizes; do
	gen "list-$n.txt" exact "$n"
	gen "new-$n-$((rounds + changes)).txt" exact $((rounds + changes)) "$n"
done
gen "list6-$size6.txt" exact6 "$size6"

for k in "${kvers[@]}"; do
	snap=$proj/build/bench-updates-$k
	bench_snapshot "$k" "$snap" || exit 2
	raw=$here/results/raw-updates-$k.txt
	log=$proj/build/bench-updates-$k.log
	echo "bench: kernel $k: booting the VM (icount, 1 vCPU), log $log" >&2
	start=$SECONDS
	set +e
	"$proj/selftests/vm/run.sh" --kernel "$k" --icount --smp 1 --mem 3072 \
		--timeout 7200 -- env SMTPGUARD_KO="$snap/smtpguard.ko" SMTPGUARD_TOOLS="$snap" \
		BENCH_UPD_SIZES="$sizes" BENCH_UPD_ROUNDS="$rounds" BENCH_UPD_CHANGES="$changes" \
		BENCH_UPD_SAMPLE="$sample" BENCH_UPD_SIZE6="$size6" BENCH_UPD_DATA="$data" \
		BENCH_OUT="bench/results/raw-updates-$k.txt" bench/updates.sh 2>&1 |
		tee "$log" | grep --line-buffered -E '^(UPD|bench:)' >&2
	rc=${PIPESTATUS[0]}
	set -e
	if ((rc != 0)) || ! grep -q '^UPD done' "$log"; then
		echo "bench/run-updates.sh: the guest bench failed on $k (exit $rc); see $log" >&2
		exit 1
	fi
	res=$here/results/latest-updates-$k.txt
	{
		summarise "$raw"
		echo
		echo "Source: $BENCH_REV, smtpguard.ko srcversion $BENCH_SRCVER, $(date -u +%Y-%m-%dT%H:%MZ); wall time $((SECONDS - start)) s (boot included)."
		echo "Raw measurements:"
		cat "$raw"
	} >"$res"
	summarise "$raw"
	echo "bench: wrote ${res#"$proj"/}" >&2
done
