#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Feed transactions that must change nothing, driven through the kernel's
own YNL library (so a client we did not write speaks the ABI).

usage: txn_abort.py YNL_DIR SPEC

1. begin, stage a chunk, explicit abort;
2. begin on one socket, commit from another socket: refused (EPERM);
3. begin, stage, then close the socket without commit (a half-sent load).
The caller compares the blocklist before and after.
"""
import errno
import sys

sys.path.insert(0, sys.argv[1])
from lib import YnlFamily, NlError  # noqa: E402

SCHEMA = sys.argv[1] + "/../../../Documentation/netlink/genetlink-legacy.yaml"


def family():
    return YnlFamily(sys.argv[2], SCHEMA)


def chunk(n):
    return [{"family": 2, "addr": bytes([203, 0, 113, i]), "prefixlen": 32}
            for i in range(n)]


def main():
    ynl = family()
    txn = ynl.do("block-txn-begin", {"feed": "keep", "replace": True})["txn-id"]
    ynl.do("block-add", {"txn-id": txn, "prefix": chunk(10)})
    ynl.do("block-txn-abort", {"txn-id": txn})
    try:
        ynl.do("block-txn-commit", {"txn-id": txn})
        print("commit after abort succeeded")
        return 1
    except NlError:
        pass

    txn = ynl.do("block-txn-begin", {"feed": "keep", "replace": True})["txn-id"]
    other = family()
    try:
        other.do("block-txn-commit", {"txn-id": txn})
        print("another socket committed a transaction it did not open")
        return 1
    except NlError as e:
        if e.error != errno.EPERM:
            print(f"foreign commit: expected EPERM, got {e.error}")
            return 1
    ynl.do("block-add", {"txn-id": txn, "prefix": chunk(20)})
    # Half sent: the socket closes with the transaction open.
    del ynl
    return 0


if __name__ == "__main__":
    sys.exit(main())
