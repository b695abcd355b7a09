"""TRN-3 printed documents: the quarter's shortfall list (《宣传信息缺报名单》), per town and for the city."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from xinyi_core import OrgUnit, Person, ReportContext, ReportSpec, clock, date_zh, export, t

from . import rules
from .rules import Quarter
from .service import PLUGIN, enabled_town_ids, quota


def shortfall_rows(ctx: ReportContext) -> list[list[Any]]:
    """One row per assistant short in the quarter — :func:`quota.town_rows` read as plain tuples of the
    columns printed (not a Person object per assistant of the city, most of whom are not short)."""
    quarter = Quarter.parse(ctx.period)
    towns = [ctx.town.id] if ctx.town is not None else enabled_town_ids(None)
    names = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).tuples())
    people = (Person.select(Person.id, Person.name, Person.town, Person.village, Person.phone, Person.status,
                            Person.joined_on, Person.departed_on)
              .where(Person.town.in_(towns) & (Person.status != "candidate"))
              .order_by(Person.town, Person.village, Person.name_initials, Person.id))
    got = quota.counts(people.select(Person.id).order_by(), quarter)  # a subquery, not 20,000 ids
    n = quota.quota()
    out = []
    for pid, name, town_id, village_id, phone, status, joined_on, departed_on in people.tuples().iterator():
        if not rules.owes_quota(status, joined_on, departed_on, quarter):
            continue
        row = quota.QuotaRow(None, got.get(pid, 0), n)
        if not row.missing:
            continue
        line = [len(out) + 1, name]
        if ctx.town is None:
            line.append(names.get(town_id, ""))
        line += [names.get(village_id, ""), ctx.phone(phone), row.quota, row.submitted, row.missing]
        out.append(line)
    return out


def render_shortfall(ctx: ReportContext, fmt: str, path: Path) -> None:
    """《宣传信息缺报名单》: one row per assistant short in the quarter (TRN-3)."""
    quarter = Quarter.parse(ctx.period)
    rows = shortfall_rows(ctx)
    cols = [export.Column(t(f"{PLUGIN}.report.col.no"), 6), export.Column(t(f"{PLUGIN}.report.col.name"), 10)]
    if ctx.town is None:
        cols.append(export.Column(t(f"{PLUGIN}.report.col.town"), None, left=True))
    cols += [export.Column(t(f"{PLUGIN}.report.col.village"), None, left=True),
             export.Column(t(f"{PLUGIN}.report.col.phone"), 14), export.Column(t(f"{PLUGIN}.report.col.quota"), 8),
             export.Column(t(f"{PLUGIN}.report.col.submitted"), 8), export.Column(t(f"{PLUGIN}.report.col.missing"), 8)]
    wb, ws = export.workbook(write_only=True)
    ws.title = t(f"{PLUGIN}.report.sheet")
    export.table_sheet(ws, title=t(f"{PLUGIN}.report.heading", unit=ctx.unit_name, quarter=quarter.zh),
                       note=t(f"{PLUGIN}.report.note", first=quarter.first.isoformat(), last=quarter.last.isoformat(),
                              count=len(rows)),
                       columns=cols, rows=rows, landscape=False,
                       footer_note=t(f"{PLUGIN}.report.made", date=date_zh(clock.today(), pad=True)))
    wb.save(path)


REPORTS = [ReportSpec(f"{PLUGIN}.shortfall", f"{PLUGIN}.report.title", render_shortfall, period="quarter")]
