#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""feed_count.py FILE: the counts of a blocklist feed, computed apart from C.

Prints the line tools/tests/feed-count prints,

    entries N v4 N v6 N covered4 N covered6 N

with Python's own parsing (ipaddress, summarize_address_range for ranges,
collapse_addresses and num_addresses for what the union covers), so that
check/feeds.sh can hold tools/feed.c against it.  The formats are
those documented in tools/feed.h; a malformed line prints FILE:LINE: reason
on stderr and exits 2.  Standard library only.
"""

import ipaddress
import re
import sys

LINE_MAX = 4096
BOM = b"\xef\xbb\xbf"
HEX = set("0123456789abcdefABCDEF")
# Anything but TAB and printable ASCII, comments included.
BAD_BYTE = re.compile(rb"[^\t\x20-\x7e]")
COMMENT = re.compile(r"[#;]")
MAPPED = ipaddress.ip_network("::ffff:0:0/96")


class Malformed(Exception):
    pass


def one_net(tok):
    """ADDR or ADDR/LEN as an ip_network; host bits set are an error."""
    if "%" in tok:
        raise Malformed(f"'{tok}': zone ids are not supported")
    host, slash, plen = tok.partition("/")
    try:
        addr = ipaddress.ip_address(host)
    except ValueError as e:
        raise Malformed(str(e)) from None
    if slash:
        # Only decimal digits: ip_network would also take a netmask.
        if not (plen.isascii() and plen.isdigit()) or int(plen) > addr.max_prefixlen:
            raise Malformed(f"'{tok}': bad prefix length")
        bits = int(plen)
    else:
        bits = addr.max_prefixlen
    # From the integer: a network made from an address object goes back
    # through its text.
    cls = ipaddress.IPv4Network if addr.version == 4 else ipaddress.IPv6Network
    try:
        net = cls((int(addr), bits), strict=True)
    except ValueError:
        fixed = cls((int(addr), bits), strict=False)
        raise Malformed(f"{tok} has host bits set; did you mean {fixed}?") from None
    if net.version == 6 and net.prefixlen >= 96 and net.subnet_of(MAPPED):
        raise Malformed(f"'{tok}' is an IPv4-mapped IPv6 address")
    return net


def one_addr(tok):
    if not tok or "/" in tok:
        raise Malformed(f"'{tok}': a range end must be one address")
    return one_net(tok).network_address


def addr_like(tok):
    """A column meant as an address or a prefix: hex digits, dots and
    colons (a dotted quad or IPv6 text), maybe with /LEN."""
    host, slash, plen = tok.partition("/")
    if slash and not (plen.isascii() and plen.isdigit()):
        return False
    if any(c not in HEX and c not in ".:" for c in host):
        return False
    return host.count(":") >= 2 or host.count(".") == 3


def is_length(tok):
    """DShield's column 3: a decimal prefix length of at most 3 digits."""
    return tok.isascii() and tok.isdigit() and len(tok) <= 3


def two_entries(first, second):
    return Malformed(f"'{first}' and '{second}': two addresses on one line")


def as_range(first, last, col3=None):
    if first.version != last.version:
        raise Malformed(f"range {first} - {last} mixes IPv4 and IPv6")
    if last < first:
        raise Malformed(f"range {first} - {last} ends before it starts")
    nets = list(ipaddress.summarize_address_range(first, last))
    if col3 is not None and (len(nets) != 1 or int(col3) != nets[0].prefixlen):
        raise Malformed(f"range {first} - {last} is not the one /{col3} column 3 says")
    return nets


def line_nets(raw):
    """The networks of one line (bytes without its line end)."""
    if len(raw) > LINE_MAX:
        raise Malformed(f"line is longer than {LINE_MAX} bytes")
    bad = BAD_BYTE.search(raw)
    if bad:
        c, col = raw[bad.start()], bad.start() + 1
        if c == 0:
            raise Malformed(f"NUL byte at column {col}")
        if c >= 0x80:
            raise Malformed(f"non-ASCII byte {c:#04x} at column {col}")
        raise Malformed(f"control character {c:#04x} at column {col}")
    text = COMMENT.split(raw.decode("ascii"), maxsplit=1)[0]
    cols = text.split()  # only spaces and TABs are left
    if not cols:
        return []
    if len(cols) > 1 and cols[1] == "-":
        # START - END, as RIPE's inetnum writes it
        nets = as_range(one_addr(cols[0]), one_addr(cols[2] if len(cols) > 2 else ""))
        if len(cols) > 3 and addr_like(cols[3]):
            raise two_entries(" ".join(cols[:3]), cols[3])
        return nets
    if "-" in cols[0]:
        start, _, end = cols[0].partition("-")
        nets = as_range(one_addr(start), one_addr(end))
        if len(cols) > 1 and addr_like(cols[1]):
            raise two_entries(cols[0], cols[1])
        return nets
    net = one_net(cols[0])
    if len(cols) > 1 and addr_like(cols[1]):
        # only DShield's START END LEN
        if "/" in cols[0] or "/" in cols[1] or len(cols) < 3 or not is_length(cols[2]):
            raise two_entries(cols[0], cols[1])
        return as_range(net.network_address, one_addr(cols[1]), cols[2])
    return [net]


def file_nets(path):
    """Every network of a feed file, in file order; Malformed names FILE:LINE."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(BOM):
        data = data[len(BOM):]
    nets = []
    # bytes.splitlines() breaks at LF, CRLF and CR only.
    for no, raw in enumerate(data.splitlines(), 1):
        try:
            nets.extend(line_nets(raw))
        except Malformed as e:
            raise Malformed(f"{path}:{no}: {e}") from None
    return nets


def main():
    if len(sys.argv) != 2:
        print("usage: feed_count.py FILE", file=sys.stderr)
        return 2
    try:
        nets = file_nets(sys.argv[1])
    except Malformed as e:
        print(e, file=sys.stderr)
        return 2
    v4 = [n for n in nets if n.version == 4]
    v6 = [n for n in nets if n.version == 6]
    cov4 = sum(n.num_addresses for n in ipaddress.collapse_addresses(v4))
    cov6 = sum(n.num_addresses for n in ipaddress.collapse_addresses(v6))
    # The C side documents 2^128 (all of IPv6) as 2^128 - 1.
    cov6 = min(cov6, 2**128 - 1)
    print(f"entries {len(nets)} v4 {len(v4)} v6 {len(v6)} covered4 {cov4} covered6 {cov6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
