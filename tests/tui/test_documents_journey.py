"""Issue 19, done when: from the demo city, in a real terminal, the clerk prints a leave slip,
downloads the month's attendance sheet with ZMODEM, and finds the PDF in her outbox.

The installed ``xinyi`` runs in tmux (80×24) behind ``_zmodem_term.py``, a terminal that receives
ZMODEM by itself as Xshell does (a real ``rz`` into a folder standing for her PC). Her town's
printer is a cups-pdf queue of this test on the machine's running CUPS; the PDF cups-pdf writes
is read back. ``scripts/test.sh`` installs CUPS, cups-pdf, LibreOffice, poppler and lrzsz and sets
``XINYI_TEST_REQUIRE_PRINT=1``: a missing part then fails instead of skipping.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from xinyi_core import testing
from xinyi_core.testing_paper import need, pages

XINYI = Path(sys.executable).parent / "xinyi"
TERMINAL = Path(__file__).with_name("_zmodem_term.py")
# The demo city and the app on a fixed day: the slips around "today" that the clerk opens depend on the day
# the city is built (on a day with none in her town, 请假管理 was empty and these tests failed)
CLOCK = "2026-11-30T09:00"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (scripts/test.sh installs it)")]


@pytest.fixture
def town_printer(cups_queue: str) -> str:
    """Her town's printer: a cups-pdf queue of this test, with the converter and ZMODEM at hand."""
    need("soffice", "sz", "rz")
    return cups_queue


