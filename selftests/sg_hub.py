#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Long-lived traffic helper of the smtpguard selftests (lib.sh starts one
per test script, inside the test VM, as root).

Under QEMU TCG every process start costs a second or more (python3 with
asyncio and aiosmtpd: several), so instead of one interpreter per server and
one swaks/python per check, this one process:

  - runs the real servers: aiosmtpd (the Mailbox handler, as
    "python3 -m aiosmtpd -c aiosmtpd.handlers.Mailbox" does) and
    http.server, each on a socket made inside the test's network namespace;
  - makes the clients' connections from inside a namespace: a whole SMTP
    session (smtplib: EHLO, MAIL, RCPT, DATA, QUIT), a bare TCP connect
    probe for "is this SYN dropped", an HTTP GET;
  - reads a namespace's /proc/net files for lib.sh (sg_stat), instead of
    one "ip netns exec NS cat" process per read.

A thread changes network namespace with setns(2) (only that thread moves);
a socket stays in the namespace it was made in.  Requests come one per TCP
connection on 127.0.0.1 in the guest's initial namespace (bash /dev/tcp),
as one line of tab-separated words; the answer is one line "RC<tab>TEXT".

  ping
  listen smtp|http NS ADDR PORT DIR    serve DIR (a maildir, or the web root;
                                       a file NAME.nolength there serves
                                       NAME without a Content-Length;
                                       a file NAME.redirect there makes
                                       GET /NAME a 302 to the URL it holds)
  smtp NS SERVER PORT TIMEOUT LAST LOG HELO FROM TO SUBJECT
                                       one message; the transcript goes to
                                       LAST and is appended to LOG
  connect NS SERVER PORT TIMEOUT LAST LOG
                                       0 connected (greeting read, QUIT sent),
                                       1 timed out (no answer to the SYN),
                                       3 EPERM (a netfilter drop on this
                                       host's way out), 2 any other error
                                       (refused: the SYN went through)
  reach NS DST SRC PORT TIMEOUT        a TCP SYN from NS (from SRC unless "-")
                                       to DST:PORT: 0 answered (connected,
                                       refused, or an ICMP error), 1 nothing
                                       came back (dropped), 3 EPERM (dropped
                                       on the way out of NS), 2 the probe
                                       could not be made (SRC not bindable)
  udpcount NS ADDR PORT                datagrams received on ADDR:PORT in NS
                                       since the first udpcount of it (which
                                       opens the receiver: 0 then)
  udpsend NS SRC DST PORT N            N datagrams from SRC ("-": any) to
                                       DST:PORT: 0 all sent, 3 every one
                                       refused with EPERM, 2 other errors;
                                       the text says "sent S eperm E"
  http NS ADDR PORT TIMEOUT            GET /probe.txt: 0 when it came back
  cat NS FILE                          /proc/net/FILE as NS shows it: the
                                       answer "0<tab>N" and N more lines
  forget NS                            close the servers in NS (before
                                       "ip netns del", so the hub holds no
                                       reference to a namespace a test frees)
  quit

A thread is inside a namespace only for the one request: between requests
the hub holds nothing there but the listening sockets it was asked for.

Started as: sg_hub.py LOGFILE PORTFILE; prints "ready PORT" on stdout once
it serves (after writing PORT to PORTFILE), then logs to LOGFILE only.
"""

import asyncio
import concurrent.futures
import ctypes
import email.utils
import errno
import http.server
import importlib
import os
import signal
import socket
import smtplib
import sys
import threading
import time
import traceback
import urllib.request
import weakref

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1

libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


INIT_NS = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def ns_path(ns):
    if "/" in ns:
        return ns
    return "/run/netns/" + ns


class InNs:
    """with InNs(ns): the calling thread works inside that namespace."""

    def __init__(self, ns):
        self.ns = ns

    def __enter__(self):
        if self.ns in ("", "-", "init"):
            return self
        fd = os.open(ns_path(self.ns), os.O_RDONLY | os.O_CLOEXEC)
        try:
            setns(fd)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        if self.ns not in ("", "-", "init"):
            setns(INIT_NS)
        return False


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


class Hub:
    def __init__(self, loop):
        self.loop = loop
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=48)
        self.servers = {}  # ns -> [(in_loop, close callable)]
        self.sessions = {}  # ns -> weak set of SMTP protocol objects
        self.udp = {}  # (ns, addr, port) -> [socket, datagrams counted]
        # what aiosmtpd would look up for every connection
        self.fqdn = socket.getfqdn()

    def run(self, ns, fn, *args):
        def job():
            with InNs(ns):
                return fn(*args)

        return self.loop.run_in_executor(self.pool, job)

    # ---- servers -------------------------------------------------------

    @staticmethod
    def make_listener(addr, port):
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, int(port)))
            s.listen(128)
        except BaseException:
            s.close()
            raise
        return s

    async def listen_smtp(self, ns, addr, port, maildir):
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import SMTP

        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(maildir, d), exist_ok=True)
        sock = await self.run(ns, self.make_listener, addr, port)
        handler = Mailbox(maildir)
        live = self.sessions.setdefault(ns, weakref.WeakSet())

        def factory():
            proto = SMTP(handler, hostname=self.fqdn)
            live.add(proto)
            return proto

        server = await self.loop.create_server(factory, sock=sock)
        self.servers.setdefault(ns, []).append((True, server.close))
        return "aiosmtpd on %s port %s in %s" % (addr, port, ns)

    async def listen_http(self, ns, addr, port, root):
        sock = await self.run(ns, self.make_listener, addr, port)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def do_GET(self):
                # NAME.redirect next to NAME: a 302 to the URL it holds
                target = os.path.join(root, self.path.lstrip("/").split("?")[0] + ".redirect")
                if os.path.isfile(target):
                    with open(target, encoding="utf-8") as f:
                        where = f.read().strip()
                    self.send_response(302)
                    self.send_header("Location", where)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                # NAME.nolength next to NAME: NAME without a Content-Length
                # (the end is the connection's), as a chunked reply has none
                path = os.path.join(root, self.path.lstrip("/").split("?")[0])
                if os.path.isfile(path + ".nolength") and os.path.isfile(path):
                    with open(path, "rb") as f:
                        data = f.read()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(data)
                    self.close_connection = True
                    return
                super().do_GET()

            def log_message(self, fmt, *a):
                log("http %s:%s:" % (addr, port), fmt % a)

        class Server(http.server.ThreadingHTTPServer):
            address_family = sock.family

        srv = Server(sock.getsockname()[:2], Handler, bind_and_activate=False)
        srv.socket.close()
        srv.socket = sock
        t = threading.Thread(target=srv.serve_forever, args=(0.2,), daemon=True)
        t.start()

        def close():
            srv.shutdown()
            srv.server_close()

        self.servers.setdefault(ns, []).append((False, close))
        return "http.server on %s port %s in %s" % (addr, port, ns)

    # ---- clients -------------------------------------------------------

    @staticmethod
    def smtp_session(server, port, timeout, last, logf, helo, mfrom, rcpt, subject):
        lines = []

        class Client(smtplib.SMTP):
            def _print_debug(self, *args):
                lines.append(" ".join(str(a) for a in args))

        rc = 0
        lines.append("=== Trying %s:%s..." % (server, port))
        c = Client(timeout=float(timeout), local_hostname=helo)
        c.set_debuglevel(1)
        try:
            try:
                c.connect(server, int(port))
            except (OSError, smtplib.SMTPException) as e:
                lines.append("*** Error connecting to %s:%s: %s" % (server, port, e))
                rc = 2
            else:
                lines.append("=== Connected to %s." % server)
                msg = (
                    "Date: %s\r\nTo: %s\r\nFrom: %s\r\nSubject: %s\r\n"
                    "Message-Id: %s\r\nX-Mailer: smtpguard selftest hub\r\n\r\n"
                    "This is a test mailing\r\n"
                    % (email.utils.formatdate(localtime=True), rcpt, mfrom,
                       subject, email.utils.make_msgid(domain=helo))
                )
                try:
                    c.ehlo()
                    c.sendmail(mfrom, [rcpt], msg)
                    c.quit()
                    lines.append("=== Message delivered, connection closed")
                except (OSError, smtplib.SMTPException) as e:
                    lines.append("*** %s: %s" % (type(e).__name__, e))
                    rc = 3
        finally:
            c.close()
        write_transcript(last, logf, "smtp", server, port, rc, lines)
        return rc, lines[-1]

    @staticmethod
    def connect_probe(server, port, timeout, last, logf):
        lines = ["=== Trying %s:%s (connect only, timeout %ss)..." % (server, port, timeout)]
        fam = socket.AF_INET6 if ":" in server else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        t0 = time.monotonic()
        try:
            s.settimeout(float(timeout))
            try:
                s.connect((server, int(port)))
            except socket.timeout:
                rc = 1
                lines.append("*** Timed out after %.2fs: no answer to the SYN" % (time.monotonic() - t0))
            except PermissionError as e:
                rc = 3
                lines.append("*** Dropped on the way out: %s" % (e.strerror or e))
            except OSError as e:
                rc = 2
                lines.append("*** Error connecting to %s:%s: %s" % (server, port, e.strerror or e))
            else:
                rc = 0
                lines.append("=== Connected to %s. (%.3fs)" % (server, time.monotonic() - t0))
                try:
                    s.settimeout(max(float(timeout), 5.0))
                    greeting = s.recv(512).decode("ascii", "replace").strip()
                    lines.append("<-  " + greeting)
                    s.sendall(b"QUIT\r\n")
                    lines.append(" -> QUIT")
                    s.recv(512)
                except OSError as e:
                    lines.append("*** after connecting: %s" % e)
        finally:
            s.close()
        write_transcript(last, logf, "connect", server, port, rc, lines)
        return rc, lines[-1] if rc else lines[1]

    @staticmethod
    def reach(dst, src, port, timeout):
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.settimeout(float(timeout))
            if src and src != "-":
                try:
                    s.bind((src, 0))
                except OSError as e:
                    return 2, "cannot send from %s: %s" % (src, e)
            try:
                s.connect((dst, int(port)))
            except socket.timeout:
                return 1, "%s:%s: no answer in %ss" % (dst, port, timeout)
            except ConnectionRefusedError:
                return 0, "%s:%s: refused" % (dst, port)
            except PermissionError:
                return 3, "%s:%s: EPERM, dropped on the way out" % (dst, port)
            except OSError as e:
                if e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
                    return 0, "%s:%s: %s" % (dst, port, e.strerror)
                return 2, "%s:%s: %s" % (dst, port, e)
            return 0, "%s:%s: connected" % (dst, port)
        finally:
            s.close()

    def udp_count(self, ns, addr, port):
        """Open the receiver on first use; count what arrived since."""
        key = (ns, addr, int(port))
        rx = self.udp.get(key)
        if rx is None:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            sock = socket.socket(fam, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            sock.bind((addr, int(port)))
            sock.setblocking(False)
            rx = self.udp[key] = [sock, 0]
            self.servers.setdefault(ns, []).append((False, sock.close))
        while True:
            try:
                rx[0].recv(2048)
            except BlockingIOError:
                break
            rx[1] += 1
        return 0, str(rx[1])

    @staticmethod
    def udp_send(src, dst, port, n):
        fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        sent = eperm = other = 0
        last = ""
        try:
            if src and src != "-":
                try:
                    s.bind((src, 0))
                except OSError as e:
                    return 2, "cannot send from %s: %s" % (src, e)
            for i in range(int(n)):
                try:
                    s.sendto(b"smtpguard one-way %d" % i, (dst, int(port)))
                    sent += 1
                except PermissionError:
                    eperm += 1
                except OSError as e:
                    other += 1
                    last = str(e)
        finally:
            s.close()
        text = "sent %d eperm %d" % (sent, eperm)
        if other:
            return 2, "%s errors %d: %s" % (text, other, last)
        if eperm and not sent:
            return 3, text
        return (0 if not eperm else 2), text

    @staticmethod
    def http_get(addr, port, timeout):
        host = "[%s]" % addr if ":" in addr else addr
        url = "http://%s:%s/probe.txt" % (host, port)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=float(timeout)) as r:
                body = r.read()
                ok = r.status == 200 and b"smtpguard-http-ok" in body
        except OSError as e:
            return 1, "%s: %s" % (url, e)
        return (0, url + ": ok") if ok else (1, url + ": unexpected answer")

    # ---- namespaces ----------------------------------------------------

    async def forget(self, ns):
        n = 0
        for key in [k for k in self.udp if k[0] == ns]:
            del self.udp[key]
        for in_loop, close in self.servers.pop(ns, []):
            if in_loop:
                close()
            else:
                await self.loop.run_in_executor(self.pool, close)
            n += 1
        for proto in list(self.sessions.pop(ns, ())):
            tr = getattr(proto, "transport", None)
            if tr is not None and not tr.is_closing():
                tr.abort()
        return "closed %d servers in %s" % (n, ns)

    @staticmethod
    def proc_net(name):
        # thread-self: this thread's namespace, not the process's
        with open("/proc/thread-self/net/" + name, encoding="utf-8") as f:
            return f.read().splitlines()

    # ---- requests ------------------------------------------------------

    async def handle(self, reader, writer):
        try:
            line = (await reader.readline()).decode("utf-8", "replace").rstrip("\n")
            w = line.split("\t")
            body = []
            try:
                rc, text = await self.dispatch(w)
                if isinstance(text, list):
                    body, text = text, str(len(text))
            except OSError as e:
                rc, text = 98, "%s: %s" % (type(e).__name__, e)
            except Exception as e:  # pylint: disable=broad-except
                log("request %r failed:\n%s" % (w, traceback.format_exc()))
                rc, text = 99, "%s: %s" % (type(e).__name__, e)
            text = str(text).replace("\n", " ").replace("\t", " ")
            out = "%d\t%s\n" % (rc, text) + "".join(line + "\n" for line in body)
            writer.write(out.encode())
            await writer.drain()
        finally:
            writer.close()

    async def dispatch(self, w):
        cmd, a = w[0], w[1:]
        if cmd == "ping":
            return 0, "pong %d" % os.getpid()
        if cmd == "listen" and len(a) == 5:
            kind, ns, addr, port, path = a
            try:
                if kind == "smtp":
                    return 0, await self.listen_smtp(ns, addr, port, path)
                if kind == "http":
                    return 0, await self.listen_http(ns, addr, port, path)
            except OSError as e:
                return 1, "listen %s %s:%s in %s: %s" % (kind, addr, port, ns, e)
        if cmd == "smtp" and len(a) == 10:
            ns = a[0]
            return await self.run(ns, self.smtp_session, *a[1:])
        if cmd == "connect" and len(a) == 6:
            ns = a[0]
            return await self.run(ns, self.connect_probe, *a[1:])
        if cmd == "reach" and len(a) == 5:
            return await self.run(a[0], self.reach, *a[1:])
        if cmd == "udpcount" and len(a) == 3:
            return await self.run(a[0], self.udp_count, *a)
        if cmd == "udpsend" and len(a) == 5:
            return await self.run(a[0], self.udp_send, *a[1:])
        if cmd == "http" and len(a) == 4:
            ns = a[0]
            return await self.run(ns, self.http_get, *a[1:])
        if cmd == "cat" and len(a) == 2 and "/" not in a[1]:
            return 0, await self.run(a[0], self.proc_net, a[1])
        if cmd == "forget" and len(a) == 1:
            return 0, await self.forget(a[0])
        if cmd == "quit":
            self.loop.call_soon(self.loop.stop)
            return 0, "bye"
        return 2, "bad request: %r" % (w,)


def write_transcript(last, logf, what, server, port, rc, lines):
    text = "\n".join(lines) + "\n"
    if last and last != "-":
        with open(last, "w") as f:
            f.write(text)
    if logf and logf != "-":
        with open(logf, "a") as f:
            f.write("== %s to %s:%s (hub): exit %d\n%s" % (what, server, port, rc, text))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: sg_hub.py LOGFILE PORTFILE")
    logfile, portfile = sys.argv[1:]
    # Go when the test script that started us goes, however it ends.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    fd = os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    # aiosmtpd is imported here, not at the first server: the import is the
    # slow part.  Without it, the hub still probes and reads for lib.sh;
    # asking it for an SMTP server then fails (and lib.sh says why).
    for mod in ("aiosmtpd.smtp", "aiosmtpd.handlers"):
        try:
            importlib.import_module(mod)
        except ImportError as e:
            log("no SMTP servers: %s" % e)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    hub = Hub(loop)
    server = loop.run_until_complete(
        asyncio.start_server(hub.handle, "127.0.0.1", 0, backlog=128))
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    sys.stdout.write("ready %d\n" % port)
    sys.stdout.flush()
    os.dup2(2, 1)
    log("hub %d serving on 127.0.0.1:%d" % (os.getpid(), port))
    try:
        loop.run_forever()
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
