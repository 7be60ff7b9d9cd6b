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
#                [--no-block | --block-only] [--block-runs N]
#                [--block-count N] [--block-configs "c1 c2 ..."] [--quick]
#                [--tag NAME]
#
# The blocklist part (smtpguard's C&C blocklist against ipset and nftables
# sets, 1k..1M entries) runs after the rest in the same boot; --no-block
# skips it, --block-only runs only it.  --quick: 2 rounds, 50,000 UDP
# packets per measurement (20,000 in the blocklist part), no TCP (a smoke
# run; for figures use the defaults).  --tag NAME: write latest-NAME-<kver>.txt,
# raw-NAME-<kver>.txt and build/bench-NAME-<kver>.log, so a partial run
# (e.g. the offender ledger's configurations) keeps the full run's files.
#
# Default kernel: $KVER if set, else the 6.12 one selftests/vm/kernels.sh
# lists.  --both: every kernel it lists (6.1 and 6.12).
# Summarise an existing raw file only: bench/run.sh --summary RAWFILE
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
proj=$(cd "$here/.." && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$here/lib.sh"
runs=5 count=200000 tcp_count=20000 tcp=1 configs='' both='' summary='' name_tag=''
block=1 block_runs='' block_count=50000 block_configs=''
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
	--no-block) block=0; shift ;;
	--block-only) block=only; shift ;;
	--block-runs) block_runs=$2; shift 2 ;;
	--block-count) block_count=$2; shift 2 ;;
	--block-configs) block_configs=$2; shift 2 ;;
	--tag) name_tag=$2; shift 2 ;;
	--quick) runs=2 count=50000 block_count=20000 tcp=0; shift ;;
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
memrows = []
droprows = []


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("BENCH "):
        line = line[6:]
    if " memory " in line:
        memrows.append(fields(line))
    if " drops " in line:
        droprows.append(fields(line))
    if "elapsed_ns=" not in line:
        continue
    rows.append(fields(line))
if not rows:
    sys.exit("no measurements in " + sys.argv[1])
kver = rows[0]["kver"]
order = ["base", "sg_unconf", "sg_allow10", "ipt_legacy", "ipt_nft",
         "sg_noledger", "sg_cnc", "sg_cnc_noledger", "nft_drop_early"]
