#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""feed_samples.py FEED_DIR OUT_DIR: what block_feeds.sh checks, from the files.

Run on the host (check.sh) so that the VM does no Python over hundreds of
thousands of prefixes.  Parses every feed with feed_count.py (Python's
ipaddress, apart from the C parser) and writes:

  OUT_DIR/samples  "ADDR in|out": the first address of 40 sampled entries
                   (in) and the address just past each (in when another
                   entry of any feed covers it, else out)
  OUT_DIR/wire     "LISTED NEIGHBOUR": 3 IPv4 and 1 IPv6 sampled entries
                   whose neighbour is public and listed by no feed but
                   firehol_level1 (block_feeds.sh flushes that one first)
  OUT_DIR/stamp    the feed files' names, sizes and times, so that check.sh
                   regenerates only when the feeds change
"""

import bisect
import ipaddress
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "selftests"))
import feed_count  # noqa: E402


class Cover:
    """Which addresses a list of networks covers, by binary search."""

    def __init__(self, nets):
        self.spans = {4: [], 6: []}
        for version in (4, 6):
            merged = ipaddress.collapse_addresses([n for n in nets if n.version == version])
            spans = [(int(n.network_address), int(n.broadcast_address)) for n in merged]
            self.spans[version] = spans
        self.starts = {v: [s for s, _ in self.spans[v]] for v in (4, 6)}

    def __contains__(self, addr):
        i = bisect.bisect_right(self.starts[addr.version], int(addr)) - 1
        return i >= 0 and self.spans[addr.version][i][1] >= int(addr)


def feed_files(feed_dir):
    return sorted(os.path.join(feed_dir, f) for f in os.listdir(feed_dir) if not f.endswith(".md"))


def main():
    if len(sys.argv) != 3:
        print("usage: feed_samples.py FEED_DIR OUT_DIR", file=sys.stderr)
        return 2
    feed_dir, out_dir = sys.argv[1:]
    per_feed = {}
    for path in feed_files(feed_dir):
        name = os.path.basename(path).rsplit(".", 1)[0]
        try:
            per_feed[name] = feed_count.file_nets(path)
        except feed_count.Malformed as e:
            print(f"feed_samples.py: {e}", file=sys.stderr)
            return 2
    # One entry per distinct prefix, as the kernel keeps them.
    entries = sorted({n for nets in per_feed.values() for n in nets},
                     key=lambda n: (n.version, int(n.network_address), n.prefixlen))
    cover_all = Cover(entries)
    cover_wire = Cover([n for f, nets in per_feed.items() if f != "firehol_level1" for n in nets])
    os.makedirs(out_dir, exist_ok=True)

    rng = random.Random(7)
    with open(os.path.join(out_dir, "samples"), "w") as out:
        for n in rng.sample(entries, min(40, len(entries))):
            print(n.network_address, "in", file=out)
            past = int(n.broadcast_address) + 1
            if past < 2 ** n.max_prefixlen:
                a = ipaddress.ip_address(past)
                print(a, "in" if a in cover_all else "out", file=out)

    rng = random.Random(11)
    wire_pool = sorted({n for f, nets in per_feed.items() if f != "firehol_level1" for n in nets},
                       key=lambda n: (n.version, int(n.network_address), n.prefixlen))
    with open(os.path.join(out_dir, "wire"), "w") as out:
        for version, want in ((4, 3), (6, 1)):
            pool = [n for n in wire_pool if n.version == version]
            picked = 0
            for n in rng.sample(pool, min(200, len(pool))):
                past = int(n.broadcast_address) + 1
                if past >= 2 ** n.max_prefixlen or n.network_address.is_private:
                    continue
                first = n.network_address + (1 if n.num_addresses > 2 else 0)
                neigh = ipaddress.ip_address(past)
                if neigh in cover_wire or neigh.is_private or neigh.is_multicast or neigh.is_reserved:
                    continue
                print(first, neigh, file=out)
                picked += 1
                if picked == want:
                    break

    with open(os.path.join(out_dir, "stamp"), "w") as out:
        for path in feed_files(feed_dir):
            st = os.stat(path)
            print(os.path.basename(path), st.st_size, int(st.st_mtime), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
