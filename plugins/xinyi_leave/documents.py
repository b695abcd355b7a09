"""Leave's printed documents: the slip (附件4) and the year-end stub archive with its register.

The slip as the town prints it: the stub (存根) above the cut line, the slip
below, on one A4 page laid out like the original form: 姓名 / 工作地点 / 申请日期,
the six category boxes, 自…至… 共 N 天, 请假理由, 请假期间联系电话, then the opinion
boxes of the village (community) head and the town centre head side by side —
and, for 3 days or more (ATT-4), a row for the city employment office.

The stub archive is a report, so it has one result per (year, town) however
often it runs: ``<report_dir>/leave.stubs/<year>/`` holds
``新安街道_2026年_请假审批单存根（年度归档）.docx`` with every stub of the year
(the town's archive, handed to the employment office at year end) and the
``.xlsx`` with the register of the same slips. Run for the whole city, it writes
every town's pair and the city's register of every slip (with its town); a city
prints stubs town by town, so there is no city-wide stub book. Written with
:mod:`xinyi_core.export` only.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Sequence

from xinyi_core import OrgUnit, Person, ReportContext, ReportSpec, approvals, audit, bulk, export, runtime, t
from xinyi_core.export import FormCell

from . import rules, service
from .models import LeaveRequest

NCOLS = 7
# Row heights (cm) of one part: fields, categories, time, reason, phone, opinions, city opinion.
HEIGHTS = {0: 0.9, 1: 0.9, 2: 0.9, 3: 1.6, 4: 0.9, 5: 2.6, 6: 1.8}


def _date(day: dt.date | dt.datetime | None) -> str:
    return t("leave.slip.date", y=day.year, m=day.month, d=day.day) if day else ""


def _opinion(step: Any | None) -> str:
    """What a signed opinion box shows: the opinion, the approver's name and the date."""
    if step is None or not step.decision:
        return t("leave.slip.unsigned")
    opinion = step.opinion or t(f"leave.state.{step.decision}")
    name = step.decided_by.display_name if step.decided_by_id else ""
    return t("leave.slip.signed", opinion=opinion, name=name, date=_date(step.decided_at))


def _categories(leave: LeaveRequest) -> list[FormCell]:
    cells = []
    for code in rules.CATEGORIES:
        label = t(f"leave.category.{code}")
        if code == "other" and leave.category == "other" and leave.other_kind:
            label += f"（{leave.other_kind}）"
        cells.append(FormCell(("☑" if code == leave.category else "□") + label))
    return cells


def layout(leave: LeaveRequest, steps: dict[str, Any], *, city_row: bool) -> list[list[FormCell]]:
    """The grid of one part (stub or slip); ``steps`` maps role → decided step."""
    time = t("leave.slip.time_value", y1=leave.start_on.year, m1=leave.start_on.month, d1=leave.start_on.day,
             y2=leave.end_on.year, m2=leave.end_on.month, d2=leave.end_on.day, days=leave.days)
    rows = [
        [FormCell(t("leave.slip.name"), bold=True), FormCell(leave.person.name),
         FormCell(t("leave.slip.place"), bold=True), FormCell(leave.village.name, span=2),
         FormCell(t("leave.slip.applied_on"), bold=True), FormCell(_date(leave.applied_on))],
        [FormCell(t("leave.slip.category"), bold=True), *_categories(leave)],
        [FormCell(t("leave.slip.time"), bold=True), FormCell(time, span=6)],
        [FormCell(t("leave.slip.reason"), bold=True), FormCell(_reason(leave), span=6, left=True)],
        [FormCell(t("leave.slip.phone"), bold=True), FormCell(leave.phone, span=6)],
        [FormCell(t("leave.slip.village"), bold=True), FormCell(_opinion(steps.get("village_head")), span=2),
         FormCell(t("leave.slip.town"), bold=True, span=1), FormCell(_opinion(steps.get("town_head")), span=3)],
    ]
    if city_row:
        rows.append([FormCell(t("leave.slip.city"), bold=True), FormCell(_opinion(steps.get("city_office")), span=6)])
    return rows


def _reason(leave: LeaveRequest) -> str:
    if not leave.oral:
        return leave.reason
    note = t("leave.slip.oral_note", reporter=leave.oral_reporter,
             relative=t("leave.slip.relative_yes" if leave.oral_by_relative else "leave.slip.relative_no"),
             at=f"{leave.oral_reported_at:%Y-%m-%d %H:%M}" if leave.oral_reported_at else "",
             completed=_date(leave.slip_completed_at) or t("leave.slip.not_completed"))
    return f"{leave.reason}\n{note}" if leave.reason else note


