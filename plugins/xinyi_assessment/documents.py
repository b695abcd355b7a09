"""The printed documents as .xlsx through ``xinyi_core.export``: the official forms 附件1 (ASM-5),
附件2 (ASM-6) and 附件3 (ASM-7), the month's routine publication (ASM-2) and the city's cover sheet.

Each form is built in two steps: ``*_data`` reads the database into plain
values (computing), ``write_*`` lays those values out on a worksheet
(writing) — so the benchmark can time the two apart. A town's package is
three workbooks: 附件1 and 附件2 with one sheet per assistant, 附件3 with one
sheet; each sheet prints on A4 on its own.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from xinyi_core import (ApprovalChain, OrgUnit, Person, ReportContext, ReportSpec, XinyiError, approvals, clock,
                        date_zh, export, t)

from . import rules, service
from .models import Assessment, ItemDeduction, Veto
from .rules.scheme import Scheme
from .service import monthly

NCOLS = 6
SMALL = Font(name=export.SONG, size=9)
BOLD = Font(name=export.SONG, size=11, bold=True)
TEXT = Font(name=export.FANGSONG, size=11)


def tr(key: str, **kw: Any) -> str:
    return t(f"assessment.form.{key}", **kw)


# ------------------------------------------------------------------ row heights from wrapped text

LINE = 1.45  # a line of a CJK font is about 1.45 times its size (Noto CJK, 宋体 on the office PC)


def _cells(text: Any) -> int:
    """Width in half-width cells; the CJK fonts print ambiguous punctuation (“” ……) full width too."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in str(text))


def wrapped_lines(text: Any, width: float, size: float) -> int:
    """How many lines ``text`` takes in a column ``width`` Excel units wide at ``size`` points.

    A width unit is about 7 pixels (one ``0`` of the default font) and a half-width character
    about ``size × 2/3`` pixels; a tenth is kept spare, as the printer's font is not the one
    measured. Each line of the text starts a new line.
    """
    per_line = max(1, int((width * 7 + 5 - 6) / (size * 2 / 3) * 0.9))
    return sum(max(1, math.ceil(_cells(part) / per_line)) for part in str(text or "").split("\n"))


def row_height(cells: Iterable[tuple[Any, float, float]], *, minimum: float = 20) -> float:
    """The height (points) a row needs for its tallest cell: ``(text, column width, font size)`` each."""
    return max([minimum, *(wrapped_lines(text, width, size) * size * LINE + 4 for text, width, size in cells)])


# ------------------------------------------------------------------ 附件1 scoring sheet

@dataclass
class ScoringData:
    year: int
    town: str
    name: str
    scores: dict[int, float]
    vetoes: dict[str, str]  # code → reason
    deductions: list[tuple[int, str, float]]  # item, reason, points
    total: float
    earned: str
    dated: dt.date | None


def scoring_data(a: Assessment, sch: Scheme, deductions: list[ItemDeduction] | None = None,
                 vetoes: list[Veto] | None = None, town_name: str | None = None) -> ScoringData:
    """附件1's values for one sheet; a whole town passes its deductions and vetoes preloaded."""
    if deductions is None:
        deductions = list(ItemDeduction.select().where(ItemDeduction.assessment == a))
    if vetoes is None:
        vetoes = list(Veto.select().where(Veto.assessment == a))
    deductions = sorted(deductions, key=lambda d: (d.item, d.id))
    by_item: dict[int, list[float]] = {}
    for d in deductions:
        by_item.setdefault(d.item, []).append(d.points)
    scores = {i.no: rules.item_score(i, by_item.get(i.no, [])) for i in sch.items}
    return ScoringData(a.year, town_name or a.town.name, a.person.name, scores, {v.code: v.reason for v in vetoes},
                       [(d.item, d.reason, d.points) for d in deductions], a.total, a.earned,
                       a.updated_at.date() if a.updated_at else None)


def _total_row(sch: Scheme) -> int:
    return 5 + len(sch.vetoes) + len(sch.items)


SCORING_WIDTHS = (12, 6, 40, 6, 40, 8)


