#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# smtpguard forwarding benchmark, host side (`make bench` builds, then runs
# this).  Boots one VM per kernel with instruction counting and one vCPU,
# runs bench/guest.sh in it, prints the table and writes
# bench/results/latest-<kver>.txt.  Method: bench/README.md.
#
#   bench/run.sh [--kernel KVER | --both] [--runs N] [--count N]
#                [--tcp-count N] [--no-tcp] [--configs "c1 c2 ..."]
#
# Default kernel: $KVER if set, else the 6.12 one selftests/vm/kernels.sh
# lists.  --both: every kernel it lists (6.1 and 6.12).
# Summarise an existing raw file only: bench/run.sh --summary RAWFILE
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
proj=$(cd "$here/.." && pwd -P)
runs=5 count=200000 tcp_count=20000 tcp=1 configs='' both='' summary=''
kver=${KVER:-}

usage() {
	sed -n 's/^#   \{0,1\}//p' "${BASH_SOURCE[0]}" | sed -n '/^bench\/run.sh/,/^$/p' >&2
	exit 2
}
while (($#)); do
	case $1 in
	--kernel) kver=$2; shift 2 ;;
	--both) both=1; shift ;;
	--runs) runs=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--tcp-count) tcp_count=$2; shift 2 ;;
	--no-tcp) tcp=0; shift ;;
	--configs) configs=$2; shift 2 ;;
	--summary) summary=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "bench/run.sh: unknown option $1" >&2; usage ;;
	esac
done

# summarise RAWFILE: medians per (traffic, config), added cost vs base,
# ratios.  With icount (shift=0) 1 ns of guest time = 1 guest instruction.
summarise() {
	/usr/bin/python3 - "$1" <<'EOF'
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("BENCH "):
        line = line[6:]
    if "elapsed_ns=" not in line:
        continue
    rows.append(dict(kv.split("=", 1) for kv in line.split()))
if not rows:
    sys.exit("no measurements in " + sys.argv[1])
kver = rows[0]["kver"]
order = ["base", "sg_unconf", "sg_allow10", "ipt_legacy", "ipt_nft"]
names = {
    "base": "no module",
    "sg_unconf": "smtpguard loaded, netns unconfigured",
    "sg_allow10": "smtpguard, 10-entry allow-list (enforce)",
    "ipt_legacy": "seed iptables chain (iptables-legacy)",
    "ipt_nft": "seed iptables chain (iptables-nft)",
}
traffics = {
    "udp": "UDP 64-byte frames, pktgen (non-SMTP, the headline)",
    "tcp443": "TCP SYN dport 443, AF_PACKET ring (non-SMTP TCP)",
    "smtp_ok": "TCP SYN dport 25 from allowed 10.10.10.10 (forwarded)",
    "smtp_drop": "TCP SYN dport 25 from 192.0.2.1, not allowed "
                 "(dropped by sg_allow10/ipt_*, logged)",
}
cfgs = [c for c in order if any(r["config"] == c for r in rows)]
cfgs += sorted({r["config"] for r in rows} - set(cfgs))
out = []
p = out.append
p("smtpguard forwarding benchmark, kernel %s" % kver)
p("QEMU TCG, -icount shift=0,align=off,sleep=off, 1 vCPU: "
  "1 ns guest time = 1 instruction")
p("")
med = {}
for t in [t for t in traffics if any(r["traffic"] == t for r in rows)]:
    p("== %s" % traffics[t])
    p("%-42s %4s %9s %11s %11s %9s %8s" % ("config", "runs", "sent",
      "fwd pps", "ns=ins/pkt", "added", "spread"))
    for c in cfgs:
        rs = [r for r in rows if r["traffic"] == t and r["config"] == c]
        if not rs:
            continue
        per = [int(r["elapsed_ns"]) / int(r["sent"]) for r in rs]
        pps = [int(r["fwd"]) * 1e9 / int(r["elapsed_ns"]) for r in rs]
        m = statistics.median(per)
        med[t, c] = m
        spread = (max(per) - min(per)) / m * 100
        base = med.get((t, "base"))
        added = "%+9.0f" % (m - base) if base is not None else "%9s" % "-"
        p("%-42s %4d %9s %11.0f %11.1f %s %7.3f%%" % (
          names.get(c, c), len(rs), rs[0]["sent"], statistics.median(pps),
          m, added, spread))
    p("")

def added(t, c):
    if (t, c) in med and (t, "base") in med:
        return med[t, c] - med[t, "base"]
    return None

p("== Ratios: smtpguard's added instructions per packet / the seed chain's")
for t in ("udp", "tcp443", "smtp_ok"):
    sg = added(t, "sg_allow10")
    for ipt in ("ipt_legacy", "ipt_nft"):
        ia = added(t, ipt)
        if sg is None or ia is None:
            continue
        ratio = "%.3f" % (sg / ia) if ia > 0 else "n/a"
        p("%-10s sg_allow10 %+8.0f / %-10s %+8.0f = %s" % (
          t, sg, ipt, ia, ratio))
for ipt in ("ipt_legacy", "ipt_nft"):
    if ("smtp_drop", "sg_allow10") in med and ("smtp_drop", ipt) in med:
        a, b = med["smtp_drop", "sg_allow10"], med["smtp_drop", ipt]
        p("%-10s sg_allow10 %8.0f / %-10s %8.0f = %.3f (whole per-packet "
          "cost up to the drop)" % ("smtp_drop", a, ipt, b, a / b))
un = added("udp", "sg_unconf")
if un is not None:
    p("%-10s sg_unconf added %+.0f instructions per packet "
      "(expected ~0: no hooks)" % ("udp", un))
p("")
p("added = median ns (= instructions) per packet minus the 'no module' "
  "median; spread = (max-min)/median over the runs.")
p("smtp_drop: packets are dropped, so 'fwd pps' is 0 where they are and the "
  "per-packet figure counts each offered packet up to its drop.")
print("\n".join(out))
EOF
}