def _steps(leave: LeaveRequest, lines: list[tuple[str, Any]] | None = None) -> dict[str, Any]:
    """Role → the step that signed its box; a cancellation is printed apart (:func:`_cancelled`)."""
    lines = service.step_lines(leave) if lines is None else lines
    return {role: step for role, step in lines if step.decision != "cancelled"}


def _cancelled(doc: Any, leave: LeaveRequest, lines: list[tuple[str, Any]] | None = None) -> None:
    """Under a cancelled slip: 已撤销, the reason, who cancelled it and when."""
    if leave.state != "cancelled":
        return
    step = service.cancellation(leave) if lines is None else next(
        (s for _, s in lines if s.decision == "cancelled"), None)
    export.docx_note(doc, t("leave.slip.cancelled_note", reason=step.opinion if step else leave.note,
                            name=step.decided_by.display_name if step else "",
                            date=_date(step.decided_at) if step else ""))


def _city_row(leave: LeaveRequest, steps: dict[str, Any]) -> bool:
    return "city_office" in steps or rules.needs_city_approval(leave.days)


def _title(leave: LeaveRequest, key: str) -> str:
    return (t(key) + (t("leave.slip.extension_suffix") if leave.root_id else "")
            + (t("leave.slip.cancelled_suffix") if leave.state == "cancelled" else ""))


def _form(doc: Any, leave: LeaveRequest, steps: dict[str, Any], size: float) -> None:
    rows = layout(leave, steps, city_row=_city_row(leave, steps))
    export.docx_form(doc, rows, ncols=NCOLS, heights_cm={r: h for r, h in HEIGHTS.items() if r < len(rows)},
                     size=size)


def add_stub(doc: Any, leave: LeaveRequest, steps: dict[str, Any] | None = None, *, size: float = 10.5,
             lines: list[tuple[str, Any]] | None = None) -> None:
    """The stub part: title, grid, the archive note (``lines``: the leave's step lines, when read already)."""
    steps = _steps(leave, lines) if steps is None else steps
    export.docx_title(doc, _title(leave, "leave.slip.stub_title"), size=14)
    _form(doc, leave, steps, size)
    _cancelled(doc, leave, lines)
    export.docx_note(doc, t("leave.slip.stub_note"))


def write_slip(leave: LeaveRequest, path: Path) -> Path:
    """One A4 page: the stub, the cut line, the slip with the town's seal."""
    steps = _steps(leave)
    doc = export.document(size=10.5)
    _tight(doc)
    add_stub(doc, leave, steps)
    export.docx_note(doc, t("leave.slip.cut"))
    export.docx_title(doc, _title(leave, "leave.slip.title"), size=16)
    _form(doc, leave, steps, 10.5)
    _cancelled(doc, leave)
    export.docx_note(doc, t("leave.slip.seal"), right=True)
    return export.save_docx(doc, path, key=_key(leave))


def _key(leave: LeaveRequest) -> str:
    return f"leave:{leave.id}"


def slip_path(leave: LeaveRequest, base: Path) -> Path:
    """``<base>/leave.slip/<year>/请假单_郭伟志_2026-12-07.docx`` (her name, the leave's first day):
    printing the slip again replaces it; another slip of that name gets ``_2``."""
    return export.named_path(Path(base) / "leave.slip" / f"{leave.applied_on:%Y}", t("leave.slip.file"),
                             leave.person.name, leave.start_on.isoformat(), suffix="docx", key=_key(leave))


def print_slip(op: Any, leave_id: int, out_dir: Path | None = None) -> Path:
    """Write the slip of one leave (scope-checked, audited) to :func:`slip_path` under the report folder."""
    leave = service.get(op, leave_id, "leave.print")
    path = write_slip(leave, slip_path(leave, Path(out_dir) if out_dir else runtime().config.report_dir))
    audit.record(op, "leave.print", leave, person_id=leave.person_id, note=str(path))
    return path


