#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""TCP frame sender for bench/guest.sh (pktgen only builds UDP).

Runs in the guest as root.  Opens an AF_PACKET socket (protocol 0: it
receives nothing) in the sender namespace with a TPACKET_V2 TX ring of
identical prebuilt 60-byte Ethernet/IPv4/TCP SYN frames; one send() flushes
the whole ring through the veth, and the forwarding in the router runs
inside that call (softirq on local_bh_enable, one CPU).  Only the send()
calls are timed, with CLOCK_MONOTONIC: under QEMU -icount shift=0 that is
guest instructions.  The router's forwarded count is read from
/proc/net/dev after setns() into the router namespace.

Prints one line per --flow:
    traffic=NAME sent=N fwd=N elapsed_ns=N
"""
import argparse
import ctypes
import mmap
import os
import socket
import struct
import sys
import time

SOL_PACKET = 263
PACKET_VERSION = 10
PACKET_TX_RING = 13
TPACKET_V2 = 1
TP_STATUS_SEND_REQUEST = 1
TP_HDR = 32                     # TPACKET2_HDRLEN - sizeof(sockaddr_ll)
FRAME_SIZE = 2048
BLOCK_SIZE = 1 << 16
FRAMES_PER_BLOCK = BLOCK_SIZE // FRAME_SIZE
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (name, os.strerror(e)))
    finally:
        os.close(fd)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def frame(smac, dmac, src, dst, sport, dport):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x02,
                      65535, 0, 0)
    tsum = csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", tsum) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6,
                     0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    f = dmac + smac + b"\x08\x00" + ip + tcp
    return f + b"\0" * (60 - len(f))          # same size as pktgen's


def fwd_count(router, dev):
    setns(router)
    with open("/proc/net/dev") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name.strip() == dev:
                return int(rest.split()[9])     # tx packets
    raise SystemExit("no %s in %s" % (dev, router))


class Ring:
    def __init__(self, dev, nframes):
        self.nblocks = max(1, nframes // FRAMES_PER_BLOCK)
        self.n = self.nblocks * FRAMES_PER_BLOCK
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V2)
        req = struct.pack("IIII", BLOCK_SIZE, self.nblocks, FRAME_SIZE,
                          self.n)
        self.s.setsockopt(SOL_PACKET, PACKET_TX_RING, req)
        self.s.bind((dev, 0))
        self.head = 0       # the kernel's next frame: it keeps its own index
        self.m = mmap.mmap(self.s.fileno(), BLOCK_SIZE * self.nblocks,
                           mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

    def load(self, data):
        for i in range(self.n):
            off = i * FRAME_SIZE
            self.m[off + TP_HDR:off + TP_HDR + len(data)] = data
            struct.pack_into("II", self.m, off, 0, len(data))

    def send(self, count):
        """Send count frames; return (elapsed_ns, sent)."""
        elapsed = sent = 0
        while sent < count:
            k = min(self.n, count - sent)
            for i in range(k):
                struct.pack_into("I", self.m,
                                 ((self.head + i) % self.n) * FRAME_SIZE,
                                 TP_STATUS_SEND_REQUEST)
            self.head = (self.head + k) % self.n
            t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            r = self.s.send(b"")
            t1 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            if r != k * 60:
                raise SystemExit("send: %d of %d bytes" % (r, k * 60))
            elapsed += t1 - t0
            sent += k
        return elapsed, sent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sender-ns", default="sender")
    ap.add_argument("--router-ns", default="router")
    ap.add_argument("--dev", default="s0")
    ap.add_argument("--fwd-dev", default="r1")
    ap.add_argument("--src-mac", default="02:00:00:00:00:01")
    ap.add_argument("--dst-mac", default="02:00:00:00:00:02")
    ap.add_argument("--count", type=int, default=50000)
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--ring", type=int, default=4096)
    ap.add_argument("--flow", action="append", default=[],
                    help="NAME:SRC:DST:DPORT")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        frame(mac(a.src_mac), mac(a.dst_mac), "192.0.2.1", "203.0.113.10",
              40000, 25)
        print("ok")
        return
    setns(a.sender_ns)
    ring = Ring(a.dev, a.ring)
    for fl in a.flow:
        name, src, dst, dport = fl.split(":")
        ring.load(frame(mac(a.src_mac), mac(a.dst_mac), src, dst, 40000,
                        int(dport)))
        ring.send(a.warmup)
        f0 = fwd_count(a.router_ns, a.fwd_dev)
        el, sent = ring.send(a.count)
        f1 = fwd_count(a.router_ns, a.fwd_dev)
        print("traffic=%s sent=%d fwd=%d elapsed_ns=%d"
              % (name, sent, f1 - f0, el), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