names = {
    "base": "no module",
    "sg_unconf": "smtpguard loaded, netns unconfigured",
    "sg_allow10": "smtpguard, 10-entry allow-list (enforce)",
    "ipt_legacy": "seed iptables chain (iptables-legacy)",
    "ipt_nft": "seed iptables chain (iptables-nft)",
    "sg_noledger": "smtpguard allow10, max_offenders=0 (no ledger)",
    "sg_cnc": "smtpguard allow10 + block 203.0.113.99",
    "sg_cnc_noledger": "sg_cnc, max_offenders=0 (no ledger)",
    "nft_drop_early": "reference: nft netdev ingress r0, policy drop",
}
traffics = {
    "udp": "UDP 64-byte frames, pktgen (non-SMTP, the headline)",
    "tcp443": "TCP SYN dport 443, AF_PACKET ring (non-SMTP TCP)",
    "smtp_ok": "TCP SYN dport 25 from allowed 10.10.10.10 (forwarded)",
    "smtp_drop": "TCP SYN dport 25 from 192.0.2.1, not allowed "
                 "(dropped by sg_*/ipt_*, logged)",
    "cnc_drop": "TCP SYN 192.0.2.1 -> C&C 203.0.113.99:443 "
                "(dropped by sg_cnc*, forwarded by the others)",
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
    p("%-46s %4s %9s %11s %11s %9s %8s" % ("config", "runs", "sent",
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
        p("%-46s %4d %9s %11.0f %11.1f %s %7.3f%%" % (
          names.get(c, c), len(rs), rs[0]["sent"], statistics.median(pps),
          m, added, spread))
    p("")

def added(t, c):
    if (t, c) in med and (t, "base") in med:
        return med[t, c] - med[t, "base"]
    return None

if any(c in ("ipt_legacy", "ipt_nft") for c in cfgs):
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
if any(c in ("ipt_legacy", "ipt_nft") for c in cfgs) or un is not None:
    p("")

# The offender ledger: the same configuration with and without it
# (max_offenders=0), measured in the same rounds.
def per_run(t, c):
    return {r["run"]: int(r["elapsed_ns"]) / int(r["sent"]) for r in rows
            if r["traffic"] == t and r["config"] == c}

def spread_abs(t, c):
    v = list(per_run(t, c).values())
    return max(v) - min(v)

def paired(t, a, b, f=lambda x, y: x - y):
    """f(a, b) per round (both measured in the same round), sorted."""
    pa, pb = per_run(t, a), per_run(t, b)
    return sorted(f(pa[k], pb[k]) for k in pa if k in pb)

ledger_pairs = [("udp", "sg_allow10", "sg_noledger"),
                ("tcp443", "sg_allow10", "sg_noledger"),
                ("udp", "sg_cnc", "sg_cnc_noledger"),
                ("tcp443", "sg_cnc", "sg_cnc_noledger")]
drop_pairs = [("smtp_drop", "sg_allow10", "sg_noledger"),
              ("cnc_drop", "sg_cnc", "sg_cnc_noledger")]
if any((t, a) in med and (t, b) in med for t, a, b in ledger_pairs + drop_pairs):
    p("== Offender ledger: on (max_offenders default) vs off (max_offenders=0)")
    p("Traffic the ledger never sees (neither SMTP nor listed): added = "
      "median on - median off;")
    p("paired = on - off within each round (min..max); spread = max-min "
      "over the rounds of each config, in instructions.")
    p("%-8s %-11s %10s %-16s %10s %8s %16s %14s" % (
      "traffic", "ledger on", "ins/pkt", "ledger off", "ins/pkt", "added",
      "paired min..max", "spread on/off"))
    for t, a, b in ledger_pairs:
        if (t, a) not in med or (t, b) not in med:
            continue
        d = paired(t, a, b)
        p("%-8s %-11s %10.1f %-16s %10.1f %+8.1f %16s %14s" % (
          t, a, med[t, a], b, med[t, b], med[t, a] - med[t, b],
          "%+.0f..%+.0f" % (d[0], d[-1]) if d else "-",
          "%.0f/%.0f" % (spread_abs(t, a), spread_abs(t, b))))
    p("")
    p("A flood of refused packets from one host (one record, updated per "
      "packet). whole = everything per")
    p("packet: sender (AF_PACKET ring, python), veth, router, up to the drop. "
      "router = whole minus the")
    p("same kind's median under nft_drop_early (the frame dropped at r0's "
      "netdev ingress hook, no")
    p("rule: the sender, the veth and the router's receive up to its first "
      "hook): what the router")
    p("spends from there to the verdict. ratio = ledger on / ledger off; "
      "per-round ratios min..max.")
    ref_ok = True
    for t, a, b in drop_pairs:
        if (t, a) not in med or (t, b) not in med:
            continue
        on, off = med[t, a], med[t, b]
        d = paired(t, a, b)
        wr = paired(t, a, b, lambda x, y: x / y)
        p("%-9s %s vs %s:" % (t, a, b))
        p("  whole:  on %8.1f  off %8.1f  ledger adds %+7.1f (paired %+.0f..%+.0f)"
          "  ratio %.3f (%.3f..%.3f)" % (on, off, on - off, d[0], d[-1],
                                         on / off, wr[0], wr[-1]))
        if (t, "nft_drop_early") in med:
            ref = med[t, "nft_drop_early"]
            pref = per_run(t, "nft_drop_early")
            pa, pb = per_run(t, a), per_run(t, b)
            rr = sorted((pa[k] - pref[k]) / (pb[k] - pref[k]) for k in pa
                        if k in pb and k in pref and pb[k] != pref[k])
            p("  router: on %8.1f  off %8.1f  (reference %.1f, spread %.0f)"
              "  ratio %.3f (%.3f..%.3f)" % (
                on - ref, off - ref, ref, spread_abs(t, "nft_drop_early"),
                (on - ref) / (off - ref), rr[0] if rr else 0,
                rr[-1] if rr else 0))
        else:
            ref_ok = False
    if not ref_ok:
        p("(no nft_drop_early measurement: router-side estimate not available)")
    p("")

# The blocklist part: its own references, measured in the same rounds;
# IPv4 (udp_block) and IPv6 (udp6_block) each against their own.
mem = {r["config"]: r for r in memrows}
border = ["b_none", "b_allow10", "sg_1k", "sg_100k", "sg_1m", "sg_plen4", "sg_plen25",
          "sg_real", "sg_real_scope", "ips_1k", "ips_100k", "ips_1m", "ips_plen4", "ips_plen25", "ips_real",
          "nft_1k", "nft_100k", "nft_1m", "nft_plen25", "nft_real",
          "b6_none", "b6_allow10", "sg6_1k", "sg6_1m", "sg6_real", "ips6_1k",
          "ips6_1m", "ips6_real"]
lists = {
    "1k": "1,000 /32 (100.64.0.0/10)", "100k": "100,000 /32 (100.64.0.0/10)",
    "1m": "1,000,000 /32 (100.64.0.0/10)",
    "plen25": "1,000: 40 each of /8../32 (25 lengths)",
    "plen4": "1,000: /8 x40, /16 /24 /32 x320 (4 lengths)",
    "real": "spamhaus DROP + firehol_level1 (/3../32)",
    "real_scope": "the real feeds, with roles and exceptions",
}
lists6 = {
    "1k": "1,000 /128 (2001:db8:4000::/34)",
    "1m": "1,000,000 /128 (2001:db8:4000::/34)",
    "real": "spamhaus DROPv6 (/29../48)",
}
bnames = {"b_none": "no rules (smtpguard loaded, netns unconfigured)",
          "b_allow10": "smtpguard, 10-entry allow-list, no blocklist",
          "b6_none": "IPv6: no rules (smtpguard loaded, netns unconfigured)",
          "b6_allow10": "IPv6: smtpguard, 10-entry allow-list, no blocklist"}
for c in border:
    kind, _, lst = c.partition("_")
    six = kind.endswith("6")
    desc = (lists6 if six else lists).get(lst, lst)
    v = "IPv6: " if six else ""
    if kind.startswith("sg"):
        bnames[c] = v + "smtpguard allow10 + block " + desc
    elif kind.startswith("ips"):
        bnames[c] = v + "ipset hash:net + 2 ip%stables-nft rules, %s" % (
            "6" if six else "", desc)
    elif kind == "nft":
        bnames[c] = "nft interval set + 2 rules, " + desc
for t, title, none_c, allow_c in (
        ("udp_block", "UDP 64-byte frames", "b_none", "b_allow10"),
        ("udp6_block", "IPv6 UDP 82-byte frames", "b6_none", "b6_allow10")):
    blk = {}
    for c in sorted({r["config"] for r in rows if r["traffic"] == t}):
        rs = [r for r in rows if r["traffic"] == t and r["config"] == c]
        per = [int(r["elapsed_ns"]) / int(r["sent"]) for r in rs]
        blk[c] = (statistics.median(per),
                  (max(per) - min(per)) / statistics.median(per) * 100,
                  len(rs), rs[0]["sent"],
                  min(int(r["fwd"]) / int(r["sent"]) for r in rs))
    if not blk:
        continue
    bcfgs = [c for c in border if c in blk] + sorted(set(blk) - set(border))
    p("== Blocklist: %s, pktgen, addresses listed in no set "
      "(every packet forwarded)" % title)
    p("%-74s %4s %8s %10s %9s %9s %8s" % ("config", "runs", "sent",
      "ns=ins/pkt", "vs none", "block", "spread"))
    for c in bcfgs:
        m, spread, n, sent, fwdmin = blk[c]
        none = blk.get(none_c, (None,))[0]
        ref = blk.get(allow_c if c.startswith("sg") else none_c, (None,))[0]
        vs = "%+9.0f" % (m - none) if none is not None else "%9s" % "-"
        add = "%+9.0f" % (m - ref) if ref is not None and c not in (
            none_c, allow_c) else "%9s" % "-"
        p("%-74s %4d %8s %10.1f %s %s %7.3f%%%s" % (
          bnames.get(c, c), n, sent, m, vs, add, spread,
          "" if fwdmin >= 1 else "  (NOT ALL FORWARDED: %.1f%%)" % (fwdmin * 100)))
    p("block = what the blocklist adds per packet: smtpguard vs the same "
      "allow-list without one, ipset/nft vs no rules (their whole cost).")
    p("")
if mem:
    p("== Blocklist memory (after loading) and load time (guest ns: "
      "instructions + skipped idle time)")
    p("%-74s %9s %13s %15s" % ("config", "entries", "bytes", "load ns"))
    for c in [c for c in border if c in mem] + sorted(set(mem) - set(border)):
        r = mem[c]
        b = r["bytes"]
        p("%-74s %9s %13s %15s" % (bnames.get(c, c), r["entries"],
          "{:,}".format(int(b)) if b.isdigit() else "n/a",
          "{:,}".format(int(r["load_ns"]))))
    p("smtpguard: block_bytes of /proc/net/smtpguard; ipset: 'Size in memory' "
      "of ipset list -t; nft reports none.")
    p("")
if droprows:
    p("== Blocklist: smtpguard's drops after all rounds (every address was "
      "unlisted: must be 0)")
    for r in droprows:
        p("%-74s cnc_dropped %s, cnc_would_drop %s%s" % (
          bnames.get(r["config"], r["config"]), r.get("cnc_dropped", "?"),
          r.get("cnc_would_drop", "?"),
          "" if r.get("cnc_dropped") == r.get("cnc_would_drop") == "0"
          else "  (NOT 0)"))
    p("")

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

mapfile -t kvers < <(bench_kernels "$both" "$kver")
[[ -n ${kvers[0]:-} ]] || { echo "bench: no test kernel (selftests/vm/kernels.sh)" >&2; exit 2; }

mkdir -p "$here/results" "$proj/build"
blockdata=$proj/build/bench-block
if [[ $block != 0 ]]; then
	# Synthetic lists, and the union of two real feeds read in place (never
	# copied into the project): see bench/blockgen.py.
	feeds=${BENCH_FEEDS:-/work/shared/data/blocklists}
	mkdir -p "$blockdata"
	gen() { # name blockgen-args...
		[[ -s $blockdata/$1.txt ]] && return 0
		"$here/blockgen.py" "${@:2}" >"$blockdata/$1.txt.tmp" &&
			mv "$blockdata/$1.txt.tmp" "$blockdata/$1.txt"
	}
	gen exact_1k exact 1000
	gen exact_100k exact 100000
	gen exact_1m exact 1000000
	gen plen25 plen 40
	gen plen4 plen 8:40,16:320,24:320,32:320
	gen exact6_1k exact6 1000
	gen exact6_1m exact6 1000000
	if [[ -r $feeds/spamhaus_drop.netset && -r $feeds/firehol_level1.netset ]]; then
		gen real real "$feeds/spamhaus_drop.netset" "$feeds/firehol_level1.netset"
		gen real_collapsed real --collapse "$feeds/spamhaus_drop.netset" "$feeds/firehol_level1.netset"
	fi
	[[ -r $feeds/dropv6.txt ]] && gen real6 real6 "$feeds/dropv6.txt"
fi
for k in "${kvers[@]}"; do
	snap=$proj/build/bench-$k
	bench_snapshot "$k" "$snap" || exit 2
	# --block-only keeps the full run's files and writes its own.
	tag=$k
	[[ $block == only ]] && tag=block-$k
	[[ -n $name_tag ]] && tag=$name_tag-$k
	raw=$here/results/raw-$tag.txt
	log=$proj/build/bench-$tag.log
	envs=(SMTPGUARD_KO="$snap/smtpguard.ko" SMTPGUARD_TOOLS="$snap" BENCH_RUNS="$runs" BENCH_COUNT="$count" BENCH_TCP="$tcp"
	      BENCH_TCP_COUNT="$tcp_count" BENCH_OUT="bench/results/raw-$tag.txt")
	[[ -n $configs ]] && envs+=(BENCH_CONFIGS="$configs")
	envs+=(BENCH_BLOCK="$block" BENCH_BLOCK_COUNT="$block_count")
	[[ -n $block_runs ]] && envs+=(BENCH_BLOCK_RUNS="$block_runs")
	[[ -n $block_configs ]] && envs+=(BENCH_BLOCK_CONFIGS="$block_configs")
	if [[ $block != 0 ]]; then
		# The lists, made here: Python under TCG takes minutes for 1M lines.
		envs+=(BENCH_BLOCK_DATA="$blockdata")
	fi
	echo "bench: kernel $k: booting the VM (icount, 1 vCPU); runs=$runs, log $log" >&2
	start=$SECONDS
	set +e
	"$proj/selftests/vm/run.sh" --kernel "$k" --icount --smp 1 --mem 1024 \
		--timeout 4800 -- env "${envs[@]}" bench/guest.sh 2>&1 |
		tee "$log" | grep --line-buffered -E '^(BENCH|bench:)' >&2
	rc=${PIPESTATUS[0]}
	set -e
	if ((rc != 0)) || ! grep -q '^BENCH_DONE' "$log"; then
		echo "bench/run.sh: the guest bench failed on $k (exit $rc); see $log" >&2
		exit 1
	fi
	# The guest writes raw-$tag.txt in the shared project directory; fall
	# back to the console lines if it could not.
	[[ -s $raw ]] || sed -n 's/^BENCH \(kver=.*\)/\1/p' "$log" >"$raw"
	res=$here/results/latest-$tag.txt
	{
		summarise "$raw"
		echo
		echo "Source: $BENCH_REV, smtpguard.ko srcversion $BENCH_SRCVER, $(date -u +%Y-%m-%dT%H:%MZ)."
		echo "Wall time: $((SECONDS - start)) s (boot included)."
		echo "Raw measurements (one line per run):"
		cat "$raw"
	} >"$res"
	summarise "$raw"
	echo "bench: wrote ${res#"$proj"/} ($((SECONDS - start)) s)" >&2
done