def write_scoring(ws: Worksheet, sch: Scheme, d: ScoringData) -> int:
    """附件1: heading, the three veto items, items 4–24 by section, total, deductions, findings.

    Each item's row is as tall as its 考核内容 or 考评标准 wraps to, so every line prints inside
    its own box (a spreadsheet keeps the set height; openpyxl sets none).
    """
    w = SCORING_WIDTHS
    export.set_widths(ws, w)
    export.title_row(ws, 1, tr("scoring_title"), NCOLS)
    export.note_row(ws, 2, tr("year_line", year=d.year), NCOLS)
    export.note_row(ws, 3, "", NCOLS)
    export.header_row(ws, 4, [tr("col.section"), tr("col.no"), tr("col.content"), tr("col.points"),
                              tr("col.standard"), tr("col.score")])
    row = 5
    export.merged(ws, row, 1, tr("veto_section"), rows=len(sch.vetoes))
    for v in sch.vetoes:
        export.data_rows(ws, row, [[None, v.no, v.content, "-", v.standard, None]], left_cols=(3, 5), height=None)
        ws.row_dimensions[row].height = row_height([(v.content, w[2], 10), (v.standard, w[4], 10)])
        row += 1
    for s in sch.sections:
        # ASM-5: the heading shows the items' points; a disagreeing stated total is noted below
        export.merged(ws, row, 1, tr("section_heading", title=s.title, points=f"{s.items_total:g}"), rows=len(s.items))
        for i in s.items:
            export.data_rows(ws, row, [[None, i.no, f"{i.name}：{i.content}", i.points, i.standard, None]],
                             left_cols=(3, 5), size=9, height=None)
            ws.row_dimensions[row].height = row_height([(f"{i.name}：{i.content}", w[2], 9), (i.standard, w[4], 9)])
            row += 1
    export.merged(ws, row, 1, tr("total"), cols=3, font=BOLD)
    export.merged(ws, row, 4, sch.total)
    export.merged(ws, row, 5, None)
    export.merged(ws, row, 6, None, font=BOLD)
    export.merged(ws, row + 1, 1, tr("deductions"), font=BOLD)
    export.merged(ws, row + 1, 2, None, cols=NCOLS - 1, align=export.TOP_LEFT, font=SMALL)
    row += 2
    for f in sch.findings:
        export.note_row(ws, row, tr("finding_note", message=f.message), NCOLS)
        row += 1
    export.note_row(ws, row, tr("assessor_sign"), NCOLS, right=True)
    fill_scoring(ws, sch, d)
    return row


def fill_scoring(ws: Worksheet, sch: Scheme, d: ScoringData) -> None:
    """The cells that differ from one assistant to the next (a copied sheet gets only these)."""
    ws.cell(3, 1).value = tr("scoring_note", town=d.town, name=d.name, date=date_zh(d.dated, pad=True))
    for k, v in enumerate(sch.vetoes):
        ws.cell(5 + k, 6).value = tr("vetoed") if f"veto-{v.no}" in d.vetoes else tr("not_vetoed")
    for k, i in enumerate(sch.items):
        ws.cell(5 + len(sch.vetoes) + k, 6).value = d.scores[i.no]
    row = _total_row(sch)
    ws.cell(row, 5).value = tr("grade_earned", grade=rules.grade_label(d.earned))
    ws.cell(row, 6).value = d.total
    lines = [tr("deduction_line", item=i, reason=r, points=f"{p:g}") for i, r, p in d.deductions]
    lines += [tr("veto_line", code=rules.veto_title(c), reason=r) for c, r in d.vetoes.items()]
    ws.cell(row + 1, 2).value = "\n".join(lines) or tr("none")
    ws.row_dimensions[row + 1].height = row_height([(ws.cell(row + 1, 2).value, sum(SCORING_WIDTHS[1:]), 9)])
    export.page_setup(ws, landscape=False, title_rows="4:4")
    export.print_area(ws, row + 2 + len(sch.findings), NCOLS)


# ------------------------------------------------------------------ 附件2 registration form

@dataclass
class RegistrationData:
    year: int
    name: str
    sex: str
    birth: str
    political: str
    education: str
    unit: str
    grade: str
    summary: str
    opinions: dict[str, str] = field(default_factory=dict)  # role → text


CHAIN_ROWS = (("town_head", "op_town"), ("city_office", "op_office"), ("bureau", "op_bureau"))


def opinions(chain: ApprovalChain | None) -> dict[str, str]:
    """ASM-6: each step's verdict, opinion, signer and date; blank lines where undecided."""
    out = {}
    if chain is None:
        return out
    for step in approvals.steps(chain):
        if step.decision:
            verdict = t(f"assessment.form.decision_{step.decision}")
            out[step.role] = tr("opinion_text", verdict=verdict, opinion=step.opinion,
                                name=step.decided_by.display_name, date=date_zh(step.decided_at, pad=True))
    return out