def _last_paragraph(doc: Any) -> Any:
    """``doc.paragraphs[-1]`` without building every paragraph of the document (quadratic over a
    year of stubs): the body's last block before its section properties, when it is a paragraph."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    last = doc.element.body[-1]
    if last.tag == qn("w:sectPr"):
        last = last.getprevious()
    if last is not None and last.tag == qn("w:p"):
        return Paragraph(last, doc._body)
    return doc.paragraphs[-1]


def write_stubs(leaves: Sequence[LeaveRequest], path: Path, heading: str, *, progress=None) -> Path:
    """The year-end stub archive of a town: every stub of the year, two to a page."""
    from docx.enum.text import WD_BREAK

    doc = export.document(size=10)
    _tight(doc)
    export.docx_title(doc, heading, size=16)
    if not leaves:
        export.docx_note(doc, t("leave.report.none"))
    # every stub's approval steps (and who signed) in a few queries, not three a stub
    chains = approvals.steps_by_subject("leave", [lv.id for lv in leaves])
    for i, leave in enumerate(leaves):
        if i and i % 2 == 0:
            _last_paragraph(doc).add_run().add_break(WD_BREAK.PAGE)
        add_stub(doc, leave, size=10, lines=[(st.role, st) for st in chains.get(leave.id, [])])
        if progress and i % 20 == 0:
            progress(i / max(len(leaves), 1))
    return export.save_docx(doc, path)


def _tight(doc: Any) -> None:
    """Margins and paragraph spacing that keep stub + slip on one A4 page."""
    from docx.shared import Mm, Pt

    section = doc.sections[0]
    section.top_margin = section.bottom_margin = Mm(15)
    fmt = doc.styles["Normal"].paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(2)


# --------------------------------------------------------------------------- the year-end stub archive

def year_leaves(ctx: ReportContext) -> list[LeaveRequest]:
    """The slips filed in the year for the town (all of them: the archive keeps refusals and cancellations)."""
    year = int(ctx.period)
    q = LeaveRequest.select().where((LeaveRequest.applied_on >= dt.date(year, 1, 1))
                                    & (LeaveRequest.applied_on <= dt.date(year, 12, 31))
                                    & LeaveRequest.state.in_(("pending", "approved", "rejected", "cancelled")))
    if ctx.town is not None:
        q = q.where(LeaveRequest.town == ctx.town.id)
    leaves = bulk.objects(q.order_by(LeaveRequest.town, LeaveRequest.applied_on, LeaveRequest.id))
    # her name and village (and the town, for the city's register) with each slip: not a query a slip, and
    # not joined in (peewee made three more model objects of every joined row: a third of the 20,000 city's run)
    people = {p.id: p for p in bulk.objects(Person.select(Person.id, Person.name)
                                            .where(bulk.in_ids(Person.id, {lv.person_id for lv in leaves})))}
    units = {u.id: u for u in bulk.objects(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(
        bulk.in_ids(OrgUnit.id, {lv.village_id for lv in leaves} | {lv.town_id for lv in leaves})))}
    for lv in leaves:  # what lv.person, lv.village and lv.town give, without asking the database
        lv.__rel__.update(person=people[lv.person_id], village=units[lv.village_id], town=units[lv.town_id])
    return leaves


def render_stubs(ctx: ReportContext, fmt: str, path: Path) -> None:
    leaves = year_leaves(ctx)
    if fmt == "docx":
        write_stubs(leaves, path, t("leave.report.stubs_heading", unit=ctx.unit_name, year=ctx.period),
                    progress=ctx.progress)  # a city run collects each town's finished book (reports.run)
        return
    city = ctx.town is None  # the city's register names each slip's town
    columns = [export.Column(t(f"leave.report.col_{c}"), w, left=c in ("town", "village", "reason"))
               for c, w in (("no", 6), ("name", 10), *((("town", None),) if city else ()), ("village", None),
                            ("category", 8), ("from", 12), ("to", 12), ("days", 6), ("state", 10), ("returned", 12),
                            ("reason", 30))]
    rows = [[i, lv.person.name, *((lv.town.name,) if city else ()), lv.village.name,
             t(f"leave.category.{lv.category}"), f"{lv.start_on:%Y-%m-%d}",
             f"{lv.end_on:%Y-%m-%d}", lv.days, t(f"leave.state.{lv.state}"),
             f"{lv.returned_on:%Y-%m-%d}" if lv.returned_on else "", lv.reason]
            for i, lv in enumerate(leaves, start=1)]
    wb, ws = export.workbook(write_only=True)
    ws.title = t("leave.report.register_sheet")
    days = sum(lv.days for lv in leaves if lv.state == "approved")
    export.table_sheet(ws, title=t("leave.report.register_title", unit=ctx.unit_name, year=ctx.period),
                       note=t("leave.report.register_note", count=len(rows), days=days), columns=columns, rows=rows)
    wb.save(path)


# the city prints stubs town by town (each town's archive, ≈1,000 stubs at most): a city-wide run writes
# every town's stubs and register, and the city's own register of every slip (no city-wide stub book)
REPORTS = [ReportSpec("leave.stubs", "leave.report.stubs", render_stubs, formats=("docx", "xlsx"), period="year",
                      by_town=True, city_formats=("xlsx",))]
