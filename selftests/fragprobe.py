#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tiny first fragments (RFC 1858), for smtp_enforce.sh and the mutants.

  fragprobe.py SRC DST N [BYTES]
      N IPv4 or IPv6 first fragments (more fragments to come, offset 0)
      from SRC to DST carrying the first BYTES (default 2) of a TCP header
      from port 40000 to port 9: 2 bytes are too short for the ports, so
      nobody can tell where they go; 8 hold them.  Raw sockets with the IP
      header written here; prints "sent N".
"""
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def v4(src, dst, ident, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      0x2000, 64, socket.IPPROTO_TCP, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def v6(src, dst, ident, payload):
    frag = struct.pack("!BBHI", socket.IPPROTO_TCP, 0, 0x0001, ident)
    body = frag + payload
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(body), 44, 64,
                      socket.inet_pton(socket.AF_INET6, src),
                      socket.inet_pton(socket.AF_INET6, dst))
    return hdr + body


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nbytes = int(sys.argv[4]) if len(sys.argv) == 5 else 2
    payload = struct.pack("!HHI", 40000, 9, 0)[:nbytes]
    if ":" in dst:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        build, addr = v6, (dst, 0)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        build, addr = v4, (dst, 0)
    sent = 0
    for i in range(n):
        try:
            s.sendto(build(src, dst, 0x5100 + i, payload), addr)
            sent += 1
        except PermissionError:
            pass
    print(f"sent {sent}")
    return 0 if sent == n else 1


if __name__ == "__main__":
    sys.exit(main())
