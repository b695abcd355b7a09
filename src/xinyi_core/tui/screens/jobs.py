"""The job panel: running and finished background jobs, progress and output files.

The jobs module (``xinyi_core.jobs``) fills it; until it is importable the
panel says so. It reads the jobs again each time it is shown (a report just
submitted elsewhere is there without a key press) and, while one of them is
still to finish (待发送, 排队中, 运行中, 重试中) and the panel is on screen,
every second, so the bar moves by itself; with nothing running no timer runs.
Output files are shown by their names alone, one a line.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from pathlib import PurePath

from textual import on
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from ...i18n import t
from ..widgets import Column, ListSource, RecordList
from .base import XinyiScreen

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
        Binding("r", "retry", t("tui.key.retry")),
        Binding("g", "refresh", t("tui.key.refresh")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("tui.jobs.col_title"), 0), Column(t("tui.jobs.col_state"), 6),
                          Column(t("tui.jobs.col_progress"), BAR + 5), Column(t("tui.jobs.col_created"), 11)],
                         empty=t("tui.jobs.empty" if _jobs_module() else "tui.jobs.unavailable"), id="jobs")
        yield Static("", id="job-detail")

    def on_mount(self) -> None:
        self._records: dict[Any, Any] = {}
        self._seen: tuple | None = None
        self._timer: Timer | None = None
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
        seen = (rows, [(r.message, r.error, tuple(r.outputs or ())) for r in records])
        if seen == self._seen:
            return  # nothing moved: send nothing down the SSH line
        self._seen = seen
        plist = self.query_one("#jobs", RecordList)
        plist.set_source(ListSource(rows), keep_cursor=True)
        self._detail(plist.current_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            job = self._records.get(self.query_one("#jobs", RecordList).current_id) if self.is_mounted else None
            # a finished job may run again; an unsent one may try the queue again now
            return bool(job and job.state in ("failed", "done", "unsent"))
        return super().check_action(action, parameters)

    @on(RecordList.Highlighted, "#jobs")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._detail(event.record_id)
        self.refresh_bindings()

    def _detail(self, job_id: Any) -> None:
        job = self._records.get(job_id)
        lines = []
        if job is not None:
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

    def reload(self) -> None:
        self.action_refresh()
