#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Run a command and measure the CPU time it used.

    cputime.py CMD [ARGS...]

Prints one line "cpu_ns=N wall_ns=N rc=N": the CPU time the command and
the children it waited for used (user + system, from wait4's rusage: the
scheduler's exact runtime, the kernel work of its netlink requests
included) and the elapsed time.  The command's own output goes to
/dev/null.  In the benchmark's guest (QEMU instruction counting) the CPU
time is the instructions the command executed, while the elapsed time
also jumps over every wait for the host's 9p file server.
"""
import os
import sys
import time


def main(argv):
    if not argv:
        sys.exit(__doc__)
    devnull = os.open(os.devnull, os.O_RDWR)
    t0 = time.monotonic_ns()
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.monotonic_ns()
    cpu = round((ru.ru_utime + ru.ru_stime) * 1e9)
    print("cpu_ns=%d wall_ns=%d rc=%d" % (cpu, t1 - t0,
                                         os.waitstatus_to_exitcode(status)))


if __name__ == "__main__":
    main(sys.argv[1:])