def poll(what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


def test_the_clerk_prints_a_slip_downloads_the_sheet_and_finds_the_pdf_in_her_outbox(tmp_path: Path,
                                                                                      town_printer: str):
    config = tmp_path / "xinyi.toml"
    config.write_text('[paths]\ndata_dir = "data"\n\n[print]\npdf_beside = true\n', "utf-8")
    (tmp_path / "towns.toml").write_text(f'[town.xinan]\nprinter = "{town_printer}"\n', "utf-8")
    env = {**os.environ, "XINYI_CONFIG": str(config), "XINYI_CLOCK": CLOCK}
    subprocess.run([str(XINYI), "demo", "--assistants", "60", "--villages", "30"], env=env, check=True,
                   capture_output=True, timeout=120)
    db = tmp_path / "data" / "xinyi.db"

    def job(kind: str) -> tuple | None:
        with sqlite3.connect(db, timeout=10) as con:
            row = con.execute("select state, message, outputs, error from xinyi_job where kind = ? "
                              "order by id desc limit 1", (kind,)).fetchone()
        con.close()
        return row if row and row[0] in ("done", "failed") else None

    pc, received = tmp_path / "pc", tmp_path / "rz.log"
    pc.mkdir()
    tmux = testing.TmuxPane(f"XINYI_CONFIG={config} XINYI_CLOCK={CLOCK} {sys.executable} {TERMINAL} --pc {pc} --log {received} -- "
                            f"{XINYI}; echo EXIT=$?; sleep 30", name="xinyi-documents")
    tmux.KEY_PAUSE = 0.3
    try:
        tmux.login("xinan_clerk", "xinyi123")

        # 1. A leave slip, printed on her town's printer
        tmux.keys("F5")  # 请假管理
        tmux.wait_for("回车：查看请假单全文")
        tmux.keys("p")
        pane = tmux.wait_for("文件已生成")
        slip_docx = re.search(r"(请假单_\S+?\.docx)", pane).group(1)
        assert str(tmp_path) not in pane and "reports" not in pane  # her file's name, never a server path
        tmux.keys("p")
        tmux.wait_for("已提交打印")
        state, message, outputs, error = poll("the print job", lambda: job("core.print"))
        assert state == "done", error
        request = re.search(rf"{town_printer}-(\d+)", message).group(1)
        out = poll("cups-pdf's PDF", lambda: [p for p in (Path.home() / "PDF").glob(f"*-job_{request}.pdf")
                                             if p.stat().st_size > 0])[0]
        time.sleep(0.5)  # cups-pdf may still be writing
        assert pages(out) == 1  # 附件4: the slip and its stub on one A4 page
        slip_pdf = slip_docx.replace(".docx", ".pdf")

        # 2. The month's attendance sheet, to her PC by ZMODEM
        tmux.keys("F10")  # 月度考勤汇总
        tmux.wait_for("生成表格")
        tmux.keys("r")
        state, _, outputs, error = poll("the monthly sheet", lambda: job("attendance.monthly"))
        assert state == "done", error
        sheet = next(Path(p) for p in re.findall(r'"([^"]+)"', outputs) if p.endswith(".xlsx"))
        month_pdf = sheet.with_suffix(".pdf").name
        tmux.keys("F2")
        tmux.keys("9")
        tmux.keys("c")  # 后台任务: the sheet's job is the newest
        tmux.wait_for("月度考勤汇总（新安街道")
        tmux.keys("d")  # its files: the .xlsx (highlighted) and its PDF
        pane = tmux.wait_for("选择文件")
        assert sheet.name in pane and month_pdf in pane
        tmux.keys("d")
        pane = tmux.wait_for("已发送到您的电脑", timeout=60)
        assert "月度考勤汇总（新安街道" in pane  # back on the same screen (the dialog over the job panel)
        assert "RZ-EXIT=0" in received.read_text()
        assert (pc / sheet.name).read_bytes() == sheet.read_bytes()  # the name people use, every byte
        with sqlite3.connect(db, timeout=10) as con:  # personal data left the server: on the record
            notes = [r[0] for r in con.execute("select note from audit_log where action = 'documents.download'")]
        con.close()
        assert notes == [f"下载到本机：{sheet.name}"]

        # 3. Her outbox: the PDFs among the files she made
        tmux.keys("Escape")
        tmux.keys("o")
        pane = tmux.wait_for("我的文件（")
        assert slip_pdf in pane and month_pdf in pane and slip_docx in pane
        folder = tmp_path / "data" / "outbox" / "xinan_clerk" / "files"
        copy = folder / slip_pdf
        assert copy.is_file() and stat.S_IMODE(copy.stat().st_mode) == 0o600  # for SFTP, hers alone
        assert (folder / month_pdf).is_file()

        tmux.keys("C-q")
        assert "EXIT=0" in tmux.wait_for("EXIT=")
    finally:
        tmux.close()


def test_a_terminal_without_zmodem_brings_her_back_to_the_same_screen_with_the_sftp_way(tmp_path: Path):
    """PuTTY has no ZMODEM: the transfer is cancelled (five Ctrl+X, as the screen says), the app comes
    back where she was, says the file did not arrive and where to fetch it instead, and still works."""
    need("sz")
    config = tmp_path / "xinyi.toml"
    config.write_text('[paths]\ndata_dir = "data"\n', "utf-8")
    subprocess.run([str(XINYI), "demo", "--assistants", "60", "--villages", "30"],
                   env={**os.environ, "XINYI_CONFIG": str(config), "XINYI_CLOCK": CLOCK}, check=True, capture_output=True, timeout=120)
    tmux = testing.TmuxPane(f"XINYI_CONFIG={config} XINYI_CLOCK={CLOCK} {XINYI}; echo EXIT=$?; sleep 30", name="xinyi-no-zmodem")
    tmux.KEY_PAUSE = 0.3
    try:
        tmux.login("xinan_clerk", "xinyi123")
        tmux.keys("F5")
        tmux.wait_for("回车：查看请假单全文")
        tmux.keys("p")
        tmux.wait_for("文件已生成")
        tmux.keys("d")
        tmux.wait_until(lambda pane: "连按五次 Ctrl+X" in pane or "未收到" in pane, "the transfer or its end")
        for _ in range(5):
            tmux.keys("C-x")
        pane = tmux.wait_for("未收到", timeout=40)
        assert "SFTP" in pane.replace("\n", "")
        tmux.keys("Escape")  # the dialog closes: the leave list, as she left it
        tmux.wait_for("回车：查看请假单全文")
        tmux.keys("C-q")
        assert "EXIT=0" in tmux.wait_for("EXIT=")
    finally:
        tmux.close()
