#!/usr/bin/python3
# Console clients for tests/integration/console.sh (stdlib only). Prints "RESULT <key> <value>" lines.
#
#   console-client.py fd TOKEN      the pty master is fd 3 (itest-call console NAME ...): check it is a tty,
#                                   run `echo out-$((TOKEN+1))` and `stty size` after a TIOCSWINSZ 33x111
#   console-client.py hangup        fd 3 again: print "RESULT attached 1", then wait (15 s at most) for
#                                   the console to hang up (EIO / empty read) and print "RESULT hangup 1"
#   console-client.py berthctl TOKEN BERTHCTL NAME
#                                   run `BERTHCTL console NAME` on a new pty (a real terminal), type
#                                   `echo tty-$((TOKEN+1))`, read the answer, detach with Ctrl-a q
import errno
import fcntl
import os
import re
import select
import struct
import sys
import termios
import time


def result(key, value):
    print("RESULT %s %s" % (key, value), flush=True)


def expect(fd, pattern, timeout=5.0):
    """Read fd until the regex (bytes) matches the accumulated output; returns (matched, output)."""
    buf = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError as e:
            if e.errno == errno.EIO:
                return False, buf
            raise
        if not chunk:
            return False, buf
        buf += chunk
        if re.search(pattern, buf):
            return True, buf
    return False, buf


def show(buf):
    return repr(buf[-200:].decode("utf-8", "replace"))


def mode_fd(token):
    fd = 3
    result("isatty", 1 if os.isatty(fd) else 0)
    os.write(fd, b"echo out-$((%d+1))\n" % token)
    ok, buf = expect(fd, rb"out-%d" % (token + 1))
    result("echo", 1 if ok else 0)
    if not ok:
        result("echo-output", show(buf))
    # The monitor notices a resize of our pty within its 200 ms tick and copies it to the console.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    time.sleep(0.6)
    os.write(fd, b"/bin/busybox stty size; echo size-done-$((%d+2))\n" % token)
    ok, buf = expect(fd, rb"size-done-%d" % (token + 2))
    m = re.search(rb"(\d+) (\d+)\r?\n[^\n]*size-done", buf)
    result("size", (m.group(1) + b"x" + m.group(2)).decode() if m else "none:" + show(buf))


def mode_hangup():
    fd = 3
    result("attached", 1)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            if not os.read(fd, 4096):
                break
        except OSError as e:
            if e.errno == errno.EIO:
                break
            raise
    else:
        result("hangup", 0)
        return
    result("hangup", 1)


def mode_berthctl(token, berthctl, name):
    pid, master = os.forkpty()
    if pid == 0:
        os.execv(berthctl, [berthctl, "console", name])
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    time.sleep(0.5)  # let berthctl attach and switch the terminal to raw mode
    os.write(master, b"echo tty-$((%d+1))\r" % token)
    ok, buf = expect(master, rb"tty-%d" % (token + 1))
    result("tty-echo", 1 if ok else 0)
    if not ok:
        result("tty-output", show(buf))
    os.write(master, b"\x01q")
    deadline = time.monotonic() + 5
    status = None
    while time.monotonic() < deadline:
        # keep draining so berthctl never blocks on its output
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                os.read(master, 4096)
            except OSError:
                pass
        p, st = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            status = st
            break
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        result("detach-exit", "timeout")
    else:
        result("detach-exit", os.waitstatus_to_exitcode(status))


def main():
    mode = sys.argv[1]
    if mode == "fd":
        mode_fd(int(sys.argv[2]))
    elif mode == "hangup":
        mode_hangup()
    elif mode == "berthctl":
        mode_berthctl(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown mode " + mode)


main()
