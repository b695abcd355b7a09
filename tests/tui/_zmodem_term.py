"""The operator's SSH client with ZMODEM, as Xshell or SecureCRT are, for the journey test.

Usage: ``python _zmodem_term.py --pc DIR --log FILE -- command args…``

Runs ``command`` on a pty of its own (sized like the terminal this runs in, a tmux pane) and
relays bytes both ways, like a terminal emulator. When the program starts a ZMODEM send (``sz``
writes the ZRQINIT header ``**\\x18B00``), it does what those clients do by themselves: it runs a
real ``rz`` receiving into ``DIR`` (the operator's PC) on that stream until ``rz`` ends, writes
``RZ-EXIT=<status>`` to ``FILE``, and goes back to being a terminal.
"""
from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import tty

ZRQINIT = b"**\x18B00"  # ZPAD ZPAD ZDLE, a hex header, frame type 00: "receiver, get ready"


def receive(master: int, first: bytes, pc: str, log: str) -> None:
    rz = subprocess.Popen(["rz", "--binary", "--overwrite"], cwd=pc, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert rz.stdin is not None and rz.stdout is not None
    to_rz, from_rz = rz.stdin.fileno(), rz.stdout.fileno()
    os.write(to_rz, first)
    while rz.poll() is None:
        ready, _, _ = select.select([master, from_rz], [], [], 0.2)
        try:
            if master in ready:
                data = os.read(master, 65536)
                if not data:
                    break
                os.write(to_rz, data)
            if from_rz in ready:
                data = os.read(from_rz, 65536)
                if data:
                    os.write(master, data)
        except OSError:
            break
    status = rz.wait(timeout=30)
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"RZ-EXIT={status}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pc", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    fcntl.ioctl(master, termios.TIOCSWINSZ, size)
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    carry = b""
    try:
        while True:
            ready, _, _ = select.select([0, master], [], [])
            if master in ready:
                try:
                    data = carry + os.read(master, 65536)
                except OSError:
                    break
                if data == carry:
                    break
                start = data.find(ZRQINIT)
                if start >= 0:
                    os.write(1, data[:start])
                    carry = b""
                    receive(master, data[start:], args.pc, args.log)
                    continue
                keep = next((n for n in range(len(ZRQINIT) - 1, 0, -1) if data.endswith(ZRQINIT[:n])), 0)
                os.write(1, data[:len(data) - keep])
                carry = data[len(data) - keep:]
            if 0 in ready:
                data = os.read(0, 4096)
                if not data:
                    break
                os.write(master, data)
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
