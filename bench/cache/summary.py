#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""summary.py OUT...: lookup_bench's tables from several runs, as one
Markdown table of medians: ns per lookup and baseline ns, and the
median of each run's misses per lookup (lookup ns / baseline ns of the
same run, which shared the machine's load of that moment), with the
lowest and highest run in brackets."""
import statistics
import sys


def main():
    rows = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            for line in f:
                parts = line[1:].split() if line.startswith("# ") else []
                if len(parts) != 8 or parts[0] == "workload":
                    continue
                try:
                    vals = [float(x) for x in parts[1:]]
                except ValueError:
                    continue
                rows.setdefault((parts[0], int(vals[0])), []).append(vals)
    if not rows:
        print("summary.py: no lookup_bench table in the files", file=sys.stderr)
        return 1
    print("| workload | entries | MiB of slots | unlisted ns | listed ns "
          "| baseline ns | misses, unlisted | misses, listed |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for (name, n), runs in rows.items():
        med = [statistics.median(r[i] for r in runs) for i in range(1, 7)]
        span = [f"{min(r[i] for r in runs):.2f}–{max(r[i] for r in runs):.2f}"
                for i in (5, 6)]
        print(f"| {name} | {n:,} | {med[0]:.2f} | {med[1]:.0f} | {med[2]:.0f} "
              f"| {med[3]:.0f} | {med[4]:.2f} ({span[0]}) "
              f"| {med[5]:.2f} ({span[1]}) |")
    counts = sorted({len(r) for r in rows.values()})
    print(f"\n(medians of {' to '.join(map(str, counts[::len(counts) - 1 or 1]))} "
          f"runs per row)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
