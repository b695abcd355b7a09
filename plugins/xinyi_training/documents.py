"""TRN-3 printed documents: the quarter's shortfall list (《宣传信息缺报名单》), per town and for the city."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from xinyi_core import OrgUnit, ReportContext, ReportSpec, clock, date_zh, export, t

from .rules import Quarter
from .service import PLUGIN, enabled_town_ids, quota


def shortfall_rows(ctx: ReportContext) -> list[list[Any]]:
    quarter = Quarter.parse(ctx.period)
    towns = [ctx.town.id] if ctx.town is not None else enabled_town_ids(None)
    names = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).tuples())
    out = []
    for row in quota.town_rows(towns, quarter):
        if not row.missing:
            continue
        p = row.person
        line = [len(out) + 1, p.name]
        if ctx.town is None:
            line.append(names.get(p.town_id, ""))
        line += [names.get(p.village_id, ""), ctx.phone(p.phone), row.quota, row.submitted, row.missing]
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
