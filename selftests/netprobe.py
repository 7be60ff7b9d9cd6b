#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Small traffic probes for the blocklist selftests (run inside the VM).

  netprobe.py reach DST [--src SRC] [--port P] [--timeout S]
      TCP connect to DST:P (default 9, where nothing listens).  A refused
      connection proves the SYN went there and the RST came back: exit 0.
      A timeout means something dropped it: exit 1.
  netprobe.py recv ADDR PORT FILE
      Count UDP datagrams on ADDR:PORT; the count is in FILE after SIGTERM.
  netprobe.py send DST PORT SECONDS RATE [--src SRC]
      Send RATE UDP datagrams a second for SECONDS; prints how many.
"""
import argparse
import errno
import signal
import socket
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def reach(args):
    s = socket.socket(family(args.dst), socket.SOCK_STREAM)
    s.settimeout(args.timeout)
    if args.src:
        s.bind((args.src, 0))
    try:
        s.connect((args.dst, args.port))
    except ConnectionRefusedError:
        return 0
    except (socket.timeout, TimeoutError):
        return 1
    except OSError as e:
        # EHOSTUNREACH etc.: an ICMP error came back, so packets flow.
        if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return 0
        print(f"netprobe: connect {args.dst}: {e}", file=sys.stderr)
        return 2
    return 0


def recv(args):
    count = 0

    def done(*_):
        with open(args.file, "w") as f:
            f.write(f"{count}\n")
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)
    s = socket.socket(family(args.addr), socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    with open(args.file, "w") as f:
        f.write("ready\n")
    while True:
        s.recv(2048)
        count += 1


def send(args):
    s = socket.socket(family(args.dst), socket.SOCK_DGRAM)
    if args.src:
        s.bind((args.src, 0))
    sent = 0
    end = time.monotonic() + args.seconds
    gap = 1.0 / args.rate
    while time.monotonic() < end:
        try:
            s.sendto(b"smtpguard probe", (args.dst, args.port))
            sent += 1
        except OSError:
            pass  # a local drop shows as EPERM; the count says what went
        time.sleep(gap)
    print(sent)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("reach")
    p.add_argument("dst")
    p.add_argument("--src")
    p.add_argument("--port", type=int, default=9)
    p.add_argument("--timeout", type=float, default=2.0)
    p = sub.add_parser("recv")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("file")
    p = sub.add_parser("send")
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("seconds", type=float)
    p.add_argument("rate", type=float)
    p.add_argument("--src")
    args = ap.parse_args()
    return {"reach": reach, "recv": recv, "send": send}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
