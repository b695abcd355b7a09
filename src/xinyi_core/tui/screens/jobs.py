"""The job panel: running and finished background jobs, progress and output files.

The jobs module (``xinyi_core.jobs``) fills it; until it is importable the
panel says so. It reads the jobs again each time it is shown (a report just
submitted elsewhere is there without a key press) and, while one of them is
still to finish (待发送, 排队中, 运行中, 重试中) and the panel is on screen,
every second, so the bar moves by itself; with nothing running no timer runs.
Output files are shown by their names alone, one a line.

The outputs reach paper and the operator's PC from here: ``p 打印`` and ``d 下载``
on the highlighted job's file (with several, a small dialog lets her pick one;
Enter shows them all). ``o 我的文件`` lists her outbox instead of the jobs: every
file she made — reports, PDFs, the documents her screens wrote — by name, newest
first (:mod:`xinyi_core.outbox`); Esc goes back to the jobs. Whenever the jobs
change, her outbox folder (the SFTP copies) is brought up to date.
"""
from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from ... import outbox
from ...i18n import t
from ..widgets import Column, ListSource, RecordList
from .base import XinyiScreen
from .document import DocumentDialog, download_document, pdf_document, print_document

BAR = 10


def progress_bar(fraction: float | None) -> str:
    f = max(0.0, min(1.0, fraction or 0.0))
    full = round(f * BAR)
    return "█" * full + "░" * (BAR - full) + f" {f:4.0%}"


def _jobs_module() -> Any:
    try:
        from ... import jobs
    except ImportError:
        return None
    return jobs if hasattr(jobs, "recent") else None


def file_names(outputs: Iterable[Any]) -> list[str]:
    """What an operator reads of output files: the names, without the server's folders."""
    return [PurePath(str(p)).name for p in outputs]


