"""Running reports, and the core's own report: the assistants' roster (协理员花名册).

    paths = [output_path(base, spec.name, ctx.period, ctx.unit_name, t(spec.title), fmt) for fmt in spec.formats]
    with export.atomic_paths(paths) as temps:  # every format written, then all put in place together
        for fmt, final in zip(spec.formats, paths):
            spec.render(ctx, fmt, temps[final])
"""
from __future__ import annotations

import gc
import itertools
import operator
from pathlib import Path
from typing import Any

import peewee as pw

from . import clock, export, org, people, printing
from .fmt import date_zh, period_zh
from .i18n import t
from .jobs.api import JobContext, ReportContext, ReportSpec, Schedule, period_bounds, previous_month
from .models import OrgUnit, Person
from .state import runtime


def output_path(base: Path, report: str, period: str, unit_name: str, title: str, fmt: str) -> Path:
    """``<base>/<report>/<period>/新安街道_2026年11月_月度考勤汇总.xlsx``: one file per report, period and unit."""
    return Path(base) / report / period / export.file_name(unit_name, period_zh(period), title, suffix=fmt)


def run(spec: ReportSpec, params: dict[str, Any], job: JobContext, *, out_dir: Path | None = None) -> list[Path]:
    """Render every format of ``spec`` for ``params`` (period, town); return the files.

    A city-wide run of a report with ``by_town`` first writes every town's
    files, as a run for that town would (progress per town), then the city's
    own files in ``city_formats``.
    """
    cfg = runtime().config
    town_code = params.get("town")
    town = org.by_code(town_code) if town_code else None
    base = out_dir or cfg.report_dir
    paths: list[Path] = []
    shared: dict[str, Any] = {}  # ReportContext.shared: one run's
    # What the process had before the run is frozen meanwhile (in the worker: every module, cache and
    # earlier job's leftovers), so a collection during the run — the cyclic collector's own, or the
    # one after each town below — looks only at the run's objects: milliseconds, not a scan of the
    # whole process each time a report's rows set one off
    gc.freeze()
    try:
        if town is None and spec.by_town:
            codes = org.town_codes()
            if spec.plugin:
                codes = runtime().plugins.towns_enabling(spec.plugin, codes)
            towns = [org.by_code(code) for code in codes]
            # a written Word document (python-docx's objects refer to each other in cycles) waits for
            # the cyclic collector, its XML with it: without a collection after each town a run held
            # several towns' documents at once (the 20,000 city's roster held 392 MB against ~180 before
            # its table bodies were written as text; leave.stubs' forms are still elements)
            for k, unit in enumerate(towns):
                paths += _write(spec, params, unit, _TownProgress(job, k, len(towns) + 1, unit.name, len(towns)),
                                base, spec.town_formats or spec.formats, shared)
                gc.collect()
            job.progress(len(towns) / (len(towns) + 1), t("jobs.msg.city_summary"), force=True)
            paths += _write(spec, params, None, _TownProgress(job, len(towns), len(towns) + 1, "", 0), base,
                            spec.city_formats or spec.formats, shared)
        else:
            paths += _write(spec, params, town, job, base, spec.formats, shared)
    finally:
        gc.unfreeze()
    missing = ""
    if cfg.pdf_beside:  # so a town without a server-side printer can print anywhere
        # one PDF per report: of its Word file where it has one (the printed layout), else its sheet
        printable = sorted((p for p in paths if p.suffix != ".pdf"), key=lambda p: p.suffix != ".docx")[:1]
        try:
            for path in printable:
                job.progress(0.9, t("print.job.converting"), force=True)
                paths.append(printing.to_pdf(path))
        except printing.PrintError as exc:  # the report stands without its PDF; say why
            missing = str(exc)
            job.finish(t("print.job.no_pdf", reason=missing))
    job.progress(1.0, t("jobs.msg.written", count=len(paths)) + (f"；{missing}" if missing else ""), force=True)
    return paths


def _write(spec: ReportSpec, params: dict[str, Any], town: OrgUnit | None, job: Any, base: Path,
           formats: tuple[str, ...], shared: dict[str, Any]) -> list[Path]:
    """One unit's files of ``spec``, every format written, then all put in place together."""
    policy = runtime().config.full_numbers.get(spec.name, spec.full_numbers)  # [privacy] full_numbers
    ctx = ReportContext(spec, params["period"], town, job, params,
                        full_numbers=policy == "all" or (policy == "city" and town is None), shared=shared)
    paths = [output_path(base, spec.name, ctx.period, ctx.unit_name, t(spec.title), fmt) for fmt in formats]
    with export.atomic_paths(paths) as temps:
        for fmt, final in zip(formats, paths):
            spec.render(ctx, fmt, temps[final])
    return paths


class _TownProgress:
    """A job's progress as one town's share of a city-wide run: 新安街道（3/16）：…"""

    def __init__(self, job: JobContext, index: int, parts: int, name: str, towns: int) -> None:
        self.job, self.index, self.parts, self.name, self.towns = job, index, parts, name, towns

    def progress(self, fraction: float, message: str = "", *, force: bool = False) -> None:
        where = t("jobs.msg.town_part", town=self.name, done=self.index + 1, total=self.towns) if self.name else ""
        self.job.progress((self.index + max(0.0, min(1.0, fraction))) / self.parts, where + message,
                          force=force or (fraction == 0 and bool(self.name)))

    def __getattr__(self, name: str) -> Any:  # finish, job_id …: the job's own
        return getattr(self.job, name)


# --------------------------------------------------------------------------- the roster (花名册)

