#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Blocklists for the blocklist part of the benchmark (bench/guest.sh).

Prints one IPv4 prefix per line ("a.b.c.d" for a /32, else "a.b.c.d/len"),
none of which covers the benchmark's own addresses (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 10.10.10.10): the traffic is never listed.

    blockgen.py exact N [START] N distinct addresses in 100.64.0.0/10,
                                spread by a multiplicative permutation
                                (numbers START..START+N-1 of it: lists
                                with different STARTs are disjoint)
    blockgen.py exact6 N [START] the same for IPv6 /128s in
                                2001:db8:4000::/34 (no benchmark address)
    blockgen.py plen PER        PER prefixes of each length /8../32 (25
                                lengths), disjoint, from 11.0.0.0 upwards
    blockgen.py plen L:N,...    N prefixes of length L, for each L given
    blockgen.py real FILE...    the union of real feed files (netset/ipset
                                style: one address or CIDR per line, '#' or
                                ';' comments), de-duplicated, minus every
                                prefix that covers a benchmark address
    blockgen.py real6 FILE...   the same for the IPv6 prefixes of the files
                                (Spamhaus DROPv6), minus 2001:db8::/32
    --collapse                  (real) merge overlapping prefixes, for sets
                                that refuse overlaps (nftables intervals)
"""
import ipaddress
import sys

BENCH_NETS = [ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "10.10.10.10/32",
    "2001:db8::/32")]


def fmt(net):
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return str(net)


def exact(n, start=0):
    base = int(ipaddress.ip_address("100.64.0.0"))
    size = 1 << 22                       # 100.64.0.0/10
    if start + n > size:
        sys.exit("blockgen: at most %d addresses in 100.64.0.0/10" % size)
    for i in range(start, start + n):
        # An odd multiplier permutes 0..2^22-1: distinct, spread out.
        a = base + (i * 2654435761) % size
        yield "%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)


def exact6(n, start=0):
    base = int(ipaddress.ip_address("2001:db8:4000::"))
    size = 1 << 94                       # 2001:db8:4000::/34
    for i in range(start, start + n):
        # An odd multiplier permutes 0..2^94-1: distinct, spread out.
        a = base + (i * 0x9E3779B97F4A7C15F39CC0605CEDC835) % size
        yield str(ipaddress.IPv6Address(a))


def plen(spec):
    cur = int(ipaddress.ip_address("11.0.0.0"))
    end = int(ipaddress.ip_address("100.0.0.0"))
    if ":" in spec:
        counts = [tuple(int(x) for x in ln.split(":")) for ln in spec.split(",")]
    else:
        counts = [(length, int(spec)) for length in range(8, 33)]
    for length, per in sorted(counts):
        step = 1 << (32 - length)
        cur = (cur + step - 1) // step * step
        for _ in range(per):
            net = ipaddress.ip_network((cur, length))
            if cur + step > end:
                sys.exit("blockgen: plen %s does not fit below 100.0.0.0"
                         % spec)
            yield fmt(net)
            cur += step


def real(files, collapse, version=4):
    nets = set()
    for name in files:
        with open(name) as f:
            for line in f:
                line = line.split("#", 1)[0].split(";", 1)[0].strip()
                if not line:
                    continue
                net = ipaddress.ip_network(line.split()[0], strict=False)
                if net.version != version:
                    continue
                if any(net.version == b.version and net.overlaps(b)
                       for b in BENCH_NETS):
                    continue
                nets.add(net)
    out = sorted(nets)
    if collapse:
        out = ipaddress.collapse_addresses(out)
    for net in out:
        yield fmt(net)


def main(argv):
    collapse = "--collapse" in argv
    argv = [a for a in argv if a != "--collapse"]
    if len(argv) < 2:
        sys.exit(__doc__)
    start = int(argv[2]) if len(argv) > 2 and argv[0].startswith("exact") else 0
    if argv[0] == "exact":
        gen = exact(int(argv[1]), start)
    elif argv[0] == "exact6":
        gen = exact6(int(argv[1]), start)
    elif argv[0] == "plen":
        gen = plen(argv[1])
    elif argv[0] == "real":
        gen = real(argv[1:], collapse)
    elif argv[0] == "real6":
        gen = real(argv[1:], collapse, 6)
    else:
        sys.exit(__doc__)
    out = sys.stdout
    for line in gen:
        out.write(line + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