class JobsScreen(XinyiScreen):
    TITLE_KEY = "tui.jobs.title"
    REFRESH_SECONDS: ClassVar[float] = 1.0
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "print", t("tui.document.key_print")),
        Binding("d", "download", t("tui.document.key_download")),
        Binding("f", "pdf", t("tui.document.key_pdf"), show=False),
        Binding("o", "outbox", t("tui.jobs.key_outbox")),
        Binding("r", "retry", t("tui.key.retry")),
        Binding("g", "refresh", t("tui.key.refresh")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Static(t("tui.jobs.outbox_heading", count=0), id="files-heading")
        yield RecordList([Column(t("tui.jobs.col_title"), 0), Column(t("tui.jobs.col_state"), 6),
                          Column(t("tui.jobs.col_progress"), BAR + 5), Column(t("tui.jobs.col_created"), 11)],
                         empty=t("tui.jobs.empty" if _jobs_module() else "tui.jobs.unavailable"), id="jobs")
        yield RecordList([Column(t("tui.jobs.col_file"), 0), Column(t("tui.jobs.col_made"), 11)],
                         empty=t("tui.jobs.outbox_empty"), id="files")
        yield Static("", id="job-detail")

    def on_mount(self) -> None:
        self._records: dict[Any, Any] = {}
        self._files: list[outbox.OutboxFile] = []
        self._seen: tuple | None = None
        self._synced: tuple | None = None
        self._timer: Timer | None = None
        self.showing_files = False  # o: her outbox instead of the jobs
        self.query_one("#files-heading").display = False
        self.query_one("#files").display = False
        self.action_refresh()
        self.query_one("#jobs").focus()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.action_refresh()

    def on_screen_suspend(self) -> None:
        self._follow(False)

    @property
    def following(self) -> bool:
        """Whether the panel re-reads the jobs by itself (only while one is still to finish)."""
        return self._timer is not None

    def _follow(self, active: bool) -> None:
        if active and self._timer is None:
            self._timer = self.set_interval(self.REFRESH_SECONDS, self._tick, name="jobs-follow")
        elif not active and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        if self.is_current:
            self.action_refresh()
        else:
            self._follow(False)

    def action_refresh(self) -> None:
        jobs = _jobs_module()
        records = jobs.recent(self.operator, limit=50) if jobs else []
        self._records = {r.id: r for r in records}
        self._follow(self.is_current and any(r.active for r in records))
        rows = [(r.id, r.title, t(f"tui.jobs.state.{r.state}"), progress_bar(r.progress),
                 f"{r.created_at:%m-%d %H:%M}" if r.created_at else "") for r in records]
        seen = (self.showing_files, rows, [(r.message, r.error, tuple(r.outputs or ())) for r in records])
        if seen == self._seen:
            return  # nothing moved: send nothing down the SSH line
        self._seen = seen
        if jobs is None:
            return
        self.query_one("#jobs", RecordList).set_source(ListSource(rows), keep_cursor=True)
        finished = tuple((r.id, r.finished_at, tuple(r.outputs or ())) for r in records
                         if r.state == "done" and r.outputs and r.requested_by_id == self.operator.id)
        if finished != self._synced:  # not on every tick of a running job's bar
            self._synced = finished
            outbox.sync(self.operator)  # her SFTP copies, also of what a worker of another account made
        if self.showing_files:
            self._files = outbox.files(self.operator)
            self.query_one("#files", RecordList).set_source(ListSource(
                [(i, f.name, f"{f.made_at:%m-%d %H:%M}" if f.made_at else "") for i, f in enumerate(self._files)]),
                keep_cursor=True)
            self.query_one("#files-heading", Static).update(t("tui.jobs.outbox_heading", count=len(self._files)))
        self._detail(self._list().current_id)
        self.refresh_bindings()

    def reload(self) -> None:
        self.action_refresh()

    # ------------------------------------------------------------------ jobs ↔ her files (o, Esc)

    def _list(self) -> RecordList:
        return self.query_one("#files" if self.showing_files else "#jobs", RecordList)

    def action_outbox(self) -> None:
        self._show_files(not self.showing_files)

    def _show_files(self, on: bool) -> None:
        self.showing_files = on
        for name in ("#files-heading", "#files"):
            self.query_one(name).display = on
        self.query_one("#jobs").display = not on
        self._seen = None
        self.action_refresh()
        self._list().focus()
        self._detail(self._list().current_id)
        self.refresh_bindings()

    def has_filter(self) -> bool:
        return getattr(self, "showing_files", False)

    def clear_filter(self) -> None:
        self._show_files(False)

    def escape_label(self) -> str:
        return t("tui.jobs.key_all_jobs") if self.has_filter() else super().escape_label()

    # ------------------------------------------------------------------ the highlighted row's files

    def files_here(self) -> list[Path]:
        """The files the highlighted row stands for: her file, or the job's outputs still on the server."""
        if not self.is_mounted:
            return []
        current = self._list().current_id
        if current is None:
            return []
        if self.showing_files:
            return [self._files[current].path] if 0 <= current < len(self._files) else []
        job = self._records.get(current)
        return [Path(str(p)) for p in (job.outputs or ()) if Path(str(p)).is_file()] if job is not None else []

    def _row_title(self) -> str:
        current = self._list().current_id
        if self.showing_files:
            return self._files[current].name
        return self._records[current].title

    def _act(self, action: Any) -> None:
        """p/d/f on the row's file; with several, the dialog lets her pick one."""
        found = self.files_here()
        if len(found) == 1:
            action(self, found[0])
        elif found:
            self.app.push_screen(DocumentDialog(found, self._row_title()))

    def action_print(self) -> None:
        self._act(print_document)

    def action_download(self) -> None:
        self._act(download_document)

    def action_pdf(self) -> None:
        self._act(pdf_document)

    @on(RecordList.Selected)
    def _opened(self, event: RecordList.Selected) -> None:
        """Enter: the row's files in the document dialog, to print, download or convert."""
        found = self.files_here()
        if found:
            self.app.push_screen(DocumentDialog(found, self._row_title()))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            if not self.is_mounted or self.showing_files:
                return False
            job = self._records.get(self._list().current_id)
            # a finished job may run again; an unsent one may try the queue again now; a document a
            # screen wrote is not a job to run again
            return bool(job and job.state in ("failed", "done", "unsent") and job.kind != outbox.KIND)
        if action in ("print", "download", "pdf"):
            if not self.files_here():
                return False
            if action == "print":
                return self.may("documents.print")
            if action == "pdf":
                return self.may("documents.pdf")
        return super().check_action(action, parameters)

    @on(RecordList.Highlighted)
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._detail(event.record_id)
        self.refresh_bindings()

    def _detail(self, row_id: Any) -> None:
        lines = []
        if self.showing_files:
            found = self._files[row_id] if row_id is not None and 0 <= row_id < len(self._files) else None
            if found is not None:
                lines.append(t("tui.jobs.file_from", title=found.title))
        elif (job := self._records.get(row_id)) is not None:
            if job.message:
                lines.append(job.message)
            if job.outputs:
                lines.append(t("tui.jobs.outputs"))
                lines.extend(f"  {name}" for name in file_names(job.outputs))
            if job.error:
                lines.append(t("tui.jobs.error", error=job.error))
        self.query_one("#job-detail", Static).update("\n".join(lines))

    def action_retry(self) -> None:
        jobs = _jobs_module()
        job = self._records.get(self.query_one("#jobs", RecordList).current_id)
        if jobs is None or job is None:
            return
        self.attempt(jobs.retry, self.operator, job.id, done=t("tui.jobs.retried", title=job.title))
