"""ZMODEM: ``sz`` writes a real document through a pty, as to Xshell, and a real ``rz`` on the
other side receives it byte for byte."""
from __future__ import annotations

import os
import pty
import subprocess
import threading
from pathlib import Path

import pytest

from xinyi_core import download, printing, runtime
from xinyi_core.testing_paper import need



def relay(a: int, b: int, stop: threading.Event) -> None:
    """Copy bytes from fd ``a`` to fd ``b`` until either side closes."""
    while not stop.is_set():
        try:
            data = os.read(a, 65536)
        except OSError:
            return
        if not data:
            return
        try:
            os.write(b, data)
        except OSError:
            return


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_document_reaches_the_pc_through_the_terminal(xinyi, tmp_path):
    need("sz", "rz")
    folder = Path(runtime().config.report_dir) / "attendance.monthly" / "2026-11"
    folder.mkdir(parents=True)
    doc = folder / "新安街道_2026年11月_月度考勤汇总.xlsx"
    doc.write_bytes(os.urandom(200_000) + bytes(range(256)) * 64)  # every byte value, control ones too
    pc = tmp_path / "pc"
    pc.mkdir()
    # the operator's terminal: the app's side is a pty (as under sshd); her client is rz
    master, slave = pty.openpty()
    client = subprocess.Popen(["rz", "--binary", "--overwrite"], cwd=pc, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stop = threading.Event()
    threads = [threading.Thread(target=relay, args=(master, client.stdin.fileno(), stop), daemon=True),
               threading.Thread(target=relay, args=(client.stdout.fileno(), master, stop), daemon=True)]
    for th in threads:
        th.start()
    import tty

    tty.setraw(slave)  # the TUI puts the terminal in raw mode for sz (a suspended app gives it back cooked)
    status = download.send(doc, stdin=slave, stdout=slave)
    client.wait(timeout=60)
    stop.set()
    os.close(slave)
    os.close(master)
    assert status == 0 and client.returncode == 0
    received = pc / doc.name
    assert received.read_bytes() == doc.read_bytes()  # the human file name, and every byte


@pytest.mark.parametrize("backend", ["sqlite"])
def test_only_documents_are_sent(xinyi, tmp_path):
    """The download key cannot be turned into a way to fetch the server's other files."""
    secret = tmp_path / "xinyi.db"
    secret.write_bytes(b"x")
    with pytest.raises(printing.PrintError):
        download.send(secret)
    with pytest.raises(printing.PrintError):
        download.send(Path(runtime().config.report_dir) / ".." / ".." / "xinyi.toml")
