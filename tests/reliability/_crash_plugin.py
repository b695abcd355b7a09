"""A plugin for the crash tests: a report that writes slowly, a no-op actor and a
schedule every two seconds.

Loaded by the test process and by the subprocesses the tests kill (which find it
on ``sys.path``). Environment, read when the report renders:

``XINYI_CRASHTEST_MARK``   text written into A1, so a test tells two versions of the file apart.
``XINYI_CRASHTEST_STALL``  seconds the "disk" stalls half-way through writing the file (a slow
                          disk or network share writing a large workbook): the test kills the
                          process during the stall, when the file on disk is half written.
"""
from __future__ import annotations

import io
import os
import time
from pathlib import Path

from xinyi_core import export, hookimpl
from xinyi_core.jobs import ActorSpec, JobContext, ReportContext, ReportSpec, Schedule

XINYI_API = "1"
ROWS = 3000
EVERY_2S = "crashtest.every_2s"


def render_big(ctx: ReportContext, fmt: str, path: Path) -> None:
    wb, ws = export.workbook()
    ws.append([os.environ.get("XINYI_CRASHTEST_MARK", ""), ctx.period])
    for i in range(ROWS):
        ws.append([i, f"协理员{i:05d}", "甲镇", f"{i % 28 + 1}日", "在岗"])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    half = len(data) // 2
    stall = float(os.environ.get("XINYI_CRASHTEST_STALL", "0"))
    ctx.progress(0.5, "写入文件")
    with open(path, "wb", buffering=0) as out:  # unbuffered: what was written is on disk
        out.write(data[:half])
        time.sleep(stall)
        out.write(data[half:])


def render_pair(ctx: ReportContext, fmt: str, path: Path) -> None:
    """A report of two files, ``.xlsx`` then ``.docx``, each marked; the disk stalls half-way through
    the second, so a test can kill the process when the first is complete and the second is not."""
    mark = os.environ.get("XINYI_CRASHTEST_MARK", "")
    buf = io.BytesIO()
    if fmt == "xlsx":
        wb, ws = export.workbook()
        ws.append([mark, ctx.period])
        wb.save(path)
        return
    doc = export.document()
    doc.add_paragraph(mark)
    for i in range(ROWS // 10):
        doc.add_paragraph(f"协理员{i:05d} 甲镇 在岗")
    doc.save(buf)
    data = buf.getvalue()
    half = len(data) // 2
    with open(path, "wb", buffering=0) as out:
        out.write(data[:half])
        time.sleep(float(os.environ.get("XINYI_CRASHTEST_STALL", "0")))
        out.write(data[half:])


def noop(job: JobContext, *, town: str | None = None) -> None:
    return None


@hookimpl
def xinyi_reports() -> list[ReportSpec]:
    return [ReportSpec("crashtest.big", "crashtest.title", render_big, formats=("xlsx",), period="month"),
            ReportSpec("crashtest.pair", "crashtest.title", render_pair, formats=("xlsx", "docx"), period="month")]


@hookimpl
def xinyi_actors() -> list[ActorSpec]:
    return [ActorSpec("crashtest.noop", noop, "crashtest.title")]


@hookimpl
def xinyi_schedules() -> list[Schedule]:
    return [Schedule(EVERY_2S, "crashtest.noop", "*/2 * * * * *", per_town=False)]


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "崩溃测试"}
