"""Form helpers of the work-log screens: the yes/no choice and writing a log book page."""
from __future__ import annotations

from pathlib import Path

from xinyi_core import XinyiError, runtime, t
from xinyi_core.tui.screens import XinyiScreen

YES_NO = [(t("worklog.yes"), "yes"), (t("worklog.no"), "no")]


def export_book(screen: XinyiScreen, person_id: int, period: str) -> None:
    """Write the log book page under the report folder and say where."""
    from . import book  # late: python-docx is not needed until a page is printed

    path = Path(runtime().config.report_dir) / "worklog" / period / f"{person_id}.docx"
    try:
        book.write_book(screen.operator, person_id, period, path)
    except XinyiError as exc:
        screen.report(exc)
        return
    screen.notify(t("worklog.tui.exported", path=str(path)))