def registration_data(a: Assessment, village_names: dict[int, str] | None = None,
                      chain: ApprovalChain | None | bool = None) -> RegistrationData:
    """附件2's values; ``chain`` False means "known to have none" (a town passes its chains preloaded)."""
    p: Person = a.person
    if village_names is not None:
        village = village_names.get(p.village_id, "")
    else:
        village = p.village.name if p.village_id else ""
    return RegistrationData(a.year, p.name, t(f"person.sex.{p.sex}"), f"{p.birth_date:%Y.%m}",
                            t(f"person.political_status.{p.political_status}"), t(f"person.education.{p.education}"),
                            f"{a.town.name}{village}", rules.grade_label(a.grade) if a.grade else "",
                            a.summary, opinions(None if chain is False else
                                                chain or approvals.for_subject(service.REG_KIND, a.id)))


def write_registration(ws: Worksheet, d: RegistrationData) -> int:
    """附件2: personal details, grade, summary, and the three opinions (ASM-6)."""
    export.set_widths(ws, [16, 14, 12, 14, 12, 20])
    export.title_row(ws, 1, tr("registration_title"), NCOLS)
    export.note_row(ws, 2, tr("year_line", year=d.year), NCOLS)
    for row, labels in ((3, ("name", "sex", "birth")), (4, ("political", "education", "unit"))):
        for k, key in enumerate(labels):
            export.merged(ws, row, 2 * k + 1, tr(key), font=BOLD)
            export.merged(ws, row, 2 * k + 2, None)
        ws.row_dimensions[row].height = 28
    export.merged(ws, 5, 1, tr("grade"), font=BOLD)
    export.merged(ws, 5, 2, None, cols=NCOLS - 1)
    export.merged(ws, 6, 1, tr("summary"), font=BOLD)
    export.merged(ws, 6, 2, None, cols=NCOLS - 1, align=export.TOP_LEFT, font=TEXT)
    ws.row_dimensions[6].height = 220
    for row, (role, key) in enumerate(CHAIN_ROWS, start=7):
        export.merged(ws, row, 1, tr(key), font=BOLD)
        export.merged(ws, row, 2, None, cols=NCOLS - 1, font=TEXT,
                      align=Alignment(horizontal="left", vertical="bottom", wrap_text=True))
        ws.row_dimensions[row].height = 80
    fill_registration(ws, d)
    return 9


def fill_registration(ws: Worksheet, d: RegistrationData) -> None:
    """The cells that differ from one assistant to the next."""
    for ref, value in (("B3", d.name), ("D3", d.sex), ("F3", d.birth), ("B4", d.political), ("D4", d.education),
                       ("F4", d.unit), ("B5", d.grade), ("B6", d.summary)):
        ws[ref].value = value
    for row, (role, _) in enumerate(CHAIN_ROWS, start=7):
        blank = t("export.seal_date") if role == "bureau" else tr("head_sign_blank")
        ws.cell(row, 2).value = d.opinions.get(role) or "\n\n" + blank
    export.page_setup(ws, landscape=False, footer=False)
    export.print_area(ws, 9, NCOLS)


# ------------------------------------------------------------------ 附件3 town summary

@dataclass
class SummaryData:
    year: int
    town: str
    on_roll: int
    assessed: int
    names: dict[str, list[str]]  # grade → names
    explanations: list[tuple[str, str]]  # 不合格: name, explanation


def summary_data(town: OrgUnit, year: int) -> SummaryData:
    sheets = list(Assessment.select(Assessment, Person).join(Person)
                  .where((Assessment.town == town) & (Assessment.year == year))
                  .order_by(Assessment.total.desc(), Person.name_initials, Person.id))
    names = {g: [a.person.name for a in sheets if a.grade == g] for g in rules.GRADES}
    return SummaryData(year, town.name, len(service.full_time(town)), len(sheets), names,
                       [(a.person.name, a.explanation) for a in sheets if a.grade == "fail"])


