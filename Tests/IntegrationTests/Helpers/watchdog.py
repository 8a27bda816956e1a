#!/usr/bin/env python3
"""Runs a test service and stops it when the test process goes away.

    watchdog.py LOG COMMAND [ARGS...]

Starts COMMAND with output appended to LOG and waits. When standard input (a pipe the
test process holds) reaches end of file — the test called stop(), or it exited or
crashed — the service gets SIGTERM (SIGKILL 5 s later). Exits with the service's status.

Signals are unblocked first: a process spawned from a Swift test thread inherits that
thread's blocked-signal mask, with which a shell never notices its children exit.
"""

import signal
import subprocess
import sys
import threading

signal.pthread_sigmask(signal.SIG_SETMASK, [])
for number in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
    signal.signal(number, signal.SIG_DFL)

log = open(sys.argv[1], "ab")
service = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log)


def watch():
    sys.stdin.buffer.read()
    service.terminate()
    try:
        service.wait(5)
    except subprocess.TimeoutExpired:
        service.kill()


threading.Thread(target=watch, daemon=True).start()
sys.exit(service.wait())
