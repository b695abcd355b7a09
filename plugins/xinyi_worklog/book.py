"""The printed log book page: one assistant's month of 《新沂市人社基层平台协理员工作日志》.

Written with :mod:`xinyi_core.export` (A4 landscape, Chinese fonts, page
numbers, header rows repeated): the entries, the policy consultations, the
visit/call register, any corrections, and the town centre's check with its
remarks — or an empty opinion box for signing if the month is not yet checked.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xinyi_core import t
from xinyi_core import export, people

from . import register, rules, service
from .models import Consultation, Correction, MonthlyCheck, RegisterItem


def _day(d: Any) -> str:
    return f"{d.month}月{d.day}日"


def write_book(op: Any, person_id: int, period: str, path: Path) -> Path:
    """Write ``person_id``'s month ``YYYY-MM`` as a .docx log book page at ``path`` (atomic)."""
    person = people.get(op, person_id)  # scope checked (and a refusal audited) in the core
    entries = service.month(op, person.id, period, submitted_only=True)
    first, last = rules.month_bounds(period)
    doc = export.document(landscape=True, size=11)
    export.docx_title(doc, t("worklog.book.title"))
    export.docx_note(doc, t("worklog.book.note", town=person.town.name if person.town_id else "",
                            village=person.village.name if person.village_id else "", name=person.name,
                            year=first.year, month=first.month, count=len(entries)))
    export.docx_table(doc, [t(f"worklog.book.col.{c}") for c in
                            ("day", "category", "task", "progress", "problems", "solutions")],
                      [[_day(e.day), e.category, e.task, e.progress, e.problems, e.solutions] for e in entries]
                      or [[t("worklog.none"), "", "", "", "", ""]],
                      widths_cm=[2.2, 3.0, 5.0, 6.5, 4.2, 4.2], size=9.5)

    ids = [e.id for e in entries]
    talks = list(Consultation.select().where(Consultation.entry.in_(ids)).order_by(Consultation.entry, Consultation.id)) \
        if ids else []
    days = {e.id: e.day for e in entries}
    export.docx_note(doc, t("worklog.book.consultations", count=len(talks)))
    if talks:
        export.docx_table(doc, [t(f"worklog.book.col.{c}") for c in ("day", "served", "question", "answer")],
                          [[_day(days[c.entry_id]), c.served, c.question, c.answer] for c in talks],
                          widths_cm=[2.2, 3.0, 8.0, 11.9], size=9.5)

    items = list(register.visible(op).where((RegisterItem.person == person.id)
                                            & (RegisterItem.at >= dt.datetime.combine(first, dt.time.min))
                                            & (RegisterItem.at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min)))
                 .order_by(RegisterItem.at))
    export.docx_note(doc, t("worklog.book.register", count=len(items)))
    if items:
        rows = []
        for i in items:
            d = register.describe(i)
            rows.append([f"{i.at:%m-%d %H:%M}", d["channel"], f"{i.party}（{d['party_kind']}）", i.matter,
                         i.handling, d["referred"], d["state"]])
        export.docx_table(doc, [t(f"worklog.book.col.{c}") for c in
                                ("at", "channel", "party", "matter", "handling", "referred", "state")],
                          rows, widths_cm=[2.6, 1.6, 3.6, 6.0, 6.0, 1.6, 1.6], size=9.5)

    fixes = list(Correction.select().where(Correction.entry.in_(ids)).order_by(Correction.at)) if ids else []
    if fixes:
        export.docx_note(doc, t("worklog.book.corrections", count=len(fixes)))
        export.docx_table(doc, [t(f"worklog.book.col.{c}") for c in ("day", "reason", "by", "at")],
                          [[_day(days[f.entry_id]), f.reason, f.by.display_name, f"{f.at:%Y-%m-%d %H:%M}"]
                           for f in fixes], widths_cm=[2.2, 14.0, 4.0, 4.9], size=9.5)

    check = MonthlyCheck.get_or_none((MonthlyCheck.person == person.id) & (MonthlyCheck.period == period))
    if check is None:
        export.docx_note(doc, t("worklog.book.unchecked"))
    else:
        export.docx_note(doc, t("worklog.book.checked", missing=check.missing_days, thin=check.thin_entries,
                                open=check.open_items, remarks=check.remarks or t("worklog.none")))
        export.docx_note(doc, t("worklog.book.checker", name=check.checked_by.display_name,
                                date=f"{check.checked_at:%Y年%m月%d日}"), right=True)
    export.save_docx(doc, path)
    return Path(path)