def write_summary(ws: Worksheet, d: SummaryData) -> int:
    """附件3: unit, counts, per grade the count and the names, three opinions, the 不合格 note (ASM-7)."""
    export.set_widths(ws, [14, 14, 12, 14, 12, 20])
    export.title_row(ws, 1, tr("summary_title"), NCOLS)
    export.note_row(ws, 2, tr("summary_year", year=d.year), NCOLS)
    for col, value in enumerate([tr("unit_seal"), d.town, tr("on_roll"), d.on_roll, tr("assessed"), d.assessed], 1):
        export.merged(ws, 3, col, value, font=BOLD if col % 2 else None)
    ws.row_dimensions[3].height = 36
    export.merged(ws, 4, 1, tr("result"), rows=5, font=BOLD)
    export.merged(ws, 4, 2, tr("col.grade"), font=BOLD)
    export.merged(ws, 4, 3, tr("col.count"), font=BOLD)
    export.merged(ws, 4, 4, tr("col.names"), cols=3, font=BOLD)
    for row, grade in enumerate(rules.GRADES, start=5):
        export.merged(ws, row, 2, rules.grade_label(grade))
        export.merged(ws, row, 3, len(d.names[grade]))
        export.merged(ws, row, 4, "、".join(d.names[grade]), cols=3, align=export.LEFT)
        ws.row_dimensions[row].height = max(24, 14 * (1 + len(d.names[grade]) // 12))
    for col, key in ((1, "op_town"), (3, "op_office"), (5, "op_bureau")):
        export.merged(ws, 9, col, tr(key), font=BOLD)
        export.merged(ws, 9, col + 1, "\n\n" + t("export.seal_date"), font=SMALL,
                      align=Alignment(horizontal="right", vertical="bottom", wrap_text=True))
    ws.row_dimensions[9].height = 90
    export.note_row(ws, 10, tr("summary_note"), NCOLS)
    row = 11
    for name, text in d.explanations:
        export.note_row(ws, row, tr("fail_explanation", name=name, text=text), NCOLS)
        row += 1
    export.note_row(ws, row, tr("summary_footer"), NCOLS)
    export.page_setup(ws, landscape=False)
    export.print_area(ws, row, NCOLS)
    return row


# ------------------------------------------------------------------ the package

def sheet_title(a: Assessment) -> str:
    return f"{a.person.name}-{a.person_id}"[:31]


def town_data(town: OrgUnit, year: int) -> tuple[Scheme, list[tuple[str, ScoringData]],
                                              list[tuple[str, RegistrationData]], SummaryData]:
    """Everything a town's package prints, read with a handful of queries (the computing part)."""
    sch = service.scheme_for(town.code)
    sheets = list(Assessment.select(Assessment, Person).join(Person)
                  .where((Assessment.town == town) & (Assessment.year == year)).order_by(Person.name_initials, Person.id))
    ids = [a.id for a in sheets]
    deds: dict[int, list[ItemDeduction]] = {i: [] for i in ids}
    vetoes: dict[int, list[Veto]] = {i: [] for i in ids}
    for d in ItemDeduction.select().join(Assessment).where((Assessment.town == town) & (Assessment.year == year)):
        deds[d.assessment_id].append(d)
    for v in Veto.select().join(Assessment).where((Assessment.town == town) & (Assessment.year == year)):
        vetoes[v.assessment_id].append(v)
    chains = {c.subject_id: c for c in ApprovalChain.select().where(
        (ApprovalChain.kind == service.REG_KIND) & (ApprovalChain.town == town)).order_by(ApprovalChain.id)}
    villages = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.parent == town).tuples())
    for a in sheets:
        a.town = town  # one town object for all: no query per sheet
    scoring = [(sheet_title(a), scoring_data(a, sch, deds[a.id], vetoes[a.id], town.name)) for a in sheets]
    registration = [(sheet_title(a), registration_data(a, villages, chains.get(a.id, False))) for a in sheets]
    return sch, scoring, registration, summary_data(town, year)


def write_package(town: OrgUnit, year: int, folder: Path) -> list[Path]:
    """附件1, 附件2 (a sheet per assistant) and 附件3 for one town, into ``folder``."""
    return write_files(town.name, year, folder, *town_data(town, year))


def write_files(unit: str, year: int, folder: Path, sch: Scheme, scoring: list[tuple[str, ScoringData]],
                registration: list[tuple[str, RegistrationData]], summary: SummaryData) -> list[Path]:
    """Only the writing: lay out and save the three workbooks of one town.

    The first assistant's sheet is laid out cell by cell; the others are copies of it
    with only their own values filled in (styling each cell again costs ten times more).
    """
    from openpyxl import Workbook

    out = []
    for form, rows, write, fill in (("1", scoring, lambda ws, d: write_scoring(ws, sch, d),
                                     lambda ws, d: fill_scoring(ws, sch, d)),
                                    ("2", registration, write_registration, fill_registration)):
        wb = Workbook()
        first = wb.active
        if rows:
            first.title = rows[0][0]
            write(first, rows[0][1])
        else:
            first.title = tr("empty_sheet")
        for title, data in rows[1:]:
            ws = wb.copy_worksheet(first)
            ws.title = title
            fill(ws, data)
        out.append(export.save_xlsx(wb, Path(folder) / _file(unit, year, form)))
    wb, ws = export.workbook()
    ws.title = tr("summary_sheet")
    write_summary(ws, summary)
    out.append(export.save_xlsx(wb, Path(folder) / _file(unit, year, "3")))
    return out