if [[ -n $summary ]]; then
	summarise "$summary"
	exit 0
fi

if [[ -n $both ]]; then
	mapfile -t kvers < <("$proj/selftests/vm/kernels.sh")
elif [[ -n $kver ]]; then
	kvers=("$kver")
else
	kvers=("$("$proj/selftests/vm/kernels.sh" | grep '^6\.12\.' | tail -n1)")
	[[ -n ${kvers[0]} ]] || kvers=("$("$proj/selftests/vm/kernels.sh" | tail -n1)")
fi

mkdir -p "$here/results" "$proj/build"
for k in "${kvers[@]}"; do
	ko=$proj/build/$k/smtpguard.ko
	if [[ ! -f $ko || ! -x $proj/tools/smtpguardctl ]]; then
		echo "bench/run.sh: $ko or tools/smtpguardctl missing: run 'make module-all tool' (or 'make bench')" >&2
		exit 2
	fi
	# A private copy: a rebuild during the (minutes long) run must not
	# mix module versions between rounds.
	snap=$proj/build/bench-$k
	mkdir -p "$snap"
	cp "$ko" "$snap/smtpguard.ko"
	rev="$(git -C "$proj" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	[[ -z $(git -C "$proj" status --porcelain -- kmod include 2>/dev/null) ]] ||
		rev="$rev+uncommitted kmod changes"
	srcver=$(modinfo -F srcversion "$snap/smtpguard.ko" 2>/dev/null || echo unknown)
	raw=$here/results/raw-$k.txt
	log=$proj/build/bench-$k.log
	envs=(SMTPGUARD_KO="$snap/smtpguard.ko" BENCH_RUNS="$runs" BENCH_COUNT="$count" BENCH_TCP="$tcp"
	      BENCH_TCP_COUNT="$tcp_count" BENCH_OUT="bench/results/raw-$k.txt")
	[[ -n $configs ]] && envs+=(BENCH_CONFIGS="$configs")
	echo "bench: kernel $k: booting the VM (icount, 1 vCPU); runs=$runs, log $log" >&2
	start=$SECONDS
	set +e
	"$proj/selftests/vm/run.sh" --kernel "$k" --icount --smp 1 --mem 1024 \
		--timeout 2400 -- env "${envs[@]}" bench/guest.sh 2>&1 |
		tee "$log" | grep --line-buffered -E '^(BENCH|bench:)' >&2
	rc=${PIPESTATUS[0]}
	set -e
	if ((rc != 0)) || ! grep -q '^BENCH_DONE' "$log"; then
		echo "bench/run.sh: the guest bench failed on $k (exit $rc); see $log" >&2
		exit 1
	fi
	# The guest writes raw-$k.txt in the shared project directory; fall
	# back to the console lines if it could not.
	[[ -s $raw ]] || sed -n 's/^BENCH \(kver=.*\)/\1/p' "$log" >"$raw"
	res=$here/results/latest-$k.txt
	{
		summarise "$raw"
		echo
		echo "Source: $rev, smtpguard.ko srcversion $srcver, $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "Wall time: $((SECONDS - start)) s (boot included)."
		echo "Raw measurements (one line per run):"
		cat "$raw"
	} >"$res"
	summarise "$raw"
	echo "bench: wrote ${res#"$proj"/} ($((SECONDS - start)) s)" >&2
done