def roster_rows(ctx: ReportContext) -> list[list[Any]]:
    """One row per assistant on the roll in the period: joined by its end, not gone before its start.

    Made once per file set — the .xlsx and the .docx of a unit share them (``ctx.cache``).
    """
    cached = ctx.cache.get("roster_rows")
    if cached is not None:
        return cached
    roll = _roll(ctx)
    city_wide = ctx.town is None
    sexes: dict[str, str] = {}
    statuses: dict[str, str] = {}
    rows = []
    for i, (_, name, sex, birth, id_number, phone, town_name, village_name, status, joined) in enumerate(roll, 1):
        if sex not in sexes:
            sexes[sex] = t(f"person.sex.{sex}")
        if status not in statuses:
            statuses[status] = t(f"person.status.{status}")
        row = [i, name, sexes[sex], f"{birth:%Y.%m}", ctx.id_number(id_number), ctx.phone(phone)]
        if city_wide:
            row.append(town_name or "")
        row += [village_name or "", statuses[status], f"{joined:%Y.%m.%d}" if joined else ""]
        rows.append(row)
        if i % 1000 == 0:
            ctx.progress(0.8 * i / len(roll), t("jobs.msg.rows", done=i, total=len(roll)))
    ctx.cache["roster_rows"] = rows
    return rows


def _roll(ctx: ReportContext) -> list[tuple]:
    """The unit's people on the roll in the period, in the roster's order (town, village, name,
    id): ``(town id, name, sex, birth date, ID number, phone, town, village, status, joined on)``.

    Read as plain tuples (no model objects: 20,000 of them were most of the city run's memory). A run
    for the whole city reads the city's roll once, at its first file, and keeps it for the run
    (``ctx.shared``): each town's file takes its town's people from it — the same people in the same
    order as that town's own run reads — and the city's file every one of them.
    """
    if not ctx.city_run:
        return _read_roll(ctx.period, ctx.town)
    by_town = ctx.shared.get("core.roster.roll")
    if by_town is None:
        roll = _read_roll(ctx.period, None)
        by_town = ctx.shared["core.roster.roll"] = {
            town_id: list(group) for town_id, group in itertools.groupby(roll, key=operator.itemgetter(0))}
    if ctx.town is None:
        return [person for group in by_town.values() for person in group]
    return by_town.get(ctx.town.id, [])


def _read_roll(period: str, town: OrgUnit | None) -> list[tuple]:
    first, last = period_bounds(period)
    village = OrgUnit.alias()
    town_unit = OrgUnit.alias()
    q = (Person.select(Person.town, Person.name, Person.sex, Person.birth_date, Person.id_number, Person.phone,
                       town_unit.name, village.name, Person.status, Person.joined_on)
         .join(village, pw.JOIN.LEFT_OUTER, on=(Person.village == village.id))
         .switch(Person).join(town_unit, pw.JOIN.LEFT_OUTER, on=(Person.town == town_unit.id))
         .where(people.on_roll_during(first, last, candidates=True))
         .order_by(Person.town, Person.village, Person.name_initials, Person.id))
    if town is not None:
        q = q.where(Person.town == town.id)
    return list(q.tuples())


def roster_columns(city_wide: bool) -> list[export.Column]:
    cols = [export.Column(t("report.roster.col.no"), 6), export.Column(t("report.roster.col.name"), 10),
            export.Column(t("report.roster.col.sex"), 6), export.Column(t("report.roster.col.birth"), 10),
            export.Column(t("report.roster.col.id_number"), 21), export.Column(t("report.roster.col.phone"), 14)]
    if city_wide:
        cols.append(export.Column(t("report.roster.col.town"), None, left=True))
    cols += [export.Column(t("report.roster.col.village"), None, left=True),
             export.Column(t("report.roster.col.status"), 8), export.Column(t("report.roster.col.joined"), 12)]
    return cols


def render_roster(ctx: ReportContext, fmt: str, path: Path) -> None:
    rows = roster_rows(ctx)
    year, month = ctx.period.split("-")
    title = t("report.roster.heading", unit=ctx.unit_name)
    note = t("report.roster.note", year=year, month=int(month), count=len(rows))
    made = t("report.roster.made", date=date_zh(clock.today(), pad=True))
    columns = roster_columns(ctx.town is None)
    if fmt == "xlsx":
        wb, ws = export.workbook(write_only=True)
        ws.title = t("report.roster.sheet")
        export.table_sheet(ws, title=title, note=note, columns=columns, rows=rows, footer_note=made)
        wb.save(path)
    else:
        doc = export.document(landscape=True)
        export.docx_title(doc, title)
        export.docx_note(doc, note)
        export.docx_table(doc, [c.header for c in columns], rows, size=9)
        export.docx_note(doc, made, right=True)
        doc.save(str(path))


CORE_REPORTS = (
    # the city's roster is the one file that needs the full numbers; a town's prints them masked.
    # A city prints its roster town by town: a city-wide run writes each town's Word roster (the
    # file that town's own run writes, one town's table in memory at a time) and the city's
    # complete .xlsx — not a 20,000-row Word table nobody prints (issue 21).
    ReportSpec("core.roster", "report.roster.title", render_roster, formats=("xlsx", "docx"), period="month",
               full_numbers="city", by_town=True, town_formats=("docx",), city_formats=("xlsx",)),
)

# The roster of the month just ended, at 06:00 on the 1st: per town, and for the whole city.
CORE_SCHEDULES = (
    Schedule("core.roster.monthly", "core.roster", "0 6 1 * *", params=previous_month, per_town=True),
    Schedule("core.roster.monthly.city", "core.roster", "10 6 1 * *", params=previous_month, per_town=False),
)
