"""CRASHES (issue 11): the process writing a report killed with SIGKILL half-way through the file.

The ``crashtest.big`` report (``_crash_plugin.py``) writes a real workbook and
stalls half-way, as a slow disk would; the test kills the process writing it
when half the file is on disk. The report's own path must then hold the
previous complete version, the job must run again — on the in-process queue
when the next process starts its queue, on Redis when another worker takes
over the dead one's message — and the next write removes the dead process's
half-written temporary file.
"""
from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import openpyxl
import pytest
import redis

from xinyi_core import export, jobs, lifecycle, reports, testing
from xinyi_core.jobs import JobContext, broker, registry
from xinyi_core.models import Operator

from _crash_helpers import REDIS_URL, Site, assert_database_sound, kill9, lines, stop, tmp_files, wait_until

PERIOD = "2026-10"


def final_path(site: Site) -> Path:
    return reports.output_path(site.report_dir, "crashtest.big", PERIOD, "新沂市", "崩溃测试", "xlsx")


def mark_of(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return next(wb.active.iter_rows(max_row=1, values_only=True))[0]
    finally:
        wb.close()


def write_version(monkeypatch, mark: str) -> None:
    """Run the report to the end in this process: a complete file marked ``mark``."""
    monkeypatch.setenv("XINYI_CRASHTEST_MARK", mark)
    reports.run(registry().reports["crashtest.big"], {"period": PERIOD, "town": None}, JobContext(None))


def half_written(site: Site) -> Path | None:
    found = [p for p in tmp_files(site.report_dir) if p.stat().st_size > 0]
    return found[0] if found else None


def assert_killed_mid_write(site: Site, tmp: Path) -> None:
    assert tmp.exists() and not zipfile.is_zipfile(tmp)  # the dead process's file really is half a workbook
    assert mark_of(final_path(site)) == "v1"  # the report's path still holds the last complete version


@pytest.fixture
def site(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("XINYI_JOB_RETRIES", "1")
    site = Site(tmp_path, database_url, only_test_plugin=True)
    site.start()
    testing.build_city()
    write_version(monkeypatch, "v1")
    yield site
    lifecycle.shutdown()


def test_an_app_killed_mid_report_leaves_the_old_file_and_the_next_queue_start_runs_it_again(
        site, monkeypatch, tmp_path):
    lifecycle.shutdown()
    out = tmp_path / "acks.txt"
    app = site.spawn("report", PERIOD, out=out, XINYI_CRASHTEST_STALL="60", XINYI_CRASHTEST_MARK="killed")
    try:
        tmp = wait_until(lambda: half_written(site), what="the report to be half written", proc=app)
    finally:
        kill9(app)
    job_id = int(lines(out)[0][1])
    assert_killed_mid_write(site, tmp)

    site.start()  # the app again: the job is still the dead process's, not finished
    assert_database_sound()
    stranded = jobs.get(None, job_id)
    assert stranded.active and stranded.progress < 1 and stranded.owner.endswith(f":{app.pid}")

    monkeypatch.setenv("XINYI_CRASHTEST_MARK", "v2")
    broker.start(worker_threads=1)  # its queue starts (first job, `xinyi scheduler`): it adopts the job
    done = testing.wait_for_job(job_id, timeout=20)
    assert done.state == "done" and done.attempts == 2 and done.outputs == [str(final_path(site))]
    assert mark_of(final_path(site)) == "v2"
    assert tmp_files(site.report_dir) == []  # the half-written file is gone


@pytest.fixture
def redis_site(tmp_path, monkeypatch):
    """SQLite only: the file and the Redis hand-over do not depend on the database."""
    namespace = f"xinyi-crash-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("XINYI_QUEUE_NAMESPACE", namespace)
    monkeypatch.setenv("XINYI_QUEUE_HEARTBEAT_MS", "2000")  # a silent worker is presumed dead after 2 s
    monkeypatch.setenv("XINYI_QUEUE_MAINTENANCE", "1000000")  # and checked for on every Redis call
    monkeypatch.setenv("XINYI_JOB_RETRIES", "1")
    site = Site(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}", redis_url=REDIS_URL, only_test_plugin=True)
    site.start()
    testing.build_city()
    write_version(monkeypatch, "v1")
    broker.start()  # this process only sends
    yield site
    lifecycle.shutdown()
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.mark.redis
def test_a_worker_killed_mid_report_leaves_the_old_file_and_another_worker_runs_it_again(redis_site):
    site = redis_site
    first = site.spawn("worker", XINYI_CRASHTEST_STALL="60", XINYI_CRASHTEST_MARK="killed")
    second = None
    try:
        job = jobs.submit(Operator.get(Operator.role == "city_office"), "crashtest.big",
                          period=PERIOD)
        tmp = wait_until(lambda: half_written(site), what="the report to be half written", proc=first)
        kill9(first)
        assert_killed_mid_write(site, tmp)
        assert jobs.get(None, job.id).active  # not finished, not failed: its message is still Redis's

        second = site.spawn("worker", XINYI_CRASHTEST_MARK="v2")
        done = testing.wait_for_job(job.id, timeout=30)
        assert done.state == "done" and done.attempts == 2 and done.error is None
        assert mark_of(final_path(site)) == "v2"
        assert tmp_files(site.report_dir) == []
    finally:
        stop(first, second)


# --------------------------------------------------------------------------- a report of two files

def pair(site: Site) -> tuple[Path, Path]:
    return tuple(reports.output_path(site.report_dir, "crashtest.pair", PERIOD, "新沂市", "崩溃测试", fmt)
                 for fmt in ("xlsx", "docx"))


def marks_of_pair(site: Site) -> tuple[str, str]:
    import docx

    xlsx, docx_path = pair(site)
    return mark_of(xlsx), docx.Document(str(docx_path)).paragraphs[0].text


def leftovers(site: Site) -> list[str]:
    """Temporary files and commit journals: nothing once a set is settled."""
    return sorted(p.name for p in pair(site)[0].parent.iterdir() if p.name.startswith("."))


@pytest.fixture
def pair_site(site, monkeypatch):
    monkeypatch.setenv("XINYI_CRASHTEST_MARK", "v1")
    reports.run(registry().reports["crashtest.pair"], {"period": PERIOD, "town": None}, JobContext(None))
    assert marks_of_pair(site) == ("v1", "v1")
    return site


def test_a_report_killed_between_its_files_keeps_the_old_pair_and_the_rerun_replaces_both(
        pair_site, monkeypatch, tmp_path):
    """Issue 20 (7): the .xlsx used to be renamed into place before the .docx was written, so until
    the job ran again the folder held a new .xlsx beside the old .docx."""
    site = pair_site
    lifecycle.shutdown()
    out = tmp_path / "acks.txt"
    app = site.spawn("report", PERIOD, "crashtest.pair", out=out, XINYI_CRASHTEST_STALL="60",
                     XINYI_CRASHTEST_MARK="killed")
    try:
        docx_half = wait_until(lambda: [p for p in tmp_files(site.report_dir)
                                        if p.suffix == ".docx" and p.stat().st_size > 0],
                               what="the .docx to be half written, the .xlsx done", proc=app)
    finally:
        kill9(app)
    assert not zipfile.is_zipfile(docx_half[0])
    assert marks_of_pair(site) == ("v1", "v1")  # the new .xlsx is complete, but not in place without its .docx

    site.start()
    monkeypatch.setenv("XINYI_CRASHTEST_MARK", "v2")
    broker.start(worker_threads=1)  # the queue adopts the dead app's job and runs it again
    done = testing.wait_for_job(int(lines(out)[0][1]), timeout=20)
    assert done.state == "done" and done.outputs == [str(p) for p in pair(site)]
    assert marks_of_pair(site) == ("v2", "v2")
    assert leftovers(site) == []


def test_a_report_killed_between_its_renames_is_completed_before_anyone_reads_it(pair_site, tmp_path):
    """The narrowest window: killed after the first of the two renames. The commit journal it left
    is completed by the next reader (``export.settle``) or writer, so the pair is never mixed."""
    site = pair_site
    lifecycle.shutdown()
    app = site.spawn("report-commit-crash", PERIOD, XINYI_CRASHTEST_MARK="new")
    try:
        assert app.wait(30) == -9  # it died at the rename, as planned
    finally:
        kill9(app)
    assert any(name.endswith(".commit") for name in leftovers(site))  # the journal of the unfinished commit
    site.start()
    export.settle(pair(site)[1])  # what a reader of the set does first
    assert marks_of_pair(site) == ("new", "new")
    assert leftovers(site) == []
    export.settle(pair(site)[0])  # nothing left to do: nothing changes
    assert marks_of_pair(site) == ("new", "new")
