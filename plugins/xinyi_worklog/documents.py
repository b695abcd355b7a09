"""The work log's printed documents (WORK-1, WORK-2).

The log book page: one assistant's month of 《新沂市人社基层平台协理员工作日志》,
written with :mod:`xinyi_core.export` (A4 landscape, Chinese fonts, page
numbers, header rows repeated): the entries, the policy consultations, the
visit/call register, any corrections, and the town centre's check with its
remarks — or an empty opinion box for signing if the month is not yet checked.

The town's monthly-check sheet (工作日志月度检查汇总表), a report: one row per
assistant on the roll in the month, what the town's check found — or, not yet
checked, what a check would find now — so the centre can file the month's
check on paper and the city can see which towns have not checked. Run it with
``xinyi report worklog.check --period 2026-05 [--town CODE]``.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xinyi_core import (OrgUnit, Person, ReportContext, ReportSpec, bulk, clock, date_zh, export, facts, people,
                        runtime, t)
from xinyi_core.fmt import period_zh

from . import rules, service
from .models import Consultation, Correction, MonthlyCheck, RegisterItem
from .service import checks, register


def print_book(op: Any, person_id: int, period: str) -> Path:
    """Write ``person_id``'s month as a log book page under the report folder; where it went:
    ``worklog/2026-05/工作日志_郭伟志_2026年5月.docx`` (printed again: the same file, written anew)."""
    person = people.get(op, person_id)  # scope checked (and a refusal audited) in the core
    path = export.named_path(Path(runtime().config.report_dir) / "worklog" / period, t("worklog.book.file"),
                             person.name, period_zh(period), suffix="docx", key=_key(person_id, period))
    return write_book(op, person_id, period, path)


def _key(person_id: int, period: str) -> str:
    return f"worklog:{person_id}:{period}"


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
                      [[date_zh(e.day, year=False), e.category, e.task, e.progress, e.problems, e.solutions] for e in entries]
                      or [[t("worklog.none"), "", "", "", "", ""]],
                      widths_cm=[2.2, 3.0, 5.0, 6.5, 4.2, 4.2], size=9.5)

    ids = [e.id for e in entries]
    talks = list(Consultation.select().where(Consultation.entry.in_(ids)).order_by(Consultation.entry, Consultation.id)) \
        if ids else []
    days = {e.id: e.day for e in entries}
    export.docx_note(doc, t("worklog.book.consultations", count=len(talks)))
    if talks:
        export.docx_table(doc, [t(f"worklog.book.col.{c}") for c in ("day", "served", "question", "answer")],
                          [[date_zh(days[c.entry_id], year=False), c.served, c.question, c.answer] for c in talks],
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
                          [[date_zh(days[f.entry_id], year=False), f.reason, f.by.display_name, f"{f.at:%Y-%m-%d %H:%M}"]
                           for f in fixes], widths_cm=[2.2, 14.0, 4.0, 4.9], size=9.5)

    check = MonthlyCheck.get_or_none((MonthlyCheck.person == person.id) & (MonthlyCheck.period == period))
    if check is None:
        export.docx_note(doc, t("worklog.book.unchecked"))
    else:
        export.docx_note(doc, t("worklog.book.checked", missing=check.missing_days, thin=check.thin_entries,
                                open=check.open_items, remarks=check.remarks or t("worklog.none")))
        export.docx_note(doc, t("worklog.book.checker", name=check.checked_by.display_name,
                                date=date_zh(check.checked_at, pad=True)), right=True)
    export.save_docx(doc, path, key=_key(person.id, period))
    return Path(path)


# --------------------------------------------------------------------------- the monthly-check sheet

def check_rows(ctx: ReportContext) -> list[list[Any]]:
    """One row per assistant on the roll in the month, in roll order. The roll is read as the columns
    the sheet needs (not whole people) in batches of :data:`xinyi_core.facts.CHUNK`, each batch's
    recorded checks and live checklists' counts (a few queries a batch, not per person) turned into
    rows before the next is read."""
    first, last = rules.month_bounds(ctx.period)
    q = (Person.select(Person.id, Person.town, Person.village, Person.name, Person.joined_on, Person.departed_on)
         .where(people.on_roll_during(first, last))
         .order_by(Person.town, Person.village, Person.name_initials, Person.id))
    if ctx.town is not None:
        q = q.where(Person.town == ctx.town.id)
    total = max(q.count(), 1)
    names: dict[int, str] = {}
    checked = {True: t("worklog.tui.checked_yes"), False: t("worklog.tui.checked_no")}
    rows: list[list[Any]] = []
    city = ctx.town is None

    def add(batch: list[tuple]) -> None:
        done = {c.person_id: c for c in MonthlyCheck.select().where(
            (MonthlyCheck.period == ctx.period) & bulk.in_ids(MonthlyCheck.person, [p[0] for p in batch]))}
        # the unchecked months' live counts all at once: a few queries for the batch, not per person
        live = iter(checks.live_counts([(pid, town, joined, departed) for pid, town, _, _, joined, departed in batch
                                        if pid not in done], ctx.period))
        units = ({p[1] for p in batch} | {p[2] for p in batch}) - names.keys() - {None}
        if units:
            names.update(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(list(units))).tuples())
        for pid, town, village, name, _, _ in batch:
            check = done.get(pid)
            c = checks.recorded_counts(check) if check is not None else next(live)
            i = len(rows) + 1
            row = [i, names.get(town, "") if town else ""] if city else [i]
            row += [names.get(village, "") if village else "", name, c.working_days, c.missing, c.thin,
                    c.open_items, checked[check is not None], check.remarks if check is not None else ""]
            rows.append(row)
            if i % 50 == 0:
                ctx.progress(0.9 * i / total, "")

    batch: list[tuple] = []
    for person in bulk.tuples(q):  # the dates read as dates, the ids and names as they are
        batch.append(person)
        if len(batch) == facts.CHUNK:
            add(batch)
            batch = []
    if batch:
        add(batch)
    return rows


def render_check(ctx: ReportContext, fmt: str, path: Path) -> None:
    rows = check_rows(ctx)
    year, month = ctx.period.split("-")
    widths = [("no", 6, False), ("village", None, True), ("name", 10, False), ("days", 8, False),
              ("missing", 8, False), ("thin", 8, False), ("open", 8, False), ("checked", 8, False),
              ("remarks", 30, True)]
    if ctx.town is None:
        widths.insert(1, ("town", None, True))
    columns = [export.Column(t(f"worklog.report.col.{k}"), w, left) for k, w, left in widths]
    wb, ws = export.workbook(write_only=True)
    ws.title = t("worklog.report.sheet")
    export.table_sheet(ws, title=t("worklog.report.heading", unit=ctx.unit_name),
                       note=t("worklog.report.note", year=year, month=int(month), count=len(rows)),
                       columns=columns, rows=rows,
                       footer_note=t("worklog.report.made", date=date_zh(clock.today(), pad=True)))
    wb.save(path)


REPORTS = (ReportSpec("worklog.check", "worklog.report.title", render_check, formats=("xlsx",), period="month"),)