def _file(unit: str, year: int, form: str) -> str:
    """``新安街道_2026年_附件1_年度考核评分表.xlsx``: named for the people who file it."""
    return export.file_name(unit, t("fmt.year", year=year), tr(f"file{form}"), suffix="xlsx")


# ------------------------------------------------------------------ the routine publication (ASM-2), the cover sheet

COLUMNS = ("no", "name", "village", "marked", "attendance", "work", "result")
WIDTHS = {"no": 5, "name": 9, "village": 14, "marked": 8, "attendance": 30, "work": 30, "result": 8}


def render_monthly(ctx: ReportContext, fmt: str, path: Path) -> None:
    """ASM-2: the town's publication sheet (公示) of the routine assessment for one month."""
    if ctx.town is None:
        raise XinyiError("jobs.town_required")
    year, month = (int(x) for x in ctx.period.split("-"))
    rows = monthly.month_rows(ctx.town, ctx.period)
    columns = [export.Column(t(f"assessment.monthly.col.{c}"), WIDTHS[c], left=c in ("attendance", "work"))
               for c in COLUMNS]
    results = {r: t(f"assessment.monthly.result.{r}") for r in monthly.RESULTS}  # said once, not per row
    unreviewed = t("assessment.monthly.unreviewed")
    body = [[i, r.name, r.village, r.marked_days, attendance, r.work,
             (results.get(r.result) or t(f"assessment.monthly.result.{r.result}")) if r.result else unreviewed]
            for i, (r, attendance) in enumerate(zip(rows, monthly.attendance_texts(rows)), start=1)]
    wb, ws = export.workbook(write_only=True)
    ws.title = t("assessment.monthly.sheet")
    export.table_sheet(ws, title=t("assessment.monthly.heading", unit=ctx.town.name, year=year, month=month),
                       note=t("assessment.monthly.note", count=len(rows),
                              reviewed=sum(1 for r in rows if r.result)),
                       columns=columns, rows=body,
                       footer_note=t("assessment.monthly.made", date=date_zh(clock.today(), pad=True)))
    wb.save(path)


def write_overview(year: int, path: Path) -> Path:
    """The city's cover sheet: every town's progress and grade distribution (ASM-3)."""
    columns = [export.Column(t(f"assessment.overview.col.{c}"), w) for c, w in
               (("town", 16), ("on_roll", 10), ("assessed", 10), *((g, 8) for g in rules.GRADES), ("state", 10))]
    rows = [[r["town"].name, r["on_roll"], r["assessed"], *(r["grades"][g] for g in rules.GRADES),
             t(f"assessment.screen.state_{r['state']}")] for r in service.progress(year)]
    wb, ws = export.workbook(write_only=True)
    ws.title = t("assessment.overview.sheet")
    export.table_sheet(ws, title=t("assessment.overview.heading", year=year), columns=columns, rows=rows,
                       note=t("assessment.overview.note", towns=len(rows), people=sum(r[2] for r in rows)),
                       footer_note=t("assessment.monthly.made", date=date_zh(clock.today(), pad=True)))
    add_overview_charts(wb, year, rows)
    return export.save_xlsx(wb, path)


def add_overview_charts(wb: Any, year: int, rows: list[list[Any]]) -> None:
    """The cover sheet's second sheet, 图表: each town's progress (assessed of on the roll) and its grade
    distribution as Excel charts (the 20% cap is in the title), from the cover sheet's own rows."""
    n = len(rules.GRADES)
    table = [[r[0], r[1], r[2], *(round(g * 100 / r[2], 1) if r[2] else 0.0 for g in r[3:3 + n])] for r in rows]
    cap = f"{float(service.setting('excellent_ratio') or 0.2) * 100:g}"
    export.add_chart_sheet(
        wb, sheet_title=t("assessment.overview.chart.sheet"), title=t("assessment.overview.chart.heading", year=year),
        note=t("assessment.overview.chart.note", cap=cap),
        headers=[t("assessment.overview.col.town"), t("assessment.overview.col.on_roll"),
                 t("assessment.overview.col.assessed"),
                 *(t("assessment.overview.chart.share", grade=t(f"assessment.grade.{g}")) for g in rules.GRADES)],
        rows=table,
        charts=[export.Chart(t("assessment.overview.chart.progress"), [0, 1], axis_title=t("assessment.overview.chart.people")),
                export.Chart(t("assessment.overview.chart.grades", cap=cap), list(range(2, 2 + n)),
                             grouping="stacked", axis_title="%", maximum=100)])


REPORTS = [ReportSpec("assessment.monthly", "assessment.monthly.title", render_monthly, formats=("xlsx",),
                      period="month", city_wide=False)]
