#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink probes of smtpguard's privilege model and limits,
for sec_privileges.sh, sec_limits.sh and sec_stress.sh (run in the VM).

Independent of smtpguardctl: a plain AF_NETLINK socket, the numbers read
from the UAPI header (enum smtpguard_cmd and the attribute enums), extended
acks on, so every answer comes with the kernel's errno and message.

  sec_nl.py table
      Send every command number 1..SMTPGUARD_CMD_MAX+1 twice, as a "do"
      (NLM_F_REQUEST|NLM_F_ACK) and as a "dump" (NLM_F_DUMP), without
      attributes; print "CMD_NAME do|dump ERRNO_NAME" per request (OK for
      success).  Run it unprivileged: a privileged run may change state.
  sec_nl.py join
      Try to join the "events" multicast group: prints "join OK" or
      "join ERRNO_NAME".
  sec_nl.py userns-table
      Open a socket, then move into a new user namespace (root mapped to
      the caller's uid) without a new network namespace, so the process
      has every capability there and none in the user namespace owning its
      network namespace; then "table" and "join" over the socket opened
      before (prefixed "old") and over one opened after ("new").
  sec_nl.py txns N GOFILE
      N feed transactions ("BEGIN feed tN"), each on a socket of its own;
      print "begin I OK ID" or "begin I ERRNO_NAME MESSAGE"; once GOFILE
      exists close the first socket (its transaction is aborted by the
      kernel), begin once more and print "again OK ID" or the error; then
      exit, closing the rest.
  sec_nl.py add FEED PREFIX...
      One BLOCK_ADD ("-": no feed attribute): "add OK" or "add ERRNO MSG".
  sec_nl.py feeds N
      N BLOCK_ADDs of one /32 each into feeds f1..fN: a line per failure
      ("feed I ERRNO MSG"), then "feeds ok K".
  sec_nl.py stage FEED N
      One transaction of N /32s from 100.64.0.0 in chunks of 500, then
      COMMIT: "stage ERRNO MSG (after K staged)" or "commit OK|ERRNO MSG".
  sec_nl.py storm allow|block|mode|txn STOPFILE
      Valid changes in a loop until STOPFILE exists, one process, no exec
      per change: allow add/del (+ dumps); block add/del in feed churn, 1 s
      timeouts in feed expiring (+ dumps, test); mode monitor/enforce,
      ports, stats reset, offenders flush (+ stats, offenders); feed "big"
      replaced by 3000-entry transactions, committed, aborted or left to
      the socket's close.  Prints "ops N errors E" and the first errors.
  sec_nl.py churn FEEDFILE
      Configure this namespace: allow, a block with a 1 s timeout, FEEDFILE
      as feed "f" in one transaction, enforce: "churn ok" or the errors.
  sec_nl.py churn-loop STOPFILE FEEDFILE
      Until STOPFILE exists: fork a child that unshares a new network
      namespace, configures it as "churn" does, sends 16 spoofed SMTP SYNs
      to its loopback (a ledger of 16), and exits, which deletes the
      namespace.  Prints "namespaces N errors E" and the first errors.
  sec_nl.py stage-reverse FEED N
      As stage, but the prefixes in descending order: the kernel sorts
      them at COMMIT.
  sec_nl.py expiry FEEDSIZE N
      A feed "big" of FEEDSIZE /32s from 100.64.0.0 (one transaction),
      then N BLOCK_ADDs of one /32 each from 100.96.0.0 into feed "t" with
      a 1 s timeout, 5 ms apart, so that listings keep expiring for a
      while: "expiry ok" or the first error.
  sec_nl.py policy
      Attribute values the family's policies refuse or accept, one line
      per case: "CASE ERRNO_NAME" (OK for success).
  sec_nl.py hold FEED N GOFILE
      Begin a transaction of FEED, stage N /32 prefixes from 100.64.0.0,
      print "held ID N", wait for GOFILE, exit without commit or abort.
"""
import ctypes
import errno
import os
import re
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(HERE, "..", "include", "uapi", "linux", "smtpguard.h")

NETLINK_GENERIC = 16
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK = 1, 2, 4
NLM_F_DUMP = 0x300
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR, NLMSG_DONE = 2, 3
NETLINK_ADD_MEMBERSHIP, NETLINK_CAP_ACK, NETLINK_EXT_ACK = 1, 10, 11
SOL_NETLINK = 270
NLMSGERR_ATTR_MSG = 1
GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
NLA_F_NESTED = 0x8000


def enums(path=HEADER):
    """name -> value of every enumerator in the header."""
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    vals = {}
    for body in re.findall(r"enum\s+\w+\s*\{(.*?)\};", text, flags=re.S):
        nxt = 0
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            m = re.match(r"(\w+)\s*(?:=\s*(.+))?$", item)
            if not m:
                continue
            name, expr = m.groups()
            if expr is not None:
                nxt = eval(expr.strip(), {}, dict(vals))  # noqa: S307 (our header)
            vals[name] = nxt
            nxt += 1
    return vals


E = enums()
CMDS = sorted((v, k) for k, v in E.items()
              if k.startswith("SMTPGUARD_CMD_") and not k.startswith("__")
              and k not in ("SMTPGUARD_CMD_UNSPEC", "SMTPGUARD_CMD_MAX"))


def attr(typ, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, typ) + payload + b"\0" * ((4 - n % 4) % 4)


def parse_attrs(buf):
    out = {}
    while len(buf) >= 4:
        n, typ = struct.unpack_from("=HH", buf)
        if n < 4:
            break
        out.setdefault(typ & 0x3fff, []).append(buf[4:n])
        buf = buf[(n + 3) & ~3:]
    return out


def ename(e):
    if e == errno.EOPNOTSUPP:	# Python calls it ENOTSUP, the same number
        return "EOPNOTSUPP"
    return "OK" if e == 0 else errno.errorcode.get(e, str(e))


class Genl:
    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.s.bind((0, 0))
        self.seq = int(time.time()) & 0xffff
        self.fam, self.groups = self.resolve()

    def close(self):
        self.s.close()

    def send(self, typ, flags, cmd, payload=b"", version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        self.s.send(struct.pack("=IHHII", 16 + len(body), typ, flags, self.seq, 0) + body)
        return self.seq

    def talk(self, typ, flags, cmd, payload=b""):
        """(errno, extack message, [genl payloads of the replies])"""
        seq = self.send(typ, flags, cmd, payload)
        replies = []
        while True:
            data = self.s.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                n, t, f, s, _ = struct.unpack_from("=IHHII", data, off)
                if n < 16:
                    return errno.EPROTO, "bad length", replies
                msg = data[off + 16:off + n]
                off += (n + 3) & ~3
                if s != seq:
                    continue
                if t == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", msg)[0]
                    text = ""
                    if f & NLM_F_ACK_TLVS:
                        a = parse_attrs(msg[4 + 16:])
                        if NLMSGERR_ATTR_MSG in a:
                            text = a[NLMSGERR_ATTR_MSG][0].rstrip(b"\0").decode(errors="replace")
                    return err, text, replies
                if t == NLMSG_DONE:
                    err = -struct.unpack_from("=i", msg)[0] if len(msg) >= 4 else 0
                    # A dump ends with DONE; with NLM_F_ACK no extra ack.
                    return err, "", replies
                replies.append(msg[4:])
                if not f & NLM_F_MULTI and not flags & NLM_F_ACK:
                    return 0, "", replies

    def resolve(self):
        err, text, rep = self.talk(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY,
                                   attr(CTRL_ATTR_FAMILY_NAME, b"smtpguard\0"))
        if err or not rep:
            sys.exit(f"cannot resolve the smtpguard family: {ename(err)} {text}")
        a = parse_attrs(rep[0])
        fam = struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID][0][:2])[0]
        groups = {}
        for nest in a.get(CTRL_ATTR_MCAST_GROUPS, []):
            for g in parse_attrs(nest).values():
                ga = parse_attrs(g[0])
                name = ga[CTRL_ATTR_MCAST_GRP_NAME][0].rstrip(b"\0").decode()
                groups[name] = struct.unpack("=I", ga[CTRL_ATTR_MCAST_GRP_ID][0][:4])[0]
        return fam, groups

    def do(self, cmd, payload=b"", dump=False):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        return self.talk(self.fam, flags, cmd, payload)

    def join(self):
        try:
            self.s.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, self.groups["events"])
            return 0
        except OSError as e:
            return e.errno


def table(g, prefix=""):
    for val, name in CMDS + [(CMDS[-1][0] + 1, "UNKNOWN")]:
        for kind in ("do", "dump"):
            err, text, _ = g.do(val, dump=kind == "dump")
            short = name.replace("SMTPGUARD_CMD_", "")
            print(f"{prefix}{short} {kind} {ename(err)}" + (f" {text}" if text else ""))


def userns_table():
    uid, gid = os.geteuid(), os.getegid()
    old = Genl()
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWUSER = 0x10000000
    if libc.unshare(CLONE_NEWUSER):
        sys.exit(f"unshare(CLONE_NEWUSER): {os.strerror(ctypes.get_errno())}")
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"0 {gid} 1")
    caps = [l for l in open("/proc/self/status") if l.startswith("CapEff")]
    print(f"# in a new user namespace: uid {os.geteuid()}, {caps[0].strip()}")
    table(old, "old ")
    print(f"old join {ename(old.join())}")
    new = Genl()
    table(new, "new ")
    print(f"new join {ename(new.join())}")


def prefix(text):
    """ADDR or ADDR/LEN, IPv4 or IPv6, as one SMTPGUARD_A_PREFIX nest."""
    a, _, ln = text.partition("/")
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    raw = socket.inet_pton(fam, a)
    ln = int(ln) if ln else len(raw) * 8
    return attr(NLA_F_NESTED | E["SMTPGUARD_A_PREFIX"],
                attr(E["SMTPGUARD_PREFIX_A_FAMILY"], struct.pack("=H", fam)) +
                attr(E["SMTPGUARD_PREFIX_A_ADDR"], raw) +
                attr(E["SMTPGUARD_PREFIX_A_PREFIXLEN"], bytes([ln])))


def v4(base, i):
    return socket.inet_ntoa(struct.pack("!I", struct.unpack("!I", socket.inet_aton(base))[0] + i))


def block_add(g, feed, prefixes):
    body = attr(E["SMTPGUARD_A_FEED"], feed.encode() + b"\0") if feed else b""
    body += b"".join(prefix(p) for p in prefixes)
    return g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], body)


def feeds(n):
    """n feeds f1..fn, one entry each; the answer of every one that fails."""
    g = Genl()
    ok = 0
    for i in range(1, n + 1):
        err, text, _ = block_add(g, f"f{i}", [v4("100.100.0.0", i)])
        if err:
            print(f"feed {i} {ename(err)} {text}")
        else:
            ok += 1
    print(f"feeds ok {ok}")


def stage(feed, n, chunk=500):
    """One transaction of n /32s from 100.64.0.0, committed if staged."""
    g = Genl()
    err, text, tid = begin(g, feed)
    if err:
        print(f"begin {ename(err)} {text}")
        return
    done = 0
    while done < n:
        k = min(chunk, n - done)
        body = attr(E["SMTPGUARD_A_TXN_ID"], struct.pack("=I", tid))
        body += b"".join(prefix(v4("100.64.0.0", done + i)) for i in range(k))
        err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], body)
        if err:
            print(f"stage {ename(err)} {text} (after {done} staged)")
            return
        done += k
    err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_TXN_COMMIT"],
                        attr(E["SMTPGUARD_A_TXN_ID"], struct.pack("=I", tid)))
    print(f"commit {ename(err)} {text}".rstrip())


def stage_reverse(feed, n, chunk=500):
    """As stage(), the prefixes in descending order."""
    g = Genl()
    err, text, tid = begin(g, feed)
    if err:
        print(f"begin {ename(err)} {text}")
        return
    done = 0
    while done < n:
        k = min(chunk, n - done)
        body = attr(E["SMTPGUARD_A_TXN_ID"], struct.pack("=I", tid))
        body += b"".join(prefix(v4("100.64.0.0", n - 1 - done - i)) for i in range(k))
        err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], body)
        if err:
            print(f"stage {ename(err)} {text} (after {done} staged)")
            return
        done += k
    err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_TXN_COMMIT"],
                        attr(E["SMTPGUARD_A_TXN_ID"], struct.pack("=I", tid)))
    print(f"commit {ename(err)} {text}".rstrip())


def expiry(feedsize, n):
    """A big permanent feed, then n timed listings expiring one by one."""
    g = Genl()
    err, text, tid = begin(g, "big", replace=True)
    done = 0
    while not err and done < feedsize:
        k = min(500, feedsize - done)
        body = attr(E["SMTPGUARD_A_TXN_ID"], struct.pack("=I", tid))
        body += b"".join(prefix(v4("100.64.0.0", done + i)) for i in range(k))
        err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], body)
        done += k
    if not err and feedsize:
        err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_TXN_COMMIT"],
                            attr(E["SMTPGUARD_A_TXN_ID"], struct.pack("=I", tid)))
    for i in range(n):
        if err:
            break
        body = attr(E["SMTPGUARD_A_FEED"], b"t\0") + attr(E["SMTPGUARD_A_TIMEOUT"], u32(1))
        err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], body + prefix(v4("100.96.0.0", i)))
        time.sleep(0.005)
    print(f"expiry {ename(err)} {text}".rstrip() if err else "expiry ok")


def policy_cases():
    """What the policies (not the handlers) decide, value by value."""
    A = E
    pfx = lambda fam, raw, ln=None: attr(NLA_F_NESTED | A["SMTPGUARD_A_PREFIX"],
                                          attr(A["SMTPGUARD_PREFIX_A_FAMILY"], struct.pack("=H", fam)) +
                                          attr(A["SMTPGUARD_PREFIX_A_ADDR"], raw) +
                                          (attr(A["SMTPGUARD_PREFIX_A_PREFIXLEN"], bytes([ln])) if ln is not None else b""))
    g = Genl()
    cases = [
        ("addr-17-bytes", "SMTPGUARD_CMD_BLOCK_TEST", pfx(socket.AF_INET6, bytes(17)), False),
        ("addr-3-bytes", "SMTPGUARD_CMD_BLOCK_TEST", pfx(socket.AF_INET, bytes(3)), False),
        ("prefixlen-129", "SMTPGUARD_CMD_BLOCK_TEST", pfx(socket.AF_INET6, bytes(16), 129), False),
        ("mode-3", "SMTPGUARD_CMD_MODE_SET", attr(A["SMTPGUARD_A_MODE"], bytes([3])), False),
        ("timeout-0", "SMTPGUARD_CMD_BLOCK_ADD", attr(A["SMTPGUARD_A_TIMEOUT"], u32(0)) + prefix("198.51.100.1"), False),
        ("timeout-30d+1", "SMTPGUARD_CMD_BLOCK_ADD", attr(A["SMTPGUARD_A_TIMEOUT"], u32(2592001)) + prefix("198.51.100.1"), False),
        ("port-0", "SMTPGUARD_CMD_PORTS_SET", ports(0), False),
        ("txn-0", "SMTPGUARD_CMD_BLOCK_TXN_ABORT", attr(A["SMTPGUARD_A_TXN_ID"], u32(0)), False),
        ("reason-4", "SMTPGUARD_CMD_OFFENDER_FLUSH", attr(A["SMTPGUARD_A_REASON"], u32(4)), False),
        ("reason-3", "SMTPGUARD_CMD_OFFENDER_FLUSH", attr(A["SMTPGUARD_A_REASON"], u32(3)), True),
        ("smtp-policy-2", "SMTPGUARD_CMD_ALLOW_FLUSH", attr(A["SMTPGUARD_A_SMTP_POLICY"], bytes([2])), False),
    ]
    for name, cmd, body, _ in cases:
        err, text, _ = g.do(A[cmd], body)
        print(f"{name} {ename(err)} {text}".rstrip())


def begin(g, feed, replace=False):
    body = attr(E["SMTPGUARD_A_FEED"], feed.encode() + b"\0")
    if replace:
        body += attr(E["SMTPGUARD_A_REPLACE"], b"")
    err, text, rep = g.do(E["SMTPGUARD_CMD_BLOCK_TXN_BEGIN"], body)
    tid = None
    if not err and rep:
        tid = struct.unpack("=I", parse_attrs(rep[0])[E["SMTPGUARD_A_TXN_ID"]][0][:4])[0]
    return err, text, tid


def wait_for(path, secs=300):
    end = time.time() + secs
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.05)


def txns(n, gofile):
    socks = []
    for i in range(1, n + 1):
        g = Genl()
        err, text, tid = begin(g, f"t{i}")
        socks.append(g)
        print(f"begin {i} {ename(err)} {tid if not err else text}", flush=True)
    wait_for(gofile)
    socks.pop(0).close()
    # the release notifier runs when the socket is gone; give it a moment
    for _ in range(50):
        g = Genl()
        err, text, tid = begin(g, "again")
        if err != errno.EBUSY:
            break
        g.close()
        time.sleep(0.1)
    print(f"again {ename(err)} {tid if not err else text}", flush=True)


def hold(feed, n, gofile):
    g = Genl()
    err, text, tid = begin(g, feed)
    if err:
        sys.exit(f"begin: {ename(err)} {text}")
    done = 0
    while done < n:
        k = min(1000, n - done)
        body = attr(E["SMTPGUARD_A_TXN_ID"], struct.pack("=I", tid))
        body += b"".join(prefix(v4("100.64.0.0", done + i)) for i in range(k))
        err, text, _ = g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], body)
        if err:
            sys.exit(f"stage: {ename(err)} {text}")
        done += k
    print(f"held {tid} {done}", flush=True)
    wait_for(gofile)


def u32(v):
    return struct.pack("=I", v)


def ports(*ps):
    return attr(NLA_F_NESTED | E["SMTPGUARD_A_PORTS"],
                b"".join(attr(E["SMTPGUARD_PORTS_A_PORT"], struct.pack("=H", p)) for p in ps))


def feed_attr(name):
    return attr(E["SMTPGUARD_A_FEED"], name.encode() + b"\0")


def storm(kind, stopfile):
    """Valid changes (and reads) as fast as one process can send them."""
    g = Genl()
    ops = 0
    errs = []
    chunks = {}

    def run(cmd, payload=b"", dump=False):
        nonlocal ops
        err, text, _ = g.do(E["SMTPGUARD_CMD_" + cmd], payload, dump)
        ops += 1
        if err:
            errs.append(f"{cmd} {ename(err)} {text}")
        return err

    i = 0
    while not os.path.exists(stopfile):
        if kind == "allow":
            p = prefix(f"10.20.{i % 250}.{i % 7 + 1}")
            run("ALLOW_ADD", p)
            run("ALLOW_DEL", p)
            if i % 10 == 0:
                run("ALLOW_GET", dump=True)
        elif kind == "block":
            a = f"203.0.113.{100 + i % 50}"
            run("BLOCK_ADD", feed_attr("churn") + prefix(a))
            run("BLOCK_DEL", feed_attr("churn") + prefix(a))
            if i % 5 == 0:
                # expires in a second, while everything else goes on
                run("BLOCK_ADD", feed_attr("expiring") + attr(E["SMTPGUARD_A_TIMEOUT"], u32(1)) +
                    prefix(f"203.0.113.{200 + i % 50}"))
            if i % 10 == 0:
                run("BLOCK_GET", dump=True)
                run("FEED_GET", dump=True)
                run("BLOCK_TEST", prefix(a))
        elif kind == "mode":
            run("MODE_SET", attr(E["SMTPGUARD_A_MODE"], bytes([E["SMTPGUARD_MODE_MONITOR"]])))
            run("PORTS_SET", ports(25, 587))
            run("STATS_RESET")
            run("MODE_SET", attr(E["SMTPGUARD_A_MODE"], bytes([E["SMTPGUARD_MODE_ENFORCE"]])))
            run("OFFENDER_FLUSH")
            run("PORTS_SET", ports(25))
            run("STATS_GET")
            run("OFFENDER_GET", dump=True)
        elif kind == "txn":
            # replace feed "big" with 3000 entries: commit, abort, or
            # leave it to the socket's close
            err, text, tid = begin(g, "big", replace=True)
            ops += 1
            if err:
                errs.append(f"TXN_BEGIN {ename(err)} {text}")
            else:
                start = 1500 * (i % 2)
                for c in range(3):
                    key = (start, c)
                    if key not in chunks:
                        chunks[key] = b"".join(prefix(v4("100.64.0.0", start + c * 1000 + k))
                                               for k in range(1000))
                    run("BLOCK_ADD", attr(E["SMTPGUARD_A_TXN_ID"], u32(tid)) + chunks[key])
                if i % 5 == 4:
                    g.close()
                    g = Genl()
                    ops += 1
                elif i % 3 == 2:
                    run("BLOCK_TXN_ABORT", attr(E["SMTPGUARD_A_TXN_ID"], u32(tid)))
                else:
                    run("BLOCK_TXN_COMMIT", attr(E["SMTPGUARD_A_TXN_ID"], u32(tid)))
        else:
            sys.exit(f"unknown storm {kind}")
        i += 1
    print(f"ops {ops} errors {len(errs)}")
    for e in errs[:5]:
        print(f"error {e}")


def churn_errors(feedfile):
    """Configure this namespace: allow, block with a timeout, a feed in a
    transaction, enforce; the errors."""
    g = Genl()
    res = []
    res.append(g.do(E["SMTPGUARD_CMD_ALLOW_ADD"], prefix("192.0.2.1"))[:2])
    res.append(g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], attr(E["SMTPGUARD_A_TIMEOUT"], u32(1)) +
                    prefix("198.51.100.7"))[:2])
    err, text, tid = begin(g, "f")
    res.append((err, text))
    if not err:
        body = attr(E["SMTPGUARD_A_TXN_ID"], u32(tid)) + b"".join(
            prefix(l.strip()) for l in open(feedfile) if l.strip())
        res.append(g.do(E["SMTPGUARD_CMD_BLOCK_ADD"], body)[:2])
        res.append(g.do(E["SMTPGUARD_CMD_BLOCK_TXN_COMMIT"],
                        attr(E["SMTPGUARD_A_TXN_ID"], u32(tid)))[:2])
    res.append(g.do(E["SMTPGUARD_CMD_MODE_SET"],
                    attr(E["SMTPGUARD_A_MODE"], bytes([E["SMTPGUARD_MODE_ENFORCE"]])))[:2])
    g.close()
    return [f"{ename(e)} {t}" for e, t in res if e]


def churn(feedfile):
    bad = churn_errors(feedfile)
    print("churn ok" if not bad else "churn " + "; ".join(bad))
    return 1 if bad else 0


def lo_up():
    import fcntl
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ifr = fcntl.ioctl(s, 0x8913, struct.pack("16sH22x", b"lo", 0))	# SIOCGIFFLAGS
    flags = struct.unpack_from("16sH", ifr)[1]
    fcntl.ioctl(s, 0x8914, struct.pack("16sH22x", b"lo", flags | 1))	# SIOCSIFFLAGS, IFF_UP
    s.close()


def spoof_syns(n):
    """n TCP SYNs to 127.0.0.2:25 from 198.18.2.1.. (dropped: EPERM)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for i in range(n):
        src = socket.inet_aton(v4("198.18.2.1", i))
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i, 0, 64, 6, 0, src,
                         socket.inet_aton("127.0.0.2"))
        tcp = struct.pack("!HHIIBBHHH", 40000 + i, 25, i, 0, 5 << 4, 0x02, 65535, 0, 0)
        try:
            s.sendto(ip + tcp, ("127.0.0.2", 0))
        except OSError:
            pass
    s.close()


def churn_loop(stopfile, feedfile):
    """Until stopfile exists: a child in a new network namespace configures
    it, fills its ledger, and exits (the namespace goes with it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNET = 0x40000000
    n = 0
    bad = []
    while not os.path.exists(stopfile):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                if libc.unshare(CLONE_NEWNET):
                    raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
                lo_up()
                msg = "; ".join(churn_errors(feedfile))
                spoof_syns(16)
            except Exception as e:  # noqa: BLE001 (reported to the parent)
                msg = repr(e)
            os.write(w, (msg or "ok").encode()[:300])
            os._exit(0)
        os.close(w)
        msg = os.read(r, 512).decode(errors="replace")
        os.close(r)
        os.waitpid(pid, 0)
        n += 1
        if msg != "ok":
            bad.append(msg)
    print(f"namespaces {n} errors {len(bad)}")
    for b in bad[:5]:
        print(f"error {b}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd = sys.argv[1]
    if cmd == "table":
        table(Genl())
    elif cmd == "join":
        print(f"join {ename(Genl().join())}")
    elif cmd == "userns-table":
        userns_table()
    elif cmd == "txns":
        txns(int(sys.argv[2]), sys.argv[3])
    elif cmd == "hold":
        hold(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "storm":
        storm(sys.argv[2], sys.argv[3])
    elif cmd == "churn":
        return churn(sys.argv[2])
    elif cmd == "churn-loop":
        churn_loop(sys.argv[2], sys.argv[3])
    elif cmd == "add":
        err, text, _ = block_add(Genl(), None if sys.argv[2] == "-" else sys.argv[2], sys.argv[3:])
        print(f"add {ename(err)} {text}".rstrip())
    elif cmd == "feeds":
        feeds(int(sys.argv[2]))
    elif cmd == "stage":
        stage(sys.argv[2], int(sys.argv[3]))
    elif cmd == "stage-reverse":
        stage_reverse(sys.argv[2], int(sys.argv[3]))
    elif cmd == "expiry":
        expiry(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "policy":
        policy_cases()
    else:
        sys.exit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
